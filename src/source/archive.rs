//! Binance's public archive of USD-M data (`https://data.binance.vision`): daily and monthly zip
//! files of klines, daily files of "metrics" (5-minute open interest since 2020), each with a
//! `.CHECKSUM` beside it:
//!
//! - `/data/futures/um/monthly/klines/{SYMBOL}/{INTERVAL}/{SYMBOL}-{INTERVAL}-{YYYY-MM}.zip`
//! - `/data/futures/um/daily/klines/{SYMBOL}/{INTERVAL}/{SYMBOL}-{INTERVAL}-{YYYY-MM-DD}.zip`
//! - `/data/futures/um/daily/metrics/{SYMBOL}/{SYMBOL}-metrics-{YYYY-MM-DD}.zip`
//! - `….zip.CHECKSUM`: `<sha256 hex>  <file name>`
//!
//! Whole months come as monthly files (daily ones if the month's file is not published yet), the
//! rest as daily files; a few files are downloaded at a time within a polite limit; every file's
//! sha256 is checked against its CHECKSUM (a mismatch is retried, then reported); the zips are
//! kept in the cache so that an interrupted fetch resumes where it stopped; a file the archive
//! does not have (404) is a reported gap, not an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::archive_csv::{parse_klines, parse_metrics, read_zip};
use super::config::{CancelToken, FetchOutcome, FetchRequest, SourceConfig};
use super::coverage::{self, Hole};
use super::error::{Cause, SourceError};
use super::http::{Call, Endpoint, Session};
use super::interval::{COMMON_NAMES, name_in};
use super::limits::{Cost, RateLimit};
use super::pager::{OnPage, Paged};
use super::progress::{Counter, Progress, run_telling_waits, wait_channel};
use super::ranges::Range;
use super::retry;
use super::venue::Venue;
use crate::model::{Bar, Dataset, OpenInterestSample};
use crate::time::format_time_ms;

/// The archive's public address.
pub const DEFAULT_ARCHIVE_URL: &str = "https://data.binance.vision";
/// Files downloaded at once.
const FILES_AT_ONCE: usize = 4;
/// A polite pace: the archive publishes no limit; 10 requests a second (file or checksum).
const LIMITS: &[(&str, RateLimit)] = &[(
    "files",
    RateLimit {
        capacity: 10,
        window_ms: 1_000,
    },
)];
const COST: Cost = Cost {
    bucket: "files",
    units: 1,
};
/// A month's file is published a few days after the month ends.
const MONTHLY_DELAY_MS: i64 = 5 * DAY_MS;
const DAY_MS: i64 = 86_400_000;
/// The period of the metrics files' open interest.
const METRICS_PERIOD_MS: i64 = 300_000;

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Klines,
    Metrics,
}

/// One file of the archive.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ArchiveFile {
    /// Path below the base URL.
    path: String,
    /// The span its rows cover.
    span: Range,
    kind: Kind,
    /// A month's file, to be replaced by its days if the archive does not have it yet.
    monthly: bool,
}

impl ArchiveFile {
    fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

fn day_start_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis())
}

fn date_of(ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(ms).map_or(NaiveDate::MIN, |t| t.date_naive())
}

fn next_month(day: NaiveDate) -> NaiveDate {
    let (y, m) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MAX)
}

fn daily_klines(symbol: &str, interval: &str, day: NaiveDate) -> ArchiveFile {
    let start = day_start_ms(day);
    ArchiveFile {
        path: format!(
            "/data/futures/um/daily/klines/{symbol}/{interval}/{symbol}-{interval}-{}.zip",
            day.format("%Y-%m-%d")
        ),
        span: (start, start + DAY_MS),
        kind: Kind::Klines,
        monthly: false,
    }
}

fn daily_metrics(symbol: &str, day: NaiveDate) -> ArchiveFile {
    let start = day_start_ms(day);
    ArchiveFile {
        path: format!(
            "/data/futures/um/daily/metrics/{symbol}/{symbol}-metrics-{}.zip",
            day.format("%Y-%m-%d")
        ),
        span: (start, start + DAY_MS),
        kind: Kind::Metrics,
        monthly: false,
    }
}

/// The days whose files overlap `span`.
fn days(span: Range) -> impl Iterator<Item = NaiveDate> {
    let first = date_of(span.0);
    let last = date_of(span.1 - 1);
    first.iter_days().take_while(move |d| *d <= last)
}

/// The klines files of `span`: monthly for months wholly inside it and published by `now_ms`,
/// daily for the rest.
fn plan_klines(symbol: &str, interval: &str, span: Range, now_ms: i64) -> Vec<ArchiveFile> {
    let mut files = Vec::new();
    let mut day = date_of(span.0);
    let last = date_of(span.1 - 1);
    while day <= last {
        let month_start = NaiveDate::from_ymd_opt(day.year(), day.month(), 1).unwrap_or(day);
        let month_end = next_month(month_start);
        let (start, end) = (day_start_ms(month_start), day_start_ms(month_end));
        if day == month_start
            && span.0 <= start
            && end <= span.1
            && end + MONTHLY_DELAY_MS <= now_ms
        {
            files.push(ArchiveFile {
                path: format!(
                    "/data/futures/um/monthly/klines/{symbol}/{interval}/{symbol}-{interval}-{}.zip",
                    month_start.format("%Y-%m")
                ),
                span: (start, end),
                kind: Kind::Klines,
                monthly: true,
            });
            day = month_end;
        } else {
            files.push(daily_klines(symbol, interval, day));
            day = day.succ_opt().unwrap_or(NaiveDate::MAX);
        }
    }
    files
}

/// The daily files a monthly one stands for.
fn days_of_month(file: &ArchiveFile, symbol: &str, interval: &str) -> Vec<ArchiveFile> {
    days(file.span)
        .map(|d| daily_klines(symbol, interval, d))
        .collect()
}

fn session(config: &SourceConfig, cancel: &CancelToken) -> Result<Session, SourceError> {
    let endpoint = Endpoint {
        venue: Venue::Binance,
        default_base_url: DEFAULT_ARCHIVE_URL,
        limits: LIMITS,
        read_error: |_, _| None,
    };
    Session::new(endpoint, config, cancel.clone(), Some(archive_url(config)))
}

fn archive_url(config: &SourceConfig) -> &str {
    config.archive_url.as_deref().unwrap_or(DEFAULT_ARCHIVE_URL)
}

/// What became of one file.
enum Got {
    /// The rows of the file.
    Rows(FileRows),
    /// The archive does not have it (404).
    Missing,
    /// It could not be had.
    Failed(SourceError),
}

enum FileRows {
    Bars(Vec<Bar>),
    Samples(Vec<OpenInterestSample>),
}

/// `<sha256 hex>  <file name>`.
fn parse_checksum(body: &[u8], name: &str) -> Result<String, Cause> {
    let text = String::from_utf8_lossy(body);
    let mut words = text.split_whitespace();
    let (Some(hex), Some(named)) = (words.next(), words.next()) else {
        return Err(Cause::Layout(format!(
            "CHECKSUM is not '<sha256>  <file name>': {}",
            super::error::excerpt(&text)
        )));
    };
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Cause::Layout(format!("CHECKSUM holds no sha256: {hex}")));
    }
    if named != name {
        return Err(Cause::Layout(format!("CHECKSUM names {named}, not {name}")));
    }
    Ok(hex.to_ascii_lowercase())
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn cached_path(config: &SourceConfig, file: &ArchiveFile) -> Option<PathBuf> {
    let dir = config.cache_dir.as_ref()?;
    let mut path = dir.join("binance-archive");
    // The archive's own folders; every part is a plain name (symbols and dates), nothing else.
    for part in file.path.split('/').filter(|p| !p.is_empty() && *p != "..") {
        path.push(part);
    }
    Some(path)
}

/// The zip from the cache if it is there and matches `sha256`.
fn from_cache(path: Option<&Path>, sha256: &str) -> Option<Vec<u8>> {
    let bytes = std::fs::read(path?).ok()?;
    (sha256_hex(&bytes) == sha256).then_some(bytes)
}

fn store_zip(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::atomic_write::write_atomic(path, bytes)
}

/// Downloads (or takes from the cache) one file, verified against its CHECKSUM, and reads it.
async fn get_file(s: &Session, file: &ArchiveFile) -> Got {
    let name = file.name().to_string();
    let checksum_call = Call::get(format!("{}.CHECKSUM", file.path), Vec::new(), COST);
    let expected = match retry::send(s, &checksum_call, |body| parse_checksum(body, &name)).await {
        Ok(hex) => hex,
        Err(e) if matches!(e.cause, Cause::Status { status: 404, .. }) => return Got::Missing,
        Err(e) => return Got::Failed(e),
    };
    let cache = cached_path(&s.config, file);
    let zip = match from_cache(cache.as_deref(), &expected) {
        Some(bytes) => bytes,
        None => {
            let call = Call::get(file.path.clone(), Vec::new(), COST);
            let verified = retry::send(s, &call, |body| {
                let found = sha256_hex(body);
                if found == expected {
                    Ok(body.to_vec())
                } else {
                    // A cut or damaged download: worth another try.
                    Err(Cause::InvalidBody(format!(
                        "sha256 {found} does not match the CHECKSUM {expected}"
                    )))
                }
            })
            .await;
            match verified {
                Ok(bytes) => {
                    if let Some(path) = &cache {
                        // The cache only saves a download; failing to write it loses nothing.
                        let _ = store_zip(path, &bytes);
                    }
                    bytes
                }
                Err(e) if matches!(e.cause, Cause::Status { status: 404, .. }) => {
                    return Got::Missing;
                }
                Err(e) => return Got::Failed(e),
            }
        }
    };
    let call = Call::get(file.path.clone(), Vec::new(), COST);
    match read_zip(&zip).and_then(|text| match file.kind {
        Kind::Klines => parse_klines(&text).map(FileRows::Bars),
        Kind::Metrics => parse_metrics(&text).map(FileRows::Samples),
    }) {
        Ok(rows) => Got::Rows(rows),
        Err(why) => Got::Failed(s.error(&call, Cause::Layout(why.to_string()))),
    }
}

/// What the files of a fetch brought.
#[derive(Default)]
struct Collected {
    bars: BTreeMap<i64, Bar>,
    samples: BTreeMap<i64, OpenInterestSample>,
    problems: Vec<String>,
    first_error: Option<SourceError>,
    failed: bool,
}

/// Downloads `files` a few at a time; a monthly file the archive lacks is replaced by its days.
async fn get_files(
    s: &Session,
    files: Vec<ArchiveFile>,
    symbol: &str,
    interval: &str,
    on_file: OnPage<'_>,
    more_files: &(dyn Fn(u64) + Send + Sync),
) -> Collected {
    let mut collected = Collected::default();
    let mut queue = files;
    while !queue.is_empty() {
        let batch = std::mem::take(&mut queue);
        let results: Vec<(ArchiveFile, Got)> = futures_util::stream::iter(batch)
            .map(|file| async move {
                let got = get_file(s, &file).await;
                (file, got)
            })
            .buffer_unordered(FILES_AT_ONCE)
            .collect()
            .await;
        for (file, got) in results {
            on_file();
            match got {
                Got::Rows(FileRows::Bars(bars)) => {
                    collected
                        .bars
                        .extend(bars.into_iter().map(|b| (b.open_time_ms, b)));
                }
                Got::Rows(FileRows::Samples(samples)) => {
                    // Early files repeat every row: one sample a time.
                    collected
                        .samples
                        .extend(samples.into_iter().map(|o| (o.time_ms, o)));
                }
                Got::Missing if file.monthly => {
                    let days = days_of_month(&file, symbol, interval);
                    more_files(days.len() as u64);
                    queue.extend(days);
                }
                Got::Missing => collected.problems.push(format!(
                    "the archive has no {} (404): a gap from {} to {}",
                    file.name(),
                    format_time_ms(file.span.0),
                    format_time_ms(file.span.1)
                )),
                Got::Failed(e) => {
                    collected.failed = true;
                    collected.problems.push(e.to_string());
                    if collected.first_error.is_none() {
                        collected.first_error = Some(e);
                    }
                }
            }
        }
    }
    collected
}

/// Fetches bars and open interest of `request` (a Binance USD-M symbol) from the archive, with
/// the same progress (in files), cancel, outcome and completeness rules as [`super::fetch`].
pub async fn fetch_archive(
    request: &FetchRequest,
    config: &SourceConfig,
    progress: Progress<'_>,
    cancel: &CancelToken,
) -> Result<FetchOutcome, SourceError> {
    let symbol = request.symbol.trim().to_ascii_uppercase();
    let describe = || format!("archive {symbol} {} ms", request.interval_ms);
    let Some(interval) = name_in(&COMMON_NAMES, request.interval_ms) else {
        return Err(SourceError::new(
            Venue::Binance,
            describe(),
            Cause::Unsupported(format!(
                "the archive has no {} ms interval",
                request.interval_ms
            )),
        ));
    };
    let want = (request.start_ms, request.end_ms);
    if want.0 >= want.1 {
        return Err(SourceError::new(
            Venue::Binance,
            describe(),
            Cause::Unsupported("the span is empty: start must be before end".into()),
        ));
    }
    let now_ms = config.now_ms();
    let (on_wait, waits) = wait_channel();
    let s = session(config, cancel)?.with_on_wait(on_wait);
    let mut files = plan_klines(&symbol, interval, want, now_ms);
    files.extend(days(want).map(|d| daily_metrics(&symbol, d)));
    let counter = Counter::new(progress);
    counter.start(files.len() as u64);
    let on_file: OnPage<'_> = &|| counter.page();
    let more = |n: u64| counter.expect_more(n);
    let collected = run_telling_waits(
        &counter,
        waits,
        get_files(&s, files, &symbol, interval, on_file, &more),
    )
    .await;
    let in_want = |t: i64| want.0 <= t && t < want.1;
    let bars: Vec<Bar> = collected
        .bars
        .into_values()
        .filter(|b| in_want(b.open_time_ms))
        .collect();
    let open_interest: Vec<OpenInterestSample> = collected
        .samples
        .into_values()
        .filter(|o| in_want(o.time_ms))
        .collect();
    if bars.is_empty() {
        return Err(collected.first_error.unwrap_or_else(|| {
            SourceError::new(
                Venue::Binance,
                describe(),
                Cause::NoData(format!(
                    "the archive has no bars between {} and {}",
                    format_time_ms(want.0),
                    format_time_ms(want.1)
                )),
            )
        }));
    }
    let mut holes: Vec<Hole> = coverage::bar_holes(&bars, request.interval_ms, want, now_ms);
    if let (Some(first), Some(last)) = (bars.first(), bars.last()) {
        let extent = (first.open_time_ms, last.open_time_ms + request.interval_ms);
        holes.extend(coverage::oi_holes(
            &open_interest,
            METRICS_PERIOD_MS,
            (want.0.max(extent.0), want.1.min(extent.1)),
            now_ms,
        ));
    }
    let mut problems = collected.problems;
    problems.extend(holes.iter().map(|h| h.text.clone()));
    let mut missing_ms: Vec<Range> = holes.iter().map(|h| h.range).collect();
    missing_ms.sort_unstable();
    Ok(FetchOutcome {
        dataset: Dataset {
            exchange: Venue::Binance.dataset_name().to_string(),
            symbol,
            interval_ms: request.interval_ms,
            bars,
            open_interest,
            liquidations: Vec::new(),
        },
        complete: !collected.failed && holes.is_empty() && !cancel.is_cancelled(),
        problems,
        missing_ms,
    })
}

/// Open interest of `symbol` over `range` from the archive's daily metrics files, for spans the
/// REST API no longer serves; a day the archive lacks is a note.
pub(crate) async fn metrics(
    config: &SourceConfig,
    cancel: &CancelToken,
    symbol: &str,
    range: Range,
    on_file: OnPage<'_>,
) -> Paged<OpenInterestSample> {
    let mut paged = Paged::new();
    let s = match session(config, cancel) {
        Ok(s) => s,
        Err(e) => {
            paged.stopped = Some(e);
            return paged;
        }
    };
    let files: Vec<ArchiveFile> = days(range).map(|d| daily_metrics(symbol, d)).collect();
    let asked = files.len();
    let collected = get_files(&s, files, symbol, "", on_file, &|_| {}).await;
    paged.items = collected
        .samples
        .into_values()
        .filter(|o| range.0 <= o.time_ms && o.time_ms < range.1)
        .collect();
    // Days before a listing are all missing: one line, not one per day.
    let missing = collected.problems.len() - usize::from(collected.first_error.is_some());
    if missing > 0 {
        paged.notes.push(format!(
            "Binance's archive has no metrics file for {missing} of the {asked} days from {} to {}",
            format_time_ms(range.0),
            format_time_ms(range.1)
        ));
    }
    paged.stopped = collected.first_error;
    paged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> i64 {
        crate::time::parse_time_ms(text).unwrap_or(i64::MIN)
    }

    #[test]
    fn whole_published_months_come_as_monthly_files_and_the_rest_as_days() {
        // 2025-09-29 to 2025-11-02, now 2025-12-01: two days of September, all of October
        // (published), two days of November.
        let files = plan_klines(
            "BTCUSDT",
            "5m",
            (ms("2025-09-29T00:00:00Z"), ms("2025-11-02T00:00:00Z")),
            ms("2025-12-01T00:00:00Z"),
        );
        let names: Vec<&str> = files.iter().map(ArchiveFile::name).collect();
        assert_eq!(
            names,
            vec![
                "BTCUSDT-5m-2025-09-29.zip",
                "BTCUSDT-5m-2025-09-30.zip",
                "BTCUSDT-5m-2025-10.zip",
                "BTCUSDT-5m-2025-11-01.zip",
            ]
        );
        assert_eq!(
            files[2].path,
            "/data/futures/um/monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2025-10.zip"
        );
        // On 2025-11-03 October's file is not published yet: its 31 days instead.
        let early = plan_klines(
            "BTCUSDT",
            "5m",
            (ms("2025-10-01T00:00:00Z"), ms("2025-11-01T00:00:00Z")),
            ms("2025-11-03T00:00:00Z"),
        );
        assert_eq!(early.len(), 31);
        assert!(early.iter().all(|f| !f.monthly));
    }

    #[test]
    fn a_checksum_names_its_file_and_holds_a_sha256() {
        let hex = sha256_hex(b"abc");
        // The sha256 of "abc", as published in FIPS 180-2.
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let line = format!("{hex}  X-5m-2025-10-10.zip\n");
        assert_eq!(
            parse_checksum(line.as_bytes(), "X-5m-2025-10-10.zip"),
            Ok(hex)
        );
        assert!(parse_checksum(line.as_bytes(), "Y.zip").is_err());
        assert!(parse_checksum(b"nonsense", "Y.zip").is_err());
    }
}
