//! One test per import format, checking parsed values against numbers read by hand from the
//! fixture files in `tests/data` (see `tests/data/README.md` for where each came from).

use std::path::{Path, PathBuf};

use liqmap::dataset::{self, DatasetErrorKind, FormatKind, ImportRequest};
use liqmap::model::{Bar, Dataset, Side};
use liqmap::time::parse_time_ms;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn import(klines: &str) -> ImportRequest {
    ImportRequest::klines_only(&data(klines))
}

fn ok(request: &ImportRequest) -> Dataset {
    match dataset::import(request) {
        Ok(d) => d,
        Err(e) => panic!("import failed: {e}"),
    }
}

fn bar_at(d: &Dataset, open_time_ms: i64) -> Bar {
    let Some(bar) = d.bars.iter().find(|b| b.open_time_ms == open_time_ms) else {
        panic!("no bar at {open_time_ms}");
    };
    *bar
}

/// 2025-10-10 21:20 UTC, the HYPEUSDT crash bar.
const HYPE_CRASH_MS: i64 = 1_760_131_200_000;

#[test]
fn klines_csv_with_taker_buy_hype_crash() {
    let d = ok(&import("hypeusdt-klines-takerbuy-5m-20251010-crash.csv"));
    assert_eq!(d.symbol, "HYPEUSDT"); // from the file name
    assert_eq!(d.exchange, "binance-usdm");
    assert_eq!(d.interval_ms, 300_000);
    assert_eq!(d.bars.len(), 31);
    let first = d.bars[0];
    assert_eq!(
        first,
        Bar {
            open_time_ms: 1_760_127_000_000,
            open: 42.831,
            high: 43.016,
            low: 42.804,
            close: 42.946,
            volume: 22619.06,
            taker_buy_volume: Some(12358.15),
            // taker_buy_quote is not the quote volume of the bar.
            quote_volume: None,
        }
    );
    let crash = bar_at(&d, HYPE_CRASH_MS);
    assert_eq!(
        (crash.open, crash.high, crash.low, crash.close),
        (29.505, 39.905, 21.029, 35.499)
    );
    assert_eq!(crash.volume, 1_154_180.42);
    assert_eq!(crash.taker_buy_volume, Some(538_366.03));
    let last = d.bars[30];
    assert_eq!(last.open_time_ms, 1_760_136_000_000);
    assert_eq!(
        (last.open, last.close, last.volume),
        (39.484, 39.426, 99509.23)
    );
    assert!(d.gaps().is_empty());
}

#[test]
fn klines_csv_btc_15m_crash() {
    let d = ok(&import("btcusdt-klines-takerbuy-15m-20251010-crash.csv"));
    assert_eq!(d.symbol, "BTCUSDT");
    assert_eq!(d.interval_ms, 900_000);
    assert_eq!(d.bars.len(), 21);
    assert_eq!(d.bars[0].open_time_ms, 1_760_120_100_000);
    assert_eq!(d.bars[0].open, 117_609.8);
    let crash = bar_at(&d, 1_760_130_900_000);
    assert_eq!(crash.low, 101_516.5);
    assert_eq!(crash.volume, 69_613.76);
    assert_eq!(crash.taker_buy_volume, Some(33_710.774));
}

#[test]
fn ccxt_freqtrade_json() {
    let d = ok(&import("btcusdt-klines-5m-freqtrade-20251022.json"));
    assert_eq!(d.symbol, "BTCUSDT");
    assert_eq!(d.interval_ms, 300_000);
    assert_eq!(d.bars.len(), 31);
    assert_eq!(
        d.bars[0],
        Bar {
            open_time_ms: 1_761_123_000_000,
            open: 108_171.4,
            high: 108_215.0,
            low: 108_136.7,
            close: 108_184.6,
            volume: 473.588,
            taker_buy_volume: None,
            quote_volume: None,
        }
    );
    let last = d.bars[30];
    assert_eq!(last.open_time_ms, 1_761_132_000_000);
    assert_eq!(
        (last.high, last.low, last.volume),
        (108_188.9, 107_878.4, 1827.864)
    );
    assert!(!d.has_taker_buy());
}

fn check_hype_six(d: &Dataset) {
    assert_eq!(d.symbol, "HYPEUSDT");
    assert_eq!(d.interval_ms, 300_000);
    assert_eq!(d.bars.len(), 6);
    assert_eq!(d.bars[0].open_time_ms, 1_760_130_900_000);
    assert_eq!(d.bars[0].low, 27.913);
    assert_eq!(d.bars[0].volume, 2_351_922.84);
    let crash = bar_at(d, HYPE_CRASH_MS);
    assert_eq!((crash.low, crash.high), (21.029, 39.905));
    assert_eq!(d.bars[5].open_time_ms, 1_760_132_400_000);
    assert_eq!(d.bars[5].high, 42.496);
}

#[test]
fn binance_rest_json() {
    let d = ok(&import("hypeusdt-klines-5m-binance-rest.json"));
    check_hype_six(&d);
    let crash = bar_at(&d, HYPE_CRASH_MS);
    assert_eq!(crash.quote_volume, Some(40972250.7296));
    assert_eq!(crash.taker_buy_volume, Some(538_366.03));
    assert!(d.has_taker_buy() && d.has_quote_volume());
}

#[test]
fn binance_archive_csv_with_and_without_header() {
    for name in [
        "hypeusdt-klines-5m-binance-archive.csv",
        "hypeusdt-klines-5m-binance-archive-noheader.csv",
    ] {
        let d = ok(&import(name));
        check_hype_six(&d);
        let first = d.bars[0];
        assert_eq!(first.quote_volume, Some(69386427.6257), "{name}");
        assert_eq!(first.taker_buy_volume, Some(1_180_636.43), "{name}");
    }
}

#[test]
fn bybit_kline_json_newest_first() {
    let d = ok(&import("hypeusdt-klines-5m-bybit.json"));
    check_hype_six(&d);
    assert_eq!(d.exchange, "bybit");
    assert_eq!(d.bars[0].quote_volume, Some(69386427.6257));
    assert_eq!(d.bars[0].taker_buy_volume, None);
}

#[test]
fn okx_candles_newest_first_volume_in_coins() {
    let d = ok(&import("hypeusdt-candles-5m-okx.json"));
    check_hype_six(&d);
    assert_eq!(d.exchange, "okx");
    // volCcy (coins), not vol (contracts, 23519228.40 in the file).
    assert_eq!(d.bars[0].volume, 2_351_922.84);
    assert_eq!(d.bars[0].quote_volume, Some(69386427.6257));
}

#[test]
fn binance_metrics_csv_open_interest() {
    let mut request = import("hypeusdt-klines-takerbuy-5m-20251010-crash.csv");
    request.open_interest = Some(data("hypeusdt-metrics-openinterest-5m-20251010-crash.csv"));
    let d = ok(&request);
    assert_eq!(d.open_interest.len(), 31);
    let first = d.open_interest[0];
    assert_eq!(
        first.time_ms,
        parse_time_ms("2025-10-10T20:10:00Z").unwrap()
    );
    assert_eq!(first.open_interest, 5_136_887.22);
    assert_eq!(first.value_usd, Some(220_629_306.099));
    let crash = d
        .open_interest
        .iter()
        .find(|s| s.time_ms == 1_760_130_900_000)
        .unwrap();
    assert_eq!(crash.open_interest, 5_120_250.38);
    assert_eq!(crash.value_usd, Some(152_182_670.909_367_8));
    let last = d.open_interest[30];
    assert_eq!(last.time_ms, parse_time_ms("2025-10-10T22:40:00Z").unwrap());
    assert_eq!(last.open_interest, 4_476_888.07);
}

#[test]
fn binance_open_interest_hist_json() {
    let mut request = import("hypeusdt-klines-5m-binance-rest.json");
    request.open_interest = Some(data("hypeusdt-openinterest-5m-binance-hist.json"));
    let d = ok(&request);
    assert_eq!(d.open_interest.len(), 6);
    assert_eq!(d.open_interest[0].time_ms, 1_760_130_900_000);
    assert_eq!(d.open_interest[0].open_interest, 5_120_250.38);
    assert_eq!(d.open_interest[0].value_usd, Some(152_182_670.909_367_8));
    assert_eq!(d.open_interest[5].open_interest, 5_027_103.53);
}

#[test]
fn bybit_open_interest_json_newest_first() {
    let mut request = import("hypeusdt-klines-5m-bybit.json");
    request.open_interest = Some(data("hypeusdt-openinterest-5min-bybit.json"));
    let d = ok(&request);
    assert_eq!(d.open_interest.len(), 6);
    assert_eq!(d.open_interest[0].time_ms, 1_760_130_900_000);
    assert_eq!(d.open_interest[0].open_interest, 5_120_250.38);
    assert_eq!(d.open_interest[0].value_usd, None);
    assert_eq!(d.open_interest[5].time_ms, 1_760_132_400_000);
    assert_eq!(d.open_interest[5].open_interest, 5_027_103.53);
}

fn check_btc_liquidations(d: &Dataset) {
    // The two BTCUSDT rows of the fixture; the other 49 rows are other symbols.
    assert_eq!(d.liquidations.len(), 2);
    let first = d.liquidations[0];
    assert_eq!(
        first.time_ms,
        parse_time_ms("2025-10-22T09:40:21.490Z").unwrap()
    );
    assert_eq!(first.side, Side::Long); // SELL
    assert_eq!((first.price, first.quantity), (107_952.8, 0.008));
    let second = d.liquidations[1];
    assert_eq!(
        second.time_ms,
        parse_time_ms("2025-10-22T09:41:17.362Z").unwrap()
    );
    assert_eq!((second.price, second.quantity), (107_946.6, 0.018));
}

#[test]
fn liquidations_csv() {
    let mut request = import("btcusdt-klines-5m-freqtrade-20251022.json");
    request.liquidations = Some(data("all-liquidations-forceorder-20251022-0940.csv"));
    check_btc_liquidations(&ok(&request));
}

#[test]
fn force_order_json_lines_with_combined_stream_wrapper() {
    let mut request = import("btcusdt-klines-5m-freqtrade-20251022.json");
    request.liquidations = Some(data("forceorder-20251022-0940.jsonl"));
    check_btc_liquidations(&ok(&request));
}

#[test]
fn force_order_json_array() {
    let mut request = import("btcusdt-klines-5m-freqtrade-20251022.json");
    request.liquidations = Some(data("forceorder-20251022-0940-array.json"));
    check_btc_liquidations(&ok(&request));
}

#[test]
fn liquidations_csv_buy_is_a_short() {
    // The four RIVERUSDT rows of the fixture are all BUY: shorts liquidated.
    let mut request = import("btcusdt-klines-5m-freqtrade-20251022.json");
    // The data names no symbol; --symbol wins over the file name.
    request.symbol = Some("RIVERUSDT".to_string());
    request.liquidations = Some(data("all-liquidations-forceorder-20251022-0940.csv"));
    let d = ok(&request);
    assert_eq!(d.symbol, "RIVERUSDT");
    assert_eq!(d.liquidations.len(), 4);
    assert!(d.liquidations.iter().all(|l| l.side == Side::Short));
    assert_eq!(
        d.liquidations[0].time_ms,
        parse_time_ms("2025-10-22T09:40:25.286Z").unwrap()
    );
    assert_eq!(d.liquidations[0].price, 5.768371);
}

#[test]
fn detection_ignores_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    // A CSV of klines named like JSON open interest of another symbol.
    let klines = dir.path().join("ETHUSDT-openinterest.json");
    std::fs::copy(
        data("hypeusdt-klines-takerbuy-5m-20251010-crash.csv"),
        &klines,
    )
    .unwrap();
    // Metrics CSV named like a klines JSON.
    let oi = dir.path().join("klines.json");
    std::fs::copy(
        data("hypeusdt-metrics-openinterest-5m-20251010-crash.csv"),
        &oi,
    )
    .unwrap();
    let mut request = ImportRequest {
        klines,
        open_interest: Some(oi),
        ..ImportRequest::default()
    };
    // The klines file name names another symbol than the metrics data: a likely mix-up...
    let err = dataset::import(&request).unwrap_err();
    // The file whose data names the other symbol is the one named.
    assert_eq!(err.path, request.open_interest.clone().unwrap());
    assert!(
        matches!(
            &err.kind,
            DatasetErrorKind::SymbolNameMismatch { named, symbol, .. }
                if named == "ETHUSDT" && symbol == "HYPEUSDT"
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("confirm with --symbol HYPEUSDT"),
        "{err}"
    );
    // ...that --symbol confirms.
    request.symbol = Some("HYPEUSDT".into());
    let d = ok(&request);
    assert_eq!(d.symbol, "HYPEUSDT");
    assert_eq!(d.bars.len(), 31);
    assert_eq!(d.open_interest.len(), 31);

    let json_as_csv = dir.path().join("data.csv");
    std::fs::copy(
        data("btcusdt-klines-5m-freqtrade-20251022.json"),
        &json_as_csv,
    )
    .unwrap();
    let d = dataset::import(&ImportRequest {
        symbol: Some("BTCUSDT".into()),
        ..ImportRequest::klines_only(&json_as_csv)
    })
    .unwrap();
    assert_eq!(d.bars[0].volume, 473.588);
}

#[test]
fn load_imports_a_klines_file() {
    let d = dataset::load(&data("hypeusdt-klines-5m-bybit.json")).unwrap();
    check_hype_six(&d);
}

#[test]
fn exchange_and_symbol_overrides() {
    let mut request = import("hypeusdt-klines-5m-binance-rest.json");
    request.exchange = Some("my-venue".into());
    assert_eq!(ok(&request).exchange, "my-venue");
    // Data naming HYPEUSDT and --symbol naming another disagree: an error, not a silent pick.
    let mut request = import("hypeusdt-klines-5m-bybit.json");
    request.symbol = Some("BTCUSDT".into());
    let err = dataset::import(&request).unwrap_err();
    assert!(
        matches!(
            &err.kind,
            DatasetErrorKind::SymbolDisagrees { given, symbol, .. }
                if given == "BTCUSDT" && symbol == "HYPEUSDT"
        ),
        "{err}"
    );
}

#[test]
fn bundled_sample_is_the_hype_crash_span() {
    let d = dataset::sample().unwrap();
    assert_eq!(
        (d.exchange.as_str(), d.symbol.as_str()),
        ("binance-usdm", "HYPEUSDT")
    );
    assert_eq!(d.interval_ms, 300_000);
    assert_eq!(d.bars.len(), 1152);
    assert_eq!(d.bars[0].open_time_ms, 1_759_881_600_000);
    assert_eq!(d.bars[0].open, 45.124);
    assert_eq!(d.bars[1151].open_time_ms, 1_760_226_900_000);
    let crash = bar_at(&d, HYPE_CRASH_MS);
    assert_eq!((crash.low, crash.high), (21.029, 39.905));
    assert_eq!(d.open_interest.len(), 1152);
    assert_eq!(d.open_interest[0].open_interest, 5_759_013.08);
    assert!(d.has_taker_buy());
    assert!(d.gaps().is_empty());
}

#[test]
fn csv_with_windows_line_endings() {
    let text = std::fs::read_to_string(data("hypeusdt-klines-takerbuy-5m-20251010-crash.csv"))
        .unwrap()
        .replace('\n', "\r\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("HYPEUSDT-crlf.csv");
    std::fs::write(&path, text).unwrap();
    let d = dataset::load(&path).unwrap();
    assert_eq!(d.bars.len(), 31);
    assert_eq!(d.bars[30].volume, 99509.23);
    assert_eq!(d.bars[30].taker_buy_volume, Some(62102.29));
}

#[test]
fn load_refuses_a_file_that_is_not_klines_and_says_which_option_takes_it() {
    let path = data("hypeusdt-openinterest-5min-bybit.json");
    let err = dataset::load(&path).unwrap_err();
    assert_eq!(err.path, path);
    assert!(
        matches!(
            err.kind,
            DatasetErrorKind::WrongKind {
                expected: FormatKind::Klines,
                ..
            }
        ),
        "{err}"
    );
    let shown = err.to_string();
    assert!(
        shown.contains("not klines") && shown.contains("--open-interest"),
        "{shown}"
    );
}
