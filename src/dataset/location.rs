//! Where in a source file a value came from, so that errors can point at it.

use std::fmt;

use super::error::{DatasetErrorKind, Issue};

/// A place in a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// A line of a text file (CSV, JSON lines), counted from 1.
    Line(u64),
    /// An element of a JSON array, counted from 1.
    Row(usize),
    /// An element of a named JSON array inside the document (`result.list`), counted from 1.
    ListRow {
        /// The array's path in the document.
        list: &'static str,
        /// The element, from 1.
        row: usize,
    },
    /// An entry of a native dataset's column group (`bars`), counted from 1.
    Entry {
        /// The column group.
        group: &'static str,
        /// The entry, from 1.
        entry: usize,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(line) => write!(f, "line {line}"),
            Location::Row(row) => write!(f, "row {row}"),
            Location::ListRow { list, row } => write!(f, "{list} row {row}"),
            Location::Entry { group, entry } => write!(f, "{group} entry {entry}"),
        }
    }
}

/// Values parsed from a file, each with where it came from.
#[derive(Clone, Debug)]
pub struct Located<T> {
    /// The values, in file order unless the importer says otherwise.
    pub values: Vec<T>,
    /// Where each value came from; same length as `values`.
    pub locations: Vec<Location>,
}

impl<T> Default for Located<T> {
    fn default() -> Self {
        Self {
            values: Vec::new(),
            locations: Vec::new(),
        }
    }
}

impl<T> Located<T> {
    /// Adds a value read at `location`.
    pub fn push(&mut self, location: Location, value: T) {
        self.values.push(value);
        self.locations.push(location);
    }

    /// Parses rows numbered from 1 within `list` (for example `result.list`; `None` for a
    /// top-level array), naming the first bad row in the error.
    pub fn from_rows<R>(
        rows: &[R],
        list: Option<&'static str>,
        parse: impl Fn(&R) -> Result<T, DatasetErrorKind>,
    ) -> Result<Self, Issue> {
        let mut located = Located::default();
        for (index, row) in rows.iter().enumerate() {
            let at = match list {
                Some(list) => Location::ListRow {
                    list,
                    row: index + 1,
                },
                None => Location::Row(index + 1),
            };
            let value = parse(row).map_err(|kind| Issue::at(at, kind))?;
            located.push(at, value);
        }
        Ok(located)
    }

    /// Reverses the order, for venues that answer newest first.
    pub fn reverse(&mut self) {
        self.values.reverse();
        self.locations.reverse();
    }

    /// Where value `index` came from.
    pub fn describe(&self, index: usize) -> Location {
        self.locations
            .get(index)
            .copied()
            .unwrap_or(Location::Row(index + 1))
    }

    /// Keeps only the values for which `keep` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let values = std::mem::take(&mut self.values);
        let locations = std::mem::take(&mut self.locations);
        for (value, location) in values.into_iter().zip(locations) {
            if keep(&value) {
                self.values.push(value);
                self.locations.push(location);
            }
        }
    }
}
