//! Candles as drawn: one per bar, or bars merged per pixel column when there are more bars than
//! columns to draw them in.

use crate::model::Bar;

/// A candle ready to draw: a time span and its prices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candle {
    /// Start of the span, epoch milliseconds UTC.
    pub start_ms: i64,
    /// End of the span (exclusive), epoch milliseconds UTC.
    pub end_ms: i64,
    /// Open of the first bar.
    pub open_usd: f64,
    /// Highest high.
    pub high_usd: f64,
    /// Lowest low.
    pub low_usd: f64,
    /// Close of the last bar.
    pub close_usd: f64,
}

impl Candle {
    /// Whether the candle closed at or above its open (drawn green).
    pub fn is_up(&self) -> bool {
        self.close_usd >= self.open_usd
    }

    fn of_bar(bar: &Bar, interval_ms: i64) -> Candle {
        Candle {
            start_ms: bar.open_time_ms,
            end_ms: bar.open_time_ms.saturating_add(interval_ms),
            open_usd: bar.open,
            high_usd: bar.high,
            low_usd: bar.low,
            close_usd: bar.close,
        }
    }

    fn merge(&mut self, bar: &Bar, interval_ms: i64) {
        self.end_ms = bar.open_time_ms.saturating_add(interval_ms);
        self.high_usd = self.high_usd.max(bar.high);
        self.low_usd = self.low_usd.min(bar.low);
        self.close_usd = bar.close;
    }
}

/// The candles to draw for `bars` (in time order) over `[start_ms, end_ms)` spread across
/// `columns_px` pixel columns. Bars outside the span are skipped. When the span holds more bars
/// than pixel columns, the bars of each pixel column merge into one candle: first open, highest
/// high, lowest low, last close.
pub fn candles_for_width(
    bars: &[Bar],
    interval_ms: i64,
    start_ms: i64,
    end_ms: i64,
    columns_px: u32,
) -> Vec<Candle> {
    let interval_ms = interval_ms.max(1);
    // Bars are in time order: two binary searches find the visible run, so a year of minutes
    // costs only what is on screen.
    let first = bars.partition_point(|b| b.open_time_ms.saturating_add(interval_ms) <= start_ms);
    let last = bars.partition_point(|b| b.open_time_ms < end_ms);
    let visible = bars.get(first..last.max(first)).unwrap_or(&[]).iter();
    let span_ms = end_ms.saturating_sub(start_ms).max(1);
    let bars_in_span = span_ms / interval_ms;
    if bars_in_span <= i64::from(columns_px) {
        return visible.map(|b| Candle::of_bar(b, interval_ms)).collect();
    }
    let column_of = |time_ms: i64| -> i64 {
        ((i128::from(time_ms) - i128::from(start_ms)) * i128::from(columns_px)
            / i128::from(span_ms)) as i64
    };
    // The first time of the column after `column`: the least t with column_of(t) > column.
    let next_column_ms = |column: i64| -> i64 {
        let numerator = (i128::from(column) + 1) * i128::from(span_ms);
        let columns = i128::from(columns_px);
        (i128::from(start_ms) + (numerator + columns - 1) / columns) as i64
    };
    let mut candles: Vec<Candle> = Vec::new();
    // The column's end is found once per column, not once per bar: a 128-bit division per bar
    // was a third of a frame with a year of minutes in view.
    let mut column_end_ms = i64::MIN;
    for bar in visible {
        match candles.last_mut() {
            Some(last) if bar.open_time_ms < column_end_ms => last.merge(bar, interval_ms),
            _ => {
                candles.push(Candle::of_bar(bar, interval_ms));
                column_end_ms = next_column_ms(column_of(bar.open_time_ms));
            }
        }
    }
    candles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(i: i64, open: f64, high: f64, low: f64, close: f64) -> Bar {
        Bar {
            open_time_ms: i * 60_000,
            open,
            high,
            low,
            close,
            volume: 1.0,
            taker_buy_volume: None,
            quote_volume: None,
        }
    }

    #[test]
    fn one_candle_per_bar_when_there_is_room() {
        let bars = [bar(0, 1.0, 2.0, 0.5, 1.5), bar(1, 1.5, 3.0, 1.0, 2.0)];
        let candles = candles_for_width(&bars, 60_000, 0, 120_000, 100);
        assert_eq!(candles.len(), 2);
    }

    #[test]
    fn bars_merge_per_pixel_column() {
        let bars: Vec<Bar> = (0..4)
            .map(|i| {
                let f = i as f64;
                bar(i, 10.0 + f, 20.0 + f, 5.0 - f, 11.0 + f)
            })
            .collect();
        let candles = candles_for_width(&bars, 60_000, 0, 240_000, 2);
        assert_eq!(candles.len(), 2);
        let first = candles[0];
        assert_eq!(first.open_usd, 10.0);
        assert_eq!(first.high_usd, 21.0);
        assert_eq!(first.low_usd, 4.0);
        assert_eq!(first.close_usd, 12.0);
        assert_eq!(first.end_ms, 120_000);
    }

    #[test]
    fn bars_group_as_a_division_per_bar_groups_them() {
        // 1000 minutes, some missing, over column counts that do not divide the span: each
        // candle's bars are exactly those whose floor((t - start) * columns / span) agree.
        let bars: Vec<Bar> = (0..1000)
            .filter(|i| i % 7 != 3)
            .map(|i| bar(i, 1.0, 2.0, 0.5, 1.5))
            .collect();
        for (start_ms, end_ms, columns) in [
            (0, 60_000_000, 333),
            (90_000, 59_000_000, 71),
            (0, 60_000_000, 997),
        ] {
            let candles = candles_for_width(&bars, 60_000, start_ms, end_ms, columns);
            let span = i128::from(end_ms - start_ms);
            let mut expected: Vec<(i64, i64)> = Vec::new();
            let mut last_column = None;
            for b in bars
                .iter()
                .filter(|b| b.open_time_ms + 60_000 > start_ms && b.open_time_ms < end_ms)
            {
                let column =
                    (i128::from(b.open_time_ms - start_ms) * i128::from(columns) / span) as i64;
                match expected.last_mut() {
                    Some(group) if last_column == Some(column) => group.1 = b.open_time_ms + 60_000,
                    _ => expected.push((b.open_time_ms, b.open_time_ms + 60_000)),
                }
                last_column = Some(column);
            }
            let got: Vec<(i64, i64)> = candles.iter().map(|c| (c.start_ms, c.end_ms)).collect();
            assert_eq!(got, expected, "{start_ms} {end_ms} {columns}");
        }
    }
}
