//! Tiny hand-built datasets for the score tests.
#![allow(dead_code)]

use liqmap::engine::Engine;
use liqmap::engine::score::ScoreParams;
use liqmap::model::{Bar, Dataset, Liquidation, Side};
use liqmap::settings::{LeverageTier, ModelSettings, SourceChoice, SplitChoice, TierList};

pub const MIN: i64 = 60_000;

/// The entry price of the one bar that opens positions: 10x levels land mid-row, long at 90.45
/// (row [90, 91)) and short at 110.55 (row [110, 111)).
pub const ENTRY: f64 = 100.5;

pub fn bar(i: usize, high: f64, low: f64, close: f64, volume: f64) -> Bar {
    Bar {
        open_time_ms: i as i64 * MIN,
        open: close,
        high,
        low,
        close,
        volume,
        taker_buy_volume: None,
        quote_volume: None,
    }
}

/// `n` one-minute bars flat at [`ENTRY`]; only bar 0 trades (volume 2: 201 USD, split by the
/// settings).
pub fn flat(n: usize) -> Vec<Bar> {
    (0..n)
        .map(|i| bar(i, ENTRY, ENTRY, ENTRY, if i == 0 { 2.0 } else { 0.0 }))
        .collect()
}

pub fn dataset(bars: Vec<Bar>, liquidations: Vec<Liquidation>) -> Dataset {
    Dataset {
        exchange: "test".into(),
        symbol: "TESTUSDT".into(),
        interval_ms: MIN,
        bars,
        open_interest: Vec::new(),
        liquidations,
    }
}

/// Volume source, one 10x tier, no maintenance margin, a fixed long share.
pub fn ten_x(long_share: f64) -> ModelSettings {
    ModelSettings {
        source: SourceChoice::Volume,
        split: SplitChoice::Fixed(long_share),
        tiers: TierList(vec![LeverageTier {
            leverage: 10.0,
            weight: 1.0,
        }]),
        mmr: 0.0,
        ..ModelSettings::default()
    }
}

/// Rows of 1 USD, a 5-bar horizon, a 15% window.
pub fn params() -> ScoreParams {
    ScoreParams {
        horizon_bars: 5,
        max_distance_pct: 15.0,
        ..ScoreParams::new(1.0, MIN)
    }
}

pub fn build_engine(data: &Dataset, settings: &ModelSettings) -> Engine {
    Engine::new(data, settings).unwrap()
}

pub fn liquidation(bar: usize, side: Side, price: f64, quantity: f64) -> Liquidation {
    Liquidation {
        time_ms: bar as i64 * MIN + 30_000,
        side,
        price,
        quantity,
    }
}

pub fn near(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

/// Every `null` in a JSON document, by its path.
pub fn nulls(v: &serde_json::Value, at: &str, found: &mut Vec<String>) {
    match v {
        serde_json::Value::Null => found.push(at.to_string()),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                nulls(item, &format!("{at}[{i}]"), found);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                nulls(item, &format!("{at}.{key}"), found);
            }
        }
        _ => {}
    }
}
