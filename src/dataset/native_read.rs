//! The fast reader of the native format: one pass over the text finds each column's array, then
//! the columns are parsed (in parallel) straight into vectors of numbers.
//!
//! It accepts only what the serde reader in `native` accepts, and reads the same values bit for
//! bit (numbers are rounded correctly, as `serde_json` with `float_roundtrip` does). Anything it
//! does not expect (a syntax error, an unknown or repeated key, an escape in a string, a value of
//! the wrong type, a number out of range) sends the whole text to the serde reader, so damaged
//! files get exactly the errors they always got, naming the entry at fault.

use rayon::prelude::*;

use super::error::Issue;
use super::native::{self, BarColumns, File, LiquidationColumns, OpenInterestColumns};
use crate::model::{Dataset, Side};

/// Reads native JSON and checks it like an import (the fast path of [`native::from_str`]).
pub fn from_str(text: &str) -> Result<Dataset, Issue> {
    match fast_file(text) {
        Some(file) => native::finish(file),
        None => native::from_str(text),
    }
}

/// As [`from_str`], dropping the text once the columns are parsed, so that the text and the rows
/// are never held together.
pub fn from_string(text: String) -> Result<Dataset, Issue> {
    match fast_file(&text) {
        Some(file) => {
            drop(text);
            native::finish(file)
        }
        None => native::from_str(&text),
    }
}

/// The file's columns, or `None` where the text is not the plain native layout.
fn fast_file(text: &str) -> Option<File> {
    let raw = RawFile::scan(text.as_bytes())?;
    let mut jobs = vec![
        Job::I64(raw.bars.open_time_ms?),
        Job::F64(raw.bars.open?),
        Job::F64(raw.bars.high?),
        Job::F64(raw.bars.low?),
        Job::F64(raw.bars.close?),
        Job::F64(raw.bars.volume?),
        Job::OptionalF64(raw.bars.taker_buy_volume.flatten()),
        Job::OptionalF64(raw.bars.quote_volume.flatten()),
    ];
    if let Some(oi) = &raw.open_interest {
        jobs.extend([
            Job::I64(oi.time_ms?),
            Job::F64(oi.open_interest?),
            Job::OptionalF64(oi.value_usd.flatten()),
        ]);
    }
    if let Some(l) = &raw.liquidations {
        jobs.extend([
            Job::I64(l.time_ms?),
            Job::Side(l.side?),
            Job::F64(l.price?),
            Job::F64(l.quantity?),
        ]);
    }
    // Columns are independent: each core takes whole columns.
    let parsed: Option<Vec<Column>> = jobs.into_par_iter().map(Job::run).collect();
    let mut columns = parsed?.into_iter();
    let mut next = || columns.next();
    let bars = BarColumns {
        open_time_ms: next()?.i64()?,
        open: next()?.f64()?,
        high: next()?.f64()?,
        low: next()?.f64()?,
        close: next()?.f64()?,
        volume: next()?.f64()?,
        taker_buy_volume: next()?.optional()?,
        quote_volume: next()?.optional()?,
    };
    let open_interest = match raw.open_interest {
        Some(_) => OpenInterestColumns {
            time_ms: next()?.i64()?,
            open_interest: next()?.f64()?,
            value_usd: next()?.optional()?,
        },
        None => OpenInterestColumns::default(),
    };
    let liquidations = match raw.liquidations {
        Some(_) => LiquidationColumns {
            time_ms: next()?.i64()?,
            side: next()?.side()?,
            price: next()?.f64()?,
            quantity: next()?.f64()?,
        },
        None => LiquidationColumns::default(),
    };
    Some(File {
        format: raw.format?.to_string(),
        version: raw.version?,
        exchange: raw.exchange?.to_string(),
        symbol: raw.symbol?.to_string(),
        interval_ms: raw.interval_ms?,
        bars,
        open_interest,
        liquidations,
    })
}

/// The text between `[` and `]` of one column.
type Array<'a> = &'a [u8];

/// What the structural pass found: scalars parsed, arrays located.
#[derive(Default)]
struct RawFile<'a> {
    format: Option<&'a str>,
    version: Option<u32>,
    exchange: Option<&'a str>,
    symbol: Option<&'a str>,
    interval_ms: Option<i64>,
    bars: RawBars<'a>,
    seen_bars: bool,
    open_interest: Option<RawOpenInterest<'a>>,
    liquidations: Option<RawLiquidations<'a>>,
}

#[derive(Default)]
struct RawBars<'a> {
    open_time_ms: Option<Array<'a>>,
    open: Option<Array<'a>>,
    high: Option<Array<'a>>,
    low: Option<Array<'a>>,
    close: Option<Array<'a>>,
    volume: Option<Array<'a>>,
    /// `Some(None)`: present as `null`.
    taker_buy_volume: Option<Option<Array<'a>>>,
    quote_volume: Option<Option<Array<'a>>>,
}

#[derive(Default)]
struct RawOpenInterest<'a> {
    time_ms: Option<Array<'a>>,
    open_interest: Option<Array<'a>>,
    value_usd: Option<Option<Array<'a>>>,
}

#[derive(Default)]
struct RawLiquidations<'a> {
    time_ms: Option<Array<'a>>,
    side: Option<Array<'a>>,
    price: Option<Array<'a>>,
    quantity: Option<Array<'a>>,
}

/// Stores `value` in an empty slot; a repeated key fails (serde refuses duplicates).
fn set<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

impl<'a> RawFile<'a> {
    fn scan(bytes: &'a [u8]) -> Option<Self> {
        let mut c = Cursor { bytes, pos: 0 };
        let mut raw = RawFile::default();
        c.object(|c, key| match key {
            "format" => set(&mut raw.format, c.string()?),
            "version" => set(&mut raw.version, u32::try_from(c.integer()?).ok()?),
            "exchange" => set(&mut raw.exchange, c.string()?),
            "symbol" => set(&mut raw.symbol, c.string()?),
            "interval_ms" => set(&mut raw.interval_ms, c.integer()?),
            "bars" if !raw.seen_bars => {
                raw.seen_bars = true;
                let b = &mut raw.bars;
                c.object(|c, key| match key {
                    "open_time_ms" => set(&mut b.open_time_ms, c.array()?),
                    "open" => set(&mut b.open, c.array()?),
                    "high" => set(&mut b.high, c.array()?),
                    "low" => set(&mut b.low, c.array()?),
                    "close" => set(&mut b.close, c.array()?),
                    "volume" => set(&mut b.volume, c.array()?),
                    "taker_buy_volume" => set(&mut b.taker_buy_volume, c.nullable_array()?),
                    "quote_volume" => set(&mut b.quote_volume, c.nullable_array()?),
                    _ => None,
                })
            }
            "open_interest" if raw.open_interest.is_none() => {
                let mut o = RawOpenInterest::default();
                c.object(|c, key| match key {
                    "time_ms" => set(&mut o.time_ms, c.array()?),
                    "open_interest" => set(&mut o.open_interest, c.array()?),
                    "value_usd" => set(&mut o.value_usd, c.nullable_array()?),
                    _ => None,
                })?;
                raw.open_interest = Some(o);
                Some(())
            }
            "liquidations" if raw.liquidations.is_none() => {
                let mut l = RawLiquidations::default();
                c.object(|c, key| match key {
                    "time_ms" => set(&mut l.time_ms, c.array()?),
                    "side" => set(&mut l.side, c.array()?),
                    "price" => set(&mut l.price, c.array()?),
                    "quantity" => set(&mut l.quantity, c.array()?),
                    _ => None,
                })?;
                raw.liquidations = Some(l);
                Some(())
            }
            _ => None,
        })?;
        c.skip_whitespace();
        (c.pos == bytes.len() && raw.seen_bars).then_some(raw)
    }
}

/// A position in the text of the structural pass.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    /// Skips whitespace and consumes `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        if self.bytes.get(self.pos) == Some(&byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// A string without escapes or control characters.
    fn string(&mut self) -> Option<&'a str> {
        if !self.eat(b'"') {
            return None;
        }
        let rest = self.bytes.get(self.pos..)?;
        let len = memchr::memchr(b'"', rest)?;
        let body = rest.get(..len)?;
        if body.iter().any(|&b| b == b'\\' || b < 0x20) {
            return None;
        }
        self.pos += len + 1;
        std::str::from_utf8(body).ok()
    }

    /// An integer scalar.
    fn integer(&mut self) -> Option<i64> {
        self.skip_whitespace();
        let (value, end) = parse_i64(self.bytes, self.pos)?;
        self.pos = end;
        Some(value)
    }

    /// An array, returned as the text between its brackets. The first `]` ends it: were there a
    /// nested array or a string holding `]`, the text before it would not parse as the column.
    fn array(&mut self) -> Option<Array<'a>> {
        if !self.eat(b'[') {
            return None;
        }
        let rest = self.bytes.get(self.pos..)?;
        let len = memchr::memchr(b']', rest)?;
        self.pos += len + 1;
        rest.get(..len)
    }

    /// An array or `null`.
    fn nullable_array(&mut self) -> Option<Option<Array<'a>>> {
        self.skip_whitespace();
        if self.bytes.get(self.pos..)?.starts_with(b"null") {
            self.pos += 4;
            Some(None)
        } else {
            self.array().map(Some)
        }
    }

    /// An object whose values `field` reads, key by key.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &str) -> Option<()>) -> Option<()> {
        if !self.eat(b'{') {
            return None;
        }
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            let key = self.string()?;
            if !self.eat(b':') {
                return None;
            }
            field(self, key)?;
            if self.eat(b'}') {
                return Some(());
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }
}

/// One column to parse.
enum Job<'a> {
    I64(Array<'a>),
    F64(Array<'a>),
    OptionalF64(Option<Array<'a>>),
    Side(Array<'a>),
}

/// A parsed column.
enum Column {
    I64(Vec<i64>),
    F64(Vec<f64>),
    OptionalF64(Option<Vec<Option<f64>>>),
    Side(Vec<Side>),
}

impl Job<'_> {
    fn run(self) -> Option<Column> {
        Some(match self {
            Job::I64(text) => Column::I64(entries(text, parse_i64)?),
            Job::F64(text) => Column::F64(entries(text, parse_f64)?),
            Job::OptionalF64(None) => Column::OptionalF64(None),
            Job::OptionalF64(Some(text)) => {
                Column::OptionalF64(Some(entries(text, parse_optional_f64)?))
            }
            Job::Side(text) => Column::Side(entries(text, parse_side)?),
        })
    }
}

impl Column {
    fn i64(self) -> Option<Vec<i64>> {
        match self {
            Column::I64(v) => Some(v),
            _ => None,
        }
    }

    fn f64(self) -> Option<Vec<f64>> {
        match self {
            Column::F64(v) => Some(v),
            _ => None,
        }
    }

    fn optional(self) -> Option<Option<Vec<Option<f64>>>> {
        match self {
            Column::OptionalF64(v) => Some(v),
            _ => None,
        }
    }

    fn side(self) -> Option<Vec<Side>> {
        match self {
            Column::Side(v) => Some(v),
            _ => None,
        }
    }
}

/// Reads one value at a position: the value and the position after it.
type Entry<T> = fn(&[u8], usize) -> Option<(T, usize)>;

/// The comma-separated values of an array's inner text.
fn entries<T>(text: &[u8], entry: Entry<T>) -> Option<Vec<T>> {
    // Values hold no commas (no strings but sides), so the commas count the entries: the vector
    // is allocated once at its size, where a guess from the text's length held up to twice the
    // memory the year's columns need (the peak of `liqmap info`).
    let mut values = Vec::with_capacity(memchr::memchr_iter(b',', text).count() + 1);
    let skip = |mut pos: usize| {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = text.get(pos) {
            pos += 1;
        }
        pos
    };
    let mut pos = skip(0);
    if pos == text.len() {
        return Some(values);
    }
    loop {
        let (value, end) = entry(text, pos)?;
        values.push(value);
        pos = skip(end);
        match text.get(pos) {
            None => return Some(values),
            Some(b',') => pos = skip(pos + 1),
            Some(_) => return None,
        }
    }
}

/// Powers of ten that an `f64` holds exactly.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Integers up to this are exact in an `f64`.
const EXACT_MANTISSA: u64 = 1 << 53;

/// A JSON number (the grammar checked), correctly rounded to the nearest `f64`; `None` for a
/// number outside the `f64` range, which serde refuses too.
fn parse_f64(text: &[u8], start: usize) -> Option<(f64, usize)> {
    let mut pos = start;
    let negative = text.get(pos) == Some(&b'-');
    if negative {
        pos += 1;
    }
    let mut mantissa: u64 = 0;
    let mut digits = 0u32;
    let mut exponent: i64 = 0;
    let mut digit = |d: u8, mantissa: &mut u64| {
        // Leading zeros do not count; beyond 19 digits the mantissa no longer fits.
        if *mantissa != 0 || d != 0 {
            digits += 1;
        }
        *mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
    };
    match text.get(pos) {
        Some(b'0') => pos += 1,
        Some(b'1'..=b'9') => {
            while let Some(&b @ b'0'..=b'9') = text.get(pos) {
                digit(b - b'0', &mut mantissa);
                pos += 1;
            }
        }
        _ => return None,
    }
    if text.get(pos) == Some(&b'.') {
        pos += 1;
        let first = pos;
        while let Some(&b @ b'0'..=b'9') = text.get(pos) {
            digit(b - b'0', &mut mantissa);
            exponent -= 1;
            pos += 1;
        }
        if pos == first {
            return None;
        }
    }
    if let Some(b'e' | b'E') = text.get(pos) {
        pos += 1;
        let exponent_negative = text.get(pos) == Some(&b'-');
        if let Some(b'+' | b'-') = text.get(pos) {
            pos += 1;
        }
        let first = pos;
        let mut written: i64 = 0;
        while let Some(&b @ b'0'..=b'9') = text.get(pos) {
            written = written
                .saturating_mul(10)
                .saturating_add(i64::from(b - b'0'));
            pos += 1;
        }
        if pos == first {
            return None;
        }
        exponent = exponent.saturating_add(if exponent_negative { -written } else { written });
    }
    let exact = digits <= 19 && mantissa <= EXACT_MANTISSA;
    let power = usize::try_from(exponent.unsigned_abs())
        .ok()
        .and_then(|e| EXACT_POWERS_OF_TEN.get(e));
    let value = match power {
        // Clinger's fast path: both operands exact, so the one rounding is the correct one.
        Some(&power) if exact && exponent < 0 => mantissa as f64 / power,
        Some(&power) if exact => mantissa as f64 * power,
        _ => {
            let token = std::str::from_utf8(text.get(start..pos)?).ok()?;
            return token
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(|v| (v, pos));
        }
    };
    Some((if negative { -value } else { value }, pos))
}

/// A number or `null`.
fn parse_optional_f64(text: &[u8], start: usize) -> Option<(Option<f64>, usize)> {
    if text.get(start..)?.starts_with(b"null") {
        return Some((None, start + 4));
    }
    parse_f64(text, start).map(|(v, end)| (Some(v), end))
}

/// A JSON integer that fits an `i64`. `-0` is refused, as serde reads it as a float.
fn parse_i64(text: &[u8], start: usize) -> Option<(i64, usize)> {
    let mut pos = start;
    let negative = text.get(pos) == Some(&b'-');
    if negative {
        pos += 1;
    }
    let mut magnitude: u64 = 0;
    match text.get(pos) {
        Some(b'0') => pos += 1,
        Some(b'1'..=b'9') => {
            while let Some(&b @ b'0'..=b'9') = text.get(pos) {
                magnitude = magnitude
                    .checked_mul(10)?
                    .checked_add(u64::from(b - b'0'))?;
                pos += 1;
            }
        }
        _ => return None,
    }
    if let Some(b'.' | b'e' | b'E') = text.get(pos) {
        return None;
    }
    let value = if negative {
        if magnitude == 0 {
            return None;
        }
        0i64.checked_sub_unsigned(magnitude)?
    } else {
        i64::try_from(magnitude).ok()?
    };
    Some((value, pos))
}

/// `"long"` or `"short"`.
fn parse_side(text: &[u8], start: usize) -> Option<(Side, usize)> {
    let rest = text.get(start..)?;
    if rest.starts_with(b"\"long\"") {
        Some((Side::Long, start + 6))
    } else if rest.starts_with(b"\"short\"") {
        Some((Side::Short, start + 7))
    } else {
        None
    }
}

#[cfg(test)]
#[path = "native_read_tests.rs"]
mod tests;
