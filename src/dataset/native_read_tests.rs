//! The fast reader against the serde reader: same values bit for bit, same errors.

use proptest::prelude::*;

use super::*;
use crate::dataset::{ImportRequest, import};
use crate::test_support::test_data as data;

const SAMPLE: &str = include_str!("../../assets/sample.json");
const BTC: &str = include_str!("../../assets/btcusdt-5m.json");

/// What the fast reader makes of the text, `None` where it leaves the text to the serde reader.
fn fast(text: &str) -> Option<Result<Dataset, Issue>> {
    from_bytes(text.as_bytes())
}

/// The text read as `dataset::load` reads it: the fast reader, else the serde reader.
fn from_str(text: &str) -> Result<Dataset, Issue> {
    fast(text).unwrap_or_else(|| native::from_str(text))
}

/// Every number of a dataset as bits, so that `-0.0` and `0.0` differ.
fn bits(d: &Dataset) -> Vec<u64> {
    let option = |v: Option<f64>| v.map_or(u64::MAX - 1, f64::to_bits);
    let mut out = vec![d.interval_ms as u64, d.bars.len() as u64];
    for b in &d.bars {
        out.extend([
            b.open_time_ms as u64,
            b.open.to_bits(),
            b.high.to_bits(),
            b.low.to_bits(),
            b.close.to_bits(),
            b.volume.to_bits(),
            option(b.taker_buy_volume),
            option(b.quote_volume),
        ]);
    }
    for s in &d.open_interest {
        out.extend([
            s.time_ms as u64,
            s.open_interest.to_bits(),
            option(s.value_usd),
        ]);
    }
    for l in &d.liquidations {
        out.extend([
            l.time_ms as u64,
            l.side.index() as u64,
            l.price.to_bits(),
            l.quantity.to_bits(),
        ]);
    }
    out
}

/// The text goes through the fast path (no fallback) and reads as the serde reader reads it.
fn assert_same_through_fast_path(text: &str) {
    let fast = fast(text)
        .expect("the fast path declined the file")
        .expect("fast reader");
    let serde = native::from_str(text).expect("serde reader");
    assert_eq!(fast.exchange, serde.exchange);
    assert_eq!(fast.symbol, serde.symbol);
    assert_eq!(bits(&fast), bits(&serde));
    assert_eq!(fast, serde);
    let marked = format!("\u{feff}{text}");
    let after_mark = from_bytes(marked.as_bytes())
        .expect("the fast path declined the file after a byte-order mark")
        .expect("fast reader after a byte-order mark");
    assert_eq!(bits(&after_mark), bits(&serde));
}

#[test]
fn bundled_datasets_read_the_same_bit_for_bit() {
    assert_same_through_fast_path(SAMPLE);
    assert_same_through_fast_path(BTC);
}

#[test]
fn real_imports_with_every_column_read_the_same() {
    let requests = [
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
        let d = import(request).expect("import");
        let text = native::to_string(&d).expect("encode");
        assert_same_through_fast_path(&text);
        assert_eq!(from_str(&text).expect("read"), d);
    }
}

/// The sample with the first value of `column` replaced by `value`.
fn with_first_value(column: &str, value: &str) -> String {
    let key = format!("\"{column}\":[");
    let at = SAMPLE.find(&key).expect("column") + key.len();
    let end = at + SAMPLE[at..].find(',').expect("a second value");
    format!("{}{value}{}", &SAMPLE[..at], &SAMPLE[end..])
}

/// The first value of `column` in the sample, as written.
fn first_value(column: &str) -> &'static str {
    let key = format!("\"{column}\":[");
    let at = SAMPLE.find(&key).expect("column") + key.len();
    let end = at + SAMPLE[at..].find(',').expect("a second value");
    &SAMPLE[at..end]
}

/// The same decimal number written in other valid JSON forms: exponents, trailing zeros, a
/// mantissa too long for the fast path, whitespace.
fn other_forms(decimal: &str) -> Vec<String> {
    let (whole, fraction) = decimal.split_once('.').unwrap_or((decimal, ""));
    let digits = format!("{whole}{fraction}");
    let scale = fraction.len();
    vec![
        format!("{digits}e-{scale}"),
        format!("{digits}E-{scale}"),
        format!("{digits}000e-{}", scale + 3),
        format!("{whole}.{fraction}00000"),
        format!("{digits}{}e-{}", "0".repeat(24), scale + 24),
        format!("0.{digits}e+{}", whole.len()),
        format!(" \n {decimal}\t"),
    ]
}

#[test]
fn hand_written_number_forms_read_the_same() {
    for column in ["open", "high", "volume"] {
        let written = first_value(column);
        let value: f64 = written.parse().expect("a number");
        for form in other_forms(written) {
            let text = with_first_value(column, &form);
            assert_same_through_fast_path(&text);
            let read = from_str(&text).expect("reads");
            let first = read.bars.first().expect("a bar");
            let got = match column {
                "open" => first.open,
                "high" => first.high,
                _ => first.volume,
            };
            assert_eq!(got.to_bits(), value.to_bits(), "{column}: {form}");
        }
    }
    let spaced = SAMPLE.replace(",\"", ",\n  \"").replace(":[", " : [ ");
    assert_same_through_fast_path(&spaced);
}

/// Damage applied to the sample, and whether the fast path still parses it (the checks after
/// parsing then report it) or hands it to the serde reader (which then reports it).
fn damaged() -> Vec<(&'static str, String, bool)> {
    let truncated = SAMPLE[..SAMPLE.len() / 2].to_string();
    vec![
        ("truncated", truncated, false),
        (
            "string in a number column",
            SAMPLE.replacen("\"open\":[", "\"open\":[\"x\",", 1),
            false,
        ),
        (
            "null in a required column",
            SAMPLE.replacen("\"high\":[", "\"high\":[null,", 1),
            false,
        ),
        (
            "bad number",
            SAMPLE.replacen("\"low\":[", "\"low\":[1.,", 1),
            false,
        ),
        (
            "number out of range",
            SAMPLE.replacen("\"close\":[", "\"close\":[1e400,", 1),
            false,
        ),
        (
            "float time",
            SAMPLE.replacen("\"open_time_ms\":[", "\"open_time_ms\":[1.5,", 1),
            false,
        ),
        (
            "negative zero time",
            SAMPLE.replacen("\"open_time_ms\":[", "\"open_time_ms\":[-0,", 1),
            false,
        ),
        (
            "repeated key",
            SAMPLE.replacen("\"bars\":{", "\"symbol\":\"X\",\"bars\":{", 1),
            false,
        ),
        (
            "newer version",
            SAMPLE.replacen("\"version\":1", "\"version\":2", 1),
            true,
        ),
        ("trailing text", format!("{SAMPLE} x"), false),
        (
            "extra entry in one column",
            SAMPLE.replacen("\"high\":[", "\"high\":[40,", 1),
            false,
        ),
        (
            "high below low in entry 1",
            with_first_value("high", "1"),
            true,
        ),
        (
            "bad side",
            SAMPLE.replacen(
                "\"liquidations\":{\"time_ms\":[],\"side\":[]",
                "\"liquidations\":{\"time_ms\":[1],\"side\":[\"up\"]",
                1,
            ),
            false,
        ),
    ]
}

/// What an error says of the entry at fault, without the file name.
fn said(issue: crate::dataset::error::Issue) -> String {
    let text = issue.in_file(std::path::Path::new("f")).to_string();
    text.strip_prefix("f: ").unwrap_or(&text).to_string()
}

#[test]
fn damaged_files_give_the_serde_readers_errors() {
    for (name, text, fast_parses) in damaged() {
        assert_ne!(text, SAMPLE, "{name}: the damage was applied");
        let old = said(native::from_str(&text).expect_err(name));
        let new = said(from_str(&text).expect_err(name));
        assert_eq!(new, old, "{name}");
        assert_eq!(fast(&text).is_some(), fast_parses, "{name}");
    }
}

#[test]
fn an_unknown_key_is_left_to_the_serde_reader_which_ignores_it() {
    let text = SAMPLE.replacen("\"bars\":{", "\"colour\":1,\"bars\":{", 1);
    assert!(fast(&text).is_none());
    let read = from_str(&text).expect("serde ignores unknown keys");
    assert_eq!(
        bits(&read),
        bits(&native::from_str(SAMPLE).expect("sample"))
    );
}

#[test]
fn errors_found_after_parsing_name_the_entry() {
    let damage = damaged();
    let message = |name: &str| {
        let (_, text, _) = damage.iter().find(|d| d.0 == name).expect("damage");
        said(from_str(text).expect_err(name))
    };
    assert_eq!(
        message("newer version"),
        "written by a newer liqmap: format version 2, this build reads 1"
    );
    assert!(
        message("extra entry in one column").starts_with("column bars.high has 1153 entries"),
        "{}",
        message("extra entry in one column")
    );
    assert!(
        message("high below low in entry 1").starts_with("bars entry 1: high 1 is below low"),
        "{}",
        message("high below low in entry 1")
    );
}

/// `text` with entry `index` (from 0) of `column` replaced by `value`.
fn with_entry(text: &str, column: &str, index: usize, value: &str) -> String {
    let key = format!("\"{column}\":[");
    let mut at = text.find(&key).expect("column") + key.len();
    for _ in 0..index {
        at += text[at..].find(',').expect("another entry") + 1;
    }
    let end = at + text[at..].find([',', ']']).expect("the entry's end");
    format!("{}{value}{}", &text[..at], &text[end..])
}

#[test]
fn an_error_past_the_first_chunk_of_rows_names_the_file_and_its_entry() {
    // Size is the point (more bars than the reader's chunks of 8192 rows): the seeded generator.
    let dataset = crate::synth::synthetic_dataset(20_000, 60_000, 300_000, 7);
    let text = native::to_string(&dataset).expect("encode");
    assert_same_through_fast_path(&text);
    assert_eq!(from_str(&text).expect("read"), dataset);

    let entry = 12_345;
    let damaged = with_entry(&text, "low", entry - 1, "1e9");
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("minutes.json");
    std::fs::write(&path, &damaged).expect("write");
    let error = crate::dataset::load(&path).expect_err("a low above the high");
    let said = error.to_string();
    let expected = format!("{}: bars entry {entry}: high ", path.display());
    assert!(said.starts_with(&expected), "{said}");
    assert!(said.contains("is below low 1000000000"), "{said}");

    // A value that does not parse, in a later chunk: the serde reader's message, naming the file.
    let damaged = with_entry(&text, "volume", 9_000, "1.e3");
    std::fs::write(&path, &damaged).expect("write");
    let said = crate::dataset::load(&path)
        .expect_err("a bad number")
        .to_string();
    assert!(said.starts_with(&format!("{}: ", path.display())), "{said}");
    assert_eq!(
        said,
        format!("{}: {}", path.display(), said_by_serde(&damaged))
    );
}

/// The serde reader's error for `text`, without a file name.
fn said_by_serde(text: &str) -> String {
    said(native::from_str(text).expect_err("the serde reader refuses it"))
}

proptest! {
    /// Any finite f64, printed the ways Rust and serde print it, reads back to the same bits as
    /// the standard library's correctly rounded parser.
    #[test]
    fn numbers_round_like_the_standard_parser(bits in any::<u64>(), digits in 0usize..30) {
        let value = f64::from_bits(bits);
        prop_assume!(value.is_finite());
        for text in [
            format!("{value}"),
            format!("{value:e}"),
            format!("{value:.digits$e}"),
            serde_json::to_string(&value).unwrap_or_default(),
        ] {
            let expected: f64 = text.parse().expect("std parses it");
            let (read, end) = parse_f64(text.as_bytes(), 0).expect("fast parses it");
            prop_assert_eq!(end, text.len());
            prop_assert_eq!(read.to_bits(), expected.to_bits(), "{}", text);
        }
    }

    /// Short decimals, the common case taken by the fast path, read like the standard parser.
    #[test]
    fn short_decimals_round_like_the_standard_parser(
        whole in 0u64..10_000_000, fraction in 0u64..100_000_000, scale in 0usize..9
    ) {
        let text = format!("{whole}.{fraction:0scale$}");
        let expected: f64 = text.parse().expect("std parses it");
        let (read, _) = parse_f64(text.as_bytes(), 0).expect("fast parses it");
        prop_assert_eq!(read.to_bits(), expected.to_bits(), "{}", text);
    }
}
