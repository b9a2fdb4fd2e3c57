//! The window where a path is typed (see [`super::path_window`]): a field with completion of
//! folders and files, the purpose, and the button. It reads the state and sends actions.

use egui::{Id, Key, Modifiers};

use super::action::{Action, Pick};
use super::look::ERROR_COLOR;
use super::path_window::{Completion, complete_common_prefix, completions_of, split_typed, verb};
use super::state::ViewerState;

/// Most completions listed under the field.
const MAX_COMPLETIONS_SHOWN: usize = 12;

/// The completions of `text`, read from disk once per text (kept in egui's memory).
fn cached_completions(ctx: &egui::Context, text: &str) -> Vec<Completion> {
    let id = Id::unique("liqmap-path-completions");
    if let Some((cached_text, list)) = ctx.data(|d| d.get_temp::<(String, Vec<Completion>)>(id))
        && cached_text == text
    {
        return list;
    }
    let list = completions_of(text);
    ctx.data_mut(|d| d.insert_temp(id, (text.to_string(), list.clone())));
    list
}

/// Draws the path window when it is open; once it has closed, asks for a snapshot that waits
/// for it to be gone from the picture.
pub fn path_window_ui(ctx: &egui::Context, state: &ViewerState, actions: &mut Vec<Action>) {
    let window = &state.path_window;
    if !window.open {
        if window.export_after_close.is_some() {
            actions.push(Action::ExportAfterPathWindow);
        }
        return;
    }
    let mut open = true;
    egui::Window::new("Type a path")
        .id(Id::unique("liqmap-path-window"))
        .open(&mut open)
        .collapsible(false)
        .default_width(520.0)
        .show(ctx, |ui| path_form_ui(ui, state, actions));
    if !open {
        actions.push(Action::ClosePathWindow);
    }
}

fn path_form_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    let window = &state.path_window;
    if let Some(note) = &window.note {
        ui.label(note.as_str());
        ui.separator();
    }
    let mut pick = window.pick;
    let mut text = window.text.clone();
    ui.horizontal(|ui| {
        ui.radio_value(&mut pick, Pick::Open, "open a file");
        ui.radio_value(&mut pick, Pick::Save, "save the dataset");
        ui.radio_value(&mut pick, Pick::Export, "export a snapshot");
        ui.radio_value(&mut pick, Pick::SaveView, "save the coin view");
    });
    let field = egui::TextEdit::singleline(&mut text)
        .id(Id::unique("liqmap-path-field"))
        .hint_text("/path/to/file.json")
        .desired_width(f32::INFINITY)
        .lock_focus(true)
        .show(ui)
        .response;
    let completions = cached_completions(ui.ctx(), &text);
    if field.has_focus() && ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Tab)) {
        text = complete_common_prefix(&text, &completions);
    }
    let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
    if !completions.is_empty() {
        let (dir_text, _) = split_typed(&text);
        let dir_text = dir_text.to_string();
        ui.label(egui::RichText::new("Tab completes; click to choose:").weak());
        for completion in completions.iter().take(MAX_COMPLETIONS_SHOWN) {
            let shown = if completion.is_dir {
                format!("{}/", completion.name)
            } else {
                completion.name.clone()
            };
            if ui.selectable_label(false, shown.as_str()).clicked() {
                text = format!("{dir_text}{shown}");
            }
        }
        if completions.len() > MAX_COMPLETIONS_SHOWN {
            ui.label(format!(
                "… and {} more",
                completions.len() - MAX_COMPLETIONS_SHOWN
            ));
        }
    }
    if let Some(error) = &window.error {
        ui.colored_label(ERROR_COLOR, error.as_str());
    }
    let pressed = ui.button(verb(pick)).clicked();
    if pick != window.pick || text != window.text {
        actions.push(Action::SetPathWindow { pick, text });
    }
    if pressed || enter {
        actions.push(Action::SubmitPath);
    }
}
