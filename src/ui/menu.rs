//! The menu bar: files, view, and a status line with the dataset and background work.

use super::app::{Command, LiqmapApp};
use crate::time::format_interval;

/// Draws the menu bar.
pub fn menu_ui(ui: &mut egui::Ui, app: &mut LiqmapApp) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            if ui.button("Open…").clicked() {
                app.send(Command::PickOpen);
                ui.close();
            }
            if ui.button("Open bundled sample").clicked() {
                app.send(Command::OpenSample);
                ui.close();
            }
            ui.menu_button("Recent files", |ui| {
                if app.settings.recent_files.is_empty() {
                    ui.label("(none yet)");
                }
                for path in app.settings.recent_files.clone() {
                    if ui.button(path.display().to_string()).clicked() {
                        app.send(Command::Open(path));
                        ui.close();
                    }
                }
            });
            if ui.button("Fetch from exchange…").clicked() {
                app.remote.form.open = true;
                ui.close();
            }
            ui.separator();
            if ui.button("Save dataset as…").clicked() {
                app.send(Command::PickSave);
                ui.close();
            }
            if ui.button("Export snapshot (PNG + clusters CSV)…").clicked() {
                app.send(Command::PickExport);
                ui.close();
            }
        });
        ui.menu_button("View", |ui| {
            if ui.button("Show everything (Home)").clicked() {
                app.send(Command::ResetView);
                ui.close();
            }
            ui.separator();
            theme_ui(ui);
        });
        ui.separator();
        if let Some(loaded) = &app.data.loaded {
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
        if let Some(engine) = &app.data.engine {
            ui.separator();
            ui.label(engine.settings().summary()).on_hover_text(
                "The model's assumptions. The leverage mix and the long/short split are estimates, \
                 not data: exchanges do not publish where positions would be liquidated.",
            );
        }
        ui.separator();
        super::live::live_status_ui(ui, app);
        if app.is_busy() {
            ui.separator();
            ui.spinner();
            ui.label("computing…");
        } else if !app.status.is_empty() {
            ui.separator();
            ui.label(app.status.as_str());
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
