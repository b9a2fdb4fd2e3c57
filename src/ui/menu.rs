//! The menu bar: files, view, and a status line with the dataset and background work.

use super::action::{Action, Pick};
use super::fetch_wait::wait_line;
use super::look::WARNING_COLOR;
use super::state::{ViewerState, describe};
use crate::time::format_interval;

/// Draws the menu bar.
pub fn menu_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            if ui.button("Open…").clicked() {
                actions.push(Action::Pick(Pick::Open));
                ui.close();
            }
            if ui.button("Type a path (open, save, export)…").clicked() {
                actions.push(Action::ShowPathWindow(Pick::Open));
                ui.close();
            }
            if ui.button("Open bundled sample").clicked() {
                actions.push(Action::OpenSample);
                ui.close();
            }
            ui.menu_button("Recent files", |ui| {
                if state.settings.recent_files.is_empty() {
                    ui.label("(none yet)");
                }
                for path in &state.settings.recent_files {
                    if ui.button(path.display().to_string()).clicked() {
                        actions.push(Action::Open(path.clone()));
                        ui.close();
                    }
                }
            });
            if ui.button("Fetch from exchange…").clicked() {
                actions.push(Action::ShowFetchWindow(true));
                ui.close();
            }
            ui.separator();
            if ui.button("Save dataset as…").clicked() {
                actions.push(Action::Pick(Pick::Save));
                ui.close();
            }
            if ui
                .add_enabled(
                    state.data.venues.is_some(),
                    egui::Button::new("Save view as…"),
                )
                .on_hover_text("Save the coin view: a view file naming each venue's dataset")
                .on_disabled_hover_text("Open or fetch several venues of one coin first")
                .clicked()
            {
                actions.push(Action::Pick(Pick::SaveView));
                ui.close();
            }
            if ui.button("Export snapshot (PNG + clusters CSV)…").clicked() {
                actions.push(Action::Pick(Pick::Export));
                ui.close();
            }
        });
        ui.menu_button("View", |ui| {
            if ui.button("Show everything (Home)").clicked() {
                actions.push(Action::ResetView);
                ui.close();
            }
            ui.separator();
            theme_ui(ui);
        });
        ui.separator();
        if let Some(loaded) = &state.data.loaded {
            let dataset = &loaded.dataset;
            ui.label(format!(
                "{} {} · {} · {} bars · {}",
                dataset.symbol,
                format_interval(dataset.interval_ms),
                dataset.exchange,
                dataset.bars.len(),
                loaded.name()
            ));
        }
        if let Some(engine) = &state.data.engine {
            ui.separator();
            let resolved = engine.settings();
            let summary = super::tiers_shown::header_summary(
                &resolved.summary(),
                &resolved.tiers,
                &state.settings,
            );
            ui.label(summary).on_hover_text(
                "The model's assumptions. The leverage mix and the long/short split are estimates, \
                 not data: exchanges do not publish where positions would be liquidated.",
            );
        }
        ui.separator();
        live_status_ui(ui, state, actions);
        if state.busy {
            ui.separator();
            ui.spinner();
            ui.label("computing…");
        } else if !state.status.is_empty() {
            ui.separator();
            ui.label(state.status.as_str());
        }
    });
}

/// The theme as words: egui's own buttons are icons that the bundled fonts lack.
fn theme_ui(ui: &mut egui::Ui) {
    let mut preference = ui.options(|o| o.theme_preference);
    let before = preference;
    ui.label("Theme");
    ui.radio_value(
        &mut preference,
        egui::ThemePreference::System,
        "follow the system",
    );
    ui.radio_value(&mut preference, egui::ThemePreference::Dark, "dark");
    ui.radio_value(&mut preference, egui::ThemePreference::Light, "light");
    if preference != before {
        ui.ctx().set_theme(preference);
    }
}

/// The live toggle and status line; also a fetch's progress, so that it shows and can be
/// cancelled with the fetch window closed.
fn live_status_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    if let Some(running) = &state.remote.running {
        let progress = running.progress.lock().map(|p| *p).unwrap_or_default();
        ui.spinner();
        ui.label(format!(
            "fetching {}: {} of {} pages",
            describe(&running.request),
            progress.pages_done,
            progress.pages_total
        ));
        if let Some(line) = wait_line(&progress, state.remote.config.now_ms()) {
            ui.colored_label(WARNING_COLOR, line);
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(500));
        }
        if ui.small_button("Cancel fetch").clicked() {
            actions.push(Action::CancelFetch);
        }
        ui.separator();
    }
    let available = state.can_go_live();
    let mut on = state.remote.live.is_some();
    let hint = if available {
        "keep the last bar, the open interest and the liquidations updating"
    } else if state.data.venues.is_some() {
        super::venues_state::LIVE_NOT_IN_COIN_VIEW
    } else {
        "fetch a dataset from an exchange (File ▸ Fetch from exchange…) first"
    };
    if ui
        .add_enabled(available || on, egui::Checkbox::new(&mut on, "Live"))
        .on_hover_text(hint)
        .on_disabled_hover_text(hint)
        .changed()
    {
        actions.push(Action::Live(on));
    }
    if let Some(live) = &state.remote.live
        && !live.venues.is_empty()
    {
        super::venues_live_status::feeds_ui(ui, live);
    } else if let Some(live) = &state.remote.live {
        let line = live.status_line();
        if live.is_troubled() {
            ui.colored_label(WARNING_COLOR, line);
        } else {
            ui.label(line);
        }
    }
}
