//! The "Fetch from exchange" window: venue, symbol (searchable), interval and range, a Fetch
//! button, and while a fetch runs a progress bar with a Cancel button. It edits a copy of the
//! form and sends actions.

use std::time::Duration;

use super::action::Action;
use super::fetch_form::{DAY_MS, FetchForm, INTERVALS, RangeChoice};
use super::fetch_wait::wait_line;
use super::look::WARNING_COLOR;
use super::state::{SymbolList, ViewerState, describe};

use crate::source::Venue;
use crate::time::format_time_ms;

/// Symbols listed under the search field at most; typing narrows the list.
const MAX_LISTED_SYMBOLS: usize = 40;

/// Draws the fetch window when it is open.
pub fn fetch_window(ctx: &egui::Context, state: &ViewerState, actions: &mut Vec<Action>) {
    let mut open = state.remote.form.open;
    egui::Window::new("Fetch from exchange")
        .open(&mut open)
        .resizable(false)
        .default_width(320.0)
        .show(ctx, |ui| fetch_form_ui(ui, state, actions));
    if open != state.remote.form.open {
        actions.push(Action::ShowFetchWindow(open));
    }
}

/// The window's contents.
pub fn fetch_form_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    let before = &state.remote.form;
    let mut form = before.clone();
    egui::Grid::new("fetch_form").num_columns(2).show(ui, |ui| {
        ui.label("Venue");
        egui::ComboBox::from_id_salt("fetch_venue")
            .selected_text(form.venue.display_name())
            .show_ui(ui, |ui| {
                for venue in Venue::ALL {
                    ui.selectable_value(&mut form.venue, venue, venue.display_name());
                }
            });
        ui.end_row();
        ui.label("Symbol");
        ui.add(
            egui::TextEdit::singleline(&mut form.symbol)
                .hint_text("search or type, e.g. BTCUSDT")
                .desired_width(160.0),
        );
        ui.end_row();
        ui.label("Interval");
        ui.horizontal(|ui| {
            for interval in INTERVALS {
                ui.selectable_value(&mut form.interval, interval.to_string(), interval);
            }
        });
        ui.end_row();
        ui.label("Range");
        ui.horizontal_wrapped(|ui| {
            for range in RangeChoice::ALL {
                ui.selectable_value(&mut form.range, range, range.label());
            }
        });
        ui.end_row();
        if form.range == RangeChoice::Custom {
            ui.label("From");
            ui.add(egui::TextEdit::singleline(&mut form.from).hint_text("2025-10-10T00:00:00Z"));
            ui.end_row();
            ui.label("To");
            ui.add(egui::TextEdit::singleline(&mut form.to).hint_text("2025-10-11T00:00:00Z"));
            ui.end_row();
        }
    });
    if form.range == RangeChoice::Custom && form.from.is_empty() && form.to.is_empty() {
        // Start from the last day, in the format expected, rather than from empty fields.
        let now_ms = state.remote.config.now_ms();
        form.from = format_time_ms(now_ms - DAY_MS);
        form.to = format_time_ms(now_ms);
    }
    if !state.remote.symbols.contains_key(&form.venue) {
        actions.push(Action::LoadSymbols(form.venue));
    }
    if let Some(symbol) = symbol_list_ui(ui, state, &form) {
        form.symbol = symbol;
    }
    if form != *before {
        actions.push(Action::SetFetchForm(form.clone()));
    }
    ui.separator();
    fetch_controls_ui(ui, state, &form, actions);
    super::venues_fetch_panel::all_venues_ui(ui, state, actions);
    super::error_banner::fetch_failure_ui(ui, state);
}

/// The venue's symbols matching what is typed; returns the one clicked.
fn symbol_list_ui(ui: &mut egui::Ui, state: &ViewerState, form: &FetchForm) -> Option<String> {
    match state.remote.symbols.get(&form.venue) {
        None | Some(SymbolList::Loading) => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("loading the symbol list…");
            });
        }
        Some(SymbolList::Failed(message)) => {
            ui.label(format!(
                "no symbol list ({message}); any symbol may be typed"
            ))
            .on_hover_text(message.as_str());
        }
        Some(SymbolList::Ready(list)) => {
            let needle = form.symbol.trim().to_ascii_uppercase();
            let matching: Vec<&String> = list
                .iter()
                .filter(|s| s.to_ascii_uppercase().contains(&needle))
                .collect();
            let known = list.iter().any(|s| s.eq_ignore_ascii_case(&needle));
            let mut picked = None;
            egui::ScrollArea::vertical()
                .max_height(120.0)
                .show(ui, |ui| {
                    for symbol in matching.iter().take(MAX_LISTED_SYMBOLS) {
                        if ui
                            .selectable_label(
                                known && symbol.eq_ignore_ascii_case(&needle),
                                symbol.as_str(),
                            )
                            .clicked()
                        {
                            picked = Some((*symbol).clone());
                        }
                    }
                });
            let note = match (matching.len(), known) {
                (_, true) => String::new(),
                (0, false) => format!(
                    "{} lists no such symbol; it will be asked for as typed",
                    form.venue
                ),
                (n, false) => format!("{n} symbols match"),
            };
            if !note.is_empty() {
                ui.small(note);
            }
            return picked;
        }
    }
    None
}

/// The Fetch button, or the progress bar and Cancel while a fetch runs.
fn fetch_controls_ui(
    ui: &mut egui::Ui,
    state: &ViewerState,
    form: &FetchForm,
    actions: &mut Vec<Action>,
) {
    if let Some(running) = &state.remote.running {
        let progress = running.progress.lock().map(|p| *p).unwrap_or_default();
        let fraction = if progress.pages_total > 0 {
            progress.pages_done as f32 / progress.pages_total as f32
        } else {
            0.0
        };
        ui.label(format!("fetching {}…", describe(&running.request)));
        ui.horizontal(|ui| {
            ui.add(
                egui::ProgressBar::new(fraction)
                    .desired_width(200.0)
                    .text(format!(
                        "{} of {} pages",
                        progress.pages_done, progress.pages_total
                    )),
            );
            if ui.button("Cancel").clicked() {
                actions.push(Action::CancelFetch);
            }
        });
        if let Some(line) = wait_line(&progress, state.remote.config.now_ms()) {
            ui.colored_label(WARNING_COLOR, line);
            ui.ctx().request_repaint_after(Duration::from_millis(500));
        }
    }
    let now_ms = state.remote.config.now_ms();
    let request = form.request(now_ms);
    ui.horizontal(|ui| {
        let fetch = ui.add_enabled(request.is_ok(), egui::Button::new("Fetch"));
        if let Err(why) = &request {
            ui.small(why.to_string());
        }
        if fetch
            .on_hover_text("replaces the dataset shown once it has arrived")
            .clicked()
            && let Ok(request) = request
        {
            actions.push(Action::Fetch(request));
        }
    });
}
