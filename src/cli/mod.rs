//! The headless command line: one file a command, all over the same library.

mod aggregate;
mod aggregate_clusters;
mod aggregate_export;
mod clusters;
mod common;
mod export;
mod fetch;
mod fetch_all;
mod import;
mod info;
mod map;
mod map_table;
mod parquet_out;
mod scan;
mod score;
mod settings_args;
#[cfg(feature = "viewer")]
mod view;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// liqmap: where leveraged positions would be liquidated, estimated in the open.
#[derive(Debug, Parser)]
#[command(name = "liqmap", version, about)]
pub struct Cli {
    /// The command to run; none opens the viewer.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands of the command line.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarise a dataset: venue, symbol, bars, time range, open interest, liquidations, gaps.
    Info(info::InfoArgs),
    /// Build a native dataset from klines, open-interest and liquidation files.
    Import(import::ImportArgs),
    /// Print the liquidation map (standing notional by price row) at one bar.
    Map(map::MapArgs),
    /// Print the ranked liquidation clusters at one bar.
    Clusters(clusters::ClustersArgs),
    /// Write a PNG of the heatmap under the candles, and the grid or clusters as CSV.
    Export(export::ExportArgs),
    /// Download bars, open interest and liquidations from an exchange into a dataset file.
    Fetch(fetch::FetchArgs),
    /// Open the viewer window on a dataset or importable file.
    #[cfg(feature = "viewer")]
    View(view::ViewArgs),
    /// Score the map against what price and real liquidations did next.
    Score(score::ScoreArgs),
    /// Map many datasets and print the nearest strong clusters of every symbol in one table.
    Scan(scan::ScanArgs),
}

/// Runs the command line and turns its outcome into an exit code: 0 on success, 2 on any error
/// (bad input, bad argument), with the message on stderr.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        #[cfg(feature = "viewer")]
        None => view::run(&view::ViewArgs::default()),
        #[cfg(not(feature = "viewer"))]
        None => Err(anyhow::anyhow!(
            "no command given, and this build has no viewer (built without the `viewer` \
             feature): see `liqmap --help`"
        )),
        #[cfg(feature = "viewer")]
        Some(Command::View(args)) => view::run(&args),
        Some(Command::Info(args)) => info::run(&args),
        Some(Command::Import(args)) => import::run(&args),
        Some(Command::Map(args)) => map::run(&args),
        Some(Command::Clusters(args)) => clusters::run(&args),
        Some(Command::Export(args)) => export::run(&args),
        Some(Command::Fetch(args)) => return fetch::main(&args),
        Some(Command::Score(args)) => score::run(&args),
        Some(Command::Scan(args)) => scan::run(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
