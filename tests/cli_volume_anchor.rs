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
