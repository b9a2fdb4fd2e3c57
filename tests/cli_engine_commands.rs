//! `map`, `clusters` and `export` run as a user runs them: the built binary on a dataset file,
//! with the answers worked out by hand from the model's rules.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use liqmap::dataset;
use liqmap::model::{Bar, Dataset};

const MIN: i64 = 60_000;
/// 2025-10-10T00:00:00Z.
const T0: i64 = 1_760_054_400_000;

fn liqmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liqmap"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn bar(i: i64, open: f64, high: f64, low: f64, close: f64, volume: f64) -> Bar {
    Bar {
        open_time_ms: T0 + i * MIN,
        open,
        high,
        low,
        close,
        volume,
        taker_buy_volume: None,
        quote_volume: None,
    }
}

/// Bar 0: flat at 100, volume 2; bar 1: 95..105 typical 100, volume 1; bar 2: high 111.
fn three_bars(dir: &Path) -> PathBuf {
    let data = Dataset {
        exchange: "test".into(),
        symbol: "TESTUSDT".into(),
        interval_ms: MIN,
        bars: vec![
            bar(0, 100.0, 100.0, 100.0, 100.0, 2.0),
            bar(1, 100.0, 105.0, 95.0, 100.0, 1.0),
            bar(2, 100.0, 111.0, 99.0, 105.0, 0.0),
        ],
        open_interest: Vec::new(),
        liquidations: Vec::new(),
    };
    let path = dir.join("three.json");
    dataset::save(&data, &path).expect("saved");
    path
}

/// One 10x tier, no margin, half long: levels at 90 (long) and 110 (short). Volume mode with no
/// open interest to scale to: the values are relative, and the columns say so (`long_rel`).
const MODEL: [&str; 10] = [
    "--source",
    "volume",
    "--leverage",
    "10:1",
    "--mmr",
    "0",
    "--split",
    "fixed:0.5",
    "--bin",
    "1",
];

#[test]
fn map_csv_at_a_time_is_worked_out_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let path = three_bars(dir.path());
    let path = path.to_str().unwrap();
    // At bar 1 (00:01, RFC 3339 at 00:01:30 selects it): 100 + 50 USD of longs at 90 and of
    // shorts at 110.
    let mut args = vec![
        "map",
        path,
        "--at",
        "2025-10-10T00:01:30Z",
        "--format",
        "csv",
    ];
    args.extend(MODEL);
    let out = liqmap(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "price_low,price_high,long_rel,short_rel\n90,91,150,0\n110,111,0,150\n"
    );
    // At the last bar the high of 111 has liquidated the shorts.
    let mut args = vec!["map", path, "--format", "csv"];
    args.extend(MODEL);
    let out = liqmap(&args);
    assert_eq!(
        stdout(&out),
        "price_low,price_high,long_rel,short_rel\n90,91,150,0\n"
    );
}

/// The `clusters` array of `clusters --format json` at bar 1 of the three bars, under the model
/// flags `model`.
fn clusters_json_at_bar_1(model: &[&str]) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let path = three_bars(dir.path());
    let mut args = vec![
        "clusters",
        path.to_str().unwrap(),
        "--at",
        "1760054460000",
        "--format",
        "json",
    ];
    args.extend(model);
    let out = liqmap(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    doc["clusters"].as_array().unwrap().clone()
}

#[test]
fn clusters_json_names_side_price_and_distance() {
    let clusters = clusters_json_at_bar_1(&MODEL);
    assert_eq!(clusters.len(), 2);
    // Two clusters of 150 USD each, one a side; the close of bar 1 is 100.
    for c in clusters {
        assert_eq!(c["notional_rel"].as_f64(), Some(150.0));
        let (low, peak, distance) = match c["side"].as_str() {
            Some("long") => (90.0, 90.5, -9.5),
            Some("short") => (110.0, 110.5, 10.5),
            other => panic!("unexpected side {other:?}"),
        };
        assert_eq!(c["price_low"].as_f64(), Some(low));
        assert_eq!(c["peak_price"].as_f64(), Some(peak));
        assert!((c["distance_pct"].as_f64().unwrap() - distance).abs() < 1e-9);
        // Half the notional was opened at bar 0 (100 of 150 USD): the cluster formed then.
        assert_eq!(c["formed_time_ms"].as_i64(), Some(T0));
    }
}

#[test]
fn export_writes_a_png_and_csv_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = three_bars(dir.path());
    let png = dir.path().join("chart.png");
    let grid = dir.path().join("grid.csv");
    let clusters = dir.path().join("clusters.csv");
    let mut args = vec![
        "export",
        path.to_str().unwrap(),
        "--png",
        png.to_str().unwrap(),
        "--width",
        "800",
        "--height",
        "500",
        "--grid-csv",
        grid.to_str().unwrap(),
        "--clusters-csv",
        clusters.to_str().unwrap(),
    ];
    args.extend(MODEL);
    let out = liqmap(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let reader = decoder.read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (800, 500));
    // One column per bar; the long level at 90 stands in every column, the short at 110 in
    // the first two; the grid rows start at a multiple of the bin.
    let grid = std::fs::read_to_string(&grid).unwrap();
    let lines: Vec<&str> = grid.lines().collect();
    assert_eq!(lines[0], "time_ms,price_low,long_rel,short_rel");
    let at = |col: i64, price: &str, long: &str, short: &str| {
        format!("{},{price},{long},{short}", T0 + col * MIN)
    };
    assert!(lines.contains(&at(0, "90", "100", "0").as_str()), "{grid}");
    assert!(lines.contains(&at(1, "110", "0", "150").as_str()), "{grid}");
    assert!(lines.contains(&at(2, "90", "150", "0").as_str()), "{grid}");
    assert_eq!(lines.len(), 1 + 5);
    let clusters = std::fs::read_to_string(&clusters).unwrap();
    assert!(clusters.starts_with("rank,side,price_low,price_high,peak_price,notional_rel,"));
    assert_eq!(
        clusters.lines().count(),
        2,
        "only the long cluster stands at the last bar"
    );
}

#[test]
fn bad_arguments_exit_2_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = three_bars(dir.path());
    let path = path.to_str().unwrap();
    for (args, needle) in [
        (vec!["map", path, "--bin", "0"], "bin"),
        (vec!["map", path, "--leverage", "10"], "leverage"),
        (vec!["map", path, "--split", "fixed:2"], "split"),
        (vec!["map", path, "--source", "oi"], "open interest"),
        (vec!["map", path, "--at", "2020-01-01T00:00:00Z"], "no bar"),
        (
            vec!["clusters", "/nonexistent/file.json"],
            "/nonexistent/file.json",
        ),
        (vec!["export", path], "nothing to export"),
    ] {
        let out = liqmap(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn map_of_the_bundled_sample_is_rows_of_the_automatic_bin() {
    // HYPEUSDT 21.029..47.x over 300 rows: the automatic bin is 0.1 USD.
    let out = liqmap(&["map", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut previous = f64::NEG_INFINITY;
    for line in text.lines().skip(1) {
        let cells: Vec<f64> = line.split(',').map(|c| c.parse().unwrap()).collect();
        let (low, high) = (cells[0], cells[1]);
        assert!(low > previous, "rows ascend");
        assert!(((high - low) - 0.1).abs() < 1e-9);
        assert!(
            ((low * 10.0) - (low * 10.0).round()).abs() < 1e-6,
            "edges at multiples of 0.1"
        );
        assert!(cells[2] > 0.0 || cells[3] > 0.0, "only non-empty rows");
        previous = low;
    }
    assert!(text.lines().count() > 20);
}

/// The clusters of `clusters --format json` at bar 1 of the three bars under `leverage` and
/// `extra` flags, as (side, price_low, price_high, notional_usd), largest first.
fn clusters_at_bar_1(leverage: &str, extra: &[&str]) -> Vec<(String, f64, f64, f64)> {
    // MODEL with other leverage tiers.
    let mut model: Vec<&str> = MODEL.to_vec();
    if let Some(at) = model.iter().position(|&flag| flag == "--leverage") {
        model[at + 1] = leverage;
    }
    model.extend(extra);
    clusters_json_at_bar_1(&model)
        .iter()
        .map(|c| {
            (
                c["side"].as_str().unwrap().to_string(),
                c["price_low"].as_f64().unwrap(),
                c["price_high"].as_f64().unwrap(),
                c["notional_rel"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn min_prominence_drops_small_peaks() {
    // 150 USD a side at bar 1. 10x takes 90%: 135 USD of longs at 90 and of shorts at 110;
    // 5x takes 10%: 15 USD of longs at 100 x 0.8 = 80 and of shorts at 100 x 1.2 = 120.
    // A lone 15-USD row stands 15 / 135 = 11% of the side's largest row above its neighbours.
    let long = |low: f64, usd: f64| ("long".to_string(), low, low + 1.0, usd);
    let short = |low: f64, usd: f64| ("short".to_string(), low, low + 1.0, usd);
    let mut all = clusters_at_bar_1("10:0.9,5:0.1", &[]);
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let near = |got: &[(String, f64, f64, f64)], want: &[(String, f64, f64, f64)]| {
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(want) {
            assert_eq!((&g.0, g.1, g.2), (&w.0, w.1, w.2), "{got:?}");
            assert!((g.3 - w.3).abs() < 1e-9, "{got:?}");
        }
    };
    // The default 5% keeps them.
    near(
        &all,
        &[
            long(80.0, 15.0),
            long(90.0, 135.0),
            short(110.0, 135.0),
            short(120.0, 15.0),
        ],
    );
    // 20% drops them.
    let mut big = clusters_at_bar_1("10:0.9,5:0.1", &["--min-prominence", "0.2"]);
    big.sort_by(|a, b| a.partial_cmp(b).unwrap());
    near(&big, &[long(90.0, 135.0), short(110.0, 135.0)]);
}

#[test]
fn band_share_decides_how_far_a_cluster_reaches() {
    // 10x takes 60%, 9.5x 40% of 150 USD a side. Longs: 90 USD at 90 (row 90) and 60 USD at
    // 100 x (1 - 1/9.5) = 89.47 (row 89). Shorts: 110 and 100 x (1 + 1/9.5) = 110.53, both in
    // row 110: 150 USD.
    // Band share 0.5: row 89 holds 60 >= 45 = half the peak's 90, so the long band is 89..91.
    let wide = clusters_at_bar_1("10:0.6,9.5:0.4", &[]);
    let long = wide.iter().find(|c| c.0 == "long").unwrap();
    assert_eq!((long.1, long.2), (89.0, 91.0));
    assert!((long.3 - 150.0).abs() < 1e-9);
    // Band share 0.8: 60 < 72, so the band is row 90 alone, 90 USD; row 89 is no peak of its own.
    let narrow = clusters_at_bar_1("10:0.6,9.5:0.4", &["--band-share", "0.8"]);
    let longs: Vec<_> = narrow.iter().filter(|c| c.0 == "long").collect();
    assert_eq!(longs.len(), 1, "{narrow:?}");
    assert_eq!((longs[0].1, longs[0].2), (90.0, 91.0));
    assert!((longs[0].3 - 90.0).abs() < 1e-9);
    let short = narrow.iter().find(|c| c.0 == "short").unwrap();
    assert_eq!((short.1, short.2), (110.0, 111.0));
    assert!((short.3 - 150.0).abs() < 1e-9);
}

// Numbers and requests at the edges: what no command may print, the limits every command shares,
// and arguments that must reach their real check. Each refusal exits 2 with a message naming the
// problem, and leaves no output file behind.

/// `n` one-minute bars flat at 1 USD, each with `volume`.
fn flat_dataset(dir: &Path, n: i64, volume: f64) -> PathBuf {
    let data = Dataset {
        exchange: "test".into(),
        symbol: "TESTUSDT".into(),
        interval_ms: MIN,
        bars: (0..n).map(|i| bar(i, 1.0, 1.0, 1.0, 1.0, volume)).collect(),
        open_interest: Vec::new(),
        liquidations: Vec::new(),
    };
    let path = dir.join("flat.json");
    dataset::save(&data, &path).expect("saved");
    path
}

/// Exits 2 with every needle in the message.
fn refused(args: &[&str], needles: &[&str]) -> Output {
    let out = liqmap(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    for needle in needles {
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    out
}

/// Whether the text holds a number that is not one: `inf`, `NaN` or a JSON `null`.
fn prints_a_non_number(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("inf") || lower.contains("nan") || lower.contains("null")
}

#[test]
fn sums_past_the_largest_number_are_refused_not_printed() {
    let dir = tempfile::tempdir().unwrap();
    // Each bar is 1e308 USD of volume at 1 USD (finite, so the file loads); the half of ten bars
    // that opens longs at one 10x level sums to 5e308, past f64::MAX (about 1.8e308).
    let path = flat_dataset(dir.path(), 10, 1e308);
    let path = path.to_str().unwrap();
    let model = [
        "--source",
        "volume",
        "--leverage",
        "10:1",
        "--split",
        "fixed:0.5",
    ];
    for format in ["json", "csv", "table"] {
        let mut args = vec!["map", path, "--format", format];
        args.extend(model);
        let out = refused(&args, &["too large to print"]);
        assert!(!prints_a_non_number(&stdout(&out)), "{}", stdout(&out));
        let mut args = vec!["clusters", path, "--format", format];
        args.extend(model);
        let out = liqmap(&args);
        assert!(!prints_a_non_number(&stdout(&out)), "{}", stdout(&out));
    }
    let grid = dir.path().join("grid.csv");
    let mut args = vec!["export", path, "--grid-csv", grid.to_str().unwrap()];
    args.extend(model);
    refused(&args, &["too large to print"]);
    assert!(!grid.exists());
}

#[test]
fn tier_weights_summing_past_the_largest_number_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = flat_dataset(dir.path(), 3, 1.0);
    refused(
        &[
            "map",
            path.to_str().unwrap(),
            "--leverage",
            "5:1e308,10:1e308",
        ],
        &["--leverage", "weights sum"],
    );
}

#[test]
fn a_negative_value_after_a_space_reaches_the_range_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = flat_dataset(dir.path(), 3, 1.0);
    let out = refused(
        &["map", path.to_str().unwrap(), "--mmr", "-1"],
        &["--mmr -1 is out of range"],
    );
    assert!(
        !stderr(&out).contains("unexpected argument"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_time_after_the_data_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = flat_dataset(dir.path(), 3, 1.0);
    let path = path.to_str().unwrap();
    // The three bars open at 00:00, 00:01 and 00:02: the data ends at 00:03.
    refused(
        &["map", path, "--at", "2025-10-10T00:03:00Z"],
        &["after the data", "2025-10-10T00:03:00Z"],
    );
    // Inside the last bar is still that bar.
    let out = liqmap(&["map", path, "--at", "2025-10-10T00:02:59Z"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn export_shares_the_row_limit_and_writes_nothing_on_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.json");
    let sample = sample.to_str().unwrap();
    let png = dir.path().join("chart.png");
    let grid = dir.path().join("grid.csv");
    let clusters = dir.path().join("clusters.csv");
    let outputs = [
        "--png",
        png.to_str().unwrap(),
        "--grid-csv",
        grid.to_str().unwrap(),
        "--clusters-csv",
        clusters.to_str().unwrap(),
    ];
    // The sample spans about 21 to 47 USD: 1e-6 USD rows would be tens of millions.
    let mut args = vec!["export", sample, "--bin", "1e-6"];
    args.extend(outputs);
    refused(&args, &["more than 4000000", "choose a larger bin"]);
    // The same limit and message as map.
    refused(&["map", sample, "--bin", "1e-6"], &["more than 4000000"]);
    // A bad --at for the clusters: not even the picture is written.
    let mut args = vec!["export", sample, "--at", "2030-01-01T00:00:00Z"];
    args.extend(outputs);
    refused(&args, &["after the data"]);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// The rows of a map or grid CSV at one time (or all, for a map): (price_low, long, short).
fn csv_rows(text: &str, time_ms: Option<&str>) -> Vec<(String, f64, f64)> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let cells = match time_ms {
                Some(t) if cells.first() == Some(&t) => &cells[1..],
                Some(_) => return None,
                None => &cells[..],
            };
            let (long, short) = match cells.len() {
                3 => (cells[1], cells[2]),
                _ => (cells[2], cells[3]),
            };
            Some((
                cells[0].to_string(),
                long.parse().unwrap(),
                short.parse().unwrap(),
            ))
        })
        .collect()
}

#[test]
fn a_fine_grid_csv_covers_every_level_of_the_map() {
    // Rows of 0.002 USD over the sample's levels are more than the 20,000 rows export used to
    // cut at, and more than one strip: the grid's last column must still hold every row of the
    // map at the last bar, however far from the candles.
    let dir = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.json");
    let sample = sample.to_str().unwrap();
    let grid = dir.path().join("grid.csv");
    let out = liqmap(&[
        "export",
        sample,
        "--bin",
        "0.002",
        "--width",
        "64",
        "--grid-csv",
        grid.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let map = liqmap(&["map", sample, "--bin", "0.002", "--format", "csv"]);
    assert!(map.status.success(), "{}", stderr(&map));
    let map_rows = csv_rows(&stdout(&map), None);
    let grid_text = std::fs::read_to_string(&grid).unwrap();
    let last_time = grid_text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse::<i64>().unwrap())
        .max()
        .unwrap()
        .to_string();
    let grid_rows = csv_rows(&grid_text, Some(&last_time));
    assert!(map_rows.len() > 100, "{}", map_rows.len());
    let (lowest, highest) = (&map_rows[0].0, &map_rows[map_rows.len() - 1].0);
    for (price, long, short) in [&map_rows[0], &map_rows[map_rows.len() - 1]] {
        let found = grid_rows.iter().find(|(p, ..)| p == price);
        let (_, grid_long, grid_short) = found
            .unwrap_or_else(|| panic!("row {price} missing from the grid ({lowest}..{highest})"));
        assert!((grid_long - long).abs() <= 1e-6 * long.max(1.0), "{price}");
        assert!(
            (grid_short - short).abs() <= 1e-6 * short.max(1.0),
            "{price}"
        );
    }
}

#[test]
fn a_native_file_with_an_impossible_interval_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = flat_dataset(dir.path(), 3, 1.0);
    let text = std::fs::read_to_string(&path).unwrap().replace(
        r#""interval_ms":60000"#,
        &format!(r#""interval_ms":{}"#, i64::MAX),
    );
    std::fs::write(&path, text).unwrap();
    let shown = path.display().to_string();
    for command in ["info", "map"] {
        refused(&[command, path.to_str().unwrap()], &[&shown, "interval_ms"]);
    }
    let png = dir.path().join("out.png");
    refused(
        &[
            "export",
            path.to_str().unwrap(),
            "--png",
            png.to_str().unwrap(),
        ],
        &[&shown, "interval_ms"],
    );
}
