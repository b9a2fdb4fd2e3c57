//! `liqmap import`: builds a native dataset from files traders already have.

use std::path::PathBuf;

/// Arguments of `liqmap import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Klines file (format detected from its content).
    #[arg(long)]
    pub klines: PathBuf,
    /// Where to write the native dataset.
    #[arg(long)]
    pub out: PathBuf,
}

/// Imports and saves.
pub fn run(_args: &ImportArgs) -> anyhow::Result<()> {
    anyhow::bail!("import is not implemented yet")
}
