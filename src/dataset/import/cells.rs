//! JSON cells that venues write as numbers or as strings (`"45.124"`), read without `Value`.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

use crate::dataset::error::DatasetErrorKind;
use crate::dataset::text;

/// One JSON scalar of a kline row or an event field.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// An integer.
    Int(i64),
    /// A number with a fraction or exponent (or too large for `i64`).
    Float(f64),
    /// A string, which venues use for prices to keep their decimals.
    Text(String),
    /// `null`, `true`, `false` or anything else that is not a number.
    Other(&'static str),
}

impl Cell {
    /// The cell as a number; `what` names it in messages.
    pub fn number(&self, what: &str) -> Result<f64, DatasetErrorKind> {
        match self {
            Cell::Int(v) => Ok(*v as f64),
            Cell::Float(v) => Ok(*v),
            Cell::Text(t) => text::parse_number(t, what),
            Cell::Other(found) => Err(DatasetErrorKind::WrongType {
                column: what.to_string(),
                found,
                expected: "number",
            }),
        }
    }

    /// The cell as an epoch time in milliseconds.
    pub fn time_ms(&self, what: &str) -> Result<i64, DatasetErrorKind> {
        match self {
            Cell::Int(v) => Ok(text::epoch_to_ms(*v)),
            Cell::Float(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => {
                Ok(text::epoch_to_ms(*v as i64))
            }
            Cell::Float(v) => Err(DatasetErrorKind::FractionalTime {
                column: what.to_string(),
                value: *v,
            }),
            Cell::Text(t) => text::parse_time(t, what),
            Cell::Other(found) => Err(DatasetErrorKind::WrongType {
                column: what.to_string(),
                found,
                expected: "time",
            }),
        }
    }

    /// The cell as text, for tags such as `"0"` or `"SELL"`.
    pub fn as_text(&self) -> String {
        match self {
            Cell::Int(v) => v.to_string(),
            Cell::Float(v) => v.to_string(),
            Cell::Text(t) => t.clone(),
            Cell::Other(kind) => (*kind).to_string(),
        }
    }
}

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CellVisitor)
    }
}

struct CellVisitor;

impl<'de> Visitor<'de> for CellVisitor {
    type Value = Cell;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a string")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cell, E> {
        Ok(Cell::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cell, E> {
        Ok(i64::try_from(v).map_or(Cell::Float(v as f64), Cell::Int))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cell, E> {
        Ok(Cell::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cell, E> {
        Ok(Cell::Text(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Cell, E> {
        Ok(Cell::Text(v))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Cell, E> {
        Ok(Cell::Other("a boolean"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Cell, E> {
        Ok(Cell::Other("null"))
    }

    fn visit_none<E: de::Error>(self) -> Result<Cell, E> {
        Ok(Cell::Other("null"))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Cell, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(Cell::Other("an array"))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Cell, A::Error> {
        while map
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Cell::Other("an object"))
    }
}

/// Field `index` of a JSON row, or an error naming it.
pub fn field<'a>(row: &'a [Cell], index: usize, what: &str) -> Result<&'a Cell, DatasetErrorKind> {
    row.get(index)
        .ok_or_else(|| DatasetErrorKind::MissingField {
            field: what.to_string(),
            index,
            len: row.len(),
        })
}

/// Field `index` of a JSON row as a number.
pub fn number(row: &[Cell], index: usize, what: &str) -> Result<f64, DatasetErrorKind> {
    field(row, index, what)?.number(what)
}

/// Field `index` of a JSON row as an epoch time.
pub fn time_ms(row: &[Cell], index: usize, what: &str) -> Result<i64, DatasetErrorKind> {
    field(row, index, what)?.time_ms(what)
}
