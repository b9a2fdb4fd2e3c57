//! `liqmap view`: opens the viewer window on a dataset or importable file.

use std::path::PathBuf;

/// Arguments of `liqmap view`.
#[derive(Debug, Default, clap::Args)]
pub struct ViewArgs {
    /// Dataset or importable file to open; default: the last file, or the bundled sample.
    #[arg(value_name = "DATASET")]
    pub dataset: Option<PathBuf>,
}

/// Opens the window and returns when it is closed.
pub fn run(args: &ViewArgs) -> anyhow::Result<()> {
    crate::ui::run(args.dataset.clone())
}
