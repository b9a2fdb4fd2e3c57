//! `liqmap fetch`: download bars, open interest and liquidations from an exchange into a dataset
//! file, with a progress bar on the terminal.
//!
//! Ctrl-C cancels: requests in flight are dropped, nothing is written to `--out` (a dataset that
//! looks whole but is not would be worse than none), and what had arrived stays in the cache, so
//! the next run asks only for the rest. The exit code is then 130.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use crate::source::{self, CancelToken, FetchProgress, FetchRequest, SourceConfig, Venue};
use crate::time::parse_time_ms;

/// Arguments of `fetch`.
#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("span").required(true).args(["days", "from"])))]
pub struct FetchArgs {
    /// The exchange.
    #[arg(long, value_enum)]
    pub exchange: Venue,
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
    /// The dataset file to write.
    #[arg(long, value_name = "DATASET")]
    pub out: PathBuf,
    /// REST base URL instead of the exchange's public one (a mirror, or a local replay server).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Do not read or write the cache.
    #[arg(long)]
    pub no_cache: bool,
}

/// Exit code of a fetch cancelled with Ctrl-C (128 + SIGINT).
pub const CANCELLED_EXIT: u8 = 130;

/// Ways `fetch` ends without an error.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// The dataset was written.
    Written,
    /// Ctrl-C: nothing was written.
    Cancelled,
}

/// Runs `fetch`.
pub fn run(args: &FetchArgs) -> anyhow::Result<Ended> {
    let mut config = SourceConfig {
        base_url: args.base_url.clone(),
        ..SourceConfig::default()
    };
    if args.no_cache {
        config.cache_dir = None;
    }
    let now_ms = config.now_ms();
    let (start_ms, end_ms) = match (args.days, args.from, args.to) {
        (Some(days), _, _) if days.is_finite() && days > 0.0 => {
            ((now_ms as f64 - days * 86_400_000.0) as i64, now_ms)
        }
        (Some(days), _, _) => anyhow::bail!("--days {days}: expected a number of days above 0"),
        (None, Some(from), Some(to)) if from < to => (from, to),
        (None, Some(_), Some(_)) => anyhow::bail!("--from must be before --to"),
        _ => anyhow::bail!("give --days N, or --from TIME and --to TIME"),
    };
    let request = FetchRequest {
        venue: args.exchange,
        symbol: args.symbol.clone(),
        interval_ms: args.interval,
        start_ms,
        end_ms,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("could not start the async runtime")?;

    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} pages {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(format!("{} {}", args.exchange, request.symbol));
    let shown = Arc::new(bar.clone());
    let progress = move |p: FetchProgress| {
        shown.set_length(p.pages_total);
        shown.set_position(p.pages_done);
    };

    let cancel = CancelToken::new();
    let outcome = runtime.block_on(async {
        let on_ctrl_c = cancel.clone();
        let watcher = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_ctrl_c.cancel();
            }
        });
        let outcome = source::fetch(&request, &config, &progress, &cancel).await;
        watcher.abort();
        outcome
    });
    bar.finish_and_clear();

    if cancel.is_cancelled() {
        let arrived = outcome.as_ref().map_or(0, |o| o.dataset.bars.len());
        let kept = if arrived > 0 && !args.no_cache {
            format!(" ({arrived} bars had arrived; they stay in the cache)")
        } else {
            String::new()
        };
        eprintln!("cancelled: nothing written to {}{kept}", args.out.display());
        return Ok(Ended::Cancelled);
    }
    let outcome = outcome?;
    crate::dataset::save(&outcome.dataset, &args.out)
        .with_context(|| format!("could not write {}", args.out.display()))?;
    let data = &outcome.dataset;
    let mut line = format!(
        "{} bars, {} open-interest points, {} liquidations",
        data.bars.len(),
        data.open_interest.len(),
        data.liquidations.len()
    );
    if outcome.complete {
        line.push_str(" — complete");
        if !outcome.problems.is_empty() {
            line.push_str(&format!(" (notes: {})", outcome.problems.join("; ")));
        }
    } else {
        line.push_str(&format!(" — PARTIAL: {}", outcome.problems.join("; ")));
    }
    println!("{line}");
    Ok(Ended::Written)
}
