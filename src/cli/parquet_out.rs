//! The grid and the clusters as Parquet tables, with the columns of their CSV files.

use crate::csv_out::{ValueNames, row_edge_usd};
use crate::dataset::parquet::{Table, Values};
use crate::engine::{Cluster, GridRequest};
use crate::time::format_time_ms;

/// `time_ms,price_low,long_usd,short_usd` (`long_rel,short_rel` for relative values), one row
/// per non-empty cell, column by column (the rows of the grid CSV); row `r` of `request` is row
/// `first_row + r` of `bin_usd` each.
pub fn grid_table(
    request: &GridRequest,
    first_row: i64,
    bin_usd: f64,
    (long_usd, short_usd): (&[f64], &[f64]),
    names: ValueNames,
) -> Table {
    let mut time_ms = Vec::new();
    let mut price_low = Vec::new();
    let mut long = Vec::new();
    let mut short = Vec::new();
    for col in 0..request.columns {
        let time = request.column_start_ms(col).round() as i64;
        for row in 0..request.rows {
            let index = row * request.columns + col;
            let l = long_usd.get(index).copied().unwrap_or(0.0);
            let s = short_usd.get(index).copied().unwrap_or(0.0);
            if l > 0.0 || s > 0.0 {
                time_ms.push(time);
                price_low.push(row_edge_usd(first_row + row as i64, bin_usd));
                long.push(l);
                short.push(s);
            }
        }
    }
    Table {
        columns: vec![
            ("time_ms".to_string(), Values::I64(time_ms)),
            ("price_low".to_string(), Values::F64(price_low)),
            (names.column("long"), Values::F64(long)),
            (names.column("short"), Values::F64(short)),
        ],
        metadata: Vec::new(),
    }
}

/// One row per cluster, ranked, with the share of each tier (the columns of `clusters_csv`).
pub fn clusters_table(clusters: &[Cluster], leverages: &[f64], names: ValueNames) -> Table {
    let f64s = |f: fn(&Cluster) -> f64| Values::F64(clusters.iter().map(f).collect());
    let mut columns = vec![
        (
            "rank".to_string(),
            Values::I64((1..=clusters.len() as i64).collect()),
        ),
        (
            "side".to_string(),
            Values::Text(clusters.iter().map(|c| c.side.name().to_string()).collect()),
        ),
        ("price_low".to_string(), f64s(|c| c.price_low)),
        ("price_high".to_string(), f64s(|c| c.price_high)),
        ("peak_price".to_string(), f64s(|c| c.peak_price)),
        (names.column("notional"), f64s(|c| c.notional_usd)),
        ("distance_pct".to_string(), f64s(|c| c.distance_pct)),
        (
            "formed_time_ms".to_string(),
            Values::I64(clusters.iter().map(|c| c.formed_time_ms).collect()),
        ),
        (
            "formed_time".to_string(),
            Values::Text(
                clusters
                    .iter()
                    .map(|c| format_time_ms(c.formed_time_ms))
                    .collect(),
            ),
        ),
    ];
    for (tier, leverage) in leverages.iter().enumerate() {
        let shares = clusters
            .iter()
            .map(|c| c.tier_share.get(tier).copied().unwrap_or(0.0))
            .collect();
        columns.push((format!("share_{leverage}x"), Values::F64(shares)));
    }
    Table {
        columns,
        metadata: Vec::new(),
    }
}
