//! Death bars of every level of one side in one sweep over the bars, last bar first.
//!
//! The first later bar whose low reaches a price is always a "step" of the staircase of lows
//! after the level's birth: a bar whose low is below every low between the birth and it (every
//! earlier bar was above the price, so above that low too). The staircase is a stack (nearest
//! bar on top, lows falling towards the bottom); moving the birth one bar back pops the steps
//! that bar's low covers and pushes it. A level's death is then the nearest step at or below its
//! price, found by galloping from where the same tier's answer was one bar later: prices move
//! little from bar to bar and the stack only changes at its top, so that is a few probes.
//! The stack and the answers are shared by every tier of the side, and the two sides are
//! independent, so a margin change rebuilds the ten layers of a year in two sweeps, one per
//! core, with no table built first.
//!
//! Shorts die on highs at or above their price: the same search on negated highs and prices
//! (negation is exact, so `-high <= -price` is `high >= price`).

/// For each birth bar `born[k]` (increasing) and each of `series` series of thresholds, the
/// first index `j > born[k]` with `value_of(values[j]) <= threshold(series, k)`, or
/// `u32::MAX` when there is none (or it does not fit a `u32`), at `[series][k]`; other births
/// are not searched. `sign` multiplies values and thresholds first (−1 turns "at or below" into
/// "at or above"). NaN values never count as reached, nor are NaN thresholds.
///
/// The thresholds are asked for as the sweep reaches them rather than passed as arrays: a
/// layer's prices are a cheap function of the entry prices, and arrays of them for every tier
/// cost a margin change 42 MB of writes and reads on a year of minutes.
pub(super) fn first_later_reached<T>(
    values: &[T],
    value_of: impl Fn(&T) -> f64,
    sign: f64,
    series: usize,
    threshold: impl Fn(usize, usize) -> f64,
    born: &[u32],
) -> Vec<Vec<u32>> {
    let n = values.len();
    let mut deaths: Vec<Vec<u32>> = (0..series).map(|_| vec![u32::MAX; born.len()]).collect();
    // Where each series' last answer ended in the stack: the next birth's price is close to
    // this one's, and the stack changes only at its top, so the next answer is found near it.
    let mut hints = vec![0usize; series];
    // (value, index): values rise from the bottom to the top, indices fall.
    let mut stack: Vec<(f64, usize)> = Vec::new();
    // The births still to answer are `born[..pending]`; the last of them is the next one down.
    let mut pending = born.len();
    for bar in (0..n).rev() {
        while let Some(k) = pending.checked_sub(1)
            && born.get(k).is_some_and(|&b| b as usize >= bar)
        {
            pending = k;
            // Births past the last bar have nothing after them (and are not levels).
            if born.get(k).is_some_and(|&b| b as usize != bar) {
                continue;
            }
            for (at, (death, hint)) in deaths.iter_mut().zip(&mut hints).enumerate() {
                let Some(slot) = death.get_mut(k) else {
                    continue;
                };
                *hint = run_end_near(&stack, sign * threshold(at, k), *hint);
                if let Some(&(_, found)) = hint.checked_sub(1).and_then(|top| stack.get(top)) {
                    *slot = u32::try_from(found).unwrap_or(u32::MAX);
                }
            }
        }
        let Some(value) = values.get(bar).map(&value_of) else {
            continue;
        };
        let value = sign * value;
        if value.is_nan() {
            continue;
        }
        while stack.last().is_some_and(|&(top, _)| top >= value) {
            stack.pop();
        }
        stack.push((value, bar));
    }
    deaths
}

/// How many steps from the bottom are at or below `threshold` (they are a run at the bottom,
/// the values rising upwards), galloping outwards from `hint`; the last of them is the nearest
/// bar at or below it.
fn run_end_near(stack: &[(f64, usize)], threshold: f64, hint: usize) -> usize {
    let reached = |at: usize| stack.get(at).is_some_and(|&(v, _)| v <= threshold);
    let hint = hint.min(stack.len());
    // The run ends in [low, high]: every step below `low` is reached, none from `high` up.
    let (low, high) = match hint.checked_sub(1) {
        Some(below_hint) if !reached(below_hint) => {
            let mut high = below_hint;
            let mut stride = 1;
            loop {
                match high.checked_sub(stride) {
                    None => break (0, high),
                    Some(probe) if reached(probe) => break (probe + 1, high),
                    Some(probe) => {
                        high = probe;
                        stride *= 2;
                    }
                }
            }
        }
        _ => {
            let mut low = hint;
            let mut stride = 1;
            loop {
                let probe = low + stride - 1;
                if probe >= stack.len() {
                    break (low, stack.len());
                }
                if !reached(probe) {
                    break (low, probe);
                }
                low = probe + 1;
                stride *= 2;
            }
        }
    };
    low + stack
        .get(low..high)
        .map_or(0, |steps| steps.partition_point(|&(v, _)| v <= threshold))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::crossing::FirstCrossing;
    use proptest::prelude::*;

    /// Every bar of `n` searched.
    fn every(n: usize) -> Vec<u32> {
        (0..n as u32).collect()
    }

    fn linear_scan(values: &[f64], sign: f64, born: usize, threshold: f64) -> u32 {
        (born + 1..values.len())
            .find(|&j| sign * values[j] <= sign * threshold)
            .map_or(u32::MAX, |j| j as u32)
    }

    #[test]
    fn finds_the_first_later_crossing_by_hand() {
        let lows = [5.0, 4.0, 6.0, 3.0, 7.0, 2.0];
        let prices = [4.5, 4.5, 3.0, 1.0, 2.0, 9.0];
        let deaths = first_later_reached(&lows, |v| *v, 1.0, 1, |_, born| prices[born], &every(6));
        // Bar 0 at 4.5: bar 1 (4.0). Bar 1 at 4.5: not itself, bar 3 (3.0). Bar 2 at 3.0: bar 3,
        // equality counts. Bar 3 at 1.0: never. Bar 4 at 2.0: bar 5. The last bar: nothing after.
        assert_eq!(deaths, vec![vec![1, 3, 3, u32::MAX, 5, u32::MAX]]);
        // Highs at or above the price, with sign -1.
        let highs = [5.0, 6.0, 4.0, 8.0];
        let shorts = [5.5, 7.0, 8.0, 1.0];
        let short_price = |series: usize, born: usize| [shorts[born], 0.0][series];
        let deaths = first_later_reached(&highs, |v| *v, -1.0, 2, short_price, &every(4));
        assert_eq!(deaths[0], vec![1, 3, 3, u32::MAX]);
        assert_eq!(deaths[1], vec![1, 2, 3, u32::MAX]);
    }

    #[test]
    fn agrees_with_the_block_minima_on_real_bars() {
        let data = crate::dataset::load(std::path::Path::new("assets/btcusdt-5m.json"))
            .expect("the bundled BTCUSDT sample");
        let lows: Vec<f64> = data.bars.iter().map(|b| b.low).collect();
        let highs: Vec<f64> = data.bars.iter().map(|b| b.high).collect();
        let table_lows = FirstCrossing::new(lows.clone());
        let table_highs = FirstCrossing::new(highs.iter().map(|h| -h).collect());
        for leverage in [2.0, 5.0, 25.0, 100.0, 1000.0] {
            let long: Vec<f64> = data
                .bars
                .iter()
                .map(|b| b.close * (1.0 - 1.0 / leverage))
                .collect();
            let short: Vec<f64> = data
                .bars
                .iter()
                .map(|b| b.close * (1.0 + 1.0 / leverage))
                .collect();
            let all = every(data.bars.len());
            let by_sweep = [
                first_later_reached(&data.bars, |b| b.low, 1.0, 1, |_, b| long[b], &all),
                first_later_reached(&data.bars, |b| b.high, -1.0, 1, |_, b| short[b], &all),
            ];
            let by_table = |table: &FirstCrossing, sign: f64, prices: &[f64]| -> Vec<u32> {
                prices
                    .iter()
                    .enumerate()
                    .map(|(born, &p)| {
                        table
                            .first_at_or_below(born + 1, sign * p)
                            .map_or(u32::MAX, |d| d as u32)
                    })
                    .collect()
            };
            assert_eq!(
                by_sweep[0][0],
                by_table(&table_lows, 1.0, &long),
                "x{leverage}"
            );
            assert_eq!(
                by_sweep[1][0],
                by_table(&table_highs, -1.0, &short),
                "x{leverage}"
            );
            let died = by_sweep[0][0].iter().filter(|&&d| d != u32::MAX).count();
            // BTC never fell 20% in these weeks; it did move 4% many times.
            assert_eq!(died > 0, leverage >= 25.0, "x{leverage} longs die: {died}");
        }
    }

    proptest! {
        #[test]
        fn the_run_ends_where_a_binary_search_says_from_any_hint(
            mut values in proptest::collection::vec((0u8..40).prop_map(f64::from), 0..70),
            threshold in (0u8..42).prop_map(f64::from),
            hint in 0usize..80,
        ) {
            values.sort_by(f64::total_cmp);
            let stack: Vec<(f64, usize)> = values.iter().map(|&v| (v, 0)).collect();
            prop_assert_eq!(
                run_end_near(&stack, threshold, hint),
                values.partition_point(|&v| v <= threshold)
            );
        }

        #[test]
        fn agrees_with_a_linear_scan(
            // Small whole numbers: many equal values, where "at or below" and the popping of
            // equal steps matter.
            values in proptest::collection::vec((0u8..12).prop_map(f64::from), 0..300),
            thresholds in proptest::collection::vec((0u8..13).prop_map(f64::from), 300),
            short in any::<bool>(),
        ) {
            let sign = if short { -1.0 } else { 1.0 };
            let n = values.len();
            // Every third birth not searched.
            let born: Vec<u32> = (0..n as u32).filter(|b| b % 3 != 1).collect();
            let threshold = |_, k: usize| thresholds[born[k] as usize];
            let deaths = first_later_reached(&values, |v| *v, sign, 1, threshold, &born);
            prop_assert_eq!(deaths[0].len(), born.len());
            for (&b, &death) in born.iter().zip(&deaths[0]) {
                let b = b as usize;
                prop_assert_eq!(death, linear_scan(&values, sign, b, thresholds[b]));
            }
        }
    }
}
