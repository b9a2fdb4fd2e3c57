//! `liqmap fetch` end to end against a replay server on 127.0.0.1: errors name the venue and
//! exit with 2; the span arguments are checked.

#[path = "source_support/mod.rs"]
mod support;

use std::process::Command;

use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn liqmap(args: &[&str], cache: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_liqmap"))
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_venue_error_exits_with_2_and_names_the_venue_and_cause() {
    let server = MockServer::start().await;
    Mock::given(path("/fapi/v1/klines"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"code": -1121, "msg": "Invalid symbol."})),
        )
        .mount(&server)
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
    for part in [
        "Binance",
        "/fapi/v1/klines",
        "startTime=1758242100000",
        "-1121",
        "Invalid symbol.",
    ] {
        assert!(stderr.contains(part), "{part:?} missing from {stderr}");
    }
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
    let neither = liqmap(&base, dir.path());
    assert_eq!(neither.status.code(), Some(2));
    let mut both = base.to_vec();
    both.extend(["--days", "1", "--from", "0", "--to", "1"]);
    assert_eq!(liqmap(&both, dir.path()).status.code(), Some(2));
    let mut backwards = base.to_vec();
    backwards.extend([
        "--from",
        "2025-10-02T00:00:00Z",
        "--to",
        "2025-10-01T00:00:00Z",
        "--base-url",
        "http://127.0.0.1:9",
    ]);
    let output = liqmap(&backwards, dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--from must be before --to"));
    let mut bad_interval = base.to_vec();
    bad_interval[6] = "7q";
    bad_interval.extend(["--days", "1"]);
    let output = liqmap(&bad_interval, dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("bad interval"));
}
