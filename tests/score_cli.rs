//! `liqmap score` on several datasets at once, as a user runs it: each dataset's figures, and the
//! pooled figures equal to those worked out from the per-dataset counts.

mod score_support;

use std::path::Path;
use std::process::{Command, Output};

use score_support::nulls;
use serde_json::Value;

/// `liqmap score ARGS`.
fn liqmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liqmap"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .arg("score")
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The two bundled datasets, few sampled bars and a two-hour horizon so a debug build is quick.
const QUICK: [&str; 6] = [
    "assets/sample.json",
    "assets/btcusdt-5m.json",
    "--samples",
    "60",
    "--horizon",
    "24",
];

fn count(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

#[test]
fn several_datasets_are_scored_each_and_pooled() {
    let output = liqmap(&[&QUICK[..], &["--format", "json"]].concat());
    assert!(output.status.success(), "{output:?}");
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let datasets = doc["datasets"].as_array().unwrap();
    assert_eq!(datasets.len(), 2);
    assert_eq!(datasets[0]["symbol"], "HYPEUSDT");
    assert_eq!(datasets[1]["symbol"], "BTCUSDT");
    assert_eq!(datasets[1]["dataset"], "assets/btcusdt-5m.json");
    let pooled = &doc["pooled"];
    // Pooled counts are the sums, and the pooled difference is worked out from them: clusters'
    // hits over their trials minus the controls' hits over theirs, all datasets together.
    for path in [
        &["matched"][..],
        &["unmatched"],
        &["baselines", "0", "matched"],
        &["baselines", "3", "matched"],
    ] {
        let get = |doc: &Value| {
            path.iter()
                .fold(doc.clone(), |v, key| match key.parse::<usize>() {
                    Ok(i) => v[i].clone(),
                    Err(_) => v[*key].clone(),
                })
        };
        let parts: Vec<Value> = datasets.iter().map(get).collect();
        let whole = get(pooled);
        let sum = |f: &dyn Fn(&Value) -> u64| parts.iter().map(f).sum::<u64>();
        let hits = sum(&|c| count(&c["reach"]["hits"]));
        let trials = sum(&|c| count(&c["reach"]["total"]));
        let control_hits = sum(&|c| count(&c["control_reach"]["hits"]));
        let controls = sum(&|c| count(&c["control_reach"]["total"]));
        assert_eq!(count(&whole["with_control"]), trials, "{path:?}");
        assert_eq!(
            count(&whole["without_control"]),
            sum(&|c| count(&c["without_control"])),
            "{path:?}"
        );
        assert_eq!(
            count(&whole["blocks"]),
            sum(&|c| count(&c["blocks"])),
            "{path:?}"
        );
        assert!(trials > 0 && controls == 2 * trials, "{path:?}");
        let by_hand = hits as f64 / trials as f64 - control_hits as f64 / controls as f64;
        let estimate = whole["estimate"].as_f64().unwrap();
        assert!(
            (estimate - by_hand).abs() < 1e-12,
            "{path:?}: {estimate} vs {by_hand}"
        );
        assert!(whole["ci95_low"].as_f64().unwrap() <= estimate);
    }
    // Every cluster of every dataset, pooled.
    assert_eq!(
        count(&pooled["reach"]["total"]),
        datasets
            .iter()
            .map(|d| count(&d["reach"]["total"]))
            .sum::<u64>()
    );
}

#[test]
fn the_table_shows_each_dataset_then_the_pooled_figures_with_a_line_per_dataset() {
    let output = liqmap(&QUICK);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    let pooled_at = text.find("== Pooled over 2 datasets ==").expect(&text);
    let (each, pooled) = text.split_at(pooled_at);
    assert!(
        each.contains("== assets/sample.json ==") && each.contains("== assets/btcusdt-5m.json ==")
    );
    assert!(pooled.contains("HYPEUSDT (assets/sample.json)"), "{pooled}");
    assert!(
        pooled.contains("BTCUSDT (assets/btcusdt-5m.json)"),
        "{pooled}"
    );
    // The matched comparison is the main verdict, the unmatched one a labelled second line.
    let matched = pooled
        .find("MATCHED controls (main verdict)")
        .expect(pooled);
    let unmatched = pooled
        .find("Unmatched controls (older comparison")
        .expect(pooled);
    assert!(matched < unmatched);
    for line in [
        "swing highs/lows",
        "round numbers",
        "previous day high/low",
        "volume nodes",
    ] {
        assert!(pooled.contains(line), "{line}: {pooled}");
    }
    assert!(pooled.contains("Dose-response"));
    let bad = |word: &str| {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric());
        matches!(word, "NaN" | "inf" | "null")
    };
    assert!(!text.split_whitespace().any(bad), "{text}");
}

#[test]
fn a_missing_dataset_is_named_and_nothing_is_scored() {
    let output = liqmap(&["assets/sample.json", "no/such/file.json", "--samples", "10"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("no/such/file.json"));
    assert!(output.stdout.is_empty());
}

#[test]
fn all_scores_every_dataset_of_a_directory_and_keeps_every_figure() {
    // assets/ holds the two bundled datasets and SOURCES.md, which is not a dataset file.
    let output = liqmap(&[
        "--all",
        "assets",
        "--samples",
        "60",
        "--horizon",
        "24",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{output:?}");
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let datasets = doc["datasets"].as_array().unwrap();
    let names: Vec<&str> = datasets
        .iter()
        .map(|d| d["dataset"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["assets/btcusdt-5m.json", "assets/sample.json"]);
    let pooled = &doc["pooled"];
    for key in [
        "matched",
        "unmatched",
        "baselines",
        "curve",
        "dose_response",
        "verdict",
        "information_text",
    ] {
        assert!(pooled.get(key).is_some(), "pooled lacks {key}");
    }
    for d in datasets {
        for key in [
            "matched",
            "baselines",
            "curve",
            "real_events",
            "lift_matched",
            "params",
        ] {
            assert!(d.get(key).is_some(), "{} lacks {key}", d["dataset"]);
        }
    }
    // The pooled counts are those of the files named one by one.
    let by_name = liqmap(&[&QUICK[..], &["--format", "json"]].concat());
    let by_name: Value = serde_json::from_slice(&by_name.stdout).unwrap();
    assert_eq!(
        pooled["matched"]["reach"],
        by_name["pooled"]["matched"]["reach"]
    );
    let mut found = Vec::new();
    nulls(&doc, "", &mut found);
    assert!(found.is_empty(), "null at {found:?}");
}

#[test]
fn a_directory_needs_all_and_an_empty_one_is_refused() {
    let output = liqmap(&["assets", "--samples", "10"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("assets") && stderr.contains("--all"),
        "{stderr}"
    );
    let empty = std::env::temp_dir().join(format!("liqmap-score-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let output = liqmap(&["--all", empty.to_str().unwrap()]);
    let _ = std::fs::remove_dir(&empty);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("no dataset file"));
    assert!(output.stdout.is_empty());
}
