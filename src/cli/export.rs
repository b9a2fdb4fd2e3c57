//! `liqmap export`: a PNG of the heatmap under the candles for a report, and the grid and the
//! clusters as CSV.
//!
//! Every file is prepared beside its target first and put in place only when all of them are
//! ready, so an error leaves no file written. The grid CSV is computed and written in strips of
//! price rows, so its memory stays bounded however fine the rows.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::aggregate::{DatasetsArg, Loaded};
use super::common::{At, EngineArgs, ensure_finite, parse_at};
use super::parquet_out::{clusters_table, grid_table};
use super::settings_args::{ClusterArgs, ColorArgs};
use crate::atomic_write::{PendingWrite, prepare};
use crate::csv_out::{ValueNames, clusters_csv, grid_csv_header, write_grid_strip};
use crate::dataset::parquet::{is_parquet, table_bytes};
use crate::engine::{Engine, EngineError, GridRequest, LayerSelection, MAX_MAP_ROWS};
use crate::model::{Dataset, Side};
use crate::render::chart_png::render_chart_png;
use crate::render::labels::time_full;
use crate::render::spec::{ChartSpec, HeatGrid, check_spec};
use crate::time::format_interval;

/// Cells of one strip of the grid CSV (per layer): about 16 MB of values a layer.
pub(super) const STRIP_CELLS: usize = 2_000_000;

/// Arguments of `liqmap export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The dataset.
    #[command(flatten)]
    pub dataset: DatasetsArg,
    /// Write the picture here (PNG).
    #[arg(long, value_name = "OUT.png")]
    pub png: Option<PathBuf>,
    /// Picture width in pixels.
    #[arg(long, default_value_t = 1600)]
    pub width: u32,
    /// Picture height in pixels.
    #[arg(long, default_value_t = 900)]
    pub height: u32,
    /// Write the grid here as CSV: `time_ms,price_low,long_usd,short_usd` (non-empty cells;
    /// `long_rel,short_rel` when the values are relative); Parquet with the same columns when the
    /// name ends in `.parquet`.
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
    pub clusters: ClusterArgs,
    /// Heatmap colours.
    #[command(flatten)]
    pub colors: ColorArgs,
}

/// Price rows of `bin_usd` at multiples of the bin covering `[low, high]`: the index of the
/// first (row `k` starts at `k * bin`) and how many, within the limit every command shares.
pub(super) fn rows_covering(
    low: f64,
    high: f64,
    bin_usd: f64,
) -> Result<(i64, usize), EngineError> {
    let first = (low / bin_usd).floor();
    let rows = ((high / bin_usd).floor() - first + 1.0).max(1.0);
    if !(first.is_finite() && rows <= MAX_MAP_ROWS as f64) {
        return Err(EngineError::TooManyRows {
            bin_usd,
            rows: if rows.is_finite() {
                rows as i64
            } else {
                i64::MAX
            },
            max: MAX_MAP_ROWS,
        });
    }
    Ok((first as i64, rows as usize))
}

/// How `engine`'s value columns are named: USD, or relative in volume mode with nothing to
/// scale to.
fn names(engine: &Engine) -> ValueNames {
    ValueNames::new(engine.value_unit().is_usd())
}

/// One layer selection for each side alone.
fn side_only(selection: &LayerSelection, side: Side) -> LayerSelection {
    LayerSelection {
        sides: [side == Side::Long, side == Side::Short],
        ..selection.clone()
    }
}

/// Writes the requested files.
pub fn run(args: &ExportArgs) -> anyhow::Result<()> {
    if args.png.is_none() && args.grid_csv.is_none() && args.clusters_csv.is_none() {
        anyhow::bail!("nothing to export: give --png, --grid-csv or --clusters-csv");
    }
    let dataset = match args.dataset.load()? {
        Loaded::One(dataset) => dataset,
        Loaded::Several(several) => return super::aggregate_export::export(args, several),
    };
    let engine = args.engine.engine(&dataset)?;
    let bin = args.engine.bin_usd(&dataset);
    let (low, high) = dataset.price_range().context("the dataset has no bars")?;
    // Every argument is checked before any work: a bad one fails fast and writes nothing.
    let cluster_bar = match &args.clusters_csv {
        Some(_) => Some(args.at.bar_index(&dataset)?),
        None => None,
    };
    let (level_low, level_high) = engine.level_price_range().unwrap_or((low, high));
    let grid_rows = match &args.grid_csv {
        Some(_) => Some(rows_covering(
            level_low.min(low),
            level_high.max(high),
            bin,
        )?),
        None => None,
    };

    let mut pending: Vec<(&Path, PendingWrite)> = Vec::new();
    if let Some(path) = &args.png {
        let bytes = picture(args, &dataset, &engine, bin, (low, high))?;
        let file = prepare(path, |out| out.write_all(&bytes))
            .with_context(|| format!("{}: could not write the picture", path.display()))?;
        pending.push((path, file));
    }
    if let (Some(path), Some((first_row, rows))) = (&args.grid_csv, grid_rows) {
        let file = if is_parquet(path) {
            grid_parquet_file(path, &engine, bin, first_row, rows, args.width)?
        } else {
            grid_file(path, &engine, bin, first_row, rows, args.width)?
        };
        pending.push((path, file));
    }
    if let (Some(path), Some(bar)) = (&args.clusters_csv, cluster_bar) {
        let clusters = engine
            .clusters_at(bar, bin, &engine.default_selection(), &args.clusters.into())
            .context("could not compute the clusters")?;
        ensure_finite(
            "the clusters",
            clusters.iter().flat_map(|c| {
                [
                    c.price_low,
                    c.price_high,
                    c.peak_price,
                    c.notional_usd,
                    c.distance_pct,
                ]
                .into_iter()
                .chain(c.tier_share.iter().copied())
            }),
        )?;
        let leverages: Vec<f64> = engine
            .settings()
            .tiers
            .0
            .iter()
            .map(|t| t.leverage)
            .collect();
        let bytes = if is_parquet(path) {
            table_bytes(&clusters_table(&clusters, &leverages, names(&engine)))
                .map_err(|e| anyhow::anyhow!("{}: could not encode Parquet: {e}", path.display()))?
        } else {
            clusters_csv(&clusters, &leverages, names(&engine)).into_bytes()
        };
        let file = prepare(path, |out| out.write_all(&bytes))
            .with_context(|| format!("{}: could not write the clusters", path.display()))?;
        pending.push((path, file));
    }
    for (path, file) in pending {
        file.commit()
            .with_context(|| format!("{}: could not put the file in place", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// The picture as PNG bytes: the candles' price range with a margin, where a reader looks, in at
/// most one price row a pixel (finer rows are merged, and the title says so).
fn picture(
    args: &ExportArgs,
    dataset: &Dataset,
    engine: &Engine,
    bin: f64,
    (low, high): (f64, f64),
) -> anyhow::Result<Vec<u8>> {
    let (start_ms, end_ms) = dataset.time_range_ms().unwrap_or((0, 0));
    let mut spec = ChartSpec {
        width_px: args.width,
        height_px: args.height,
        title_lines: Vec::new(),
        grid: HeatGrid {
            values_usd: &[],
            rows: 0,
            columns: 0,
            start_ms: 0,
            end_ms: 0,
            price_low_usd: 0.0,
            price_high_usd: 0.0,
        },
        colors: args.colors.into(),
        bars: &dataset.bars,
        interval_ms: dataset.interval_ms,
        liquidations: &dataset.liquidations,
        last_price_usd: dataset.bars.last().map(|b| b.close),
        relative_values: !engine.value_unit().is_usd(),
    };
    // The picture's size is checked before its grid takes memory in proportion to it.
    check_spec(&spec).context("bad picture size")?;
    let pad = (high - low) * 0.05;
    let (_, rows) = rows_covering(low - pad, high + pad, bin)?;
    let merge = rows.div_ceil(args.height.max(1) as usize).max(1);
    let picture_bin = bin * merge as f64;
    let (first_row, rows) = rows_covering(low - pad, high + pad, picture_bin)?;
    let columns = dataset.bars.len().clamp(1, args.width.max(1) as usize);
    let first = first_row as f64 * picture_bin;
    let request = GridRequest::whole(
        engine,
        first,
        first + rows as f64 * picture_bin,
        columns,
        rows,
    );
    let grid = engine
        .grid(&request)
        .context("could not compute the grid")?;
    let values = grid.compose(&engine.default_selection());
    ensure_finite("the heatmap", values.iter().copied())?;
    let rows_note = if merge > 1 {
        format!(" ({merge} rows of {bin} USD merged a pixel)")
    } else {
        String::new()
    };
    spec.title_lines = vec![
        format!(
            "{} {} · {} · {} → {}",
            dataset.symbol,
            format_interval(dataset.interval_ms),
            dataset.exchange,
            time_full(start_ms),
            time_full(end_ms)
        ),
        format!(
            "estimated liquidation levels ({} per {picture_bin} USD row{rows_note}) · {}",
            if spec.relative_values {
                "relative values, not USD,"
            } else {
                "USD"
            },
            engine.settings().summary()
        ),
    ];
    spec.grid = HeatGrid {
        values_usd: &values,
        rows,
        columns,
        start_ms: request.start_ms,
        end_ms: request.end_ms,
        price_low_usd: request.price_low,
        price_high_usd: request.price_high,
    };
    render_chart_png(&spec).context("could not draw the picture")
}

/// The grid as one Parquet table, prepared beside `path`; a table is written whole, so the grid
/// may hold at most [`STRIP_CELLS`] cells (the CSV, written in strips, has no such bound).
fn grid_parquet_file(
    path: &Path,
    engine: &Engine,
    bin: f64,
    first_row: i64,
    rows: usize,
    width: u32,
) -> anyhow::Result<PendingWrite> {
    let columns = engine.bar_count().clamp(1, width.max(1) as usize);
    if rows.saturating_mul(columns) > STRIP_CELLS {
        anyhow::bail!(
            "{}: a Parquet grid of {rows} rows x {columns} columns is over {STRIP_CELLS} cells; \
             give a coarser --bin, a smaller --width, or a .csv name (written in strips)",
            path.display()
        );
    }
    let selection = engine.default_selection();
    let request = GridRequest::whole(
        engine,
        first_row as f64 * bin,
        (first_row + rows as i64) as f64 * bin,
        columns,
        rows,
    );
    let grid = engine
        .grid(&request)
        .context("could not compute the grid")?;
    let long = grid.compose(&side_only(&selection, Side::Long));
    let short = grid.compose(&side_only(&selection, Side::Short));
    ensure_finite("the grid", long.iter().chain(&short).copied())?;
    let bytes = table_bytes(&grid_table(
        &request,
        first_row,
        bin,
        (&long, &short),
        names(engine),
    ))
    .map_err(|e| anyhow::anyhow!("{}: could not encode Parquet: {e}", path.display()))?;
    prepare(path, |out| out.write_all(&bytes))
        .with_context(|| format!("{}: could not write the grid", path.display()))
}

/// The grid CSV of every level, however far from the candles, prepared beside `path`: rows
/// `first_row .. first_row + rows` of `bin` USD, one column per bar up to `width` columns, in
/// strips of rows that each hold at most [`STRIP_CELLS`] cells.
fn grid_file(
    path: &Path,
    engine: &Engine,
    bin: f64,
    first_row: i64,
    rows: usize,
    width: u32,
) -> anyhow::Result<PendingWrite> {
    let columns = engine.bar_count().clamp(1, width.max(1) as usize);
    let strip_rows = (STRIP_CELLS / columns).max(1);
    let selection = engine.default_selection();
    let (long_only, short_only) = (
        side_only(&selection, Side::Long),
        side_only(&selection, Side::Short),
    );
    let mut failure: Option<anyhow::Error> = None;
    let written = prepare(path, |out| {
        out.write_all(grid_csv_header(names(engine)).as_bytes())?;
        let mut strip_start = 0;
        while strip_start < rows {
            let strip = strip_rows.min(rows - strip_start);
            let row0 = first_row + strip_start as i64;
            let request = GridRequest::whole(
                engine,
                row0 as f64 * bin,
                (row0 + strip as i64) as f64 * bin,
                columns,
                strip,
            );
            let computed = engine
                .grid(&request)
                .context("could not compute the grid")
                .and_then(|grid| {
                    let long = grid.compose(&long_only);
                    let short = grid.compose(&short_only);
                    ensure_finite("the grid", long.iter().chain(&short).copied())?;
                    Ok((long, short))
                });
            let (long, short) = match computed {
                Ok(values) => values,
                Err(err) => {
                    failure = Some(err);
                    return Err(std::io::Error::other("the grid could not be computed"));
                }
            };
            write_grid_strip(out, &request, row0, bin, &long, &short)?;
            strip_start += strip;
        }
        Ok(())
    });
    match (written, failure) {
        (_, Some(err)) => Err(err),
        (Ok(file), None) => Ok(file),
        (Err(e), None) => {
            Err(anyhow::Error::new(e)
                .context(format!("{}: could not write the grid", path.display())))
        }
    }
}
