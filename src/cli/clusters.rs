//! `liqclusters clusters`: the ranked clusters at one bar.

/// Arguments of `liqclusters clusters`.
#[derive(Debug, clap::Args)]
pub struct ClustersArgs {}

/// Prints the clusters.
pub fn run(_args: &ClustersArgs) -> anyhow::Result<()> {
    anyhow::bail!("clusters is not implemented yet")
}
