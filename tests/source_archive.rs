//! `fetch_archive` and `liqmap fetch --exchange binance-archive` against a local server serving
//! Binance's archive layout: zips built at test time from the real recorded CSVs, with a day
//! missing (404), a wrong checksum, a truncated zip, a slow file and a 503. The dataset that
//! comes back equals the CSVs it came from.

#[path = "source_support/mod.rs"]
mod support;

use std::time::Duration;

use liqmap::source::archive::fetch_archive;
use liqmap::source::{CancelToken, FetchOutcome, SourceConfig, SourceError, Venue};
use support::archive::{ArchiveFile, assert_equals_the_csvs, hype_files, klines_day, metrics_day};
use support::*;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// 2025-12-01: October's monthly files are published.
const NOW_MS: i64 = 1_764_547_200_000;

async fn serve(server: &MockServer, file: &ArchiveFile) {
    Mock::given(path(file.path.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(file.zip.clone()))
        .mount(server)
        .await;
    Mock::given(path(format!("{}.CHECKSUM", file.path)))
        .respond_with(ResponseTemplate::new(200).set_body_string(file.checksum.clone()))
        .mount(server)
        .await;
}

/// A server with every file of the four days except those named in `leave_out`.
async fn archive_server(leave_out: &[&str]) -> MockServer {
    let server = MockServer::start().await;
    for file in hype_files() {
        if !leave_out.contains(&file.name()) {
            serve(&server, &file).await;
        }
    }
    server
}

fn archive_config(server: &MockServer) -> SourceConfig {
    let mut config = config(&server.uri(), NOW_MS);
    config.archive_url = Some(server.uri());
    config
}

async fn fetch_hype(
    config: &SourceConfig,
    start_ms: i64,
    end_ms: i64,
) -> Result<FetchOutcome, SourceError> {
    let request = fetch_request(Venue::Binance, "HYPEUSDT", start_ms, end_ms);
    fetch_archive(&request, config, &no_progress, &CancelToken::new()).await
}

#[tokio::test]
async fn four_days_of_daily_files_give_the_csvs_exactly() {
    let server = archive_server(&[]).await;
    let outcome = fetch_hype(&archive_config(&server), HYPE_START_MS, HYPE_END_MS)
        .await
        .unwrap();
    assert!(outcome.complete, "{:?}", outcome.problems);
    assert_equals_the_csvs(&outcome.dataset, HYPE_START_MS, HYPE_END_MS);
    // 8 files and their 8 checksums, each once.
    assert_eq!(server.received_requests().await.unwrap().len(), 16);
}

#[tokio::test]
async fn a_missing_day_is_a_reported_gap_not_an_error() {
    let server = archive_server(&["HYPEUSDT-5m-2025-10-09.zip"]).await;
    let outcome = fetch_hype(&archive_config(&server), HYPE_START_MS, HYPE_END_MS)
        .await
        .unwrap();
    assert!(!outcome.complete);
    let day = 86_400_000;
    assert_eq!(
        outcome.missing_ms,
        vec![(HYPE_START_MS + day, HYPE_START_MS + 2 * day)]
    );
    assert!(
        outcome
            .problems
            .iter()
            .any(|p| p.contains("HYPEUSDT-5m-2025-10-09.zip (404)")),
        "{:?}",
        outcome.problems
    );
    assert_eq!(outcome.dataset.bars.len(), 3 * 288);
}

#[tokio::test]
async fn a_wrong_checksum_is_retried_then_reported() {
    let mut files = hype_files();
    let bad = files
        .iter_mut()
        .find(|f| f.name() == "HYPEUSDT-5m-2025-10-10.zip")
        .unwrap();
    bad.checksum = format!("{}  {}\n", "0".repeat(64), bad.name());
    let bad_path = bad.path.clone();
    let server = MockServer::start().await;
    for file in &files {
        serve(&server, file).await;
    }
    let config = archive_config(&server);
    let outcome = fetch_hype(&config, HYPE_START_MS, HYPE_END_MS)
        .await
        .unwrap();
    assert!(!outcome.complete);
    assert_eq!(count(&server, &bad_path).await, config.max_tries as usize);
    let all = outcome.problems.join(" | ");
    assert_mentions(&all, &["does not match the CHECKSUM", "2025-10-10"]);
    assert_eq!(outcome.dataset.bars.len(), 3 * 288);
}

#[tokio::test]
async fn a_truncated_zip_a_slow_file_and_a_503_are_retried_and_the_data_is_whole() {
    let server = archive_server(&[]).await;
    let cut = klines_day("2025-10-08", false);
    mount_ahead(
        &server,
        Mock::given(path(cut.path.as_str())),
        Some(1),
        ResponseTemplate::new(200).set_body_bytes(cut.zip[..cut.zip.len() / 2].to_vec()),
    )
    .await;
    let slow = metrics_day("2025-10-11");
    mount_ahead(
        &server,
        Mock::given(path(slow.path.as_str())),
        Some(1),
        ResponseTemplate::new(200)
            .set_body_bytes(slow.zip.clone())
            .set_delay(Duration::from_secs(3)),
    )
    .await;
    let busy = metrics_day("2025-10-09");
    mount_ahead(
        &server,
        Mock::given(path(busy.path.as_str())),
        Some(1),
        ResponseTemplate::new(503).set_body_string("Service Unavailable"),
    )
    .await;
    let outcome = fetch_hype(&archive_config(&server), HYPE_START_MS, HYPE_END_MS)
        .await
        .unwrap();
    assert!(outcome.complete, "{:?}", outcome.problems);
    assert_equals_the_csvs(&outcome.dataset, HYPE_START_MS, HYPE_END_MS);
    for file in [&cut, &slow, &busy] {
        assert_eq!(count(&server, &file.path).await, 2, "{}", file.name());
    }
}

#[tokio::test]
async fn an_interrupted_fetch_resumes_from_the_zip_cache() {
    let server = archive_server(&[]).await;
    let failing = klines_day("2025-10-10", true);
    mount_ahead(
        &server,
        Mock::given(path(failing.path.as_str())),
        Some(4),
        ResponseTemplate::new(503),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = archive_config(&server);
    config.cache_dir = Some(dir.path().to_path_buf());
    let first = fetch_hype(&config, HYPE_START_MS, HYPE_END_MS)
        .await
        .unwrap();
    assert!(!first.complete);
    let again = fetch_hype(&config, HYPE_START_MS, HYPE_END_MS)
        .await
        .unwrap();
    assert!(again.complete, "{:?}", again.problems);
    assert_equals_the_csvs(&again.dataset, HYPE_START_MS, HYPE_END_MS);
    // The zips that arrived the first time are not downloaded again; the failed one is.
    let first_day = klines_day("2025-10-08", false);
    assert_eq!(count(&server, &first_day.path).await, 1);
    assert_eq!(count(&server, &failing.path).await, 5);
}

#[tokio::test]
async fn a_whole_month_asks_for_the_monthly_file_then_its_days() {
    // October 2025 whole: the monthly klines file is asked for; the stand-in has none, so its
    // days are, and only the four recorded ones exist.
    let server = archive_server(&[]).await;
    let october = (1_759_276_800_000, 1_761_955_200_000);
    let outcome = fetch_hype(&archive_config(&server), october.0, october.1)
        .await
        .unwrap();
    let monthly = "/data/futures/um/monthly/klines/HYPEUSDT/5m/HYPEUSDT-5m-2025-10.zip.CHECKSUM";
    assert_eq!(count(&server, monthly).await, 1);
    assert!(!outcome.complete);
    assert_equals_the_csvs(&outcome.dataset, HYPE_START_MS, HYPE_END_MS);
    let gaps = outcome
        .problems
        .iter()
        .filter(|p| p.contains("(404)"))
        .count();
    // 27 days of klines and 27 of metrics are not there.
    assert_eq!(gaps, 54);
}

#[tokio::test]
async fn the_command_line_fetches_the_archive_and_exits_0_or_3() {
    for (leave_out, exit) in [(vec![], 0), (vec!["HYPEUSDT-metrics-2025-10-11.zip"], 3)] {
        let server = archive_server(&leave_out).await;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("hype.json");
        let args: Vec<String> = [
            "fetch",
            "--exchange",
            "binance-archive",
            "--symbol",
            "HYPEUSDT",
            "--interval",
            "5m",
            "--from",
            "2025-10-08T00:00:00Z",
            "--to",
            "2025-10-12T00:00:00Z",
            "--out",
            out.to_str().unwrap(),
            "--base-url",
            &server.uri(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let cache = dir.path().to_path_buf();
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_liqmap"))
                .args(&args)
                .env("XDG_CACHE_HOME", &cache)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(exit), "{stderr}");
        let data = liqmap::dataset::load(&out).unwrap();
        assert_eq!(data.bars.len(), 1152);
        if exit == 0 {
            assert_equals_the_csvs(&data, HYPE_START_MS, HYPE_END_MS);
        } else {
            assert_eq!(data.open_interest.len(), 3 * 288);
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert_mentions(&stdout, &["PARTIAL", "missing: 2025-10-11"]);
        }
    }
}
