//! A hit rate with its counts and a 95% Wilson score interval.

use serde::Serialize;

/// The normal quantile of a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// How often something happened: hits out of a total, the rate, and a 95% interval.
///
/// The interval is Wilson's score interval, which stays inside [0, 1] and behaves at small counts
/// where the normal approximation does not. It assumes independent trials: see the caveat on
/// [`super::ScoreReport`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    /// Trials that succeeded.
    pub hits: u64,
    /// Trials in all.
    pub total: u64,
    /// `hits / total`; `None` when there were no trials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// Lower end of the 95% Wilson interval; `None` when there were no trials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci95_low: Option<f64>,
    /// Upper end of the 95% Wilson interval; `None` when there were no trials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci95_high: Option<f64>,
}

impl Rate {
    /// The rate of `hits` out of `total` (hits above the total are clamped to it).
    pub fn new(hits: u64, total: u64) -> Rate {
        let hits = hits.min(total);
        let interval = wilson_interval(hits, total);
        Rate {
            hits,
            total,
            rate: (total > 0).then(|| hits as f64 / total as f64),
            ci95_low: interval.map(|i| i.0),
            ci95_high: interval.map(|i| i.1),
        }
    }
}

/// Counts hits and trials, then becomes a [`Rate`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Trials that succeeded.
    pub hits: u64,
    /// Trials in all.
    pub total: u64,
}

impl Tally {
    /// Counts one trial.
    pub fn add(&mut self, hit: bool) {
        self.total += 1;
        if hit {
            self.hits += 1;
        }
    }

    /// The rate so far.
    pub fn rate(self) -> Rate {
        Rate::new(self.hits, self.total)
    }
}

/// The 95% Wilson score interval of `hits` out of `total`, or `None` for no trials.
pub fn wilson_interval(hits: u64, total: u64) -> Option<(f64, f64)> {
    if total == 0 {
        return None;
    }
    let n = total as f64;
    let p = hits.min(total) as f64 / n;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denominator;
    let half = Z95 / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(((center - half).max(0.0), (center + half).min(1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_by_hand() {
        // 8/10: p = 0.8, z^2/n = 0.38415, denominator 1.38415, center (0.8 + 0.19207) / 1.38415
        // = 0.71674, half 1.95996 / 1.38415 * sqrt(0.016 + 0.0096037) = 0.22658:
        // [0.4902, 0.9433].
        let (low, high) = wilson_interval(8, 10).unwrap();
        assert!((low - 0.490).abs() < 5e-4, "{low}");
        assert!((high - 0.943).abs() < 5e-4, "{high}");
        // 0/10: center = half = 0.19207 / 1.38415 = 0.13877 -> [0, 0.2775].
        let (low, high) = wilson_interval(0, 10).unwrap();
        assert_eq!(low, 0.0);
        assert!((high - 0.2775).abs() < 5e-4, "{high}");
        assert_eq!(wilson_interval(0, 0), None);
    }

    #[test]
    fn rate_counts() {
        let mut tally = Tally::default();
        for hit in [true, false, true, true] {
            tally.add(hit);
        }
        let rate = tally.rate();
        assert_eq!((rate.hits, rate.total, rate.rate), (3, 4, Some(0.75)));
        assert_eq!(Rate::new(0, 0).rate, None);
    }
}
