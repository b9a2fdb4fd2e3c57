//! Volume mode's values on the command line (issue 11 item 7): relative and labelled so when
//! nothing gives an open-interest figure, in USD summing to the figure given when one is.

use std::process::{Command, Output};

fn liqmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liqmap"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn json(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).expect("JSON")
}

const BTC: &str = "assets/btcusdt-5m.json";

#[test]
fn btcusdt_without_open_interest_says_its_values_are_relative() {
    let out = liqmap(&["clusters", BTC]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("relative values, not USD"), "{text}");
    let out = liqmap(&["map", BTC]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("values are relative, not USD"), "{text}");
    let doc = json(&liqmap(&["clusters", BTC, "--format", "json"]));
    assert_eq!(doc["values"], "relative");
    // The share of open interest explained has no meaning here: left out, never null.
    assert!(doc.get("explained_open_interest").is_none());
    assert!(!doc.to_string().contains("null"));
}

#[test]
fn a_typed_open_interest_is_what_the_map_adds_up_to() {
    let doc = json(&liqmap(&[
        "map",
        BTC,
        "--format",
        "json",
        "--oi-anchor-usd",
        "9000000000",
    ]));
    assert_eq!(doc["values"], "usd_scaled_to_open_interest");
    let total = doc["long_total_usd"].as_f64().expect("longs")
        + doc["short_total_usd"].as_f64().expect("shorts");
    assert!((total - 9e9).abs() <= 1e-6 * 9e9, "{total}");
    // The sample's open interest drives the HYPE map: USD, whatever is typed for volume mode.
    let doc = json(&liqmap(&[
        "map",
        "assets/sample.json",
        "--format",
        "json",
        "--oi-anchor-usd",
        "5",
    ]));
    assert_eq!(doc["values"], "usd");
}

#[test]
fn a_figure_below_zero_is_a_bad_argument() {
    let out = liqmap(&["clusters", BTC, "--oi-anchor-usd", "-3"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--oi-anchor-usd -3") && err.contains("more than 0"),
        "{err}"
    );
}

#[test]
fn the_map_table_total_says_relative_when_the_values_are() {
    // BTCUSDT in volume mode with no open-interest figure: relative values.
    let out = liqmap(&["map", BTC]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let total = text
        .lines()
        .find(|l| l.starts_with("total"))
        .unwrap_or_else(|| panic!("no total line in {text}"));
    assert!(
        total.starts_with("total (relative, not USD): longs "),
        "{total}"
    );
    assert!(
        !total.contains("USD,") && !total.ends_with("USD"),
        "{total}"
    );
    // With a figure to scale to, the same total is USD.
    let out = liqmap(&["map", BTC, "--oi-anchor-usd", "9000000000"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let total = text.lines().find(|l| l.starts_with("total")).unwrap();
    assert!(
        total.starts_with("total: longs ") && total.ends_with(" USD"),
        "{total}"
    );
}

/// The column names of a Parquet file, in order.
fn parquet_columns(path: &std::path::Path) -> Vec<String> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let file = std::fs::File::open(path).expect("open");
    let reader = SerializedFileReader::new(file).expect("a Parquet file");
    reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect()
}

#[test]
fn relative_values_have_relative_column_names_in_every_format() {
    // BTCUSDT in volume mode with no open-interest figure: no column may say usd.
    let table = String::from_utf8_lossy(&liqmap(&["map", BTC]).stdout).into_owned();
    // The header itself is checked in cli_tables; its note names the relative columns.
    assert!(table.contains("cum_long_rel: longs liquidated"), "{table}");
    let csv =
        String::from_utf8_lossy(&liqmap(&["map", BTC, "--format", "csv"]).stdout).into_owned();
    assert_eq!(
        csv.lines().next(),
        Some("price_low,price_high,long_rel,short_rel")
    );
    let doc = json(&liqmap(&["map", BTC, "--format", "json"]));
    let row = doc["rows"][0].as_object().expect("a row");
    assert!(row.contains_key("long_rel") && row.contains_key("short_rel"));
    assert!(doc.get("long_total_rel").is_some() && doc.get("short_total_rel").is_some());
    assert!(!doc.to_string().contains("long_usd") && !doc.to_string().contains("total_usd"));

    let csv =
        String::from_utf8_lossy(&liqmap(&["clusters", BTC, "--format", "csv"]).stdout).into_owned();
    let header = csv.lines().next().expect("a header");
    assert!(
        header.contains(",notional_rel,") && !header.contains("usd"),
        "{header}"
    );
    let doc = json(&liqmap(&["clusters", BTC, "--format", "json"]));
    let first = doc["clusters"][0].as_object().expect("a cluster");
    assert!(first.contains_key("notional_rel") && !first.contains_key("notional_usd"));

    let dir = tempfile::tempdir().expect("tempdir");
    let grid_csv = dir.path().join("grid.csv");
    let grid_parquet = dir.path().join("grid.parquet");
    let clusters_parquet = dir.path().join("clusters.parquet");
    for (flag, path) in [
        ("--grid-csv", &grid_csv),
        ("--grid-csv", &grid_parquet),
        ("--clusters-csv", &clusters_parquet),
    ] {
        let out = liqmap(&["export", BTC, flag, path.to_str().expect("utf-8")]);
        assert!(out.status.success(), "{out:?}");
    }
    let grid = std::fs::read_to_string(&grid_csv).expect("the grid");
    assert_eq!(
        grid.lines().next(),
        Some("time_ms,price_low,long_rel,short_rel")
    );
    assert_eq!(
        parquet_columns(&grid_parquet),
        ["time_ms", "price_low", "long_rel", "short_rel"]
    );
    assert!(parquet_columns(&clusters_parquet).contains(&"notional_rel".to_string()));

    // With an open-interest figure the same columns are USD.
    let csv = String::from_utf8_lossy(
        &liqmap(&[
            "map",
            BTC,
            "--format",
            "csv",
            "--oi-anchor-usd",
            "9000000000",
        ])
        .stdout,
    )
    .into_owned();
    assert_eq!(
        csv.lines().next(),
        Some("price_low,price_high,long_usd,short_usd")
    );
}
