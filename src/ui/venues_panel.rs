//! The "Venues" group of the controls, shown while a coin is summed across several venues: tick
//! and weight each venue like a tier (the kept grids are re-summed, nothing is recomputed),
//! choose the reference venue whose candles are shown, and read the common time range and the
//! mix of open-interest and volume modes.

use egui::RichText;

use super::action::Action;
use super::state::ViewerState;
use crate::engine::venues::VenueSettings;
use crate::settings::Source;

/// Draws the Venues group, and a separator under it, when several venues are shown.
pub fn venues_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    let Some(view) = &state.data.venues else {
        return;
    };
    let venues = &view.venues;
    ui.heading("Venues");
    egui::Grid::new("venues")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for (i, name) in venues.names().iter().enumerate() {
                let Some(settings) = venues.settings(i) else {
                    continue;
                };
                let mut enabled = settings.enabled;
                if ui.checkbox(&mut enabled, *name).changed() {
                    actions.push(Action::SetVenue {
                        venue: i,
                        settings: VenueSettings {
                            enabled,
                            ..settings
                        },
                    });
                }
                let mut weight = settings.weight;
                if ui
                    .add(
                        egui::DragValue::new(&mut weight)
                            .speed(0.01)
                            .range(0.0..=10.0),
                    )
                    .on_hover_text("weight: multiplier of this venue's notional in the sum")
                    .changed()
                {
                    actions.push(Action::SetVenue {
                        venue: i,
                        settings: VenueSettings { weight, ..settings },
                    });
                }
                let mode = match venues.engine(i).map(|e| e.settings().source) {
                    Some(Source::Volume) => "volume mode",
                    _ => "open interest",
                };
                ui.label(mode);
                ui.end_row();
            }
        });
    let names = venues.names();
    let reference = venues.reference();
    ui.horizontal(|ui| {
        ui.label("Candles from");
        egui::ComboBox::from_id_salt("reference_venue")
            .selected_text(names.get(reference).copied().unwrap_or("?"))
            .show_ui(ui, |ui| {
                for (i, name) in names.iter().enumerate() {
                    if ui.selectable_label(i == reference, *name).clicked() && i != reference {
                        actions.push(Action::SetReferenceVenue(i));
                    }
                }
            });
    });
    ui.label(view.common_range_text());
    ui.label(RichText::new(view.summed_note()).small());
    let mix = venues.mode_mix();
    let text = RichText::new(mix.describe()).small();
    ui.label(if mix.is_mixed() {
        text.color(super::look::WARNING_COLOR)
    } else {
        text
    });
    ui.separator();
}
