//! Parquet: datasets, grids and clusters written by liqmap read back with the `parquet` crate's
//! own row reader (an independent reader of the format), and datasets read back by liqmap.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use liqmap::dataset::{self, ImportRequest};
use liqmap::model::Dataset;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, Row};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

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

/// Every row of a Parquet file through the `parquet` crate's record reader.
fn rows(path: &Path) -> Vec<Row> {
    let reader = SerializedFileReader::new(File::open(path).expect("open")).expect("parquet");
    reader
        .get_row_iter(None)
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect()
}

fn field<'a>(row: &'a Row, name: &str) -> &'a Field {
    row.get_column_iter()
        .find(|(n, _)| n.as_str() == name)
        .map(|(_, f)| f)
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn double(row: &Row, name: &str) -> Option<f64> {
    match field(row, name) {
        Field::Double(v) => Some(*v),
        Field::Null => None,
        other => panic!("{name} is {other:?}"),
    }
}

fn long(row: &Row, name: &str) -> i64 {
    match field(row, name) {
        Field::Long(v) => *v,
        other => panic!("{name} is {other:?}"),
    }
}

fn text(row: &Row, name: &str) -> Option<String> {
    match field(row, name) {
        Field::Str(v) => Some(v.clone()),
        Field::Null => None,
        other => panic!("{name} is {other:?}"),
    }
}

fn with_liquidations() -> Dataset {
    dataset::import(&ImportRequest {
        liquidations: Some(data("all-liquidations-forceorder-20251022-0940.csv")),
        ..ImportRequest::klines_only(&data("btcusdt-klines-5m-freqtrade-20251022.json"))
    })
    .expect("import")
}

#[test]
fn a_written_dataset_reads_back_with_the_parquet_row_reader() {
    let dir = tempfile::tempdir().expect("tempdir");
    for d in [dataset::sample().expect("sample"), with_liquidations()] {
        let path = dir.path().join("d.parquet");
        dataset::save(&d, &path).expect("save");
        let rows = rows(&path);
        assert_eq!(
            rows.len(),
            d.bars.len() + d.open_interest.len() + d.liquidations.len()
        );
        let kinds = |kind: &str| {
            rows.iter()
                .filter(|r| text(r, "record").as_deref() == Some(kind))
                .collect::<Vec<_>>()
        };
        let bars = kinds("bar");
        assert_eq!(bars.len(), d.bars.len());
        for (row, bar) in bars.iter().zip(&d.bars) {
            assert_eq!(text(row, "symbol").as_deref(), Some(d.symbol.as_str()));
            assert_eq!(long(row, "time_ms"), bar.open_time_ms);
            assert_eq!(double(row, "open"), Some(bar.open));
            assert_eq!(double(row, "high"), Some(bar.high));
            assert_eq!(double(row, "low"), Some(bar.low));
            assert_eq!(double(row, "close"), Some(bar.close));
            assert_eq!(double(row, "volume"), Some(bar.volume));
            assert_eq!(double(row, "taker_buy_volume"), bar.taker_buy_volume);
            assert_eq!(double(row, "quote_volume"), bar.quote_volume);
            assert_eq!(double(row, "open_interest"), None);
            assert_eq!(text(row, "side"), None);
        }
        let oi = kinds("open_interest");
        assert_eq!(oi.len(), d.open_interest.len());
        for (row, sample) in oi.iter().zip(&d.open_interest) {
            assert_eq!(long(row, "time_ms"), sample.time_ms);
            assert_eq!(double(row, "open_interest"), Some(sample.open_interest));
            assert_eq!(double(row, "value_usd"), sample.value_usd);
            assert_eq!(double(row, "open"), None);
        }
        let liquidations = kinds("liquidation");
        assert_eq!(liquidations.len(), d.liquidations.len());
        for (row, l) in liquidations.iter().zip(&d.liquidations) {
            assert_eq!(long(row, "time_ms"), l.time_ms);
            assert_eq!(text(row, "side").as_deref(), Some(l.side.name()));
            assert_eq!(double(row, "price"), Some(l.price));
            assert_eq!(double(row, "quantity"), Some(l.quantity));
        }
        // And liqmap reads it back to the same dataset, bit for bit.
        let back = dataset::load(&path).expect("load");
        assert_eq!(back, d);
        let bits = |d: &Dataset| -> Vec<u64> {
            d.bars
                .iter()
                .flat_map(|b| [b.open.to_bits(), b.high.to_bits(), b.volume.to_bits()])
                .collect()
        };
        assert_eq!(bits(&back), bits(&d));
    }
}

#[test]
fn the_real_sample_has_the_first_bar_of_its_json() {
    // First bar of assets/sample.json, read off the JSON text by hand.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sample.parquet");
    let d = dataset::load(&asset("sample.json")).expect("sample");
    dataset::save(&d, &path).expect("save");
    let rows = rows(&path);
    let first = rows.first().expect("a row");
    assert_eq!(text(first, "record").as_deref(), Some("bar"));
    assert_eq!(text(first, "exchange").as_deref(), Some("binance-usdm"));
    assert_eq!(text(first, "symbol").as_deref(), Some("HYPEUSDT"));
    assert_eq!(long(first, "time_ms"), 1_759_881_600_000);
}

#[test]
fn import_and_info_work_on_parquet_by_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("hype.parquet");
    let klines = data("hypeusdt-klines-takerbuy-5m-20251010-crash.csv");
    let oi = data("hypeusdt-metrics-openinterest-5m-20251010-crash.csv");
    let imported = liqmap(&[
        "import",
        "--klines",
        klines.to_str().expect("utf-8"),
        "--open-interest",
        oi.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(imported.status.success(), "{imported:?}");
    assert_eq!(&std::fs::read(&out).expect("written")[..4], b"PAR1");
    let from_parquet = liqmap(&["info", out.to_str().expect("utf-8")]);
    let json = dir.path().join("hype.json");
    let imported_json = liqmap(&[
        "import",
        "--klines",
        klines.to_str().expect("utf-8"),
        "--open-interest",
        oi.to_str().expect("utf-8"),
        "--out",
        json.to_str().expect("utf-8"),
    ]);
    assert!(imported_json.status.success());
    let from_json = liqmap(&["info", json.to_str().expect("utf-8")]);
    assert!(from_parquet.status.success(), "{from_parquet:?}");
    assert_eq!(from_parquet.stdout, from_json.stdout);
}

#[test]
fn a_damaged_parquet_file_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("d.parquet");
    dataset::save(&dataset::sample().expect("sample"), &path).expect("save");
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("truncate");
    let out = liqmap(&["info", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("d.parquet"), "{err}");
    assert!(err.contains("not a Parquet file"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn export_writes_grid_and_clusters_as_parquet_with_the_csv_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sample = asset("sample.json");
    let sample = sample.to_str().expect("utf-8");
    let path = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    let csv = liqmap(&[
        "export",
        sample,
        "--grid-csv",
        &path("g.csv"),
        "--clusters-csv",
        &path("c.csv"),
    ]);
    assert!(csv.status.success(), "{csv:?}");
    let parquet = liqmap(&[
        "export",
        sample,
        "--grid-csv",
        &path("g.parquet"),
        "--clusters-csv",
        &path("c.parquet"),
    ]);
    assert!(parquet.status.success(), "{parquet:?}");

    let grid_csv = std::fs::read_to_string(path("g.csv")).expect("grid csv");
    let grid_rows = rows(Path::new(&path("g.parquet")));
    let lines: Vec<&str> = grid_csv.lines().skip(1).collect();
    assert!(!lines.is_empty());
    assert_eq!(grid_rows.len(), lines.len());
    for (row, line) in grid_rows.iter().zip(&lines) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(long(row, "time_ms").to_string(), cells[0]);
        let number = |s: &str| s.parse::<f64>().expect("number");
        assert_eq!(double(row, "price_low"), Some(number(cells[1])));
        assert_eq!(double(row, "long_usd"), Some(number(cells[2])));
        assert_eq!(double(row, "short_usd"), Some(number(cells[3])));
    }

    let clusters_csv = std::fs::read_to_string(path("c.csv")).expect("clusters csv");
    let mut lines = clusters_csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let cluster_rows = rows(Path::new(&path("c.parquet")));
    let lines: Vec<&str> = lines.collect();
    assert!(!lines.is_empty());
    assert_eq!(cluster_rows.len(), lines.len());
    for (row, line) in cluster_rows.iter().zip(&lines) {
        let names: Vec<&String> = row.get_column_iter().map(|(n, _)| n).collect();
        assert_eq!(names, header);
        for ((name, value), cell) in row.get_column_iter().zip(line.split(',')) {
            let same = match value {
                Field::Long(v) => v.to_string() == cell,
                Field::Double(v) => cell.parse::<f64>().ok() == Some(*v),
                Field::Str(v) => v == cell,
                other => panic!("{name}: {other:?}"),
            };
            assert!(same, "{name}: {value:?} against {cell}");
        }
    }
}

#[test]
fn export_refuses_a_parquet_grid_over_two_million_cells() {
    // The sample has 1,152 bars, so --width 2000 gives 1,152 columns; rows of 0.001 USD over the
    // candles alone (the grid covers at least them) make far more than 2,000,000 cells.
    let sample_path = asset("sample.json");
    let sample = dataset::load(&sample_path).expect("sample loads");
    assert_eq!(sample.bars.len(), 1152);
    let (low, high) = sample
        .bars
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), b| {
            (lo.min(b.low), hi.max(b.high))
        });
    let candle_rows = ((high - low) / 0.001).floor();
    assert!(candle_rows * 1152.0 > 2_000_000.0);

    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("g.parquet");
    let out = liqmap(&[
        "export",
        sample_path.to_str().expect("utf-8"),
        "--grid-csv",
        target.to_str().expect("utf-8"),
        "--width",
        "2000",
        "--bin",
        "0.001",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("g.parquet"), "{err}");
    assert!(
        err.contains("x 1152 columns is over 2000000 cells"),
        "{err}"
    );
    let rows: f64 = err
        .split(" rows x ")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the row count in the message");
    assert!(
        rows >= candle_rows,
        "{rows} rows, the candles need {candle_rows}"
    );
    // Nothing is written, not even a temporary file.
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert!(left.is_empty(), "{left:?}");
}
