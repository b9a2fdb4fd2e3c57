//! Answers the chart asks for every frame, kept until the data or the view changes.
//!
//! With a year of minutes in view, scanning the bars for the price range and merging them into
//! candles cost a quarter of a frame each time the pointer moved, though neither had changed.

use std::cell::RefCell;
use std::sync::{Arc, Weak};

use crate::model::Dataset;
use crate::render::candles::{Candle, candles_for_width};

/// What identifies a dataset's bars: a weak handle on the dataset, its bar count and its last
/// bar's low, high and close (live mode changes the open bar in place).
///
/// The handle, not the address: a dataset dropped and another allocated in its place with as
/// many bars and the same last bar would have matched an address and shown stale candles. A
/// weak handle keeps the allocation (not the data) reserved while the key is held, so no other
/// dataset can land there, and a dropped dataset matches nothing.
#[derive(Debug, Clone)]
pub struct BarsKey {
    dataset: Weak<Dataset>,
    bars: usize,
    last_low: u64,
    last_high: u64,
    last_close: u64,
}

impl BarsKey {
    /// The key of `dataset` as it is now.
    pub fn of(dataset: &Arc<Dataset>) -> Self {
        let last = dataset.bars.last();
        Self {
            dataset: Arc::downgrade(dataset),
            bars: dataset.bars.len(),
            last_low: last.map_or(0, |b| b.low.to_bits()),
            last_high: last.map_or(0, |b| b.high.to_bits()),
            last_close: last.map_or(0, |b| b.close.to_bits()),
        }
    }

    /// Whether both keys name the same living dataset with the same bars.
    pub fn matches(&self, other: &BarsKey) -> bool {
        Weak::ptr_eq(&self.dataset, &other.dataset)
            && self.dataset.upgrade().is_some()
            && (self.bars, self.last_low, self.last_high, self.last_close)
                == (
                    other.bars,
                    other.last_low,
                    other.last_high,
                    other.last_close,
                )
    }
}

/// The candles of one view: which bars, which span and how many pixel columns.
#[derive(Debug)]
struct CandleKey {
    bars: BarsKey,
    span_ms: (i64, i64),
    columns_px: u32,
}

impl CandleKey {
    fn matches(&self, other: &CandleKey) -> bool {
        self.bars.matches(&other.bars)
            && self.span_ms == other.span_ms
            && self.columns_px == other.columns_px
    }
}

/// The candles last drawn, kept with their key.
#[derive(Debug, Default)]
pub struct CandleMemo {
    held: RefCell<Option<(CandleKey, Arc<[Candle]>)>>,
}

impl CandleMemo {
    /// The candles of `dataset` over `[start_ms, end_ms)` in `columns_px` columns, merged anew
    /// only when one of these changed since the last call.
    pub fn candles(
        &self,
        dataset: &Arc<Dataset>,
        start_ms: i64,
        end_ms: i64,
        columns_px: u32,
    ) -> Arc<[Candle]> {
        let key = CandleKey {
            bars: BarsKey::of(dataset),
            span_ms: (start_ms, end_ms),
            columns_px,
        };
        if let Some((held_key, candles)) = &*self.held.borrow()
            && held_key.matches(&key)
        {
            return Arc::clone(candles);
        }
        let candles: Arc<[Candle]> = candles_for_width(
            &dataset.bars,
            dataset.interval_ms,
            start_ms,
            end_ms,
            columns_px,
        )
        .into();
        *self.held.borrow_mut() = Some((key, Arc::clone(&candles)));
        candles
    }
}

/// A price range (lowest low, highest high), if there are bars.
type PriceRange = Option<(f64, f64)>;

/// The shown dataset's price range, kept with the key of the bars it was found on.
#[derive(Debug, Default)]
pub struct PriceRangeMemo {
    held: RefCell<Option<(BarsKey, PriceRange)>>,
}

impl PriceRangeMemo {
    /// `dataset`'s lowest low and highest high, scanned anew only when its bars changed.
    pub fn price_range(&self, dataset: &Arc<Dataset>) -> PriceRange {
        let key = BarsKey::of(dataset);
        if let Some((held, range)) = &*self.held.borrow()
            && held.matches(&key)
        {
            return *range;
        }
        let range = dataset.price_range();
        *self.held.borrow_mut() = Some((key, range));
        range
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::sample;

    #[test]
    fn candles_follow_a_change_of_span_columns_or_last_bar() {
        let dataset = sample().expect("the bundled sample loads");
        let first = dataset.bars[0].open_time_ms;
        let end = dataset.bars.last().expect("bars").open_time_ms + dataset.interval_ms;
        let mut shared = Arc::new(dataset);
        let memo = CandleMemo::default();
        let direct = |d: &Dataset, s: i64, e: i64, c: u32| {
            candles_for_width(&d.bars, d.interval_ms, s, e, c)
        };
        assert_eq!(
            &*memo.candles(&shared, first, end, 300),
            direct(&shared, first, end, 300).as_slice()
        );
        // Another span and another width each give their own candles.
        let half = first + (end - first) / 2;
        assert_eq!(
            &*memo.candles(&shared, first, half, 300),
            direct(&shared, first, half, 300).as_slice()
        );
        assert_eq!(
            &*memo.candles(&shared, first, end, 40),
            direct(&shared, first, end, 40).as_slice()
        );
        // Live mode moves the open bar's close as it merges updates (with `Arc::make_mut`,
        // which the memo's weak handle does not stop): same length, same span.
        let bars = &mut Arc::make_mut(&mut shared).bars;
        let last = bars.last_mut().expect("bars");
        let (old_close, new_close) = (last.close, last.high);
        assert_ne!(
            old_close, new_close,
            "the sample's last bar closes below its high"
        );
        last.close = new_close;
        let candles = memo.candles(&shared, first, end, 40);
        assert_eq!(candles.last().map(|c| c.close_usd), Some(new_close));
        assert_eq!(&*candles, direct(&shared, first, end, 40).as_slice());
    }

    #[test]
    fn a_new_dataset_with_the_same_length_and_last_bar_gets_its_own_candles() {
        let dataset = sample().expect("the bundled sample loads");
        let first = dataset.bars[0].open_time_ms;
        let end = dataset.bars.last().expect("bars").open_time_ms + dataset.interval_ms;
        // The same bars but the first, whose high is doubled: same length, same last bar.
        let mut other = dataset.clone();
        other.bars[0].high *= 2.0;
        let memo = CandleMemo::default();
        let ranges = PriceRangeMemo::default();
        let old = Arc::new(dataset);
        let old_first = memo.candles(&old, first, end, 40)[0];
        let old_range = ranges.price_range(&old).expect("a range");
        // The old dataset goes and the new one comes, as when another file is opened: the
        // allocator may well hand out the old address again, which the address key took for
        // the same data.
        drop(old);
        let new = Arc::new(other);
        let new_first = memo.candles(&new, first, end, 40)[0];
        assert_ne!(new_first, old_first);
        assert_eq!(
            new_first,
            candles_for_width(&new.bars, new.interval_ms, first, end, 40)[0]
        );
        let new_range = ranges.price_range(&new).expect("a range");
        assert_eq!(new_range, new.price_range().expect("a range"));
        assert_ne!(new_range, old_range);
    }
}
