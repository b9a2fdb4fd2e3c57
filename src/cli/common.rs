//! Arguments and helpers shared by several commands.

use std::path::PathBuf;

use anyhow::Context;

use super::settings_args::{BadValue, ModelArgs};
use crate::dataset;
use crate::engine::{DEFAULT_BIN_ROWS, Engine, auto_bin_usd};
use crate::model::Dataset;
use crate::settings::ModelSettings;
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
pub fn parse_at(text: &str) -> Result<At, BadValue> {
    if text == "last" {
        Ok(At::Last)
    } else {
        parse_time_ms(text).map(At::Time).map_err(BadValue)
    }
}

impl At {
    /// The bar index this selects in the dataset. A time after the data's end is refused rather
    /// than read as the last bar, which would show a moment the data does not reach.
    pub fn bar_index(self, dataset: &Dataset) -> anyhow::Result<usize> {
        if let (At::Time(time_ms), Some((_, end_ms))) = (self, dataset.time_range_ms())
            && time_ms >= end_ms
        {
            anyhow::bail!(
                "--at {}: after the data, which ends at {} (use --at last for the last bar)",
                crate::time::format_time_ms(time_ms),
                crate::time::format_time_ms(end_ms)
            );
        }
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
pub fn parse_bin(text: &str) -> Result<f64, BadValue> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(BadValue(format!(
            "bad bin '{text}': expected a price step in USD above 0"
        ))),
    }
}

/// The model flags shared by every command that runs the engine, plus the price row height.
#[derive(Debug, Clone, clap::Args)]
pub struct EngineArgs {
    /// The model's assumptions.
    #[command(flatten)]
    pub model_args: ModelArgs,
    /// Price row height in USD; default: a round step giving a few hundred rows over the data's
    /// price range.
    #[arg(long, value_name = "USD", value_parser = parse_bin, allow_negative_numbers = true)]
    pub bin: Option<f64>,
}

impl EngineArgs {
    /// The model settings the flags give.
    pub fn model(&self) -> ModelSettings {
        ModelSettings::from(&self.model_args)
    }

    /// Runs the engine on the dataset with these settings.
    pub fn engine(&self, dataset: &Dataset) -> anyhow::Result<Engine> {
        Engine::new(dataset, &self.model()).context("the model settings do not fit this dataset")
    }

    /// The row height: the one given, or a round step over the data's price range.
    pub fn bin_usd(&self, dataset: &Dataset) -> f64 {
        self.bin.unwrap_or_else(|| {
            let (low, high) = dataset.price_range().unwrap_or((0.0, 1.0));
            auto_bin_usd(low, high, DEFAULT_BIN_ROWS)
        })
    }
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON document.
    Json,
}

/// Writes the text to stdout; a closed pipe (`| head`) is not an error.
pub fn print_out(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("could not write to standard output"))
        }
        _ => Ok(()),
    }
}

/// Refuses to print numbers that are not finite: an overflowing sum would print as `inf`,
/// `NaN` or (in JSON) `null`, which a reader or a script would take for data.
pub fn ensure_finite(what: &str, values: impl IntoIterator<Item = f64>) -> anyhow::Result<()> {
    match values.into_iter().find(|v| !v.is_finite()) {
        Some(value) => anyhow::bail!(
            "{what} holds a number too large to print ({value}): the dataset's volumes or open \
             interest sum past what a number can hold"
        ),
        None => Ok(()),
    }
}
