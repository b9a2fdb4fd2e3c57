//! `liqmap map`: the liquidation map at one bar.

/// Arguments of `liqmap map`.
#[derive(Debug, clap::Args)]
pub struct MapArgs {}

/// Prints the map.
pub fn run(_args: &MapArgs) -> anyhow::Result<()> {
    anyhow::bail!("map is not implemented yet")
}
