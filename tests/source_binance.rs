//! Binance USD-M against a replay server on 127.0.0.1: paging, open interest, faults, cancel,
//! cache. Expected values are read by hand from tests/data/sources.
#![allow(clippy::inconsistent_digit_grouping)]

#[path = "source_support/mod.rs"]
mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use liqmap::source::{
    self, CancelToken, FetchOutcome, FetchProgress, FetchRequest, SourceConfig, SourceError, Venue,
    fetch,
};
use serde_json::json;
use support::*;
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KLINES: &str = "/fapi/v1/klines";
const OI: &str = "/futures/data/openInterestHist";
/// The `startTime` of the second klines page of a BTC request: bar 1507 of the file
/// (2025-09-24 05:35 UTC).
const SECOND_PAGE_START: &str = "1758692100000";

/// A server replaying `bars` as klines and `oi` as open-interest history.
async fn server(bars: Arc<Vec<RealBar>>, oi: Arc<Vec<RealOi>>) -> MockServer {
    let server = MockServer::start().await;
    mount(&server, KLINES, BinanceKlines(bars, FIVE_MIN_MS)).await;
    mount(&server, OI, BinanceOi(oi)).await;
    server
}

/// A server replaying the BTC klines, with no open interest for BTC.
async fn btc_server() -> MockServer {
    server(btc_5m(), Arc::new(Vec::new())).await
}

/// A server replaying the HYPEUSDT klines and open interest.
async fn hype_server() -> MockServer {
    server(hype_5m(), hype_oi()).await
}

/// BTCUSDT, `bars` bars from bar 7 of the BTC file.
fn btc_request(bars: i64) -> FetchRequest {
    btc_fetch_request(Venue::Binance, "BTCUSDT", bars)
}

/// HYPEUSDT over the span of the HYPEUSDT files.
fn hype_request() -> FetchRequest {
    hype_fetch_request(Venue::Binance, "HYPEUSDT")
}

/// Fetches `bars` BTC bars from the replay at `server`, the clock at `BTC_NOW_MS`.
async fn fetch_btc(server: &MockServer, bars: i64) -> Result<FetchOutcome, SourceError> {
    run_fetch(&btc_request(bars), &config(&server.uri(), BTC_NOW_MS)).await
}

/// Settings for the replay at `server`, with the clock of the BTC file and a cache in `dir`.
fn cached_config(server: &MockServer, dir: &tempfile::TempDir) -> SourceConfig {
    let mut config = config(&server.uri(), BTC_NOW_MS);
    config.cache_dir = Some(dir.path().to_path_buf());
    config
}

/// The klines requests for the second page of a BTC request, `SECOND_PAGE_START`.
fn second_page() -> wiremock::MockBuilder {
    Mock::given(path(KLINES)).and(query_param("startTime", SECOND_PAGE_START))
}

#[tokio::test]
async fn klines_page_forward_and_cover_the_span_exactly() {
    let server = btc_server().await;
    let seen = Arc::new(Mutex::new(Vec::<FetchProgress>::new()));
    let sink = seen.clone();
    let progress = move |p: FetchProgress| sink.lock().unwrap().push(p);
    // 3100 bars: pages of 1500, 1500 and 100.
    let request = btc_request(3100);
    let outcome = fetch(
        &request,
        &config(&server.uri(), BTC_NOW_MS),
        &progress,
        &CancelToken::new(),
    )
    .await
    .unwrap();
    let bars = assert_covers_exactly(&outcome, BTC_START_MS, FIVE_MIN_MS, 3100);
    // Row 7 of the file: [1758242100000, 117223.8, 117316.0, 117223.8, 117288.1, 198.154].
    assert_eq!(
        (
            bars[0].open,
            bars[0].high,
            bars[0].low,
            bars[0].close,
            bars[0].volume
        ),
        (117223.8, 117316.0, 117223.8, 117288.1, 198.154)
    );
    // Rows 1506 and 1507 meet at the first page boundary.
    assert_eq!(bars[1499].open_time_ms, 1_758_691_800_000);
    assert_eq!(bars[1499].close, 112253.8);
    assert_eq!(bars[1500].open, 112253.9);
    // Row 3106: [1759171800000, 113995.8, 113999.9, 113964.4, 113994.9, 120.248].
    assert_eq!(bars[3099].open_time_ms, 1_759_171_800_000);
    assert_eq!(bars[3099].close, 113994.9);
    assert_eq!(count(&server, KLINES).await, 3);
    assert_eq!(outcome.dataset.exchange, "binance-usdm");
    let seen = seen.lock().unwrap();
    let last = seen.last().unwrap();
    assert_eq!(last.pages_done, last.pages_total);
    // 3 pages of klines and the (empty) page of open interest, asked 3 times since an empty
    // page may be a passing fault.
    assert_eq!(last.pages_done, 6);
}

#[tokio::test]
async fn open_interest_pages_backward_and_keeps_every_row_once() {
    let server = hype_server().await;
    let outcome = run_fetch(&hype_request(), &config(&server.uri(), HYPE_NOW_MS))
        .await
        .unwrap();
    assert!(outcome.complete, "{:?}", outcome.problems);
    let oi = &outcome.dataset.open_interest;
    // 1152 rows: pages of 500, 500 and 152.
    assert_eq!(oi.len(), 1152);
    assert_eq!(count(&server, OI).await, 3);
    for (i, sample) in oi.iter().enumerate() {
        assert_eq!(
            sample.time_ms,
            HYPE_START_MS + i as i64 * FIVE_MIN_MS,
            "sample {i}"
        );
    }
    // 2025-10-08 00:00:00,HYPEUSDT,5759013.0800000000000000,260537751.7392000000000000
    assert_eq!(oi[0].open_interest, 5_759_013.08);
    assert_eq!(oi[0].value_usd, Some(260537751.7392));
    // 2025-10-10 06:20:00 (row 653): 5003263.44
    assert_eq!(oi[652].time_ms, 1_760_077_200_000);
    assert_eq!(oi[652].open_interest, 5_003_263.44);
    // 2025-10-11 23:55:00: 5033629.57
    assert_eq!(oi[1151].open_interest, 5_033_629.57);
    let bars = &outcome.dataset.bars;
    assert_eq!(bars.len(), 1152);
    // 1759881600000,45.12400,45.28500,45.09600,45.23300,24922.48,13711.55,...
    assert_eq!(bars[0].close, 45.233);
    assert_eq!(bars[0].taker_buy_volume, Some(13711.55));
    assert_eq!(bars[1151].close, 36.828);
}

#[tokio::test]
async fn open_interest_older_than_30_days_falls_back_to_volume_mode() {
    let server = hype_server().await;
    // 2025-12-01: the whole span is older than 30 days.
    let outcome = run_fetch(&hype_request(), &config(&server.uri(), 1_764_547_200_000))
        .await
        .unwrap();
    assert!(outcome.dataset.open_interest.is_empty());
    assert_eq!(outcome.dataset.bars.len(), 1152);
    assert_eq!(count(&server, OI).await, 0);
    assert!(
        outcome
            .problems
            .iter()
            .any(|p| p.contains("last 30 days") && p.contains("volume mode")),
        "{:?}",
        outcome.problems
    );
    assert!(outcome.complete);
}

#[tokio::test]
async fn open_interest_refused_with_1130_is_a_note_and_not_retried() {
    let server = MockServer::start().await;
    mount(&server, KLINES, BinanceKlines(hype_5m(), FIVE_MIN_MS)).await;
    mount(
        &server,
        OI,
        binance_error(-1130, "Data sent for parameter 'startTime' is not valid."),
    )
    .await;
    let outcome = run_fetch(&hype_request(), &config(&server.uri(), HYPE_NOW_MS))
        .await
        .unwrap();
    assert_eq!(count(&server, OI).await, 1);
    assert!(outcome.dataset.open_interest.is_empty());
    assert_eq!(outcome.dataset.bars.len(), 1152);
    assert!(
        outcome.problems.iter().any(|p| p.contains("-1130")),
        "{:?}",
        outcome.problems
    );
}

#[tokio::test]
async fn an_invalid_symbol_ends_the_fetch_at_once_naming_venue_request_and_cause() {
    let server = MockServer::start().await;
    mount(&server, KLINES, binance_error(-1121, "Invalid symbol.")).await;
    let request = btc_fetch_request(Venue::Binance, "NOPEUSDT", 10);
    let message = fetch_fails_at_once(
        &server,
        KLINES,
        &request,
        &config(&server.uri(), BTC_NOW_MS),
    )
    .await;
    assert_mentions(
        &message,
        &[
            "Binance",
            "GET /fapi/v1/klines",
            "symbol=NOPEUSDT",
            "HTTP 400",
            "-1121",
            "Invalid symbol.",
        ],
    );
}

async fn waits_for_retry_after(status: u16) {
    let server = btc_server().await;
    fault_first(
        &server,
        KLINES,
        1,
        ResponseTemplate::new(status)
            .insert_header("Retry-After", "1")
            .set_body_json(json!({"code": -1003, "msg": "Too many requests."})),
    )
    .await;
    let started = Instant::now();
    let outcome = fetch_btc(&server, 100).await.unwrap();
    let waited = started.elapsed();
    assert_recovered(&outcome, 100, &server, KLINES, 2).await;
    assert!(
        waited >= Duration::from_millis(990) && waited < Duration::from_millis(1800),
        "waited {waited:?} for Retry-After: 1"
    );
}

#[tokio::test]
async fn a_429_waits_for_retry_after_then_succeeds() {
    waits_for_retry_after(429).await;
}

#[tokio::test]
async fn a_418_waits_for_retry_after_then_succeeds() {
    waits_for_retry_after(418).await;
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_fails_at_once() {
    let server = btc_server().await;
    fault_first(
        &server,
        KLINES,
        5,
        ResponseTemplate::new(418).insert_header("Retry-After", "7200"),
    )
    .await;
    let message = fetch_fails_at_once(
        &server,
        KLINES,
        &btc_request(10),
        &config(&server.uri(), BTC_NOW_MS),
    )
    .await;
    assert_mentions(&message, &["HTTP 418", "7200000 ms"]);
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let server = btc_server().await;
    fault_first(
        &server,
        KLINES,
        2,
        ResponseTemplate::new(500).set_body_string("Internal error"),
    )
    .await;
    let outcome = fetch_btc(&server, 100).await.unwrap();
    assert!(outcome.complete);
    assert_eq!(count(&server, KLINES).await, 3);
}

#[tokio::test]
async fn retries_stop_after_the_bound() {
    let server = btc_server().await;
    fault_first(
        &server,
        KLINES,
        100,
        ResponseTemplate::new(503).set_body_string("Service Unavailable"),
    )
    .await;
    let error = fetch_btc(&server, 100).await.unwrap_err();
    assert_eq!(count(&server, KLINES).await, 4, "max_tries is 4");
    let message = error.to_string();
    assert!(message.contains("Binance"), "{message}");
    assert!(message.contains("gave up after 4 tries"), "{message}");
    assert!(
        message.contains("HTTP 503: Service Unavailable"),
        "{message}"
    );
}

#[tokio::test]
async fn a_response_slower_than_the_timeout_is_retried() {
    let server = btc_server().await;
    fault_first(
        &server,
        KLINES,
        1,
        ResponseTemplate::new(200)
            .set_body_json(json!([]))
            .set_delay(Duration::from_secs(5)),
    )
    .await;
    let mut config = config(&server.uri(), BTC_NOW_MS);
    config.timeout_ms = 300;
    let started = Instant::now();
    let outcome = run_fetch(&btc_request(100), &config).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_recovered(&outcome, 100, &server, KLINES, 2).await;
}

#[tokio::test]
async fn a_venue_that_never_answers_in_time_fails_naming_the_timeout() {
    let server = btc_server().await;
    fault_first(
        &server,
        KLINES,
        100,
        ResponseTemplate::new(200).set_delay(Duration::from_secs(5)),
    )
    .await;
    let mut config = config(&server.uri(), BTC_NOW_MS);
    config.timeout_ms = 200;
    config.max_tries = 2;
    let error = run_fetch(&btc_request(100), &config).await.unwrap_err();
    assert_eq!(count(&server, KLINES).await, 2);
    assert!(
        error.to_string().contains("no answer within 200 ms"),
        "{error}"
    );
}

#[tokio::test]
async fn a_truncated_body_is_retried() {
    let server = btc_server().await;
    // The start of a real page, cut mid-row.
    fault_first(
        &server,
        KLINES,
        1,
        ResponseTemplate::new(200).set_body_raw(
            "[[1758242100000,\"117223.8\",\"117316.0\",\"1172",
            "application/json",
        ),
    )
    .await;
    let outcome = fetch_btc(&server, 100).await.unwrap();
    assert_recovered(&outcome, 100, &server, KLINES, 2).await;
}

#[tokio::test]
async fn an_empty_page_mid_span_is_asked_again_then_skipped_and_reported() {
    let server = btc_server().await;
    mount_ahead(
        &server,
        second_page(),
        None,
        ResponseTemplate::new(200).set_body_json(json!([])),
    )
    .await;
    let outcome = fetch_btc(&server, 3100).await.unwrap();
    assert!(!outcome.complete);
    // The first page, then the third: the empty second page is asked 3 times, then the 1500
    // bars it should have held are skipped and the paging goes on.
    assert_eq!(outcome.dataset.bars.len(), 1600);
    assert_eq!(outcome.dataset.bars[1499].open_time_ms, 1_758_691_800_000);
    assert_eq!(
        outcome.dataset.bars[1500].open_time_ms,
        1_758_691_800_000 + 1501 * FIVE_MIN_MS
    );
    assert!(
        outcome
            .problems
            .iter()
            .any(|p| p.contains("1500 bars missing between")),
        "{:?}",
        outcome.problems
    );
    assert_eq!(
        outcome.missing_ms,
        vec![(1_758_692_100_000, 1_758_692_100_000 + 1500 * FIVE_MIN_MS)]
    );
    assert_eq!(count(&server, KLINES).await, 5);
}

#[tokio::test]
async fn an_empty_page_once_is_asked_again_and_the_fetch_completes() {
    let server = btc_server().await;
    mount_ahead(
        &server,
        second_page(),
        Some(1),
        ResponseTemplate::new(200).set_body_json(json!([])),
    )
    .await;
    let outcome = fetch_btc(&server, 3100).await.unwrap();
    assert_covers_exactly(&outcome, BTC_START_MS, FIVE_MIN_MS, 3100);
    assert_eq!(count(&server, KLINES).await, 4);
}

#[tokio::test]
async fn a_hole_is_not_cached_as_held() {
    let server = btc_server().await;
    // Empty for every try of the first fetch, healthy afterwards.
    mount_ahead(
        &server,
        second_page(),
        Some(3),
        ResponseTemplate::new(200).set_body_json(json!([])),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = cached_config(&server, &dir);
    let holed = run_fetch(&btc_request(3100), &config).await.unwrap();
    assert!(!holed.complete);
    let again = run_fetch(&btc_request(3100), &config).await.unwrap();
    // The first fetch: a page, the empty one 3 times, the last page. The second asks only for
    // the hole (1 page).
    assert_recovered(&again, 3100, &server, KLINES, 6).await;
}

#[tokio::test]
async fn a_page_that_keeps_failing_gives_a_partial_fetch_with_what_arrived() {
    let server = btc_server().await;
    mount_ahead(
        &server,
        second_page(),
        None,
        ResponseTemplate::new(502).set_body_string("Bad Gateway"),
    )
    .await;
    let outcome = fetch_btc(&server, 3100).await.unwrap();
    assert!(!outcome.complete);
    assert_eq!(outcome.dataset.bars.len(), 1500);
    // 1 good page, then the bad one 4 times.
    assert_eq!(count(&server, KLINES).await, 5);
    let all = outcome.problems.join(" | ");
    assert!(
        all.contains("HTTP 502") && all.contains("startTime=1758692100000"),
        "{all}"
    );
}

#[tokio::test]
async fn cancel_stops_a_request_in_flight_promptly() {
    let server = btc_server().await;
    fault_first(
        &server,
        KLINES,
        100,
        ResponseTemplate::new(200).set_delay(Duration::from_secs(10)),
    )
    .await;
    let config = config(&server.uri(), BTC_NOW_MS);
    let cancel = CancelToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    // Spawned as the viewer will: the fetch future is Send and 'static once its inputs move in.
    let fetching = cancel.clone();
    let error =
        tokio::spawn(
            async move { fetch(&btc_request(100), &config, &no_progress, &fetching).await },
        )
        .await
        .unwrap()
        .unwrap_err();
    assert!(error.is_cancelled(), "{error}");
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(count(&server, KLINES).await, 1);
}

#[tokio::test]
async fn cancel_between_pages_keeps_what_arrived_as_partial() {
    let server = btc_server().await;
    let cancel = CancelToken::new();
    let trigger = cancel.clone();
    let progress = move |p: FetchProgress| {
        if p.pages_done == 1 {
            trigger.cancel();
        }
    };
    let outcome = fetch(
        &btc_request(3100),
        &config(&server.uri(), BTC_NOW_MS),
        &progress,
        &cancel,
    )
    .await
    .unwrap();
    assert!(!outcome.complete);
    assert_eq!(outcome.dataset.bars.len(), 1500);
    assert!(outcome.problems.iter().any(|p| p.contains("cancelled")));
    assert_eq!(count(&server, KLINES).await, 1);
}

#[tokio::test]
async fn the_cache_asks_only_for_missing_ranges() {
    let server = btc_server().await;
    let dir = tempfile::tempdir().unwrap();
    let config = cached_config(&server, &dir);

    let first = run_fetch(&btc_request(100), &config).await.unwrap();
    assert_eq!(first.dataset.bars.len(), 100);
    assert_eq!(count(&server, KLINES).await, 1);

    let wider = run_fetch(&btc_request(200), &config).await.unwrap();
    assert!(wider.complete);
    assert_eq!(wider.dataset.bars.len(), 200);
    let requests = server.received_requests().await.unwrap();
    let klines: Vec<_> = requests.iter().filter(|r| r.url.path() == KLINES).collect();
    assert_eq!(klines.len(), 2);
    // Only bars 100..200 were asked for: 1758242100000 + 100 × 300000.
    assert!(
        klines[1]
            .url
            .query()
            .unwrap()
            .contains("startTime=1758272100000"),
        "{}",
        klines[1].url
    );
    assert_eq!(wider.dataset.bars[..100], first.dataset.bars[..]);

    let again = run_fetch(&btc_request(200), &config).await.unwrap();
    assert_eq!(count(&server, KLINES).await, 2, "all from the cache");
    assert_eq!(again.dataset, wider.dataset);
    assert!(again.complete);
}

#[tokio::test]
async fn a_failed_fetch_keeps_what_arrived_in_the_cache() {
    let server = btc_server().await;
    mount_ahead(&server, second_page(), Some(4), ResponseTemplate::new(500)).await;
    let dir = tempfile::tempdir().unwrap();
    let config = cached_config(&server, &dir);
    let failed = run_fetch(&btc_request(3100), &config).await.unwrap();
    assert!(!failed.complete);
    assert_eq!(count(&server, KLINES).await, 5);
    let retried = run_fetch(&btc_request(3100), &config).await.unwrap();
    // The cache holds the first page's bars (what arrived), so only the two after it are asked.
    assert_recovered(&retried, 3100, &server, KLINES, 7).await;
}

#[tokio::test]
async fn symbols_lists_trading_perpetuals() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/fapi/v1/exchangeInfo",
        ResponseTemplate::new(200).set_body_json(json!({
            "timezone": "UTC",
            "symbols": [
                {"symbol": "ETHUSDT", "contractType": "PERPETUAL", "status": "TRADING"},
                {"symbol": "BTCUSDT", "contractType": "PERPETUAL", "status": "TRADING"},
                {"symbol": "BTCUSDT_251226", "contractType": "CURRENT_QUARTER", "status": "TRADING"},
                {"symbol": "OLDUSDT", "contractType": "PERPETUAL", "status": "SETTLING"}
            ]
        })),
    )
    .await;
    let list = source::symbols(Venue::Binance, &config(&server.uri(), BTC_NOW_MS))
        .await
        .unwrap();
    assert_eq!(list, vec!["BTCUSDT".to_string(), "ETHUSDT".to_string()]);
}

#[tokio::test]
async fn poll_latest_reads_the_last_bars_and_open_interest() {
    let server = btc_server().await;
    mount(
        &server,
        "/fapi/v1/openInterest",
        ResponseTemplate::new(200).set_body_json(
            json!({"openInterest": "80123.456", "symbol": "BTCUSDT", "time": 1759199950000i64}),
        ),
    )
    .await;
    // 2025-09-30 02:39:10: bar 3199 (02:35) is open, bar 3198 (02:30) closed.
    let now_ms = 1_759_199_950_000;
    let latest = poll_latest_5m(Venue::Binance, "BTCUSDT", &server.uri(), now_ms)
        .await
        .unwrap();
    assert_eq!(
        open_times(&latest.bars),
        vec![1_759_199_400_000, 1_759_199_700_000]
    );
    assert_eq!(latest.bars[1].close, 114430.6);
    assert_eq!(latest.open_interest.unwrap().open_interest, 80123.456);
}

#[tokio::test]
async fn a_connection_closed_mid_body_is_retried_until_the_bound() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A raw server that promises 4000 bytes, sends the start of a page, and hangs up.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let uri = format!("http://{}", listener.local_addr().unwrap());
    let served = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = served.clone();
    tokio::spawn(async move {
        for _ in 0..10 {
            let Ok((mut tcp, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = tcp.read(&mut buf).await;
            let head =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n";
            let _ = tcp.write_all(head.as_bytes()).await;
            let _ = tcp
                .write_all(b"[[1758242100000,\"117223.8\",\"117316.0\"")
                .await;
            drop(tcp);
        }
    });
    let error = run_fetch(&btc_request(10), &config(&uri, BTC_NOW_MS))
        .await
        .unwrap_err();
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 4);
    let message = error.to_string();
    assert!(message.contains("gave up after 4 tries"), "{message}");
    assert!(message.contains("invalid response body"), "{message}");
}

#[tokio::test]
async fn requests_wait_for_the_request_weight_limit() {
    let server = btc_server().await;
    let mut config = config(&server.uri(), BTC_NOW_MS);
    // A klines request of 1500 rows weighs 10: a full bucket of 20 lets two through at once,
    // the third waits for 10 units at 20 a second.
    config.rate_limit_override = Some(source::RateLimit {
        capacity: 20,
        window_ms: 1_000,
    });
    let started = Instant::now();
    let outcome = run_fetch(&btc_request(3100), &config).await.unwrap();
    let waited = started.elapsed();
    assert!(outcome.complete);
    assert_eq!(count(&server, KLINES).await, 3);
    assert!(
        waited >= Duration::from_millis(480) && waited < Duration::from_millis(1500),
        "{waited:?}"
    );
}
