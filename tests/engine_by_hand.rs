//! The engine on two- and three-bar cases worked out by hand from the model's rules.

use liqmap::engine::{Engine, GridRequest, LayerSelection};
use liqmap::model::{Bar, Dataset, OpenInterestSample, Side};
use liqmap::settings::{
    HalfLife, LeverageTier, ModelSettings, OiDecrease, SourceChoice, SplitChoice, TierList,
};

const MIN: i64 = 60_000;

fn bar(i: i64, open: f64, high: f64, low: f64, close: f64, volume: f64) -> Bar {
    Bar {
        open_time_ms: i * MIN,
        open,
        high,
        low,
        close,
        volume,
        taker_buy_volume: None,
        quote_volume: None,
    }
}

fn dataset(bars: Vec<Bar>, oi: &[(i64, f64)]) -> Dataset {
    Dataset {
        exchange: "test".into(),
        symbol: "TESTUSDT".into(),
        interval_ms: MIN,
        bars,
        open_interest: oi
            .iter()
            .map(|&(time_ms, open_interest)| OpenInterestSample {
                time_ms,
                open_interest,
                value_usd: None,
            })
            .collect(),
        liquidations: Vec::new(),
    }
}

/// One 10x tier, no maintenance margin: long levels at 0.9 E, short at 1.1 E.
fn ten_x(source: SourceChoice, split: SplitChoice) -> ModelSettings {
    ModelSettings {
        source,
        split,
        tiers: TierList(vec![LeverageTier {
            leverage: 10.0,
            weight: 1.0,
        }]),
        mmr: 0.0,
        ..ModelSettings::default()
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// (row price low, long, short) of every non-empty map row.
fn map_rows(engine: &Engine, bar: usize, bin: f64) -> Vec<(f64, f64, f64)> {
    let map = engine
        .map_at(bar, bin, &engine.default_selection())
        .unwrap();
    map.non_empty_rows()
        .map(|r| (r.price_low, r.long_usd, r.short_usd))
        .collect()
}

#[test]
fn volume_mode_levels_stand_until_price_reaches_them() {
    // Bar 0: flat at 100, volume 2 -> 200 USD new, half long at 90, half short at 110.
    // Bar 1: 95..105, typical 100, volume 1 -> 50 USD long at 90, 50 short at 110; no death.
    // Bar 2: high 111 reaches 110: every short dies; low 99 leaves the longs.
    let data = dataset(
        vec![
            bar(0, 100.0, 100.0, 100.0, 100.0, 2.0),
            bar(1, 100.0, 105.0, 95.0, 100.0, 1.0),
            bar(2, 100.0, 111.0, 99.0, 105.0, 0.0),
        ],
        &[],
    );
    let engine = Engine::new(&data, &ten_x(SourceChoice::Volume, SplitChoice::Fixed(0.5))).unwrap();
    // Volume mode knows no open interest to explain.
    assert_eq!(
        engine.explained_open_interest(1, &engine.default_selection()),
        Ok(None)
    );
    let at1 = map_rows(&engine, 1, 1.0);
    assert_eq!(at1.len(), 2);
    assert!(close(at1[0].0, 90.0) && close(at1[0].1, 150.0) && at1[0].2 == 0.0);
    assert!(close(at1[1].0, 110.0) && at1[1].1 == 0.0 && close(at1[1].2, 150.0));
    let at2 = map_rows(&engine, 2, 1.0);
    assert_eq!(at2.len(), 1);
    assert!(close(at2[0].0, 90.0) && close(at2[0].1, 150.0));
    // The deaths at bar 2 are the predicted liquidations: 100 + 50 USD of shorts at 110.
    let deaths = engine.predicted_liquidations(&engine.default_selection());
    assert_eq!(deaths.len(), 2);
    assert!(deaths.iter().all(|d| d.bar == 2 && d.side == Side::Short));
    assert!(close(deaths.iter().map(|d| d.notional_usd).sum(), 150.0));
}

#[test]
fn maintenance_margin_moves_liquidation_prices_by_the_formula() {
    // E = 100, L = 10, m = 0.004: long 100 * 0.9 / 0.996, short 100 * 1.1 / 1.004.
    let data = dataset(vec![bar(0, 100.0, 100.0, 100.0, 100.0, 1.0)], &[]);
    let settings = ModelSettings {
        mmr: 0.004,
        ..ten_x(SourceChoice::Volume, SplitChoice::Fixed(0.5))
    };
    let engine = Engine::new(&data, &settings).unwrap();
    let levels: Vec<_> = engine.standing_at(0).unwrap().collect();
    let long = levels.iter().find(|l| l.side == Side::Long).unwrap();
    let short = levels.iter().find(|l| l.side == Side::Short).unwrap();
    assert!(close(long.price, 90.361_445_783_132_53));
    assert!(close(short.price, 109.561_752_988_047_8));
}

#[test]
fn the_bar_that_opens_a_level_never_kills_it() {
    // Bar 0 spans 50..150 (typical 100): its own 10x levels at 90 and 110 lie inside its range.
    let data = dataset(vec![bar(0, 100.0, 150.0, 50.0, 100.0, 1.0)], &[]);
    let engine = Engine::new(&data, &ten_x(SourceChoice::Volume, SplitChoice::Fixed(0.5))).unwrap();
    assert_eq!(engine.standing_at(0).unwrap().count(), 2);
}

#[test]
fn falling_open_interest_shrinks_and_fade_halves() {
    // OI in force at each bar is the sample at its close: 10, 12, 9.
    // Bar 1: dOI = +2 at typical 100 -> 200 USD; split 0.25 -> 50 long at 90, 150 short at 110.
    // Bar 2: dOI = -3 -> every standing level x 9/12 = 0.75: 37.5 long, 112.5 short.
    let data = dataset(
        vec![
            bar(0, 100.0, 100.0, 100.0, 100.0, 5.0),
            bar(1, 100.0, 101.0, 99.0, 100.0, 5.0),
            bar(2, 100.0, 102.0, 98.0, 100.0, 5.0),
        ],
        &[(MIN, 10.0), (2 * MIN, 12.0), (3 * MIN, 9.0)],
    );
    let shrink = ten_x(SourceChoice::OpenInterest, SplitChoice::Fixed(0.25));
    let engine = Engine::new(&data, &shrink).unwrap();
    assert!(
        map_rows(&engine, 0, 1.0).is_empty(),
        "dOI_0 is 0: nothing opens"
    );
    let at1 = map_rows(&engine, 1, 1.0);
    assert!(close(at1[0].1, 50.0) && close(at1[1].2, 150.0));
    let at2 = map_rows(&engine, 2, 1.0);
    assert!(close(at2[0].1, 37.5) && close(at2[1].2, 112.5));
    // The levels hold the 2 coins opened at bar 1 out of 12 open; after the shrink 1.5 of 9.
    let all = engine.default_selection();
    assert_eq!(engine.explained_open_interest(0, &all), Ok(Some(0.0)));
    let explained = |bar| engine.explained_open_interest(bar, &all).unwrap().unwrap();
    assert!(close(explained(1), 2.0 / 12.0));
    assert!(close(explained(2), 1.5 / 9.0));

    // Without shrink the levels keep their size.
    let keep = ModelSettings {
        oi_decrease: OiDecrease::None,
        ..shrink.clone()
    };
    let at2 = map_rows(&Engine::new(&data, &keep).unwrap(), 2, 1.0);
    assert!(close(at2[0].1, 50.0) && close(at2[1].2, 150.0));

    // A half-life of one bar halves every level once per later bar, on top of the shrink.
    let fade = ModelSettings {
        half_life: HalfLife(Some(1.0)),
        ..shrink
    };
    let at2 = map_rows(&Engine::new(&data, &fade).unwrap(), 2, 1.0);
    assert!(close(at2[0].1, 18.75) && close(at2[1].2, 56.25));
}

#[test]
fn taker_split_and_typical_entry() {
    // Typical (12 + 9 + 9) / 3 = 10; taker buys 3 of 4 -> 75% long. Volume 4 -> 40 USD:
    // 30 USD long at 9, 10 USD short at 11.
    let mut b = bar(0, 10.0, 12.0, 9.0, 9.0, 4.0);
    b.taker_buy_volume = Some(3.0);
    let engine = Engine::new(
        &dataset(vec![b], &[]),
        &ten_x(SourceChoice::Volume, SplitChoice::Auto),
    )
    .unwrap();
    let rows = map_rows(&engine, 0, 0.5);
    assert_eq!(rows.len(), 2);
    assert!(close(rows[0].0, 9.0) && close(rows[0].1, 30.0));
    assert!(close(rows[1].0, 11.0) && close(rows[1].2, 10.0));
}

#[test]
fn tiers_are_layers_that_toggle_without_recomputing() {
    // Two tiers, weights 3:1 -> shares 0.75 and 0.25. Volume 1 at 100 -> 50 USD a side.
    let data = dataset(
        vec![
            bar(0, 100.0, 100.0, 100.0, 100.0, 1.0),
            bar(1, 100.0, 100.5, 99.5, 100.0, 0.0),
        ],
        &[],
    );
    let settings = ModelSettings {
        source: SourceChoice::Volume,
        split: SplitChoice::Fixed(0.5),
        tiers: TierList(vec![
            LeverageTier {
                leverage: 10.0,
                weight: 3.0,
            },
            LeverageTier {
                leverage: 50.0,
                weight: 1.0,
            },
        ]),
        mmr: 0.0,
        ..ModelSettings::default()
    };
    let engine = Engine::new(&data, &settings).unwrap();
    // One column per bar, rows of 1 USD from 80 to 120.
    let request = GridRequest {
        start_ms: 0,
        end_ms: 2 * MIN,
        columns: 2,
        price_low: 80.0,
        price_high: 120.0,
        rows: 40,
    };
    let grid = engine.grid(&request).unwrap();
    let all = grid.compose(&engine.default_selection());
    let cell = |values: &[f64], price: f64, col: usize| {
        values[request.row_of_price(price).unwrap() * 2 + col]
    };
    // 10x long at 90: 0.75 * 50; 50x long at 98: 0.25 * 50; 50x short at 102, 10x short at 110.
    assert!(close(cell(&all, 90.0, 1), 37.5));
    assert!(close(cell(&all, 98.0, 1), 12.5));
    assert!(close(cell(&all, 102.0, 1), 12.5));
    assert!(close(cell(&all, 110.0, 1), 37.5));
    let only_10x = LayerSelection {
        tier_share: vec![0.75, 0.0],
        sides: [true, true],
    };
    let some = grid.compose(&only_10x);
    assert!(close(cell(&some, 90.0, 1), 37.5));
    assert_eq!(cell(&some, 98.0, 1), 0.0);
    let only_shorts = LayerSelection {
        tier_share: vec![0.75, 0.25],
        sides: [false, true],
    };
    let shorts = grid.compose(&only_shorts);
    assert_eq!(cell(&shorts, 90.0, 0), 0.0);
    assert!(close(cell(&shorts, 110.0, 0), 37.5));
}
