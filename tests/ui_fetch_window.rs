//! The fetch window driven like a user would (egui_kittest, no rendering): the symbol list is
//! searched and picked from, a custom range typed, Fetch clicked, and the fetched dataset shown.
#![allow(clippy::inconsistent_digit_grouping)]

#[path = "source_support/mod.rs"]
mod support;
#[path = "ui_support/mod.rs"]
mod ui_support;

use std::sync::Arc;

use egui_kittest::kittest::Queryable;
use liqmap::source::Venue;
use liqmap::ui::fetch_form::RangeChoice;
use liqmap::ui::state::SymbolList;
use serde_json::json;
use support::*;
use ui_support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[test]
fn pick_a_symbol_type_a_range_and_fetch() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/fapi/v1/klines"))
            .respond_with(BinanceKlines(btc_5m(), FIVE_MIN_MS))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/futures/data/openInterestHist"))
            .respond_with(BinanceOi(Arc::new(Vec::new())))
            .mount(&server)
            .await;
        let symbol = |s: &str, status: &str| {
            json!({"symbol": s, "contractType": "PERPETUAL", "status": status})
        };
        Mock::given(method("GET"))
            .and(path("/fapi/v1/exchangeInfo"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"symbols": [
                symbol("ETHUSDT", "TRADING"), symbol("BTCUSDT", "TRADING"),
                symbol("BTCDOMUSDT", "TRADING"), symbol("LUNAUSDT", "SETTLING")
            ]})))
            .mount(&server)
            .await;
        server
    });
    let mut settings = config(&server.uri(), BTC_NOW_MS);
    // Port 1 refuses connections: live mode must never reach the real venue.
    settings.ws_url = Some("ws://127.0.0.1:1".into());
    let mut harness = harness(settings);
    step_until(&mut harness, |a| a.state.data.engine.is_some());
    let sample = app(&mut harness).state.data.loaded.clone().unwrap().dataset;

    app(&mut harness).state.remote.form.open = true;
    step_until(&mut harness, |a| {
        matches!(
            a.state.remote.symbols.get(&Venue::Binance),
            Some(SymbolList::Ready(_))
        )
    });
    assert_eq!(
        app(&mut harness).state.remote.symbols[&Venue::Binance],
        SymbolList::Ready(vec![
            "BTCDOMUSDT".into(),
            "BTCUSDT".into(),
            "ETHUSDT".into()
        ])
    );
    // Search: "btc" lists the two BTC symbols and not ETH; pick the plain one.
    app(&mut harness).state.remote.form.symbol = "btc".into();
    harness.run_steps(2);
    assert!(harness.query_by_label("BTCDOMUSDT").is_some());
    assert!(harness.query_by_label("ETHUSDT").is_none());
    harness.get_by_label("BTCUSDT").click();
    harness.run_steps(2);
    assert_eq!(app(&mut harness).state.remote.form.symbol, "BTCUSDT");

    harness.get_by_label("custom").click();
    harness.run_steps(2);
    let form = &mut app(&mut harness).state.remote.form;
    assert_eq!(form.range, RangeChoice::Custom);
    form.from = "2025-09-19T00:35:00Z".into();
    form.to = "2025-09-20T00:35:00Z".into();
    harness.run_steps(2);
    harness.get_by_label("Fetch").click();
    step_until(&mut harness, |a| {
        a.state
            .data
            .loaded
            .as_ref()
            .is_some_and(|l| !Arc::ptr_eq(&l.dataset, &sample))
    });
    let dataset = app(&mut harness).state.data.loaded.clone().unwrap().dataset;
    assert_eq!(dataset.bars.len(), 288);
    assert_eq!(dataset.bars[0].open_time_ms, BTC_START_MS);
    assert_eq!(
        dataset.bars[287].open_time_ms,
        BTC_START_MS + 287 * FIVE_MIN_MS
    );
    // Live mode is offered now; the toggle starts and stops it.
    step_until(&mut harness, |a| a.state.can_go_live());
    harness.run_steps(2);
    harness.get_by_label("Live").click();
    harness.run_steps(2);
    assert!(app(&mut harness).state.remote.live.is_some());
    harness.get_by_label("Live").click();
    harness.run_steps(2);
    assert!(app(&mut harness).state.remote.live.is_none());
}
