//! `liqmap scan`: many datasets at once, one table of the nearest strong clusters per symbol.
//!
//! Each dataset is loaded, mapped and reduced to its nearest cluster below and above the price on
//! its own (in parallel, one dataset a core), then dropped: memory holds a few datasets and the
//! best `--top` rows, however many files are scanned.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;

use super::common::{EngineArgs, print_out};
use super::settings_args::ClusterArgs;
use crate::atomic_write::write_atomic;
use crate::dataset::parquet::{Table, Values, is_parquet, write_table};
use crate::engine::{Cluster, ClusterParams, ValueUnit};
use crate::model::Side;
use crate::render::labels::{compact_usd, human_price};
use crate::time::format_time_ms;

/// Arguments of `liqmap scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Datasets, or folders whose `.json` and `.parquet` files are datasets (not recursive).
    #[arg(required = true, value_name = "FILES_OR_DIRS")]
    pub paths: Vec<PathBuf>,
    /// How many rows to print, nearest first.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ScanFormat,
    /// Write the table here instead of standard output (required for `--format parquet`).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Model flags and the price row height (`--bin` applies to every dataset; by default each
    /// dataset gets a round step over its own price range).
    #[command(flatten)]
    pub engine: EngineArgs,
    /// What counts as a cluster.
    #[command(flatten)]
    pub clusters: ClusterArgs,
}

/// How `scan` writes its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    /// Aligned columns for people.
    Table,
    /// Comma-separated values with a header line.
    Csv,
    /// A Parquet file (give `--out`).
    Parquet,
}

/// One symbol's nearest cluster on one side, at its dataset's last bar.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanRow {
    /// The dataset file.
    pub file: PathBuf,
    /// Venue.
    pub exchange: String,
    /// Symbol.
    pub symbol: String,
    /// Open time of the last bar.
    pub time_ms: i64,
    /// Close of the last bar.
    pub close: f64,
    /// The cluster.
    pub cluster: Cluster,
    /// What the cluster's notional is: USD, or relative when volume mode had no open interest
    /// to scale to (then it is written as `notional_rel`, never under a USD name).
    pub unit: ValueUnit,
}

impl ScanRow {
    /// The notional when it is USD.
    fn notional_usd(&self) -> Option<f64> {
        self.unit.is_usd().then_some(self.cluster.notional_usd)
    }

    /// The notional when it is relative, not USD.
    fn notional_rel(&self) -> Option<f64> {
        (!self.unit.is_usd()).then_some(self.cluster.notional_usd)
    }
}

impl ScanRow {
    /// Nearest first; at equal distance, the larger first; then by symbol and side, so that the
    /// order never depends on which core finished first.
    fn rank(&self, other: &Self) -> Ordering {
        let distance = |r: &Self| r.cluster.distance_pct.abs();
        distance(self)
            .total_cmp(&distance(other))
            .then(
                other
                    .cluster
                    .notional_usd
                    .total_cmp(&self.cluster.notional_usd),
            )
            .then_with(|| self.symbol.cmp(&other.symbol))
            .then_with(|| self.file.cmp(&other.file))
            .then(self.cluster.side.index().cmp(&other.cluster.side.index()))
    }
}

/// The best `limit` rows seen so far.
#[derive(Debug, Default)]
struct Top {
    limit: usize,
    rows: Vec<ScanRow>,
}

impl Top {
    fn new(limit: usize) -> Self {
        Top {
            limit,
            rows: Vec::new(),
        }
    }

    fn push(mut self, row: ScanRow) -> Self {
        self.rows.push(row);
        // Sorting a few dozen rows on each insert keeps the code plain and the memory bounded.
        self.rows.sort_by(ScanRow::rank);
        self.rows.truncate(self.limit);
        self
    }

    fn merge(self, other: Top) -> Top {
        other.rows.into_iter().fold(self, Top::push)
    }
}

/// The dataset files named by the arguments: files as given, folders' `.json` and `.parquet`
/// files in name order.
pub fn dataset_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .with_context(|| format!("{}: could not list the folder", path.display()))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && (has_extension(p, "json") || is_parquet(p)))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(extension))
}

/// The nearest long cluster (below the price) and short cluster (above) at the last bar of one
/// dataset.
pub fn nearest_clusters(
    file: &Path,
    engine_args: &EngineArgs,
    params: &ClusterParams,
) -> anyhow::Result<Vec<ScanRow>> {
    let dataset = crate::dataset::load(file)?;
    let engine = engine_args.engine(&dataset)?;
    let bar = engine.bar_count().saturating_sub(1);
    let clusters = engine
        .clusters_at(
            bar,
            engine_args.bin_usd(&dataset),
            &engine.default_selection(),
            params,
        )
        .context("could not compute the clusters")?;
    // Long levels stand below every later low, so long clusters are the ones below the price.
    let nearest = |side: Side| {
        clusters
            .iter()
            .filter(|c| c.side == side)
            .min_by(|a, b| {
                a.distance_pct
                    .abs()
                    .total_cmp(&b.distance_pct.abs())
                    .then(b.notional_usd.total_cmp(&a.notional_usd))
            })
            .cloned()
    };
    let time_ms = engine.bar_times_ms().get(bar).copied().unwrap_or(0);
    let close = engine.closes().get(bar).copied().unwrap_or(0.0);
    let unit = engine.value_unit();
    Ok([nearest(Side::Long), nearest(Side::Short)]
        .into_iter()
        .flatten()
        .map(|cluster| ScanRow {
            file: file.to_path_buf(),
            exchange: dataset.exchange.clone(),
            symbol: dataset.symbol.clone(),
            time_ms,
            close,
            cluster,
            unit,
        })
        .collect())
}

/// Scans the files and writes the table; a file that fails is reported on stderr and the others
/// are still scanned, then the command fails (exit code 2).
pub fn run(args: &ScanArgs) -> anyhow::Result<()> {
    if args.format == ScanFormat::Parquet && args.out.is_none() {
        anyhow::bail!("--format parquet writes a file: give --out FILE.parquet");
    }
    let files = dataset_files(&args.paths)?;
    if files.is_empty() {
        anyhow::bail!("no dataset files found (folders are searched for .json and .parquet)");
    }
    let (top, failed) = files
        .par_iter()
        .map(|file| nearest_clusters(file, &args.engine, &ClusterParams::from(args.clusters)))
        .fold(
            || (Top::new(args.top), 0usize),
            |(top, failed), outcome| match outcome {
                Ok(rows) => (rows.into_iter().fold(top, Top::push), failed),
                Err(err) => {
                    eprintln!("error: {err:#}");
                    (top, failed + 1)
                }
            },
        )
        .reduce(
            || (Top::new(args.top), 0),
            |(a, fa), (b, fb)| (a.merge(b), fa + fb),
        );
    write(args, &top.rows)?;
    if failed > 0 {
        anyhow::bail!("{failed} of {} files could not be scanned", files.len());
    }
    Ok(())
}

fn write(args: &ScanArgs, rows: &[ScanRow]) -> anyhow::Result<()> {
    let text = match args.format {
        ScanFormat::Parquet => {
            let path = args.out.as_deref().context("--out is required")?;
            write_table(path, &table(rows))?;
            eprintln!("wrote {}", path.display());
            return Ok(());
        }
        ScanFormat::Csv => csv(rows),
        ScanFormat::Table => aligned(rows),
    };
    match &args.out {
        Some(path) => write_atomic(path, text.as_bytes())
            .with_context(|| format!("{}: could not write the table", path.display())),
        None => print_out(&text),
    }
}

/// The CSV and Parquet columns. Each row fills one of `notional_usd` and `notional_rel`, and
/// `values` says which (`ValueUnit::key`): datasets scanned together may map in different units.
const HEADER: &str = "rank,symbol,exchange,side,price_low,price_high,peak_price,notional_usd,\
                      notional_rel,values,distance_pct,close,time_ms,time,file";

/// A number, or nothing for an empty CSV cell.
fn cell(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

fn csv(rows: &[ScanRow]) -> String {
    let mut out = format!("{HEADER}\n");
    for (i, r) in rows.iter().enumerate() {
        let c = &r.cluster;
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            i + 1,
            r.symbol,
            r.exchange,
            c.side.name(),
            c.price_low,
            c.price_high,
            c.peak_price,
            cell(r.notional_usd()),
            cell(r.notional_rel()),
            r.unit.key(),
            c.distance_pct,
            r.close,
            r.time_ms,
            format_time_ms(r.time_ms),
            r.file.display()
        );
    }
    out
}

fn table(rows: &[ScanRow]) -> Table {
    let text = |f: &dyn Fn(&ScanRow) -> String| Values::Text(rows.iter().map(f).collect());
    let number = |f: &dyn Fn(&ScanRow) -> f64| Values::F64(rows.iter().map(f).collect());
    let optional =
        |f: &dyn Fn(&ScanRow) -> Option<f64>| Values::OptionalF64(rows.iter().map(f).collect());
    let columns = vec![
        ("rank", Values::I64((1..=rows.len() as i64).collect())),
        ("symbol", text(&|r| r.symbol.clone())),
        ("exchange", text(&|r| r.exchange.clone())),
        ("side", text(&|r| r.cluster.side.name().to_string())),
        ("price_low", number(&|r| r.cluster.price_low)),
        ("price_high", number(&|r| r.cluster.price_high)),
        ("peak_price", number(&|r| r.cluster.peak_price)),
        ("notional_usd", optional(&|r| r.notional_usd())),
        ("notional_rel", optional(&|r| r.notional_rel())),
        ("values", text(&|r| r.unit.key().to_string())),
        ("distance_pct", number(&|r| r.cluster.distance_pct)),
        ("close", number(&|r| r.close)),
        (
            "time_ms",
            Values::I64(rows.iter().map(|r| r.time_ms).collect()),
        ),
        ("time", text(&|r| format_time_ms(r.time_ms))),
        ("file", text(&|r| r.file.display().to_string())),
    ];
    Table {
        columns: columns
            .into_iter()
            .map(|(name, values)| (name.to_string(), values))
            .collect(),
        metadata: Vec::new(),
    }
}

fn aligned(rows: &[ScanRow]) -> String {
    let mut out = format!(
        "{:>4} {:<14} {:<5} {:>25} {:>12} {:>10} {:>9} {:>12}  {}\n",
        "rank", "symbol", "side", "price range", "peak", "notional", "distance", "close", "file"
    );
    if rows.is_empty() {
        out += "(no clusters: nothing stands out of any map)\n";
    }
    for (i, r) in rows.iter().enumerate() {
        let c = &r.cluster;
        let _ = writeln!(
            out,
            "{:>4} {:<14} {:<5} {:>25} {:>12} {:>10} {:>8.2}% {:>12}  {}",
            i + 1,
            r.symbol,
            c.side.name(),
            format!("{}-{}", human_price(c.price_low), human_price(c.price_high)),
            human_price(c.peak_price),
            notional_text(r),
            c.distance_pct,
            human_price(r.close),
            r.file.display()
        );
    }
    if rows.iter().any(|r| !r.unit.is_usd()) {
        let _ = writeln!(out, "rel: {}", ValueUnit::Relative.explain());
    }
    out
}

/// `1.2M` for USD, `27.1B rel` for relative values (explained under the table).
fn notional_text(row: &ScanRow) -> String {
    match row.notional_usd() {
        Some(usd) => compact_usd(usd),
        None => format!("{} rel", compact_usd(row.cluster.notional_usd)),
    }
}
