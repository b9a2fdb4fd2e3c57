//! Parquet: datasets written and read, and any table of columns written (grids, clusters, scan
//! results), so that DuckDB, Polars, pandas and Spark open liqmap's files directly.
//!
//! A dataset is one table of rows of three kinds told apart by the `record` column (`bar`,
//! `open_interest`, `liquidation`); each kind fills its own columns and leaves the others null.
//! The schema is described in `docs/dataset-format.md`.

use std::fs::File as FsFile;
use std::path::Path;
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType};
use parquet::column::writer::ColumnWriter;
use parquet::data_type::ByteArray;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use super::native::{self, FORMAT_TAG};
use super::parquet_read::{self, BAR, LIQUIDATION, OPEN_INTEREST};
use super::{DatasetError, DatasetErrorKind};
use crate::model::Dataset;

/// Whether `path` names a Parquet file (by its extension, in any case).
pub fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// The values of one column.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// 64-bit integers, never null.
    I64(Vec<i64>),
    /// Numbers, never null.
    F64(Vec<f64>),
    /// Numbers or nulls.
    OptionalF64(Vec<Option<f64>>),
    /// UTF-8 text, never null.
    Text(Vec<String>),
    /// UTF-8 text or nulls.
    OptionalText(Vec<Option<String>>),
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::I64(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::OptionalF64(v) => v.len(),
            Values::Text(v) => v.len(),
            Values::OptionalText(v) => v.len(),
        }
    }
}

/// Named columns of equal length, and key-value metadata for the file's footer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The columns, in order.
    pub columns: Vec<(String, Values)>,
    /// Key-value pairs stored in the file's metadata.
    pub metadata: Vec<(String, String)>,
}

/// Rows per row group: readers can then work on a million rows at a time.
const ROW_GROUP_ROWS: usize = 1 << 20;

/// The table encoded as a Parquet file (Snappy-compressed).
pub fn table_bytes(table: &Table) -> Result<Vec<u8>, String> {
    table_bytes_in_groups(table, ROW_GROUP_ROWS)
}

/// [`table_bytes`] with row groups of `group_rows` rows (the tests read files of many groups).
pub(super) fn table_bytes_in_groups(table: &Table, group_rows: usize) -> Result<Vec<u8>, String> {
    let rows = table.columns.first().map_or(0, |(_, v)| v.len());
    if let Some((name, _)) = table.columns.iter().find(|(_, v)| v.len() != rows) {
        return Err(format!("column {name} does not have {rows} rows"));
    }
    let fields = table
        .columns
        .iter()
        .map(|(name, values)| field(name, values).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let schema = Type::group_type_builder("liqmap")
        .with_fields(fields)
        .build()
        .map_err(|e| e.to_string())?;
    let metadata = table
        .metadata
        .iter()
        .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
        .collect();
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_key_value_metadata(Some(metadata))
        .build();
    let mut writer = SerializedFileWriter::new(Vec::new(), Arc::new(schema), Arc::new(properties))
        .map_err(|e| e.to_string())?;
    let mut start = 0;
    while start < rows || (rows == 0 && start == 0) {
        let end = (start + group_rows.max(1)).min(rows);
        let mut group = writer.next_row_group().map_err(|e| e.to_string())?;
        for (_, values) in &table.columns {
            let Some(mut column) = group.next_column().map_err(|e| e.to_string())? else {
                return Err("the schema has fewer columns than the table".to_string());
            };
            write_values(column.untyped(), values, start, end).map_err(|e| e.to_string())?;
            column.close().map_err(|e| e.to_string())?;
        }
        group.close().map_err(|e| e.to_string())?;
        start = end.max(1);
    }
    writer.into_inner().map_err(|e| e.to_string())
}

/// Writes the table to `path` atomically.
pub fn write_table(path: &Path, table: &Table) -> Result<(), DatasetError> {
    let bytes = table_bytes(table)
        .map_err(|e| DatasetError::new(path, DatasetErrorKind::Encode(format!("Parquet: {e}"))))?;
    crate::atomic_write::write_atomic(path, &bytes)
        .map_err(|e| DatasetError::new(path, DatasetErrorKind::Write(e)))
}

fn field(name: &str, values: &Values) -> parquet::errors::Result<Type> {
    let (physical, repetition, text) = match values {
        Values::I64(_) => (PhysicalType::INT64, Repetition::REQUIRED, false),
        Values::F64(_) => (PhysicalType::DOUBLE, Repetition::REQUIRED, false),
        Values::OptionalF64(_) => (PhysicalType::DOUBLE, Repetition::OPTIONAL, false),
        Values::Text(_) => (PhysicalType::BYTE_ARRAY, Repetition::REQUIRED, true),
        Values::OptionalText(_) => (PhysicalType::BYTE_ARRAY, Repetition::OPTIONAL, true),
    };
    Type::primitive_type_builder(name, physical)
        .with_repetition(repetition)
        .with_logical_type(text.then_some(LogicalType::String))
        .build()
}

/// Rows `start..end` of one column.
fn write_values(
    writer: &mut ColumnWriter<'_>,
    values: &Values,
    start: usize,
    end: usize,
) -> parquet::errors::Result<()> {
    let rows = start..end;
    let defined =
        |present: &mut dyn Iterator<Item = bool>| -> Vec<i16> { present.map(i16::from).collect() };
    match (writer, values) {
        (ColumnWriter::Int64ColumnWriter(w), Values::I64(v)) => {
            w.write_batch(v.get(rows).unwrap_or_default(), None, None)?;
        }
        (ColumnWriter::DoubleColumnWriter(w), Values::F64(v)) => {
            w.write_batch(v.get(rows).unwrap_or_default(), None, None)?;
        }
        (ColumnWriter::DoubleColumnWriter(w), Values::OptionalF64(v)) => {
            let part = v.get(rows).unwrap_or_default();
            let present: Vec<f64> = part.iter().flatten().copied().collect();
            let levels = defined(&mut part.iter().map(Option::is_some));
            w.write_batch(&present, Some(&levels), None)?;
        }
        (ColumnWriter::ByteArrayColumnWriter(w), Values::Text(v)) => {
            let part = v.get(rows).unwrap_or_default();
            let bytes: Vec<ByteArray> = part.iter().map(|s| ByteArray::from(s.as_str())).collect();
            w.write_batch(&bytes, None, None)?;
        }
        (ColumnWriter::ByteArrayColumnWriter(w), Values::OptionalText(v)) => {
            let part = v.get(rows).unwrap_or_default();
            let bytes: Vec<ByteArray> = part.iter().flatten().map(|s| s.as_str().into()).collect();
            let levels = defined(&mut part.iter().map(Option::is_some));
            w.write_batch(&bytes, Some(&levels), None)?;
        }
        _ => {
            return Err(parquet::errors::ParquetError::General(
                "a column writer of another type than its values".to_string(),
            ));
        }
    }
    Ok(())
}

/// The dataset as one table (see the module's description).
pub fn dataset_table(dataset: &Dataset) -> Table {
    let (bars, oi, liq) = (&dataset.bars, &dataset.open_interest, &dataset.liquidations);
    let rows = bars.len() + oi.len() + liq.len();
    let mut record = Vec::with_capacity(rows);
    record.extend(std::iter::repeat_n(BAR, bars.len()));
    record.extend(std::iter::repeat_n(OPEN_INTEREST, oi.len()));
    record.extend(std::iter::repeat_n(LIQUIDATION, liq.len()));
    let time_ms: Vec<i64> = bars
        .iter()
        .map(|b| b.open_time_ms)
        .chain(oi.iter().map(|s| s.time_ms))
        .chain(liq.iter().map(|l| l.time_ms))
        .collect();
    let none = |n: usize| std::iter::repeat_n(None, n);
    let bar_column = |f: fn(&crate::model::Bar) -> Option<f64>| {
        let values: Vec<Option<f64>> = bars
            .iter()
            .map(f)
            .chain(none(oi.len() + liq.len()))
            .collect();
        Values::OptionalF64(values)
    };
    let oi_column = |f: fn(&crate::model::OpenInterestSample) -> Option<f64>| {
        let values: Vec<Option<f64>> = none(bars.len())
            .chain(oi.iter().map(f))
            .chain(none(liq.len()))
            .collect();
        Values::OptionalF64(values)
    };
    let liq_column = |f: fn(&crate::model::Liquidation) -> Option<f64>| {
        let values: Vec<Option<f64>> = none(bars.len() + oi.len())
            .chain(liq.iter().map(f))
            .collect();
        Values::OptionalF64(values)
    };
    let side: Vec<Option<String>> = std::iter::repeat_n(None, bars.len() + oi.len())
        .chain(liq.iter().map(|l| Some(l.side.name().to_string())))
        .collect();
    let text = |s: &str| Values::Text(vec![s.to_string(); rows]);
    let columns = vec![
        ("exchange", text(&dataset.exchange)),
        ("symbol", text(&dataset.symbol)),
        (
            "record",
            Values::Text(record.iter().map(|r| r.to_string()).collect()),
        ),
        ("time_ms", Values::I64(time_ms)),
        ("open", bar_column(|b| Some(b.open))),
        ("high", bar_column(|b| Some(b.high))),
        ("low", bar_column(|b| Some(b.low))),
        ("close", bar_column(|b| Some(b.close))),
        ("volume", bar_column(|b| Some(b.volume))),
        ("taker_buy_volume", bar_column(|b| b.taker_buy_volume)),
        ("quote_volume", bar_column(|b| b.quote_volume)),
        ("open_interest", oi_column(|s| Some(s.open_interest))),
        ("value_usd", oi_column(|s| s.value_usd)),
        ("side", Values::OptionalText(side)),
        ("price", liq_column(|l| Some(l.price))),
        ("quantity", liq_column(|l| Some(l.quantity))),
    ];
    Table {
        columns: columns
            .into_iter()
            .map(|(name, values)| (name.to_string(), values))
            .collect(),
        metadata: vec![
            ("format".to_string(), FORMAT_TAG.to_string()),
            ("version".to_string(), native::VERSION.to_string()),
            ("exchange".to_string(), dataset.exchange.clone()),
            ("symbol".to_string(), dataset.symbol.clone()),
            ("interval_ms".to_string(), dataset.interval_ms.to_string()),
        ],
    }
}

/// Saves a dataset as Parquet, atomically.
pub fn save(dataset: &Dataset, path: &Path) -> Result<(), DatasetError> {
    write_table(path, &dataset_table(dataset))
}

/// Loads a dataset written by [`save`] (or by any tool writing the same columns and metadata)
/// and checks it like an import.
pub fn load(path: &Path) -> Result<Dataset, DatasetError> {
    let error = |message: String| DatasetError::new(path, DatasetErrorKind::Parquet(message));
    let file =
        FsFile::open(path).map_err(|e| DatasetError::new(path, DatasetErrorKind::Read(e)))?;
    let reader =
        SerializedFileReader::new(file).map_err(|e| error(format!("not a Parquet file: {e}")))?;
    let read = parquet_read::read(&reader).map_err(error)?;
    native::finish_rows(&read.format, read.version, read.dataset)
        .map_err(|issue| issue.in_file(path))
}
