//! Live mode in a coin view, against local servers in each venue's own format (driven with
//! egui_kittest, no rendering). The HYPEUSDT recording (real Binance bars and open interest) is
//! served as Binance USD-M and as Bybit, each in its venue's layout, relabelled as two venues:
//! the coin is fetched from every venue (OKX and Hyperliquid are not served, so they are
//! skipped), then followed live. Binance's server has the next recorded bar and its recorded
//! open interest ready; Bybit's stops at the fetched span, so a poll brings Bybit nothing new.
//! The expected summed map is worked out with the single-venue engine on each venue's data.
#![allow(clippy::result_large_err)] // the handshake callback type is tungstenite's

#[path = "source_support/mod.rs"]
mod support;
#[path = "ui_support/mod.rs"]
mod ui_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use futures_util::{SinkExt, StreamExt};
use liqmap::engine::Engine;
use liqmap::model::{Dataset, Side};
use liqmap::source::coin_fetch::CoinRequest;
use liqmap::ui::{Action, LiqmapApp};
use serde_json::json;
use support::*;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http;
use ui_support::*;
use wiremock::MockServer;

/// Bars fetched on each venue before going live.
const FETCHED: usize = 600;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn first<T: Clone>(rows: Arc<Vec<T>>, n: usize) -> Arc<Vec<T>> {
    Arc::new(rows[..n].to_vec())
}

/// Binance serves the whole recording and, as its current open interest, the recorded row at
/// bar 600; Bybit serves the first 600 bars and open-interest rows only.
async fn venues_server() -> MockServer {
    let server = MockServer::start().await;
    mount(
        &server,
        "/fapi/v1/klines",
        BinanceKlines(hype_5m(), FIVE_MIN_MS),
    )
    .await;
    mount(
        &server,
        "/futures/data/openInterestHist",
        BinanceOi(hype_oi()),
    )
    .await;
    let now = &hype_oi()[FETCHED];
    mount(
        &server,
        "/fapi/v1/openInterest",
        wiremock::ResponseTemplate::new(200).set_body_json(json!({
            "openInterest": now.sum_open_interest, "symbol": "HYPEUSDT", "time": now.time_ms
        })),
    )
    .await;
    mount(
        &server,
        "/v5/market/kline",
        BybitKline(first(hype_5m(), FETCHED)),
    )
    .await;
    mount(
        &server,
        "/v5/market/open-interest",
        BybitOi(first(hype_oi(), FETCHED)),
    )
    .await;
    server
}

/// A Binance `forceOrder` frame: a long of 3.5 HYPE liquidated at bar 600's close.
fn binance_frame() -> String {
    let bar = &hype_5m()[FETCHED];
    let time_ms = bar.open_time_ms + 1_000;
    json!({
        "e": "forceOrder", "E": time_ms + 3,
        "o": {"s": "HYPEUSDT", "S": "SELL", "o": "LIMIT", "f": "IOC", "q": "3.5", "p": bar.close,
              "ap": bar.close, "X": "FILLED", "l": "3.5", "z": "3.5", "T": time_ms}
    })
    .to_string()
}

/// A Bybit `allLiquidation` frame: a short of 12 HYPE liquidated at bar 599's high ("Sell" is
/// the side of the position).
fn bybit_frame() -> String {
    let bar = &hype_5m()[FETCHED - 1];
    let time_ms = bar.open_time_ms + 2_000;
    json!({"topic": "allLiquidation.HYPEUSDT", "type": "snapshot", "ts": time_ms + 400,
           "data": [{"T": time_ms, "s": "HYPEUSDT", "S": "Sell", "v": "12", "p": bar.high}]})
    .to_string()
}

/// What the websocket server does: the frames for Binance's and Bybit's streams (`None`
/// refuses that venue's handshake), and the connections it saw closed.
struct Streams {
    url: String,
    closed: Arc<AtomicUsize>,
}

/// A websocket server for both venues on one address: Binance connects to
/// `/hypeusdt@forceOrder`, Bybit to `/` and subscribes. Each connection gets its venue's frame
/// and is kept open until the client closes it.
async fn streams(binance: Option<String>, bybit: Option<String>) -> Streams {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let closed = Arc::new(AtomicUsize::new(0));
    let seen_closed = Arc::clone(&closed);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (binance, bybit, closed) =
                (binance.clone(), bybit.clone(), Arc::clone(&seen_closed));
            tokio::spawn(async move {
                let path = Arc::new(Mutex::new(String::new()));
                let seen_path = Arc::clone(&path);
                let refuse = (binance.is_none(), bybit.is_none());
                let check = move |request: &Request, response: Response| {
                    let p = request.uri().path().to_string();
                    let binance_path = p.ends_with("@forceOrder");
                    *seen_path.lock().unwrap() = p;
                    if (binance_path && refuse.0) || (!binance_path && refuse.1) {
                        let no: ErrorResponse = http::Response::builder()
                            .status(503)
                            .body(Some("stream unavailable".into()))
                            .unwrap();
                        return Err(no);
                    }
                    Ok(response)
                };
                let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, check).await else {
                    return;
                };
                let path = path.lock().unwrap().clone();
                let frame = if path.ends_with("@forceOrder") {
                    binance
                } else {
                    // Bybit: its subscription first, answered before the data.
                    let _ = ws.next().await;
                    let ack =
                        r#"{"success":true,"ret_msg":"subscribe","conn_id":"c1","op":"subscribe"}"#;
                    let _ = ws.send(Message::text(ack.to_string())).await;
                    bybit
                };
                if let Some(frame) = frame {
                    let _ = ws.send(Message::text(frame)).await;
                }
                while let Some(Ok(_)) = ws.next().await {}
                closed.fetch_add(1, Ordering::SeqCst);
            });
        }
    });
    Streams { url, closed }
}

/// The app with the HYPE coin fetched from every venue (Binance and Bybit answer), settled.
fn coin_view_fetched(server: &MockServer, streams: &Streams) -> Harness<'static, App> {
    let mut config = config(&server.uri(), HYPE_NOW_MS);
    config.ws_url = Some(streams.url.clone());
    let mut harness = harness(config);
    step_until(&mut harness, |a| {
        a.state.data.engine.is_some() && !a.is_busy()
    });
    app(&mut harness).send(Action::FetchCoin(CoinRequest {
        coin: "HYPE".into(),
        interval_ms: FIVE_MIN_MS,
        start_ms: HYPE_START_MS,
        end_ms: HYPE_START_MS + FETCHED as i64 * FIVE_MIN_MS,
    }));
    step_until(&mut harness, |a| a.state.coin_fetch.running.is_some());
    step_until(&mut harness, |a| {
        a.state.coin_fetch.running.is_none() && venues_settled(a)
    });
    let view = app(&mut harness).state.data.venues.as_ref().unwrap();
    assert_eq!(view.venues.names(), ["binance-usdm", "bybit-linear"]);
    assert_eq!(view.venues.reference(), 0);
    for venue in 0..2 {
        assert_eq!(view.venues.dataset(venue).unwrap().bars.len(), FETCHED);
    }
    // The clock moves on by one bar (less a millisecond): Binance's poll returns bars 599 and
    // 600, Bybit's its last bar 599 again.
    app(&mut harness).state.remote.config.now_ms =
        Some(HYPE_START_MS + (FETCHED as i64 + 1) * FIVE_MIN_MS - 1);
    harness
}

fn datasets(app: &LiqmapApp) -> Vec<Arc<Dataset>> {
    let view = app.state.data.venues.as_ref().unwrap();
    (0..view.venues.len())
        .map(|v| view.venues.shared_dataset(v).unwrap())
        .collect()
}

/// One venue's map on the view's grid, from the single-venue engine run afresh on `dataset`.
fn single_venue_cells(app: &LiqmapApp, dataset: &Dataset) -> Vec<f64> {
    let request = *app
        .state
        .data
        .venues
        .as_ref()
        .unwrap()
        .grids
        .as_ref()
        .unwrap()
        .request();
    let engine = Engine::new(dataset, &app.state.settings.model).unwrap();
    engine
        .grid(&request)
        .unwrap()
        .compose(&app.state.settings.selection())
}

/// Goes live and steps until both venues' rows are in: Binance's bar and each venue's streamed
/// liquidation, and both first polls.
fn go_live_until_both_grew(harness: &mut Harness<'static, App>) {
    app(harness).send(Action::Live(true));
    step_until(harness, |a| {
        binance_grown(a) && datasets(a).iter().all(|d| d.liquidations.len() == 1) && polled(a)
    });
}

/// Whether every followed venue's first poll has come back.
fn polled(a: &LiqmapApp) -> bool {
    a.state.remote.live.as_ref().is_some_and(|l| {
        l.venues
            .iter()
            .filter_map(|f| f.status.as_ref())
            .all(|s| s.polls >= 1)
    })
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// The recorded bars 0..n, as the venue's dataset must hold them.
#[track_caller]
fn assert_recorded_bars(dataset: &Dataset, n: usize) {
    let real = hype_5m();
    assert_eq!(dataset.bars.len(), n);
    for (i, bar) in dataset.bars.iter().enumerate() {
        assert_eq!(bar.open_time_ms, real[i].open_time_ms, "bar {i}");
        assert_eq!(bar.close, real[i].close.parse::<f64>().unwrap(), "bar {i}");
    }
}

/// Whether the feeds' updates are in and their map is drawn: Binance's engine has bar 600, the
/// chart has followed it and nothing is left to do.
fn binance_grown(a: &LiqmapApp) -> bool {
    a.state.data.venues.as_ref().is_some_and(|v| {
        v.venues
            .engine(0)
            .is_some_and(|e| e.bar_count() == FETCHED + 1)
    }) && venues_settled(a)
        && a.is_settled()
}

/// The summed map moved by Binance's change alone: each cell is what it was (both venues'
/// single-venue maps on the data `before`) plus Binance's new map less its old one, and Bybit's
/// map is the same from its data `after` as before (only a liquidation came).
#[track_caller]
fn assert_moved_by_binance_alone(
    app_: &LiqmapApp,
    before: &[Arc<Dataset>],
    after: &[Arc<Dataset>],
) {
    let binance_new = single_venue_cells(app_, &after[0]);
    let binance_old = single_venue_cells(app_, &before[0]);
    let bybit = single_venue_cells(app_, &before[1]);
    let summed = &app_.state.data.composed;
    assert_eq!(summed.len(), binance_new.len());
    let mut changed = 0.0;
    for (c, total) in summed.iter().enumerate() {
        let was = binance_old[c] + bybit[c];
        let expected = was + (binance_new[c] - binance_old[c]);
        assert!(
            close(*total, expected),
            "cell {c}: {total} against {expected}"
        );
        changed += (binance_new[c] - binance_old[c]).abs();
    }
    assert!(changed > 0.0, "the new bar changed Binance's map");
    assert_eq!(single_venue_cells(app_, &after[1]), bybit);
}

#[test]
fn each_venue_grows_its_own_dataset_and_the_sum_changes_by_that_venue_alone() {
    let rt = runtime();
    let server = rt.block_on(venues_server());
    let streams = rt.block_on(streams(Some(binance_frame()), Some(bybit_frame())));
    let mut harness = coin_view_fetched(&server, &streams);
    let before = datasets(app(&mut harness));
    let interval_s = FIVE_MIN_MS as f64 / 1000.0;
    let full = app(&mut harness).state.view.bounds().unwrap();

    go_live_until_both_grew(&mut harness);
    let app_ = harness.state().as_ref().unwrap();
    let after = datasets(app_);
    // Binance: the recorded bar 600, its recorded open interest, its streamed liquidation.
    assert_recorded_bars(&after[0], FETCHED + 1);
    let oi = after[0].open_interest.last().unwrap();
    let recorded = &hype_oi()[FETCHED];
    assert_eq!(oi.time_ms, recorded.time_ms);
    assert_eq!(
        oi.open_interest,
        recorded.sum_open_interest.parse::<f64>().unwrap()
    );
    let liquidation = after[0].liquidations[0];
    assert_eq!(liquidation.side, Side::Long);
    assert_eq!(
        liquidation.price,
        hype_5m()[FETCHED].close.parse::<f64>().unwrap()
    );
    // Bybit: no new bar or open interest, only its own liquidation (a short).
    assert_recorded_bars(&after[1], FETCHED);
    assert_eq!(after[1].open_interest, before[1].open_interest);
    assert_eq!(after[1].liquidations[0].side, Side::Short);
    assert_eq!(after[1].liquidations[0].quantity, 12.0);
    // The candles are the reference venue's (Binance): the chart shows bar 600 and its view of
    // the newest bars moved by one bar, at the same zoom.
    assert_eq!(
        app_.state.data.loaded.as_ref().unwrap().dataset.bars.len(),
        FETCHED + 1
    );
    assert_eq!(
        app_.state.data.engine.as_ref().unwrap().bar_count(),
        FETCHED + 1
    );
    let moved = app_.state.view.bounds().unwrap();
    assert!((moved.min()[0] - (full.min()[0] + interval_s)).abs() < 1e-3);
    assert!((moved.width() - full.width()).abs() < 1e-6 * full.width());

    assert_moved_by_binance_alone(app_, &before, &after);

    // Each venue's line in the menu says its stream is connected.
    let live = app_.state.remote.live.as_ref().unwrap();
    for feed in &live.venues {
        let status = feed.status.as_ref().unwrap();
        assert!(status.polls >= 1 && status.poll_error.is_none(), "{feed:?}");
        assert_eq!(status.liquidations_added, 1);
    }
    assert_eq!(app_.state.status, "live: binance-usdm, bybit-linear");
    for name in ["binance-usdm", "bybit-linear"] {
        assert!(
            harness
                .query_by_label_contains(&format!("{name}: connected · 1 liquidations"))
                .is_some(),
            "no connected line for {name}"
        );
    }
}

#[test]
fn one_venue_failing_is_shown_on_its_line_and_the_other_still_updates() {
    let rt = runtime();
    let server = rt.block_on(venues_server());
    // Bybit's stream refuses every handshake.
    let streams = rt.block_on(streams(Some(binance_frame()), None));
    let mut harness = coin_view_fetched(&server, &streams);
    // From now on Bybit's REST answers with its own error body: 10016, a server error.
    rt.block_on(mount_ahead(
        &server,
        wiremock::Mock::given(wiremock::matchers::path("/v5/market/kline")),
        None,
        wiremock::ResponseTemplate::new(502).set_body_json(json!({
            "retCode": 10016, "retMsg": "Internal server error.", "result": {},
            "retExtInfo": {}, "time": HYPE_NOW_MS
        })),
    ));
    let before = datasets(app(&mut harness));
    let composed_before = app(&mut harness).state.data.composed.clone();
    assert!(composed_before.iter().sum::<f64>() > 0.0);

    app(&mut harness).send(Action::Live(true));
    let bybit_troubled = |a: &LiqmapApp| {
        a.state.remote.live.as_ref().is_some_and(|l| {
            l.venues[1].status.as_ref().is_some_and(|s| {
                s.poll_error.is_some() && s.stream.as_ref().is_some_and(|st| st.reconnects > 0)
            })
        })
    };
    step_until(&mut harness, |a| binance_grown(a) && bybit_troubled(a));
    harness.run_steps(2);
    let app_ = harness.state().as_ref().unwrap();
    let live = app_.state.remote.live.as_ref().unwrap();
    let bybit = live.venues[1].status.as_ref().unwrap();
    let error = bybit.poll_error.as_deref().unwrap();
    assert_mentions(error, &["Bybit", "10016"]);
    // Binance is unaffected: its stream is connected, its poll fine, its bar and liquidation in.
    let binance = live.venues[0].status.as_ref().unwrap();
    assert!(binance.poll_error.is_none());
    assert!(binance.stream.as_ref().is_some_and(|s| s.connected));
    let after = datasets(app_);
    assert_recorded_bars(&after[0], FETCHED + 1);
    assert_eq!(after[0].liquidations.len(), 1);
    // Nothing of Bybit's is lost: the same dataset, and the summed map is both venues'.
    assert!(Arc::ptr_eq(&after[1], &before[1]));
    let binance_new = single_venue_cells(app_, &after[0]);
    let bybit_cells = single_venue_cells(app_, &before[1]);
    for (c, total) in app_.state.data.composed.iter().enumerate() {
        let expected = binance_new[c] + bybit_cells[c];
        assert!(
            close(*total, expected),
            "cell {c}: {total} against {expected}"
        );
    }
    // The menu says so on Bybit's line.
    assert!(
        harness
            .query_by_label_contains("bybit-linear: reconnecting (")
            .is_some()
    );
    assert!(
        harness
            .query_by_label_contains("polling failed, retrying: Bybit")
            .is_some()
    );
}

#[test]
fn a_venue_opened_from_a_file_is_named_and_not_followed() {
    let rt = runtime();
    let server = rt.block_on(venues_server());
    let streams = rt.block_on(streams(Some(binance_frame()), Some(bybit_frame())));
    let mut harness = coin_view_fetched(&server, &streams);
    // No menu mixes a fetched venue with one read from a file yet: the view is told that Bybit
    // came from a file (it then has no exchange request to follow), as such a view would be.
    app(&mut harness)
        .state
        .data
        .venues
        .as_mut()
        .unwrap()
        .fetched[1] = None;
    assert!(app(&mut harness).state.can_go_live());
    let bybit_before = datasets(app(&mut harness))[1].clone();
    let bybit_asked = rt.block_on(count(&server, "/v5/market/kline"));

    app(&mut harness).send(Action::Live(true));
    step_until(&mut harness, |a| {
        binance_grown(a) && datasets(a)[0].liquidations.len() == 1
    });
    let app_ = harness.state().as_ref().unwrap();
    assert_eq!(
        app_.state.status,
        "live: binance-usdm; bybit-linear opened from a file, not followed"
    );
    let live = app_.state.remote.live.as_ref().unwrap();
    assert!(live.venues[0].status.is_some());
    assert!(live.venues[1].status.is_none());
    assert!(
        harness
            .query_by_label_contains("bybit-linear: opened from a file, not followed")
            .is_some()
    );
    // Bybit was not asked for anything and its data is as it was.
    assert_eq!(rt.block_on(count(&server, "/v5/market/kline")), bybit_asked);
    assert!(Arc::ptr_eq(&datasets(app_)[1], &bybit_before));
    assert!(
        app_.state
            .errors
            .iter()
            .all(|e| !e.to_string().starts_with("live:")),
        "{:?}",
        app_.state.errors
    );
}

#[test]
fn stopping_live_cancels_every_venue_feed() {
    let rt = runtime();
    let server = rt.block_on(venues_server());
    let streams = rt.block_on(streams(Some(binance_frame()), Some(bybit_frame())));
    let mut harness = coin_view_fetched(&server, &streams);
    go_live_until_both_grew(&mut harness);
    let cancel = app(&mut harness)
        .state
        .remote
        .live
        .as_ref()
        .unwrap()
        .cancel
        .clone();
    assert_eq!(streams.closed.load(Ordering::SeqCst), 0);
    let polled = rt.block_on(server.received_requests()).unwrap().len();

    app(&mut harness).send(Action::Live(false));
    harness.run_steps(2);
    assert!(app(&mut harness).state.remote.live.is_none());
    assert!(cancel.is_cancelled());
    // Both venues' streams are closed by the client.
    let start = Instant::now();
    while streams.closed.load(Ordering::SeqCst) < 2 && start.elapsed() < Duration::from_secs(10) {
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(streams.closed.load(Ordering::SeqCst), 2);
    // Nothing more is asked or merged.
    let kept = datasets(app(&mut harness));
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(300) {
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        rt.block_on(server.received_requests()).unwrap().len(),
        polled
    );
    let now = datasets(app(&mut harness));
    assert!(kept.iter().zip(&now).all(|(a, b)| Arc::ptr_eq(a, b)));
}

/// Makes Bybit the reference venue (its candles shown) and waits for the view to settle.
fn show_bybits_candles(harness: &mut Harness<'static, App>) {
    app(harness).send(Action::SetReferenceVenue(1));
    step_until(harness, |a| {
        a.state
            .data
            .venues
            .as_ref()
            .is_some_and(|v| v.venues.reference() == 1)
            && venues_settled(a)
            && a.is_settled()
    });
}

/// Scores the view shown and waits for its figures (scored for the data and settings now).
fn score_and_wait(harness: &mut Harness<'static, App>) {
    app(harness).send(Action::Score);
    step_until(harness, |a| {
        let current = a.state.score_key();
        a.state.score.report().is_some()
            && !a.state.score.is_busy()
            && a.state.score.outcome.as_ref().map(|(key, _)| key) == current.as_ref()
    });
}

#[test]
fn a_venue_other_than_the_reference_growing_changes_the_sum_and_not_the_chart() {
    let rt = runtime();
    let server = rt.block_on(venues_server());
    let streams = rt.block_on(streams(Some(binance_frame()), Some(bybit_frame())));
    let mut harness = coin_view_fetched(&server, &streams);
    // Bybit's candles are shown: Binance's new bar must reach the sum without moving the chart.
    show_bybits_candles(&mut harness);
    let before = datasets(app(&mut harness));
    let full = app(&mut harness).state.view.bounds().unwrap();

    go_live_until_both_grew(&mut harness);
    let app_ = harness.state().as_ref().unwrap();
    let after = datasets(app_);
    assert_recorded_bars(&after[0], FETCHED + 1);
    // The candles and the engine shown are still Bybit's 600 bars, and the view stayed.
    let shown = &app_.state.data.loaded.as_ref().unwrap().dataset;
    assert!(Arc::ptr_eq(shown, &after[1]));
    assert_eq!(shown.bars.len(), FETCHED);
    assert_eq!(
        app_.state.data.engine.as_ref().unwrap().bar_count(),
        FETCHED
    );
    assert_eq!(app_.state.view.bounds().unwrap(), full);
    assert_moved_by_binance_alone(app_, &before, &after);
}

#[test]
fn the_score_is_marked_out_of_date_when_only_a_venue_other_than_the_reference_grows() {
    use liqmap::ui::score_panel::{DATA_CHANGED, SETTINGS_CHANGED};
    let rt = runtime();
    let server = rt.block_on(venues_server());
    // Bybit's stream is refused and its poll brings nothing new: only Binance grows.
    let streams = rt.block_on(streams(Some(binance_frame()), None));
    let mut harness = coin_view_fetched(&server, &streams);
    // Bybit's candles are shown, so the engine the score is keyed on is Bybit's.
    show_bybits_candles(&mut harness);
    app(&mut harness).send(Action::SetScoreOpen(true));
    score_and_wait(&mut harness);
    harness.step();
    assert!(harness.query_by_label(DATA_CHANGED).is_none());
    assert!(harness.query_by_label(SETTINGS_CHANGED).is_none());
    let before = datasets(app(&mut harness));

    app(&mut harness).send(Action::Live(true));
    step_until(&mut harness, |a| binance_grown(a) && polled(a));
    harness.step();
    let after = datasets(app(&mut harness));
    assert_recorded_bars(&after[0], FETCHED + 1);
    // Bybit, the reference, holds what it held: the same bars and no liquidation.
    assert_eq!(after[1].bars, before[1].bars);
    assert_eq!(after[1].liquidations.len(), 0);
    assert!(
        harness.query_by_label(DATA_CHANGED).is_some(),
        "Binance grew after the score, and the panel did not say so"
    );
    // Scoring again takes the new data in, and the note goes.
    score_and_wait(&mut harness);
    harness.step();
    assert!(harness.query_by_label(DATA_CHANGED).is_none());
}
