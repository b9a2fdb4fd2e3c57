//! Arguments and helpers shared by several commands.

use std::path::PathBuf;

use anyhow::Context;

use crate::dataset;
use crate::model::Dataset;
use crate::time::parse_time_ms;

/// The optional dataset argument: a native dataset or an importable klines file; none means the
/// bundled sample.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct DatasetArg {
    /// Dataset file (native liqmap JSON, or a klines file in any importable format);
    /// default: the bundled sample.
    #[arg(value_name = "DATASET")]
    pub dataset: Option<PathBuf>,
}

impl DatasetArg {
    /// Loads the dataset, or the bundled sample when none was named.
    pub fn load(&self) -> anyhow::Result<Dataset> {
        match &self.dataset {
            Some(path) => Ok(dataset::load(path)?),
            None => dataset::sample().context("the bundled sample could not be read"),
        }
    }
}

/// Which bar a command looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// The last bar.
    Last,
    /// The last bar whose open time is at or before this time.
    Time(i64),
}

/// Parses `--at`: `last`, epoch milliseconds or RFC 3339.
pub fn parse_at(text: &str) -> Result<At, String> {
    if text == "last" {
        Ok(At::Last)
    } else {
        parse_time_ms(text).map(At::Time)
    }
}

impl At {
    /// The bar index this selects in the dataset.
    pub fn bar_index(self, dataset: &Dataset) -> anyhow::Result<usize> {
        let found = match self {
            At::Last => dataset.bars.len().checked_sub(1),
            At::Time(time_ms) => dataset.bar_at_or_before(time_ms),
        };
        found.with_context(|| match self {
            At::Last => "the dataset has no bars".to_string(),
            At::Time(time_ms) => format!(
                "--at {}: no bar opens at or before that time (the data starts at {})",
                crate::time::format_time_ms(time_ms),
                dataset
                    .bars
                    .first()
                    .map_or("no bar".into(), |b| crate::time::format_time_ms(
                        b.open_time_ms
                    ))
            ),
        })
    }
}

/// Parses `--bin`: a price row height in USD above 0.
pub fn parse_bin(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!(
            "bad bin '{text}': expected a price step in USD above 0"
        )),
    }
}
