//! Which files `liqmap score` reads: the files named, and with `--all` every dataset file of the
//! directories named.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Extensions (in any case) of the files `--all` takes from a directory: native datasets (JSON
/// or Parquet) and klines files (JSON or CSV).
pub(super) const DATASET_EXTENSIONS: [&str; 3] = ["json", "parquet", "csv"];

fn is_dataset_file(path: &Path) -> bool {
    path.is_file()
        && path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            DATASET_EXTENSIONS
                .iter()
                .any(|known| e.eq_ignore_ascii_case(known))
        })
}

/// Whether `path` is a view file (its first bytes name the view format).
pub(super) fn is_view_file(path: &Path) -> bool {
    crate::dataset::view::looks_like_view(&crate::cli::aggregate::read_head(path))
}

/// The dataset files of `dir`, sorted by name; not recursive.
fn files_in(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("could not list the directory {}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry =
            entry.with_context(|| format!("could not list the directory {}", dir.display()))?;
        let path = entry.path();
        if is_dataset_file(&path) {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        bail!(
            "{} holds no dataset file (.json, .parquet or .csv) to score",
            dir.display()
        );
    }
    Ok(files)
}

/// The files to score: `paths` as given, except that with `all` a directory stands for its
/// dataset files. Without `all` a directory is refused with the flag to use; with `all` at least
/// one path is needed.
pub(super) fn dataset_files(paths: &[PathBuf], all: bool) -> anyhow::Result<Vec<PathBuf>> {
    if all && paths.is_empty() {
        bail!("--all needs a directory or dataset files to score");
    }
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            if !all {
                bail!(
                    "{} is a directory: pass --all to score every dataset file in it",
                    path.display()
                );
            }
            files.extend(files_in(path)?);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}
