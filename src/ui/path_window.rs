//! Files without a native dialog: the state of a small window with a path field and completion
//! of the folders and files under what is typed (drawn by [`super::path_panel`]). File ▸
//! Open…, Save dataset as… and Export snapshot… fall back to it where no file dialog can appear
//! (no desktop portal and no zenity: minimal window managers, remote sessions), and File ▸ Type
//! a path… opens it directly. Nothing here is an egui type.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::action::{Action, Pick};

/// Most entries of a folder read for completion: a huge folder must not stall a frame.
const MAX_ENTRIES_READ: usize = 5_000;
/// A dialog that answers "nothing chosen" faster than this never appeared: no person cancels
/// a file dialog within half a second.
const DIALOG_MIN_HUMAN_S: f64 = 0.5;

/// What the window says when it replaces a dialog that could not appear.
pub const NO_DIALOG_NOTE: &str = "No file dialog can appear here (no desktop portal and no \
                                  zenity). Type the path instead; Tab completes folders.";

/// The button that does `pick`.
pub fn verb(pick: Pick) -> &'static str {
    match pick {
        Pick::Open => "Open",
        Pick::Save => "Save",
        Pick::Export => "Export",
        Pick::SaveView => "Save view",
    }
}

/// The file name used when only a folder is given.
fn default_file_name(pick: Pick) -> Option<&'static str> {
    match pick {
        Pick::Open => None,
        Pick::Save => Some("dataset.json"),
        Pick::Export => Some("liqmap-snapshot.png"),
        Pick::SaveView => Some("coin.view.json"),
    }
}

/// What a native file dialog did.
#[derive(Debug, Clone, PartialEq)]
pub enum DialogOutcome {
    /// The user chose these paths (several only where the dialog lets one open several).
    Chosen(Vec<PathBuf>),
    /// The user closed the dialog without choosing.
    Cancelled,
    /// No dialog could appear.
    Unavailable,
}

/// Shows the native dialog for `pick` and waits for it (call it off the UI thread).
pub fn native_dialog(pick: Pick) -> DialogOutcome {
    let started = Instant::now();
    let dialog = rfd::FileDialog::new();
    let path = match pick {
        // Several files at once: klines with their open interest and liquidations, or one coin
        // across venues.
        Pick::Open => dialog
            .add_filter("datasets and market data", &["json", "csv", "jsonl", "txt"])
            .add_filter("any file", &["*"])
            .pick_files(),
        Pick::Export => dialog
            .add_filter("PNG image", &["png"])
            .set_file_name("liqmap-snapshot.png")
            .save_file()
            .map(|p| vec![p]),
        Pick::Save => dialog
            .add_filter("liqmap dataset", &["json"])
            .set_file_name("dataset.json")
            .save_file()
            .map(|p| vec![p]),
        Pick::SaveView => dialog
            .add_filter("liqmap view", &["json"])
            .set_file_name("coin.view.json")
            .save_file()
            .map(|p| vec![p]),
    };
    // rfd answers `None` both when the user cancels and when neither the desktop portal nor
    // zenity could show a dialog; only the time it took tells them apart.
    classify_dialog_answer(path, started.elapsed())
}

fn classify_dialog_answer(paths: Option<Vec<PathBuf>>, took: Duration) -> DialogOutcome {
    match paths.filter(|p| !p.is_empty()) {
        Some(paths) => DialogOutcome::Chosen(paths),
        None if took.as_secs_f64() < DIALOG_MIN_HUMAN_S => DialogOutcome::Unavailable,
        None => DialogOutcome::Cancelled,
    }
}

/// The path window's state.
#[derive(Debug, Clone, PartialEq)]
pub struct PathWindow {
    /// Whether the window is shown.
    pub open: bool,
    /// What the path is for.
    pub pick: Pick,
    /// The path typed.
    pub text: String,
    /// Why the window is shown instead of a dialog, if it replaces one.
    pub note: Option<String>,
    /// What is wrong with the path typed, after the button was pressed.
    pub error: Option<String>,
    /// A snapshot to take at the next frame, once the window is gone from the picture.
    pub export_after_close: Option<PathBuf>,
}

impl Default for PathWindow {
    fn default() -> Self {
        Self {
            open: false,
            pick: Pick::Open,
            text: String::new(),
            note: None,
            error: None,
            export_after_close: None,
        }
    }
}

/// A folder or file that completes the typed path.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The entry's name.
    pub name: String,
    /// Whether it is a folder.
    pub is_dir: bool,
}

impl PathWindow {
    /// Opens the window for `pick`; `note` says why (a dialog that could not appear). An
    /// empty field starts at the working folder.
    pub fn show_for(&mut self, pick: Pick, note: Option<String>) {
        self.open = true;
        self.pick = pick;
        self.note = note;
        self.error = None;
        if self.text.is_empty()
            && let Ok(dir) = std::env::current_dir()
        {
            self.text = format!("{}/", dir.display());
        }
    }

    /// The user changed the purpose or the text: the old complaint goes.
    pub fn edit(&mut self, pick: Pick, text: String) {
        if self.pick != pick || self.text != text {
            self.error = None;
        }
        self.pick = pick;
        self.text = text;
    }

    /// The button was pressed: the action that does it with the path typed, and the window
    /// closes; or the complaint is shown and the window stays. A snapshot is not taken at once
    /// but after the window has gone from the picture ([`Self::take_export`]).
    pub fn submit(&mut self) -> Option<Action> {
        match self.chosen_path() {
            Ok(path) => {
                self.open = false;
                self.error = None;
                match self.pick {
                    Pick::Open => Some(Action::Open(path)),
                    Pick::Save => Some(Action::SaveAs(path)),
                    Pick::SaveView => Some(Action::SaveViewAs(path)),
                    Pick::Export => {
                        self.export_after_close = Some(path);
                        None
                    }
                }
            }
            Err(message) => {
                self.error = Some(message);
                None
            }
        }
    }

    /// The snapshot waiting for the window to close, once it is closed.
    pub fn take_export(&mut self) -> Option<PathBuf> {
        if self.open {
            return None;
        }
        self.export_after_close.take()
    }

    /// The path the text names: `~` is the home folder, and a folder gets the purpose's
    /// default file name; an error says what is wrong with it.
    pub fn chosen_path(&self) -> Result<PathBuf, String> {
        let text = self.text.trim();
        if text.is_empty() {
            return Err("type a path".into());
        }
        let mut path = expand_home(text);
        match self.pick {
            Pick::Open => {
                if path.is_dir() {
                    return Err(format!(
                        "{} is a folder: choose a file in it",
                        path.display()
                    ));
                }
                if !path.exists() {
                    return Err(format!("{} does not exist", path.display()));
                }
            }
            Pick::Save | Pick::Export | Pick::SaveView => {
                if (path.is_dir() || text.ends_with('/'))
                    && let Some(name) = default_file_name(self.pick)
                {
                    path.push(name);
                }
                let parent = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                if !parent.is_dir() {
                    return Err(format!("the folder {} does not exist", parent.display()));
                }
            }
        }
        Ok(path)
    }
}

/// `text` with the typed name replaced by the longest prefix all `completions` share, and a
/// slash after a single folder (what Tab does).
pub fn complete_common_prefix(text: &str, completions: &[Completion]) -> String {
    let (dir_text, typed) = split_typed(text);
    let Some(first) = completions.first() else {
        return text.to_string();
    };
    let mut common = first.name.clone();
    for completion in &completions[1..] {
        let shared = common
            .chars()
            .zip(completion.name.chars())
            .take_while(|(a, b)| a == b)
            .count();
        common = common.chars().take(shared).collect();
    }
    if completions.len() == 1 && first.is_dir {
        common.push('/');
    }
    if common.len() > typed.len() {
        format!("{dir_text}{common}")
    } else {
        text.to_string()
    }
}

fn expand_home(text: &str) -> PathBuf {
    match text.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => dirs::home_dir()
            .map(|home| home.join(rest.trim_start_matches('/')))
            .unwrap_or_else(|| PathBuf::from(text)),
        _ => PathBuf::from(text),
    }
}

/// The folder part of the text (with its slash) and the name being typed after it.
pub fn split_typed(text: &str) -> (&str, &str) {
    match text.rfind('/') {
        Some(slash) => text.split_at(slash + 1),
        None => ("", text),
    }
}

/// The entries of the typed folder whose names start with the typed name: folders first, then
/// files, each sorted by name; hidden entries only when a dot is typed.
pub fn completions_of(text: &str) -> Vec<Completion> {
    let (dir_text, typed) = split_typed(text);
    let dir = if dir_text.is_empty() {
        PathBuf::from(".")
    } else {
        expand_home(dir_text)
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut list: Vec<Completion> = entries
        .take(MAX_ENTRIES_READ)
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let visible = !name.starts_with('.') || typed.starts_with('.');
            (visible && name.starts_with(typed)).then(|| Completion {
                is_dir: entry.path().is_dir(),
                name,
            })
        })
        .collect();
    list.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then_with(|| a.name.cmp(&b.name)));
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_none_within_half_a_second_means_no_dialog_appeared() {
        let quick = Duration::from_millis(20);
        let slow = Duration::from_secs(3);
        assert_eq!(
            classify_dialog_answer(None, quick),
            DialogOutcome::Unavailable
        );
        assert_eq!(classify_dialog_answer(None, slow), DialogOutcome::Cancelled);
        let path = PathBuf::from("/tmp/x.json");
        assert_eq!(
            classify_dialog_answer(Some(vec![path.clone()]), quick),
            DialogOutcome::Chosen(vec![path])
        );
    }

    #[test]
    fn completion_lists_folders_first_and_tab_completes_the_shared_prefix() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("year-data")).unwrap();
        std::fs::write(dir.path().join("year-2025.json"), "{}").unwrap();
        std::fs::write(dir.path().join("sample.json"), "{}").unwrap();
        std::fs::write(dir.path().join(".hidden"), "").unwrap();
        let base = format!("{}/", dir.path().display());

        let names = |text: &str| -> Vec<(String, bool)> {
            completions_of(text)
                .into_iter()
                .map(|c| (c.name, c.is_dir))
                .collect()
        };
        assert_eq!(
            names(&base),
            vec![
                ("year-data".to_string(), true),
                ("sample.json".to_string(), false),
                ("year-2025.json".to_string(), false),
            ]
        );
        assert_eq!(
            names(&format!("{base}.h")),
            vec![(".hidden".to_string(), false)]
        );

        let typed = format!("{base}ye");
        assert_eq!(
            complete_common_prefix(&typed, &completions_of(&typed)),
            format!("{base}year-")
        );
        let typed = format!("{base}year-d");
        assert_eq!(
            complete_common_prefix(&typed, &completions_of(&typed)),
            format!("{base}year-data/")
        );
    }

    #[test]
    fn a_folder_gets_the_default_name_and_a_missing_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut window = PathWindow {
            pick: Pick::Export,
            text: format!("{}/", dir.path().display()),
            ..PathWindow::default()
        };
        assert_eq!(
            window.chosen_path(),
            Ok(dir.path().join("liqmap-snapshot.png"))
        );
        window.text = format!("{}/missing/shot.png", dir.path().display());
        assert!(window.chosen_path().unwrap_err().contains("does not exist"));
        window.pick = Pick::Open;
        window.text = dir.path().display().to_string();
        assert!(window.chosen_path().unwrap_err().contains("is a folder"));
    }

    #[test]
    fn an_export_waits_for_the_window_to_close_and_a_refusal_keeps_it_open() {
        let dir = tempfile::tempdir().unwrap();
        let mut window = PathWindow::default();
        window.show_for(Pick::Export, None);
        window.edit(Pick::Export, "/nonexistent-folder/shot.png".into());
        assert_eq!(window.submit(), None);
        assert!(window.open);
        assert!(
            window
                .error
                .as_deref()
                .unwrap()
                .contains("/nonexistent-folder")
        );
        let shot = dir.path().join("shot.png");
        window.edit(Pick::Export, shot.display().to_string());
        assert_eq!(window.error, None, "editing clears the complaint");
        assert_eq!(window.submit(), None);
        assert!(!window.open);
        assert_eq!(window.take_export(), Some(shot));
        assert_eq!(window.take_export(), None);
    }
}
