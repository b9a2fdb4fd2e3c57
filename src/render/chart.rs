//! Drawing the exported chart into an RGB buffer: title, price and time axes, the heatmap under
//! the candles, real liquidations, the last price and the colour legend.

use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::candles::candles_for_width;
use super::colors::resolve_top_usd;
pub use super::draw::PlotFrame;
use super::draw::{
    AXIS, Area, BG, CANDLE_OUTLINE, DIM_TEXT, DOWN_CANDLE, LAST_PRICE, LONG_LIQUIDATION, PLOT_BG,
    SHORT_LIQUIDATION, TEXT, Texts, UP_CANDLE, color, draw_err, fill_px, style,
};
use super::heatmap::{heatmap_rgba_with_top, resample_max};
use super::labels;
use super::legend::{LEGEND_WIDTH_PX, draw_legend, draw_liquidation_key, draw_title};
use super::spec::{ChartSpec, RenderError, check_spec};
use super::text::{Face, HAlign, Painter, VAlign, register_plotters_font};
use super::theme;
use super::time_axis::{DAY_MS, TimeAxis, tick_label};
use crate::model::Side;

/// A drawn chart: RGB pixels plus where the plot ended up, so callers (and tests) can find a
/// time and price in the picture.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartImage {
    /// Width in pixels.
    pub width_px: u32,
    /// Height in pixels.
    pub height_px: u32,
    /// `width_px * height_px * 3` bytes, RGB8, row-major from the top-left pixel.
    pub rgb: Vec<u8>,
    /// The plot's place and data span.
    pub frame: PlotFrame,
    /// The USD value that got the last colour of the map; 0 when the grid has no positive cell.
    pub top_usd: f64,
}

/// Room around the text of a tag on the price axis, pixels (both sides together).
const TAG_PAD_PX: i32 = 10;

/// Draws the chart of `spec` into RGB pixels.
pub fn render_chart_rgb(spec: &ChartSpec<'_>) -> Result<ChartImage, RenderError> {
    check_spec(spec)?;
    register_plotters_font()?;
    let mut texts = Texts {
        painter: Painter::new()?,
        labels: Vec::new(),
    };
    let (width_px, height_px) = (spec.width_px, spec.height_px);
    let mut rgb = vec![0u8; width_px as usize * height_px as usize * 3];
    let top_usd = resolve_top_usd(spec.grid.values_usd, spec.colors.top);
    let frame = {
        let root = BitMapBackend::with_buffer(&mut rgb, (width_px, height_px)).into_drawing_area();
        let frame = draw_chart(&root, spec, top_usd, &mut texts)?;
        root.present().map_err(draw_err)?;
        frame
    };
    for label in &texts.labels {
        texts.painter.paint(&mut rgb, width_px, height_px, label);
    }
    Ok(ChartImage {
        width_px,
        height_px,
        rgb,
        frame,
        top_usd,
    })
}

/// The time and price span the plot shows: the grid's spans joined with the bars' (and the last
/// price), so neither is cut off.
fn data_spans(spec: &ChartSpec<'_>) -> (i64, i64, f64, f64) {
    let grid = &spec.grid;
    let mut time: Option<(i64, i64)> = None;
    let mut price: Option<(f64, f64)> = None;
    let mut join_time = |lo: i64, hi: i64| {
        time = Some(time.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
    };
    if grid.has_valid_spans() {
        join_time(grid.start_ms, grid.end_ms);
    }
    let interval_ms = spec.interval_ms.max(1);
    if let (Some(first), Some(last)) = (spec.bars.first(), spec.bars.last()) {
        join_time(
            first.open_time_ms,
            last.open_time_ms.saturating_add(interval_ms),
        );
    }
    let mut join_price = |lo: f64, hi: f64| {
        if lo.is_finite() && hi.is_finite() {
            price = Some(price.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
        }
    };
    let bars_only = !grid.has_valid_spans();
    if grid.has_valid_spans() {
        join_price(grid.price_low_usd, grid.price_high_usd);
    }
    for bar in spec.bars {
        join_price(bar.low, bar.high);
    }
    if let Some(last) = spec.last_price_usd {
        join_price(last, last);
    }
    let (start_ms, end_ms) = time.unwrap_or((0, DAY_MS));
    let end_ms = end_ms.max(start_ms.saturating_add(1));
    let (mut low, mut high) = price.unwrap_or((0.0, 1.0));
    let span = high - low;
    // Bars alone touch the edges; leave some air above and below them.
    let pad = if span <= 0.0 {
        (low.abs() * 0.01).max(1e-6)
    } else if bars_only {
        span * 0.05
    } else {
        0.0
    };
    low -= pad;
    high += pad;
    (start_ms, end_ms, low, high)
}

fn title_height_px(lines: usize) -> u32 {
    match lines {
        0 => 12,
        n => 14 + 24 + 19 * (n as u32 - 1) + 6,
    }
}

fn draw_chart(
    root: &Area<'_>,
    spec: &ChartSpec<'_>,
    top_usd: f64,
    texts: &mut Texts,
) -> Result<PlotFrame, RenderError> {
    root.fill(&BG).map_err(draw_err)?;
    let (start_ms, end_ms, price_low_usd, price_high_usd) = data_spans(spec);
    let title_px = title_height_px(spec.title_lines.len());
    let (_, body) = root.split_vertically(title_px);
    let (main, _) = body.split_horizontally(spec.width_px.saturating_sub(LEGEND_WIDTH_PX));

    // The price axis is on the right, as in the window and on trading charts.
    let tick_style = style(Face::Mono, 12.0, TEXT, HAlign::Left, VAlign::Center);
    let main_height = spec.height_px.saturating_sub(title_px);
    let y_ticks = (main_height / 55).clamp(3, 12) as usize;
    let price_axis = RangedCoordf64::from(price_low_usd..price_high_usd);
    let price_ticks = price_axis.key_points(y_ticks);
    let tick_step = match price_ticks.as_slice() {
        [a, b, ..] => b - a,
        _ => (price_high_usd - price_low_usd) / y_ticks as f64,
    };
    let decimals = labels::price_decimals(tick_step);
    let price_texts: Vec<String> = price_ticks
        .iter()
        .map(|p| labels::price(*p, decimals))
        .collect();
    let widest_price = price_texts
        .iter()
        .map(|t| texts.width_px(t, &tick_style))
        .max()
        .unwrap_or(0);
    // Room for the widest label and for the last-price tag on the axis.
    let tag_px = spec
        .last_price_usd
        .filter(|p| p.is_finite())
        .map_or(0, |p| {
            texts.width_px(&labels::tag_price(p), &tick_style) + TAG_PAD_PX
        });
    let y_label_px = (widest_price + 16).max(tag_px + 4).max(40) as u32;
    // Time labels are about 80 px wide; keep a gap of at least their width between them.
    let x_ticks = (spec.width_px.saturating_sub(LEGEND_WIDTH_PX + y_label_px) / 110).clamp(2, 16);
    let time_axis = TimeAxis { start_ms, end_ms };
    let time_step_ms = time_axis.step_ms(x_ticks as usize);

    let mut chart = ChartBuilder::on(&main)
        .margin_top(24)
        .margin_left(14)
        .margin_right(2)
        .margin_bottom(4)
        .x_label_area_size(46)
        .right_y_label_area_size(y_label_px)
        .build_cartesian_2d(time_axis, price_axis)
        .map_err(draw_err)?;
    let (x_range, y_range) = chart.plotting_area().get_pixel_range();
    let frame = PlotFrame {
        left_px: x_range.start,
        top_px: y_range.start,
        width_px: (x_range.end - x_range.start).max(1) as u32,
        height_px: (y_range.end - y_range.start).max(1) as u32,
        start_ms,
        end_ms,
        price_low_usd,
        price_high_usd,
    };
    chart.plotting_area().fill(&PLOT_BG).map_err(draw_err)?;
    draw_heatmap(root, &frame, spec, top_usd)?;

    // plotters draws the grid lines, axes and tick marks; the tick labels are painted by
    // `Texts`, whose glyph spacing is right.
    let no_time_label = |_: &i64| String::new();
    let no_price_label = |_: &f64| String::new();
    chart
        .configure_mesh()
        .x_labels(x_ticks as usize)
        .y_labels(y_ticks)
        .x_label_formatter(&no_time_label)
        .y_label_formatter(&no_price_label)
        .axis_style(AXIS)
        .bold_line_style(WHITE.mix(0.09))
        .light_line_style(TRANSPARENT)
        .draw()
        .map_err(draw_err)?;
    for (price_usd, text) in price_ticks.iter().zip(price_texts) {
        let y = frame.y_of(*price_usd).round() as i32;
        texts.add(text, frame.right_px() + 9, y, tick_style);
    }
    let time_style = style(Face::Mono, 12.0, TEXT, HAlign::Center, VAlign::Top);
    for time_ms in time_axis.ticks_ms(time_step_ms) {
        let text = tick_label(time_ms, time_step_ms);
        let half = texts.width_px(&text, &time_style) / 2;
        // Keep the first and last labels inside the picture.
        let x = (frame.x_of(time_ms).round() as i32).clamp(
            half + 2,
            spec.width_px as i32 - LEGEND_WIDTH_PX as i32 - half,
        );
        texts.add(text, x, frame.bottom_px() + 9, time_style);
    }
    let caption = style(Face::Sans, 14.0, DIM_TEXT, HAlign::Center, VAlign::Top);
    texts.add(
        "time (UTC)",
        frame.left_px + frame.width_px as i32 / 2,
        frame.bottom_px() + 27,
        caption,
    );
    let price_caption = style(Face::Sans, 14.0, DIM_TEXT, HAlign::Right, VAlign::Top);
    texts.add(
        "price (USD)",
        frame.right_px() + y_label_px as i32,
        frame.top_px - 20,
        price_caption,
    );

    draw_candles(root, &frame, spec)?;
    draw_liquidations(root, &frame, spec)?;
    if let Some(price_usd) = spec.last_price_usd {
        draw_last_price(root, &frame, price_usd, texts)?;
    }
    draw_empty_notice(root, &frame, spec, top_usd, texts)?;
    draw_title(spec, texts);
    draw_liquidation_key(root, &frame, spec, texts)?;
    draw_legend(root, &frame, spec, top_usd, texts)?;
    Ok(frame)
}

/// Blits the grid, shrunk or stretched to its place in the plot, blended over the plot colour.
fn draw_heatmap(
    root: &Area<'_>,
    frame: &PlotFrame,
    spec: &ChartSpec<'_>,
    top_usd: f64,
) -> Result<(), RenderError> {
    let grid = &spec.grid;
    if grid.is_empty() || !grid.has_valid_spans() {
        return Ok(());
    }
    let clamp_x = |x: f64| (x.round() as i32).clamp(frame.left_px, frame.right_px());
    let clamp_y = |y: f64| (y.round() as i32).clamp(frame.top_px, frame.bottom_px());
    let x0 = clamp_x(frame.x_of(grid.start_ms));
    let x1 = clamp_x(frame.x_of(grid.end_ms));
    let y0 = clamp_y(frame.y_of(grid.price_high_usd));
    let y1 = clamp_y(frame.y_of(grid.price_low_usd));
    let (Ok(width), Ok(height)) = (usize::try_from(x1 - x0), usize::try_from(y1 - y0)) else {
        return Ok(());
    };
    if width == 0 || height == 0 {
        return Ok(());
    }
    let pooled = resample_max(grid.values_usd, grid.rows, grid.columns, height, width);
    let image = heatmap_rgba_with_top(&pooled, height, width, &spec.colors, top_usd);
    let mut rgb = Vec::with_capacity(width * height * 3);
    let under = [PLOT_BG.0, PLOT_BG.1, PLOT_BG.2];
    for pixel in image.rgba.chunks_exact(4) {
        let alpha = u32::from(pixel.get(3).copied().unwrap_or(0));
        for (channel, below) in pixel.iter().zip(under) {
            let mixed =
                (u32::from(*channel) * alpha + u32::from(below) * (255 - alpha) + 127) / 255;
            rgb.push(mixed as u8);
        }
    }
    let element = BitMapElement::with_owned_buffer((x0, y0), (width as u32, height as u32), rgb)
        .ok_or_else(|| RenderError::Draw("heatmap buffer has the wrong size".into()))?;
    root.draw(&element).map_err(draw_err)
}

fn draw_candles(
    root: &Area<'_>,
    frame: &PlotFrame,
    spec: &ChartSpec<'_>,
) -> Result<(), RenderError> {
    let candles = candles_for_width(
        spec.bars,
        spec.interval_ms,
        frame.start_ms,
        frame.end_ms,
        frame.width_px,
    );
    let clamp_x = |x: f64| (x.floor() as i32).clamp(frame.left_px, frame.right_px() - 1);
    let clamp_y = |y: f64| (y.round() as i32).clamp(frame.top_px, frame.bottom_px() - 1);
    // (colour, wick top and bottom, body corners) of each candle.
    let shapes: Vec<_> = candles
        .iter()
        .map(|candle| {
            let color = if candle.is_up() {
                UP_CANDLE
            } else {
                DOWN_CANDLE
            };
            let left = frame.x_of(candle.start_ms);
            let right = frame.x_of(candle.end_ms);
            let slot = right - left;
            // Wide candles get a gap between bodies; a candle a few pixels wide keeps all of
            // them.
            let gap = if slot >= 4.0 { slot * 0.15 } else { 0.0 };
            let body_left = clamp_x(left + gap);
            let body_right = clamp_x(right - gap - 1.0).max(body_left);
            let middle = (body_left + body_right) / 2;
            let high = clamp_y(frame.y_of(candle.high_usd));
            let low = clamp_y(frame.y_of(candle.low_usd));
            let body_top = clamp_y(frame.y_of(candle.open_usd.max(candle.close_usd)));
            let body_bottom = clamp_y(frame.y_of(candle.open_usd.min(candle.close_usd)));
            // Whole pixels: narrow candles get none (their rims would make a dark band).
            let rim = theme::candle_rim_px(slot).round() as i32;
            (
                color,
                (middle, high, low),
                (body_left, body_top, body_right, body_bottom),
                rim,
            )
        })
        .collect();
    // Every rim first, then every candle: a neighbour's rim never covers a body.
    // A rim stays inside the plot, off the axis lines.
    let grown = |rim: i32, (x0, y0): (i32, i32), (x1, y1): (i32, i32)| {
        (
            ((x0 - rim).max(frame.left_px), (y0 - rim).max(frame.top_px)),
            (
                (x1 + rim).min(frame.right_px() - 1),
                (y1 + rim).min(frame.bottom_px() - 1),
            ),
        )
    };
    for (_, (middle, high, low), (left, top, right, bottom), rim) in &shapes {
        if *rim == 0 {
            continue;
        }
        for (from, to) in [
            grown(*rim, (*middle, *high), (*middle, *low)),
            grown(*rim, (*left, *top), (*right, *bottom)),
        ] {
            fill_px(root, from, to, CANDLE_OUTLINE.filled())?;
        }
    }
    for (color, (middle, high, low), (left, top, right, bottom), _) in shapes {
        fill_px(root, (middle, high), (middle, low), color.filled())?;
        fill_px(root, (left, top), (right, bottom), color.filled())?;
    }
    Ok(())
}

fn draw_liquidations(
    root: &Area<'_>,
    frame: &PlotFrame,
    spec: &ChartSpec<'_>,
) -> Result<(), RenderError> {
    let largest_usd = spec
        .liquidations
        .iter()
        .map(|l| l.notional_usd())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    if largest_usd <= 0.0 {
        return Ok(());
    }
    for liquidation in spec.liquidations {
        let Some((x, y)) = frame.pixel_at(liquidation.time_ms, liquidation.price) else {
            continue;
        };
        let largest_px = (f64::from(frame.height_px) / 60.0).max(4.0);
        let radius = theme::marker_radius_px(liquidation.notional_usd(), largest_usd, largest_px)
            .round() as u32;
        let color = match liquidation.side {
            Side::Long => LONG_LIQUIDATION,
            Side::Short => SHORT_LIQUIDATION,
        };
        let center = (x as i32, y as i32);
        root.draw(&Circle::new(center, radius, color.mix(0.45).filled()))
            .map_err(draw_err)?;
        root.draw(&Circle::new(center, radius, color.stroke_width(1)))
            .map_err(draw_err)?;
    }
    Ok(())
}

fn draw_last_price(
    root: &Area<'_>,
    frame: &PlotFrame,
    price_usd: f64,
    texts: &mut Texts,
) -> Result<(), RenderError> {
    if !price_usd.is_finite() {
        return Ok(());
    }
    let y = (frame.y_of(price_usd).round() as i32).clamp(frame.top_px, frame.bottom_px() - 1);
    // The window's dark look: a light dash over a dark rim, which shows on bright cells too.
    let look = theme::last_price_look(true);
    let rim = theme::LAST_PRICE_RIM_PX as i32;
    let (top, bottom) = (
        (y - rim).max(frame.top_px),
        (y + rim).min(frame.bottom_px() - 1),
    );
    let mut x = frame.left_px;
    while x < frame.right_px() {
        let end = (x + 6).min(frame.right_px() - 1);
        fill_px(root, (x, top), (end, bottom), color(look.rim).filled())?;
        fill_px(root, (x, y), (end, y), color(look.core).filled())?;
        x += 10;
    }
    // Tagged on the price axis, right of the plot, as the window tags it.
    let text = labels::tag_price(price_usd);
    let label_style = style(Face::Mono, 12.0, BG, HAlign::Left, VAlign::Center);
    let left = frame.right_px() + 1;
    let right = left + texts.width_px(&text, &label_style) + TAG_PAD_PX;
    fill_px(root, (left, y - 9), (right, y + 9), LAST_PRICE.filled())?;
    texts.add(text, left + TAG_PAD_PX / 2, y, label_style);
    Ok(())
}

fn draw_empty_notice(
    root: &Area<'_>,
    frame: &PlotFrame,
    spec: &ChartSpec<'_>,
    top_usd: f64,
    texts: &mut Texts,
) -> Result<(), RenderError> {
    let notice = if spec.grid.is_empty() {
        "Empty heatmap grid: nothing was estimated for this range"
    } else if top_usd <= 0.0 {
        "No estimated liquidation levels in this range"
    } else {
        return Ok(());
    };
    let notice_style = style(Face::Sans, 18.0, TEXT, HAlign::Center, VAlign::Center);
    let center = (
        frame.left_px + frame.width_px as i32 / 2,
        // Near the top, so the candles under it stay readable.
        frame.top_px + 36,
    );
    let half_w = texts.width_px(notice, &notice_style) / 2 + 14;
    fill_px(
        root,
        (center.0 - half_w, center.1 - 20),
        (center.0 + half_w, center.1 + 20),
        BG.mix(0.85).filled(),
    )?;
    texts.add(notice, center.0, center.1, notice_style);
    Ok(())
}
