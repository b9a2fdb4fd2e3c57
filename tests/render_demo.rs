//! A synthetic demo chart, to look at by eye: `cargo test --test render_demo -- --ignored`
//! writes `$LIQMAP_DEMO_PNG` (default `/tmp/liqmap_demo.png`).

use liqmap::model::{Bar, Liquidation, Side};
use liqmap::render::{
    ChartSpec, ColorMap, ColorScale, ColorSettings, HeatGrid, ScaleTop, write_chart_png,
};

const MINUTE_MS: i64 = 60_000;
/// 2025-10-10 18:00 UTC.
const START_MS: i64 = 1_760_119_200_000;

/// A deterministic pseudo-random number in [0, 1).
fn noise(i: u64) -> f64 {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

fn synthetic_bars(count: usize) -> Vec<Bar> {
    let mut price = 45.0;
    (0..count)
        .map(|i| {
            let crash = if (180..195).contains(&i) { -0.012 } else { 0.0 };
            let drift = (noise(i as u64) - 0.5) * 0.006 + crash + 0.0003;
            let open = price;
            let close = open * (1.0 + drift);
            let high = open.max(close) * (1.0 + noise(i as u64 + 7777) * 0.002);
            let low = open.min(close) * (1.0 - noise(i as u64 + 9999) * 0.002);
            price = close;
            Bar {
                open_time_ms: START_MS + i as i64 * MINUTE_MS,
                open,
                high,
                low,
                close,
                volume: 1000.0,
                taker_buy_volume: None,
                quote_volume: None,
            }
        })
        .collect()
}

/// A crude stand-in for the engine: liquidation levels of 10x/25x/50x/100x positions opened at
/// every bar, removed once price trades through them.
fn synthetic_grid(bars: &[Bar], rows: usize, low: f64, high: f64) -> Vec<f64> {
    let columns = bars.len();
    let mut levels = vec![0.0; rows];
    let mut grid = vec![0.0; rows * columns];
    let row_of = |price: f64| ((price - low) / (high - low) * rows as f64).floor();
    for (col, bar) in bars.iter().enumerate() {
        let entry = bar.typical_price();
        for (leverage, weight) in [(10.0, 0.3), (25.0, 0.3), (50.0, 0.25), (100.0, 0.15)] {
            for side in [-1.0, 1.0] {
                let price = entry * (1.0 + side * (1.0 / leverage - 0.004));
                let row = row_of(price);
                if row >= 0.0 && (row as usize) < rows {
                    levels[row as usize] += 40_000.0 * weight * (0.5 + noise(col as u64));
                }
            }
        }
        let (lo_row, hi_row) = (row_of(bar.low).max(0.0), row_of(bar.high).max(0.0));
        let crossed = lo_row as usize..=(hi_row as usize).min(rows - 1);
        levels
            .iter_mut()
            .enumerate()
            .filter(|(row, _)| crossed.contains(row))
            .for_each(|(_, level)| *level = 0.0);
        for (row, level) in levels.iter().enumerate() {
            grid[row * columns + col] = *level;
        }
    }
    grid
}

#[test]
#[ignore = "writes a demo picture to look at"]
fn write_demo_chart() {
    let bars = synthetic_bars(360);
    let (low, high) = (30.0, 56.0);
    let rows = 260;
    let values = synthetic_grid(&bars, rows, low, high);
    let liquidations: Vec<Liquidation> = (180..200)
        .map(|i| Liquidation {
            time_ms: START_MS + i * MINUTE_MS + 20_000,
            side: if i % 5 == 0 { Side::Short } else { Side::Long },
            price: bars[i as usize].low * 1.001,
            quantity: 2_000.0 + 30_000.0 * noise(i as u64 + 5),
        })
        .collect();
    let spec = ChartSpec {
        width_px: 1600,
        height_px: 900,
        title_lines: vec![
            "HYPEUSDT · binance-usdm · 1m · 2025-10-10 18:00 → 24:00 UTC".into(),
            "volume x1 · fixed 0.5 long · typical entry · mmr 0.4% · 10x 30%, 25x 30%, 50x 25%, 100x 15%".into(),
        ],
        grid: HeatGrid {
            values_usd: &values,
            rows,
            columns: bars.len(),
            start_ms: START_MS,
            end_ms: START_MS + bars.len() as i64 * MINUTE_MS,
            price_low_usd: low,
            price_high_usd: high,
        },
        colors: ColorSettings::default(),
        bars: &bars,
        interval_ms: MINUTE_MS,
        liquidations: &liquidations,
        last_price_usd: bars.last().map(|b| b.close),
        relative_values: false,
    };
    let path = std::env::var("LIQMAP_DEMO_PNG").unwrap_or_else(|_| "/tmp/liqmap_demo.png".into());
    write_chart_png(std::path::Path::new(&path), &spec).unwrap();

    // Small, another map, a log scale and a fixed top.
    let small = ChartSpec {
        width_px: 480,
        height_px: 300,
        colors: ColorSettings {
            map: ColorMap::Inferno,
            scale: ColorScale::Log,
            top: ScaleTop::FixedUsd(150_000.0),
            opacity: 1.0,
        },
        ..spec.clone()
    };
    write_chart_png(
        std::path::Path::new(&path.replace(".png", "_small.png")),
        &small,
    )
    .unwrap();

    // No grid at all, and a long title.
    let empty = ChartSpec {
        width_px: 900,
        height_px: 500,
        title_lines: vec![
            "BTCUSDT · binance-usdm · 1m · a very long first title line that runs under the key"
                .into(),
        ],
        grid: HeatGrid {
            values_usd: &[],
            rows: 0,
            columns: 0,
            ..spec.grid
        },
        ..spec.clone()
    };
    write_chart_png(
        std::path::Path::new(&path.replace(".png", "_empty.png")),
        &empty,
    )
    .unwrap();
}
