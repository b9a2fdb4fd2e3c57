//! `liqmap export`: a PNG of the heatmap under the candles for a report, and the grid and the
//! clusters as CSV.

use std::path::PathBuf;

use anyhow::Context;

use super::common::{At, DatasetArg, EngineArgs, parse_at};
use super::parquet_out::{clusters_table, grid_table};
use crate::atomic_write::write_atomic;
use crate::csv_out::{clusters_csv, grid_csv};
use crate::dataset::parquet::{is_parquet, write_table};
use crate::engine::{ClusterParams, GridRequest, LayerSelection};
use crate::model::Side;
use crate::render::chart_png::{ChartSpec, HeatGrid, write_chart_png};
use crate::render::colors::ColorSettings;
use crate::render::labels::time_full;
use crate::time::format_interval;

/// Arguments of `liqmap export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The dataset.
    #[command(flatten)]
    pub dataset: DatasetArg,
    /// Write the picture here (PNG).
    #[arg(long, value_name = "OUT.png")]
    pub png: Option<PathBuf>,
    /// Picture width in pixels.
    #[arg(long, default_value_t = 1600)]
    pub width: u32,
    /// Picture height in pixels.
    #[arg(long, default_value_t = 900)]
    pub height: u32,
    /// Write the grid here as CSV: `time_ms,price_low,long_usd,short_usd` (non-empty cells);
    /// Parquet with the same columns when the name ends in `.parquet`.
    #[arg(long = "grid-csv", value_name = "OUT.csv")]
    pub grid_csv: Option<PathBuf>,
    /// Write the clusters at `--at` here as CSV (Parquet when the name ends in `.parquet`).
    #[arg(long = "clusters-csv", value_name = "OUT.csv")]
    pub clusters_csv: Option<PathBuf>,
    /// The bar of the clusters: `last`, or a time (epoch ms or RFC 3339).
    #[arg(long, value_name = "last|TIME", default_value = "last", value_parser = parse_at)]
    pub at: At,
    /// Model flags and the price row height.
    #[command(flatten)]
    pub engine: EngineArgs,
    /// What counts as a cluster.
    #[command(flatten)]
    pub clusters: ClusterParams,
    /// Heatmap colours.
    #[command(flatten)]
    pub colors: ColorSettings,
}

/// Writes the requested files.
pub fn run(args: &ExportArgs) -> anyhow::Result<()> {
    if args.png.is_none() && args.grid_csv.is_none() && args.clusters_csv.is_none() {
        anyhow::bail!("nothing to export: give --png, --grid-csv or --clusters-csv");
    }
    let dataset = args.dataset.load()?;
    let engine = args.engine.engine(&dataset)?;
    let selection = engine.default_selection();
    let bin = args.engine.bin_usd(&dataset);
    let (low, high) = dataset.price_range().context("the dataset has no bars")?;
    let pad = (high - low) * 0.05;
    let columns = dataset.bars.len().clamp(1, args.width.max(1) as usize);
    // Rows at multiples of the bin, one column per bar up to the picture's width.
    let request_for = |price_low: f64, price_high: f64| {
        let first = (price_low / bin).floor() * bin;
        let rows = (((price_high - first) / bin).floor() as usize + 1).clamp(1, 20_000);
        GridRequest::whole(&engine, first, first + rows as f64 * bin, columns, rows)
    };
    // The picture shows the candles' range with a margin, where a reader looks.
    let request = request_for(low - pad, high + pad);
    let grid = engine
        .grid(&request)
        .context("could not compute the grid")?;
    let values = grid.compose(&selection);
    let rows = request.rows;

    if let Some(path) = &args.png {
        let (start_ms, end_ms) = dataset.time_range_ms().unwrap_or((0, 0));
        let spec = ChartSpec {
            width_px: args.width,
            height_px: args.height,
            title_lines: vec![
                format!(
                    "{} {} · {} · {} → {}",
                    dataset.symbol,
                    format_interval(dataset.interval_ms),
                    dataset.exchange,
                    time_full(start_ms),
                    time_full(end_ms)
                ),
                format!(
                    "estimated liquidation levels (USD per {} USD row) · {}",
                    bin,
                    engine.settings().summary()
                ),
            ],
            grid: HeatGrid {
                values_usd: &values,
                rows,
                columns,
                start_ms: request.start_ms,
                end_ms: request.end_ms,
                price_low_usd: request.price_low,
                price_high_usd: request.price_high,
            },
            colors: args.colors,
            bars: &dataset.bars,
            interval_ms: dataset.interval_ms,
            liquidations: &dataset.liquidations,
            last_price_usd: dataset.bars.last().map(|b| b.close),
        };
        write_chart_png(path, &spec)
            .with_context(|| format!("{}: could not write the picture", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &args.grid_csv {
        // The CSV holds every level, however far from the candles.
        let (level_low, level_high) = engine.level_price_range().unwrap_or((low, high));
        let request = request_for(level_low.min(low), level_high.max(high));
        let grid = engine
            .grid(&request)
            .context("could not compute the grid")?;
        let side_only = |side: Side| LayerSelection {
            sides: [side == Side::Long, side == Side::Short],
            ..selection.clone()
        };
        let long = grid.compose(&side_only(Side::Long));
        let short = grid.compose(&side_only(Side::Short));
        if is_parquet(path) {
            write_table(path, &grid_table(&request, &long, &short))?;
        } else {
            write_atomic(path, grid_csv(&request, &long, &short).as_bytes())
                .with_context(|| format!("{}: could not write the grid", path.display()))?;
        }
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &args.clusters_csv {
        let bar = args.at.bar_index(&dataset)?;
        let clusters = engine
            .clusters_at(bar, bin, &selection, &args.clusters)
            .context("could not compute the clusters")?;
        let leverages: Vec<f64> = engine
            .settings()
            .tiers
            .0
            .iter()
            .map(|t| t.leverage)
            .collect();
        if is_parquet(path) {
            write_table(path, &clusters_table(&clusters, &leverages))?;
        } else {
            write_atomic(path, clusters_csv(&clusters, &leverages).as_bytes())
                .with_context(|| format!("{}: could not write the clusters", path.display()))?;
        }
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
