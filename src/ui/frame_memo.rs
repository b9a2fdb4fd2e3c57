//! Answers the chart asks for every frame, kept until the data or the view changes.
//!
//! With a year of minutes in view, scanning the bars for the price range and merging them into
//! candles cost a quarter of a frame each time the pointer moved, though neither had changed.

use std::cell::RefCell;
use std::sync::Arc;

use crate::model::Dataset;
use crate::render::candles::{Candle, candles_for_width};

/// What identifies a dataset's bars: the dataset's address, its bar count and its last bar's
/// low, high and close (live mode changes the open bar in place).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarsKey {
    address: usize,
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
            address: Arc::as_ptr(dataset) as usize,
            bars: dataset.bars.len(),
            last_low: last.map_or(0, |b| b.low.to_bits()),
            last_high: last.map_or(0, |b| b.high.to_bits()),
            last_close: last.map_or(0, |b| b.close.to_bits()),
        }
    }
}

/// The candles of one view: which bars, which span and how many pixel columns.
type CandleKey = (BarsKey, i64, i64, u32);

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
        let key = (BarsKey::of(dataset), start_ms, end_ms, columns_px);
        if let Some((held_key, candles)) = &*self.held.borrow()
            && *held_key == key
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
        // Live mode moves the open bar's close in place: same address, same length.
        let bars = &mut Arc::get_mut(&mut shared).expect("one owner").bars;
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
}
