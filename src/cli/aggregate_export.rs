//! `liqmap export` over several venues: the summed heatmap under the reference venue's candles,
//! the summed grid as CSV (with each venue's columns when asked), and the summed clusters.

use std::fmt::Write as _;

use anyhow::Context;

use super::aggregate::{
    Several, bin_usd, clusters_csv_by_venue, leverages, reference_selection, time_of_at,
};
use super::export::ExportArgs;
use crate::atomic_write::write_atomic;
use crate::csv_out::{GRID_CSV_HEADER, write_grid_strip};
use crate::engine::ClusterParams;
use crate::engine::venues::{VenueGrids, Venues};
use crate::engine::{GridRequest, LayerSelection};
use crate::model::Side;
use crate::render::chart_png::write_chart_png;
use crate::render::colors::ColorSettings;
use crate::render::labels::time_full;
use crate::render::spec::{ChartSpec, HeatGrid};
use crate::time::format_interval;

/// Lowest and highest of several optional ranges.
fn union(ranges: impl Iterator<Item = Option<(f64, f64)>>) -> Option<(f64, f64)> {
    ranges
        .flatten()
        .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)))
}

/// Writes the requested files for several venues.
pub fn export(args: &ExportArgs, several: Several) -> anyhow::Result<()> {
    let by_venue = several.by_venue();
    let venues = several.venues(&args.engine)?;
    let selection = reference_selection(&venues);
    let bin = bin_usd(&args.engine, &venues);
    let reference = venues
        .dataset(venues.reference())
        .context("no reference venue")?;
    let (start_ms, end_ms) = venues
        .union_range_ms()
        .context("the datasets have no bars")?;
    let (low, high) = union((0..venues.len()).map(|v| venues.dataset(v)?.price_range()))
        .context("the datasets have no bars")?;
    let pad = (high - low) * 0.05;
    let bars = (0..venues.len())
        .filter_map(|v| venues.dataset(v).map(|d| d.bars.len()))
        .max()
        .unwrap_or(1);
    let columns = bars.clamp(1, args.width.max(1) as usize);
    let request_for = |price_low: f64, price_high: f64| {
        let first = (price_low / bin).floor() * bin;
        let rows = (((price_high - first) / bin).floor() as usize + 1).clamp(1, 20_000);
        GridRequest {
            start_ms,
            end_ms,
            columns,
            price_low: first,
            price_high: first + rows as f64 * bin,
            rows,
        }
    };
    if let Some(path) = &args.png {
        let request = request_for(low - pad, high + pad);
        let grids = VenueGrids::build(&venues, &request, &selection)
            .context("could not compute the grid")?;
        let spec = ChartSpec {
            width_px: args.width,
            height_px: args.height,
            title_lines: vec![
                format!(
                    "{} {} · summed over {} · {} → {}",
                    reference.symbol,
                    format_interval(reference.interval_ms),
                    venues.names().join(", "),
                    time_full(start_ms),
                    time_full(end_ms)
                ),
                format!(
                    "estimated liquidation levels (USD per {bin} USD row) · candles of {} · {}",
                    venues.name(venues.reference()).unwrap_or_default(),
                    venues.mode_mix().describe()
                ),
            ],
            grid: HeatGrid {
                values_usd: grids.total(),
                rows: request.rows,
                columns,
                start_ms: request.start_ms,
                end_ms: request.end_ms,
                price_low_usd: request.price_low,
                price_high_usd: request.price_high,
            },
            colors: ColorSettings::from(args.colors),
            bars: &reference.bars,
            interval_ms: reference.interval_ms,
            liquidations: &reference.liquidations,
            last_price_usd: reference.bars.last().map(|b| b.close),
        };
        write_chart_png(path, &spec)
            .with_context(|| format!("{}: could not write the picture", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &args.grid_csv {
        // The CSV holds every level, however far from the candles.
        let levels = union((0..venues.len()).map(|v| venues.engine(v)?.level_price_range()));
        let (level_low, level_high) = levels.unwrap_or((low, high));
        let request = request_for(level_low.min(low), level_high.max(high));
        let text = grid_text(&venues, &request, bin, &selection, by_venue)?;
        write_atomic(path, text.as_bytes())
            .with_context(|| format!("{}: could not write the grid", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &args.clusters_csv {
        let time_ms = time_of_at(args.at, &venues)?;
        let (_, clusters) = venues
            .clusters_at(
                time_ms,
                bin,
                &selection,
                &ClusterParams::from(args.clusters),
            )
            .context("could not compute the clusters")?;
        let leverages = leverages(&args.engine);
        let text = clusters_csv_by_venue(&clusters, &leverages, &venues, by_venue);
        write_atomic(path, text.as_bytes())
            .with_context(|| format!("{}: could not write the clusters", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// The summed grid as CSV, one line per non-empty cell column by column with exact decimal row
/// edges (as for one venue), with `long_usd_<venue>,short_usd_<venue>` columns when `by_venue`.
/// `request` starts at a multiple of `bin_usd`.
fn grid_text(
    venues: &Venues,
    request: &GridRequest,
    bin_usd: f64,
    selection: &LayerSelection,
    by_venue: bool,
) -> anyhow::Result<String> {
    let side_only = |side: Side| LayerSelection {
        sides: [side == Side::Long, side == Side::Short],
        ..selection.clone()
    };
    let mut grids = VenueGrids::build(venues, request, &side_only(Side::Long))
        .context("could not compute the grid")?;
    let long_total = grids.total().to_vec();
    let long_venues: Vec<Vec<f64>> = venue_parts(&grids, venues.len());
    grids.set_selection(venues, &side_only(Side::Short));
    let short_total = grids.total().to_vec();
    let short_venues: Vec<Vec<f64>> = venue_parts(&grids, venues.len());
    // The request's lower edge is `first_row * bin` (see `request_for`), so the row index comes
    // back exactly; the edges are then written as the single-venue grid writes them.
    let first_row = (request.price_low / bin_usd).round() as i64;
    let mut base = GRID_CSV_HEADER.as_bytes().to_vec();
    write_grid_strip(
        &mut base,
        request,
        first_row,
        bin_usd,
        &long_total,
        &short_total,
    )
    .context("could not write the grid")?;
    let base = String::from_utf8(base).context("the grid is not text")?;
    if !by_venue {
        return Ok(base);
    }
    let mut lines = base.lines();
    let mut out = lines.next().unwrap_or_default().to_string();
    for name in venues.names() {
        let name = name.replace([',', '"', '\n'], "_");
        let _ = write!(out, ",long_usd_{name},short_usd_{name}");
    }
    out.push('\n');
    // The same cells in the same order as `write_grid_strip` writes them.
    let cells = (0..request.columns)
        .flat_map(|col| (0..request.rows).map(move |row| row * request.columns + col));
    let non_empty = cells.filter(|&i| {
        long_total.get(i).is_some_and(|v| *v > 0.0) || short_total.get(i).is_some_and(|v| *v > 0.0)
    });
    for (line, index) in lines.zip(non_empty) {
        out += line;
        for (long, short) in long_venues.iter().zip(&short_venues) {
            let at = |values: &Vec<f64>| values.get(index).copied().unwrap_or(0.0);
            let _ = write!(out, ",{},{}", at(long), at(short));
        }
        out.push('\n');
    }
    Ok(out)
}

/// Each venue's composed grid times its weight in the sum.
fn venue_parts(grids: &VenueGrids, count: usize) -> Vec<Vec<f64>> {
    (0..count)
        .map(|v| {
            let weight = grids.weights().get(v).copied().unwrap_or(0.0);
            grids
                .venue_values(v)
                .map(|values| values.iter().map(|x| x * weight).collect())
                .unwrap_or_default()
        })
        .collect()
}
