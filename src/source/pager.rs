//! One pager for every venue's history: it asks the venue for the window still wanted, sorts
//! and de-duplicates each page by time (never dropping a valid row for its position), moves the
//! cursor past what arrived, and decides when the venue's data has ended.
//!
//! A page that comes back empty inside a range the venue should cover is asked again, then
//! skipped (the window it covered is reported as a hole); only an empty page at the end of the
//! venue's data (the end of the range, now, or before any row arrived) ends the paging.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use super::error::SourceError;
use super::http::Session;
use super::ranges::Range;
use crate::model::{Bar, OpenInterestSample};

/// Extra asks of a window that came back empty before it is skipped.
const EMPTY_PAGE_RETRIES: u32 = 2;
/// Empty windows in a row after which the venue is taken to have no more data that way.
const MAX_SKIPPED_IN_A_ROW: u32 = 3;

/// Rows with a time, by which pages are sorted and merged.
pub(crate) trait Timed {
    /// Open time of a bar, time of a sample, epoch milliseconds.
    fn time_ms(&self) -> i64;
}

impl Timed for Bar {
    fn time_ms(&self) -> i64 {
        self.open_time_ms
    }
}

impl Timed for OpenInterestSample {
    fn time_ms(&self) -> i64 {
        self.time_ms
    }
}

/// Which end of the window a venue answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// The earliest rows from the window's start (Binance klines, Hyperliquid candles).
    Forward,
    /// The latest rows before the window's end (Bybit klines, OKX candles, open interest).
    Backward,
}

/// How a venue's history endpoint pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Paging {
    /// Which end of the window a page holds.
    pub direction: Direction,
    /// Most rows one answer holds.
    pub rows: usize,
}

impl Paging {
    /// Pages expected over `range` at one row per `step_ms`.
    pub fn pages(self, step_ms: i64, range: Range) -> u64 {
        let rows = (range.1 - range.0).max(0) / step_ms.max(1) + 1;
        (rows as u64).div_ceil(self.rows.max(1) as u64).max(1)
    }
}

/// Why a page of history brought nothing more.
#[derive(Debug)]
pub(crate) enum PageStop {
    /// The request failed: paging stops and the fetch is partial.
    Failed(SourceError),
    /// The venue serves nothing further that way (Binance's 30-day edge of open interest): paging
    /// stops with this note.
    Ended(String),
}

impl From<SourceError> for PageStop {
    fn from(error: SourceError) -> Self {
        PageStop::Failed(error)
    }
}

/// Items fetched page by page, and the error that stopped the paging early, if any.
pub(crate) struct Paged<T> {
    /// What arrived, in time order, without duplicates.
    pub items: Vec<T>,
    /// Why paging stopped before the end of the range.
    pub stopped: Option<SourceError>,
    /// Notes for the user (for example a span the venue does not serve).
    pub notes: Vec<String>,
}

impl<T> Paged<T> {
    /// Nothing yet.
    pub fn new() -> Self {
        Self {
            items: Vec::new(),
            stopped: None,
            notes: Vec::new(),
        }
    }
}

/// Called after each page that arrived.
pub(crate) type OnPage<'a> = &'a (dyn Fn() + Send + Sync);

/// Pages through `range` one row per `step_ms`: `ask(window)` sends one request for the window
/// `[from_ms, until_ms)` still wanted and returns the rows of the answer as the venue sent them.
pub(crate) async fn page_through<T, F, Fut>(
    session: &Session,
    paging: Paging,
    step_ms: i64,
    range: Range,
    mut ask: F,
    on_page: OnPage<'_>,
) -> Paged<T>
where
    T: Timed,
    F: FnMut(Range) -> Fut,
    Fut: Future<Output = Result<Vec<T>, PageStop>>,
{
    let mut paged = Paged::new();
    let mut found: BTreeMap<i64, T> = BTreeMap::new();
    let step_ms = step_ms.max(1);
    let span_ms = step_ms.saturating_mul(i64::try_from(paging.rows).unwrap_or(i64::MAX));
    let end_of_data_ms = range.1.min(session.config.now_ms().saturating_add(step_ms));
    let forward = paging.direction == Direction::Forward;
    let mut cursor = if forward { range.0 } else { range.1 };
    let mut empty_tries = 0;
    let mut skipped_in_a_row = 0;
    loop {
        let window = if forward {
            (cursor, range.1)
        } else {
            (range.0, cursor)
        };
        if window.0 >= window.1 {
            break;
        }
        let rows = match ask(window).await {
            Ok(rows) => rows,
            Err(PageStop::Failed(e)) => {
                paged.stopped = Some(e);
                break;
            }
            Err(PageStop::Ended(note)) => {
                paged.notes.push(note);
                break;
            }
        };
        on_page();
        let full = rows.len() >= paging.rows;
        // Rows past the far end of the range: the venue's data goes on beyond what is wanted.
        let beyond = rows.iter().any(|r| {
            if forward {
                r.time_ms() >= range.1
            } else {
                r.time_ms() < range.0
            }
        });
        let mut page: Vec<T> = rows
            .into_iter()
            .filter(|r| window.0 <= r.time_ms() && r.time_ms() < window.1)
            .collect();
        page.sort_by_key(Timed::time_ms);
        let (Some(first), Some(last)) = (page.first(), page.last()) else {
            let last_window = if forward {
                cursor.saturating_add(span_ms) >= end_of_data_ms
            } else {
                cursor.saturating_sub(span_ms) <= range.0
            };
            if last_window || beyond {
                break;
            }
            if empty_tries < EMPTY_PAGE_RETRIES {
                empty_tries += 1;
                let wait = Duration::from_millis(session.config.backoff_base_ms.max(1));
                tokio::select! {
                    biased;
                    () = session.cancel.cancelled() => break,
                    () = tokio::time::sleep(wait) => {}
                }
                continue;
            }
            empty_tries = 0;
            skipped_in_a_row += 1;
            // Nothing at all yet: the venue has no data here, not a hole inside its data.
            if found.is_empty() || skipped_in_a_row >= MAX_SKIPPED_IN_A_ROW {
                break;
            }
            let skip = if forward {
                (cursor, cursor.saturating_add(span_ms).min(range.1))
            } else {
                (cursor.saturating_sub(span_ms).max(range.0), cursor)
            };
            paged.notes.push(format!(
                "{}: the venue answered with no rows from {} to {} (asked {} times); moved on past it",
                session.venue,
                crate::time::format_time_ms(skip.0),
                crate::time::format_time_ms(skip.1),
                EMPTY_PAGE_RETRIES + 1
            ));
            cursor = if forward { skip.1 } else { skip.0 };
            continue;
        };
        empty_tries = 0;
        skipped_in_a_row = 0;
        cursor = if forward {
            last.time_ms().saturating_add(step_ms)
        } else {
            first.time_ms()
        };
        for row in page {
            found.insert(row.time_ms(), row);
        }
        if !full || beyond {
            break;
        }
    }
    paged.items = found.into_values().collect();
    paged
}
