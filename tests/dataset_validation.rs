//! Bad input gets a clear error naming the file, the row where it can, and what is wrong.

use std::path::{Path, PathBuf};

use liqmap::dataset::{
    self, DatasetError, DatasetErrorKind as Kind, ImportRequest, Location, Series, ValueProblem,
};

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
        assert!(shown.contains(needle), "'{needle}' not in: {shown}");
    }
    err
}

/// Whether the error is about the value `value` of `column` for `problem`.
fn is_bad_value(err: &DatasetError, column: &str, value: f64, problem: ValueProblem) -> bool {
    matches!(&err.kind, Kind::BadValue { column: c, value: v, problem: p }
        if c == column && (*v == value || (v.is_nan() && value.is_nan())) && *p == problem)
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
    for text in ["", " \n\n"] {
        let err = klines_error("klines.csv", text, &["empty"]);
        assert!(matches!(err.kind, Kind::Empty), "{err}");
    }
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
        assert!(err.to_string().contains(tried), "{err}");
    }
    assert!(matches!(&err.kind, Kind::Unrecognised { found } if found.contains("name,age")));
    let err = klines_error(
        "x.json",
        r#"{"hello":"world"}"#,
        &["unrecognised format", "hello"],
    );
    assert!(matches!(&err.kind, Kind::Unrecognised { found } if found.contains("hello")));
}

#[test]
fn truncated_json() {
    let text = fixture("btcusdt-klines-5m-freqtrade-20251022.json");
    let err = klines_error("cut.json", &text[..text.len() / 2], &["truncated JSON"]);
    assert!(matches!(err.kind, Kind::TruncatedJson { .. }), "{err}");
    let text = fixture("hypeusdt-klines-5m-bybit.json");
    let err = klines_error("cut.json", &text[..text.len() - 30], &["truncated JSON"]);
    assert!(matches!(err.kind, Kind::TruncatedJson { .. }), "{err}");
}

#[test]
fn truncated_csv_row() {
    let mut text = hype_csv_lines().join("\n");
    text.truncate(text.len() - 20);
    // The last row (line 32) lost its last fields.
    let err = klines_error("cut.csv", &text, &["line 32", "fields"]);
    assert_eq!(err.at, Some(Location::Line(32)));
    assert!(
        matches!(err.kind, Kind::CsvFieldCount { expected: 8, found } if found < 8),
        "{err}"
    );
}

#[test]
fn csv_header_with_missing_columns_names_them() {
    let mut lines = hype_csv_lines();
    lines[0] = "open_time,open,hi,lo,close,volume,taker_buy_base,taker_buy_quote".to_string();
    let err = klines_error("klines.csv", &lines.join("\n"), &["lacks", "high", "low"]);
    let Kind::MissingColumns { missing, header } = &err.kind else {
        panic!("not a missing-column error: {err}");
    };
    assert_eq!(missing.len(), 2, "{err}");
    assert!(missing[0].starts_with("high") && missing[1].starts_with("low"));
    assert!(header.contains(&"hi".to_string()));
}

#[test]
fn bars_out_of_order_name_rows_and_times() {
    let mut lines = hype_csv_lines();
    lines.swap(4, 5); // file lines 5 and 6
    let err = klines_error(
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
    assert_eq!(err.at, Some(Location::Line(6)));
    assert!(
        matches!(
            err.kind,
            Kind::OutOfOrder {
                series: Series::Bars,
                previous: Location::Line(5),
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn duplicated_bar_names_rows_and_time() {
    let mut lines = hype_csv_lines();
    let copy = lines[9].clone();
    lines.insert(10, copy); // line 11 repeats line 10 (2025-10-10 20:50)
    let err = klines_error(
        "klines.csv",
        &lines.join("\n"),
        &["duplicated", "line 10", "line 11", "2025-10-10T20:50:00Z"],
    );
    assert_eq!(err.at, Some(Location::Line(11)));
    assert!(
        matches!(
            err.kind,
            Kind::Duplicate {
                series: Series::Bars,
                previous: Location::Line(10),
                time_ms: 1_760_129_400_000
            }
        ),
        "{err}"
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
    let err = klines_error("klines.csv", &text, &["line 4", "close", "NaN"]);
    assert_eq!(err.at, Some(Location::Line(4)));
    assert!(
        is_bad_value(&err, "close", f64::NAN, ValueProblem::NaN),
        "{err}"
    );
}

#[test]
fn zero_and_negative_prices() {
    let text = edited_csv(3, |f| f[1] = "0".into());
    let err = klines_error(
        "klines.csv",
        &text,
        &["line 3", "open price 0", "not above 0"],
    );
    assert!(
        is_bad_value(&err, "open", 0.0, ValueProblem::NotAbovePrice),
        "{err}"
    );
    let text = edited_csv(7, |f| f[3] = "-42.8".into());
    let err = klines_error("klines.csv", &text, &["line 7", "low price -42.8"]);
    assert_eq!(err.at, Some(Location::Line(7)));
    assert!(
        is_bad_value(&err, "low", -42.8, ValueProblem::NotAbovePrice),
        "{err}"
    );
}

#[test]
fn high_below_low() {
    // Line 2: open 42.831 high 43.016 low 42.804 close 42.946; make the low 43.1.
    let text = edited_csv(2, |f| f[3] = "43.1".into());
    let err = klines_error(
        "klines.csv",
        &text,
        &["line 2", "high 43.016 is below low 43.1"],
    );
    assert!(
        matches!(
            err.kind,
            Kind::HighBelowLow {
                high: 43.016,
                low: 43.1
            }
        ),
        "{err}"
    );
}

#[test]
fn open_outside_the_bar_range() {
    let text = edited_csv(2, |f| f[1] = "44".into());
    let err = klines_error(
        "klines.csv",
        &text,
        &["line 2", "open 44 is outside", "42.804", "43.016"],
    );
    assert!(
        matches!(
            err.kind,
            Kind::OutsideBar {
                column: "open",
                value: 44.0,
                low: 42.804,
                high: 43.016
            }
        ),
        "{err}"
    );
}

#[test]
fn close_outside_the_bar_range() {
    // Line 3: open 42.948 high 43.040 low 42.872 close 42.980; close below the low.
    let text = edited_csv(3, |f| f[4] = "42.5".into());
    let err = klines_error(
        "klines.csv",
        &text,
        &["line 3", "close 42.5 is outside", "42.872", "43.04"],
    );
    assert!(
        matches!(
            err.kind,
            Kind::OutsideBar {
                column: "close",
                value: 42.5,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn negative_volume() {
    let text = edited_csv(5, |f| f[5] = "-1".into());
    let err = klines_error("klines.csv", &text, &["line 5", "volume -1"]);
    assert!(
        is_bad_value(&err, "volume", -1.0, ValueProblem::NegativeOrInfinite),
        "{err}"
    );
}

#[test]
fn taker_buy_above_volume() {
    // Line 2: volume 22619.06.
    let text = edited_csv(2, |f| f[6] = "22619.07".into());
    let err = klines_error(
        "klines.csv",
        &text,
        &["line 2", "taker-buy volume 22619.07", "22619.06"],
    );
    assert!(
        matches!(
            err.kind,
            Kind::TakerAboveVolume {
                taker_buy: 22619.07,
                volume: 22619.06
            }
        ),
        "{err}"
    );
}

#[test]
fn bad_number_names_row_and_field() {
    let text = fixture("hypeusdt-klines-5m-binance-rest.json").replacen("\"36.40200\"", "\"x\"", 1);
    let err = klines_error("k.json", &text, &["row 1", "high 'x' is not a number"]);
    assert_eq!(err.at, Some(Location::Row(1)));
    assert!(
        matches!(&err.kind, Kind::NotANumber { column, text } if column == "high" && text == "x"),
        "{err}"
    );
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
    let err = expect_error(
        &request,
        &oi,
        &[
            "does not overlap",
            "2024-10-10T20:10:00Z",
            "2025-10-10T20:10:00Z",
        ],
    );
    assert!(matches!(err.kind, Kind::NoOverlap { .. }), "{err}");
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
    let err = expect_error(&request, &oi, &["line 4", "out of order"]);
    assert_eq!(err.at, Some(Location::Line(4)));
    assert!(
        matches!(
            err.kind,
            Kind::OutOfOrder {
                series: Series::OpenInterest,
                previous: Location::Line(3),
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn liquidations_of_another_symbol_only() {
    let liquidations = data("all-liquidations-forceorder-20251022-0940.csv");
    let request = ImportRequest {
        liquidations: Some(liquidations.clone()),
        ..ImportRequest::klines_only(&data("hypeusdt-klines-takerbuy-5m-20251010-crash.csv"))
    };
    let err = expect_error(
        &request,
        &liquidations,
        &["no liquidations for HYPEUSDT", "BTCUSDT (2)", "SNXUSDT (7)"],
    );
    let Kind::SymbolNotFound { symbol, found, .. } = &err.kind else {
        panic!("not a missing-symbol error: {err}");
    };
    assert_eq!(symbol, "HYPEUSDT");
    assert!(found.contains(&("BTCUSDT".to_string(), 2)), "{err}");
    assert!(found.contains(&("SNXUSDT".to_string(), 7)), "{err}");
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
    assert!(err.to_string().contains("not klines"), "{err}");
    assert!(
        matches!(
            err.kind,
            Kind::WrongKind {
                found: dataset::Format::BinanceMetricsCsv,
                expected: dataset::FormatKind::Klines
            }
        ),
        "{err}"
    );
}

#[test]
fn no_symbol_anywhere_asks_for_one() {
    let scratch = Scratch::new();
    let path = scratch.write(
        "klines.json",
        &fixture("btcusdt-klines-5m-freqtrade-20251022.json"),
    );
    let err = expect_error(&ImportRequest::klines_only(&path), &path, &["--symbol"]);
    assert!(matches!(err.kind, Kind::NoSymbol), "{err}");
}

#[test]
fn a_single_bar_has_no_interval() {
    let lines = hype_csv_lines();
    let err = klines_error("one.csv", &lines[..2].join("\n"), &["at least 2"]);
    assert!(matches!(err.kind, Kind::TooFewBars { bars: 1 }), "{err}");
}

#[test]
fn header_only_csv() {
    let lines = hype_csv_lines();
    let err = klines_error("head.csv", &lines[0], &["no data rows"]);
    assert!(matches!(err.kind, Kind::NoRows(_)), "{err}");
}

#[test]
fn missing_file() {
    let path = PathBuf::from("/nonexistent/liqmap/klines.csv");
    let err = expect_error(
        &ImportRequest::klines_only(&path),
        &path,
        &["could not read"],
    );
    assert!(
        matches!(&err.kind, Kind::Read(e) if e.kind() == std::io::ErrorKind::NotFound),
        "{err}"
    );
}

#[test]
fn bybit_error_answer() {
    let err = klines_error(
        "bybit.json",
        r#"{"retCode":10001,"retMsg":"params error","result":{"list":[]}}"#,
        &["retCode 10001", "params error"],
    );
    assert!(
        matches!(&err.kind, Kind::ErrorAnswer { venue: "Bybit", code, message }
            if code == "retCode 10001" && message == "params error"),
        "{err}"
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
    let err = expect_error(
        &request,
        &oi,
        &["line 2", "implies a price of 42.9", "another symbol"],
    );
    assert_eq!(err.at, Some(Location::Line(2)));
    assert!(
        matches!(err.kind, Kind::ImpliedPrice { implied, .. } if (42.9..43.0).contains(&implied)),
        "{err}"
    );
}

#[test]
fn a_volume_whose_usd_value_is_not_finite_names_file_row_and_column() {
    // 1e308 coins at about 43 USD: a finite number whose USD value is not.
    let text = edited_csv(6, |f| f[5] = "1e308".into());
    let err = klines_error(
        "klines.csv",
        &text,
        &["line 6", "volume 1e308", "not a finite"],
    );
    assert_eq!(err.at, Some(Location::Line(6)));
    assert!(
        is_bad_value(&err, "volume", 1e308, ValueProblem::UsdValueNotFinite),
        "{err}"
    );
}

#[test]
fn open_interest_whose_usd_value_is_not_finite_names_its_file() {
    let scratch = Scratch::new();
    let mut lines: Vec<String> = fixture("hypeusdt-metrics-openinterest-5m-20251010-crash.csv")
        .lines()
        .map(str::to_string)
        .collect();
    // Line 3: sum_open_interest (the third column) becomes 1e308 coins.
    let mut fields: Vec<String> = lines[2].split(',').map(str::to_string).collect();
    fields[2] = "1e308".into();
    lines[2] = fields.join(",");
    let oi = scratch.write("oi.csv", &lines.join("\n"));
    let request = ImportRequest {
        open_interest: Some(oi.clone()),
        ..ImportRequest::klines_only(&data("hypeusdt-klines-takerbuy-5m-20251010-crash.csv"))
    };
    let err = expect_error(&request, &oi, &["line 3", "open interest 1e308"]);
    assert_eq!(err.at, Some(Location::Line(3)));
    assert!(
        is_bad_value(
            &err,
            "open interest",
            1e308,
            ValueProblem::UsdValueNotFinite
        ),
        "{err}"
    );
}
