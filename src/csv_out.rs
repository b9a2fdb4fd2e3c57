//! The CSV files liqmap writes: the liquidation map, the clusters, and the heatmap grid.
//! Numbers are printed with Rust's shortest round-trip formatting, so they read back exactly.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::engine::{Cluster, GridRequest, LiqMap};
use crate::time::format_time_ms;

/// How value columns are named: `long_usd`, or `long_rel` when the values are relative (volume
/// mode with no open-interest figure to scale to), so that no script reads them as USD. Prices
/// stay USD either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueNames {
    /// USD values: `long_usd`.
    Usd,
    /// Relative values: `long_rel`.
    Relative,
}

impl ValueNames {
    /// The names for values that are USD (`is_usd`) or relative.
    pub fn new(is_usd: bool) -> Self {
        if is_usd {
            ValueNames::Usd
        } else {
            ValueNames::Relative
        }
    }

    /// `name` with the unit: `long_usd` or `long_rel`.
    pub fn column(self, name: &str) -> String {
        match self {
            ValueNames::Usd => format!("{name}_usd"),
            ValueNames::Relative => format!("{name}_rel"),
        }
    }
}

/// `price_low,price_high,long_usd,short_usd` (`long_rel,short_rel` for relative values), one
/// line per non-empty row, ascending. Row edges are the exact decimals `k * bin` (`25.9`, not
/// the binary product `25.900000000000002`).
pub fn map_csv(map: &LiqMap, names: ValueNames) -> String {
    let mut out = format!(
        "price_low,price_high,{},{}\n",
        names.column("long"),
        names.column("short")
    );
    let edge = |index: i64| row_edge(index, map.bin_usd);
    for row in map.non_empty_rows() {
        let _ = writeln!(
            out,
            "{},{},{},{}",
            edge(row.index),
            edge(row.index + 1),
            row.long_usd,
            row.short_usd
        );
    }
    out
}

/// The lower edge of price row `index` of `bin` USD as the number the CSV's text reads back as
/// (the exact decimal `index * bin`, not the float product's last-digit error), so that a
/// Parquet grid and a CSV grid hold the same values.
pub fn row_edge_usd(index: i64, bin: f64) -> f64 {
    row_edge(index, bin).parse().unwrap_or(index as f64 * bin)
}

/// The price `index * bin` written with the bin's own decimals, so it reads back as the exact
/// decimal edge; a bin with no short decimal form gets the shortest round-trip float.
fn row_edge(index: i64, bin: f64) -> String {
    let bin_text = bin.to_string();
    let decimals = bin_text.split_once('.').map_or(0, |(_, d)| d.len());
    let value = index as f64 * bin;
    if bin_text.contains('e') || decimals > 12 {
        return value.to_string();
    }
    let text = format!("{value:.decimals$}");
    // Drop trailing zeros so `25.0` prints as `25`, like the float would.
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// One line per cluster, ranked, with the share of each tier (`leverages` names the tiers); the
/// notional is `notional_usd`, or `notional_rel` for relative values.
pub fn clusters_csv(clusters: &[Cluster], leverages: &[f64], names: ValueNames) -> String {
    let mut out = format!(
        "rank,side,price_low,price_high,peak_price,{},distance_pct,formed_time_ms,formed_time",
        names.column("notional")
    );
    for leverage in leverages {
        let _ = write!(out, ",share_{leverage}x");
    }
    out.push('\n');
    for (i, c) in clusters.iter().enumerate() {
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            i + 1,
            c.side.name(),
            c.price_low,
            c.price_high,
            c.peak_price,
            c.notional_usd,
            c.distance_pct,
            c.formed_time_ms,
            format_time_ms(c.formed_time_ms)
        );
        for share in &c.tier_share {
            let _ = write!(out, ",{share}");
        }
        out.push('\n');
    }
    out
}

/// The header line of the grid CSV: `time_ms,price_low,long_usd,short_usd` (`long_rel,short_rel`
/// for relative values).
pub fn grid_csv_header(names: ValueNames) -> String {
    format!(
        "time_ms,price_low,{},{}\n",
        names.column("long"),
        names.column("short")
    )
}

/// One strip of price rows of the grid CSV: `time_ms,price_low,long_usd,short_usd`, one line per
/// non-empty cell, column by column; the time is the column's start, the values the chosen layers
/// summed per side. Row `r` of the strip is row `first_row + r` of the whole grid, of `bin_usd`
/// each, and its lower edge is written as the exact decimal `(first_row + r) * bin` (see
/// [`map_csv`]), so strips written one after another read as one grid.
pub fn write_grid_strip(
    out: &mut dyn Write,
    request: &GridRequest,
    first_row: i64,
    bin_usd: f64,
    long_usd: &[f64],
    short_usd: &[f64],
) -> io::Result<()> {
    for col in 0..request.columns {
        let time_ms = request.column_start_ms(col).round() as i64;
        for row in 0..request.rows {
            let index = row * request.columns + col;
            let long = long_usd.get(index).copied().unwrap_or(0.0);
            let short = short_usd.get(index).copied().unwrap_or(0.0);
            if long > 0.0 || short > 0.0 {
                let price_low = row_edge(first_row + row as i64, bin_usd);
                writeln!(out, "{time_ms},{price_low},{long},{short}")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_edges_are_exact_decimals() {
        assert_eq!(row_edge(259, 0.1), "25.9");
        assert_eq!(row_edge(260, 0.1), "26");
        assert_eq!(row_edge(3, 2.5), "7.5");
        assert_eq!(row_edge(1_215, 100.0), "121500");
        assert_eq!(row_edge(-2, 0.25), "-0.5");
    }
}
