//! Reading a CSV file into named columns, with the line of every record.

use csv::{ReaderBuilder, StringRecord, Trim};

use crate::dataset::error::{DatasetErrorKind, Issue};
use crate::dataset::location::Location;

/// The records of a CSV file and its header names (lower case).
pub struct Table {
    /// Header names, lower-cased.
    pub headers: Vec<String>,
    /// Each record with the line it starts on (counted from 1).
    pub records: Vec<(u64, StringRecord)>,
}

/// A column the reader needs: a label for messages and the header names it accepts.
pub type Wanted = (&'static str, &'static [&'static str]);

impl Table {
    /// Reads `text`; `headers` replaces the header line when the file has none.
    pub fn read(text: &str, headers: Option<&[&str]>) -> Result<Table, Issue> {
        let mut reader = ReaderBuilder::new()
            .has_headers(headers.is_none())
            .trim(Trim::All)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = match headers {
            Some(names) => names.iter().map(|n| n.to_string()).collect(),
            None => reader
                .headers()
                .map_err(|e| {
                    Issue::at(
                        Location::Line(1),
                        DatasetErrorKind::Csv(format!("unreadable header: {e}")),
                    )
                })?
                .iter()
                .map(|h| h.trim_matches('"').to_ascii_lowercase())
                .collect(),
        };
        let mut records = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| Issue {
                at: e.position().map(|p| Location::Line(p.line())),
                kind: csv_reason(&e),
            })?;
            let line = record.position().map_or(0, |p| p.line());
            if record.iter().all(str::is_empty) {
                continue;
            }
            records.push((line, record));
        }
        if records.is_empty() {
            return Err(DatasetErrorKind::NoRows("no data rows after the header").into());
        }
        Ok(Table { headers, records })
    }

    /// The index of the first header among `names`.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|name| self.headers.iter().position(|h| h == name))
    }

    /// The indices of all `wanted` columns, or an error naming every missing one.
    pub fn require(&self, wanted: &[Wanted]) -> Result<Vec<usize>, Issue> {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for (label, names) in wanted {
            match self.column(names) {
                Some(index) => found.push(index),
                None => missing.push(format!("{label} (one of: {})", names.join(", "))),
            }
        }
        if missing.is_empty() {
            Ok(found)
        } else {
            Err(DatasetErrorKind::MissingColumns {
                missing,
                header: self.headers.clone(),
            }
            .into())
        }
    }
}

fn csv_reason(e: &csv::Error) -> DatasetErrorKind {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => DatasetErrorKind::CsvFieldCount {
            found: *len as usize,
            expected: *expected_len as usize,
        },
        _ => DatasetErrorKind::Csv(e.to_string()),
    }
}

/// The text of field `index` of `record`.
pub fn get(record: &StringRecord, index: usize) -> &str {
    record.get(index).unwrap_or("")
}

/// Field `index` as an optional number: an empty field is absent.
pub fn optional_number(
    record: &StringRecord,
    index: Option<usize>,
    what: &str,
) -> Result<Option<f64>, DatasetErrorKind> {
    match index.map(|i| get(record, i)) {
        None | Some("") => Ok(None),
        Some(text) => crate::dataset::text::parse_number(text, what).map(Some),
    }
}
