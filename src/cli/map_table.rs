//! The rows of `map --format table`, for one dataset and for several venues summed: the row
//! holding the close is always shown and marked, and two cumulative columns say how much would be
//! liquidated if the price moved from the close to each row, as a trader reads a liquidation map.

use std::fmt::Write as _;

use crate::csv_out::ValueNames;
use crate::engine::{LiqMap, MapRow};
use crate::render::labels::{compact_usd, human_price};

/// What the cumulative columns mean, printed above them.
fn cumulative_note(names: ValueNames) -> String {
    format!(
        "{}: longs liquidated if the price falls from the close to the row; {}: shorts \
         liquidated if it rises to the row",
        names.column("cum_long"),
        names.column("cum_short")
    )
}

/// A last column of the table: its header and its text for each row.
pub(super) type ExtraColumn<'a> = (&'a str, &'a dyn Fn(&MapRow) -> String);

/// The table's header and one line per non-empty row of `map` plus the close's row, ascending in
/// price. `extra` adds a last column (its header and its text for each row), such as the venue
/// shares of a several-venue map. Value columns are named after `names` (`long_rel` for
/// relative values).
pub(super) fn map_rows_table(
    map: &LiqMap,
    names: ValueNames,
    extra: Option<ExtraColumn<'_>>,
) -> String {
    let rows = rows_with_close(map);
    let close_index = close_row_index(map);
    let close_at = rows.iter().position(|r| r.index == close_index);
    let (cum_long, cum_short) = cumulative(&rows, close_at);
    let mut out = format!("{}\n", cumulative_note(names));
    let mut header = format!(
        "{:>14} {:>14} {:>12} {:>12} {:>12} {:>13}",
        "price_low",
        "price_high",
        names.column("long"),
        names.column("short"),
        names.column("cum_long"),
        names.column("cum_short")
    );
    if let Some((name, _)) = extra {
        let _ = write!(header, "  {name}");
    }
    let _ = writeln!(out, "{}", header.trim_end());
    for (i, row) in rows.iter().enumerate() {
        let mut line = format!(
            "{:>14} {:>14} {:>12} {:>12} {:>12} {:>13}",
            human_price(row.price_low),
            human_price(row.price_high),
            compact_usd(row.long_usd),
            compact_usd(row.short_usd),
            cum_long[i].map_or_else(|| "-".to_owned(), compact_usd),
            cum_short[i].map_or_else(|| "-".to_owned(), compact_usd),
        );
        if let Some((_, text)) = extra {
            let _ = write!(line, "  {}", text(row));
        }
        if Some(i) == close_at {
            let _ = write!(line, "  <- close {}", human_price(map.close));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// The line under the table: `total: longs 1.2M USD, shorts 3.4M USD`, or for relative values
/// `total (relative, not USD): longs 1.2M, shorts 3.4M`.
pub(super) fn total_line(long: f64, short: f64, names: ValueNames) -> String {
    let (long, short) = (compact_usd(long), compact_usd(short));
    match names {
        ValueNames::Usd => format!("total: longs {long} USD, shorts {short} USD\n"),
        ValueNames::Relative => {
            format!("total (relative, not USD): longs {long}, shorts {short}\n")
        }
    }
}

/// The row index holding the close (rows cover `[index * bin, (index + 1) * bin)`).
fn close_row_index(map: &LiqMap) -> i64 {
    (map.close / map.bin_usd).floor() as i64
}

/// The non-empty rows, with the close's row put in its place when it is empty.
fn rows_with_close(map: &LiqMap) -> Vec<MapRow> {
    let mut rows: Vec<MapRow> = map.non_empty_rows().collect();
    let index = close_row_index(map);
    if !(map.close.is_finite() && map.bin_usd > 0.0) || rows.iter().any(|r| r.index == index) {
        return rows;
    }
    let close_row = match map.row_of_price(map.close) {
        Some(held) => map.row(held),
        None => MapRow {
            index,
            price_low: index as f64 * map.bin_usd,
            price_high: (index + 1) as f64 * map.bin_usd,
            long_usd: 0.0,
            short_usd: 0.0,
        },
    };
    let at = rows.partition_point(|r| r.index < index);
    rows.insert(at, close_row);
    rows
}

/// Per row: longs from the close's row down to it (rows at or below the close) and shorts from
/// the close's row up to it (rows at or above the close); `None` on the other side.
fn cumulative(rows: &[MapRow], close_at: Option<usize>) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
    let mut cum_long = vec![None; rows.len()];
    let mut cum_short = vec![None; rows.len()];
    let Some(close_at) = close_at else {
        return (cum_long, cum_short);
    };
    let mut sum = 0.0;
    for (row, cum) in rows[..=close_at].iter().zip(&mut cum_long).rev() {
        sum += row.long_usd;
        *cum = Some(sum);
    }
    let mut sum = 0.0;
    for (row, cum) in rows[close_at..].iter().zip(&mut cum_short[close_at..]) {
        sum += row.short_usd;
        *cum = Some(sum);
    }
    (cum_long, cum_short)
}
