//! `liqmap fetch`: download bars, open interest and liquidations from an exchange into a dataset
//! file, with a progress bar on the terminal.
//!
//! Exit codes: 0 when the fetch is complete; 3 when it wrote an incomplete dataset (the missing
//! ranges are named); 2 for bad arguments (including a symbol or interval the exchange refuses,
//! and an `--out` of another series); 1 when nothing arrived or nothing could be written; 130
//! when Ctrl-C cancelled it.
//!
//! An `--out` that already exists is merged into: the bars, open interest and liquidations it
//! holds are kept and the new ones added (a bar at a time already saved takes the newer
//! values), so a failed or partial fetch never loses data already saved. Ctrl-C drops the
//! requests in flight and writes nothing; what had arrived stays in the cache, so the next run
//! asks only for the rest.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use crate::dataset::merge::{self, MergeReport};
use crate::model::Dataset;
use crate::source::{
    self, CancelToken, FetchOutcome, FetchProgress, FetchRequest, SourceConfig, SourceError, Venue,
};
use crate::time::{format_time_ms, parse_time_ms};

/// Arguments of `fetch`.
#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("span").required(true).args(["days", "from"])))]
pub struct FetchArgs {
    /// The exchange (`binance-archive`: Binance's public archive of daily and monthly files).
    #[arg(long, value_enum)]
    pub exchange: ExchangeArg,
    /// Symbol as the exchange names it: BTCUSDT (Binance, Bybit), BTC-USDT-SWAP (OKX), BTC
    /// (Hyperliquid).
    #[arg(long)]
    pub symbol: String,
    /// Bar interval: 1m, 5m, 15m, 1h, 4h, 1d, …
    #[arg(long, value_parser = source::interval::parse_interval_ms)]
    pub interval: i64,
    /// The last N days up to now.
    #[arg(long, value_name = "N", conflicts_with_all = ["from", "to"])]
    pub days: Option<f64>,
    /// Start of the span: epoch milliseconds or RFC 3339.
    #[arg(long, value_name = "TIME", value_parser = parse_time_ms, requires = "to")]
    pub from: Option<i64>,
    /// End of the span (exclusive): epoch milliseconds or RFC 3339.
    #[arg(long, value_name = "TIME", value_parser = parse_time_ms, requires = "from")]
    pub to: Option<i64>,
    /// The dataset file to write; an existing one is merged into, never replaced.
    #[arg(long, value_name = "DATASET")]
    pub out: PathBuf,
    /// REST base URL instead of the exchange's public one (a mirror, or a local replay server);
    /// for `binance-archive`, the archive's base URL (default https://data.binance.vision).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Base URL of Binance's public archive, where `binance` takes open interest older than 30
    /// days from (default https://data.binance.vision).
    #[arg(long, value_name = "URL")]
    pub archive_url: Option<String>,
    /// Do not read or write the cache.
    #[arg(long)]
    pub no_cache: bool,
}

/// The exchanges `--exchange` accepts: the command line's own names, turned into the library's
/// [`Venue`] (library types do not derive clap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExchangeArg {
    /// Binance USD-M perpetual futures.
    Binance,
    /// Bybit v5, linear (USDT) perpetuals.
    Bybit,
    /// OKX USDT swaps.
    Okx,
    /// Hyperliquid perpetuals.
    Hyperliquid,
    /// Binance USD-M from its public archive of daily and monthly files (years of history,
    /// open interest included).
    BinanceArchive,
}

impl From<ExchangeArg> for Venue {
    fn from(arg: ExchangeArg) -> Venue {
        match arg {
            ExchangeArg::Binance | ExchangeArg::BinanceArchive => Venue::Binance,
            ExchangeArg::Bybit => Venue::Bybit,
            ExchangeArg::Okx => Venue::Okx,
            ExchangeArg::Hyperliquid => Venue::Hyperliquid,
        }
    }
}

/// The fetch was complete.
const COMPLETE_EXIT: u8 = 0;
/// Nothing arrived, or nothing could be written.
const NOTHING_EXIT: u8 = 1;
/// Bad arguments.
const BAD_ARGUMENT_EXIT: u8 = 2;
/// An incomplete dataset was written.
const PARTIAL_EXIT: u8 = 3;
/// Exit code of a fetch cancelled with Ctrl-C (128 + SIGINT).
const CANCELLED_EXIT: u8 = 130;

/// A fetch that ended early, with its exit code and message.
struct Stop {
    code: u8,
    message: String,
}

impl Stop {
    fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Runs `fetch` and returns its exit code, the messages already printed.
pub fn main(args: &FetchArgs) -> ExitCode {
    match run(args) {
        Ok(code) => ExitCode::from(code),
        Err(stop) => {
            eprintln!("{}", stop.message);
            ExitCode::from(stop.code)
        }
    }
}

fn run(args: &FetchArgs) -> Result<u8, Stop> {
    let archive = args.exchange == ExchangeArg::BinanceArchive;
    let mut config = SourceConfig {
        base_url: args.base_url.clone(),
        archive_url: if archive {
            args.base_url.clone()
        } else {
            args.archive_url.clone()
        },
        ..SourceConfig::default()
    };
    if args.no_cache {
        config.cache_dir = None;
    }
    let (start_ms, end_ms) = span(args, config.now_ms())
        .map_err(|m| Stop::new(BAD_ARGUMENT_EXIT, format!("error: {m}")))?;
    let venue = Venue::from(args.exchange);
    let existing = read_existing(&args.out)?;
    let request = FetchRequest {
        venue,
        symbol: args.symbol.clone(),
        interval_ms: args.interval,
        start_ms,
        end_ms,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            Stop::new(
                NOTHING_EXIT,
                format!("error: could not start the async runtime: {e}"),
            )
        })?;
    let what = if archive {
        "Binance archive".to_string()
    } else {
        venue.to_string()
    };
    let bar = progress_bar(format!("{what} {}", request.symbol));
    let progress = progress_reporter(&bar);
    let cancel = CancelToken::new();
    let outcome = runtime.block_on(async {
        let on_ctrl_c = cancel.clone();
        let watcher = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_ctrl_c.cancel();
            }
        });
        let outcome = if archive {
            source::archive::fetch_archive(&request, &config, &progress, &cancel).await
        } else {
            source::fetch(&request, &config, &progress, &cancel).await
        };
        watcher.abort();
        outcome
    });
    bar.finish_and_clear();
    finish(args, existing, outcome, cancel.is_cancelled())
}

/// The span `[start, end)` the arguments give.
fn span(args: &FetchArgs, now_ms: i64) -> Result<(i64, i64), String> {
    match (args.days, args.from, args.to) {
        (Some(days), _, _) if days.is_finite() && days > 0.0 => {
            Ok(((now_ms as f64 - days * 86_400_000.0) as i64, now_ms))
        }
        (Some(days), _, _) => Err(format!("--days {days}: expected a number of days above 0")),
        (None, Some(from), Some(to)) if from < to => Ok((from, to)),
        (None, Some(_), Some(_)) => Err("--from must be before --to".into()),
        _ => Err("give --days N, or --from TIME and --to TIME".into()),
    }
}

/// The dataset already at `--out`, to merge into; a file there that is not a dataset stops the
/// fetch before anything is asked, since writing would replace it.
fn read_existing(out: &Path) -> Result<Option<Dataset>, Stop> {
    if !out.exists() {
        return Ok(None);
    }
    crate::dataset::load(out).map(Some).map_err(|e| {
        Stop::new(
            BAD_ARGUMENT_EXIT,
            format!(
                "error: --out {} exists but cannot be read as a dataset to merge into ({e}); \
                 nothing fetched",
                out.display()
            ),
        )
    })
}

fn progress_bar(message: String) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} pages {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}

/// Moves the bar, and says once per wait when the venue makes the fetch wait a while.
fn progress_reporter(bar: &indicatif::ProgressBar) -> impl Fn(FetchProgress) + Send + Sync {
    let shown = bar.clone();
    let last_wait = Arc::new(Mutex::new(None::<i64>));
    move |p: FetchProgress| {
        shown.set_length(p.pages_total);
        shown.set_position(p.pages_done);
        let Some(wait) = p.waiting else { return };
        let Ok(mut last) = last_wait.lock() else {
            return;
        };
        if *last != Some(wait.until_ms) {
            *last = Some(wait.until_ms);
            // Said around the bar, which is hidden when stderr is not a terminal.
            shown.suspend(|| {
                eprintln!(
                    "rate limited by {}, waiting {} s (Ctrl-C to stop)",
                    wait.venue,
                    wait.wait_ms.div_ceil(1000)
                );
            });
        }
    }
}

/// Writes what arrived (merged into the existing file) and says how it went.
fn finish(
    args: &FetchArgs,
    existing: Option<Dataset>,
    outcome: Result<FetchOutcome, SourceError>,
    cancelled: bool,
) -> Result<u8, Stop> {
    let out = &args.out;
    if cancelled {
        let arrived = outcome.as_ref().map_or(0, |o| o.dataset.bars.len());
        let kept = if arrived > 0 && !args.no_cache {
            format!(" ({arrived} bars had arrived; they stay in the cache)")
        } else {
            String::new()
        };
        return Err(Stop::new(
            CANCELLED_EXIT,
            format!("cancelled: nothing written to {}{kept}", out.display()),
        ));
    }
    let outcome = outcome.map_err(|e| {
        let code = if e.is_bad_request() {
            BAD_ARGUMENT_EXIT
        } else {
            NOTHING_EXIT
        };
        Stop::new(
            code,
            format!("error: {e}; nothing written to {}", out.display()),
        )
    })?;
    let (dataset, report) = match existing {
        Some(mut saved) => {
            let report = merge::merge(&mut saved, &outcome.dataset).map_err(|e| {
                Stop::new(
                    BAD_ARGUMENT_EXIT,
                    format!("error: {}: {e}; nothing written", out.display()),
                )
            })?;
            (saved, Some(report))
        }
        None => (outcome.dataset.clone(), None),
    };
    crate::dataset::save(&dataset, out)
        .map_err(|e| Stop::new(NOTHING_EXIT, format!("error: could not write: {e}")))?;
    println!("{}", summary(&outcome, &dataset, report.as_ref(), out));
    Ok(if outcome.complete {
        COMPLETE_EXIT
    } else {
        PARTIAL_EXIT
    })
}

/// The final line: what arrived, what the file holds, and whether anything is missing.
fn summary(
    outcome: &FetchOutcome,
    written: &Dataset,
    report: Option<&MergeReport>,
    out: &Path,
) -> String {
    let data = &outcome.dataset;
    let mut line = format!(
        "{} bars, {} open-interest points, {} liquidations",
        data.bars.len(),
        data.open_interest.len(),
        data.liquidations.len()
    );
    if let Some(report) = report {
        line.push_str(&format!(
            "; merged into {}: {} bars added, {} replaced, {} open-interest points added, {} \
             liquidations added; it now holds {} bars",
            out.display(),
            report.bars.added,
            report.bars.replaced,
            report.open_interest.added,
            report.liquidations.added,
            written.bars.len()
        ));
    }
    if outcome.complete {
        line.push_str(" — complete");
        if !outcome.problems.is_empty() {
            line.push_str(&format!(" (notes: {})", outcome.problems.join("; ")));
        }
    } else {
        line.push_str(&format!(" — PARTIAL: {}", outcome.problems.join("; ")));
        if !outcome.missing_ms.is_empty() {
            let ranges: Vec<String> = outcome
                .missing_ms
                .iter()
                .map(|&(a, b)| format!("{} to {}", format_time_ms(a), format_time_ms(b)))
                .collect();
            line.push_str(&format!(
                "; missing: {} (fetch again to fill them)",
                ranges.join(", ")
            ));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn every_venue_has_its_command_line_name_and_converts_back() {
        for venue in Venue::ALL {
            let arg = ExchangeArg::from_str(venue.cli_name(), false).unwrap();
            assert_eq!(Venue::from(arg), venue);
        }
        let archive = ExchangeArg::from_str("binance-archive", false).unwrap();
        assert_eq!(Venue::from(archive), Venue::Binance);
    }
}
