//! `liqmap fetch` end to end against a replay server on 127.0.0.1: errors name the venue and
//! exit with 2; the span arguments are checked.

#[path = "source_support/mod.rs"]
mod support;

use std::process::Command;

use support::*;
use wiremock::MockServer;

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
