//! `liqmap export`: a PNG of the heatmap under the candles, and CSV of the grid and clusters.

/// Arguments of `liqmap export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {}

/// Writes the requested files.
pub fn run(_args: &ExportArgs) -> anyhow::Result<()> {
    anyhow::bail!("export is not implemented yet")
}
