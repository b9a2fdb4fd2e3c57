//! One fetch of history: what the cache lacks is asked of the venue page by page, with progress
//! and cancel; the open interest of the bars that arrived is fetched even when the bars stopped
//! partway; and the result is checked for holes (bars against the span, open interest against
//! the bars) before it is called complete.

use super::cache::{self, CacheEntry};
use super::config::{CancelToken, FetchOutcome, FetchProgress, FetchRequest, SourceConfig};
use super::coverage::{self, Hole};
use super::error::{Cause, SourceError};
use super::exchange::Exchange;
use super::http::Session;
use super::interval::oi_period;
use super::pager::{OnPage, Paged, page_through};
use super::progress::{Counter, run_telling_waits, wait_channel};
use super::ranges::{self, Range};
use super::registry::exchange;
use crate::model::{Dataset, OpenInterestSample};
use crate::time::format_time_ms;

/// A day, in milliseconds: the archive's files are daily.
const DAY_MS: i64 = 86_400_000;

/// Fetches bars, open interest and (where the venue serves their history) liquidations of
/// `request`, reporting progress after every page and while the venue makes it wait. Stops
/// promptly when `cancel` fires.
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
    let ex = exchange(venue);
    let invalid =
        |message: String| SourceError::new(venue, describe(request), Cause::Unsupported(message));
    if ex.interval_name(request.interval_ms).is_none() {
        return Err(invalid(format!(
            "{venue} serves no {} ms interval",
            request.interval_ms
        )));
    }
    if request.start_ms >= request.end_ms {
        return Err(invalid(
            "the span is empty: start must be before end".into(),
        ));
    }
    let (on_wait, waits) = wait_channel();
    let session = Session::new(ex.endpoint(), config, cancel.clone(), None)?.with_on_wait(on_wait);
    let counter = Counter::new(progress);
    run_telling_waits(&counter, waits, run(ex, &session, request, &counter)).await
}

/// What went wrong so far, and the first error (returned when no bar arrived at all).
#[derive(Default)]
struct Trouble {
    problems: Vec<String>,
    first_error: Option<SourceError>,
    stopped: bool,
}

impl Trouble {
    fn absorb<T>(&mut self, paged: Paged<T>) -> Vec<T> {
        self.problems.extend(paged.notes);
        if let Some(e) = paged.stopped {
            self.stop(e);
        }
        paged.items
    }

    fn stop(&mut self, e: SourceError) {
        self.stopped = true;
        self.problems.push(e.to_string());
        if self.first_error.is_none() {
            self.first_error = Some(e);
        }
    }
}

async fn run(
    ex: &dyn Exchange,
    session: &Session,
    request: &FetchRequest,
    counter: &Counter<'_>,
) -> Result<FetchOutcome, SourceError> {
    let venue = request.venue;
    let symbol = ex.symbol(&request.symbol);
    let interval_ms = request.interval_ms;
    let want = (request.start_ms, request.end_ms);
    let config = &session.config;
    let now_ms = config.now_ms();
    // Bars that opened before this one are closed and will not change: only they count as cached.
    let open_bar_ms = now_ms.div_euclid(interval_ms) * interval_ms;
    let cache_path = config
        .cache_dir
        .as_ref()
        .map(|dir| cache::entry_path(dir, venue, &symbol, interval_ms));
    let mut entry = cache_path.as_deref().map(cache::load).unwrap_or_default();
    let oi = ex
        .oi_history()
        .and_then(|h| Some((h, oi_period(interval_ms, h.periods)?)));

    let bar_ranges = entry.missing_bars(want);
    let bar_pages: u64 = bar_ranges
        .iter()
        .map(|&r| ex.bar_paging().pages(interval_ms, r))
        .sum();
    let oi_pages = oi.map_or(0, |(h, (_, period_ms))| {
        match ex.oi_served(want, now_ms).0 {
            Some(served) => entry
                .missing_oi(served)
                .iter()
                .map(|&r| h.paging.pages(period_ms, r))
                .sum(),
            None => 0,
        }
    });
    counter.start(bar_pages + oi_pages);
    let on_page: OnPage<'_> = &|| counter.page();
    let mut trouble = Trouble::default();

    for &range in &bar_ranges {
        let paged = page_through(
            session,
            ex.bar_paging(),
            interval_ms,
            range,
            |window| ex.bars_page(session, &symbol, interval_ms, window),
            on_page,
        )
        .await;
        // Only bars that arrived are marked as held: a hole (an empty page, a venue outage) is
        // asked for again next time rather than remembered as final.
        let closed = (range.0, range.1.min(open_bar_ms));
        let covered =
            if paged.stopped.is_none() && coverage::covers(&paged.items, closed, interval_ms) {
                vec![closed]
            } else {
                ranges::runs(
                    paged.items.iter().map(|b| b.open_time_ms),
                    interval_ms,
                    closed,
                )
            };
        let items = trouble.absorb(paged);
        entry.add_bars(&items, &covered);
        if trouble.stopped {
            break;
        }
    }

    let bars = entry.bars_in(want);
    let mut missing: Vec<Hole> = Vec::new();
    let mut liquidations = Vec::new();
    let mut current_oi: Option<OpenInterestSample> = None;
    if let (Some(first), Some(last)) = (bars.first(), bars.last())
        && !session.cancel.is_cancelled()
    {
        // The open interest (and liquidations) of the bars that did arrive.
        let extent = (
            want.0.max(first.open_time_ms),
            want.1.min(last.open_time_ms + interval_ms),
        );
        if let Some((history, (period, period_ms))) = oi {
            let (served, note) = ex.oi_served(extent, now_ms);
            let older = match served {
                Some(served) if served.0 > extent.0 => Some((extent.0, served.0)),
                Some(_) => None,
                None => Some(extent),
            };
            let mut checked = served;
            let mut note = note;
            if let Some(older) = older {
                let held_before = entry.oi_in(older).len();
                for range in ranges::coalesce(&entry.missing_oi(older), DAY_MS) {
                    let Some(asked) = ex.older_oi(config, &session.cancel, &symbol, range, on_page)
                    else {
                        break;
                    };
                    let paged = asked.await;
                    // Only samples on the period's grid, as the REST history would give them.
                    let items: Vec<OpenInterestSample> = trouble
                        .absorb(paged)
                        .into_iter()
                        .filter(|o| o.time_ms.rem_euclid(period_ms) == 0)
                        .collect();
                    let covered = ranges::runs(items.iter().map(|o| o.time_ms), period_ms, range);
                    entry.add_oi(&items, &covered);
                }
                if entry.oi_in(older).len() > held_before || held_before > 0 {
                    note = Some(format!(
                        "open interest from {} to {} comes from Binance's public archive (daily \
                         metrics files), the REST API serving only the last 30 days",
                        format_time_ms(older.0),
                        format_time_ms(older.1)
                    ));
                    checked = Some((extent.0, served.map_or(extent.1, |s| s.1)));
                }
            }
            trouble.problems.extend(note);
            if let Some(served) = served {
                let page_span = period_ms.saturating_mul(history.paging.rows.min(1 << 20) as i64);
                for range in ranges::coalesce(&entry.missing_oi(served), page_span) {
                    let paged = page_through(
                        session,
                        history.paging,
                        period_ms,
                        range,
                        |window| ex.oi_page(session, &symbol, period, window),
                        on_page,
                    )
                    .await;
                    let stopped = paged.stopped.is_some();
                    let items = ex.oi_in_coins(trouble.absorb(paged), &bars);
                    let covered = ranges::runs(items.iter().map(|o| o.time_ms), period_ms, range);
                    entry.add_oi(&items, &covered);
                    if stopped {
                        break;
                    }
                }
            }
            if let Some(checked) = checked {
                let held = entry.oi_in(checked);
                if held.is_empty() {
                    // Not a hole in the venue's series: the venue has none for this span.
                    trouble.problems.push(format!(
                        "{venue} served no open interest from {} to {}: the map uses volume \
                         mode there",
                        format_time_ms(checked.0),
                        format_time_ms(checked.1)
                    ));
                } else {
                    missing.extend(coverage::oi_holes(&held, period_ms, checked, now_ms));
                }
            }
        }
        let span = if trouble.stopped { extent } else { want };
        let extras = ex.extras(session, &symbol, span).await;
        liquidations = extras.liquidations;
        current_oi = extras.current_oi;
        trouble.problems.extend(extras.notes);
        if let Some(e) = extras.stopped {
            trouble.stop(e);
        }
    }
    if !trouble.stopped {
        counter.finish();
    }
    store_cache(cache_path.as_deref(), &entry, &mut trouble.problems);

    if bars.is_empty() {
        return Err(trouble.first_error.unwrap_or_else(|| {
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
    let mut open_interest = entry.oi_in(want);
    open_interest.extend(current_oi);
    let mut holes = coverage::bar_holes(&bars, interval_ms, want, now_ms);
    holes.append(&mut missing);
    let complete = !trouble.stopped && holes.is_empty();
    let mut problems = trouble.problems;
    problems.extend(holes.iter().map(|h| h.text.clone()));
    let mut missing_ms: Vec<Range> = holes.iter().map(|h| h.range).collect();
    missing_ms.sort_unstable();
    Ok(FetchOutcome {
        dataset: Dataset {
            exchange: venue.dataset_name().to_string(),
            symbol,
            interval_ms,
            bars,
            open_interest,
            liquidations,
        },
        complete,
        problems,
        missing_ms,
    })
}

fn store_cache(path: Option<&std::path::Path>, entry: &CacheEntry, problems: &mut Vec<String>) {
    if let Some(path) = path
        && let Err(e) = cache::store(path, entry)
    {
        problems.push(format!("could not write the cache {}: {e}", path.display()));
    }
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
