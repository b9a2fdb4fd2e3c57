//! `liqmap fetch` end to end against a replay server on 127.0.0.1: errors name the venue and
//! exit with 2; the span arguments are checked.

#[path = "source_support/mod.rs"]
mod support;

use std::process::Command;

use support::*;
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn liqmap(args: &[&str], cache: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_liqmap"))
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .output()
        .unwrap()
}

/// Runs `liqmap` with `args`, asserts that it exits with 2, and returns what it wrote to stderr.
#[track_caller]
fn refused(args: &[&str], cache: &std::path::Path) -> String {
    let output = liqmap(args, cache);
    assert_eq!(output.status.code(), Some(2));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn a_venue_error_exits_with_2_and_names_the_venue_and_cause() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/fapi/v1/klines",
        binance_error(-1121, "Invalid symbol."),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    let uri = server.uri();
    let cache = dir.path().to_path_buf();
    let args = [
        "fetch",
        "--exchange",
        "binance",
        "--symbol",
        "NOPEUSDT",
        "--interval",
        "5m",
        "--from",
        "2025-09-19T00:35:00Z",
        "--to",
        "1758245100000",
        "--out",
        out.to_str().unwrap(),
        "--base-url",
        &uri,
        "--no-cache",
    ]
    .map(String::from);
    let output = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        liqmap(&args, &cache)
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_mentions(
        &stderr,
        &[
            "Binance",
            "/fapi/v1/klines",
            "startTime=1758242100000",
            "-1121",
            "Invalid symbol.",
        ],
    );
    assert!(!out.exists(), "nothing is written on error");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[test]
fn the_span_is_days_or_from_and_to() {
    let dir = tempfile::tempdir().unwrap();
    let base = [
        "fetch",
        "--exchange",
        "bybit",
        "--symbol",
        "BTCUSDT",
        "--interval",
        "5m",
        "--out",
        "x.json",
    ];
    refused(&base, dir.path());
    let mut both = base.to_vec();
    both.extend(["--days", "1", "--from", "0", "--to", "1"]);
    refused(&both, dir.path());
    let mut backwards = base.to_vec();
    backwards.extend([
        "--from",
        "2025-10-02T00:00:00Z",
        "--to",
        "2025-10-01T00:00:00Z",
        "--base-url",
        "http://127.0.0.1:9",
    ]);
    assert!(refused(&backwards, dir.path()).contains("--from must be before --to"));
    let mut bad_interval = base.to_vec();
    bad_interval[6] = "7q";
    bad_interval.extend(["--days", "1"]);
    assert!(refused(&bad_interval, dir.path()).contains("bad interval"));
}

const KLINES: &str = "/fapi/v1/klines";
const OI: &str = "/futures/data/openInterestHist";

/// Runs `liqmap fetch` for Binance against `server` (REST and archive), with `extra` arguments
/// and the cache under `cache`, off the async runtime that serves the replay.
async fn fetch_cli(
    server: &MockServer,
    extra: &[&str],
    cache: &std::path::Path,
) -> std::process::Output {
    let mut args: Vec<String> = [
        "fetch",
        "--exchange",
        "binance",
        "--interval",
        "5m",
        "--base-url",
        &server.uri(),
        "--archive-url",
        &server.uri(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let cache = cache.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        liqmap(&args, &cache)
    })
    .await
    .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn hype_server() -> MockServer {
    let server = MockServer::start().await;
    mount(&server, KLINES, BinanceKlines(hype_5m(), FIVE_MIN_MS)).await;
    mount(&server, OI, BinanceOi(hype_oi())).await;
    server
}

#[tokio::test]
async fn a_complete_fetch_exits_0_and_a_second_one_merges_into_the_file() {
    let server = hype_server().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hype.json");
    let out_arg = out.to_str().unwrap();
    let middle = (HYPE_START_MS + 576 * FIVE_MIN_MS).to_string();
    let (start, end) = (HYPE_START_MS.to_string(), HYPE_END_MS.to_string());
    let first = fetch_cli(
        &server,
        &[
            "--symbol",
            "HYPEUSDT",
            "--from",
            &start,
            "--to",
            &middle,
            "--out",
            out_arg,
            "--no-cache",
        ],
        dir.path(),
    )
    .await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert_eq!(liqmap::dataset::load(&out).unwrap().bars.len(), 576);
    let second = fetch_cli(
        &server,
        &[
            "--symbol",
            "HYPEUSDT",
            "--from",
            &middle,
            "--to",
            &end,
            "--out",
            out_arg,
            "--no-cache",
        ],
        dir.path(),
    )
    .await;
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    let stdout = text(&second.stdout);
    assert_mentions(
        &stdout,
        &[
            "merged into",
            "576 bars added",
            "it now holds 1152 bars",
            "complete",
        ],
    );
    let merged = liqmap::dataset::load(&out).unwrap();
    assert_eq!(merged.bars.len(), 1152);
    assert_eq!(open_times(&merged.bars)[0], HYPE_START_MS);
    // The bars are the file's, in order, whichever fetch brought them.
    let file = hype_5m();
    for (bar, real) in merged.bars.iter().zip(file.iter()) {
        assert_eq!(bar.open_time_ms, real.open_time_ms);
        assert_eq!(bar.close, real.close.parse::<f64>().unwrap());
    }
}

#[tokio::test]
async fn a_partial_fetch_exits_3_writes_what_arrived_and_names_the_missing_range() {
    let server = MockServer::start().await;
    mount(&server, KLINES, BinanceKlines(btc_5m(), FIVE_MIN_MS)).await;
    mount_ahead(
        &server,
        Mock::given(path(KLINES)).and(query_param("startTime", "1758692100000")),
        None,
        ResponseTemplate::new(502).set_body_string("Bad Gateway"),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("btc.json");
    let (start, end) = (
        BTC_START_MS.to_string(),
        (BTC_START_MS + 3100 * FIVE_MIN_MS).to_string(),
    );
    let output = fetch_cli(
        &server,
        &[
            "--symbol",
            "BTCUSDT",
            "--from",
            &start,
            "--to",
            &end,
            "--out",
            out.to_str().unwrap(),
            "--no-cache",
        ],
        dir.path(),
    )
    .await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    assert_mentions(
        &text(&output.stdout),
        &["PARTIAL", "HTTP 502", "missing: 2025-09-24"],
    );
    assert_eq!(liqmap::dataset::load(&out).unwrap().bars.len(), 1500);
}

#[tokio::test]
async fn nothing_arrived_exits_1_and_leaves_the_existing_file_as_it_was() {
    let server = MockServer::start().await;
    mount(
        &server,
        KLINES,
        ResponseTemplate::new(403).set_body_string("Forbidden"),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kept.json");
    let saved = liqmap::dataset::sample().unwrap();
    liqmap::dataset::save(&saved, &out).unwrap();
    let before = std::fs::read(&out).unwrap();
    let output = fetch_cli(
        &server,
        &[
            "--symbol",
            &saved.symbol,
            "--days",
            "1",
            "--out",
            out.to_str().unwrap(),
            "--no-cache",
        ],
        dir.path(),
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert_mentions(&text(&output.stderr), &["HTTP 403", "nothing written"]);
    assert_eq!(std::fs::read(&out).unwrap(), before);
}

#[tokio::test]
async fn an_out_file_of_another_symbol_is_refused_with_2_and_kept() {
    let server = hype_server().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("other.json");
    let mut other = liqmap::dataset::sample().unwrap();
    other.exchange = "binance-usdm".into();
    other.symbol = "ETHUSDT".into();
    other.interval_ms = FIVE_MIN_MS;
    liqmap::dataset::save(&other, &out).unwrap();
    let before = std::fs::read(&out).unwrap();
    let (start, end) = (HYPE_START_MS.to_string(), HYPE_END_MS.to_string());
    let output = fetch_cli(
        &server,
        &[
            "--symbol",
            "HYPEUSDT",
            "--from",
            &start,
            "--to",
            &end,
            "--out",
            out.to_str().unwrap(),
            "--no-cache",
        ],
        dir.path(),
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert_mentions(
        &text(&output.stderr),
        &["symbol", "ETHUSDT", "HYPEUSDT", "nothing written"],
    );
    assert_eq!(std::fs::read(&out).unwrap(), before);
}

#[tokio::test]
async fn a_long_retry_after_is_said_on_the_terminal() {
    let server = hype_server().await;
    mount_ahead(
        &server,
        Mock::given(path(KLINES)),
        Some(1),
        ResponseTemplate::new(429).insert_header("Retry-After", "3"),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hype.json");
    let (start, end) = (HYPE_START_MS.to_string(), HYPE_END_MS.to_string());
    let output = fetch_cli(
        &server,
        &[
            "--symbol",
            "HYPEUSDT",
            "--from",
            &start,
            "--to",
            &end,
            "--out",
            out.to_str().unwrap(),
            "--no-cache",
        ],
        dir.path(),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_mentions(
        &text(&output.stderr),
        &["rate limited by Binance USD-M, waiting 3 s (Ctrl-C to stop)"],
    );
}

#[tokio::test]
async fn ctrl_c_writes_nothing_and_keeps_what_arrived_in_the_cache() {
    let server = MockServer::start().await;
    mount(&server, KLINES, BinanceKlines(btc_5m(), FIVE_MIN_MS)).await;
    // The second page hangs, so the fetch is in flight when Ctrl-C comes.
    mount_ahead(
        &server,
        Mock::given(path(KLINES)).and(query_param("startTime", "1758692100000")),
        None,
        ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(30)),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("btc.json");
    let (start, end) = (
        BTC_START_MS.to_string(),
        (BTC_START_MS + 3100 * FIVE_MIN_MS).to_string(),
    );
    let uri = server.uri();
    let mut child = Command::new(env!("CARGO_BIN_EXE_liqmap"))
        .args([
            "fetch",
            "--exchange",
            "binance",
            "--symbol",
            "BTCUSDT",
            "--interval",
            "5m",
            "--from",
            &start,
            "--to",
            &end,
            "--out",
            out.to_str().unwrap(),
            "--base-url",
            &uri,
            "--archive-url",
            &uri,
        ])
        .env("XDG_CACHE_HOME", dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the hanging second page to be asked for.
    for _ in 0..200 {
        if count(&server, KLINES).await >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(count(&server, KLINES).await, 2);
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = tokio::task::spawn_blocking(move || {
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        (status, stderr)
    })
    .await
    .unwrap();
    assert_eq!(output.0.code(), Some(130), "{}", output.1);
    assert_mentions(
        &output.1,
        &["cancelled: nothing written", "1500 bars had arrived"],
    );
    assert!(!out.exists());
    let cached = dir
        .path()
        .join("liqmap/sources/binance/BTCUSDT/300000ms.json");
    let cache_text = std::fs::read_to_string(&cached).unwrap();
    assert!(cache_text.contains(&BTC_START_MS.to_string()));
}
