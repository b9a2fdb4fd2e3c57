//! Merging new rows into a dataset of the same venue, symbol and interval: a fetch into an
//! existing file, or a batch of live updates into the dataset shown. Rows already there are
//! never dropped: a bar or an open-interest sample at a time already held is replaced by the
//! newer one (the venue's later word on it), everything else is added in time order, and the
//! report says how many rows of each kind were added, replaced or already there.
//!
//! The series are changed in place: a small batch (live mode's one or two rows) is inserted
//! where it belongs without copying the series; a large one is merged in one pass.

use crate::model::{Bar, Dataset, Liquidation, OpenInterestSample};

/// Batches up to this size are inserted row by row; larger ones are merged in one pass.
const INSERT_BATCH_MAX: usize = 16;

/// What a merge did to one series.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeriesMerge {
    /// Rows at a time (or, for liquidations, with values) not held before.
    pub added: usize,
    /// Rows that replaced a different row at the same time.
    pub replaced: usize,
    /// Rows equal to one already held.
    pub unchanged: usize,
}

impl SeriesMerge {
    /// Whether the series changed.
    pub fn changed(&self) -> bool {
        self.added + self.replaced > 0
    }
}

/// What a merge of two datasets did, series by series.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// Bars.
    pub bars: SeriesMerge,
    /// Open-interest samples.
    pub open_interest: SeriesMerge,
    /// Liquidations.
    pub liquidations: SeriesMerge,
}

impl MergeReport {
    /// Whether anything changed.
    pub fn changed(&self) -> bool {
        self.bars.changed() || self.open_interest.changed() || self.liquidations.changed()
    }
}

/// Two datasets that are not of the same series.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot merge: the {what} differ (the existing data has {existing}, the new data {incoming})"
)]
pub struct MergeError {
    /// `exchange`, `symbol` or `interval`.
    pub what: &'static str,
    /// The existing dataset's value.
    pub existing: String,
    /// The new dataset's value.
    pub incoming: String,
}

/// Merges `incoming` into `existing` (same exchange, symbol and interval, or an error and no
/// change).
pub fn merge(existing: &mut Dataset, incoming: &Dataset) -> Result<MergeReport, MergeError> {
    let check = |what, a: String, b: String| {
        if a == b {
            Ok(())
        } else {
            Err(MergeError {
                what,
                existing: a,
                incoming: b,
            })
        }
    };
    check(
        "exchange",
        existing.exchange.clone(),
        incoming.exchange.clone(),
    )?;
    check("symbol", existing.symbol.clone(), incoming.symbol.clone())?;
    check(
        "interval",
        format!("{} ms", existing.interval_ms),
        format!("{} ms", incoming.interval_ms),
    )?;
    Ok(MergeReport {
        bars: merge_bars(&mut existing.bars, &incoming.bars),
        open_interest: merge_open_interest(&mut existing.open_interest, &incoming.open_interest),
        liquidations: merge_liquidations(&mut existing.liquidations, &incoming.liquidations),
    })
}

/// Merges `incoming` bars (any order) into `existing` (strictly increasing open times).
pub fn merge_bars(existing: &mut Vec<Bar>, incoming: &[Bar]) -> SeriesMerge {
    merge_keyed(existing, incoming, |b| b.open_time_ms)
}

/// Merges `incoming` samples (any order) into `existing` (strictly increasing times).
pub fn merge_open_interest(
    existing: &mut Vec<OpenInterestSample>,
    incoming: &[OpenInterestSample],
) -> SeriesMerge {
    merge_keyed(existing, incoming, |o| o.time_ms)
}

/// Merges `incoming` liquidations (any order) into `existing` (non-decreasing times). Several
/// liquidations may share a millisecond, so a row is "already held" only when one with the same
/// time, side, price and quantity is there; it is then not added twice.
pub fn merge_liquidations(
    existing: &mut Vec<Liquidation>,
    incoming: &[Liquidation],
) -> SeriesMerge {
    let mut report = SeriesMerge::default();
    let mut batch = incoming.to_vec();
    batch.sort_by_key(|l| l.time_ms);
    for liquidation in batch {
        let start = existing.partition_point(|l| l.time_ms < liquidation.time_ms);
        let end = existing.partition_point(|l| l.time_ms <= liquidation.time_ms);
        if existing[start..end].contains(&liquidation) {
            report.unchanged += 1;
        } else {
            existing.insert(end, liquidation);
            report.added += 1;
        }
    }
    report
}

/// Merges rows keyed by time: the incoming row wins at a time both hold.
fn merge_keyed<T: Copy + PartialEq>(
    existing: &mut Vec<T>,
    incoming: &[T],
    key: fn(&T) -> i64,
) -> SeriesMerge {
    let mut batch = incoming.to_vec();
    // Stable, so that of two incoming rows at one time the later in the batch wins.
    batch.sort_by_key(key);
    let mut last_of_each: Vec<T> = Vec::with_capacity(batch.len());
    for row in batch {
        match last_of_each.last_mut() {
            Some(prev) if key(prev) == key(&row) => *prev = row,
            _ => last_of_each.push(row),
        }
    }
    let batch = last_of_each;
    let mut report = SeriesMerge::default();
    let appends = match (existing.last(), batch.first()) {
        (Some(last), Some(first)) => key(first) > key(last),
        _ => true,
    };
    if appends || batch.len() <= INSERT_BATCH_MAX {
        for row in batch {
            let at = existing.partition_point(|r| key(r) < key(&row));
            match existing.get_mut(at) {
                Some(old) if key(old) == key(&row) => {
                    if *old == row {
                        report.unchanged += 1;
                    } else {
                        *old = row;
                        report.replaced += 1;
                    }
                }
                _ => {
                    existing.insert(at, row);
                    report.added += 1;
                }
            }
        }
        return report;
    }
    let old = std::mem::take(existing);
    let mut merged = Vec::with_capacity(old.len() + batch.len());
    let mut old = old.into_iter().peekable();
    let mut new = batch.into_iter().peekable();
    while old.peek().is_some() || new.peek().is_some() {
        let take_old = match (old.peek(), new.peek()) {
            (Some(a), Some(b)) => key(a) < key(b),
            (Some(_), None) => true,
            _ => false,
        };
        if take_old {
            merged.extend(old.next());
            continue;
        }
        let Some(row) = new.next() else { break };
        match old.next_if(|a| key(a) == key(&row)) {
            Some(a) if a == row => report.unchanged += 1,
            Some(_) => report.replaced += 1,
            None => report.added += 1,
        }
        merged.push(row);
    }
    *existing = merged;
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Side;

    fn bar(open_time_ms: i64, close: f64) -> Bar {
        Bar {
            open_time_ms,
            open: close,
            high: close,
            low: close,
            close,
            volume: 1.0,
            taker_buy_volume: None,
            quote_volume: None,
        }
    }

    fn oi(time_ms: i64, open_interest: f64) -> OpenInterestSample {
        OpenInterestSample {
            time_ms,
            open_interest,
            value_usd: None,
        }
    }

    fn liq(time_ms: i64, price: f64) -> Liquidation {
        Liquidation {
            time_ms,
            side: Side::Long,
            price,
            quantity: 1.0,
        }
    }

    fn closes(bars: &[Bar]) -> Vec<(i64, f64)> {
        bars.iter().map(|b| (b.open_time_ms, b.close)).collect()
    }

    #[test]
    fn a_small_batch_replaces_the_open_bar_and_appends_the_next() {
        // Saved: 0, 5, 10 (closes 1, 2, 3). Live: 10 moved to 3.5, 15 opened at 4.
        let mut bars = vec![bar(0, 1.0), bar(5, 2.0), bar(10, 3.0)];
        let report = merge_bars(&mut bars, &[bar(15, 4.0), bar(10, 3.5)]);
        assert_eq!(
            closes(&bars),
            vec![(0, 1.0), (5, 2.0), (10, 3.5), (15, 4.0)]
        );
        assert_eq!(
            report,
            SeriesMerge {
                added: 1,
                replaced: 1,
                unchanged: 0
            }
        );
        // The same poll again changes nothing and says so.
        let again = merge_bars(&mut bars, &[bar(15, 4.0), bar(10, 3.5)]);
        assert_eq!(again.unchanged, 2);
        assert!(!again.changed());
    }

    #[test]
    fn a_large_batch_fills_holes_and_keeps_every_saved_row() {
        // Saved: every even time 0..40 (20 rows, close = t). New: 1..=39 odd (20 rows, close =
        // t + 0.5) and 0 and 2 again with other closes: 20 added, 2 replaced, nothing lost.
        let mut bars: Vec<Bar> = (0..20).map(|i| bar(2 * i, (2 * i) as f64)).collect();
        let mut new: Vec<Bar> = (0..20)
            .map(|i| bar(2 * i + 1, (2 * i + 1) as f64 + 0.5))
            .collect();
        new.push(bar(0, 100.0));
        new.push(bar(2, 102.0));
        new.reverse();
        let report = merge_bars(&mut bars, &new);
        assert_eq!(
            report,
            SeriesMerge {
                added: 20,
                replaced: 2,
                unchanged: 0
            }
        );
        assert_eq!(bars.len(), 40);
        let times: Vec<i64> = bars.iter().map(|b| b.open_time_ms).collect();
        assert_eq!(times, (0..40).collect::<Vec<i64>>());
        assert_eq!(
            (bars[0].close, bars[2].close, bars[4].close),
            (100.0, 102.0, 4.0)
        );
        assert_eq!(bars[39].close, 39.5);
    }

    #[test]
    fn two_rows_of_the_batch_at_one_time_count_once_and_the_later_wins() {
        let mut series = vec![oi(0, 1.0)];
        let report = merge_open_interest(&mut series, &[oi(5, 2.0), oi(5, 3.0)]);
        assert_eq!(series, vec![oi(0, 1.0), oi(5, 3.0)]);
        assert_eq!(report.added, 1);
        assert_eq!(report.replaced, 0);
    }

    #[test]
    fn liquidations_are_added_once_and_kept_in_time_order() {
        // Saved: two at t=10 (prices 1 and 2) and one at 30. New: the t=10 price-2 one again,
        // a third at t=10 (price 3), and one at 20.
        let mut saved = vec![liq(10, 1.0), liq(10, 2.0), liq(30, 5.0)];
        let report = merge_liquidations(&mut saved, &[liq(20, 4.0), liq(10, 2.0), liq(10, 3.0)]);
        assert_eq!(
            saved,
            vec![
                liq(10, 1.0),
                liq(10, 2.0),
                liq(10, 3.0),
                liq(20, 4.0),
                liq(30, 5.0)
            ]
        );
        assert_eq!(
            report,
            SeriesMerge {
                added: 2,
                replaced: 0,
                unchanged: 1
            }
        );
    }

    #[test]
    fn datasets_of_another_symbol_are_refused_and_left_alone() {
        let mut saved = Dataset {
            exchange: "binance-usdm".into(),
            symbol: "BTCUSDT".into(),
            interval_ms: 5,
            bars: vec![bar(0, 1.0)],
            open_interest: vec![],
            liquidations: vec![],
        };
        let mut other = saved.clone();
        other.symbol = "ETHUSDT".into();
        other.bars = vec![bar(5, 2.0)];
        let error = merge(&mut saved, &other).unwrap_err();
        assert_eq!(error.what, "symbol");
        assert_eq!(saved.bars.len(), 1);
        let mut same = saved.clone();
        same.bars = vec![bar(5, 2.0)];
        same.open_interest = vec![oi(0, 7.0)];
        let report = merge(&mut saved, &same).unwrap();
        assert_eq!(report.bars.added, 1);
        assert_eq!(report.open_interest.added, 1);
        assert!(report.changed());
        assert_eq!(closes(&saved.bars), vec![(0, 1.0), (5, 2.0)]);
    }
}
