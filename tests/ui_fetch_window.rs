//! The fetch window driven like a user would (egui_kittest, no rendering): the symbol list is
//! searched and picked from, a custom range typed, Fetch clicked, and the fetched dataset shown.
#![allow(clippy::inconsistent_digit_grouping)]

#[path = "source_support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use liqmap::source::{SourceConfig, Venue};
use liqmap::ui::LiqmapApp;
use liqmap::ui::fetch_form::RangeChoice;
use liqmap::ui::settings::ViewerSettings;
use liqmap::ui::state::SymbolList;
use serde_json::json;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

type App = Option<LiqmapApp>;

fn harness(config: SourceConfig) -> Harness<'static, App> {
    Harness::builder()
        .with_size([1400.0, 900.0])
        // The controls use symbols (✕, ⚠) the test fonts lack; glyphs are not under test.
        .allow_missing_glyphs()
        .build_ui_state(
            move |ui, app: &mut App| {
                let app = app.get_or_insert_with(|| {
                    LiqmapApp::with_settings(ui.ctx(), ViewerSettings::default(), None)
                        .with_source_config(config.clone())
                });
                app.frame_ui(ui);
            },
            None,
        )
}

fn app<'h>(harness: &'h mut Harness<'static, App>) -> &'h mut LiqmapApp {
    harness.state_mut().as_mut().unwrap()
}

/// Steps until `done` holds, sleeping between frames so background work can run.
fn step_until(harness: &mut Harness<'static, App>, mut done: impl FnMut(&LiqmapApp) -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        harness.step();
        if harness.state().as_ref().is_some_and(&mut done) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("timed out");
}

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
