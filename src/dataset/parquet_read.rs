//! Reading a Parquet dataset straight into rows: each row group's `record` column says which
//! kind of row each table row is, then every other column is read in batches and its values
//! stored in the rows of their kind. No column is held whole (reading every column of the year
//! as `Option<f64>` first took 234 MiB and 0.7 s for `liqmap info`).

use parquet::basic::Type as PhysicalType;
use parquet::column::reader::get_typed_column_reader;
use parquet::data_type::{ByteArray, ByteArrayType, DataType, DoubleType, Int64Type};
use parquet::file::reader::{FileReader, RowGroupReader};

use crate::model::{Bar, Dataset, Liquidation, OpenInterestSample, Side};

/// Values read from a column at once.
const BATCH_ROWS: usize = 1 << 16;

/// What a parsed file gives: its tag, its version and its rows (checked afterwards like an
/// import).
pub(super) struct ReadDataset {
    /// The `format` metadata value.
    pub(super) format: String,
    /// The `version` metadata value.
    pub(super) version: u32,
    /// The rows.
    pub(super) dataset: Dataset,
}

/// The kind of each table row, from the `record` column.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bar,
    OpenInterest,
    Liquidation,
    /// Neither: the row is an error.
    Other,
}

/// The `record` value of each kind of row.
pub(super) const BAR: &str = "bar";
pub(super) const OPEN_INTEREST: &str = "open_interest";
pub(super) const LIQUIDATION: &str = "liquidation";

const RECORD: &str = "record";
const TIME_MS: &str = "time_ms";
const SIDE: &str = "side";

/// Stores a number (or a null, where the column may hold one) in the row at an index.
type Store = fn(&mut Dataset, usize, Option<f64>);

/// A column of numbers: its name, the kind of row it belongs to, whether a null there is an
/// error and its place among that row's checks (the time is 0, the record 1), and where its
/// value goes.
struct NumberColumn {
    name: &'static str,
    kind: Kind,
    required: Option<usize>,
    store: Store,
}

/// Every column of numbers, in the order the reader looks them up.
const NUMBERS: [NumberColumn; 11] = [
    NumberColumn {
        name: "open",
        kind: Kind::Bar,
        required: Some(2),
        store: |d, i, v| set(d.bars.get_mut(i), v, |b, v| b.open = v),
    },
    NumberColumn {
        name: "high",
        kind: Kind::Bar,
        required: Some(3),
        store: |d, i, v| set(d.bars.get_mut(i), v, |b, v| b.high = v),
    },
    NumberColumn {
        name: "low",
        kind: Kind::Bar,
        required: Some(4),
        store: |d, i, v| set(d.bars.get_mut(i), v, |b, v| b.low = v),
    },
    NumberColumn {
        name: "close",
        kind: Kind::Bar,
        required: Some(5),
        store: |d, i, v| set(d.bars.get_mut(i), v, |b, v| b.close = v),
    },
    NumberColumn {
        name: "volume",
        kind: Kind::Bar,
        required: Some(6),
        store: |d, i, v| set(d.bars.get_mut(i), v, |b, v| b.volume = v),
    },
    NumberColumn {
        name: "taker_buy_volume",
        kind: Kind::Bar,
        required: None,
        store: |d, i, v| set_optional(d.bars.get_mut(i), v, |b, v| b.taker_buy_volume = v),
    },
    NumberColumn {
        name: "quote_volume",
        kind: Kind::Bar,
        required: None,
        store: |d, i, v| set_optional(d.bars.get_mut(i), v, |b, v| b.quote_volume = v),
    },
    NumberColumn {
        name: "open_interest",
        kind: Kind::OpenInterest,
        required: Some(2),
        store: |d, i, v| set(d.open_interest.get_mut(i), v, |s, v| s.open_interest = v),
    },
    NumberColumn {
        name: "value_usd",
        kind: Kind::OpenInterest,
        required: None,
        store: |d, i, v| set_optional(d.open_interest.get_mut(i), v, |s, v| s.value_usd = v),
    },
    NumberColumn {
        name: "price",
        kind: Kind::Liquidation,
        required: Some(3),
        store: |d, i, v| set(d.liquidations.get_mut(i), v, |l, v| l.price = v),
    },
    NumberColumn {
        name: "quantity",
        kind: Kind::Liquidation,
        required: Some(4),
        store: |d, i, v| set(d.liquidations.get_mut(i), v, |l, v| l.quantity = v),
    },
];

/// The side's place among a liquidation row's checks.
const SIDE_ORDER: usize = 2;

fn set<R>(row: Option<&mut R>, value: Option<f64>, field: impl FnOnce(&mut R, f64)) {
    if let (Some(row), Some(value)) = (row, value) {
        field(row, value);
    }
}

fn set_optional<R>(
    row: Option<&mut R>,
    value: Option<f64>,
    field: impl FnOnce(&mut R, Option<f64>),
) {
    if let Some(row) = row {
        field(row, value);
    }
}

/// The earliest problem found in a row group: by row, then by the order of the columns.
#[derive(Default)]
struct FirstProblem(Option<(usize, usize, String)>);

impl FirstProblem {
    fn offer(&mut self, row: usize, order: usize, message: impl FnOnce() -> String) {
        if self
            .0
            .as_ref()
            .is_none_or(|(r, o, _)| (row, order) < (*r, *o))
        {
            self.0 = Some((row, order, message()));
        }
    }
}

/// The file's metadata and rows, not yet checked.
pub(super) fn read<R: FileReader>(reader: &R) -> Result<ReadDataset, String> {
    let meta = reader.metadata().file_metadata();
    let key = |name: &str| {
        meta.key_value_metadata()
            .and_then(|kv| kv.iter().find(|k| k.key == name))
            .and_then(|k| k.value.clone())
    };
    let interval_ms = key("interval_ms")
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or("the metadata has no interval_ms (is this a liqmap dataset?)")?;
    let schema = meta.schema_descr();
    let index = |name: &str, physical: PhysicalType, what: &str| {
        let i = (0..schema.num_columns())
            .find(|&i| schema.column(i).name() == name)
            .ok_or(format!("no column {name}"))?;
        let column = schema.column(i);
        if column.max_rep_level() > 0 {
            return Err(format!(
                "column {name}: a list column, expected plain values"
            ));
        }
        if column.physical_type() != physical {
            return Err(format!("column {name} is not {what}"));
        }
        Ok(i)
    };
    let columns = Columns {
        record: index(RECORD, PhysicalType::BYTE_ARRAY, "text")?,
        time_ms: index(TIME_MS, PhysicalType::INT64, "INT64")?,
        side: index(SIDE, PhysicalType::BYTE_ARRAY, "text")?,
        numbers: {
            let mut numbers = [0; NUMBERS.len()];
            for (slot, column) in numbers.iter_mut().zip(&NUMBERS) {
                *slot = index(column.name, PhysicalType::DOUBLE, "DOUBLE")?;
            }
            numbers
        },
    };
    let mut dataset = Dataset {
        exchange: key("exchange").unwrap_or_default(),
        symbol: key("symbol").unwrap_or_default(),
        interval_ms,
        bars: Vec::new(),
        open_interest: Vec::new(),
        liquidations: Vec::new(),
    };
    let mut first_row = 0;
    for group in 0..reader.num_row_groups() {
        let group = reader.get_row_group(group).map_err(|e| e.to_string())?;
        first_row += read_group(&*group, &columns, first_row, &mut dataset)?;
    }
    let version = key("version").unwrap_or_default();
    Ok(ReadDataset {
        format: key("format").unwrap_or_default(),
        version: version
            .parse()
            .map_err(|_| format!("the metadata's version '{version}' is not a number"))?,
        dataset,
    })
}

/// Where the columns are in the schema.
struct Columns {
    record: usize,
    time_ms: usize,
    side: usize,
    numbers: [usize; NUMBERS.len()],
}

/// The rows of one row group appended to `dataset`; its number of table rows.
fn read_group(
    group: &dyn RowGroupReader,
    columns: &Columns,
    first_row: usize,
    dataset: &mut Dataset,
) -> Result<usize, String> {
    let rows = usize::try_from(group.metadata().num_rows()).map_err(|e| e.to_string())?;
    let mut problem = FirstProblem::default();
    // The table row of a problem, counted from 1 over the whole file.
    let row_of = |row: usize| first_row + row + 1;
    let word = |value: Option<&[u8]>| {
        value.map_or("null".to_string(), |v| {
            String::from_utf8_lossy(v).into_owned()
        })
    };
    let mut kinds = Vec::with_capacity(rows);
    each_value::<ByteArrayType>(group, columns.record, RECORD, rows, |row, value| {
        let kind = match value.map(ByteArray::data) {
            Some(v) if v == BAR.as_bytes() => Kind::Bar,
            Some(v) if v == OPEN_INTEREST.as_bytes() => Kind::OpenInterest,
            Some(v) if v == LIQUIDATION.as_bytes() => Kind::Liquidation,
            other => {
                problem.offer(row, 1, || {
                    format!(
                        "row {}: record must be bar, open_interest or liquidation, not {}",
                        row_of(row),
                        word(other)
                    )
                });
                Kind::Other
            }
        };
        kinds.push(kind);
    })?;
    let starts = [
        dataset.bars.len(),
        dataset.open_interest.len(),
        dataset.liquidations.len(),
    ];
    let count = |kind: Kind| kinds.iter().filter(|&&k| k == kind).count();
    let [bars, samples, liquidations] = starts;
    dataset.bars.resize(bars + count(Kind::Bar), Bar::BLANK);
    let samples = samples + count(Kind::OpenInterest);
    dataset
        .open_interest
        .resize(samples, OpenInterestSample::BLANK);
    let liquidations = liquidations + count(Kind::Liquidation);
    dataset
        .liquidations
        .resize(liquidations, Liquidation::BLANK);
    let places = Places {
        kinds: &kinds,
        starts,
    };
    places.each::<Int64Type>(group, columns.time_ms, TIME_MS, |place, row, value| {
        let Some(&time_ms) = value else {
            problem.offer(row, 0, || format!("row {}: time_ms is null", row_of(row)));
            return;
        };
        match place {
            Some((Kind::Bar, i)) => {
                if let Some(bar) = dataset.bars.get_mut(i) {
                    bar.open_time_ms = time_ms;
                }
            }
            Some((Kind::OpenInterest, i)) => {
                if let Some(sample) = dataset.open_interest.get_mut(i) {
                    sample.time_ms = time_ms;
                }
            }
            Some((Kind::Liquidation, i)) => {
                if let Some(liquidation) = dataset.liquidations.get_mut(i) {
                    liquidation.time_ms = time_ms;
                }
            }
            _ => {}
        }
    })?;
    places.each::<ByteArrayType>(group, columns.side, SIDE, |place, row, value| {
        let Some((Kind::Liquidation, i)) = place else {
            return;
        };
        let side = match value.map(ByteArray::data) {
            Some(b"long") => Side::Long,
            Some(b"short") => Side::Short,
            other => {
                problem.offer(row, SIDE_ORDER, || {
                    format!(
                        "row {}: side must be long or short, not {}",
                        row_of(row),
                        word(other)
                    )
                });
                return;
            }
        };
        if let Some(liquidation) = dataset.liquidations.get_mut(i) {
            liquidation.side = side;
        }
    })?;
    for (&i, column) in columns.numbers.iter().zip(&NUMBERS) {
        places.each::<DoubleType>(group, i, column.name, |place, row, value| {
            let Some((_, at)) = place.filter(|(kind, _)| *kind == column.kind) else {
                return;
            };
            match (value, column.required) {
                (None, Some(order)) => problem.offer(row, order, || {
                    format!("row {}: {} is null", row_of(row), column.name)
                }),
                _ => (column.store)(dataset, at, value.copied()),
            }
        })?;
    }
    match problem.0 {
        Some((_, _, message)) => Err(message),
        None => Ok(rows),
    }
}

/// Where each table row of a row group goes: its kind, and its index among the dataset's rows
/// of that kind, counted as a column's values come in row order.
struct Places<'a> {
    kinds: &'a [Kind],
    /// The dataset's bars, samples and liquidations before this row group.
    starts: [usize; 3],
}

impl Places<'_> {
    /// [`each_value`] of column `i`, with each table row's kind and index (`None` for a row
    /// of no kind).
    fn each<T: DataType>(
        &self,
        group: &dyn RowGroupReader,
        i: usize,
        name: &str,
        mut each: impl FnMut(Option<(Kind, usize)>, usize, Option<&T::T>),
    ) -> Result<(), String> {
        let mut next = self.starts;
        each_value::<T>(group, i, name, self.kinds.len(), |row, value| {
            let kind = self.kinds.get(row).copied().unwrap_or(Kind::Other);
            let slot = match kind {
                Kind::Bar => next.get_mut(0),
                Kind::OpenInterest => next.get_mut(1),
                Kind::Liquidation => next.get_mut(2),
                Kind::Other => None,
            };
            let place = slot.map(|at| {
                *at += 1;
                (kind, *at - 1)
            });
            each(place, row, value);
        })
    }
}

/// Calls `each(row, value)` for every row of column `i` in row order, `None` where it is null,
/// reading [`BATCH_ROWS`] values at a time.
fn each_value<T: DataType>(
    group: &dyn RowGroupReader,
    i: usize,
    name: &str,
    rows: usize,
    mut each: impl FnMut(usize, Option<&T::T>),
) -> Result<(), String> {
    let optional = group.metadata().column(i).column_descr().max_def_level() > 0;
    let reader = group
        .get_column_reader(i)
        .map_err(|e| format!("column {name}: {e}"))?;
    let mut typed = get_typed_column_reader::<T>(reader);
    let mut values: Vec<T::T> = Vec::with_capacity(BATCH_ROWS.min(rows));
    let mut levels: Vec<i16> = Vec::with_capacity(if optional { BATCH_ROWS.min(rows) } else { 0 });
    let mut row = 0;
    while row < rows {
        values.clear();
        levels.clear();
        let levels_out = if optional { Some(&mut levels) } else { None };
        let (records, _, _) = typed
            .read_records(BATCH_ROWS.min(rows - row), levels_out, None, &mut values)
            .map_err(|e| format!("column {name}: {e}"))?;
        if records == 0 {
            return Err(format!("column {name}: ends after {row} of {rows} rows"));
        }
        if optional {
            let mut present = values.iter();
            for &level in levels.iter().take(records) {
                let value = if level > 0 {
                    Some(
                        present
                            .next()
                            .ok_or_else(|| format!("column {name}: fewer values than rows"))?,
                    )
                } else {
                    None
                };
                each(row, value);
                row += 1;
            }
        } else {
            for value in values.iter().take(records) {
                each(row, Some(value));
                row += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "parquet_read_tests.rs"]
mod tests;
