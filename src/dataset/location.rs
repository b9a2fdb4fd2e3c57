//! Where in a source file a value came from, so that errors can point at it.

use std::fmt;

/// A place in a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// A line of a text file (CSV, JSON lines), counted from 1.
    Line(u64),
    /// An element of a JSON array, counted from 1.
    Row(usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(line) => write!(f, "line {line}"),
            Location::Row(row) => write!(f, "row {row}"),
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

    /// Parses rows numbered from 1, naming the first bad row after `prefix` (for example
    /// `result.list `) in the error.
    pub fn from_rows<R>(
        rows: &[R],
        prefix: &str,
        parse: impl Fn(&R) -> Result<T, String>,
    ) -> Result<Self, String> {
        let mut located = Located::default();
        for (index, row) in rows.iter().enumerate() {
            let at = Location::Row(index + 1);
            let value = parse(row).map_err(|e| format!("{prefix}{at}: {e}"))?;
            located.push(at, value);
        }
        Ok(located)
    }

    /// Reverses the order, for venues that answer newest first.
    pub fn reverse(&mut self) {
        self.values.reverse();
        self.locations.reverse();
    }

    /// Where value `index` came from, for messages.
    pub fn describe(&self, index: usize) -> String {
        match self.locations.get(index) {
            Some(location) => location.to_string(),
            None => format!("entry {}", index + 1),
        }
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
