//! "The first later bar whose low reaches this price": the death index of a level.
//!
//! A sparse table of range minima answers it in O(log d) by galloping from the start (d is the
//! distance to the answer), so short-lived high-leverage levels cost a few steps and long-lived
//! ones at most O(log n).

/// Range minima over a series, for first-crossing queries.
pub struct FirstCrossing {
    /// `table[k][j]` is the minimum of `values[j .. j + 2^k]`; `table[0]` is the series itself.
    table: Vec<Vec<f64>>,
}

impl FirstCrossing {
    /// Builds the table over `values` (O(n log n) time and memory).
    pub fn new(values: Vec<f64>) -> Self {
        let n = values.len();
        let mut table = vec![values];
        let mut half = 1;
        while half * 2 <= n {
            let Some(prev) = table.last() else { break };
            let next: Vec<f64> = prev
                .iter()
                .zip(prev.iter().skip(half))
                .map(|(a, b)| a.min(*b))
                .collect();
            table.push(next);
            half *= 2;
        }
        FirstCrossing { table }
    }

    /// Number of values in the series.
    fn len(&self) -> usize {
        self.table.first().map_or(0, Vec::len)
    }

    /// The minimum of `values[pos .. pos + 2^k]`, or +inf past the table.
    fn block_min(&self, k: usize, pos: usize) -> f64 {
        self.table
            .get(k)
            .and_then(|level| level.get(pos))
            .copied()
            .unwrap_or(f64::INFINITY)
    }

    /// The first index `j >= start` with `values[j] <= threshold`, if any.
    pub fn first_at_or_below(&self, start: usize, threshold: f64) -> Option<usize> {
        let n = self.len();
        let mut pos = start;
        // Gallop: blocks of 1, 2, 4, ... from the start until one holds a crossing.
        let mut k = 0;
        while k < self.table.len() && pos + (1 << k) <= n {
            if self.block_min(k, pos) <= threshold {
                // The first crossing lies in [pos, pos + 2^k): halve the window k times.
                while k > 0 {
                    k -= 1;
                    if self.block_min(k, pos) > threshold {
                        pos += 1 << k;
                    }
                }
                return Some(pos);
            }
            pos += 1 << k;
            k += 1;
        }
        // The rest does not fit a doubling block: skip the largest crossing-free blocks greedily,
        // which adds up the binary digits of the distance to the first crossing.
        for k in (0..self.table.len()).rev() {
            if pos + (1 << k) <= n && self.block_min(k, pos) > threshold {
                pos += 1 << k;
            }
        }
        (pos < n && self.block_min(0, pos) <= threshold).then_some(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn linear_scan(values: &[f64], start: usize, threshold: f64) -> Option<usize> {
        (start..values.len()).find(|&j| values[j] <= threshold)
    }

    #[test]
    fn finds_the_first_crossing_by_hand() {
        let lows = vec![5.0, 4.0, 6.0, 3.0, 7.0, 2.0];
        let index = FirstCrossing::new(lows);
        assert_eq!(index.first_at_or_below(0, 4.5), Some(1));
        assert_eq!(index.first_at_or_below(2, 4.5), Some(3));
        assert_eq!(index.first_at_or_below(4, 3.0), Some(5));
        assert_eq!(index.first_at_or_below(0, 1.0), None);
        assert_eq!(index.first_at_or_below(6, 100.0), None);
        // Equality counts as a crossing: a low exactly at the price liquidates.
        assert_eq!(index.first_at_or_below(0, 2.0), Some(5));
    }

    proptest! {
        #[test]
        fn agrees_with_a_linear_scan(
            values in proptest::collection::vec(0.0f64..100.0, 0..300),
            start in 0usize..310,
            threshold in -1.0f64..101.0,
        ) {
            let index = FirstCrossing::new(values.clone());
            prop_assert_eq!(
                index.first_at_or_below(start, threshold),
                linear_scan(&values, start, threshold)
            );
        }
    }
}
