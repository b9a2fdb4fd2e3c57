//! Telling a file's format from its content alone; the file name plays no part.

use super::error::DatasetErrorKind;
use super::shape::{self, Shape};

/// Every format liqmap reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// liqmap's own dataset JSON.
    Native,
    /// Binance REST `/fapi/v1/klines` JSON: rows of 12 fields, numbers as strings.
    BinanceKlinesJson,
    /// ccxt / freqtrade JSON: rows of `[open_ms, open, high, low, close, volume]`.
    CcxtKlinesJson,
    /// Klines CSV with a header naming its columns (Binance archive, or reduced forms).
    KlinesCsv,
    /// Binance archive klines CSV without a header: 12 columns in the REST order.
    BinanceArchiveCsvNoHeader,
    /// Bybit v5 `/v5/market/kline` JSON.
    BybitKlinesJson,
    /// OKX `/api/v5/market/candles` JSON.
    OkxCandlesJson,
    /// Binance `/futures/data/openInterestHist` JSON.
    BinanceOpenInterestJson,
    /// Binance archive `metrics` CSV.
    BinanceMetricsCsv,
    /// Bybit v5 `/v5/market/open-interest` JSON.
    BybitOpenInterestJson,
    /// Binance `forceOrder` stream messages: one JSON a line, or a JSON array.
    ForceOrderJson,
    /// Liquidations CSV with a header naming time, symbol, side, price and quantity columns.
    LiquidationsCsv,
}

/// What a format holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatKind {
    /// A whole dataset.
    Dataset,
    /// Bars.
    Klines,
    /// Open-interest samples.
    OpenInterest,
    /// Liquidation events.
    Liquidations,
}

impl FormatKind {
    /// Name for messages.
    pub fn name(self) -> &'static str {
        match self {
            FormatKind::Dataset => "a liqmap dataset",
            FormatKind::Klines => "klines",
            FormatKind::OpenInterest => "open interest",
            FormatKind::Liquidations => "liquidations",
        }
    }

    /// The `liqmap import` option that takes files of this kind.
    pub fn option(self) -> &'static str {
        match self {
            FormatKind::Dataset => "DATASET",
            FormatKind::Klines => "--klines",
            FormatKind::OpenInterest => "--open-interest",
            FormatKind::Liquidations => "--liquidations",
        }
    }
}

/// Every format, in the order detection reports them.
pub const ALL_FORMATS: [Format; 12] = [
    Format::Native,
    Format::BinanceKlinesJson,
    Format::CcxtKlinesJson,
    Format::KlinesCsv,
    Format::BinanceArchiveCsvNoHeader,
    Format::BybitKlinesJson,
    Format::OkxCandlesJson,
    Format::BinanceOpenInterestJson,
    Format::BinanceMetricsCsv,
    Format::BybitOpenInterestJson,
    Format::ForceOrderJson,
    Format::LiquidationsCsv,
];

impl Format {
    /// Human name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Native => "liqmap dataset JSON",
            Format::BinanceKlinesJson => "Binance REST klines JSON",
            Format::CcxtKlinesJson => "ccxt/freqtrade klines JSON",
            Format::KlinesCsv => "klines CSV with header",
            Format::BinanceArchiveCsvNoHeader => "Binance archive klines CSV without header",
            Format::BybitKlinesJson => "Bybit v5 kline JSON",
            Format::OkxCandlesJson => "OKX candles JSON",
            Format::BinanceOpenInterestJson => "Binance openInterestHist JSON",
            Format::BinanceMetricsCsv => "Binance archive metrics CSV",
            Format::BybitOpenInterestJson => "Bybit v5 open-interest JSON",
            Format::ForceOrderJson => "Binance forceOrder JSON",
            Format::LiquidationsCsv => "liquidations CSV",
        }
    }

    /// What the format holds.
    pub fn kind(self) -> FormatKind {
        match self {
            Format::Native => FormatKind::Dataset,
            Format::BinanceKlinesJson
            | Format::CcxtKlinesJson
            | Format::KlinesCsv
            | Format::BinanceArchiveCsvNoHeader
            | Format::BybitKlinesJson
            | Format::OkxCandlesJson => FormatKind::Klines,
            Format::BinanceOpenInterestJson
            | Format::BinanceMetricsCsv
            | Format::BybitOpenInterestJson => FormatKind::OpenInterest,
            Format::ForceOrderJson | Format::LiquidationsCsv => FormatKind::Liquidations,
        }
    }
}

/// The list of formats tried, for the "unrecognised" message.
pub(super) fn tried() -> String {
    let names: Vec<&str> = ALL_FORMATS.iter().map(|f| f.name()).collect();
    names.join(", ")
}

/// Whether `text` starts like a native dataset (`{"format":"liqmap-dataset"`), which liqmap
/// always writes first so that loading need not scan the file twice.
pub fn looks_native(text: &str) -> bool {
    let mut rest = text.trim_start();
    for token in ["{", "\"format\"", ":", "\"liqmap-dataset\""] {
        let Some(after) = rest.strip_prefix(token) else {
            return false;
        };
        rest = after.trim_start();
    }
    true
}

/// Detects the format of `text` (non-empty, as read by `source::read_text`).
pub fn detect(text: &str) -> Result<Format, DatasetErrorKind> {
    if looks_native(text) {
        return Ok(Format::Native);
    }
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        detect_json(text)
    } else {
        detect_csv(text)
    }
}

/// Describes a JSON syntax error, calling an unexpected end "truncated".
pub fn json_error(e: &serde_json::Error) -> DatasetErrorKind {
    if e.is_eof() {
        DatasetErrorKind::TruncatedJson {
            line: e.line(),
            column: e.column(),
        }
    } else {
        DatasetErrorKind::Json(e.to_string())
    }
}

fn detect_json(text: &str) -> Result<Format, DatasetErrorKind> {
    let (shape, more) = shape::probe(text).map_err(|e| json_error(&e))?;
    if more {
        // Several JSON values one after another: only forceOrder messages come as JSON lines.
        return if is_force_order_message(&shape) {
            Ok(Format::ForceOrderJson)
        } else {
            Err(unrecognised_json(&shape))
        };
    }
    match &shape {
        Shape::Array { len: 0, .. } => {
            Err(DatasetErrorKind::NoRows("the JSON array is empty: no rows"))
        }
        Shape::Array {
            first: Some(first), ..
        } => match first.as_ref() {
            Shape::Array { len: 12, .. } => Ok(Format::BinanceKlinesJson),
            Shape::Array { len: 6, .. } => Ok(Format::CcxtKlinesJson),
            Shape::Array { len, .. } => Err(DatasetErrorKind::UnknownRowWidth { fields: *len }),
            row if row.has("sumOpenInterest") => Ok(Format::BinanceOpenInterestJson),
            row if is_force_order_message(row) => Ok(Format::ForceOrderJson),
            _ => Err(unrecognised_json(&shape)),
        },
        object if object.get("format").and_then(Shape::text) == Some("liqmap-dataset") => {
            Ok(Format::Native)
        }
        object if object.has("retCode") => {
            let list_first = object
                .get("result")
                .and_then(|r| r.get("list"))
                .and_then(Shape::first);
            match list_first {
                Some(row) if row.has("openInterest") => Ok(Format::BybitOpenInterestJson),
                Some(Shape::Array { .. }) => Ok(Format::BybitKlinesJson),
                // An empty list or an error answer: the kline reader reports it precisely.
                _ if object.get("result").and_then(|r| r.get("list")).is_some() => {
                    Ok(Format::BybitKlinesJson)
                }
                _ => Err(DatasetErrorKind::Unrecognised {
                    found: "a Bybit answer without result.list".to_string(),
                }),
            }
        }
        object if object.has("code") && object.has("data") => Ok(Format::OkxCandlesJson),
        // Binance answers errors with `{"code":-1121,"msg":"Invalid symbol."}`.
        object if object.has("code") && object.has("msg") => Err(DatasetErrorKind::ErrorAnswer {
            venue: "Binance",
            code: error_code(text),
            message: object
                .get("msg")
                .and_then(Shape::text)
                .unwrap_or("(long message)")
                .to_string(),
        }),
        object if is_force_order_message(object) => Ok(Format::ForceOrderJson),
        _ => Err(unrecognised_json(&shape)),
    }
}

/// A forceOrder event `{"e":"forceOrder","o":{..}}` or its combined-stream wrapper.
fn is_force_order_message(shape: &Shape) -> bool {
    let event = match shape.get("data") {
        Some(data) if shape.has("stream") => data,
        _ => shape,
    };
    event
        .get("o")
        .is_some_and(|o| matches!(o, Shape::Object(_)))
        || event.get("e").and_then(Shape::text) == Some("forceOrder")
}

/// `code -1121` of a small error answer (the outline keeps no numbers, so it is read again).
fn error_code(text: &str) -> String {
    let code = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|answer| answer.get("code").map(ToString::to_string))
        .unwrap_or_else(|| "?".to_string());
    format!("code {code}")
}

fn unrecognised_json(shape: &Shape) -> DatasetErrorKind {
    let outline = match shape {
        Shape::Object(fields) => {
            let keys: Vec<&str> = fields.iter().take(8).map(|(k, _)| k.as_str()).collect();
            format!("an object with keys {}", keys.join(", "))
        }
        Shape::Array {
            first: Some(first), ..
        } => match first.as_ref() {
            Shape::Object(fields) => {
                let keys: Vec<&str> = fields.iter().take(8).map(|(k, _)| k.as_str()).collect();
                format!("an array of objects with keys {}", keys.join(", "))
            }
            other => format!("an array of {}s", other.kind()),
        },
        other => format!("a JSON {}", other.kind()),
    };
    DatasetErrorKind::Unrecognised { found: outline }
}

/// The header names of a CSV line, lower-cased and trimmed.
pub fn csv_fields(line: &str) -> Vec<String> {
    line.split(',')
        .map(|f| f.trim().trim_matches('"').to_ascii_lowercase())
        .collect()
}

fn detect_csv(text: &str) -> Result<Format, DatasetErrorKind> {
    let Some(first_line) = text.lines().find(|l| !l.trim().is_empty()) else {
        return Err(DatasetErrorKind::Empty);
    };
    let fields = csv_fields(first_line);
    let has = |name: &str| fields.iter().any(|f| f == name);
    let all_numeric = fields.iter().all(|f| f.parse::<f64>().is_ok());
    if all_numeric {
        return if fields.len() == 12 {
            Ok(Format::BinanceArchiveCsvNoHeader)
        } else {
            Err(DatasetErrorKind::Unrecognised {
                found: format!(
                    "a CSV without header of {} columns (a headerless Binance archive klines \
                     file has 12)",
                    fields.len()
                ),
            })
        };
    }
    if has("sum_open_interest") || has("create_time") {
        Ok(Format::BinanceMetricsCsv)
    } else if has("side") {
        Ok(Format::LiquidationsCsv)
    } else if ["open", "high", "low", "close"].iter().any(|n| has(n)) {
        Ok(Format::KlinesCsv)
    } else {
        let shown: Vec<&str> = fields.iter().take(12).map(String::as_str).collect();
        Err(DatasetErrorKind::Unrecognised {
            found: format!("a text file whose first line is '{}'", shown.join(",")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_json_formats_apart() {
        let cases = [
            (r#"{"format":"liqmap-dataset","version":1}"#, Format::Native),
            (r#"{"version":1,"format":"liqmap-dataset"}"#, Format::Native),
            (
                r#"[[1,"1","1","1","1","1",2,"1",3,"1","1","0"]]"#,
                Format::BinanceKlinesJson,
            ),
            ("[[1,1.0,1.0,1.0,1.0,1.0]]", Format::CcxtKlinesJson),
            (
                r#"{"retCode":0,"result":{"list":[["1","1","1","1","1","1","1"]]}}"#,
                Format::BybitKlinesJson,
            ),
            (
                r#"{"retCode":0,"result":{"list":[{"openInterest":"1","timestamp":"1"}]}}"#,
                Format::BybitOpenInterestJson,
            ),
            (r#"{"code":"0","msg":"","data":[]}"#, Format::OkxCandlesJson),
            (
                r#"[{"symbol":"X","sumOpenInterest":"1","timestamp":1}]"#,
                Format::BinanceOpenInterestJson,
            ),
            (
                r#"{"e":"forceOrder","o":{"s":"X"}}"#,
                Format::ForceOrderJson,
            ),
            (
                "{\"stream\":\"x\",\"data\":{\"e\":\"forceOrder\",\"o\":{}}}\n{\"stream\":\"x\",\"data\":{\"o\":{}}}",
                Format::ForceOrderJson,
            ),
        ];
        for (text, format) in cases {
            assert_eq!(detect(text).ok(), Some(format), "{text}");
        }
    }

    #[test]
    fn reports_an_error_answer() {
        let err = detect(r#"{"code":-1121,"msg":"Invalid symbol."}"#).unwrap_err();
        assert!(
            matches!(&err, DatasetErrorKind::ErrorAnswer { venue: "Binance", message, .. }
                if message == "Invalid symbol."),
            "{err}"
        );
        assert!(err.to_string().contains("error answer"), "{err}");
    }

    #[test]
    fn tells_csv_formats_apart() {
        let cases = [
            (
                "open_time,open,high,low,close,volume\n1,2,3,1,2,5\n",
                Format::KlinesCsv,
            ),
            (
                "1,2,3,1,2,5,2,1,3,1,1,0\n",
                Format::BinanceArchiveCsvNoHeader,
            ),
            (
                "create_time,symbol,sum_open_interest\n",
                Format::BinanceMetricsCsv,
            ),
            (
                "timestamp,symbol,side,avg_price,filled_qty\n",
                Format::LiquidationsCsv,
            ),
        ];
        for (text, format) in cases {
            assert_eq!(detect(text).ok(), Some(format), "{text}");
        }
        let err = detect("name,age\nbob,3\n").unwrap_err();
        assert!(
            matches!(&err, DatasetErrorKind::Unrecognised { found } if found.contains("name,age")),
            "{err}"
        );
        let shown = err.to_string();
        assert!(shown.contains("unrecognised format"), "{shown}");
        assert!(shown.contains("Bybit v5 kline JSON"), "{shown}");
    }
}
