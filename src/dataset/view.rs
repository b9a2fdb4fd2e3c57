//! A coin view saved as one small file: the dataset files of its venues and how each counts
//! (ticked, weight), and the reference venue. The datasets stay in their own files (native format
//! version 1, untouched); the view only names them. The schema is in `docs/view-format.md`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{DatasetError, DatasetErrorKind};

/// The `format` field of a view file.
pub const VIEW_FORMAT: &str = "liqmap-view";
/// The version of the view format this build writes and reads.
pub const VIEW_VERSION: u32 = 1;
/// At most this many datasets in one view.
pub const MAX_VIEW_DATASETS: usize = 16;
/// A view file larger than this is refused unread (a view is a few hundred bytes).
const MAX_VIEW_BYTES: u64 = 1 << 20;

/// One venue of a view.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewEntry {
    /// The dataset file (as loaded: resolved against the view file's folder).
    pub path: PathBuf,
    /// Whether the venue is in the sum.
    pub enabled: bool,
    /// Multiplier of the venue's notional in the sum (finite, 0 or more).
    pub weight: f64,
}

/// A coin view: several datasets and how they are summed.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// The venues, in order.
    pub datasets: Vec<ViewEntry>,
    /// Index into `datasets` of the reference venue (its candles are shown); `None` chooses the
    /// largest open interest.
    pub reference: Option<usize>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ViewFile {
    format: String,
    version: u32,
    datasets: Vec<EntryFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reference: Option<usize>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    path: String,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default = "one")]
    weight: f64,
}

fn yes() -> bool {
    true
}

fn one() -> f64 {
    1.0
}

/// Whether a text looks like a view file (a JSON object whose `format` is `liqmap-view`), so a
/// command given one where it takes datasets can open the view instead.
pub fn looks_like_view(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(200)
        .filter(|c| !c.is_whitespace())
        .collect();
    head.starts_with("{\"format\":\"liqmap-view\"")
}

/// Reads a view file; dataset paths are taken relative to the view file's folder.
pub fn load_view(path: &Path) -> Result<View, DatasetError> {
    let err = |message: String| DatasetError::new(path, DatasetErrorKind::View(message));
    let size = std::fs::metadata(path)
        .map_err(|e| err(format!("could not read the view file: {e}")))?
        .len();
    if size > MAX_VIEW_BYTES {
        return Err(err(format!(
            "{size} bytes is too large for a view file (at most {MAX_VIEW_BYTES}); is it a dataset?"
        )));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| err(format!("could not read the view file: {e}")))?;
    view_from_str(&text, path.parent().unwrap_or(Path::new(""))).map_err(err)
}

/// Parses a view's text; relative dataset paths are joined to `folder`.
pub fn view_from_str(text: &str, folder: &Path) -> Result<View, String> {
    let file: ViewFile = serde_json::from_str(text).map_err(|e| {
        format!(
            "line {}, column {}: not a view file: {e}",
            e.line(),
            e.column()
        )
    })?;
    if file.format != VIEW_FORMAT {
        return Err(format!(
            "format is '{}', expected '{VIEW_FORMAT}'",
            file.format
        ));
    }
    if file.version != VIEW_VERSION {
        return Err(format!(
            "view format version {} is not supported (this build reads version {VIEW_VERSION})",
            file.version
        ));
    }
    if file.datasets.is_empty() || file.datasets.len() > MAX_VIEW_DATASETS {
        return Err(format!(
            "datasets: {} entries, expected 1 to {MAX_VIEW_DATASETS}",
            file.datasets.len()
        ));
    }
    let mut datasets = Vec::with_capacity(file.datasets.len());
    for (i, entry) in file.datasets.into_iter().enumerate() {
        if entry.path.trim().is_empty() {
            return Err(format!("datasets[{i}].path is empty"));
        }
        if !(entry.weight.is_finite() && entry.weight >= 0.0) {
            return Err(format!(
                "datasets[{i}].weight is {}, expected a finite number of 0 or more",
                entry.weight
            ));
        }
        datasets.push(ViewEntry {
            path: folder.join(&entry.path),
            enabled: entry.enabled,
            weight: entry.weight,
        });
    }
    if let Some(r) = file.reference.filter(|&r| r >= datasets.len()) {
        return Err(format!(
            "reference is {r}, but there are {} datasets (0-based)",
            datasets.len()
        ));
    }
    Ok(View {
        datasets,
        reference: file.reference,
    })
}

/// The view's text; dataset paths under `folder` are written relative to it, others as given.
pub fn view_to_string(view: &View, folder: &Path) -> Result<String, String> {
    let datasets = view
        .datasets
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let relative = entry.path.strip_prefix(folder).unwrap_or(&entry.path);
            let path = relative
                .to_str()
                .ok_or_else(|| format!("datasets[{i}].path is not valid UTF-8"))?
                .to_string();
            if !(entry.weight.is_finite() && entry.weight >= 0.0) {
                return Err(format!("datasets[{i}].weight is {}", entry.weight));
            }
            Ok(EntryFile {
                path,
                enabled: entry.enabled,
                weight: entry.weight,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let file = ViewFile {
        format: VIEW_FORMAT.into(),
        version: VIEW_VERSION,
        datasets,
        reference: view.reference,
    };
    serde_json::to_string_pretty(&file)
        .map(|text| text + "\n")
        .map_err(|e| e.to_string())
}

/// Saves a view atomically (a reader sees the old file or the new one); dataset paths in the
/// view file's folder or below are written relative to it.
pub fn save_view(view: &View, path: &Path) -> Result<(), DatasetError> {
    let folder = path.parent().unwrap_or(Path::new(""));
    let text = view_to_string(view, folder)
        .map_err(|m| DatasetError::new(path, DatasetErrorKind::View(m)))?;
    crate::atomic_write::write_atomic(path, text.as_bytes())
        .map_err(|e| DatasetError::new(path, DatasetErrorKind::Write(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_against_the_view_folder_and_defaults_apply() {
        let text = r#"{"format": "liqmap-view", "version": 1,
            "datasets": [{"path": "a.json"}, {"path": "/data/b.json", "enabled": false, "weight": 0.5}],
            "reference": 1}"#;
        let view = view_from_str(text, Path::new("/views")).expect("a view");
        assert_eq!(view.datasets[0].path, PathBuf::from("/views/a.json"));
        assert!(view.datasets[0].enabled);
        assert_eq!(view.datasets[0].weight, 1.0);
        assert_eq!(view.datasets[1].path, PathBuf::from("/data/b.json"));
        assert!(!view.datasets[1].enabled);
        assert_eq!(view.reference, Some(1));
        assert!(looks_like_view(text));
    }

    #[test]
    fn saved_views_read_back_with_paths_relative_to_their_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = std::env::temp_dir().join("elsewhere").join("c.json");
        let view = View {
            datasets: vec![
                ViewEntry {
                    path: dir.path().join("data").join("a.json"),
                    enabled: true,
                    weight: 1.0,
                },
                ViewEntry {
                    path: outside.clone(),
                    enabled: false,
                    weight: 0.25,
                },
            ],
            reference: Some(1),
        };
        let path = dir.path().join("coin.view.json");
        save_view(&view, &path).expect("saved");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains("\"path\": \"data/a.json\""), "{text}");
        assert!(looks_like_view(&text));
        assert_eq!(load_view(&path).expect("loaded"), view);
    }

    #[test]
    fn bad_views_name_the_problem() {
        let cases = [
            (
                r#"{"format":"liqmap-dataset","version":1,"datasets":[]}"#,
                "format is",
            ),
            (
                r#"{"format":"liqmap-view","version":2,"datasets":[{"path":"a"}]}"#,
                "version 2",
            ),
            (
                r#"{"format":"liqmap-view","version":1,"datasets":[]}"#,
                "0 entries",
            ),
            (
                r#"{"format":"liqmap-view","version":1,"datasets":[{"path":"a","weight":-1}]}"#,
                "datasets[0].weight",
            ),
            (
                r#"{"format":"liqmap-view","version":1,"datasets":[{"path":"a"}],"reference":1}"#,
                "reference is 1",
            ),
            (
                r#"{"format":"liqmap-view","version":1,"datasets":[{"path":"a","colour":1}]}"#,
                "unknown field",
            ),
            (r#"{"format":"liqmap-view","#, "line 1"),
        ];
        for (text, expected) in cases {
            let message = view_from_str(text, Path::new("")).expect_err(text);
            assert!(message.contains(expected), "{text}: {message}");
        }
    }
}
