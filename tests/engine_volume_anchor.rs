//! Volume mode in USD (issue 11 item 7): scaled so that what stands at the last bar equals an
//! open-interest figure, typed or the dataset's latest; relative and labelled so without one.
//! Every figure below is worked out by hand from the model's rules.

use liqmap::engine::{Engine, LayerSelection, ValueUnit};
use liqmap::model::{Bar, Dataset, OpenInterestSample, Side};
use liqmap::settings::{
    AnchorFrom, LeverageTier, ModelSettings, SourceChoice, SplitChoice, TierList,
};

const MIN: i64 = 60_000;

/// A flat bar at 100: no level of a 10x tier (long 90, short 110) is ever crossed.
fn flat(i: i64, volume: f64) -> Bar {
    Bar {
        open_time_ms: i * MIN,
        open: 100.0,
        high: 100.0,
        low: 100.0,
        close: 100.0,
        volume,
        taker_buy_volume: None,
        quote_volume: None,
    }
}

fn dataset(volumes: &[f64], oi: &[(i64, f64)]) -> Dataset {
    Dataset {
        exchange: "test".into(),
        symbol: "TESTUSDT".into(),
        interval_ms: MIN,
        bars: volumes
            .iter()
            .enumerate()
            .map(|(i, &v)| flat(i as i64, v))
            .collect(),
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

fn settings(source: SourceChoice, anchor: Option<f64>) -> ModelSettings {
    ModelSettings {
        source,
        split: SplitChoice::Fixed(0.5),
        tiers: TierList(vec![LeverageTier {
            leverage: 10.0,
            weight: 1.0,
        }]),
        mmr: 0.0,
        oi_anchor_usd: anchor,
        ..ModelSettings::default()
    }
}

/// (longs, shorts) standing at the last bar, all tiers at their weight.
fn totals(engine: &Engine) -> (f64, f64) {
    let selection = LayerSelection::all(&engine.settings().tiers);
    let map = engine
        .map_at(engine.bar_count() - 1, 1.0, &selection)
        .expect("map");
    (map.total_usd(Side::Long), map.total_usd(Side::Short))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

#[test]
fn without_open_interest_volume_mode_is_relative_and_unscaled() {
    // Volumes 1, 2, 3 at 100: 100, 200, 300 USD of new positions, half long: 300 a side.
    let data = dataset(&[1.0, 2.0, 3.0], &[]);
    let engine = Engine::new(&data, &settings(SourceChoice::Auto, None)).expect("engine");
    let (longs, shorts) = totals(&engine);
    assert!(
        close(longs, 300.0) && close(shorts, 300.0),
        "{longs} {shorts}"
    );
    assert_eq!(engine.value_unit(), ValueUnit::Relative);
    assert!(!engine.value_unit().is_usd());
    assert!(engine.settings().summary().contains("relative"));
}

#[test]
fn a_typed_figure_scales_the_standing_total_to_it() {
    // 600 standing; 6000 typed: every notional times 10, 3000 a side.
    let data = dataset(&[1.0, 2.0, 3.0], &[]);
    let engine = Engine::new(&data, &settings(SourceChoice::Volume, Some(6000.0))).expect("engine");
    let (longs, shorts) = totals(&engine);
    assert!(
        close(longs, 3000.0) && close(shorts, 3000.0),
        "{longs} {shorts}"
    );
    // The bar of volume 1 carried 100 USD before, 1000 now.
    assert!(close(engine.inputs().new_usd[0][0], 500.0));
    match engine.value_unit() {
        ValueUnit::ScaledToOpenInterest(anchor) => {
            assert_eq!(anchor.from, AnchorFrom::Typed);
            assert!(close(anchor.oi_usd, 6000.0));
        }
        other => panic!("expected scaled, got {other:?}"),
    }
}

#[test]
fn one_current_open_interest_figure_anchors_volume_mode() {
    // Hyperliquid-like: one sample of 50 coins at the end, priced at the close 100: 5000 USD.
    // One sample gives no change to map from, so auto runs volume mode, scaled by 5000 / 600.
    let data = dataset(&[1.0, 2.0, 3.0], &[(3 * MIN, 50.0)]);
    let engine = Engine::new(&data, &settings(SourceChoice::Auto, None)).expect("engine");
    let (longs, shorts) = totals(&engine);
    assert!(
        close(longs, 2500.0) && close(shorts, 2500.0),
        "{longs} {shorts}"
    );
    assert_eq!(
        engine.value_unit(),
        ValueUnit::ScaledToOpenInterest(liqmap::settings::VolumeAnchor {
            oi_usd: 5000.0,
            from: AnchorFrom::Dataset { time_ms: 3 * MIN },
        })
    );
    // A typed figure wins over the dataset's.
    let typed = Engine::new(&data, &settings(SourceChoice::Auto, Some(1200.0))).expect("engine");
    assert!(close(totals(&typed).0, 600.0));
}

#[test]
fn auto_maps_from_open_interest_only_when_it_covers_the_first_half() {
    // Four bars, 0..4 minutes. Samples from the close of bar 0 on: open-interest mode, and the
    // map is the rises in open interest (10 coins at 100 between bars 0 and 1), not turnover.
    let early = dataset(&[1.0, 2.0, 3.0, 4.0], &[(MIN, 100.0), (2 * MIN, 110.0)]);
    let engine = Engine::new(&early, &settings(SourceChoice::Auto, None)).expect("engine");
    assert_eq!(engine.value_unit(), ValueUnit::Usd);
    let (longs, shorts) = totals(&engine);
    assert!(
        close(longs, 500.0) && close(shorts, 500.0),
        "{longs} {shorts}"
    );
    // Samples only after the middle (2 minutes): volume mode, scaled to the last one.
    let late = dataset(&[1.0, 2.0, 3.0, 4.0], &[(3 * MIN, 100.0), (4 * MIN, 120.0)]);
    let engine = Engine::new(&late, &settings(SourceChoice::Auto, None)).expect("engine");
    assert!(matches!(
        engine.value_unit(),
        ValueUnit::ScaledToOpenInterest(_)
    ));
    // Turnover 1000 USD scaled to 120 coins x 100.
    let (longs, shorts) = totals(&engine);
    assert!(close(longs + shorts, 12_000.0), "{longs} {shorts}");
}

#[test]
fn live_growth_scales_again_as_a_fresh_build_does() {
    // Scaled x10 at load (600 -> 6000). A fourth bar of volume 4 (400 USD) joins: 1000 before
    // scaling, scaled again to 6000 (x6), as a fresh build of the grown dataset gives.
    let data = dataset(&[1.0, 2.0, 3.0], &[]);
    let model = settings(SourceChoice::Volume, Some(6000.0));
    let engine = Engine::new(&data, &model).expect("engine");
    let grown = dataset(&[1.0, 2.0, 3.0, 4.0], &[]);
    let extended = engine.extended(&grown, &model).expect("extended");
    let (longs, shorts) = totals(&extended);
    assert!(close(longs + shorts, 6000.0), "{longs} {shorts}");
    assert!(close(extended.inputs().new_usd[0][3], 200.0 * 6.0));
    let fresh = Engine::new(&grown, &model).expect("engine");
    assert_eq!(extended.inputs(), fresh.inputs());
}

#[test]
fn a_figure_that_is_not_a_positive_number_is_refused() {
    let data = dataset(&[1.0, 2.0, 3.0], &[]);
    for bad in [0.0, -5.0, f64::NAN, f64::INFINITY] {
        let err =
            Engine::new(&data, &settings(SourceChoice::Volume, Some(bad))).expect_err("refused");
        assert!(err.to_string().contains("--oi-anchor-usd"), "{err}");
    }
}
