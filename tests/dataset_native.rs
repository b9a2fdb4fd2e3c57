//! The native dataset format: lossless round trips with real data, versioning, damage.

use std::path::{Path, PathBuf};

use liqmap::dataset::{self, DatasetErrorKind, ImportRequest, Location, ValueProblem};
use liqmap::model::{Bar, Dataset, Liquidation, OpenInterestSample, Side};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn round_trip(d: &Dataset) -> Dataset {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    dataset::save(d, &path).unwrap();
    // The save left no temporary file next to the target.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    dataset::load(&path).unwrap()
}

#[test]
fn real_imports_round_trip_exactly() {
    let requests = [
        ImportRequest {
            open_interest: Some(data("hypeusdt-metrics-openinterest-5m-20251010-crash.csv")),
            ..ImportRequest::klines_only(&data("hypeusdt-klines-takerbuy-5m-20251010-crash.csv"))
        },
        ImportRequest {
            liquidations: Some(data("all-liquidations-forceorder-20251022-0940.csv")),
            ..ImportRequest::klines_only(&data("btcusdt-klines-5m-freqtrade-20251022.json"))
        },
        ImportRequest {
            open_interest: Some(data("hypeusdt-openinterest-5m-binance-hist.json")),
            ..ImportRequest::klines_only(&data("hypeusdt-klines-5m-binance-rest.json"))
        },
    ];
    for request in &requests {
        let d = dataset::import(request).unwrap();
        assert!(!d.bars.is_empty());
        assert_eq!(round_trip(&d), d, "{}", request.klines.display());
    }
}

#[test]
fn bundled_sample_round_trips() {
    let d = dataset::sample().unwrap();
    assert_eq!(round_trip(&d), d);
}

#[test]
fn bundled_btc_asset_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/btcusdt-5m.json");
    let d = dataset::load(&path).unwrap();
    assert_eq!(d.symbol, "BTCUSDT");
    assert_eq!(d.bars.len(), 11_123);
    // First row of shared file 1: [1758240000000,117017.1,117100.0,117010.8,117043.4,360.735].
    let first = d.bars[0];
    assert_eq!(first.open_time_ms, 1_758_240_000_000);
    assert_eq!(
        (first.open, first.high, first.low, first.close),
        (117_017.1, 117_100.0, 117_010.8, 117_043.4)
    );
    assert_eq!(first.volume, 360.735);
    assert!(d.open_interest.is_empty());
    // The five BTCUSDT rows of shared file 9, all SELL: longs liquidated.
    assert_eq!(d.liquidations.len(), 5);
    assert!(d.liquidations.iter().all(|l| l.side == Side::Long));
    assert_eq!(d.liquidations[4].price, 107_837.9);
    assert_eq!(d.liquidations[4].quantity, 0.003);
}

/// Real HYPEUSDT values (tests/data crash fixture) with some optional fields left out.
fn mixed() -> Dataset {
    let bar = |open_time_ms, open, high, low, close, volume, taker, quote| Bar {
        open_time_ms,
        open,
        high,
        low,
        close,
        volume,
        taker_buy_volume: taker,
        quote_volume: quote,
    };
    Dataset {
        exchange: "binance-usdm".into(),
        symbol: "HYPEUSDT".into(),
        interval_ms: 300_000,
        bars: vec![
            bar(
                1_760_130_900_000,
                35.891,
                36.402,
                27.913,
                29.502,
                2_351_922.84,
                Some(1_180_636.43),
                None,
            ),
            bar(
                1_760_131_200_000,
                29.505,
                39.905,
                21.029,
                35.499,
                1_154_180.42,
                None,
                Some(1.0e-7),
            ),
            // A gap of one bar.
            bar(
                1_760_131_800_000,
                34.83,
                37.028,
                34.5,
                36.582,
                362_321.74,
                Some(0.0),
                None,
            ),
        ],
        open_interest: vec![
            OpenInterestSample {
                time_ms: 1_760_130_900_000,
                open_interest: 5_120_250.38,
                value_usd: Some(152_182_670.909_367_8),
            },
            OpenInterestSample {
                time_ms: 1_760_131_200_000,
                open_interest: 5_061_256.98,
                value_usd: None,
            },
        ],
        liquidations: vec![
            Liquidation {
                time_ms: 1_760_131_000_123,
                side: Side::Long,
                price: 0.1 + 0.2,
                quantity: 5.99e-5,
            },
            Liquidation {
                time_ms: 1_760_131_000_123,
                side: Side::Short,
                price: 30.0,
                quantity: 1.0,
            },
        ],
    }
}

#[test]
fn optional_columns_and_awkward_floats_round_trip() {
    let d = mixed();
    assert_eq!(round_trip(&d), d);
}

#[test]
fn saved_file_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.json");
    let mut d = mixed();
    for bar in &mut d.bars {
        bar.quote_volume = None;
    }
    dataset::save(&d, &path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with(r#"{"format":"liqmap-dataset","version":1,"#),
        "{text}"
    );
    assert!(
        text.contains(r#""open_time_ms":[1760130900000,1760131200000,1760131800000]"#),
        "{text}"
    );
    assert!(
        text.contains(r#""taker_buy_volume":[1180636.43,null,0.0]"#),
        "{text}"
    );
    assert!(
        !text.contains("quote_volume"),
        "an all-absent column is left out: {text}"
    );
    assert!(text.contains(r#""side":["long","short"]"#), "{text}");
    assert!(
        text.contains(r#""value_usd":[152182670.9093678,null]"#),
        "{text}"
    );
}

fn sample_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.json"))
        .unwrap()
}

fn load_text(
    text: &str,
) -> (
    PathBuf,
    Result<Dataset, dataset::DatasetError>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.json");
    std::fs::write(&path, text).unwrap();
    let result = dataset::load(&path);
    (path, result, dir)
}

#[test]
fn newer_version_is_rejected_clearly() {
    let text = sample_text().replacen(r#""version":1"#, r#""version":2"#, 1);
    let (path, result, _dir) = load_text(&text);
    let err = result.unwrap_err();
    assert_eq!(err.path, path);
    assert!(
        matches!(
            err.kind,
            DatasetErrorKind::NewerVersion { found: 2, reads: 1 }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}: written by a newer liqmap: format version 2, this build reads 1",
            path.display()
        )
    );
    // A newer file whose layout this build does not know gets the same message.
    let (_, result, _dir) = load_text(r#"{"format":"liqmap-dataset","version":3,"candles":[]}"#);
    let err = result.unwrap_err();
    assert!(
        matches!(
            err.kind,
            DatasetErrorKind::NewerVersion { found: 3, reads: 1 }
        ),
        "{err}"
    );
}

#[test]
fn damaged_native_files() {
    let text = sample_text();
    let (path, result, _dir) = load_text(&text[..text.len() / 3]);
    let err = result.unwrap_err();
    assert_eq!(err.path, path);
    assert!(
        matches!(err.kind, DatasetErrorKind::TruncatedJson { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("truncated JSON"), "{err}");

    // One price too many in a column.
    let text = sample_text().replacen(r#""open":[45.124,"#, r#""open":[45.124,45.124,"#, 1);
    let (_, result, _dir) = load_text(&text);
    let err = result.unwrap_err();
    assert!(
        matches!(
            err.kind,
            DatasetErrorKind::ColumnLength {
                column: "bars.open",
                len: 1153,
                rows: 1152
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("bars.open has 1153 entries"),
        "{err}"
    );

    // Bad values are caught as on import, naming the entry.
    let text = sample_text().replacen(r#""open":[45.124,"#, r#""open":[-45.124,"#, 1);
    let (_, result, _dir) = load_text(&text);
    let err = result.unwrap_err();
    assert_eq!(
        err.at,
        Some(Location::Entry {
            group: "bars",
            entry: 1
        })
    );
    assert!(
        matches!(
            &err.kind,
            DatasetErrorKind::BadValue { column, value, problem: ValueProblem::NotAbovePrice }
                if column == "open" && *value == -45.124
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("bars entry 1: open price -45.124"),
        "{err}"
    );
}

#[test]
fn a_loaded_volume_whose_usd_value_is_not_finite_names_the_entry_and_column() {
    // The first bar's volume becomes 1e308 coins (at about 45 USD, past f64::MAX in USD).
    let text = sample_text();
    let start = text.find(r#""volume":["#).unwrap() + r#""volume":["#.len();
    let end = start + text[start..].find(',').unwrap();
    let text = format!("{}1e308{}", &text[..start], &text[end..]);
    let (path, result, _dir) = load_text(&text);
    let err = result.unwrap_err();
    assert_eq!(err.path, path);
    assert_eq!(
        err.at,
        Some(Location::Entry {
            group: "bars",
            entry: 1
        })
    );
    assert!(
        matches!(
            &err.kind,
            DatasetErrorKind::BadValue { column, value, problem: ValueProblem::UsdValueNotFinite }
                if column == "volume" && *value == 1e308
        ),
        "{err}"
    );
}

#[test]
fn a_native_interval_past_four_weeks_is_refused() {
    let text = sample_text().replacen(
        r#""interval_ms":300000"#,
        &format!(r#""interval_ms":{}"#, i64::MAX),
        1,
    );
    let (path, result, _dir) = load_text(&text);
    let err = result.unwrap_err();
    assert_eq!(err.path, path);
    assert!(
        matches!(
            err.kind,
            DatasetErrorKind::BadInterval {
                interval_ms: i64::MAX
            }
        ),
        "{err}"
    );
}

#[test]
fn native_file_with_reordered_keys_still_loads() {
    let text = r#"{"version":1,"symbol":"HYPEUSDT","format":"liqmap-dataset","exchange":"binance-usdm",
        "interval_ms":300000,"bars":{"open_time_ms":[1760130900000,1760131200000],
        "open":[35.891,29.505],"high":[36.402,39.905],"low":[27.913,21.029],
        "close":[29.502,35.499],"volume":[2351922.84,1154180.42]}}"#;
    let (_, result, _dir) = load_text(text);
    let d = result.unwrap();
    assert_eq!(d.bars.len(), 2);
    assert_eq!(d.bars[1].low, 21.029);
    assert!(d.open_interest.is_empty() && d.liquidations.is_empty());
}

#[test]
fn importing_a_native_dataset_says_to_use_it_directly() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.json");
    let err = dataset::import(&ImportRequest::klines_only(&path)).unwrap_err();
    assert!(
        matches!(err.kind, DatasetErrorKind::AlreadyDataset),
        "{err}"
    );
    assert!(err.to_string().contains("liqmap dataset already"), "{err}");
}

mod round_trip_property {
    use super::*;
    use proptest::prelude::*;

    /// A valid bar from arbitrary finite numbers: low > 0, high ≥ low, open and close inside.
    fn bar() -> impl Strategy<Value = (f64, f64, f64, f64, f64, Option<f64>, Option<f64>)> {
        (
            1e-8_f64..1e9,
            0.0_f64..1e6,
            0.0_f64..=1.0,
            0.0_f64..=1.0,
            0.0_f64..1e12,
            proptest::option::of(0.0_f64..=1.0),
            proptest::option::of(0.0_f64..1e15),
        )
            .prop_map(|(low, span, o, c, volume, taker, quote)| {
                let high = low + span;
                let open = (low + o * span).clamp(low, high);
                let close = (low + c * span).clamp(low, high);
                (
                    open,
                    high,
                    low,
                    close,
                    volume,
                    taker.map(|t| t * volume),
                    quote,
                )
            })
    }

    proptest! {
        #[test]
        fn any_valid_dataset_round_trips(
            bars in proptest::collection::vec(bar(), 2..40),
            steps in proptest::collection::vec(1_i64..4, 40),
            oi in proptest::collection::vec((0.0_f64..1e10, proptest::option::of(0.0_f64..1e12)), 0..10),
            liquidations in proptest::collection::vec((any::<bool>(), 1e-9_f64..1e7, 1e-9_f64..1e7), 0..10),
        ) {
            let interval_ms = 60_000;
            let mut time_ms = 1_700_000_000_000_i64;
            let bars: Vec<Bar> = bars
                .into_iter()
                .zip(&steps)
                .map(|((open, high, low, close, volume, taker_buy_volume, quote_volume), step)| {
                    time_ms += step * interval_ms;
                    Bar { open_time_ms: time_ms, open, high, low, close, volume, taker_buy_volume, quote_volume }
                })
                .collect();
            let d = Dataset {
                exchange: "test".into(),
                symbol: "TESTUSDT".into(),
                interval_ms,
                bars,
                open_interest: oi
                    .into_iter()
                    .enumerate()
                    .map(|(i, (open_interest, value_usd))| OpenInterestSample {
                        time_ms: 1_700_000_000_000 + i as i64 * 300_000,
                        open_interest,
                        value_usd,
                    })
                    .collect(),
                liquidations: liquidations
                    .into_iter()
                    .enumerate()
                    .map(|(i, (long, price, quantity))| Liquidation {
                        time_ms: 1_700_000_000_000 + i as i64 * 7,
                        side: if long { Side::Long } else { Side::Short },
                        price,
                        quantity,
                    })
                    .collect(),
            };
            prop_assert_eq!(round_trip(&d), d);
        }
    }
}
