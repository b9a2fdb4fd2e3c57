//! The merging live mode does (polled bars, open interest and streamed liquidations into the
//! dataset shown, through `dataset::merge`), and the fetch window's request, by hand.

use liqmap::dataset::merge::{merge_bars, merge_liquidations, merge_open_interest};
use liqmap::model::{Bar, Dataset, Liquidation, OpenInterestSample, Side};
use liqmap::source::{LatestSample, RequestError, Venue};
use liqmap::ui::fetch_form::{FetchForm, RangeChoice};

const MIN_MS: i64 = 60_000;

fn bar(i: i64, close: f64) -> Bar {
    Bar {
        open_time_ms: i * MIN_MS,
        open: 100.0,
        high: 110.0,
        low: 90.0,
        close,
        volume: 5.0,
        taker_buy_volume: None,
        quote_volume: None,
    }
}

fn oi(i: i64, open_interest: f64) -> OpenInterestSample {
    OpenInterestSample {
        time_ms: i * MIN_MS,
        open_interest,
        value_usd: None,
    }
}

/// Merges a poll into `d` as live mode does; whether the bars or the open interest changed.
fn merge_latest(d: &mut Dataset, sample: &LatestSample) -> bool {
    let bars = merge_bars(&mut d.bars, &sample.bars).changed();
    let oi = sample.open_interest.as_slice();
    bars | merge_open_interest(&mut d.open_interest, oi).changed()
}

fn dataset() -> Dataset {
    Dataset {
        exchange: "binance-usdm".into(),
        symbol: "BTCUSDT".into(),
        interval_ms: MIN_MS,
        bars: (0..3).map(|i| bar(i, 100.0)).collect(),
        open_interest: vec![oi(0, 10.0), oi(2, 12.0)],
        liquidations: Vec::new(),
    }
}

#[test]
fn the_open_bar_is_replaced_and_a_new_bar_added() {
    let mut d = dataset();
    let sample = LatestSample {
        bars: vec![bar(2, 104.0), bar(3, 105.0)],
        open_interest: Some(oi(3, 13.0)),
    };
    assert!(merge_latest(&mut d, &sample));
    let closes: Vec<f64> = d.bars.iter().map(|b| b.close).collect();
    assert_eq!(closes, [100.0, 100.0, 104.0, 105.0]);
    assert_eq!(d.open_interest, vec![oi(0, 10.0), oi(2, 12.0), oi(3, 13.0)]);
    // The same sample again changes nothing.
    assert!(!merge_latest(&mut d, &sample));
    assert_eq!(d.bars.len(), 4);
    assert_eq!(d.open_interest.len(), 3);
}

#[test]
fn open_interest_at_a_known_time_is_replaced_and_a_late_bar_lands_in_order() {
    let mut d = dataset();
    d.bars.remove(1);
    let sample = LatestSample {
        bars: vec![bar(1, 101.0)],
        open_interest: Some(oi(2, 20.0)),
    };
    assert!(merge_latest(&mut d, &sample));
    let times: Vec<i64> = d.bars.iter().map(|b| b.open_time_ms).collect();
    assert_eq!(times, [0, MIN_MS, 2 * MIN_MS]);
    assert_eq!(d.open_interest, vec![oi(0, 10.0), oi(2, 20.0)]);
}

#[test]
fn liquidations_are_kept_in_time_order() {
    let mut d = dataset();
    let at = |t: i64, price: f64| Liquidation {
        time_ms: t,
        side: Side::Short,
        price,
        quantity: 1.0,
    };
    assert_eq!(
        merge_liquidations(&mut d.liquidations, &[at(50, 1.0), at(10, 2.0)]).added,
        2
    );
    assert_eq!(
        merge_liquidations(&mut d.liquidations, &[at(30, 3.0), at(50, 4.0)]).added,
        2
    );
    // A stream that reconnected sends an event again: it is held already, nothing is added.
    assert_eq!(
        merge_liquidations(&mut d.liquidations, &[at(10, 2.0), at(60, 5.0)]).added,
        1
    );
    assert_eq!(
        merge_liquidations(&mut d.liquidations, &[at(60, 5.0)]).added,
        0
    );
    assert_eq!(d.liquidations.len(), 5);
    d.liquidations.pop();
    let seen: Vec<(i64, f64)> = d
        .liquidations
        .iter()
        .map(|l| (l.time_ms, l.price))
        .collect();
    assert_eq!(seen, [(10, 2.0), (30, 3.0), (50, 1.0), (50, 4.0)]);
}

#[test]
fn the_form_gives_a_span_up_to_now_or_a_custom_one() {
    let now_ms = 1_760_000_000_000;
    let mut form = FetchForm {
        venue: Venue::Bybit,
        symbol: " ETHUSDT ".into(),
        interval: "15m".into(),
        range: RangeChoice::Days3,
        ..FetchForm::default()
    };
    let request = form.request(now_ms).unwrap();
    assert_eq!(request.venue, Venue::Bybit);
    assert_eq!(request.symbol, "ETHUSDT");
    assert_eq!(request.interval_ms, 15 * MIN_MS);
    assert_eq!(
        (request.start_ms, request.end_ms),
        (now_ms - 3 * 86_400_000, now_ms)
    );

    form.range = RangeChoice::Custom;
    form.from = "2025-10-10T00:00:00Z".into();
    form.to = "2025-10-11T00:00:00Z".into();
    let request = form.request(now_ms).unwrap();
    assert_eq!(
        (request.start_ms, request.end_ms),
        (1_760_054_400_000, 1_760_140_800_000)
    );

    form.to = "2025-10-09T00:00:00Z".into();
    assert_eq!(form.request(now_ms), Err(RequestError::EmptySpan));
    form.to = "yesterday".into();
    assert!(form.request(now_ms).is_err());
    form.symbol = "  ".into();
    assert_eq!(form.request(now_ms), Err(RequestError::NoSymbol));
}
