//! `map`, `clusters` and `export` given several datasets, run as a user runs them: the outputs
//! are checked against single-dataset runs of the same binary and against sums by hand.
//!
//! Two real Binance recordings stand in for two venues of one coin (there is no real recording of
//! one coin on two venues here): `assets/sample.json` (HYPEUSDT, with open interest) and
//! `assets/btcusdt-5m.json` relabelled `second-venue` (no open interest: volume mode). Their
//! prices are far apart, which does not matter to sums and shares.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use liqmap::dataset;

/// The last bar of the sample opens here; `--at last` over both is its close minus 1 ms.
const LAST_COMMON_MS: &str = "1760227199999";

fn liqmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liqmap"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn ok_stdout(args: &[&str]) -> String {
    let output = liqmap(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn asset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets")
        .join(name)
}

/// The sample and the relabelled BTC recording, the latter saved in `dir`.
fn two_files(dir: &Path) -> (String, String) {
    let mut btc = dataset::load(&asset("btcusdt-5m.json")).expect("btc loads");
    btc.exchange = "second-venue".into();
    let btc_path = dir.join("second.json");
    dataset::save(&btc, &btc_path).expect("saved");
    (
        asset("sample.json").display().to_string(),
        btc_path.display().to_string(),
    )
}

fn numbers(line: &str) -> Vec<f64> {
    line.split(',')
        .map(|f| f.parse::<f64>().expect("a number"))
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// `price_low -> (long, short)` of a single-dataset `map --format csv`.
fn single_rows(csv: &str) -> std::collections::HashMap<String, (f64, f64)> {
    csv.lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let value = |i: usize| fields[i].parse::<f64>().expect("number");
            (fields[0].to_string(), (value(2), value(3)))
        })
        .collect()
}

#[test]
fn map_by_venue_columns_are_the_single_dataset_maps_and_add_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (hype, btc) = two_files(dir.path());
    let summed = ok_stdout(&[
        "map",
        &hype,
        &btc,
        "--by-venue",
        "--format",
        "csv",
        "--bin",
        "1",
    ]);
    let single_hype = single_rows(&ok_stdout(&["map", &hype, "--format", "csv", "--bin", "1"]));
    let single_btc = single_rows(&ok_stdout(&[
        "map",
        &btc,
        "--at",
        LAST_COMMON_MS,
        "--format",
        "csv",
        "--bin",
        "1",
    ]));
    let mut lines = summed.lines();
    // The BTC file has no open interest: its values and so the sum are relative, not USD.
    assert_eq!(
        lines.next(),
        Some(
            "price_low,price_high,long_rel,short_rel,long_usd_binance-usdm,short_usd_binance-usdm,\
             long_rel_second-venue,short_rel_second-venue"
        )
    );
    let mut rows = 0;
    for line in lines {
        let price_low = line.split(',').next().expect("price").to_string();
        let v = numbers(line);
        assert!(
            close(v[2], v[4] + v[6]) && close(v[3], v[5] + v[7]),
            "{line}"
        );
        let hype_row = single_hype.get(&price_low).copied().unwrap_or((0.0, 0.0));
        let btc_row = single_btc.get(&price_low).copied().unwrap_or((0.0, 0.0));
        assert_eq!((v[4], v[5]), hype_row, "{line}");
        assert_eq!((v[6], v[7]), btc_row, "{line}");
        rows += 1;
    }
    assert_eq!(rows, single_hype.len() + single_btc.len());
}

#[test]
fn one_dataset_by_venue_prints_the_single_venue_map() {
    let sample = asset("sample.json").display().to_string();
    let plain = ok_stdout(&["map", &sample, "--format", "csv"]);
    let by_venue = ok_stdout(&["map", &sample, "--format", "csv", "--by-venue"]);
    let firsts: Vec<String> = by_venue
        .lines()
        .map(|l| l.split(',').take(4).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(firsts, plain.lines().collect::<Vec<_>>());
}

fn write_view(dir: &Path, text: &str) -> String {
    let path = dir.join("coin.view.json");
    std::fs::write(&path, text).expect("written");
    path.display().to_string()
}

#[test]
fn a_view_with_one_venue_ticked_off_gives_the_other_venue_clusters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (hype, _) = two_files(dir.path());
    let view = write_view(
        dir.path(),
        &format!(
            r#"{{"format": "liqmap-view", "version": 1, "datasets": [
                {{"path": {hype:?}}}, {{"path": "second.json", "enabled": false}}]}}"#
        ),
    );
    let single: serde_json::Value =
        serde_json::from_str(&ok_stdout(&["clusters", &hype, "--format", "json"])).expect("json");
    let summed: serde_json::Value = serde_json::from_str(&ok_stdout(&[
        "clusters",
        &view,
        "--format",
        "json",
        "--by-venue",
    ]))
    .expect("json");
    let (single, summed) = (
        single["clusters"].as_array().expect("list"),
        summed["clusters"].as_array().expect("list"),
    );
    assert!(!single.is_empty());
    assert_eq!(single.len(), summed.len());
    for (a, b) in single.iter().zip(summed) {
        for key in [
            "side",
            "price_low",
            "price_high",
            "peak_price",
            "notional_usd",
            "formed_time_ms",
        ] {
            assert_eq!(a[key], b[key], "{key}");
        }
        assert_eq!(b["venue_share"]["binance-usdm"], 1.0);
        assert_eq!(b["venue_share"]["second-venue"], 0.0);
    }
}

#[test]
fn cluster_shares_add_up_and_the_mix_is_stated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (hype, btc) = two_files(dir.path());
    let csv = ok_stdout(&["clusters", &hype, &btc, "--by-venue", "--format", "csv"]);
    let mut lines = csv.lines();
    let header = lines.next().expect("header");
    assert!(
        header.ends_with(",share_binance-usdm,share_second-venue"),
        "{header}"
    );
    let mut count = 0;
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        let shares: f64 = fields[fields.len() - 2..]
            .iter()
            .map(|f| f.parse::<f64>().expect("share"))
            .sum();
        assert!(close(shares, 1.0), "{line}");
        count += 1;
    }
    assert!(count > 0);
    let table = ok_stdout(&["clusters", &hype, &btc]);
    assert!(
        table.contains("open interest: binance-usdm; volume: second-venue (mixed"),
        "{table}"
    );
    assert!(table.contains("binance-usdm (reference)"), "{table}");
}

#[test]
fn export_grid_by_venue_adds_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (hype, btc) = two_files(dir.path());
    let out = dir.path().join("grid.csv");
    let out_text = out.display().to_string();
    ok_stdout(&[
        "export",
        &hype,
        &btc,
        "--by-venue",
        "--grid-csv",
        &out_text,
        "--width",
        "200",
        "--bin",
        "200",
    ]);
    let text = std::fs::read_to_string(&out).expect("grid written");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "time_ms,price_low,long_rel,short_rel,long_usd_binance-usdm,short_usd_binance-usdm,\
             long_rel_second-venue,short_rel_second-venue"
        )
    );
    // Rows of 200 USD reach both coins' prices (HYPE near 40, BTC near 110,000).
    let mut both = [false, false];
    for line in lines {
        let v = numbers(line);
        assert!(
            close(v[2], v[4] + v[6]) && close(v[3], v[5] + v[7]),
            "{line}"
        );
        both[0] |= v[4] + v[5] > 0.0;
        both[1] |= v[6] + v[7] > 0.0;
    }
    assert_eq!(both, [true, true]);
}

#[test]
fn export_grid_row_edges_are_exact_decimals() {
    // The sample twice (the copy relabelled as another venue), in rows of 0.1 USD: every row's
    // lower edge is k * 0.1 written with one decimal at most, as the single-venue grid writes
    // it (the float product would print 43.400000000000006 for row 434).
    let dir = tempfile::tempdir().expect("tempdir");
    let mut copy = dataset::load(&asset("sample.json")).expect("sample loads");
    copy.exchange = "second-venue".into();
    let copy_path = dir.path().join("copy.json");
    dataset::save(&copy, &copy_path).expect("saved");
    let out = dir.path().join("grid.csv");
    ok_stdout(&[
        "export",
        &asset("sample.json").display().to_string(),
        &copy_path.display().to_string(),
        "--grid-csv",
        &out.display().to_string(),
        "--width",
        "50",
        "--bin",
        "0.1",
    ]);
    let text = std::fs::read_to_string(&out).expect("grid written");
    let edges: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|line| line.split(',').nth(1).expect("a price_low field"))
        .collect();
    assert!(edges.len() > 100, "{} cells", edges.len());
    for edge in edges {
        let decimals = edge.split_once('.').map_or(0, |(_, d)| d.len());
        assert!(decimals <= 1, "row edge {edge}");
    }
}

#[test]
fn bad_views_and_references_are_named_with_exit_code_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (hype, btc) = two_files(dir.path());
    let view = write_view(
        dir.path(),
        r#"{"format": "liqmap-view", "version": 1, "datasets": [{"path": "missing.json"}]}"#,
    );
    let output = liqmap(&["map", &view]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("missing.json"), "{message}");

    let output = liqmap(&["map", &hype, &btc, "--reference", "okx-swap"]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("--reference okx-swap") && message.contains("second-venue"),
        "{message}"
    );
    // Choosing the reference by position moves the candles and the close to that venue.
    let json: serde_json::Value = serde_json::from_str(&ok_stdout(&[
        "map",
        &hype,
        &btc,
        "--reference",
        "2",
        "--format",
        "json",
        "--bin",
        "100",
    ]))
    .expect("json");
    assert_eq!(json["venues"][1]["reference"], true);
    assert!(json["close"].as_f64().expect("close") > 50_000.0);
}
