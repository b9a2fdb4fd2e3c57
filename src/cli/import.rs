//! `liqmap import`: builds a native dataset from files traders already have.

use std::path::PathBuf;

use crate::dataset::{self, ImportRequest};
use crate::time::format_interval;
use crate::time::format_time_ms;

/// Arguments of `liqmap import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Klines file (format detected from its content).
    #[arg(long, value_name = "FILE")]
    pub klines: PathBuf,
    /// Open-interest file: Binance openInterestHist JSON, Binance metrics CSV or Bybit JSON.
    #[arg(long, value_name = "FILE")]
    pub open_interest: Option<PathBuf>,
    /// Liquidations file: Binance forceOrder JSON (lines or array) or a liquidations CSV.
    #[arg(long, value_name = "FILE")]
    pub liquidations: Option<PathBuf>,
    /// Venue name (default: detected, else binance-usdm).
    #[arg(long, value_name = "E")]
    pub exchange: Option<String>,
    /// Symbol, for data that does not name its own (e.g. BTCUSDT).
    #[arg(long, value_name = "S")]
    pub symbol: Option<String>,
    /// Where to write the native dataset.
    #[arg(long, value_name = "DATASET")]
    pub out: PathBuf,
}

/// Imports, saves, and prints a one-line summary.
pub fn run(args: &ImportArgs) -> anyhow::Result<()> {
    let request = ImportRequest {
        klines: args.klines.clone(),
        open_interest: args.open_interest.clone(),
        liquidations: args.liquidations.clone(),
        exchange: args.exchange.clone(),
        symbol: args.symbol.clone(),
    };
    let dataset = dataset::import(&request)?;
    dataset::save(&dataset, &args.out)?;
    let range = dataset
        .time_range_ms()
        .map_or_else(String::new, |(start, end)| {
            format!(" {} → {}", format_time_ms(start), format_time_ms(end))
        });
    println!(
        "wrote {}: {} {} {}, {} bars{range}, {} open-interest samples, {} liquidations",
        args.out.display(),
        dataset.exchange,
        dataset.symbol,
        format_interval(dataset.interval_ms),
        dataset.bars.len(),
        dataset.open_interest.len(),
        dataset.liquidations.len(),
    );
    Ok(())
}
