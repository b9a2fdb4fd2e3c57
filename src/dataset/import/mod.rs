//! Building a dataset from a klines file plus optional open-interest and liquidation files, each
//! in any supported format (told apart by content, see [`crate::dataset::detect`]).

pub mod add;
pub(crate) mod archive_zip;
mod binance_klines_json;
mod binance_open_interest_json;
mod bybit_klines;
mod bybit_open_interest;
mod ccxt_klines_json;
mod cells;
mod csv_klines;
mod csv_table;
mod force_order_json;
mod liquidations_csv;
mod metrics_csv;
mod okx_candles;
pub mod read_files;
pub mod several;

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::detect::{Format, FormatKind, json_error};
use super::error::{DatasetErrorKind, Issue};
use super::location::Located;
use super::{DatasetError, symbol, validate};
use crate::model::{Bar, Dataset, Liquidation, OpenInterestSample, Side};
use read_files::ReadFiles;

/// Venue name when neither the data nor `--exchange` says otherwise.
pub const DEFAULT_EXCHANGE: &str = "binance-usdm";

/// What to import: the `liqmap import` arguments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportRequest {
    /// Klines file (required).
    pub klines: PathBuf,
    /// Open-interest file.
    pub open_interest: Option<PathBuf>,
    /// Liquidations file.
    pub liquidations: Option<PathBuf>,
    /// Venue name, overriding the detected one.
    pub exchange: Option<String>,
    /// Symbol, for data that does not name one.
    pub symbol: Option<String>,
}

impl ImportRequest {
    /// A request for a klines file alone.
    pub fn klines_only(path: &Path) -> Self {
        Self {
            klines: path.to_path_buf(),
            ..Self::default()
        }
    }
}

/// A value with the symbol its row names, if any.
#[derive(Clone, Debug)]
struct Tagged<T> {
    symbol: Option<String>,
    value: T,
}

/// Bars read from a klines file.
struct Klines {
    bars: Located<Bar>,
    symbol: Option<String>,
    exchange: Option<&'static str>,
}

/// Samples read from an open-interest file.
struct OpenInterest {
    samples: Located<Tagged<OpenInterestSample>>,
    exchange: Option<&'static str>,
}

/// Events read from a liquidations file.
struct Liquidations {
    events: Located<Tagged<Liquidation>>,
}

/// Parses `text` as `T`, calling an unexpected end "truncated".
fn parse_json<T: DeserializeOwned>(text: &str) -> Result<T, DatasetErrorKind> {
    serde_json::from_str(text).map_err(|e| json_error(&e))
}

/// Parses an array of JSON rows.
fn json_rows<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, DatasetErrorKind> {
    let rows: Vec<T> = parse_json(text)?;
    if rows.is_empty() {
        return Err(DatasetErrorKind::NoRows("the JSON array is empty: no rows"));
    }
    Ok(rows)
}

/// Venues that answer newest first: put the rows oldest first (and leave other orders to the
/// order check, which names the row).
fn reverse_if_newest_first<T>(rows: &mut Located<T>, time_ms: impl Fn(&T) -> i64) {
    if let (Some(first), Some(last)) = (rows.values.first(), rows.values.last())
        && time_ms(first) > time_ms(last)
    {
        rows.reverse();
    }
}

/// `SELL`/`long` (a long liquidated) or `BUY`/`short`.
fn side_from_word(word: &str) -> Result<Side, DatasetErrorKind> {
    match word.trim().to_ascii_lowercase().as_str() {
        "sell" | "long" => Ok(Side::Long),
        "buy" | "short" => Ok(Side::Short),
        other => Err(DatasetErrorKind::BadSide(other.to_string())),
    }
}

/// Reads and detects a file (or takes it from `files`, read already), checking it holds the
/// `expected` kind of data.
fn read(
    path: &Path,
    expected: FormatKind,
    files: &mut ReadFiles,
) -> Result<(String, Format), DatasetError> {
    let (text, format) = files.take(path)?;
    check_kind(path, format, expected)?;
    Ok((text, format))
}

/// Refuses a file of another kind than `expected`, saying which option takes it.
fn check_kind(path: &Path, format: Format, expected: FormatKind) -> Result<(), DatasetError> {
    if format.kind() == FormatKind::Dataset {
        return Err(DatasetError::new(path, DatasetErrorKind::AlreadyDataset));
    }
    if format.kind() != expected {
        return Err(DatasetError::new(
            path,
            DatasetErrorKind::WrongKind {
                found: format,
                expected,
            },
        ));
    }
    Ok(())
}

fn parse_klines(path: &Path, files: &mut ReadFiles) -> Result<Klines, DatasetError> {
    let (text, format) = read(path, FormatKind::Klines, files)?;
    parse_klines_text(path, &text, format)
}

/// Parses the klines of `path`, already read as `text` and detected as `format`.
fn parse_klines_text(path: &Path, text: &str, format: Format) -> Result<Klines, DatasetError> {
    check_kind(path, format, FormatKind::Klines)?;
    let parsed = match format {
        Format::BinanceKlinesJson => binance_klines_json::parse(text),
        Format::CcxtKlinesJson => ccxt_klines_json::parse(text),
        Format::KlinesCsv => csv_klines::parse(text, true),
        Format::BinanceArchiveCsvNoHeader => csv_klines::parse(text, false),
        Format::BybitKlinesJson => bybit_klines::parse(text),
        Format::OkxCandlesJson => okx_candles::parse(text),
        other => unreachable!("check_kind let {other:?} through as klines"),
    };
    parsed.map_err(|issue| issue.in_file(path))
}

fn parse_open_interest(path: &Path, files: &mut ReadFiles) -> Result<OpenInterest, DatasetError> {
    let (text, format) = read(path, FormatKind::OpenInterest, files)?;
    let parsed = match format {
        Format::BinanceOpenInterestJson => binance_open_interest_json::parse(&text),
        Format::BinanceMetricsCsv => metrics_csv::parse(&text),
        Format::BybitOpenInterestJson => bybit_open_interest::parse(&text),
        other => unreachable!("check_kind let {other:?} through as open interest"),
    };
    parsed.map_err(|issue| issue.in_file(path))
}

fn parse_liquidations(path: &Path, files: &mut ReadFiles) -> Result<Liquidations, DatasetError> {
    let (text, format) = read(path, FormatKind::Liquidations, files)?;
    let parsed = match format {
        Format::ForceOrderJson => force_order_json::parse(&text),
        Format::LiquidationsCsv => liquidations_csv::parse(&text),
        other => unreachable!("check_kind let {other:?} through as liquidations"),
    };
    parsed.map_err(|issue| issue.in_file(path))
}

/// The distinct non-empty symbols of tagged rows, in first-seen order, with their row counts.
fn symbols_of<T>(rows: &[Tagged<T>]) -> Vec<(String, usize)> {
    let mut found: Vec<(String, usize)> = Vec::new();
    for symbol in rows.iter().filter_map(|r| r.symbol.as_deref()) {
        let symbol = symbol.trim().to_ascii_uppercase();
        if symbol.is_empty() {
            continue;
        }
        match found.iter_mut().find(|(s, _)| *s == symbol) {
            Some((_, count)) => *count += 1,
            None => found.push((symbol, 1)),
        }
    }
    found
}

/// The only symbol the rows name, if they name exactly one.
fn single_symbol<T>(rows: &[Tagged<T>]) -> Option<String> {
    match symbols_of(rows).as_slice() {
        [(one, _)] => Some(one.clone()),
        _ => None,
    }
}

/// Where a symbol came from, for conflict messages.
struct SymbolSource<'a> {
    symbol: String,
    path: &'a Path,
    what: &'static str,
}

/// Picks the symbol: from the data (klines, then open interest), else `--symbol`, else the
/// klines file name, else a single-symbol liquidations file. Data and `--symbol` must agree.
fn resolve_symbol(
    request: &ImportRequest,
    klines: &Klines,
    open_interest: Option<&OpenInterest>,
    liquidations: Option<&Liquidations>,
) -> Result<String, DatasetError> {
    let mut from_data: Vec<SymbolSource<'_>> = Vec::new();
    if let Some(symbol) = &klines.symbol {
        from_data.push(SymbolSource {
            symbol: symbol.trim().to_ascii_uppercase(),
            path: &request.klines,
            what: "the klines file",
        });
    }
    if let (Some(oi), Some(path)) = (open_interest, &request.open_interest)
        && let Some(symbol) = single_symbol(&oi.samples.values)
    {
        from_data.push(SymbolSource {
            symbol,
            path,
            what: "the open-interest file",
        });
    }
    let given = request
        .symbol
        .as_deref()
        .map(|s| s.trim().to_ascii_uppercase());
    if let Some(first) = from_data.first() {
        for other in from_data.iter().skip(1) {
            if other.symbol != first.symbol {
                return Err(DatasetError::new(
                    other.path,
                    DatasetErrorKind::SymbolConflict {
                        what: other.what,
                        symbol: other.symbol.clone(),
                        other_what: first.what,
                        other_symbol: first.symbol.clone(),
                    },
                ));
            }
        }
        if let Some(given) = &given
            && *given != first.symbol
        {
            return Err(DatasetError::new(
                first.path,
                DatasetErrorKind::SymbolDisagrees {
                    given: given.clone(),
                    what: first.what,
                    symbol: first.symbol.clone(),
                },
            ));
        }
        // Klines that do not name their symbol, paired with another symbol's open interest, are
        // a likely mix-up; the file name is the only hint, and --symbol confirms the pairing.
        if klines.symbol.is_none()
            && given.is_none()
            && let Some(named) = symbol::from_file_name(&request.klines)
            && named != first.symbol
        {
            // The file whose data names another symbol is the one named: the klines say none.
            return Err(DatasetError::new(
                first.path,
                DatasetErrorKind::SymbolNameMismatch {
                    named,
                    what: first.what,
                    symbol: first.symbol.clone(),
                },
            ));
        }
        return Ok(first.symbol.clone());
    }
    if let Some(given) = given.filter(|s| !s.is_empty()) {
        return Ok(given);
    }
    if let Some(symbol) = symbol::from_file_name(&request.klines) {
        return Ok(symbol);
    }
    if let Some(symbol) = liquidations.and_then(|l| single_symbol(&l.events.values)) {
        return Ok(symbol);
    }
    Err(DatasetError::new(
        &request.klines,
        DatasetErrorKind::NoSymbol,
    ))
}

/// Keeps the rows of `symbol` (and rows that name none); errors naming the symbols found when
/// none is left.
fn keep_symbol<T>(
    rows: &mut Located<Tagged<T>>,
    symbol: &str,
    path: &Path,
    what: &'static str,
) -> Result<(), DatasetError> {
    let found = symbols_of(&rows.values);
    rows.retain(|row| {
        row.symbol
            .as_deref()
            .is_none_or(|s| s.trim().is_empty() || s.trim().eq_ignore_ascii_case(symbol))
    });
    if rows.values.is_empty() {
        return Err(DatasetError::new(
            path,
            DatasetErrorKind::SymbolNotFound {
                what,
                symbol: symbol.to_string(),
                found,
            },
        ));
    }
    Ok(())
}

/// Builds a dataset from the files of `request`, checking everything.
pub fn import(request: &ImportRequest) -> Result<Dataset, DatasetError> {
    import_read(request, &mut ReadFiles::default())
}

/// [`import`], taking the files `files` has read already from it instead of reading them again.
pub fn import_read(
    request: &ImportRequest,
    files: &mut ReadFiles,
) -> Result<Dataset, DatasetError> {
    let klines = parse_klines(&request.klines, files)?;
    import_parsed(request, klines, files)
}

/// Builds a dataset from one klines file already read as `text` and detected as `format`
/// (`dataset::load` has read and detected it to tell a native dataset from an import).
pub(crate) fn import_klines_text(
    path: &Path,
    text: &str,
    format: Format,
) -> Result<Dataset, DatasetError> {
    let klines = parse_klines_text(path, text, format)?;
    import_parsed(
        &ImportRequest::klines_only(path),
        klines,
        &mut ReadFiles::default(),
    )
}

/// The rest of an import once the klines are parsed: checks, open interest, liquidations.
fn import_parsed(
    request: &ImportRequest,
    klines: Klines,
    files: &mut ReadFiles,
) -> Result<Dataset, DatasetError> {
    let klines_path = request.klines.as_path();
    let klines_error = |issue: Issue| issue.in_file(klines_path);
    let bars_at = |i: usize| klines.bars.describe(i);
    validate::bars(&klines.bars.values, &bars_at).map_err(klines_error)?;
    let interval_ms = validate::interval_ms(&klines.bars.values, &bars_at).map_err(klines_error)?;

    let open_interest = match &request.open_interest {
        Some(path) => Some(parse_open_interest(path, files)?),
        None => None,
    };
    let detected_exchange = klines
        .exchange
        .or(open_interest.as_ref().and_then(|oi| oi.exchange));
    let liquidations = match &request.liquidations {
        Some(path) => Some(parse_liquidations(path, files)?),
        None => None,
    };
    let symbol = resolve_symbol(
        request,
        &klines,
        open_interest.as_ref(),
        liquidations.as_ref(),
    )?;

    let bars = klines.bars.values;
    let span = match (bars.first(), bars.last()) {
        (Some(first), Some(last)) => (first.open_time_ms, last.open_time_ms + interval_ms),
        _ => return Err(klines_error(DatasetErrorKind::NoRows("no bars").into())),
    };

    let mut samples = Vec::new();
    if let (Some(mut oi), Some(path)) = (open_interest, &request.open_interest) {
        keep_symbol(&mut oi.samples, &symbol, path, "open interest")?;
        let values: Vec<OpenInterestSample> = oi.samples.values.iter().map(|t| t.value).collect();
        let at = |i: usize| oi.samples.describe(i);
        let oi_error = |issue: Issue| issue.in_file(path);
        validate::open_interest(&values, &at).map_err(oi_error)?;
        validate::open_interest_usd(&values, &bars, &at).map_err(oi_error)?;
        validate::open_interest_overlaps(&values, span).map_err(oi_error)?;
        validate::open_interest_prices(&values, &bars, &at).map_err(oi_error)?;
        samples = values;
    }

    let mut events = Vec::new();
    if let (Some(mut liq), Some(path)) = (liquidations, &request.liquidations) {
        keep_symbol(&mut liq.events, &symbol, path, "liquidations")?;
        let values: Vec<Liquidation> = liq.events.values.iter().map(|t| t.value).collect();
        let at = |i: usize| liq.events.describe(i);
        validate::liquidations(&values, &at).map_err(|issue| issue.in_file(path))?;
        events = values;
        // Streams over several connections deliver events a few ms out of order; a stable sort
        // keeps same-time events in file order.
        events.sort_by_key(|l| l.time_ms);
    }

    let exchange = request
        .exchange
        .clone()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| detected_exchange.unwrap_or(DEFAULT_EXCHANGE).to_string());

    Ok(Dataset {
        exchange,
        symbol,
        interval_ms,
        bars,
        open_interest: samples,
        liquidations: events,
    })
}
