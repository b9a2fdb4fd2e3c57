//! Places in an increasing list of bar indices, which the engine keeps where most bars have
//! nothing: the bars that give notional (`BarInputs::born`) and the bars of the series under the
//! chart (`score::LiquidationSeries`).

use std::ops::Range;

/// The place of `bar` in `sorted` (increasing), if it is there.
pub(crate) fn place_of(sorted: &[u32], bar: usize) -> Option<usize> {
    let at = sorted.partition_point(|&b| (b as usize) < bar);
    (sorted.get(at).map(|&b| b as usize) == Some(bar)).then_some(at)
}

/// The places in `sorted` (increasing) of the bars within `bars`.
pub(crate) fn places_within(sorted: &[u32], bars: Range<usize>) -> Range<usize> {
    let start = sorted.partition_point(|&b| (b as usize) < bars.start);
    let end = sorted.partition_point(|&b| (b as usize) < bars.end);
    start..end.max(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_of_bars_in_a_sorted_list() {
        let sorted = [2, 5, 6, 9];
        assert_eq!(place_of(&sorted, 5), Some(1));
        assert_eq!(place_of(&sorted, 9), Some(3));
        assert_eq!(place_of(&sorted, 4), None);
        assert_eq!(place_of(&sorted, 10), None);
        assert_eq!(places_within(&sorted, 0..6), 0..2);
        assert_eq!(places_within(&sorted, 5..7), 1..3);
        assert_eq!(places_within(&sorted, 7..9), 3..3);
        assert_eq!(places_within(&sorted, 10..20), 4..4);
        // A reversed range holds no bars, and gives an empty range of places, not a panic.
        let reversed = Range { start: 6, end: 3 };
        assert_eq!(places_within(&sorted, reversed), 2..2);
    }
}
