//! The fast reader of the native format: one pass over the text finds each column's array, then
//! the columns are parsed (on every core) straight into rows (`native_rows`).
//!
//! It accepts only what the serde reader in `native` accepts, and reads the same values bit for
//! bit (numbers are rounded correctly, as `serde_json` with `float_roundtrip` does). Anything it
//! does not expect (a syntax error, an unknown or repeated key, an escape in a string, a value of
//! the wrong type, a number out of range, columns of different lengths) is left to the serde
//! reader, so damaged files get exactly the errors they always got, naming the entry at fault.

use super::error::Issue;
use super::native;
use super::native_numbers::{parse_f64, parse_i64, parse_optional_f64, parse_side};
use super::native_rows::{Column, Fill, fill, rows};
use crate::model::{Bar, Dataset, Liquidation, OpenInterestSample};

/// The UTF-8 byte-order mark, which the text reader strips too.
const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// Reads native JSON and checks it like an import; `None` where the bytes are not the plain
/// native layout (another format, or a damaged or hand-edited file: the serde reader in
/// `native` then reads it and says what is wrong). The bytes need not be checked as UTF-8
/// first: the layout accepted is ASCII outside its strings, and its strings are checked.
pub fn from_bytes(bytes: &[u8]) -> Option<Result<Dataset, Issue>> {
    let bytes = bytes.strip_prefix(BYTE_ORDER_MARK).unwrap_or(bytes);
    let raw = RawFile::scan(bytes)?;
    let dataset = Dataset {
        exchange: raw.exchange?.to_string(),
        symbol: raw.symbol?.to_string(),
        interval_ms: raw.interval_ms?,
        bars: bars(&raw.bars)?,
        open_interest: match &raw.open_interest {
            Some(o) => open_interest(o)?,
            None => Vec::new(),
        },
        liquidations: match &raw.liquidations {
            Some(l) => liquidations(l)?,
            None => Vec::new(),
        },
    };
    Some(native::finish_rows(raw.format?, raw.version?, dataset))
}

/// An optional column: present with entries, or absent, `null` or empty (which the serde reader
/// reads as absent too).
fn optional<'a, R>(text: Option<Option<Array<'a>>>, fill: Fill<R>) -> Option<Column<'a, R>> {
    text.flatten()
        .map(|text| Column::new(text, fill))
        .filter(|c| !c.is_empty())
}

fn bars(raw: &RawBars<'_>) -> Option<Vec<Bar>> {
    let mut columns: Vec<Column<'_, Bar>> = vec![
        Column::new(raw.open_time_ms?, |p, rows| {
            fill(p, rows, parse_i64, |b, v| b.open_time_ms = v)
        }),
        Column::new(raw.open?, |p, rows| {
            fill(p, rows, parse_f64, |b, v| b.open = v)
        }),
        Column::new(raw.high?, |p, rows| {
            fill(p, rows, parse_f64, |b, v| b.high = v)
        }),
        Column::new(raw.low?, |p, rows| {
            fill(p, rows, parse_f64, |b, v| b.low = v)
        }),
        Column::new(raw.close?, |p, rows| {
            fill(p, rows, parse_f64, |b, v| b.close = v)
        }),
        Column::new(raw.volume?, |p, rows| {
            fill(p, rows, parse_f64, |b, v| b.volume = v)
        }),
    ];
    columns.extend(optional(raw.taker_buy_volume, |p, rows: &mut [Bar]| {
        fill(p, rows, parse_optional_f64, |b, v| b.taker_buy_volume = v)
    }));
    columns.extend(optional(raw.quote_volume, |p, rows: &mut [Bar]| {
        fill(p, rows, parse_optional_f64, |b, v| b.quote_volume = v)
    }));
    rows(Bar::BLANK, &columns)
}

fn open_interest(raw: &RawOpenInterest<'_>) -> Option<Vec<OpenInterestSample>> {
    let mut columns: Vec<Column<'_, OpenInterestSample>> = vec![
        Column::new(raw.time_ms?, |p, rows| {
            fill(p, rows, parse_i64, |s, v| s.time_ms = v)
        }),
        Column::new(raw.open_interest?, |p, rows| {
            fill(p, rows, parse_f64, |s, v| s.open_interest = v)
        }),
    ];
    columns.extend(optional(
        raw.value_usd,
        |p, rows: &mut [OpenInterestSample]| {
            fill(p, rows, parse_optional_f64, |s, v| s.value_usd = v)
        },
    ));
    rows(OpenInterestSample::BLANK, &columns)
}

fn liquidations(raw: &RawLiquidations<'_>) -> Option<Vec<Liquidation>> {
    let columns: [Column<'_, Liquidation>; 4] = [
        Column::new(raw.time_ms?, |p, rows| {
            fill(p, rows, parse_i64, |l, v| l.time_ms = v)
        }),
        Column::new(raw.side?, |p, rows| {
            fill(p, rows, parse_side, |l, v| l.side = v)
        }),
        Column::new(raw.price?, |p, rows| {
            fill(p, rows, parse_f64, |l, v| l.price = v)
        }),
        Column::new(raw.quantity?, |p, rows| {
            fill(p, rows, parse_f64, |l, v| l.quantity = v)
        }),
    ];
    rows(Liquidation::BLANK, &columns)
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

#[cfg(test)]
#[path = "native_read_tests.rs"]
mod tests;
