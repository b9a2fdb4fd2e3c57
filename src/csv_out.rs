//! The CSV files liqmap writes: the liquidation map, the clusters, and the heatmap grid.
//! Numbers are printed with Rust's shortest round-trip formatting, so they read back exactly.

use std::fmt::Write as _;

use crate::engine::{Cluster, GridRequest, LiqMap};
use crate::time::format_time_ms;

/// `price_low,price_high,long_usd,short_usd`, one line per non-empty row, ascending.
pub fn map_csv(map: &LiqMap) -> String {
    let mut out = String::from("price_low,price_high,long_usd,short_usd\n");
    for row in map.non_empty_rows() {
        let _ = writeln!(
            out,
            "{},{},{},{}",
            row.price_low, row.price_high, row.long_usd, row.short_usd
        );
    }
    out
}

/// One line per cluster, ranked, with the share of each tier (`leverages` names the tiers).
pub fn clusters_csv(clusters: &[Cluster], leverages: &[f64]) -> String {
    let mut out = String::from(
        "rank,side,price_low,price_high,peak_price,notional_usd,distance_pct,formed_time_ms,formed_time",
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

/// `time_ms,price_low,long_usd,short_usd`, one line per non-empty cell, column by column; the
/// time is the column's start, the values the chosen layers summed per side.
pub fn grid_csv(request: &GridRequest, long_usd: &[f64], short_usd: &[f64]) -> String {
    let mut out = String::from("time_ms,price_low,long_usd,short_usd\n");
    for col in 0..request.columns {
        let time_ms = request.column_start_ms(col).round() as i64;
        for row in 0..request.rows {
            let index = row * request.columns + col;
            let long = long_usd.get(index).copied().unwrap_or(0.0);
            let short = short_usd.get(index).copied().unwrap_or(0.0);
            if long > 0.0 || short > 0.0 {
                let _ = writeln!(
                    out,
                    "{time_ms},{},{long},{short}",
                    request.row_price_low(row)
                );
            }
        }
    }
    out
}
