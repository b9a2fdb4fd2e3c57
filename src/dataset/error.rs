//! What can be wrong with a dataset file: the file, the row and a kind that callers and tests
//! match on, each kind carrying the values that tell what is wrong.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use super::detect::{Format, FormatKind, tried};
use super::location::Location;
use crate::time::{format_interval, format_time_ms};

/// A file that could not be read, written or understood.
#[derive(Debug, thiserror::Error)]
#[error("{}: {}{kind}", path.display(), at.map(|at| format!("{at}: ")).unwrap_or_default())]
pub struct DatasetError {
    /// The file concerned.
    pub path: PathBuf,
    /// The line, row or entry concerned, where the problem is in one.
    pub at: Option<Location>,
    /// What is wrong (boxed: the kinds that carry symbols and times are large, and the error
    /// travels through every `Result` of the dataset code).
    pub kind: Box<DatasetErrorKind>,
}

impl DatasetError {
    /// An error about the whole of `path`.
    pub fn new(path: &Path, kind: DatasetErrorKind) -> Self {
        Self {
            path: path.to_path_buf(),
            at: None,
            kind: Box::new(kind),
        }
    }
}

/// A problem found inside a file before the caller names the file: the place and what is wrong.
#[derive(Debug)]
pub struct Issue {
    /// Where in the file, if in one place.
    pub at: Option<Location>,
    /// What is wrong.
    pub kind: DatasetErrorKind,
}

impl Issue {
    /// A problem at `at`.
    pub fn at(at: Location, kind: DatasetErrorKind) -> Self {
        Self { at: Some(at), kind }
    }

    /// The error about `path`.
    pub fn in_file(self, path: &Path) -> DatasetError {
        DatasetError {
            path: path.to_path_buf(),
            at: self.at,
            kind: Box::new(self.kind),
        }
    }
}

impl From<DatasetErrorKind> for Issue {
    fn from(kind: DatasetErrorKind) -> Self {
        Self { at: None, kind }
    }
}

/// Places a field-level problem at a row.
pub trait AtRow<T> {
    /// The result with its error placed at `at`.
    fn at_row(self, at: Location) -> Result<T, Issue>;
}

impl<T> AtRow<T> for Result<T, DatasetErrorKind> {
    fn at_row(self, at: Location) -> Result<T, Issue> {
        self.map_err(|kind| Issue::at(at, kind))
    }
}

/// Which series of a dataset a problem of order is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Series {
    /// Bars.
    Bars,
    /// Open-interest samples.
    OpenInterest,
    /// Liquidation events.
    Liquidations,
}

impl fmt::Display for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Series::Bars => "bars",
            Series::OpenInterest => "open interest",
            Series::Liquidations => "liquidations",
        })
    }
}

/// What is wrong with a value that parsed as a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueProblem {
    /// Not a number at all.
    NaN,
    /// Zero, negative or infinite where a price above 0 is needed.
    NotAbovePrice,
    /// Negative or infinite where 0 or more is needed.
    NegativeOrInfinite,
    /// Zero, negative or infinite where a quantity above 0 is needed.
    NotAboveQuantity,
    /// So large that its USD value (the value times a price) is not a finite number.
    UsdValueNotFinite,
}

/// What is wrong, with the values that show it.
#[derive(Debug, thiserror::Error)]
pub enum DatasetErrorKind {
    /// The file could not be read.
    #[error("could not read the file: {0}")]
    Read(#[source] io::Error),
    /// The dataset could not be written.
    #[error("could not write the dataset: {0}")]
    Write(#[source] io::Error),
    /// The dataset could not be encoded as JSON.
    #[error("could not encode the dataset: {0}")]
    Encode(String),
    /// The bytes are not UTF-8 text.
    #[error("not a text file: invalid UTF-8 at byte {valid_up_to}")]
    NotText {
        /// Bytes of valid text before the first bad one.
        valid_up_to: usize,
    },
    /// Nothing but white space.
    #[error("the file is empty")]
    Empty,
    /// No known format fits; `found` describes what the file holds.
    #[error("unrecognised format: found {found}; tried: {}", tried())]
    Unrecognised {
        /// What the file holds, e.g. `an object with keys hello`.
        found: String,
    },
    /// JSON rows with a number of fields no format has.
    #[error(
        "JSON rows of {fields} fields: expected 12 (Binance REST klines) or 6 (ccxt/freqtrade \
         klines)"
    )]
    UnknownRowWidth {
        /// Fields of the first row.
        fields: usize,
    },
    /// An exchange's error answer saved instead of data.
    #[error("an error answer from {venue}, not data: {code}, message '{message}'")]
    ErrorAnswer {
        /// Who answered.
        venue: &'static str,
        /// The venue's code as it names it, e.g. `retCode 10001`.
        code: String,
        /// The venue's message.
        message: String,
    },
    /// A file of another kind than the option it was given to.
    #[error(
        "this is {} ({}), not {}; pass it with {}",
        found.kind().name(),
        found.name(),
        expected.name(),
        found.kind().option()
    )]
    WrongKind {
        /// The format found.
        found: Format,
        /// The kind the option takes.
        expected: FormatKind,
    },
    /// A native dataset given where a source file was expected.
    #[error("this is a liqmap dataset already: use it directly (e.g. `liqmap info FILE`)")]
    AlreadyDataset,
    /// JSON that does not parse.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// JSON that ends in the middle of a value.
    #[error(
        "truncated JSON: the file ends in the middle of a value (line {line}, column {column})"
    )]
    TruncatedJson {
        /// Line of the end.
        line: usize,
        /// Column of the end.
        column: usize,
    },
    /// A JSON-lines message cut short.
    #[error("truncated JSON message (expected one whole JSON a line)")]
    TruncatedMessage,
    /// A JSON value that is not what the format expects there.
    #[error("not {expected}: {reason}")]
    NotExpected {
        /// What was expected, e.g. `a forceOrder message`.
        expected: &'static str,
        /// Why not.
        reason: String,
    },
    /// A CSV record that could not be read.
    #[error("bad CSV record: {0}")]
    Csv(String),
    /// A CSV record with a different number of fields than the header.
    #[error("{found} fields where the header has {expected} (a cut or damaged row?)")]
    CsvFieldCount {
        /// Fields of the record.
        found: usize,
        /// Fields of the header.
        expected: usize,
    },
    /// Columns the format needs that the header lacks.
    #[error("the CSV header lacks column(s) {}; it has: {}", missing.join("; "), header.join(","))]
    MissingColumns {
        /// Each missing column with the names accepted for it.
        missing: Vec<String>,
        /// The header's names.
        header: Vec<String>,
    },
    /// No data at all.
    #[error("{0}")]
    NoRows(&'static str),
    /// A row with another number of fields than the format has.
    #[error("{found} fields, expected {expected}")]
    FieldCount {
        /// Fields of the row.
        found: usize,
        /// Fields the format has.
        expected: usize,
    },
    /// A row too short to hold a field.
    #[error("has {len} fields, so no {field} (field {})", index + 1)]
    MissingField {
        /// The field's name.
        field: String,
        /// Its index, from 0.
        index: usize,
        /// Fields of the row.
        len: usize,
    },
    /// Neither of two fields that may hold a value holds it.
    #[error("neither {first} nor {second} is given")]
    NeitherGiven {
        /// The first field tried.
        first: &'static str,
        /// The second.
        second: &'static str,
    },
    /// A field that should be a number.
    #[error("{column} '{text}' is not a number")]
    NotANumber {
        /// The column or field.
        column: String,
        /// Its text.
        text: String,
    },
    /// A JSON value of another type where a number or time should be.
    #[error("{column} is {found}, not a {expected}")]
    WrongType {
        /// The column or field.
        column: String,
        /// What is there, e.g. `null`.
        found: &'static str,
        /// `number` or `time`.
        expected: &'static str,
    },
    /// A field that should be a time.
    #[error(
        "{column} '{text}' is not a time (expected epoch milliseconds or an ISO-8601 UTC date-time)"
    )]
    NotATime {
        /// The column or field.
        column: String,
        /// Its text.
        text: String,
    },
    /// An epoch time written with a fraction of a millisecond.
    #[error("{column} {value} is not a whole number of milliseconds")]
    FractionalTime {
        /// The column or field.
        column: String,
        /// The value.
        value: f64,
    },
    /// A side that is neither word.
    #[error("side '{0}' is not SELL/BUY or long/short")]
    BadSide(String),
    /// A number out of its range.
    #[error("{}", value_message(column, *value, *problem))]
    BadValue {
        /// The column, e.g. `volume`.
        column: String,
        /// The value.
        value: f64,
        /// What is wrong with it.
        problem: ValueProblem,
    },
    /// A bar whose high is below its low.
    #[error("high {high} is below low {low}")]
    HighBelowLow {
        /// The high.
        high: f64,
        /// The low.
        low: f64,
    },
    /// An open or close outside the bar's range.
    #[error("{column} {value} is outside the bar's range [low {low}, high {high}]")]
    OutsideBar {
        /// `open` or `close`.
        column: &'static str,
        /// The value.
        value: f64,
        /// The bar's low.
        low: f64,
        /// The bar's high.
        high: f64,
    },
    /// Taker-buy volume above the bar's volume.
    #[error("taker-buy volume {taker_buy} is above the volume {volume}")]
    TakerAboveVolume {
        /// The taker-buy volume.
        taker_buy: f64,
        /// The volume.
        volume: f64,
    },
    /// Two rows of one time.
    #[error(
        "duplicated {}: {previous} and this one both at {} ({time_ms})",
        duplicated_what(*series),
        format_time_ms(*time_ms)
    )]
    Duplicate {
        /// Which series.
        series: Series,
        /// The earlier row of that time.
        previous: Location,
        /// The time.
        time_ms: i64,
    },
    /// A row before the one above it.
    #[error(
        "{series} out of order: this one is at {} ({time_ms}), before {previous} at {} \
         ({previous_ms})",
        format_time_ms(*time_ms),
        format_time_ms(*previous_ms)
    )]
    OutOfOrder {
        /// Which series.
        series: Series,
        /// The row above.
        previous: Location,
        /// This row's time.
        time_ms: i64,
        /// The row above's time.
        previous_ms: i64,
    },
    /// Too few bars to tell the interval.
    #[error("{bars} bar(s): at least 2 are needed to tell the interval")]
    TooFewBars {
        /// How many there are.
        bars: usize,
    },
    /// A step between bars that is not a whole number of the interval.
    #[error(
        "the bar opens {step_ms} ms after the previous one, not a whole number of the {} interval",
        format_interval(*interval_ms)
    )]
    Irregular {
        /// The step.
        step_ms: i64,
        /// The interval.
        interval_ms: i64,
    },
    /// A native file's interval that cannot be a bar interval.
    #[error("interval_ms {interval_ms} is not {}", interval_bounds())]
    BadInterval {
        /// The value.
        interval_ms: i64,
    },
    /// A time outside the years 1 to 9999, which no market data has.
    #[error("{column} {time_ms} ms is not a time between the years 1 and 9999")]
    TimeOutOfRange {
        /// The column.
        column: &'static str,
        /// The value.
        time_ms: i64,
    },
    /// Open interest entirely outside the bars.
    #[error(
        "the open interest ({} → {}) does not overlap the klines ({} → {})",
        format_time_ms(data_ms.0),
        format_time_ms(data_ms.1),
        format_time_ms(klines_ms.0),
        format_time_ms(klines_ms.1)
    )]
    NoOverlap {
        /// First and last sample time.
        data_ms: (i64, i64),
        /// Start and end of the bars.
        klines_ms: (i64, i64),
    },
    /// Open interest whose USD value implies prices far from the bars'.
    #[error(
        "the open interest implies a price of {implied:.6} (value / open interest), far from the \
         bar at {} (low {low}, high {high}); {off} of {checked} samples are off like this: is it \
         another symbol's open interest?",
        format_time_ms(*bar_time_ms)
    )]
    ImpliedPrice {
        /// The implied price.
        implied: f64,
        /// The bar's open time.
        bar_time_ms: i64,
        /// The bar's low.
        low: f64,
        /// The bar's high.
        high: f64,
        /// Samples off like this.
        off: usize,
        /// Samples checked.
        checked: usize,
    },
    /// Two sources disagree on the symbol.
    #[error("{what} is for {symbol}, but {other_what} is for {other_symbol}")]
    SymbolConflict {
        /// This file's role, e.g. `the open-interest file`.
        what: &'static str,
        /// Its symbol.
        symbol: String,
        /// The other file's role.
        other_what: &'static str,
        /// The other file's symbol.
        other_symbol: String,
    },
    /// `--symbol` disagrees with the data.
    #[error("--symbol {given} disagrees with {what}, which is for {symbol}")]
    SymbolDisagrees {
        /// The symbol given.
        given: String,
        /// The file's role.
        what: &'static str,
        /// The file's symbol.
        symbol: String,
    },
    /// The klines file name names another symbol than the other file.
    #[error(
        "the klines file name says {named}, but {what} is for {symbol}; if the klines are {symbol} \
         too, confirm with --symbol {symbol}"
    )]
    SymbolNameMismatch {
        /// The symbol in the file name.
        named: String,
        /// The other file's role.
        what: &'static str,
        /// Its symbol.
        symbol: String,
    },
    /// Nothing names the symbol.
    #[error(
        "the data does not name its symbol and the file name holds none: pass --symbol, e.g. \
         --symbol BTCUSDT"
    )]
    NoSymbol,
    /// No row of the symbol in a file of several symbols.
    #[error("no {what} for {symbol}: the file holds {}", symbol_list(found))]
    SymbolNotFound {
        /// `open interest` or `liquidations`.
        what: &'static str,
        /// The symbol wanted.
        symbol: String,
        /// The symbols found with their row counts.
        found: Vec<(String, usize)>,
    },
    /// A native file's column of another length than the rows.
    #[error("column {column} has {len} entries, but there are {rows} rows")]
    ColumnLength {
        /// The column.
        column: &'static str,
        /// Its length.
        len: usize,
        /// The number of rows.
        rows: usize,
    },
    /// A native file with another format tag.
    #[error("not a liqmap dataset: format is '{0}', expected 'liqmap-dataset'")]
    NotNative(String),
    /// A native file that does not fit the schema.
    #[error("not a valid liqmap dataset: {0}")]
    Schema(String),
    /// A native file of a newer version.
    #[error("written by a newer liqmap: format version {found}, this build reads {reads}")]
    NewerVersion {
        /// The file's version.
        found: u64,
        /// The version this build reads.
        reads: u32,
    },
    /// Version 0.
    #[error("format version 0 does not exist")]
    VersionZero,
    /// A view file (several datasets of one coin) that cannot be read or written; the text says
    /// what is wrong and where.
    #[error("{0}")]
    View(String),
    /// A zip file that cannot be used: unreadable, not exactly one file inside, or too large.
    #[error("a zip file, but {0}")]
    Zip(String),
    /// A Parquet file that is not a liqmap dataset or cannot be read; the text says why.
    #[error("{0}")]
    Parquet(String),
    /// An import with no klines file to build bars from.
    #[error("give at least one klines file")]
    NoKlinesGiven,
    /// A file whose rows cannot be merged with the first file's (another venue, symbol or
    /// interval).
    #[error("{reason} (compared with {})", first.display())]
    CannotMerge {
        /// Why the two cannot be merged.
        reason: String,
        /// The first file, that this one was compared with.
        first: PathBuf,
    },
    /// Bars or a whole dataset where open interest or liquidations were to be added.
    #[error("this is {}, not open interest or liquidations: open it on its own", .0.name())]
    NotSeries(FormatKind),
}

fn value_message(column: &str, value: f64, problem: ValueProblem) -> String {
    match problem {
        ValueProblem::NaN => match column {
            "open" | "high" | "low" | "close" | "liquidation" => format!("{column} price is NaN"),
            _ => format!("{column} is NaN"),
        },
        ValueProblem::NotAbovePrice => format!("{column} price {value} is not above 0"),
        ValueProblem::NegativeOrInfinite => format!("{column} {value} is negative or infinite"),
        ValueProblem::NotAboveQuantity => format!("{column} {value} is not above 0"),
        ValueProblem::UsdValueNotFinite => format!(
            "{column} {value:e} is too large: its value in USD (times the price) is not a \
             finite number"
        ),
    }
}

fn duplicated_what(series: Series) -> &'static str {
    match series {
        Series::Bars => "bar",
        Series::OpenInterest => "open-interest sample",
        Series::Liquidations => "liquidation",
    }
}

fn symbol_list(found: &[(String, usize)]) -> String {
    let shown: Vec<String> = found
        .iter()
        .take(10)
        .map(|(s, n)| format!("{s} ({n})"))
        .collect();
    let more = found.len().saturating_sub(shown.len());
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("{}{tail}", shown.join(", "))
}

/// The longest bar interval a dataset may have: four weeks, longer than any venue's.
pub const MAX_INTERVAL_MS: i64 = 28 * 86_400_000;

fn interval_bounds() -> String {
    format!("above 0 and at most {} (4 weeks)", MAX_INTERVAL_MS)
}
