//! The error banner: the newest error, wrapped to the window's width, with Dismiss always in
//! view (Escape dismisses too). A file of open interest or liquidations opened on its own is not
//! an error to read but an offer: add it to the dataset shown.

use egui::RichText;

use crate::dataset::{DatasetErrorKind, FormatKind};

use super::action::Action;
use super::look::ERROR_COLOR;
use super::state::{ViewerError, ViewerState};

/// The label of the button that adds a file of open interest or liquidations to the dataset.
pub fn add_label(kind: FormatKind) -> &'static str {
    match kind {
        FormatKind::OpenInterest => "Add open interest to this dataset",
        _ => "Add liquidations to this dataset",
    }
}

/// The file and its kind when `error` is a file of open interest or liquidations opened where
/// bars were expected.
fn addable(error: &ViewerError) -> Option<(&std::path::Path, FormatKind)> {
    let ViewerError::Dataset(err) = error else {
        return None;
    };
    match err.kind.as_ref() {
        DatasetErrorKind::WrongKind { found, .. }
            if matches!(
                found.kind(),
                FormatKind::OpenInterest | FormatKind::Liquidations
            ) =>
        {
            Some((err.path.as_path(), found.kind()))
        }
        _ => None,
    }
}

/// Draws the banner (nothing when there is no error).
pub fn error_banner_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    let Some(last) = state.errors.last() else {
        return;
    };
    ui.horizontal_top(|ui| {
        // First, so it never ends up past the window's edge.
        if ui
            .button("Dismiss")
            .on_hover_text("hide the errors (Escape)")
            .clicked()
        {
            actions.push(Action::DismissError);
        }
        ui.vertical(|ui| {
            match (addable(last), &state.data.loaded) {
                (Some((path, kind)), Some(loaded)) => {
                    let name = path.file_name().map_or_else(
                        || path.display().to_string(),
                        |n| n.to_string_lossy().into(),
                    );
                    ui.add(
                        egui::Label::new(format!(
                            "{name} holds {}, not bars: it can be added to the {} {} shown.",
                            kind.name(),
                            loaded.dataset.symbol,
                            crate::time::format_interval(loaded.dataset.interval_ms)
                        ))
                        .wrap(),
                    );
                    if ui.button(add_label(kind)).clicked() {
                        actions.push(Action::AddToDataset(path.to_path_buf()));
                        actions.push(Action::DismissError);
                    }
                }
                _ => {
                    ui.add(
                        egui::Label::new(
                            RichText::new(format!("Error: {last}")).color(ERROR_COLOR),
                        )
                        .wrap(),
                    );
                }
            }
            if state.errors.len() > 1 {
                ui.label(format!("(+{} earlier)", state.errors.len() - 1));
            }
        });
    });
}

/// The last failure of a fetch still in the banner, shown in the fetch window too: the window
/// may cover the banner, and a fetch that failed must not look like one that never started.
pub fn fetch_failure_ui(ui: &mut egui::Ui, state: &ViewerState) {
    if state.remote.is_fetching() {
        return;
    }
    let failure = state.errors.iter().rev().find(|e| {
        matches!(
            e,
            ViewerError::Fetch(_)
                | ViewerError::FetchCancelled { .. }
                | ViewerError::PartialFetch { .. }
        )
    });
    if let Some(failure) = failure {
        ui.add(egui::Label::new(RichText::new(failure.to_string()).color(ERROR_COLOR)).wrap());
    }
}
