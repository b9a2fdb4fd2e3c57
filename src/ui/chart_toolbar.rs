//! The row above the chart: time-range buttons (12h … all), as commercial heatmaps have them,
//! the clock (UTC or local), and the pinned time with how to unpin it.

use super::action::Action;
use super::chart_range::{RANGES, RIGHT_MARGIN};
use super::state::ViewerState;
use super::time_axis::clock_time;

/// Draws the toolbar.
pub fn chart_toolbar_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    let width_ms = state.view.bounds().map(|b| b.width() * 1000.0);
    let full_ms = state
        .data
        .loaded
        .as_ref()
        .and_then(|l| l.dataset.time_range_ms())
        .map(|(start, end)| (end - start) as f64);
    // Wrapped: a narrow window must not push the chart (and its price axis) past the panel.
    ui.horizontal_wrapped(|ui| {
        ui.label("Range");
        for (label, span_ms) in RANGES {
            // The button of the span shown is marked, whichever way it was reached.
            let shown_ms = span_ms.map(|s| s as f64).or(full_ms);
            let selected = match (width_ms, shown_ms) {
                (Some(width), Some(shown)) => {
                    (width - shown * (1.0 + RIGHT_MARGIN)).abs() < shown * 0.02
                }
                _ => false,
            };
            let hint = match span_ms {
                Some(_) => format!("show the last {label} of the data"),
                None => "show all the data (Home)".to_string(),
            };
            if ui
                .selectable_label(selected, label)
                .on_hover_text(hint)
                .clicked()
            {
                actions.push(Action::ShowRecent(span_ms));
            }
        }
        ui.separator();
        let local = state.settings.local_time;
        if ui
            .selectable_label(!local, "UTC")
            .on_hover_text("times in UTC")
            .clicked()
            && local
        {
            actions.push(Action::SetLocalTime(false));
        }
        if ui
            .selectable_label(local, "local")
            .on_hover_text("times on this computer's clock")
            .clicked()
            && !local
        {
            actions.push(Action::SetLocalTime(true));
        }
        // Unpinned, nothing here: the clusters table says how to pin.
        if let Some(pinned_ms) = state.view.pinned_ms {
            ui.separator();
            if ui
                .small_button("Unpin")
                .on_hover_text("the clusters follow the pointer again (Escape)")
                .clicked()
            {
                actions.push(Action::PinTime(None));
            }
            ui.label(format!("pinned {}", clock_time(pinned_ms, local)));
        }
    });
}
