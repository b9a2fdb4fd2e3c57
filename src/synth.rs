//! A seeded generator of synthetic market data, for benchmarks where size is the point (a year
//! of one-minute bars). Tests and the bundled samples use real data; this is never shown as real.

use crate::model::{Bar, Dataset, OpenInterestSample};

/// SplitMix64: a small, well-mixed generator, so the same seed gives the same data everywhere.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// `bars` bars of `interval_ms` starting at 2024-01-01 UTC, a random walk around 60,000 USD with
/// slowly varying volatility, taker-buy volume, and open interest sampled every
/// `oi_period_ms` (aligned to bar closes) that drifts with bursts of opening and closing.
pub fn synthetic_dataset(bars: usize, interval_ms: i64, oi_period_ms: i64, seed: u64) -> Dataset {
    let mut walk = Walk::new(interval_ms, oi_period_ms, seed);
    for _ in 0..bars {
        walk.step(0.0);
    }
    walk.into_dataset()
}

/// The walk of [`synthetic_dataset`] made one bar at a time, so that a test can steer it with a
/// drift chosen from what it has made so far (a price pulled toward levels, say). With no drift
/// it makes the same bars as [`synthetic_dataset`] for the same seed.
pub struct Walk {
    rng: SplitMix64,
    interval_ms: i64,
    oi_period_ms: i64,
    price: f64,
    volatility: f64,
    open_interest: f64,
    dataset: Dataset,
}

impl Walk {
    /// A walk with no bars yet, starting at 60,000 USD on 2024-01-01 UTC.
    pub fn new(interval_ms: i64, oi_period_ms: i64, seed: u64) -> Walk {
        Walk {
            rng: SplitMix64(seed),
            interval_ms,
            oi_period_ms,
            price: 60_000.0,
            volatility: 0.0008,
            open_interest: 80_000.0,
            dataset: Dataset {
                exchange: "synthetic".into(),
                symbol: "SYNTHUSDT".into(),
                interval_ms,
                bars: Vec::new(),
                open_interest: Vec::new(),
                liquidations: Vec::new(),
            },
        }
    }

    /// The bars and open interest so far.
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// The bars and open interest made.
    pub fn into_dataset(self) -> Dataset {
        self.dataset
    }

    /// Adds one bar whose price moves by `drift` (a share of the price, 0.01 = +1%) on top of the
    /// noise.
    pub fn step(&mut self, drift: f64) {
        const START_MS: i64 = 1_704_067_200_000;
        let rng = &mut self.rng;
        let i = self.dataset.bars.len();
        self.volatility = (self.volatility * (1.0 + 0.05 * rng.normal())).clamp(0.0002, 0.006);
        let volatility = self.volatility;
        let open = self.price;
        let mut high = open;
        let mut low = open;
        // Four sub-steps give the bar a path, so high and low are not just open and close.
        for _ in 0..4 {
            self.price *= 1.0 + drift / 4.0 + volatility / 2.0 * rng.normal();
            high = high.max(self.price);
            low = low.min(self.price);
        }
        let round = |p: f64| (p * 10.0).round() / 10.0;
        let (open, close) = (round(open), round(self.price));
        let high = round(high * (1.0 + 0.0003 * rng.uniform())).max(open.max(close));
        let low = round(low * (1.0 - 0.0003 * rng.uniform())).min(open.min(close));
        let volume =
            ((50.0 + 400.0 * volatility / 0.001 * rng.uniform()) * 1000.0).round() / 1000.0;
        let up = if close >= open { 0.55 } else { 0.45 };
        let taker = (volume * (up + 0.1 * (rng.uniform() - 0.5)) * 1000.0).round() / 1000.0;
        let open_time_ms = START_MS + i as i64 * self.interval_ms;
        self.dataset.bars.push(Bar {
            open_time_ms,
            open,
            high,
            low,
            close,
            volume,
            taker_buy_volume: Some(taker.min(volume)),
            quote_volume: Some(volume * (high + low + close) / 3.0),
        });
        let close_ms = open_time_ms + self.interval_ms;
        if self.oi_period_ms > 0 && close_ms % self.oi_period_ms == 0 {
            self.open_interest *= 1.0 + 0.002 * rng.normal() + 0.00002;
            self.dataset.open_interest.push(OpenInterestSample {
                time_ms: close_ms,
                open_interest: (self.open_interest * 1000.0).round() / 1000.0,
                value_usd: Some(self.open_interest * close),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data_and_bars_are_well_formed() {
        let a = synthetic_dataset(2_000, 60_000, 300_000, 7);
        let b = synthetic_dataset(2_000, 60_000, 300_000, 7);
        assert_eq!(a, b);
        assert_ne!(a, synthetic_dataset(2_000, 60_000, 300_000, 8));
        assert!(
            a.bars.iter().all(|b| b.low <= b.open.min(b.close)
                && b.high >= b.open.max(b.close)
                && b.low > 0.0)
        );
        // One open-interest sample every five one-minute bars.
        assert_eq!(a.open_interest.len(), 400);
    }

    #[test]
    fn a_drift_moves_the_walk_and_no_drift_repeats_it() {
        let mut up = Walk::new(60_000, 300_000, 7);
        for _ in 0..200 {
            up.step(0.001);
        }
        let up = up.into_dataset();
        let plain = synthetic_dataset(200, 60_000, 300_000, 7);
        // +0.1% a bar for 200 bars on the same noise: about 1.001^200 = 1.22 times higher.
        let ratio = up.bars[199].close / plain.bars[199].close;
        assert!((ratio - 1.221).abs() < 0.01, "{ratio}");
    }
}
