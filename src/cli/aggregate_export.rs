//! `liqmap export` over several venues: the summed heatmap under the reference venue's candles,
//! the summed grid as CSV (with each venue's columns when asked), and the summed clusters.

use std::fmt::Write as _;
use std::io::Write;

use anyhow::Context;

use super::aggregate::{
    Several, bin_usd, column_names, leverages, reference_selection, sum_names, time_of_at,
    venue_names,
};
use super::aggregate_clusters::clusters_csv_by_venue;
use super::common::ensure_finite;
use super::export::{ExportArgs, STRIP_CELLS, rows_covering};
use crate::atomic_write::{prepare, write_atomic};
use crate::csv_out::{grid_csv_header, write_grid_strip};
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
            relative_values: !venues.mode_mix().relative.is_empty(),
        };
        write_chart_png(path, &spec)
            .with_context(|| format!("{}: could not write the picture", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &args.grid_csv {
        // The CSV holds every level, however far from the candles, in strips of rows.
        let levels = union((0..venues.len()).map(|v| venues.engine(v)?.level_price_range()));
        let (level_low, level_high) = levels.unwrap_or((low, high));
        let (first_row, rows) = rows_covering(level_low.min(low), level_high.max(high), bin)?;
        let plan = GridPlan {
            start_ms,
            end_ms,
            columns,
            first_row,
            rows,
            bin_usd: bin,
        };
        // Each venue holds its own grid of a strip: the single-venue strip shared out.
        let strip_cells = STRIP_CELLS / venues.len().max(1);
        let mut failure = None;
        let file = prepare(path, |out| {
            write_grid_csv(out, &venues, &plan, &selection, by_venue, strip_cells).map_err(|e| {
                failure = Some(e);
                std::io::Error::other("the grid could not be written")
            })
        });
        let file = match (file, failure) {
            (_, Some(err)) => return Err(err),
            (result, None) => {
                result.with_context(|| format!("{}: could not write the grid", path.display()))?
            }
        };
        file.commit()
            .with_context(|| format!("{}: could not put the file in place", path.display()))?;
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

/// Where the grid CSV lies: its time span and columns, and its rows of `bin_usd` from row index
/// `first_row` (row `k` starts at `k * bin_usd`).
#[derive(Debug, Clone, Copy)]
struct GridPlan {
    start_ms: i64,
    end_ms: i64,
    columns: usize,
    first_row: i64,
    rows: usize,
    bin_usd: f64,
}

/// Writes the summed grid as CSV: one line per non-empty cell with exact decimal row edges (as for
/// one venue), with `long_usd_<venue>,short_usd_<venue>` columns when `by_venue`. The grid is
/// built in strips of rows holding at most `strip_cells` cells per layer of each venue, so memory
/// stays bounded however many rows; within a strip, cells go column by column, as the
/// single-venue export writes them.
fn write_grid_csv(
    out: &mut dyn Write,
    venues: &Venues,
    plan: &GridPlan,
    selection: &LayerSelection,
    by_venue: bool,
    strip_cells: usize,
) -> anyhow::Result<()> {
    let mut header = grid_csv_header(sum_names(venues)).trim_end().to_string();
    if by_venue {
        for (name, names) in column_names(venues).iter().zip(venue_names(venues)) {
            let (long, short) = (names.column("long"), names.column("short"));
            let _ = write!(header, ",{long}_{name},{short}_{name}");
        }
    }
    writeln!(out, "{header}")?;
    let strip_rows = (strip_cells / plan.columns.max(1)).max(1);
    let mut strip_start = 0;
    while strip_start < plan.rows {
        let strip = strip_rows.min(plan.rows - strip_start);
        let row0 = plan.first_row + strip_start as i64;
        let request = GridRequest {
            start_ms: plan.start_ms,
            end_ms: plan.end_ms,
            columns: plan.columns,
            price_low: row0 as f64 * plan.bin_usd,
            price_high: (row0 + strip as i64) as f64 * plan.bin_usd,
            rows: strip,
        };
        write_strip(
            out,
            venues,
            &request,
            (row0, plan.bin_usd),
            selection,
            by_venue,
        )?;
        strip_start += strip;
    }
    Ok(())
}

/// One strip of the grid CSV (see [`write_grid_csv`]); row 0 of `request` is row `row0`.
fn write_strip(
    out: &mut dyn Write,
    venues: &Venues,
    request: &GridRequest,
    (row0, bin_usd): (i64, f64),
    selection: &LayerSelection,
    by_venue: bool,
) -> anyhow::Result<()> {
    let side_only = |side: Side| LayerSelection {
        sides: [side == Side::Long, side == Side::Short],
        ..selection.clone()
    };
    let mut grids = VenueGrids::build(venues, request, &side_only(Side::Long))
        .context("could not compute the grid")?;
    let long_total = grids.total().to_vec();
    let long_venues = venue_parts(&grids, venues.len());
    grids.set_selection(venues, &side_only(Side::Short));
    let short_total = grids.total().to_vec();
    let short_venues = venue_parts(&grids, venues.len());
    drop(grids);
    ensure_finite("the grid", long_total.iter().chain(&short_total).copied())?;
    let mut base = Vec::new();
    write_grid_strip(&mut base, request, row0, bin_usd, &long_total, &short_total)?;
    if !by_venue {
        out.write_all(&base)?;
        return Ok(());
    }
    let base = String::from_utf8(base).context("the grid is not text")?;
    // The same cells in the same order as `write_grid_strip` writes them.
    let cells = (0..request.columns)
        .flat_map(|col| (0..request.rows).map(move |row| row * request.columns + col));
    let non_empty = cells.filter(|&i| {
        long_total.get(i).is_some_and(|v| *v > 0.0) || short_total.get(i).is_some_and(|v| *v > 0.0)
    });
    for (line, index) in base.lines().zip(non_empty) {
        let mut text = line.to_string();
        for (long, short) in long_venues.iter().zip(&short_venues) {
            let at = |values: &Vec<f64>| values.get(index).copied().unwrap_or(0.0);
            let _ = write!(text, ",{},{}", at(long), at(short));
        }
        writeln!(out, "{text}")?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The grid written in strips of a few rows holds the same lines as the grid built whole in
    /// memory (one strip), on the sample and its copy relabelled as a second venue: only the
    /// order differs (strip by strip, each column by column).
    #[test]
    fn strips_write_the_same_cells_as_one_whole_grid() {
        let first = crate::dataset::sample().expect("the sample");
        let mut second = first.clone();
        second.exchange = "second-venue".into();
        let mut venues = Venues::new(vec![first, second], &Default::default()).expect("venues");
        venues
            .set_settings(
                1,
                crate::engine::venues::VenueSettings {
                    enabled: true,
                    weight: 0.5,
                },
            )
            .expect("a weight");
        let selection = reference_selection(&venues);
        let (start_ms, end_ms) = venues.union_range_ms().expect("bars");
        let (low, high) = venues
            .engine(0)
            .and_then(|e| e.level_price_range())
            .expect("levels");
        let bin_usd = 0.25;
        let (first_row, rows) = rows_covering(low, high, bin_usd).expect("rows");
        let plan = GridPlan {
            start_ms,
            end_ms,
            columns: 40,
            first_row,
            rows,
            bin_usd,
        };
        let write = |strip_cells: usize| {
            let mut out = Vec::new();
            write_grid_csv(&mut out, &venues, &plan, &selection, true, strip_cells)
                .expect("written");
            String::from_utf8(out).expect("text")
        };
        let whole = write(usize::MAX);
        // Seven rows a strip: the rows do not divide evenly, so the last strip is short.
        let strips = write(7 * plan.columns);
        assert!(rows > 7 * 3 && rows % 7 != 0, "{rows} rows");
        let sorted = |text: &str| {
            let mut lines: Vec<String> = text.lines().skip(1).map(String::from).collect();
            lines.sort();
            lines
        };
        assert_eq!(whole.lines().next(), strips.lines().next());
        let (a, b) = (sorted(&whole), sorted(&strips));
        assert!(a.len() > 100, "{} cells", a.len());
        assert_eq!(a, b);
        // The venue columns add up to the total, the second at half weight of the same data.
        for line in whole.lines().skip(1) {
            let v: Vec<f64> = line
                .split(',')
                .map(|f| f.parse().expect("a number"))
                .collect();
            assert!(
                (v[2] - (v[4] + v[6])).abs() <= 1e-9 * v[2].max(1.0),
                "{line}"
            );
            assert!((v[4] - 2.0 * v[6]).abs() <= 1e-9 * v[4].max(1.0), "{line}");
        }
    }
}
