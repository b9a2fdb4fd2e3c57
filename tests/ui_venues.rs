//! One coin across several venues in the viewer, driven with egui_kittest (no rendering): the
//! Venues toggles re-sum the kept grids without running an engine, the shares add up to the cell,
//! a view file opens with its settings, and "all venues" fetches a coin from local servers in
//! each venue's layout with one venue failing.
//!
//! There is no real recording of one coin on two venues in the repository: the bundled HYPEUSDT
//! sample (real Binance data) stands in for two venues, once as it is and once relabelled. With
//! the same data on both, every summed cell is the single-venue engine's cell times the sum of
//! the venue weights, which is what the toggle checks compare with by hand.

#[path = "source_support/mod.rs"]
mod support;
#[path = "ui_support/mod.rs"]
mod ui_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use liqmap::engine::Engine;
use liqmap::engine::venues::VenueSettings;
use liqmap::source::SourceConfig;
use liqmap::ui::fetch_form::RangeChoice;
use liqmap::ui::{Action, LiqmapApp};
use serde_json::json;
use support::*;
use ui_support::*;
use wiremock::MockServer;

/// The single-venue engine's composed grid of the window the viewer asked for.
fn single_venue_cells(app: &LiqmapApp) -> Vec<f64> {
    let request = app.state.data.grid.as_ref().unwrap().request;
    let engine = Engine::new(&sample(), &app.state.settings.model).unwrap();
    engine
        .grid(&request)
        .unwrap()
        .compose(&app.state.settings.selection())
}

#[track_caller]
fn assert_scaled(summed: &[f64], single: &[f64], factor: f64) {
    assert_eq!(summed.len(), single.len());
    let top = single.iter().cloned().fold(0.0, f64::max);
    assert!(top > 0.0, "the window holds levels");
    for (i, (s, one)) in summed.iter().zip(single).enumerate() {
        assert!(
            (s - factor * one).abs() <= 1e-9 * top,
            "cell {i}: {s} against {factor} × {one}"
        );
    }
}

#[test]
fn venue_toggles_re_sum_the_kept_grids_and_run_no_engine() {
    let mut harness = harness(SourceConfig::default());
    step_until(&mut harness, |a| {
        a.state.data.engine.is_some() && !a.is_busy()
    });
    let mut second = sample();
    second.exchange = "second-venue".into();
    app(&mut harness).send(Action::ShowVenues(vec![
        Arc::new(sample()),
        Arc::new(second),
    ]));
    step_until(&mut harness, venues_settled);

    let (engine_before, single) = {
        let app = harness.state().as_ref().unwrap();
        let view = app.state.data.venues.as_ref().unwrap();
        assert_eq!(view.venues.names(), ["binance-usdm", "second-venue"]);
        assert_eq!(view.venues.engine_runs(), 2);
        assert_eq!(view.grids.as_ref().unwrap().grid_builds(), 2);
        // Both venues hold the same levels: the sum is twice the single-venue engine's grid.
        let single = single_venue_cells(app);
        assert_scaled(&app.state.data.composed, &single, 2.0);
        (Arc::clone(app.state.data.engine.as_ref().unwrap()), single)
    };
    // The Venues group lists both, states the common range, and both are in open-interest mode.
    assert!(harness.query_by_label("Venues").is_some());
    assert!(
        harness
            .query_all_by_label_contains("common range")
            .next()
            .is_some()
    );

    // Untick the second venue in the Venues group: the sum is the single venue's.
    harness.get_by_label("second-venue").click();
    step_until(&mut harness, venues_settled);
    {
        let app = harness.state().as_ref().unwrap();
        let view = app.state.data.venues.as_ref().unwrap();
        assert!(!view.venues.settings(1).unwrap().enabled);
        assert_scaled(&app.state.data.composed, &single, 1.0);
        // No engine ran and no grid was built: the kept grids were re-summed.
        assert_eq!(view.venues.engine_runs(), 2);
        assert_eq!(view.grids.as_ref().unwrap().grid_builds(), 2);
        assert!(Arc::ptr_eq(
            app.state.data.engine.as_ref().unwrap(),
            &engine_before
        ));
        // Every cluster is the first venue's alone.
        assert!(view.cluster_shares.iter().all(|s| s == &[1.0, 0.0]));
    }

    // Back on at half weight: 1.5 times the single venue, shares 2/3 and 1/3 everywhere.
    app(&mut harness).send(Action::SetVenue {
        venue: 1,
        settings: VenueSettings {
            enabled: true,
            weight: 0.5,
        },
    });
    step_until(&mut harness, |a| {
        venues_settled(a) && a.state.data.venues.as_ref().unwrap().cluster_shares[0][1] > 0.0
    });
    let app = harness.state().as_ref().unwrap();
    assert_scaled(&app.state.data.composed, &single, 1.5);
    let view = app.state.data.venues.as_ref().unwrap();
    assert_eq!(view.venues.engine_runs(), 2);
    assert_eq!(view.grids.as_ref().unwrap().grid_builds(), 2);
    for shares in &view.cluster_shares {
        assert!((shares[0] - 2.0 / 3.0).abs() < 1e-9, "{shares:?}");
        assert!((shares[1] - 1.0 / 3.0).abs() < 1e-9, "{shares:?}");
    }
    // The tooltip's parts of the fullest cell add up to the cell the tooltip shows.
    let grid = app.state.data.grid.as_ref().unwrap();
    let request = &grid.request;
    let (index, _) = app
        .state
        .data
        .composed
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap();
    let (row, col) = (index / request.columns, index % request.columns);
    let time_ms = request.start_ms as f64 + (col as f64 + 0.5) * request.column_width_ms();
    let price = request.row_price_low(row) + request.row_height_usd() / 2.0;
    let selection = app.state.settings.selection();
    let cell = app.state.data.cell_at(time_ms, price, &selection).unwrap();
    let parts = view.cell_parts_usd(row, col, &selection);
    let total = cell.long_usd + cell.short_usd;
    assert!(total > 0.0);
    assert!((parts.iter().sum::<f64>() - total).abs() <= 1e-9 * total);
    assert!((parts[0] - 2.0 * parts[1]).abs() <= 1e-9 * total);
}

#[test]
fn a_view_file_opens_with_its_weights_and_reference() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("second.json");
    let mut second = sample();
    second.exchange = "second-venue".into();
    liqmap::dataset::save(&second, &copy).unwrap();
    let view_path = dir.path().join("hype.view.json");
    std::fs::write(
        &view_path,
        json!({
            "format": "liqmap-view",
            "version": 1,
            "datasets": [
                {"path": sample_path()},
                {"path": "second.json", "weight": 0.25}
            ],
            "reference": 1
        })
        .to_string(),
    )
    .unwrap();
    let mut harness = harness(SourceConfig::default());
    step_until(&mut harness, |a| {
        a.state.data.engine.is_some() && !a.is_busy()
    });
    app(&mut harness).send(Action::Open(view_path));
    step_until(&mut harness, venues_settled);
    let app = harness.state().as_ref().unwrap();
    let view = app.state.data.venues.as_ref().unwrap();
    assert_eq!(view.venues.settings(1).unwrap().weight, 0.25);
    assert_eq!(view.venues.reference(), 1);
    // The candles shown are the reference venue's.
    let shown = &app.state.data.loaded.as_ref().unwrap().dataset;
    assert_eq!(shown.exchange, "second-venue");
    assert_scaled(&app.state.data.composed, &single_venue_cells(app), 1.25);
}

/// Every venue's replay of the HYPEUSDT recording, Binance failing (see the support module).
async fn venues_server(okx_oi_delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    mount_hype_venues_binance_down(&server, okx_oi_delay).await;
    server
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// The fetch window set to 5-minute bars over the first day of the recording, and HYPE clicked.
fn window_on_hype(harness: &mut Harness<'static, App>) {
    step_until(harness, |a| a.state.data.engine.is_some() && !a.is_busy());
    let form = &mut app(harness).state.remote.form;
    form.open = true;
    form.interval = "5m".into();
    form.range = RangeChoice::Custom;
    form.from = HYPE_START_MS.to_string();
    form.to = (HYPE_START_MS + 288 * FIVE_MIN_MS).to_string();
    // Until the window has sized itself and stays put.
    harness.run_steps(10);
    harness.get_by_label("HYPE").click();
    harness.run_steps(2);
    assert_eq!(app(harness).state.coin_fetch.coin, "HYPE");
}

#[test]
fn all_venues_fetch_in_parallel_and_a_failing_venue_is_skipped_and_named() {
    let rt = runtime();
    let server = rt.block_on(venues_server(Duration::ZERO));
    let mut harness = harness(config(&server.uri(), HYPE_NOW_MS));
    window_on_hype(&mut harness);
    harness.get_by_label("Fetch all venues").click();
    step_until(&mut harness, |a| a.state.coin_fetch.running.is_some());
    step_until(&mut harness, |a| {
        a.state.coin_fetch.running.is_none() && venues_settled(a)
    });
    let app = harness.state().as_ref().unwrap();
    let view = app.state.data.venues.as_ref().unwrap();
    assert_eq!(
        view.venues.names(),
        ["bybit-linear", "okx-swap", "hyperliquid"]
    );
    for i in 0..3 {
        assert_eq!(view.venues.dataset(i).unwrap().bars.len(), 288);
    }
    // Hyperliquid serves no open-interest history: volume mode, and the view says so.
    let mix = view.venues.mode_mix();
    assert_eq!(mix.volume, ["hyperliquid"]);
    // The failing venue is named in the banner and in the window.
    let banner: Vec<String> = app.state.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(banner.len(), 1, "{banner:?}");
    assert!(banner[0].starts_with("Binance USD-M: failed"), "{banner:?}");
    let failed = &app.state.coin_fetch.last[0];
    assert!(
        failed.starts_with("Binance USD-M: failed") && failed.contains("-1001"),
        "{failed}"
    );
    assert!(
        harness
            .query_by_label_contains("volume: hyperliquid")
            .is_some()
    );
    // In parallel: Bybit was asked before Binance, first in venue order, sent its last retry.
    let order: Vec<String> = rt
        .block_on(server.received_requests())
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    let last_binance = order.iter().rposition(|p| p == "/fapi/v1/klines").unwrap();
    let first_bybit = order.iter().position(|p| p == "/v5/market/kline").unwrap();
    assert!(first_bybit < last_binance, "{order:?}");
}

#[test]
fn cancel_stops_every_venue_and_keeps_the_data_shown() {
    let rt = runtime();
    // OKX's open interest takes a while: the fetch is still running when Cancel is clicked.
    let server = rt.block_on(venues_server(Duration::from_secs(5)));
    let mut harness = harness(config(&server.uri(), HYPE_NOW_MS));
    window_on_hype(&mut harness);
    let shown = Arc::clone(
        &app(&mut harness)
            .state
            .data
            .loaded
            .as_ref()
            .unwrap()
            .dataset,
    );
    harness.get_by_label("Fetch all venues").click();
    step_until(&mut harness, |a| a.state.coin_fetch.running.is_some());
    harness.run_steps(2);
    // One progress line per venue while it runs.
    for venue in ["Binance USD-M", "Bybit", "OKX", "Hyperliquid"] {
        assert!(
            harness
                .query_all_by_label_contains(&format!("{venue}: "))
                .next()
                .is_some(),
            "no line for {venue}"
        );
    }
    harness.get_by_label("Cancel all venues").click();
    harness.run_steps(2);
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(300) {
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    let app = harness.state().as_ref().unwrap();
    assert!(app.state.coin_fetch.running.is_none());
    assert!(app.state.data.venues.is_none());
    assert!(Arc::ptr_eq(
        &app.state.data.loaded.as_ref().unwrap().dataset,
        &shown
    ));
    assert!(
        app.state.status.contains("cancelled"),
        "{}",
        app.state.status
    );
}

#[test]
fn several_files_opened_together_are_one_coin_view() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("second.json");
    let mut second = sample();
    second.exchange = "second-venue".into();
    liqmap::dataset::save(&second, &copy).unwrap();
    let mut harness = harness(SourceConfig::default());
    step_until(&mut harness, |a| {
        a.state.data.engine.is_some() && !a.is_busy()
    });
    app(&mut harness).send(Action::OpenMany(vec![sample_path(), copy]));
    step_until(&mut harness, venues_settled);
    {
        let app = harness.state().as_ref().unwrap();
        let view = app.state.data.venues.as_ref().unwrap();
        assert_eq!(view.venues.names(), ["binance-usdm", "second-venue"]);
        assert_eq!(view.paths[0], sample_path());
        assert_scaled(&app.state.data.composed, &single_venue_cells(app), 2.0);
    }
    // A single file opened next replaces the coin view.
    app(&mut harness).send(Action::Open(sample_path()));
    step_until(&mut harness, |a| {
        a.state.data.venues.is_none() && a.state.data.grid.is_some() && !a.is_busy()
    });
}
