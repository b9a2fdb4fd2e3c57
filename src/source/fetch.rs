//! One fetch of history: what the cache lacks is asked of the venue page by page, with progress
//! and cancel, and the result is checked for holes before it is called complete.

use std::sync::atomic::{AtomicU64, Ordering};

use super::cache;
use super::error::{Cause, SourceError};
use super::http::Session;
use super::venue::{OnPage, Paged};
use super::{
    CancelToken, FetchOutcome, FetchProgress, FetchRequest, SourceConfig, Venue, binance, bybit,
    hyperliquid, interval, okx,
};
use crate::model::{Bar, Dataset, Gap, Liquidation, OpenInterestSample};
use crate::time::format_time_ms;

/// How long after a bar opens the venue may still not list it.
const NEWEST_BAR_GRACE_MS: i64 = 60_000;

/// Fetches bars, open interest and (where the venue serves their history) liquidations of
/// `request`, reporting progress after every page. Stops promptly when `cancel` fires.
///
/// Returns `Ok` whenever at least one bar is there (from the venue or the cache): a cancelled or
/// failed fetch then comes back with `complete == false` and the reasons in `problems`.
/// Returns `Err` when no bar is there at all, or the request is invalid for the venue. Data
/// that arrived is cached even when the fetch fails, so trying again asks only for the rest.
pub async fn fetch(
    request: &FetchRequest,
    config: &SourceConfig,
    progress: &(dyn Fn(FetchProgress) + Send + Sync),
    cancel: &CancelToken,
) -> Result<FetchOutcome, SourceError> {
    let venue = request.venue;
    let symbol = venue_symbol(venue, &request.symbol);
    let interval_ms = request.interval_ms;
    let invalid =
        |message: String| SourceError::new(venue, describe(request), Cause::Unsupported(message));
    if interval_name(venue, interval_ms).is_none() {
        return Err(invalid(format!(
            "{venue} serves no {interval_ms} ms interval"
        )));
    }
    if request.start_ms >= request.end_ms {
        return Err(invalid(
            "the span is empty: start must be before end".into(),
        ));
    }
    let want = (request.start_ms, request.end_ms);
    let now_ms = config.now_ms();
    // Bars that opened before this one are closed and will not change: only they count as cached.
    let open_bar_ms = now_ms.div_euclid(interval_ms) * interval_ms;

    let session = Session::new(venue, config, cancel.clone())?;
    let cache_path = config
        .cache_dir
        .as_ref()
        .map(|dir| cache::entry_path(dir, venue, &symbol, interval_ms));
    let mut entry = cache_path.as_deref().map(cache::load).unwrap_or_default();

    let bar_ranges = entry.missing_bars(want);
    let oi_ranges = if has_oi_history(venue) {
        entry.missing_oi(want)
    } else {
        Vec::new()
    };
    let total: u64 = bar_ranges
        .iter()
        .map(|&r| bar_pages(venue, interval_ms, r))
        .chain(
            oi_ranges
                .iter()
                .map(|&r| oi_pages(venue, interval_ms, r, now_ms)),
        )
        .sum();
    let done = AtomicU64::new(0);
    let total = AtomicU64::new(total);
    progress(FetchProgress {
        pages_done: 0,
        pages_total: total.load(Ordering::Relaxed),
    });
    let on_page = || {
        let pages_done = done.fetch_add(1, Ordering::Relaxed) + 1;
        let pages_total = total
            .fetch_max(pages_done, Ordering::Relaxed)
            .max(pages_done);
        progress(FetchProgress {
            pages_done,
            pages_total,
        });
    };

    let mut problems = Vec::new();
    let mut complete = true;
    let mut first_error: Option<SourceError> = None;
    let mut note_stop = |e: SourceError, problems: &mut Vec<String>| {
        problems.push(e.to_string());
        if first_error.is_none() {
            first_error = Some(e);
        }
    };

    for &range in &bar_ranges {
        let paged = venue_bars(&session, venue, &symbol, interval_ms, range, &on_page).await;
        // Only a range whose closed bars all arrived is marked as held: a hole (an empty page,
        // a venue outage) is asked for again next time rather than remembered as final.
        let closed = (range.0, range.1.min(open_bar_ms));
        let covered = (paged.stopped.is_none() && covers(&paged.items, closed, interval_ms))
            .then_some(closed);
        entry.add_bars(&paged.items, covered);
        problems.extend(paged.notes);
        if let Some(e) = paged.stopped {
            complete = false;
            note_stop(e, &mut problems);
            break;
        }
    }
    if complete {
        for &range in &oi_ranges {
            let paged = venue_oi(&session, venue, &symbol, interval_ms, range, &on_page).await;
            let covered = paged
                .stopped
                .is_none()
                .then(|| (range.0, range.1.min(now_ms)));
            let items = if venue == Venue::Okx {
                okx_oi_in_coins(paged.items, &entry.bars_in(want))
            } else {
                paged.items
            };
            entry.add_oi(&items, covered);
            problems.extend(paged.notes);
            if let Some(e) = paged.stopped {
                complete = false;
                note_stop(e, &mut problems);
                break;
            }
        }
    }
    if complete {
        // The estimate assumed full pages; the paging ended early because the data did.
        let pages_done = done.load(Ordering::Relaxed);
        progress(FetchProgress {
            pages_done,
            pages_total: pages_done,
        });
    }
    let mut liquidations: Vec<Liquidation> = Vec::new();
    let mut current_oi: Option<OpenInterestSample> = None;
    if complete {
        match venue {
            Venue::Okx => {
                let paged = okx::liquidations(&session, &symbol, want).await;
                liquidations = paged.items;
                problems.extend(paged.notes);
                if let Some(e) = paged.stopped {
                    complete = false;
                    note_stop(e, &mut problems);
                }
            }
            Venue::Hyperliquid if want.0 <= now_ms && now_ms < want.1 => {
                match hyperliquid::current_open_interest(&session, &symbol).await {
                    Ok(sample) => current_oi = sample,
                    Err(e) => {
                        complete = false;
                        note_stop(e, &mut problems);
                    }
                }
            }
            Venue::Hyperliquid => problems.push(
                "Hyperliquid serves no open-interest history: only the current open interest, \
                 sampled going forward, so this span uses volume mode"
                    .into(),
            ),
            Venue::Binance | Venue::Bybit => {}
        }
    }

    if let Some(path) = &cache_path
        && let Err(e) = cache::store(path, &entry)
    {
        problems.push(format!("could not write the cache {}: {e}", path.display()));
    }

    let bars = entry.bars_in(want);
    let mut open_interest = entry.oi_in(want);
    open_interest.extend(current_oi);
    if bars.is_empty() {
        return Err(first_error.unwrap_or_else(|| {
            SourceError::new(
                venue,
                describe(request),
                Cause::NoData(format!(
                    "no bars between {} and {}",
                    format_time_ms(want.0),
                    format_time_ms(want.1)
                )),
            )
        }));
    }
    let dataset = Dataset {
        exchange: venue.dataset_name().to_string(),
        symbol,
        interval_ms,
        bars,
        open_interest,
        liquidations,
    };
    let holes = holes(&dataset, want, now_ms);
    if !holes.is_empty() {
        complete = false;
        problems.extend(holes);
    }
    Ok(FetchOutcome {
        dataset,
        complete,
        problems,
    })
}

/// Bars the span should have but the dataset lacks: before the first, after the last, and gaps.
fn holes(dataset: &Dataset, want: (i64, i64), now_ms: i64) -> Vec<String> {
    let step = dataset.interval_ms;
    let first_expected = want.0.div_euclid(step) * step
        + if want.0.rem_euclid(step) == 0 {
            0
        } else {
            step
        };
    let last_by_span = (want.1 - 1).div_euclid(step) * step;
    let last_by_clock = (now_ms - NEWEST_BAR_GRACE_MS).div_euclid(step) * step;
    let last_expected = last_by_span.min(last_by_clock);
    let mut holes = Vec::new();
    let (Some(first), Some(last)) = (dataset.bars.first(), dataset.bars.last()) else {
        return holes;
    };
    if first.open_time_ms > first_expected {
        holes.push(format!(
            "no bars from {} to {} ({} missing at the start)",
            format_time_ms(first_expected),
            format_time_ms(first.open_time_ms),
            (first.open_time_ms - first_expected) / step
        ));
    }
    for Gap {
        after_ms,
        before_ms,
        missing_bars,
    } in dataset.gaps()
    {
        holes.push(format!(
            "{missing_bars} bars missing between {} and {}",
            format_time_ms(after_ms),
            format_time_ms(before_ms)
        ));
    }
    if last.open_time_ms < last_expected {
        holes.push(format!(
            "no bars after {} (expected until {}; {} missing at the end)",
            format_time_ms(last.open_time_ms),
            format_time_ms(last_expected),
            (last_expected - last.open_time_ms) / step
        ));
    }
    holes
}

/// Whether `bars` (in time order) hold every bar that opens in `range`.
fn covers(bars: &[Bar], range: (i64, i64), interval_ms: i64) -> bool {
    let aligned = range.0.div_euclid(interval_ms) * interval_ms;
    let first_open = if aligned < range.0 {
        aligned + interval_ms
    } else {
        aligned
    };
    let expected = if range.1 > first_open {
        (range.1 - first_open + interval_ms - 1) / interval_ms
    } else {
        0
    };
    let mut inside = bars
        .iter()
        .map(|b| b.open_time_ms)
        .filter(|&t| t >= range.0 && t < range.1);
    let mut found = 0;
    for i in 0..expected {
        if inside.next() != Some(first_open + i * interval_ms) {
            return false;
        }
        found += 1;
    }
    found == expected && inside.next().is_none()
}

/// The request as error messages name it.
fn describe(request: &FetchRequest) -> String {
    format!(
        "fetch {} {} ms from {} to {}",
        request.symbol,
        request.interval_ms,
        format_time_ms(request.start_ms),
        format_time_ms(request.end_ms)
    )
}

/// The symbol as the venue spells it.
fn venue_symbol(venue: Venue, symbol: &str) -> String {
    match venue {
        Venue::Binance | Venue::Bybit => symbol.trim().to_ascii_uppercase(),
        Venue::Okx => okx::inst_id(symbol),
        Venue::Hyperliquid => hyperliquid::coin(symbol),
    }
}

fn interval_name(venue: Venue, interval_ms: i64) -> Option<&'static str> {
    match venue {
        Venue::Binance => interval::binance_name(interval_ms),
        Venue::Bybit => interval::bybit_name(interval_ms),
        Venue::Okx => interval::okx_name(interval_ms),
        Venue::Hyperliquid => hyperliquid::interval_name(interval_ms),
    }
}

fn has_oi_history(venue: Venue) -> bool {
    matches!(venue, Venue::Binance | Venue::Bybit | Venue::Okx)
}

fn bar_pages(venue: Venue, interval_ms: i64, range: (i64, i64)) -> u64 {
    let page = match venue {
        Venue::Binance => binance::KLINES_PAGE,
        Venue::Bybit => bybit::KLINES_PAGE,
        Venue::Okx => okx::CANDLES_PAGE,
        Venue::Hyperliquid => hyperliquid::CANDLES_PAGE,
    };
    binance::pages(interval_ms, range, page)
}

fn oi_pages(venue: Venue, interval_ms: i64, range: (i64, i64), now_ms: i64) -> u64 {
    match venue {
        Venue::Binance => binance::oi_pages(interval_ms, range, now_ms),
        Venue::Bybit => bybit::oi_pages(interval_ms, range),
        Venue::Okx => 1,
        Venue::Hyperliquid => 0,
    }
}

async fn venue_bars(
    s: &Session,
    venue: Venue,
    symbol: &str,
    interval_ms: i64,
    range: (i64, i64),
    on_page: OnPage<'_>,
) -> Paged<Bar> {
    match venue {
        Venue::Binance => binance::bars(s, symbol, interval_ms, range, on_page).await,
        Venue::Bybit => bybit::bars(s, symbol, interval_ms, range, on_page).await,
        Venue::Okx => okx::bars(s, symbol, interval_ms, range, on_page).await,
        Venue::Hyperliquid => hyperliquid::bars(s, symbol, interval_ms, range, on_page).await,
    }
}

async fn venue_oi(
    s: &Session,
    venue: Venue,
    symbol: &str,
    interval_ms: i64,
    range: (i64, i64),
    on_page: OnPage<'_>,
) -> Paged<OpenInterestSample> {
    match venue {
        Venue::Binance => binance::open_interest(s, symbol, interval_ms, range, on_page).await,
        Venue::Bybit => bybit::open_interest(s, symbol, interval_ms, range, on_page).await,
        Venue::Okx => okx::open_interest(s, symbol, interval_ms, range, on_page).await,
        Venue::Hyperliquid => Paged::new(),
    }
}

/// OKX gives open interest in USD only: the coins are the USD over the close of the bar the
/// sample falls in. Samples before the first bar are dropped.
fn okx_oi_in_coins(samples: Vec<OpenInterestSample>, bars: &[Bar]) -> Vec<OpenInterestSample> {
    samples
        .into_iter()
        .filter_map(|s| {
            let after = bars.partition_point(|b| b.open_time_ms <= s.time_ms);
            let bar = bars.get(after.checked_sub(1)?)?;
            let usd = s.value_usd?;
            (bar.close > 0.0).then(|| OpenInterestSample {
                open_interest: usd / bar.close,
                ..s
            })
        })
        .collect()
}
