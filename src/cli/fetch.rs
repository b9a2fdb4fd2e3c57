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
    /// `all`: the coin's perpetual on every venue, in parallel, one dataset each (`--coin`,
    /// `--out-dir`).
    #[arg(long, value_enum)]
    pub exchange: ExchangeArg,
    /// Symbol as the exchange names it: BTCUSDT (Binance, Bybit), BTC-USDT-SWAP (OKX), BTC
    /// (Hyperliquid).
    #[arg(long, required_unless_present = "coin", conflicts_with = "coin")]
    pub symbol: Option<String>,
    /// With `--exchange all`: the coin (BTC, ETH, SOL, HYPE, …), fetched from every venue.
    #[arg(long, requires = "out_dir")]
    pub coin: Option<String>,
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
    #[arg(long, value_name = "DATASET", required_unless_present = "out_dir")]
    pub out: Option<PathBuf>,
    /// With `--exchange all`: the folder for one dataset per venue and a view file naming them.
    #[arg(long, value_name = "DIR", conflicts_with = "out")]
    pub out_dir: Option<PathBuf>,
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
    /// Every venue at once (with `--coin` and `--out-dir`).
    All,
}

impl ExchangeArg {
    /// The one venue this names; `None` for `all`.
    pub fn venue(self) -> Option<Venue> {
        match self {
            ExchangeArg::Binance | ExchangeArg::BinanceArchive => Some(Venue::Binance),
            ExchangeArg::Bybit => Some(Venue::Bybit),
            ExchangeArg::Okx => Some(Venue::Okx),
            ExchangeArg::Hyperliquid => Some(Venue::Hyperliquid),
            ExchangeArg::All => None,
        }
    }
}

/// The fetch was complete.
pub(super) const COMPLETE_EXIT: u8 = 0;
/// Nothing arrived, or nothing could be written.
pub(super) const NOTHING_EXIT: u8 = 1;
/// Bad arguments.
pub(super) const BAD_ARGUMENT_EXIT: u8 = 2;
/// An incomplete dataset was written.
pub(super) const PARTIAL_EXIT: u8 = 3;
/// Exit code of a fetch cancelled with Ctrl-C (128 + SIGINT).
pub(super) const CANCELLED_EXIT: u8 = 130;

/// A fetch that ended early, with its exit code and message.
pub(super) struct Stop {
    pub(super) code: u8,
    pub(super) message: String,
}

impl Stop {
    pub(super) fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Runs `fetch` and returns its exit code, the messages already printed.
pub fn main(args: &FetchArgs) -> ExitCode {
    if args.exchange == ExchangeArg::All || args.coin.is_some() {
        return super::fetch_all::main(args);
    }
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
    let config = source_config(args);
    let (start_ms, end_ms) = span(args, config.now_ms())
        .map_err(|m| Stop::new(BAD_ARGUMENT_EXIT, format!("error: {m}")))?;
    let (Some(venue), Some(symbol), Some(out)) = (args.exchange.venue(), &args.symbol, &args.out)
    else {
        return Err(Stop::new(
            BAD_ARGUMENT_EXIT,
            "error: give --symbol and --out for one exchange (--coin and --out-dir with \
             --exchange all)",
        ));
    };
    let existing = read_existing(out)?;
    let request = FetchRequest {
        venue,
        symbol: symbol.clone(),
        interval_ms: args.interval,
        start_ms,
        end_ms,
    };
    let runtime = runtime()?;
    let what = if archive {
        "Binance archive".to_string()
    } else {
        venue.to_string()
    };
    let bar = progress_bar(format!("{what} {}", request.symbol));
    let progress = progress_reporter(&bar);
    let cancel = CancelToken::new();
    let outcome = runtime.block_on(cancel_on_ctrl_c(&cancel, async {
        if archive {
            source::archive::fetch_archive(&request, &config, &progress, &cancel).await
        } else {
            source::fetch(&request, &config, &progress, &cancel).await
        }
    }));
    bar.finish_and_clear();
    finish(out, args.no_cache, existing, outcome, cancel.is_cancelled())
}

/// The sources' settings the arguments give.
pub(super) fn source_config(args: &FetchArgs) -> SourceConfig {
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
    config
}

/// The runtime the fetches run on.
pub(super) fn runtime() -> Result<tokio::runtime::Runtime, Stop> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            Stop::new(
                NOTHING_EXIT,
                format!("error: could not start the async runtime: {e}"),
            )
        })
}

/// Runs `work`, firing `cancel` when Ctrl-C is pressed meanwhile.
pub(super) async fn cancel_on_ctrl_c<T>(
    cancel: &CancelToken,
    work: impl std::future::Future<Output = T>,
) -> T {
    let on_ctrl_c = cancel.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let out = work.await;
    watcher.abort();
    out
}

/// The span `[start, end)` the arguments give.
pub(super) fn span(args: &FetchArgs, now_ms: i64) -> Result<(i64, i64), String> {
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
pub(super) fn read_existing(out: &Path) -> Result<Option<Dataset>, Stop> {
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

pub(super) fn progress_bar(message: String) -> indicatif::ProgressBar {
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
pub(super) fn progress_reporter(
    bar: &indicatif::ProgressBar,
) -> impl Fn(FetchProgress) + Send + Sync + use<> {
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
pub(super) fn finish(
    out: &Path,
    no_cache: bool,
    existing: Option<Dataset>,
    outcome: Result<FetchOutcome, SourceError>,
    cancelled: bool,
) -> Result<u8, Stop> {
    if cancelled {
        let arrived = outcome.as_ref().map_or(0, |o| o.dataset.bars.len());
        let kept = if arrived > 0 && !no_cache {
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
            assert_eq!(arg.venue(), Some(venue));
        }
        let archive = ExchangeArg::from_str("binance-archive", false).unwrap();
        assert_eq!(archive.venue(), Some(Venue::Binance));
        let all = ExchangeArg::from_str("all", false).unwrap();
        assert_eq!(all.venue(), None);
    }
}
