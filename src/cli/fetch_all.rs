//! `liqmap fetch --exchange all --coin BTC --out-dir DIR`: the coin's perpetual from every venue
//! in parallel, one progress bar each, one dataset file per venue (`btc-binance-5m.json`, …) and
//! a view file naming them (`btc-5m.view.json`, see docs/view-format.md).
//!
//! Exit codes: 0 when every venue that lists the coin arrived whole (a venue that does not list it
//! is skipped and said so); 3 when any venue is partial or missing, naming them; 1 when nothing
//! arrived from any venue; 2 for bad arguments; 130 when Ctrl-C cancelled it. As with one venue,
//! an existing dataset file is merged into, never replaced, and a failed venue writes nothing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use super::fetch::{
    BAD_ARGUMENT_EXIT, CANCELLED_EXIT, ExchangeArg, FetchArgs, NOTHING_EXIT, PARTIAL_EXIT, Stop,
    cancel_on_ctrl_c, finish, progress_bar, progress_reporter, read_existing, runtime,
    source_config, span,
};
use crate::dataset::view::{View, ViewEntry, save_view};
use crate::source::coin_fetch::{CoinRequest, VenueFetch, VenueProgress, fetch_coin};
use crate::source::{CancelToken, FetchProgress, Venue};
use crate::time::format_interval;

/// Runs `fetch --exchange all` and returns its exit code, the messages already printed.
pub fn main(args: &FetchArgs) -> ExitCode {
    match run(args) {
        Ok(code) => ExitCode::from(code),
        Err(stop) => {
            eprintln!("{}", stop.message);
            ExitCode::from(stop.code)
        }
    }
}

/// Where each venue's dataset goes: `btc-binance-5m.json`.
fn dataset_path(dir: &Path, coin: &str, venue: Venue, interval_ms: i64) -> PathBuf {
    dir.join(format!(
        "{}-{}-{}.json",
        coin.to_ascii_lowercase(),
        venue.cli_name(),
        format_interval(interval_ms)
    ))
}

/// What became of the venues, for the last line and the exit code.
#[derive(Default)]
struct Tally {
    written: Vec<PathBuf>,
    partial: Vec<String>,
    missing: Vec<String>,
    skipped: Vec<String>,
}

fn run(args: &FetchArgs) -> Result<u8, Stop> {
    let bad = |m: &str| Stop::new(BAD_ARGUMENT_EXIT, format!("error: {m}"));
    let (ExchangeArg::All, Some(coin), Some(dir)) = (args.exchange, &args.coin, &args.out_dir)
    else {
        return Err(bad(
            "--exchange all takes --coin and --out-dir (and --coin needs --exchange all)",
        ));
    };
    let coin = coin.trim().to_ascii_uppercase();
    let config = source_config(args);
    let (start_ms, end_ms) = span(args, config.now_ms()).map_err(|m| bad(&m))?;
    std::fs::create_dir_all(dir).map_err(|e| {
        Stop::new(
            NOTHING_EXIT,
            format!("error: could not create {}: {e}", dir.display()),
        )
    })?;
    // A file there that is not a dataset stops everything before anything is asked.
    for venue in Venue::ALL {
        read_existing(&dataset_path(dir, &coin, venue, args.interval))?;
    }
    let request = CoinRequest {
        coin: coin.clone(),
        interval_ms: args.interval,
        start_ms,
        end_ms,
    };
    let multi = indicatif::MultiProgress::new();
    let bars: Vec<indicatif::ProgressBar> = Venue::ALL
        .iter()
        .map(|v| multi.add(progress_bar(format!("{v} {coin}"))))
        .collect();
    let reporters: Vec<Box<dyn Fn(FetchProgress) + Send + Sync>> = bars
        .iter()
        .map(|b| Box::new(progress_reporter(b)) as Box<dyn Fn(FetchProgress) + Send + Sync>)
        .collect();
    let progress: VenueProgress = Arc::new(move |venue, p| {
        if let Some(report) = Venue::ALL
            .iter()
            .position(|v| *v == venue)
            .and_then(|i| reporters.get(i))
        {
            report(p);
        }
    });
    let cancel = CancelToken::new();
    let results = runtime()?.block_on(cancel_on_ctrl_c(
        &cancel,
        fetch_coin(&request, &config, progress, &cancel),
    ));
    for bar in &bars {
        bar.finish_and_clear();
    }
    if cancel.is_cancelled() {
        return Err(Stop::new(
            CANCELLED_EXIT,
            format!("cancelled: nothing written to {}", dir.display()),
        ));
    }
    let mut tally = Tally::default();
    for (venue, result) in results {
        write_venue(dir, &coin, args, venue, result, &mut tally);
    }
    finish_all(dir, &coin, args.interval, &tally)
}

/// Writes one venue's dataset (merged into the file already there) and notes how it went.
fn write_venue(
    dir: &Path,
    coin: &str,
    args: &FetchArgs,
    venue: Venue,
    result: VenueFetch,
    tally: &mut Tally,
) {
    let name = venue.cli_name().to_string();
    let (symbol, outcome) = match result {
        VenueFetch::Fetched { symbol, outcome } => (symbol, outcome),
        other => {
            eprintln!("{}", other.describe(venue));
            match other {
                VenueFetch::NotListed(_) => tally.skipped.push(name),
                _ => tally.missing.push(name),
            }
            return;
        }
    };
    let path = dataset_path(dir, coin, venue, args.interval);
    print!("{venue} {symbol}: ");
    let written = read_existing(&path)
        .and_then(|existing| finish(&path, args.no_cache, existing, Ok(outcome), false));
    match written {
        Ok(code) => {
            if code == PARTIAL_EXIT {
                tally.partial.push(name);
            }
            tally.written.push(path);
        }
        Err(stop) => {
            println!("not written");
            eprintln!("{venue}: {}", stop.message);
            tally.missing.push(name);
        }
    }
}

/// Writes the view file naming the datasets written, says what is partial, missing or skipped,
/// and gives the exit code.
fn finish_all(dir: &Path, coin: &str, interval_ms: i64, tally: &Tally) -> Result<u8, Stop> {
    if !tally.skipped.is_empty() {
        println!("skipped (coin not listed): {}", tally.skipped.join(", "));
    }
    if tally.written.is_empty() {
        return Err(Stop::new(
            NOTHING_EXIT,
            format!(
                "error: no venue delivered {coin}; nothing written to {}",
                dir.display()
            ),
        ));
    }
    let view = View {
        datasets: tally
            .written
            .iter()
            .map(|path| ViewEntry {
                path: path.clone(),
                enabled: true,
                weight: 1.0,
            })
            .collect(),
        reference: None,
    };
    let view_path = dir.join(format!(
        "{}-{}.view.json",
        coin.to_ascii_lowercase(),
        format_interval(interval_ms)
    ));
    save_view(&view, &view_path).map_err(|e| {
        Stop::new(
            NOTHING_EXIT,
            format!("error: could not write the view file: {e}"),
        )
    })?;
    println!(
        "view of {} venues: {} (open it with `liqmap view {}`)",
        tally.written.len(),
        view_path.display(),
        view_path.display()
    );
    if tally.partial.is_empty() && tally.missing.is_empty() {
        return Ok(super::fetch::COMPLETE_EXIT);
    }
    let mut parts = Vec::new();
    if !tally.partial.is_empty() {
        parts.push(format!("partial: {}", tally.partial.join(", ")));
    }
    if !tally.missing.is_empty() {
        parts.push(format!("missing: {}", tally.missing.join(", ")));
    }
    eprintln!(
        "incomplete: {} (fetch again to fill them)",
        parts.join("; ")
    );
    Ok(PARTIAL_EXIT)
}
