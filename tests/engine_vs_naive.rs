//! The fast engine against a straightforward simulation of the model, written here from the
//! rules alone: every level is kept in a list and re-examined at every bar.

use liqmap::engine::{Engine, GridRequest};
use liqmap::model::{Bar, Dataset, OpenInterestSample, Side};
use liqmap::settings::{
    EntryPrice, HalfLife, LeverageTier, ModelSettings, OiDecrease, SourceChoice, SplitChoice,
    TierList,
};
use proptest::prelude::*;

const MIN: i64 = 60_000;

/// A level of the naive simulation.
#[derive(Clone, Debug)]
struct NaiveLevel {
    side: Side,
    tier: usize,
    price: f64,
    usd: f64,
}

/// The state after step d of every bar, and the deaths at every bar (USD by side).
fn simulate(data: &Dataset, s: &ModelSettings) -> (Vec<Vec<NaiveLevel>>, Vec<[f64; 2]>) {
    let use_oi = match s.source {
        SourceChoice::Volume => false,
        SourceChoice::OpenInterest => true,
        SourceChoice::Auto => !data.open_interest.is_empty(),
    };
    let weight_sum: f64 = s.tiers.0.iter().map(|t| t.weight).sum();
    let mut standing: Vec<NaiveLevel> = Vec::new();
    let mut states = Vec::new();
    let mut deaths = Vec::new();
    let mut prev_oi: Option<f64> = None;
    for (i, b) in data.bars.iter().enumerate() {
        // a) deaths
        let mut died = [0.0; 2];
        standing.retain(|l| {
            let dies = match l.side {
                Side::Long => b.low <= l.price,
                Side::Short => b.high >= l.price,
            };
            if dies {
                died[l.side.index()] += l.usd;
            }
            !dies
        });
        deaths.push(died);
        // OI in force: latest sample at or before the bar's close.
        let oi = data
            .open_interest
            .iter()
            .rev()
            .find(|o| o.time_ms <= b.open_time_ms + data.interval_ms)
            .map(|o| o.open_interest);
        let d_oi = match (i, prev_oi, oi) {
            (0, _, _) => 0.0,
            (_, Some(p), Some(o)) => o - p,
            _ => 0.0,
        };
        // b) shrink
        if use_oi && s.oi_decrease == OiDecrease::Shrink && d_oi < 0.0 {
            let ratio = oi.unwrap() / prev_oi.unwrap();
            for l in &mut standing {
                l.usd *= ratio;
            }
        }
        // c) fade
        if let Some(h) = s.half_life.bars() {
            for l in &mut standing {
                l.usd *= 0.5f64.powf(1.0 / h);
            }
        }
        // d) new levels
        let entry = match s.entry {
            EntryPrice::Typical | EntryPrice::Vwap => (b.high + b.low + b.close) / 3.0,
            EntryPrice::Close => b.close,
        };
        let new_base = if use_oi {
            d_oi.max(0.0)
        } else {
            b.volume * s.participation
        };
        let long_share = match s.split {
            SplitChoice::Fixed(f) => f,
            SplitChoice::Candle => {
                if b.close >= b.open {
                    1.0
                } else {
                    0.0
                }
            }
            SplitChoice::Taker | SplitChoice::Auto => match b.taker_buy_volume {
                Some(t) if b.volume > 0.0 => t / b.volume,
                Some(_) => 0.5,
                None => 0.5,
            },
        };
        for (tier, t) in s.tiers.0.iter().enumerate() {
            let w = t.weight / weight_sum;
            let l = t.leverage;
            let usd = new_base * entry * w;
            if usd > 0.0 {
                standing.push(NaiveLevel {
                    side: Side::Long,
                    tier,
                    price: entry * (1.0 - 1.0 / l) / (1.0 - s.mmr),
                    usd: usd * long_share,
                });
                standing.push(NaiveLevel {
                    side: Side::Short,
                    tier,
                    price: entry * (1.0 + 1.0 / l) / (1.0 + s.mmr),
                    usd: usd * (1.0 - long_share),
                });
            }
        }
        states.push(standing.clone());
        if oi.is_some() {
            prev_oi = oi;
        }
    }
    if !use_oi {
        // Volume mode in USD: every notional times one factor, so that what stands after the
        // last bar adds up to the open interest typed, else the latest sample's coins times the
        // close of the last bar opened at or before it.
        let anchor_usd = s.oi_anchor_usd.or_else(|| {
            let o = data.open_interest.last()?;
            let b = data
                .bars
                .iter()
                .rev()
                .find(|b| b.open_time_ms <= o.time_ms)?;
            Some(o.value_usd.unwrap_or(o.open_interest * b.close))
        });
        let total: f64 = states.last().map_or(0.0, |l| l.iter().map(|l| l.usd).sum());
        if let Some(anchor_usd) = anchor_usd
            && anchor_usd > 0.0
            && total > 0.0
        {
            let k = anchor_usd / total;
            for level in states.iter_mut().flatten() {
                level.usd *= k;
            }
            for died in &mut deaths {
                died[0] *= k;
                died[1] *= k;
            }
        }
    }
    (states, deaths)
}

fn arb_dataset() -> impl Strategy<Value = Dataset> {
    (2usize..50, any::<u64>(), 0usize..4, prop::bool::ANY).prop_map(
        |(n, seed, oi_start, with_taker)| {
            // A small deterministic walk from the seed, so shrinking stays meaningful.
            let mut state = seed | 1;
            let mut next = move || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % 10_000) as f64 / 10_000.0
            };
            let mut price = 100.0;
            let mut oi = 1000.0;
            let mut bars = Vec::new();
            let mut samples = Vec::new();
            for i in 0..n {
                let open = price;
                price *= 1.0 + (next() - 0.5) * 0.08;
                let close = price;
                let high = open.max(close) * (1.0 + next() * 0.03);
                let low = open.min(close) * (1.0 - next() * 0.03);
                let volume = (next() * 10.0).floor();
                bars.push(Bar {
                    open_time_ms: i as i64 * MIN,
                    open,
                    high,
                    low,
                    close,
                    volume,
                    taker_buy_volume: with_taker.then(|| (volume * next()).floor()),
                    quote_volume: None,
                });
                oi *= 1.0 + (next() - 0.5) * 0.2;
                if i >= oi_start.min(n - 1) {
                    samples.push(OpenInterestSample {
                        time_ms: (i as i64 + 1) * MIN,
                        open_interest: oi,
                        value_usd: None,
                    });
                }
            }
            Dataset {
                exchange: "test".into(),
                symbol: "TESTUSDT".into(),
                interval_ms: MIN,
                bars,
                open_interest: samples,
                liquidations: Vec::new(),
            }
        },
    )
}

fn arb_settings() -> impl Strategy<Value = ModelSettings> {
    let tiers = prop::collection::vec(
        (
            prop::sample::select(vec![2.0, 5.0, 10.0, 25.0, 50.0, 100.0]),
            0.05f64..1.0,
        ),
        1..4,
    );
    (
        prop::bool::ANY,
        tiers,
        prop::sample::select(vec![0.0, 0.004, 0.01]),
        prop::sample::select(vec![EntryPrice::Typical, EntryPrice::Close]),
        prop::sample::select(vec![
            SplitChoice::Auto,
            SplitChoice::Candle,
            SplitChoice::Fixed(0.3),
        ]),
        prop::bool::ANY,
        prop::sample::select(vec![None, Some(1.5), Some(10.0)]),
        prop::sample::select(vec![1.0, 0.25]),
        prop::sample::select(vec![None, Some(5_000.0)]),
    )
        .prop_map(
            |(oi, tiers, mmr, entry, split, shrink, half_life_bars, participation, anchor)| {
                ModelSettings {
                    source: if oi {
                        SourceChoice::OpenInterest
                    } else {
                        SourceChoice::Volume
                    },
                    participation,
                    tiers: TierList(
                        tiers
                            .into_iter()
                            .map(|(leverage, weight)| LeverageTier { leverage, weight })
                            .collect(),
                    ),
                    mmr,
                    entry,
                    split,
                    oi_decrease: if shrink {
                        OiDecrease::Shrink
                    } else {
                        OiDecrease::None
                    },
                    half_life: HalfLife(half_life_bars),
                    oi_anchor_usd: anchor,
                }
            },
        )
}

/// The relative rounding of a number stored as f32 (half its machine epsilon, 2^-24).
const F32_ROUNDING: f64 = f32::EPSILON as f64 / 2.0;
/// The spacing of f32's subnormal numbers (2^-149): the absolute rounding below its smallest
/// normal.
const F32_SUBNORMAL_STEP: f64 = 1.401_298_464_324_817e-45;

fn assert_close(fast: f64, naive: f64, scale: f64, what: &str) -> Result<(), TestCaseError> {
    let tolerance = 1e-9 * scale.max(1e-300);
    prop_assert!(
        (fast - naive).abs() <= tolerance,
        "{what}: fast {fast} vs naive {naive} (scale {scale})"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn map_matches_the_naive_simulation(
        data in arb_dataset(),
        settings in arb_settings(),
        pick in 0.0f64..1.0,
        bin in prop::sample::select(vec![0.5, 1.0, 3.0]),
    ) {
        let engine = Engine::new(&data, &settings).unwrap();
        let (states, _) = simulate(&data, &settings);
        let t = ((data.bars.len() - 1) as f64 * pick) as usize;
        let map = engine.map_at(t, bin, &engine.default_selection()).unwrap();
        let total: f64 = states[t].iter().map(|l| l.usd).sum();
        // Sum the naive levels per (row, side) and compare with every map row.
        let mut expected = std::collections::BTreeMap::<(i64, usize), f64>::new();
        for l in &states[t] {
            *expected.entry(((l.price / bin).floor() as i64, l.side.index())).or_default() += l.usd;
        }
        for row in 0..map.row_count() {
            for side in Side::BOTH {
                let index = map.first_row + row as i64;
                let naive = expected.remove(&(index, side.index())).unwrap_or(0.0);
                assert_close(map.side_usd(row, side), naive, total, "map row")?;
            }
        }
        for (key, naive) in expected {
            assert_close(0.0, naive, total, &format!("row {key:?} missing from the map"))?;
        }
        // Per-tier shares add up as well.
        for tier in 0..settings.tiers.0.len() {
            let naive: f64 = states[t].iter().filter(|l| l.tier == tier).map(|l| l.usd).sum();
            let fast: f64 = (0..map.row_count())
                .map(|r| map.tier_usd(r, Side::Long, tier) + map.tier_usd(r, Side::Short, tier))
                .sum();
            assert_close(fast, naive, total, "tier total")?;
        }
    }

    #[test]
    fn grid_matches_the_naive_simulation(
        data in arb_dataset(),
        settings in arb_settings(),
        columns_per_bar in prop::sample::select(vec![0.3, 1.0, 2.5]),
        rows in 5usize..60,
    ) {
        let engine = Engine::new(&data, &settings).unwrap();
        let (states, _) = simulate(&data, &settings);
        let n = data.bars.len();
        let columns = ((n as f64 * columns_per_bar).ceil() as usize).max(1);
        let request = GridRequest {
            start_ms: 0,
            end_ms: n as i64 * MIN,
            columns,
            price_low: 50.0,
            price_high: 200.0,
            rows,
        };
        let grid = engine.grid(&request).unwrap();
        let values = grid.compose(&engine.default_selection());
        let height = (request.price_high - request.price_low) / rows as f64;
        let width = (n as i64 * MIN) as f64 / columns as f64;
        for col in 0..columns {
            // The column shows the last bar opening before the column ends.
            let col_end = col as f64 * width + width;
            let bar = data.bars.iter().rposition(|b| (b.open_time_ms as f64) < col_end).unwrap();
            let mut expected = vec![0.0; rows];
            for l in &states[bar] {
                let row = ((l.price - request.price_low) / height).floor();
                if row >= 0.0 && row < rows as f64 {
                    expected[row as usize] += l.usd;
                }
            }
            // A row's running sum adds each level where it first shows and subtracts it where
            // it dies, so what is left carries the rounding of everything that passed through
            // it: after levels of 1e3 USD cancel, a 4e-7 USD remainder is only good to about
            // 1e-9 of the 1e3, not of itself. The bound is the largest standing total so far.
            let total: f64 = states[..=bar]
                .iter()
                .map(|state| state.iter().map(|l| l.usd).sum::<f64>())
                .fold(0.0, f64::max);
            // Each layer's cell is then stored as f32: rounded to within 2^-24 of itself (the
            // layers are at most the cell's weighted sum, all of them positive), or by at most
            // 2^-149 below f32's smallest normal.
            let layers = 2.0 * settings.tiers.0.len() as f64;
            for (row, naive) in expected.iter().enumerate() {
                let fast = values[row * columns + col];
                let tolerance = 1e-9 * total.max(1e-300) * (1.0 + F32_ROUNDING)
                    + F32_ROUNDING * naive
                    + layers * F32_SUBNORMAL_STEP;
                prop_assert!(
                    (fast - naive).abs() <= tolerance,
                    "grid cell: fast {fast} vs naive {naive} (largest total {total})"
                );
            }
        }
    }

    #[test]
    fn predicted_liquidations_match_the_naive_deaths(
        data in arb_dataset(),
        settings in arb_settings(),
    ) {
        let engine = Engine::new(&data, &settings).unwrap();
        let (states, deaths) = simulate(&data, &settings);
        let mut fast = vec![[0.0; 2]; data.bars.len()];
        for d in engine.predicted_liquidations(&engine.default_selection()) {
            fast[d.bar][d.side.index()] += d.notional_usd;
        }
        for (bar, (f, n)) in fast.iter().zip(&deaths).enumerate() {
            let scale: f64 = states[bar.saturating_sub(1)].iter().map(|l| l.usd).sum();
            assert_close(f[0], n[0], scale, "long deaths")?;
            assert_close(f[1], n[1], scale, "short deaths")?;
        }
    }
}
