//! The chart: the heatmap texture under the candles, the last price, real and predicted
//! liquidations, cluster marks, navigation, and the hover tooltip. It draws and reports what it
//! drew ([`Action::Chart`]); it never computes the grid nor starts a job.

use egui::{Id, Key, TextureId, Vec2};
use egui_plot::{HPlacement, LineStyle, Plot, PlotBounds, PlotImage, PlotPoint};

use super::action::{Action, ChartReport};
use super::chart_axes::{
    AxisTags, PRICE_AXIS_WIDTH_PT, TimeTagSpans, clamp_prices, paint_axis_tags, price_axis_drag,
    price_axis_rect, price_grid_spacer, time_axis_drag, time_axis_rect,
};
use super::chart_hover::{liquidation_at, liquidation_tooltip_ui};
use super::chart_layers::{
    cell_tooltip_ui, draw_cluster_marks, draw_highlight, draw_last_price, draw_pin, draw_predicted,
    draw_real_liquidations,
};
use super::chart_toolbar::chart_toolbar_ui;
use super::state::ViewerState;
use super::time_axis::{clock_offset_s, format_time_label_shifted, time_grid_spacer_shifted};
use super::view::{PendingView, ViewBounds};
use crate::render::labels::{price, price_decimals};

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
    chart_toolbar_ui(ui, state, actions);
    let full = state.full_bounds().map(to_plot);
    let pending = state.view.pending;
    let keyboard_free = !ui.ctx().egui_wants_keyboard_input();
    let grid_rect = state.data.grid.as_ref().map(|g| g.request);
    let settings = &state.settings;
    // The series under the chart has the predicted liquidations too: one pass feeds both.
    let predicted = state.liquidation_bars.series();
    let size = ui.available_size();
    let outer = ui.available_rect_before_wrap();
    let local_time = settings.local_time;
    let dark_mode = ui.visuals().dark_mode;
    // One clock offset for the whole view: ticks fall on round hours of the shown clock.
    let offset_s = clock_offset_s(
        local_time,
        state
            .view
            .bounds()
            .map_or(f64::NAN, |b| b.center()[0] * 1000.0),
    );

    // Time labels under the crosshair's or the pinned time's tag are left out.
    let tag_spans = TimeTagSpans::new(
        ui.ctx(),
        state.view.frame.as_ref(),
        state.view.pinned_ms,
        local_time,
        egui::TextStyle::Body.resolve(ui.style()),
    );
    let ctx = ui.ctx().clone();
    let plot = Plot::new("chart")
        .link_axis(time_axis_group(), [true, false])
        .link_cursor(price_cursor_group(), [false, true])
        // Both axes zoom with our own drags (`price_axis_drag`, `time_axis_drag`): a steady
        // rate counted in points (egui_plot's own compounds per frame), no negative prices.
        .allow_axis_zoom_drag([false, false])
        .allow_boxed_zoom(true)
        .allow_double_click_reset(false)
        // The wheel zooms (as on trading charts) instead of panning; see `zoom_with_wheel`.
        .allow_scroll(false)
        // Crosshair rulers; the values are in our own tooltip, not egui_plot's.
        .show_crosshair(true)
        .show_x(true)
        .show_y(true)
        .x_axis_formatter(move |mark, range| {
            let text = format_time_label_shifted(mark, range, offset_s);
            tag_spans.label(&ctx, mark.value, range, text)
        })
        .x_grid_spacer(move |input| time_grid_spacer_shifted(input, offset_s))
        .y_grid_spacer(price_grid_spacer)
        .y_axis_formatter(|mark, _| price(mark.value, price_decimals(mark.step_size)))
        .y_axis_position(HPlacement::Right)
        .y_axis_min_width(PRICE_AXIS_WIDTH_PT);
    let response = plot.show(ui, |plot_ui| {
        // First, from the bounds of the last frame: what follows (a pending view) wins, as
        // egui_plot applies the bounds set in a frame in order, after this closure.
        let plot_rect = plot_ui.response().rect;
        let axis = price_axis_rect(plot_rect, outer);
        let time_axis = time_axis_rect(plot_rect, outer);
        let current = from_plot(&plot_ui.plot_bounds());
        let dragged = price_axis_drag(plot_ui.ctx(), axis, current);
        let dragged = time_axis_drag(
            plot_ui.ctx(),
            time_axis,
            plot_rect,
            dragged.unwrap_or(current),
        )
        .or(dragged);
        if let Some(zoomed) = dragged {
            plot_ui.set_plot_bounds(to_plot(zoomed));
        } else if let Some(clamped) = clamp_prices(current) {
            // A wheel or key zoom of the last frame reached below zero.
            plot_ui.set_plot_bounds(to_plot(clamped));
        }
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
        if let Some(highlight) = &state.view.highlight {
            draw_highlight(plot_ui, highlight, dataset.interval_ms);
        }
        super::candle_mesh::draw_candles(plot_ui, state, &bounds, size.x);
        if let Some(last) = dataset.bars.last() {
            // The price itself is tagged on the axis (`paint_axis_tags`).
            draw_last_price(plot_ui, last.close, LineStyle::dashed_loose(), dark_mode);
        }
        if let Some(pinned_ms) = state.view.pinned_ms {
            draw_pin(plot_ui, pinned_ms);
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
    let (_, pointer) = response.inner;
    // The transform holds the bounds after this frame's zoom and clamp.
    let bounds = *response.transform.bounds();
    if bounds.min()[1] < 0.0 {
        // Clamped at the start of the next frame.
        ui.ctx().request_repaint();
    }
    let rect = response.transform.frame();
    paint_axis_tags(
        ui,
        &response.transform,
        outer,
        &AxisTags {
            last_price: dataset.bars.last().map(|b| b.close),
            pointer: pointer.map(|p| [p.x * 1000.0, p.y]),
            pinned_ms: state.view.pinned_ms,
            local_time,
            dark_mode,
        },
    );
    chart_input(ui, state, &response, pointer, *rect, outer, actions);
    actions.push(Action::Chart(ChartReport {
        bounds: from_plot(&bounds),
        rect_pt: [rect.left(), rect.top(), rect.right(), rect.bottom()],
        pointer: pointer.map(|p| [p.x * 1000.0, p.y]),
        now_s: ui.input(|i| i.time),
        applied: pending.map(|(seq, _)| seq),
    }));
    // A real liquidation's circle under the pointer has its own tooltip; elsewhere, the cell
    // under the pointer as of the last frame's report (the reducer keeps it current).
    let on_circle = match (
        settings.show_real_liquidations,
        ui.ctx().pointer_hover_pos(),
    ) {
        (true, Some(at)) if pointer.is_some() => liquidation_at(dataset, &response.transform, at),
        _ => None,
    };
    if let Some(liquidation) = on_circle {
        response
            .response
            .on_hover_ui_at_pointer(|ui| liquidation_tooltip_ui(ui, liquidation, local_time));
    } else if pointer.is_some()
        && let Some(cell) = &state.view.hovered_cell
    {
        let tiers: Vec<f64> = state.settings.leverages();
        response.response.on_hover_ui_at_pointer(|ui| {
            cell_tooltip_ui(ui, cell, &tiers, state.value_label(), local_time);
            super::venues_shares::cell_shares_ui(ui, state, cell);
        });
    }
    Some(from_plot(&bounds))
}

/// Clicks and keys that concern the chart as a whole: a click pins the time under the pointer
/// (a double-click unpins), Escape unpins (and dismisses the errors and the highlight), and the
/// pointer below the chart (on its way to the clusters table) keeps the clusters at the time
/// last hovered.
fn chart_input(
    ui: &egui::Ui,
    state: &ViewerState,
    response: &egui_plot::PlotResponse<(PlotBounds, Option<PlotPoint>)>,
    pointer: Option<PlotPoint>,
    plot: egui::Rect,
    outer: egui::Rect,
    actions: &mut Vec<Action>,
) {
    if response.response.double_clicked() {
        // Its first click pinned: a double-click shows everything, unpinned.
        actions.push(Action::PinTime(None));
    } else if response.response.clicked()
        && let Some(at) = pointer
    {
        // The bar the table shows for the hovered column, so a click does not move the table.
        let time_ms = match &state.view.hovered_cell {
            Some(cell) => cell.time_ms,
            None => (at.x * 1000.0).round() as i64,
        };
        actions.push(Action::PinTime(Some(time_ms)));
    }
    let escape = !ui.ctx().egui_wants_keyboard_input()
        && ui.input(|i| i.key_pressed(Key::Escape))
        && (!state.errors.is_empty()
            || state.view.pinned_ms.is_some()
            || state.view.highlight.is_some());
    if escape {
        actions.push(Action::Escape);
    }
    let below = ui
        .ctx()
        .pointer_hover_pos()
        .is_some_and(|p| p.y > plot.bottom() && p.x >= outer.left());
    if below != state.view.table_hovered {
        actions.push(Action::PointerBelowChart(below));
    }
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
