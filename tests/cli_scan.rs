//! `liqmap scan` on the bundled datasets, against the nearest clusters picked by hand out of
//! `liqmap clusters --format json` run on each file alone.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

fn asset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets")
        .join(name)
}

fn liqmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liqmap"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// A row as `scan` should print it: symbol, side, price_low, price_high, notional, distance,
/// and what the notional is (`usd`, or `relative` in its own column, never under a USD name).
#[derive(Debug, Clone, PartialEq)]
struct Expected {
    symbol: String,
    side: String,
    price_low: f64,
    price_high: f64,
    notional: f64,
    values: String,
    distance_pct: f64,
}

/// The nearest long and short cluster of one file, from `liqmap clusters`.
fn nearest_by_hand(path: &Path) -> Vec<Expected> {
    let out = liqmap(&[
        "clusters",
        path.to_str().expect("utf-8"),
        "--top",
        "100000",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let symbol = doc["symbol"].as_str().expect("symbol").to_string();
    let values = doc["values"].as_str().expect("values").to_string();
    let clusters = doc["clusters"].as_array().expect("clusters");
    let mut rows = Vec::new();
    for side in ["long", "short"] {
        let mut best: Option<Expected> = None;
        for c in clusters.iter().filter(|c| c["side"] == side) {
            let candidate = Expected {
                symbol: symbol.clone(),
                side: side.to_string(),
                price_low: c["price_low"].as_f64().expect("number"),
                price_high: c["price_high"].as_f64().expect("number"),
                // `clusters` names relative values `notional_rel`.
                notional: c
                    .get("notional_usd")
                    .or_else(|| c.get("notional_rel"))
                    .and_then(serde_json::Value::as_f64)
                    .expect("number"),
                values: values.clone(),
                distance_pct: c["distance_pct"].as_f64().expect("number"),
            };
            let better = best.as_ref().is_none_or(|b| {
                candidate.distance_pct.abs() < b.distance_pct.abs()
                    || (candidate.distance_pct.abs() == b.distance_pct.abs()
                        && candidate.notional > b.notional)
            });
            if better {
                best = Some(candidate);
            }
        }
        rows.extend(best);
    }
    rows
}

/// Every file's rows, nearest first, larger first at equal distance.
fn ranked(files: &[PathBuf]) -> Vec<Expected> {
    let mut rows: Vec<Expected> = files.iter().flat_map(|f| nearest_by_hand(f)).collect();
    rows.sort_by(|a, b| {
        a.distance_pct
            .abs()
            .total_cmp(&b.distance_pct.abs())
            .then(b.notional.total_cmp(&a.notional))
    });
    rows
}

fn scan_csv(out: &Output) -> Vec<Expected> {
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "rank,symbol,exchange,side,price_low,price_high,peak_price,notional_usd,\
             notional_rel,values,distance_pct,close,time_ms,time,file"
        )
    );
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let number = |i: usize| cells[i].parse::<f64>().expect("number");
            // The notional in the column of its unit, the other left empty.
            let values = cells[9].to_string();
            let (filled, empty) = if values == "relative" { (8, 7) } else { (7, 8) };
            assert_eq!(cells[empty], "", "{line}");
            Expected {
                symbol: cells[1].to_string(),
                side: cells[3].to_string(),
                price_low: number(4),
                price_high: number(5),
                notional: number(filled),
                values,
                distance_pct: number(10),
            }
        })
        .collect()
}

fn bundled() -> Vec<PathBuf> {
    vec![asset("sample.json"), asset("btcusdt-5m.json")]
}

#[test]
fn scan_ranks_each_symbols_nearest_clusters_like_clusters_does() {
    let files = bundled();
    let expected = ranked(&files);
    assert_eq!(expected.len(), 4, "both files have clusters on both sides");
    let out = liqmap(&[
        "scan",
        files[0].to_str().expect("utf-8"),
        files[1].to_str().expect("utf-8"),
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(scan_csv(&out), expected);
}

#[test]
fn a_folder_is_scanned_and_top_keeps_the_nearest() {
    let dir = tempfile::tempdir().expect("tempdir");
    for file in bundled() {
        let name = file.file_name().expect("name");
        std::fs::copy(&file, dir.path().join(name)).expect("copy");
    }
    std::fs::write(dir.path().join("notes.txt"), "not a dataset").expect("write");
    let folder = dir.path().to_str().expect("utf-8");
    let out = liqmap(&["scan", folder, "--format", "csv", "--top", "1"]);
    assert!(out.status.success(), "{out:?}");
    let expected = ranked(&bundled());
    assert_eq!(scan_csv(&out), expected[..1].to_vec());
}

#[test]
fn a_bad_file_is_named_and_the_others_still_print() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("broken.json");
    std::fs::write(&bad, "{\"format\":\"liqmap-dataset\",\"version\":1,").expect("write");
    let sample = asset("sample.json");
    let out = liqmap(&[
        "scan",
        sample.to_str().expect("utf-8"),
        bad.to_str().expect("utf-8"),
        "--format",
        "csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.json"), "{err}");
    assert!(err.contains("1 of 2 files could not be scanned"), "{err}");
    assert_eq!(scan_csv(&out), ranked(&[sample]));
}

#[test]
fn a_zero_byte_parquet_file_is_named_and_the_others_still_print() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.parquet");
    std::fs::write(&empty, b"").expect("write");
    let sample = asset("sample.json");
    let out = liqmap(&[
        "scan",
        sample.to_str().expect("utf-8"),
        empty.to_str().expect("utf-8"),
        "--format",
        "csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("empty.parquet: not a Parquet file"), "{err}");
    assert!(err.contains("1 of 2 files could not be scanned"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(scan_csv(&out), ranked(&[sample]));
}

#[test]
fn parquet_output_has_the_csv_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_path = dir.path().join("scan.parquet");
    let files = bundled();
    let args = |format: &str| {
        let mut a = vec!["scan".to_string()];
        a.extend(files.iter().map(|f| f.to_str().expect("utf-8").to_string()));
        a.extend(["--format".to_string(), format.to_string()]);
        a
    };
    let csv = liqmap(&args("csv").iter().map(String::as_str).collect::<Vec<_>>());
    let mut parquet_args = args("parquet");
    parquet_args.extend(["--out".to_string(), out_path.display().to_string()]);
    let written = liqmap(&parquet_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(written.status.success(), "{written:?}");
    let reader = SerializedFileReader::new(File::open(&out_path).expect("open")).expect("read");
    let rows: Vec<Expected> = reader
        .get_row_iter(None)
        .expect("rows")
        .map(|row| {
            let row = row.expect("row");
            let get = |name: &str| {
                row.get_column_iter()
                    .find(|(n, _)| n.as_str() == name)
                    .map(|(_, f)| f.clone())
                    .expect("column")
            };
            let number = |name: &str| match get(name) {
                Field::Double(v) => v,
                other => panic!("{name}: {other:?}"),
            };
            let text = |name: &str| match get(name) {
                Field::Str(v) => v,
                other => panic!("{name}: {other:?}"),
            };
            let values = text("values");
            let (filled, empty) = if values == "relative" {
                ("notional_rel", "notional_usd")
            } else {
                ("notional_usd", "notional_rel")
            };
            assert_eq!(get(empty), Field::Null, "{empty} of a {values} row");
            Expected {
                symbol: text("symbol"),
                side: text("side"),
                price_low: number("price_low"),
                price_high: number("price_high"),
                notional: number(filled),
                values,
                distance_pct: number("distance_pct"),
            }
        })
        .collect();
    assert_eq!(rows, scan_csv(&csv));
    let no_out = liqmap(
        &args("parquet")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(no_out.status.code(), Some(2));
}

/// The two bundled datasets map in different units: the HYPEUSDT sample holds open interest from
/// its start (so the map is USD), the BTCUSDT one none (so volume mode has nothing to scale to
/// and its values are relative). A column named `notional_usd` holds the first only; the second
/// is in `notional_rel`, its rows say `relative`, and the table marks them and says why.
#[test]
fn notional_usd_holds_usd_only_when_the_datasets_mix_units() {
    let files = bundled();
    // The units worked out from the files themselves, not from the engine.
    let hype = liqmap::dataset::load(&files[0]).expect("sample");
    let btc = liqmap::dataset::load(&files[1]).expect("btc");
    let hype_start = hype.bars.first().expect("bars").open_time_ms;
    assert!(hype.open_interest.len() >= 2 && hype.open_interest[0].time_ms <= hype_start);
    assert!(btc.open_interest.is_empty());
    let paths: Vec<&str> = files.iter().map(|f| f.to_str().expect("utf-8")).collect();
    let out = liqmap(&["scan", paths[0], paths[1], "--format", "csv"]);
    assert!(out.status.success(), "{out:?}");
    let rows = scan_csv(&out);
    assert_eq!(rows.len(), 4);
    for row in &rows {
        let expected = if row.symbol == "HYPEUSDT" {
            "usd"
        } else {
            "relative"
        };
        assert_eq!(row.values, expected, "{row:?}");
    }
    assert_eq!(rows, ranked(&files));
    // The table: relative rows marked `rel`, with the reason under it; USD rows unmarked.
    let table = liqmap(&["scan", paths[0], paths[1]]);
    let text = String::from_utf8_lossy(&table.stdout);
    for line in text.lines().filter(|l| l.contains(".json")) {
        assert_eq!(line.contains(" rel "), line.contains("BTCUSDT"), "{line}");
    }
    assert!(
        text.lines()
            .any(|l| l.starts_with("rel: ") && l.contains("not USD")),
        "{text}"
    );
}
