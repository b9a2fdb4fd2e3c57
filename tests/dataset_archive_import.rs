//! `liqmap import` of Binance's archive zips: detected by content, several at once or a whole
//! folder, merged into one dataset equal to the CSVs the zips were built from.

#[path = "source_support/mod.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::archive::{assert_equals_the_csvs, hype_files, klines_day};
use support::*;

fn liqmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liqmap"))
        .args(args)
        .output()
        .unwrap()
}

/// Writes every file of the four days, with its CHECKSUM, into `dir` as downloaded.
fn download_into(dir: &Path) {
    for file in hype_files() {
        std::fs::write(dir.join(file.name()), &file.zip).unwrap();
        std::fs::write(
            dir.join(format!("{}.CHECKSUM", file.name())),
            &file.checksum,
        )
        .unwrap();
    }
}

#[test]
fn a_folder_of_archive_files_imports_as_the_csvs_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("downloads");
    std::fs::create_dir(&folder).unwrap();
    download_into(&folder);
    let out = dir.path().join("hype.json");
    let output = liqmap(&[
        "import",
        "--klines",
        folder.to_str().unwrap(),
        "--open-interest",
        folder.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    // The 8 checksums and the 4 files of the other kind are skipped, and said to be.
    assert_mentions(&stderr, &["skipped 12 files that are not klines"]);
    assert_mentions(
        &String::from_utf8_lossy(&output.stdout),
        &["from 8 files", "1152 bars", "1152 open-interest samples"],
    );
    let data = liqmap::dataset::load(&out).unwrap();
    assert_equals_the_csvs(&data, HYPE_START_MS, HYPE_END_MS);
}

#[test]
fn several_klines_zips_are_merged_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (
        klines_day("2025-10-09", true),
        klines_day("2025-10-08", false),
    );
    let (path_a, path_b) = (dir.path().join(a.name()), dir.path().join(b.name()));
    std::fs::write(&path_a, &a.zip).unwrap();
    std::fs::write(&path_b, &b.zip).unwrap();
    let out = dir.path().join("two.json");
    let output = liqmap(&[
        "import",
        "--klines",
        path_a.to_str().unwrap(),
        "--klines",
        path_b.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let data = liqmap::dataset::load(&out).unwrap();
    let day = 86_400_000;
    let expected: Vec<i64> = hype_5m()
        .iter()
        .map(|b| b.open_time_ms)
        .filter(|&t| t < HYPE_START_MS + 2 * day)
        .collect();
    assert_eq!(open_times(&data.bars), expected);
    assert_eq!(data.symbol, "HYPEUSDT");
}

#[test]
fn a_truncated_zip_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = klines_day("2025-10-08", true);
    let path = dir.path().join(file.name());
    std::fs::write(&path, &file.zip[..file.zip.len() / 2]).unwrap();
    let out = dir.path().join("x.json");
    let output = liqmap(&[
        "import",
        "--klines",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_mentions(
        &String::from_utf8_lossy(&output.stderr),
        &[file.name(), "a zip file, but"],
    );
    assert!(!out.exists());
}
