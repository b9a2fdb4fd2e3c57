//! The `info` and `import` commands, run as the built binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn liqmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liqmap"))
        .args(args)
        // Away from the project, so nothing is found through the working directory.
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap()
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn info_on_the_bundled_sample() {
    let out = liqmap(&["info"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for line in [
        "exchange:       binance-usdm",
        "symbol:         HYPEUSDT",
        "interval:       5m",
        "bars:           1152",
        "time range:     2025-10-08T00:00:00Z → 2025-10-12T00:00:00Z (UTC)",
        "open interest:  1152 samples, 2025-10-08T00:00:00Z → 2025-10-11T23:55:00Z, covering 100.0% of bars",
        "liquidations:   0 real events, 0.00 USD",
        "taker-buy vol:  yes",
        "quote volume:   no",
        "gaps:           none",
    ] {
        assert!(stdout.contains(line), "missing '{line}' in:\n{stdout}");
    }
}

#[test]
fn import_then_info_with_liquidations_and_gaps() {
    let dir = tempfile::tempdir().unwrap();
    // Drop rows 4 and 5 (09:05 and 09:10; row 1 opens at 1761123000000 = 08:50) for a gap.
    let source =
        std::fs::read_to_string(data("btcusdt-klines-5m-freqtrade-20251022.json")).unwrap();
    let rows: Vec<&str> = source
        .trim()
        .trim_start_matches("[[")
        .trim_end_matches("]]")
        .split("],[")
        .collect();
    let kept: Vec<&str> = rows
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, r)| *r)
        .collect();
    let klines = dir.path().join("BTCUSDT-5m.json");
    std::fs::write(&klines, format!("[[{}]]", kept.join("],["))).unwrap();
    let out_path = dir.path().join("btc.json");
    let out = liqmap(&[
        "import",
        "--klines",
        klines.to_str().unwrap(),
        "--liquidations",
        data("all-liquidations-forceorder-20251022-0940.csv")
            .to_str()
            .unwrap(),
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("wrote "), "{stdout}");
    assert!(stdout.contains("BTCUSDT 5m, 29 bars"), "{stdout}");
    assert!(stdout.contains("2 liquidations"), "{stdout}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");

    let out = liqmap(&["info", out_path.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // 107952.8 × 0.008 + 107946.6 × 0.018 = 863.6224 + 1943.0388
    assert!(
        stdout.contains("liquidations:   2 real events, 2806.66 USD"),
        "{stdout}"
    );
    assert!(stdout.contains("open interest:  none"), "{stdout}");
    assert!(
        stdout.contains("gaps:           1 (2 bars missing)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2025-10-22T09:00:00Z → 2025-10-22T09:15:00Z: 2 bars missing"),
        "{stdout}"
    );
}

#[test]
fn import_of_a_bad_file_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken-klines.csv");
    std::fs::write(&bad, "open_time,open,high,low,close\n1,2,3,1,2\n").unwrap();
    let out_path = dir.path().join("out.json");
    let out = liqmap(&[
        "import",
        "--klines",
        bad.to_str().unwrap(),
        "--symbol",
        "BTCUSDT",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(&format!("error: {}: ", bad.display())),
        "{stderr}"
    );
    assert!(stderr.contains("volume"), "{stderr}");
    assert!(!out_path.exists());
}

#[test]
fn info_on_a_missing_file_exits_2() {
    let out = liqmap(&["info", "/nonexistent/liqmap.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent/liqmap.json"));
}
