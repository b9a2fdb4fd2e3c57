//! The tables `map` and `clusters` print for a trader (issue 11 item 8): the close's row marked
//! with cumulative columns beside it, signed distances, and no tier at 0%. The answers are worked
//! out by hand from the model's rules.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use liqmap::dataset;
use liqmap::model::{Bar, Dataset};

const MIN: i64 = 60_000;
/// 2025-10-10T00:00:00Z.
const T0: i64 = 1_760_054_400_000;

/// Two tiers of half the weight each, no margin, half long, rows of 1 USD: an entry at 100 puts
/// longs at 90 (10x) and 95 (20x), shorts at 105 (20x) and 110 (10x). Volume mode with no open
/// interest to scale to: the values are relative, and the columns say so (`long_rel`).
const MODEL: [&str; 10] = [
    "--source",
    "volume",
    "--leverage",
    "10:0.5,20:0.5",
    "--mmr",
    "0",
    "--split",
    "fixed:0.5",
    "--bin",
    "1",
];

fn liqmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liqmap"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Two bars flat at 100 (volume 2, then 1): 300 USD traded at 100, so each of the four levels
/// holds a quarter of it, 75 USD, and nothing is crossed.
fn two_flat_bars(dir: &Path) -> PathBuf {
    let bar = |i: i64, volume: f64| Bar {
        open_time_ms: T0 + i * MIN,
        open: 100.0,
        high: 100.0,
        low: 100.0,
        close: 100.0,
        volume,
        taker_buy_volume: None,
        quote_volume: None,
    };
    let data = Dataset {
        exchange: "test".into(),
        symbol: "TESTUSDT".into(),
        interval_ms: MIN,
        bars: vec![bar(0, 2.0), bar(1, 1.0)],
        open_interest: Vec::new(),
        liquidations: Vec::new(),
    };
    let path = dir.join("flat.json");
    dataset::save(&data, &path).expect("saved");
    path
}

/// Runs `command` on the two flat bars with the model and `--format table`; the stdout.
fn table(command: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = two_flat_bars(dir.path());
    let mut args = vec![command, path.to_str().unwrap(), "--format", "table"];
    args.extend(MODEL);
    let out = liqmap(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn map_table_marks_the_close_row_and_sums_outward_from_it() {
    let text = table("map");
    let header = text
        .lines()
        .position(|l| l.trim_start().starts_with("price_low"))
        .expect("a header line");
    let columns: Vec<&str> = text
        .lines()
        .nth(header)
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        columns,
        [
            "price_low",
            "price_high",
            "long_rel",
            "short_rel",
            "cum_long_rel",
            "cum_short_rel"
        ]
    );
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(header + 1)
        .take_while(|l| !l.starts_with("total"))
        .map(|l| l.split_whitespace().collect())
        .collect();
    // Ascending in price. Longs below the close add up from the close down (75, then 150);
    // shorts above it from the close up. The close's row (100 to 101) holds nothing but is shown
    // and marked; the other side of the close has no cumulative figure ("-").
    let expected: [&[&str]; 5] = [
        &["90.000", "91.000", "75", "0", "150", "-"],
        &["95.000", "96.000", "75", "0", "75", "-"],
        &[
            "100.000", "101.000", "0", "0", "0", "0", "<-", "close", "100.000",
        ],
        &["105.000", "106.000", "0", "75", "-", "75"],
        &["110.000", "111.000", "0", "75", "-", "150"],
    ];
    assert_eq!(rows, expected, "{text}");
    // Volume mode with no open-interest figure: the values are relative, and the total says so.
    assert!(
        text.contains("total (relative, not USD): longs 150, shorts 150"),
        "{text}"
    );
}

#[test]
fn map_table_marks_a_close_row_that_holds_levels() {
    // Rows of 20 USD: the close (100) is in the row 100 to 120, which also holds the short at
    // 105 and the short at 110 (150 USD); the longs at 90 and 95 share the row 80 to 100.
    let dir = tempfile::tempdir().unwrap();
    let path = two_flat_bars(dir.path());
    let mut args = vec!["map", path.to_str().unwrap(), "--format", "table"];
    args.extend(&MODEL[..8]);
    args.extend(["--bin", "20"]);
    let out = liqmap(&args);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .map(|l| l.split_whitespace().collect())
        .collect();
    let expected: [&[&str]; 2] = [
        &["80.000", "100.000", "150", "0", "150", "-"],
        &[
            "100.000", "120.000", "0", "150", "0", "150", "<-", "close", "100.000",
        ],
    ];
    assert_eq!(rows, expected, "{text}");
}

#[test]
fn clusters_table_signs_distances_and_leaves_out_tiers_at_zero() {
    let text = table("clusters");
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.parse::<u32>().is_ok())
        })
        .collect();
    assert_eq!(rows.len(), 4, "{text}");
    // Each level is its own cluster, peaking mid-row; distance = (peak - 100) / 100. A cluster
    // holds one tier only, so the other tier (0%) is not listed.
    let by_range = |range: &str| -> (String, String) {
        let row = rows
            .iter()
            .find(|r| r.split_whitespace().nth(2) == Some(range))
            .unwrap_or_else(|| panic!("no cluster at {range}:\n{text}"));
        // rank, side, range, peak, notional, distance, then the formed time and, after two
        // spaces, the tiers.
        let distance = row.split_whitespace().nth(5).unwrap_or_default();
        let tiers = row.rsplit_once("  ").map_or("", |(_, t)| t);
        (distance.to_owned(), tiers.to_owned())
    };
    assert_eq!(
        by_range("90.000-91.000"),
        ("-9.50%".into(), "10x 100%".into())
    );
    assert_eq!(
        by_range("95.000-96.000"),
        ("-4.50%".into(), "20x 100%".into())
    );
    assert_eq!(
        by_range("105.000-106.000"),
        ("+5.50%".into(), "20x 100%".into())
    );
    assert_eq!(
        by_range("110.000-111.000"),
        ("+10.50%".into(), "10x 100%".into())
    );
}
