//! Bad input gets a clear error naming the file, the row where it can, and what is wrong.

use std::path::{Path, PathBuf};

use liqmap::dataset::{self, DatasetError, ImportRequest};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(data(name)).unwrap()
}

/// The HYPEUSDT klines CSV fixture: header line, then 31 rows (file lines 2..=32).
fn hype_csv_lines() -> Vec<String> {
    fixture("hypeusdt-klines-takerbuy-5m-20251010-crash.csv")
        .lines()
        .map(str::to_string)
        .collect()
}

struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// Imports `request`, expecting an error about `path` whose message holds every one of `needles`.
fn expect_error(request: &ImportRequest, path: &Path, needles: &[&str]) -> DatasetError {
    let err = match dataset::import(request) {
        Ok(d) => panic!("imported {} bars, expected an error", d.bars.len()),
        Err(err) => err,
    };
    assert_eq!(err.path, path, "{err}");
    let shown = err.to_string();
    assert!(shown.contains(&path.display().to_string()), "{shown}");
    for needle in needles {
        assert!(err.message.contains(needle), "'{needle}' not in: {shown}");
    }
    err
}

fn klines_error(name: &str, text: &str, needles: &[&str]) -> DatasetError {
    let scratch = Scratch::new();
    let path = scratch.write(name, text);
    let request = ImportRequest {
        symbol: Some("HYPEUSDT".into()),
        ..ImportRequest::klines_only(&path)
    };
    expect_error(&request, &path, needles)
}

/// The CSV fixture with file line `line` (1 = header) changed by `edit`.
fn edited_csv(line: usize, edit: impl Fn(&mut Vec<String>)) -> String {
    let mut lines = hype_csv_lines();
    let mut fields: Vec<String> = lines[line - 1].split(',').map(str::to_string).collect();
    edit(&mut fields);
    lines[line - 1] = fields.join(",");
    lines.join("\n") + "\n"
}

#[test]
fn empty_file() {
    klines_error("klines.csv", "", &["empty"]);
    klines_error("klines.csv", " \n\n", &["empty"]);
}

#[test]
fn unrecognised_format_lists_what_was_tried() {
    let err = klines_error(
        "klines.csv",
        "name,age\nbob,3\n",
        &["unrecognised format", "name,age"],
    );
    for tried in [
        "Binance REST klines JSON",
        "ccxt/freqtrade",
        "Bybit v5 kline JSON",
        "OKX",
    ] {
        assert!(err.message.contains(tried), "{err}");
    }
    klines_error(
        "x.json",
        r#"{"hello":"world"}"#,
        &["unrecognised format", "hello"],
    );
}

#[test]
fn truncated_json() {
    let text = fixture("btcusdt-klines-5m-freqtrade-20251022.json");
    klines_error("cut.json", &text[..text.len() / 2], &["truncated JSON"]);
    let text = fixture("hypeusdt-klines-5m-bybit.json");
    klines_error("cut.json", &text[..text.len() - 30], &["truncated JSON"]);
}

#[test]
fn truncated_csv_row() {
    let mut text = hype_csv_lines().join("\n");
    text.truncate(text.len() - 20);
    // The last row (line 32) lost its last fields.
    klines_error("cut.csv", &text, &["line 32", "fields"]);
}

#[test]
fn csv_header_with_missing_columns_names_them() {
    let mut lines = hype_csv_lines();
    lines[0] = "open_time,open,hi,lo,close,volume,taker_buy_base,taker_buy_quote".to_string();
    klines_error("klines.csv", &lines.join("\n"), &["lacks", "high", "low"]);
}

#[test]
fn bars_out_of_order_name_rows_and_times() {
    let mut lines = hype_csv_lines();
    lines.swap(4, 5); // file lines 5 and 6
    klines_error(
        "klines.csv",
        &lines.join("\n"),
        &[
            "line 6",
            "out of order",
            "line 5",
            "2025-10-10T20:25:00Z",
            "2025-10-10T20:30:00Z",
        ],
    );
}

#[test]
fn duplicated_bar_names_rows_and_time() {
    let mut lines = hype_csv_lines();
    let copy = lines[9].clone();
    lines.insert(10, copy); // line 11 repeats line 10 (2025-10-10 20:50)
    klines_error(
        "klines.csv",
        &lines.join("\n"),
        &["duplicated", "line 10", "line 11", "2025-10-10T20:50:00Z"],
    );
}

#[test]
fn gaps_are_kept_not_filled() {
    let mut lines = hype_csv_lines();
    lines.drain(10..12); // 20:55 and 21:00 are missing
    let scratch = Scratch::new();
    let path = scratch.write("gappy.csv", &lines.join("\n"));
    let d = dataset::import(&ImportRequest {
        symbol: Some("HYPEUSDT".into()),
        ..ImportRequest::klines_only(&path)
    })
    .unwrap();
    assert_eq!(d.bars.len(), 29);
    assert_eq!(d.interval_ms, 300_000);
    let gaps = d.gaps();
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].after_ms, 1_760_129_400_000); // 20:50
    assert_eq!(gaps[0].before_ms, 1_760_130_300_000); // 21:05
    assert_eq!(gaps[0].missing_bars, 2);
}

#[test]
fn nan_price() {
    let text = edited_csv(4, |f| f[4] = "NaN".into());
    klines_error("klines.csv", &text, &["line 4", "close", "NaN"]);
}

#[test]
fn zero_and_negative_prices() {
    let text = edited_csv(3, |f| f[1] = "0".into());
    klines_error(
        "klines.csv",
        &text,
        &["line 3", "open price 0", "not above 0"],
    );
    let text = edited_csv(7, |f| f[3] = "-42.8".into());
    klines_error("klines.csv", &text, &["line 7", "low price -42.8"]);
}

#[test]
fn high_below_low() {
    // Line 2: open 42.831 high 43.016 low 42.804 close 42.946; make the low 43.1.
    let text = edited_csv(2, |f| f[3] = "43.1".into());
    klines_error(
        "klines.csv",
        &text,
        &["line 2", "high 43.016 is below low 43.1"],
    );
}

#[test]
fn open_outside_the_bar_range() {
    let text = edited_csv(2, |f| f[1] = "44".into());
    klines_error(
        "klines.csv",
        &text,
        &["line 2", "open 44 is outside", "42.804", "43.016"],
    );
}

#[test]
fn close_outside_the_bar_range() {
    // Line 3: open 42.948 high 43.040 low 42.872 close 42.980; close below the low.
    let text = edited_csv(3, |f| f[4] = "42.5".into());
    klines_error(
        "klines.csv",
        &text,
        &["line 3", "close 42.5 is outside", "42.872", "43.04"],
    );
}

#[test]
fn negative_volume() {
    let text = edited_csv(5, |f| f[5] = "-1".into());
    klines_error("klines.csv", &text, &["line 5", "volume -1"]);
}

#[test]
fn taker_buy_above_volume() {
    // Line 2: volume 22619.06.
    let text = edited_csv(2, |f| f[6] = "22619.07".into());
    klines_error(
        "klines.csv",
        &text,
        &["line 2", "taker-buy volume 22619.07", "22619.06"],
    );
}

#[test]
fn bad_number_names_row_and_field() {
    let text = fixture("hypeusdt-klines-5m-binance-rest.json").replacen("\"36.40200\"", "\"x\"", 1);
    klines_error("k.json", &text, &["row 1", "high 'x' is not a number"]);
}

#[test]
fn open_interest_that_does_not_overlap() {
    let scratch = Scratch::new();
    // The metrics fixture with its dates moved a year back.
    let moved = fixture("hypeusdt-metrics-openinterest-5m-20251010-crash.csv")
        .replace("2025-10-10", "2024-10-10");
    let oi = scratch.write("oi.csv", &moved);
    let request = ImportRequest {
        open_interest: Some(oi.clone()),
        ..ImportRequest::klines_only(&data("hypeusdt-klines-takerbuy-5m-20251010-crash.csv"))
    };
    expect_error(
        &request,
        &oi,
        &[
            "does not overlap",
            "2024-10-10T20:10:00Z",
            "2025-10-10T20:10:00Z",
        ],
    );
}

#[test]
fn open_interest_out_of_order() {
    let scratch = Scratch::new();
    let mut lines: Vec<String> = fixture("hypeusdt-metrics-openinterest-5m-20251010-crash.csv")
        .lines()
        .map(str::to_string)
        .collect();
    lines.swap(2, 3);
    let oi = scratch.write("oi.csv", &lines.join("\n"));
    let request = ImportRequest {
        open_interest: Some(oi.clone()),
        ..ImportRequest::klines_only(&data("hypeusdt-klines-takerbuy-5m-20251010-crash.csv"))
    };
    expect_error(&request, &oi, &["line 4", "out of order"]);
}

#[test]
fn liquidations_of_another_symbol_only() {
    let liquidations = data("all-liquidations-forceorder-20251022-0940.csv");
    let request = ImportRequest {
        liquidations: Some(liquidations.clone()),
        ..ImportRequest::klines_only(&data("hypeusdt-klines-takerbuy-5m-20251010-crash.csv"))
    };
    expect_error(
        &request,
        &liquidations,
        &["no liquidations for HYPEUSDT", "BTCUSDT (2)", "SNXUSDT (7)"],
    );
}

#[test]
fn liquidations_slightly_out_of_order_are_sorted() {
    let scratch = Scratch::new();
    let mut lines: Vec<String> = fixture("all-liquidations-forceorder-20251022-0940.csv")
        .lines()
        .map(str::to_string)
        .collect();
    let btc: Vec<usize> = (1..lines.len())
        .filter(|&i| lines[i].contains("BTCUSDT"))
        .collect();
    let (a, b) = (btc[0], btc[1]);
    lines.swap(a, b);
    let liquidations = scratch.write("liq.csv", &lines.join("\n"));
    let d = dataset::import(&ImportRequest {
        liquidations: Some(liquidations),
        ..ImportRequest::klines_only(&data("btcusdt-klines-5m-freqtrade-20251022.json"))
    })
    .unwrap();
    assert_eq!(d.liquidations.len(), 2);
    assert_eq!(d.liquidations[0].price, 107_952.8);
    assert_eq!(d.liquidations[1].price, 107_946.6);
}

#[test]
fn wrong_kind_of_file_says_which_option_takes_it() {
    let metrics = data("hypeusdt-metrics-openinterest-5m-20251010-crash.csv");
    let err = expect_error(
        &ImportRequest::klines_only(&metrics),
        &metrics,
        &["--open-interest"],
    );
    assert!(err.message.contains("not klines"), "{err}");
}

#[test]
fn no_symbol_anywhere_asks_for_one() {
    let scratch = Scratch::new();
    let path = scratch.write(
        "klines.json",
        &fixture("btcusdt-klines-5m-freqtrade-20251022.json"),
    );
    expect_error(&ImportRequest::klines_only(&path), &path, &["--symbol"]);
}

#[test]
fn a_single_bar_has_no_interval() {
    let lines = hype_csv_lines();
    klines_error("one.csv", &lines[..2].join("\n"), &["at least 2"]);
}

#[test]
fn header_only_csv() {
    let lines = hype_csv_lines();
    klines_error("head.csv", &lines[0], &["no data rows"]);
}

#[test]
fn missing_file() {
    let path = PathBuf::from("/nonexistent/liqmap/klines.csv");
    expect_error(
        &ImportRequest::klines_only(&path),
        &path,
        &["could not read"],
    );
}

#[test]
fn bybit_error_answer() {
    klines_error(
        "bybit.json",
        r#"{"retCode":10001,"retMsg":"params error","result":{"list":[]}}"#,
        &["retCode 10001", "params error"],
    );
}

#[test]
fn open_interest_of_another_symbol_is_caught_by_its_implied_price() {
    // BTCUSDT 15m klines (prices near 110k) over the same hours as the HYPEUSDT metrics (near
    // 30-45 USD); the klines file name is moved out of the way so that only prices can tell.
    let scratch = Scratch::new();
    let klines = scratch.write(
        "klines.csv",
        &fixture("btcusdt-klines-takerbuy-15m-20251010-crash.csv"),
    );
    let oi = data("hypeusdt-metrics-openinterest-5m-20251010-crash.csv");
    let request = ImportRequest {
        open_interest: Some(oi.clone()),
        ..ImportRequest::klines_only(&klines)
    };
    expect_error(
        &request,
        &oi,
        &["line 2", "implies a price of 42.9", "another symbol"],
    );
}
