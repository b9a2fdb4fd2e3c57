//! Binance's public archive as a test builds it: daily zip files made at test time from the real
//! recorded CSVs in tests/data/sources, in the archive's own CSV layouts, with their CHECKSUMs.

use std::io::Write;

use sha2::{Digest, Sha256};

use liqmap::model::Dataset;

use super::{FIVE_MIN_MS, RealBar, RealOi, hype_5m, hype_oi};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sources");
/// The four days of the HYPEUSDT recordings.
pub const HYPE_DAYS: [&str; 4] = ["2025-10-08", "2025-10-09", "2025-10-10", "2025-10-11"];
const DAY_MS: i64 = 86_400_000;

/// One archive file: its path below the base URL, its zip and its CHECKSUM line.
#[derive(Clone, Debug)]
pub struct ArchiveFile {
    pub path: String,
    pub zip: Vec<u8>,
    pub checksum: String,
}

impl ArchiveFile {
    fn new(path: String, csv_name: &str, csv: &str) -> Self {
        let zip = zip_of(csv_name, csv.as_bytes());
        let hex: String = Sha256::digest(&zip)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let name = path.rsplit('/').next().unwrap().to_string();
        Self {
            checksum: format!("{hex}  {name}\n"),
            path,
            zip,
        }
    }

    /// The file's name, for example `HYPEUSDT-5m-2025-10-08.zip`.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap()
    }
}

/// A zip holding one file, deflated as the archive's are.
pub fn zip_of(name: &str, content: &[u8]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer.start_file(name, options).unwrap();
    writer.write_all(content).unwrap();
    writer.finish().unwrap().into_inner()
}

fn day_start_ms(day: &str) -> i64 {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

/// The archive's 12-column klines row of a recorded bar. Recorded: open time, OHLC, volume,
/// taker-buy base and quote. Not recorded (placeholders, never asserted on): close time = open
/// + 5 min − 1 ms, quote volume = volume × close, trade count 0, ignore 0.
fn kline_row(b: &RealBar) -> String {
    let quote = b.volume.parse::<f64>().unwrap() * b.close.parse::<f64>().unwrap();
    format!(
        "{},{},{},{},{},{},{},{quote:.4},0,{},{},0",
        b.open_time_ms,
        b.open,
        b.high,
        b.low,
        b.close,
        b.volume,
        b.open_time_ms + FIVE_MIN_MS - 1,
        b.taker_buy_base.as_deref().unwrap(),
        b.taker_buy_quote.as_deref().unwrap()
    )
}

const KLINES_HEADER: &str = "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore";

/// The daily klines file of `day`; with `header` as files from 2022 on, without as older ones.
pub fn klines_day(day: &str, header: bool) -> ArchiveFile {
    let start = day_start_ms(day);
    let mut csv = String::new();
    if header {
        csv.push_str(KLINES_HEADER);
        csv.push('\n');
    }
    for bar in hype_5m()
        .iter()
        .filter(|b| b.open_time_ms >= start && b.open_time_ms < start + DAY_MS)
    {
        csv.push_str(&kline_row(bar));
        csv.push('\n');
    }
    let name = format!("HYPEUSDT-5m-{day}");
    ArchiveFile::new(
        format!("/data/futures/um/daily/klines/HYPEUSDT/5m/{name}.zip"),
        &format!("{name}.csv"),
        &csv,
    )
}

/// The daily metrics file of `day`: the recorded metrics CSV's header and that day's lines,
/// byte for byte.
pub fn metrics_day(day: &str) -> ArchiveFile {
    let text = std::fs::read_to_string(format!(
        "{DATA}/binance-usdm-HYPEUSDT-metrics-openinterest-5m-20251008-20251012.csv"
    ))
    .unwrap();
    let mut lines = text.lines();
    let mut csv = format!("{}\n", lines.next().unwrap());
    for line in lines.filter(|l| l.starts_with(day)) {
        csv.push_str(line);
        csv.push('\n');
    }
    let name = format!("HYPEUSDT-metrics-{day}");
    ArchiveFile::new(
        format!("/data/futures/um/daily/metrics/HYPEUSDT/{name}.zip"),
        &format!("{name}.csv"),
        &csv,
    )
}

/// Every file of the four HYPEUSDT days: klines (the first day without a header) and metrics.
pub fn hype_files() -> Vec<ArchiveFile> {
    HYPE_DAYS
        .iter()
        .enumerate()
        .flat_map(|(i, day)| [klines_day(day, i > 0), metrics_day(day)])
        .collect()
}

/// Asserts that the dataset's bars and open interest are the recorded CSVs' rows of
/// `[start_ms, end_ms)`, value for value.
#[track_caller]
pub fn assert_equals_the_csvs(data: &Dataset, start_ms: i64, end_ms: i64) {
    let inside = |t: i64| t >= start_ms && t < end_ms;
    let bars: Vec<RealBar> = hype_5m()
        .iter()
        .filter(|b| inside(b.open_time_ms))
        .cloned()
        .collect();
    assert_eq!(data.bars.len(), bars.len());
    for (got, real) in data.bars.iter().zip(&bars) {
        let n = |t: &str| t.parse::<f64>().unwrap();
        assert_eq!(got.open_time_ms, real.open_time_ms);
        assert_eq!(
            (got.open, got.high, got.low, got.close, got.volume),
            (
                n(&real.open),
                n(&real.high),
                n(&real.low),
                n(&real.close),
                n(&real.volume)
            )
        );
        assert_eq!(
            got.taker_buy_volume,
            Some(n(real.taker_buy_base.as_deref().unwrap()))
        );
    }
    let oi: Vec<RealOi> = hype_oi()
        .iter()
        .filter(|o| inside(o.time_ms))
        .cloned()
        .collect();
    assert_eq!(data.open_interest.len(), oi.len());
    for (got, real) in data.open_interest.iter().zip(&oi) {
        assert_eq!(got.time_ms, real.time_ms);
        assert_eq!(
            got.open_interest,
            real.sum_open_interest.parse::<f64>().unwrap()
        );
        assert_eq!(
            got.value_usd,
            Some(real.sum_open_interest_value.parse::<f64>().unwrap())
        );
    }
    assert_eq!(data.exchange, "binance-usdm");
    assert_eq!(data.symbol, "HYPEUSDT");
}
