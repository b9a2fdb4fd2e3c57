//! The chart: the heatmap texture under the candles, the last price, real and predicted
//! liquidations, cluster marks, navigation, and the hover tooltip. It draws and reports what it
//! drew ([`Action::Chart`]); it never computes the grid nor starts a job.

use egui::{Align2, Color32, Id, Key, RichText, TextureId, Vec2};
use egui_plot::{HLine, LineStyle, Plot, PlotBounds, PlotImage, PlotPoint, Text};

use super::action::{Action, ChartReport};
use super::chart_layers::{
    cell_tooltip_ui, draw_candles, draw_cluster_marks, draw_predicted, draw_real_liquidations,
};
use super::look::LAST_PRICE_COLOR;
use super::state::ViewerState;
use super::time_axis::{format_time_label, time_grid_spacer};
use super::view::{PendingView, ViewBounds};
use crate::render::labels::{human_price, price, price_decimals};

/// The id of the axis link between the chart's time axis and the liquidation bars under it.
pub fn time_axis_group() -> Id {
    Id::unique("liqmap-time-axis")
}

/// The id of the cursor link between the chart and the liquidation map beside it.
pub fn price_cursor_group() -> Id {
    Id::unique("liqmap-price-cursor")
}

fn to_plot(bounds: ViewBounds) -> PlotBounds {
    PlotBounds::from_min_max(bounds.min, bounds.max)
}

fn from_plot(bounds: &PlotBounds) -> ViewBounds {
    ViewBounds::from_min_max(bounds.min(), bounds.max())
}

/// Draws the chart and handles its navigation and hover; returns the bounds it showed (the
/// liquidation map beside it shows the same prices).
pub fn chart_ui(
    ui: &mut egui::Ui,
    state: &ViewerState,
    texture: Option<TextureId>,
    actions: &mut Vec<Action>,
) -> Option<ViewBounds> {
    let Some(loaded) = &state.data.loaded else {
        ui.centered_and_justified(|ui| {
            ui.spinner();
        });
        return None;
    };
    let dataset = &loaded.dataset;
    let full = ViewBounds::of_dataset(dataset).map(to_plot);
    let pending = state.view.pending;
    let keyboard_free = !ui.ctx().egui_wants_keyboard_input();
    let grid_rect = state.data.grid.as_ref().map(|g| g.request);
    let settings = &state.settings;
    // The series under the chart has the predicted liquidations too: one pass feeds both.
    let predicted = state.liquidation_bars.series().unwrap_or(&[]);
    let size = ui.available_size();

    let plot = Plot::new("chart")
        .link_axis(time_axis_group(), [true, false])
        .link_cursor(price_cursor_group(), [false, true])
        .allow_axis_zoom_drag(true)
        .allow_boxed_zoom(true)
        .allow_double_click_reset(false)
        // The wheel zooms (as on trading charts) instead of panning; see `zoom_with_wheel`.
        .allow_scroll(false)
        // Crosshair rulers; the values are in our own tooltip, not egui_plot's.
        .show_crosshair(true)
        .show_x(true)
        .show_y(true)
        .x_axis_formatter(format_time_label)
        .x_grid_spacer(time_grid_spacer)
        .y_axis_formatter(|mark, _| price(mark.value, price_decimals(mark.step_size)))
        .y_axis_label("USD")
        .y_axis_min_width(48.0);
    let response = plot.show(ui, |plot_ui| {
        match pending {
            Some((_, PendingView::Everything)) => {
                if let Some(full) = full {
                    plot_ui.set_plot_bounds(full);
                }
            }
            Some((_, PendingView::Bounds(bounds))) => plot_ui.set_plot_bounds(to_plot(bounds)),
            None => {}
        }
        let hovered = plot_ui.response().hovered();
        if plot_ui.response().double_clicked()
            && let Some(full) = full
        {
            plot_ui.set_plot_bounds(full);
        }
        // The wheel is played out by the clock, not by frames (see `input_timing`).
        let wheel_pt =
            super::input_timing::wheel_step(plot_ui.ctx(), plot_ui.response().id, hovered);
        if hovered {
            zoom_with_wheel(plot_ui, wheel_pt);
        }
        if hovered && keyboard_free {
            navigate_with_keys(plot_ui, full);
        }
        let bounds = plot_ui.plot_bounds();

        if let (Some(texture), Some(request)) = (texture, grid_rect) {
            let start_s = request.start_ms as f64 / 1000.0;
            let end_s = request.end_ms as f64 / 1000.0;
            plot_ui.image(PlotImage::new(
                "heatmap",
                texture,
                PlotPoint::new(
                    (start_s + end_s) / 2.0,
                    (request.price_low + request.price_high) / 2.0,
                ),
                Vec2::new(
                    (end_s - start_s) as f32,
                    (request.price_high - request.price_low) as f32,
                ),
            ));
        }
        draw_candles(plot_ui, dataset, &bounds, size.x);
        if let Some(last) = dataset.bars.last() {
            plot_ui.hline(
                HLine::new(format!("last {}", last.close), last.close)
                    .color(LAST_PRICE_COLOR.gamma_multiply(0.8))
                    .style(LineStyle::dashed_loose())
                    .width(1.0),
            );
            plot_ui.text(
                Text::new(
                    "last price",
                    PlotPoint::new(bounds.max()[0], last.close),
                    RichText::new(format!(" {} ", human_price(last.close)))
                        .strong()
                        .background_color(Color32::from_black_alpha(180))
                        .color(Color32::WHITE),
                )
                .anchor(Align2::RIGHT_BOTTOM),
            );
        }
        if settings.show_real_liquidations {
            draw_real_liquidations(plot_ui, dataset, &bounds, size.y);
        }
        if settings.show_predicted_liquidations {
            draw_predicted(plot_ui, predicted, dataset, &bounds);
        }
        if settings.show_cluster_marks {
            draw_cluster_marks(plot_ui, &state.data, dataset, &bounds, size.x);
        }
        (bounds, plot_ui.pointer_coordinate().filter(|_| hovered))
    });
    let (bounds, pointer) = response.inner;
    let rect = response.transform.frame();
    actions.push(Action::Chart(ChartReport {
        bounds: from_plot(&bounds),
        rect_pt: [rect.left(), rect.top(), rect.right(), rect.bottom()],
        pointer: pointer.map(|p| [p.x * 1000.0, p.y]),
        now_s: ui.input(|i| i.time),
        applied: pending.map(|(seq, _)| seq),
    }));
    // The cell under the pointer as of the last frame's report; the reducer keeps it current.
    if pointer.is_some()
        && let Some(cell) = &state.view.hovered_cell
    {
        let tiers: Vec<f64> = state.settings.leverages();
        response
            .response
            .on_hover_ui_at_pointer(|ui| cell_tooltip_ui(ui, cell, &tiers));
    }
    Some(from_plot(&bounds))
}

/// The vertical wheel zooms both axes around the pointer; a horizontal wheel (or shift+wheel)
/// pans in time. Ctrl+wheel and pinch keep egui_plot's own zoom. `scroll` is this frame's
/// share of the wheel, in points.
fn zoom_with_wheel(plot_ui: &mut egui_plot::PlotUi<'_>, scroll: Vec2) {
    let zooming = plot_ui.ctx().input(|i| i.zoom_delta() != 1.0);
    if zooming {
        return;
    }
    if scroll.y != 0.0 {
        // 200 points of wheel (about four notches) double or halve the view.
        let factor = (scroll.y / 200.0 * std::f32::consts::LN_2).exp();
        plot_ui.zoom_bounds_around_hovered(Vec2::splat(factor));
    }
    let width_px = plot_ui.response().rect.width();
    if scroll.x != 0.0 && width_px > 0.0 {
        // translate_bounds moves by plot units, the wheel by screen points.
        let seconds_per_px = plot_ui.plot_bounds().width() / f64::from(width_px);
        plot_ui.translate_bounds(Vec2::new(
            (-f64::from(scroll.x) * seconds_per_px) as f32,
            0.0,
        ));
    }
}

fn navigate_with_keys(plot_ui: &mut egui_plot::PlotUi<'_>, full: Option<PlotBounds>) {
    let (zoom_in, zoom_out, left, right, up, down, home) = plot_ui.ctx().input(|i| {
        (
            i.key_pressed(Key::Plus) || i.key_pressed(Key::Equals),
            i.key_pressed(Key::Minus),
            i.key_pressed(Key::ArrowLeft),
            i.key_pressed(Key::ArrowRight),
            i.key_pressed(Key::ArrowUp),
            i.key_pressed(Key::ArrowDown),
            i.key_pressed(Key::Home),
        )
    });
    let mut bounds = plot_ui.plot_bounds();
    let center = bounds.center();
    if zoom_in {
        bounds.zoom(Vec2::new(1.25, 1.25), center);
    }
    if zoom_out {
        bounds.zoom(Vec2::new(0.8, 0.8), center);
    }
    let dx = bounds.width() * 0.1;
    let dy = bounds.height() * 0.1;
    if left {
        bounds.translate_x(-dx);
    }
    if right {
        bounds.translate_x(dx);
    }
    if up {
        bounds.translate_y(dy);
    }
    if down {
        bounds.translate_y(-dy);
    }
    if home && let Some(full) = full {
        bounds = full;
    }
    if zoom_in || zoom_out || left || right || up || down || home {
        plot_ui.set_plot_bounds(bounds);
    }
}
