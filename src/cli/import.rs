//! `liqmap import`: builds a native dataset from files traders already have: one file of each
//! kind, several (`--klines a.zip --klines b.zip`), or a folder (the files of the option's kind
//! in it, told apart by content, so a folder of downloaded archive files can be given to both
//! `--klines` and `--open-interest`). Zip files of Binance's public archive are read as the CSV
//! they hold.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::dataset::import::read_files::ReadFiles;
use crate::dataset::import::several::{SeveralRequest, import_several_read};
use crate::dataset::{self, FormatKind};
use crate::time::{format_interval, format_time_ms};

/// Arguments of `liqmap import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Klines file or folder (format detected from the content); repeat for several.
    #[arg(long, value_name = "FILE|DIR", required = true)]
    pub klines: Vec<PathBuf>,
    /// Open-interest file or folder: Binance openInterestHist JSON, Binance metrics CSV (or its
    /// archive zip) or Bybit JSON; repeat for several.
    #[arg(long, value_name = "FILE|DIR")]
    pub open_interest: Vec<PathBuf>,
    /// Liquidations file or folder: Binance forceOrder JSON (lines or array) or a liquidations
    /// CSV; repeat for several.
    #[arg(long, value_name = "FILE|DIR")]
    pub liquidations: Vec<PathBuf>,
    /// Venue name (default: detected, else binance-usdm).
    #[arg(long, value_name = "E")]
    pub exchange: Option<String>,
    /// Symbol, for data that does not name its own (e.g. BTCUSDT).
    #[arg(long, value_name = "S")]
    pub symbol: Option<String>,
    /// Where to write the native dataset.
    #[arg(long, value_name = "DATASET")]
    pub out: PathBuf,
}

/// The files `paths` name: files as given, folders as the files in them of `kind` (by content,
/// in name order); the others are listed on stderr as skipped. The files of folders are read
/// into `files`, where the import takes their text from: each is read once.
fn expand(
    paths: &[PathBuf],
    kind: FormatKind,
    option: &str,
    files_read: &mut ReadFiles,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("{}: could not list the folder", path.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        let mut skipped: Vec<String> = Vec::new();
        let before = files.len();
        for entry in entries {
            match files_read.read_kind(&entry) {
                Ok(found) if found == kind => files.push(entry),
                _ => skipped.push(file_name(&entry)),
            }
        }
        if files.len() == before {
            anyhow::bail!(
                "{}: the folder holds no {} file ({option})",
                path.display(),
                kind.name()
            );
        }
        if !skipped.is_empty() {
            let shown: Vec<&str> = skipped.iter().take(5).map(String::as_str).collect();
            let more = skipped.len().saturating_sub(shown.len());
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            eprintln!(
                "{option} {}: skipped {} files that are not {}: {}{tail}",
                path.display(),
                skipped.len(),
                kind.name(),
                shown.join(", ")
            );
        }
    }
    Ok(files)
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The files of every option, folders expanded.
fn request(args: &ImportArgs, files_read: &mut ReadFiles) -> anyhow::Result<SeveralRequest> {
    Ok(SeveralRequest {
        klines: expand(&args.klines, FormatKind::Klines, "--klines", files_read)?,
        open_interest: expand(
            &args.open_interest,
            FormatKind::OpenInterest,
            "--open-interest",
            files_read,
        )?,
        liquidations: expand(
            &args.liquidations,
            FormatKind::Liquidations,
            "--liquidations",
            files_read,
        )?,
        exchange: args.exchange.clone(),
        symbol: args.symbol.clone(),
    })
}

/// Imports, saves, and prints a one-line summary.
pub fn run(args: &ImportArgs) -> anyhow::Result<()> {
    let mut files_read = ReadFiles::default();
    let request = request(args, &mut files_read)?;
    let dataset = import_several_read(&request, &mut files_read)?;
    dataset::save(&dataset, &args.out)?;
    let range = dataset
        .time_range_ms()
        .map_or_else(String::new, |(start, end)| {
            format!(" {} → {}", format_time_ms(start), format_time_ms(end))
        });
    let files = request.klines.len() + request.open_interest.len() + request.liquidations.len();
    let from = if files > 1 {
        format!(" from {files} files")
    } else {
        String::new()
    };
    println!(
        "wrote {}{from}: {} {} {}, {} bars{range}, {} open-interest samples, {} liquidations",
        args.out.display(),
        dataset.exchange,
        dataset.symbol,
        format_interval(dataset.interval_ms),
        dataset.bars.len(),
        dataset.open_interest.len(),
        dataset.liquidations.len(),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folders_files_are_read_once_to_be_told_and_imported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let names = [
            "hypeusdt-klines-takerbuy-5m-20251010-crash.csv",
            "hypeusdt-metrics-openinterest-5m-20251010-crash.csv",
        ];
        for name in names {
            std::fs::copy(Path::new("tests/data").join(name), dir.path().join(name)).expect("copy");
        }
        let folder = dir.path().to_path_buf();
        let args = ImportArgs {
            klines: vec![folder.clone()],
            open_interest: vec![folder.clone()],
            liquidations: Vec::new(),
            exchange: None,
            symbol: None,
            out: dir.path().join("out.json"),
        };
        let mut files_read = ReadFiles::default();
        let request = request(&args, &mut files_read).expect("the folder's files");
        assert_eq!(request.klines, vec![folder.join(names[0])]);
        assert_eq!(request.open_interest, vec![folder.join(names[1])]);
        // Gone from the disk: the import can only use the texts read to tell their kinds.
        let expected = crate::dataset::import::several::import_several(&request).expect("import");
        for name in names {
            std::fs::remove_file(dir.path().join(name)).expect("remove");
        }
        let imported = import_several_read(&request, &mut files_read).expect("imported once");
        assert_eq!(imported, expected);
        assert!(expected.open_interest.len() > 20);
    }
}
