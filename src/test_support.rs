//! What the crate's own unit tests share.

use std::path::PathBuf;

/// The path of the real recording `name` in `tests/data`.
pub fn test_data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}
