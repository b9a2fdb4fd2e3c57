//! `liqmap info`: a summary of a dataset.

use super::common::DatasetArg;

/// Arguments of `liqmap info`.
#[derive(Debug, Default, clap::Args)]
pub struct InfoArgs {
    /// The dataset.
    #[command(flatten)]
    pub dataset: DatasetArg,
}

/// Prints the summary.
pub fn run(args: &InfoArgs) -> anyhow::Result<()> {
    let dataset = args.dataset.load()?;
    println!(
        "{} {} bars: {}",
        dataset.exchange,
        dataset.symbol,
        dataset.bars.len()
    );
    Ok(())
}
