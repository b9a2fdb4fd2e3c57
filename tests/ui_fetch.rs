//! The viewer's fetch window and live mode against a replay server on 127.0.0.1: the commands
//! the window sends are applied by the app, frames are stepped (no rendering) until the
//! background work is done, and the shown dataset is checked. No test touches the internet.
#![allow(clippy::inconsistent_digit_grouping)]

#[path = "source_support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use liqmap::model::{Dataset, Side};
use liqmap::source::{FetchRequest, SourceConfig, Venue};
use liqmap::ui::settings::ViewerSettings;
use liqmap::ui::{Action, LiqmapApp};
use serde_json::json;
use support::*;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KLINES: &str = "/fapi/v1/klines";
const OI_HIST: &str = "/futures/data/openInterestHist";
const OI_NOW: &str = "/fapi/v1/openInterest";
/// Longest wait for background work.
const DEADLINE: Duration = Duration::from_secs(10);

/// A runtime for the test servers; the app runs its own.
fn test_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// The BTC replay: klines with `delay` per page, empty open-interest history.
async fn btc_server(delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(KLINES))
        .respond_with(DelayedKlines(BinanceKlines(btc_5m(), FIVE_MIN_MS), delay))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(OI_HIST))
        .respond_with(BinanceOi(Arc::new(Vec::new())))
        .mount(&server)
        .await;
    server
}

/// The replay with a delay before each answer, so a fetch can be caught running.
struct DelayedKlines(BinanceKlines, Duration);

impl wiremock::Respond for DelayedKlines {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        self.0.respond(request).set_delay(self.1)
    }
}

fn btc_request(bars: i64) -> FetchRequest {
    btc_fetch_request(Venue::Binance, "BTCUSDT", bars)
}

/// Draws one frame, as eframe would, without painting it.
fn step(ctx: &egui::Context, app: &mut LiqmapApp) {
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1200.0, 800.0),
        )),
        ..egui::RawInput::default()
    };
    let mut output = ctx.run_ui(input, |ui| app.frame_ui(ui));
    // Nothing paints here: the texture uploads are dropped on purpose.
    output.textures_delta.clear();
}

/// Steps frames until `done` holds or the deadline passes; returns whether it held.
fn step_until(
    ctx: &egui::Context,
    app: &mut LiqmapApp,
    mut done: impl FnMut(&LiqmapApp) -> bool,
) -> bool {
    let start = Instant::now();
    while start.elapsed() < DEADLINE {
        step(ctx, app);
        if done(app) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

fn shown(app: &LiqmapApp) -> Option<Arc<Dataset>> {
    app.state
        .data
        .loaded
        .as_ref()
        .map(|l| Arc::clone(&l.dataset))
}

/// The app on the bundled sample, its sources pointed at `config`, the sample shown.
fn app_on_sample(ctx: &egui::Context, config: SourceConfig) -> (LiqmapApp, Arc<Dataset>) {
    let mut app =
        LiqmapApp::with_settings(ctx, ViewerSettings::default(), None).with_source_config(config);
    assert!(step_until(ctx, &mut app, |a| a.state.data.engine.is_some()));
    let sample = shown(&app).unwrap();
    (app, sample)
}

/// The app after fetching the first `bars` bars of the BTC replay, ready to go live.
fn app_showing_fetched_btc(ctx: &egui::Context, config: SourceConfig, bars: i64) -> LiqmapApp {
    let (mut app, _) = app_on_sample(ctx, config);
    app.send(Action::Fetch(btc_request(bars)));
    assert!(step_until(ctx, &mut app, |a| { a.state.can_go_live() }));
    assert_eq!(shown(&app).unwrap().bars.len() as i64, bars);
    app
}

#[test]
fn a_complete_fetch_replaces_the_shown_dataset() {
    let rt = test_runtime();
    let server = rt.block_on(btc_server(Duration::ZERO));
    let ctx = egui::Context::default();
    let (mut app, sample) = app_on_sample(&ctx, config(&server.uri(), BTC_NOW_MS));

    app.send(Action::Fetch(btc_request(1600)));
    assert!(step_until(&ctx, &mut app, |a| {
        !a.state.remote.is_fetching() && shown(a).is_some_and(|d| !Arc::ptr_eq(&d, &sample))
    }));
    let dataset = shown(&app).unwrap();
    let bars = btc_5m();
    assert_eq!(dataset.bars.len(), 1600);
    assert_eq!(dataset.symbol, "BTCUSDT");
    assert_eq!(dataset.interval_ms, FIVE_MIN_MS);
    assert_eq!(dataset.bars[0].open_time_ms, bars[7].open_time_ms);
    assert_eq!(dataset.bars[1599].open_time_ms, bars[7 + 1599].open_time_ms);
    assert_eq!(
        dataset.bars[1599].close,
        bars[7 + 1599].close.parse::<f64>().unwrap()
    );
    assert!(app.state.errors.is_empty(), "{:?}", app.state.errors);
    assert!(
        app.state.status.contains("1600 bars"),
        "{}",
        app.state.status
    );
    // Two pages of klines (1500 + 100).
    assert_eq!(rt.block_on(count(&server, KLINES)), 2);
    // The engine follows the new data, and live mode may now start.
    assert!(step_until(&ctx, &mut app, |a| a
        .state
        .data
        .engine
        .as_ref()
        .is_some_and(|e| e.bar_count() == 1600)));
    assert!(app.state.can_go_live());
}

#[test]
fn a_fetched_dataset_replaces_the_picture_whole_with_its_levels_and_heatmap() {
    let rt = test_runtime();
    let server = rt.block_on(btc_server(Duration::ZERO));
    let ctx = egui::Context::default();
    let (mut app, sample) = app_on_sample(&ctx, config(&server.uri(), BTC_NOW_MS));
    assert!(step_until(&ctx, &mut app, |a| a.state.data.grid.is_some()));

    app.send(Action::Fetch(btc_request(1600)));
    let start = Instant::now();
    let mut saw_progress = false;
    loop {
        step(&ctx, &mut app);
        let state = &app.state;
        // Every frame shows a whole picture: a dataset with its levels and its heatmap.
        assert!(state.data.engine.is_some(), "a frame without levels");
        assert!(state.data.grid.is_some(), "a frame without a heatmap");
        saw_progress |= state.opening.is_some();
        let dataset = shown(&app).unwrap();
        if !Arc::ptr_eq(&dataset, &sample) {
            assert_eq!(dataset.symbol, "BTCUSDT");
            assert!(state.opening.is_none());
            // The levels and the grid came with the data: they are the fetched data's.
            let engine = state.data.engine.as_ref().unwrap();
            assert_eq!(engine.bar_count(), 1600);
            let (first_ms, _) = dataset.time_range_ms().unwrap();
            let grid = state.data.grid.as_ref().unwrap();
            assert!(grid.request.start_ms <= first_ms && first_ms < grid.request.end_ms);
            break;
        }
        assert!(start.elapsed() < DEADLINE, "the fetched data was not shown");
        std::thread::sleep(Duration::from_millis(5));
    }
    // The fetch ended a frame before its data showed: the progress bar stood in between.
    assert!(saw_progress, "no progress was shown");
    assert!(app.state.errors.is_empty(), "{:?}", app.state.errors);
}

#[test]
fn a_failed_fetch_keeps_the_shown_dataset_and_names_the_venue() {
    let rt = test_runtime();
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
            .mount(&server)
            .await;
        server
    });
    let mut settings = config(&server.uri(), BTC_NOW_MS);
    settings.max_tries = 2;
    let ctx = egui::Context::default();
    let (mut app, sample) = app_on_sample(&ctx, settings);

    app.send(Action::Fetch(btc_request(100)));
    assert!(step_until(&ctx, &mut app, |a| !a.state.errors.is_empty()));
    assert!(!app.state.remote.is_fetching());
    let message = app.state.errors.last().unwrap().to_string();
    assert!(message.contains("Binance USD-M"), "{message}");
    assert!(message.contains("500"), "{message}");
    // A few more frames: nothing replaces the sample.
    for _ in 0..20 {
        step(&ctx, &mut app);
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(Arc::ptr_eq(&shown(&app).unwrap(), &sample));
    assert!(!app.state.can_go_live());
    assert_eq!(rt.block_on(count(&server, KLINES)), 2);
}

#[test]
fn cancel_stops_the_fetch_and_keeps_the_shown_dataset() {
    let rt = test_runtime();
    let server = rt.block_on(btc_server(Duration::from_millis(300)));
    let ctx = egui::Context::default();
    let (mut app, sample) = app_on_sample(&ctx, config(&server.uri(), BTC_NOW_MS));

    // Four pages of 300 ms each.
    app.send(Action::Fetch(btc_request(5000)));
    assert!(step_until(&ctx, &mut app, |a| a.state.remote.is_fetching()));
    let running = app.state.remote.running.as_ref().unwrap();
    assert_eq!(running.request.symbol, "BTCUSDT");
    std::thread::sleep(Duration::from_millis(100));
    app.send(Action::CancelFetch);
    step(&ctx, &mut app);
    assert!(!app.state.remote.is_fetching());
    let message = app.state.errors.last().unwrap().to_string();
    assert!(message.contains("Binance USD-M"), "{message}");
    assert!(message.contains("cancelled"), "{message}");
    let asked = rt.block_on(count(&server, KLINES));
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(900) {
        step(&ctx, &mut app);
        std::thread::sleep(Duration::from_millis(10));
    }
    // No further page was asked for, and the sample is still shown.
    assert_eq!(rt.block_on(count(&server, KLINES)), asked);
    // Cancelled before the last of the four pages (how many went out first depends on how fast
    // the test's frames run on a loaded machine; one, when it is quiet).
    assert!(asked < 4, "{asked} pages asked before cancel");
    assert!(Arc::ptr_eq(&shown(&app).unwrap(), &sample));
}

#[test]
fn a_newer_fetch_supersedes_an_older_one() {
    let rt = test_runtime();
    let server = rt.block_on(btc_server(Duration::from_millis(200)));
    let ctx = egui::Context::default();
    let (mut app, _) = app_on_sample(&ctx, config(&server.uri(), BTC_NOW_MS));

    app.send(Action::Fetch(btc_request(5000)));
    step(&ctx, &mut app);
    let first_cancel = app.state.remote.running.as_ref().unwrap().cancel.clone();
    app.send(Action::Fetch(btc_request(300)));
    step(&ctx, &mut app);
    assert!(first_cancel.is_cancelled());
    assert!(step_until(&ctx, &mut app, |a| {
        shown(a).is_some_and(|d| d.symbol == "BTCUSDT")
    }));
    assert_eq!(shown(&app).unwrap().bars.len(), 300);
    assert!(app.state.errors.is_empty(), "{:?}", app.state.errors);
}

/// The BTC replay that also answers live mode's poll of the current open interest (81234.5 BTC
/// at `oi_time_ms`).
async fn btc_live_server(oi_time_ms: i64) -> MockServer {
    let server = btc_server(Duration::ZERO).await;
    Mock::given(method("GET"))
        .and(path(OI_NOW))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "openInterest": "81234.5", "symbol": "BTCUSDT", "time": oi_time_ms
        })))
        .mount(&server)
        .await;
    server
}

/// A websocket server that sends `frames` to the first client and keeps the connection open.
async fn force_order_server(frames: Vec<String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        for frame in frames {
            ws.send(Message::text(frame)).await.unwrap();
        }
        while ws.next().await.is_some() {}
    });
    url
}

#[test]
fn live_mode_adds_the_new_bar_the_open_interest_and_streamed_liquidations() {
    let rt = test_runtime();
    let server = rt.block_on(btc_live_server(BTC_START_MS + 600 * FIVE_MIN_MS));
    let bars = btc_5m();
    let liquidation_ms = bars[7 + 600].open_time_ms + 1_000;
    let frame = json!({
        "e": "forceOrder", "E": liquidation_ms + 3,
        "o": {"s": "BTCUSDT", "S": "SELL", "o": "LIMIT", "f": "IOC", "q": "0.5", "p": "115000",
              "ap": "115000.5", "X": "FILLED", "l": "0.5", "z": "0.5", "T": liquidation_ms}
    })
    .to_string();
    let ws_url = rt.block_on(force_order_server(vec![frame]));
    let ctx = egui::Context::default();
    let mut settings = config(&server.uri(), BTC_NOW_MS);
    settings.ws_url = Some(ws_url);
    let mut app = app_showing_fetched_btc(&ctx, settings, 600);

    // The clock moves on by one bar: the poll returns bar 599 (unchanged) and bar 600 (new).
    app.state.remote.config.now_ms = Some(BTC_START_MS + 601 * FIVE_MIN_MS);
    app.send(Action::Live(true));
    assert!(step_until(&ctx, &mut app, |a| {
        shown(a).is_some_and(|d| d.bars.len() == 601 && d.liquidations.len() == 1)
    }));
    let dataset = shown(&app).unwrap();
    assert_eq!(dataset.bars[600].open_time_ms, bars[7 + 600].open_time_ms);
    let oi = dataset.open_interest.last().unwrap();
    assert_eq!(oi.open_interest, 81234.5);
    let liquidation = dataset.liquidations[0];
    assert_eq!(liquidation.side, Side::Long);
    assert_eq!(liquidation.price, 115000.5);
    assert_eq!(liquidation.time_ms, liquidation_ms);
    let live = app.state.remote.live.as_ref().unwrap();
    assert!(
        live.status_line().starts_with("live: connected"),
        "{}",
        live.status_line()
    );
    // The engine is extended by the new bar in the background, to what a full build gives.
    assert!(step_until(&ctx, &mut app, |a| a
        .state
        .data
        .engine
        .as_ref()
        .is_some_and(|e| e.bar_count() == 601)));
    let engine = app.state.data.engine.clone().unwrap();
    let fresh = liqmap::engine::Engine::new(&dataset, &app.state.settings.model).unwrap();
    assert_eq!(engine.inputs(), fresh.inputs());
    for (x, y) in engine.layers().iter().zip(fresh.layers()) {
        assert_eq!((x.leverage, x.mmr), (y.leverage, y.mmr));
        assert!(engine.layer_prices(x).eq(fresh.layer_prices(y)));
        assert!(x.levels().eq(y.levels()));
    }
    app.send(Action::Live(false));
    step(&ctx, &mut app);
    assert!(app.state.remote.live.is_none());
}

#[test]
fn live_mode_reports_a_stream_that_cannot_connect() {
    let rt = test_runtime();
    let server = rt.block_on(btc_server(Duration::ZERO));
    // A port that was free a moment ago: connections are refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ws_url = format!("ws://{}", closed.local_addr().unwrap());
    drop(closed);
    let ctx = egui::Context::default();
    let mut settings = config(&server.uri(), BTC_NOW_MS);
    settings.ws_url = Some(ws_url);
    let mut app = app_showing_fetched_btc(&ctx, settings, 300);
    app.send(Action::Live(true));
    assert!(step_until(&ctx, &mut app, |a| {
        a.state
            .remote
            .live
            .as_ref()
            .is_some_and(|l| l.status_line().starts_with("live: reconnecting ("))
    }));
    // The open-interest endpoint is not served: the poll fails and says so, naming the venue.
    assert!(step_until(&ctx, &mut app, |a| {
        a.state.remote.live.as_ref().is_some_and(|l| {
            l.poll_error
                .as_deref()
                .is_some_and(|e| e.contains("Binance USD-M"))
        })
    }));
    // Opening another dataset ends live mode: it has nothing left to update.
    app.send(Action::OpenSample);
    assert!(step_until(&ctx, &mut app, |a| a
        .state
        .remote
        .live
        .is_none()));
    assert_eq!(shown(&app).unwrap().bars.len(), 1152);
}

#[test]
fn live_mode_fills_a_hole_between_the_data_and_the_newest_poll() {
    let rt = test_runtime();
    let server = rt.block_on(btc_live_server(BTC_START_MS + 620 * FIVE_MIN_MS));
    let ctx = egui::Context::default();
    let mut settings = config(&server.uri(), BTC_NOW_MS);
    // No stream here: this test is about the bars.
    settings.ws_url = Some("ws://127.0.0.1:9".into());
    let mut app = app_showing_fetched_btc(&ctx, settings, 600);

    // The machine slept for 21 bars: the first poll returns bars 619 and 620 of the span, and
    // bars 600..=618 must be fetched, not left as a hole.
    app.state.remote.config.now_ms = Some(BTC_START_MS + 621 * FIVE_MIN_MS);
    app.send(Action::Live(true));
    assert!(step_until(&ctx, &mut app, |a| {
        shown(a).is_some_and(|d| d.bars.len() == 621)
    }));
    let dataset = shown(&app).unwrap();
    let real = btc_5m();
    for (i, bar) in dataset.bars.iter().enumerate() {
        let expected = &real[7 + i];
        assert_eq!(bar.open_time_ms, expected.open_time_ms, "bar {i}");
        assert_eq!(bar.close, expected.close.parse::<f64>().unwrap(), "bar {i}");
    }
    assert!(app.state.remote.live.as_ref().unwrap().poll_error.is_none());
    app.send(Action::Live(false));
    step(&ctx, &mut app);
}
