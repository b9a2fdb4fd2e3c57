//! Drawing the exported chart into an RGB buffer: title, price and time axes, the heatmap under
//! the candles, real liquidations, the last price and the colour legend.

use plotters::coord::Shift;
use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::candles::candles_for_width;
use super::chart_png::{ChartSpec, RenderError, check_spec};
use super::colors::{ColorLut, ScaleTop, resolve_top_usd};
use super::heatmap::{heatmap_rgba_with_top, resample_max};
use super::labels;
use super::text::{Face, HAlign, Label, Painter, Style, VAlign, register_plotters_font};
use super::time_axis::{DAY_MS, TimeAxis};
use crate::model::Side;

/// Background around the plot.
const BG: RGBColor = RGBColor(11, 14, 19);
/// Background of the plot, under the heatmap.
const PLOT_BG: RGBColor = RGBColor(17, 21, 28);
/// Labels and titles.
const TEXT: RGBColor = RGBColor(214, 219, 226);
/// Secondary text.
const DIM_TEXT: RGBColor = RGBColor(140, 149, 161);
/// Axis lines.
const AXIS: RGBColor = RGBColor(88, 96, 108);
/// Body and wick of a candle that closed at or above its open.
pub const UP_CANDLE: RGBColor = RGBColor(22, 199, 132);
/// Body and wick of a candle that closed below its open.
pub const DOWN_CANDLE: RGBColor = RGBColor(234, 57, 67);
/// Real liquidations of longs.
pub const LONG_LIQUIDATION: RGBColor = RGBColor(255, 152, 0);
/// Real liquidations of shorts.
pub const SHORT_LIQUIDATION: RGBColor = RGBColor(41, 182, 246);
/// The last-price line and its label.
const LAST_PRICE: RGBColor = RGBColor(236, 239, 244);

/// Width of the legend column at the right, in pixels.
const LEGEND_WIDTH_PX: u32 = 104;
/// Largest radius of a liquidation circle, in pixels.
const MAX_LIQUIDATION_RADIUS_PX: f64 = 11.0;

/// Where the plot sits in the picture and which data span it shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlotFrame {
    /// Left edge of the plot, in pixels from the left of the picture.
    pub left_px: i32,
    /// Top edge of the plot, in pixels from the top of the picture.
    pub top_px: i32,
    /// Width of the plot in pixels.
    pub width_px: u32,
    /// Height of the plot in pixels.
    pub height_px: u32,
    /// Time at the left edge, epoch milliseconds UTC.
    pub start_ms: i64,
    /// Time at the right edge (exclusive), epoch milliseconds UTC.
    pub end_ms: i64,
    /// Price at the bottom edge in USD.
    pub price_low_usd: f64,
    /// Price at the top edge in USD.
    pub price_high_usd: f64,
}

impl PlotFrame {
    /// Horizontal pixel position (fractional) of a time.
    pub fn x_of(&self, time_ms: i64) -> f64 {
        // In f64 so far-off times cannot overflow.
        let span = (self.end_ms as f64 - self.start_ms as f64).max(1.0);
        f64::from(self.left_px)
            + (time_ms as f64 - self.start_ms as f64) / span * f64::from(self.width_px)
    }

    /// Vertical pixel position (fractional) of a price; higher prices are nearer the top.
    pub fn y_of(&self, price_usd: f64) -> f64 {
        let span = self.price_high_usd - self.price_low_usd;
        let fraction = if span > 0.0 {
            (self.price_high_usd - price_usd) / span
        } else {
            0.5
        };
        f64::from(self.top_px) + fraction * f64::from(self.height_px)
    }

    /// The pixel (column, row) showing this time and price, if it lies inside the plot.
    pub fn pixel_at(&self, time_ms: i64, price_usd: f64) -> Option<(u32, u32)> {
        let x = self.x_of(time_ms).floor();
        let y = self.y_of(price_usd).floor();
        let inside_x =
            x >= f64::from(self.left_px) && x < f64::from(self.left_px) + f64::from(self.width_px);
        let inside_y =
            y >= f64::from(self.top_px) && y < f64::from(self.top_px) + f64::from(self.height_px);
        (inside_x && inside_y).then_some((x as u32, y as u32))
    }

    fn right_px(&self) -> i32 {
        self.left_px + self.width_px as i32
    }

    fn bottom_px(&self) -> i32 {
        self.top_px + self.height_px as i32
    }
}

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

type Area<'b> = DrawingArea<BitMapBackend<'b>, Shift>;

fn draw_err(error: impl std::fmt::Display) -> RenderError {
    RenderError::Draw(error.to_string())
}

/// Fills the pixels from `(x0, y0)` to `(x1, y1)`, both corners included (plotters' bitmap
/// backend leaves out the right column and bottom row, so a one-pixel line would vanish).
fn fill_px(
    root: &Area<'_>,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
    style: ShapeStyle,
) -> Result<(), RenderError> {
    let (left, right) = (x0.min(x1), x0.max(x1) + 1);
    let (top, bottom) = (y0.min(y1), y0.max(y1) + 1);
    root.draw(&Rectangle::new([(left, top), (right, bottom)], style))
        .map_err(draw_err)
}

/// Text waiting to be painted once plotters has drawn the shapes under it.
struct Texts {
    painter: Painter,
    labels: Vec<Label>,
}

impl Texts {
    fn add(&mut self, text: impl Into<String>, x: i32, y: i32, style: Style) {
        self.labels.push(Label {
            text: text.into(),
            x,
            y,
            style,
        });
    }

    fn width_px(&self, text: &str, style: &Style) -> i32 {
        self.painter
            .width_px(text, style.face, style.size_px)
            .ceil() as i32
    }
}

fn style(face: Face, size_px: f32, color: RGBColor, h: HAlign, v: VAlign) -> Style {
    Style {
        face,
        size_px,
        color: [color.0, color.1, color.2],
        h,
        v,
    }
}

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

    let tick_style = style(Face::Mono, 12.0, TEXT, HAlign::Right, VAlign::Center);
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
    let y_label_px = (widest_price + 16).max(40) as u32;
    // Time labels are about 80 px wide; keep a gap of at least their width between them.
    let x_ticks = (spec.width_px.saturating_sub(LEGEND_WIDTH_PX + y_label_px) / 110).clamp(2, 16);
    let time_axis = TimeAxis { start_ms, end_ms };
    let time_step_ms = time_axis.step_ms(x_ticks as usize);
    let whole_days = time_step_ms % DAY_MS == 0;

    let mut chart = ChartBuilder::on(&main)
        .margin_top(24)
        .margin_left(6)
        .margin_right(10)
        .margin_bottom(4)
        .x_label_area_size(46)
        .y_label_area_size(y_label_px)
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
        texts.add(text, frame.left_px - 9, y, tick_style);
    }
    let time_style = style(Face::Mono, 12.0, TEXT, HAlign::Center, VAlign::Top);
    for time_ms in time_axis.ticks_ms(time_step_ms) {
        let text = labels::time_tick(time_ms, whole_days);
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
    let price_caption = style(Face::Sans, 14.0, DIM_TEXT, HAlign::Left, VAlign::Top);
    texts.add("price (USD)", 14, frame.top_px - 20, price_caption);

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
    for candle in candles {
        let color = if candle.is_up() {
            UP_CANDLE
        } else {
            DOWN_CANDLE
        };
        let left = frame.x_of(candle.start_ms);
        let right = frame.x_of(candle.end_ms);
        let slot = right - left;
        // Wide candles get a gap between bodies; a candle a few pixels wide keeps all of them.
        let gap = if slot >= 4.0 { slot * 0.15 } else { 0.0 };
        let body_left = clamp_x(left + gap);
        let body_right = clamp_x(right - gap - 1.0).max(body_left);
        let middle = (body_left + body_right) / 2;
        let high = clamp_y(frame.y_of(candle.high_usd));
        let low = clamp_y(frame.y_of(candle.low_usd));
        let body_top = clamp_y(frame.y_of(candle.open_usd.max(candle.close_usd)));
        let body_bottom = clamp_y(frame.y_of(candle.open_usd.min(candle.close_usd)));
        fill_px(root, (middle, high), (middle, low), color.filled())?;
        fill_px(
            root,
            (body_left, body_top),
            (body_right, body_bottom),
            color.filled(),
        )?;
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
        let share = (liquidation.notional_usd() / largest_usd).clamp(0.0, 1.0);
        // Area, not radius, follows notional.
        let largest_px = (f64::from(frame.height_px) / 60.0).clamp(4.0, MAX_LIQUIDATION_RADIUS_PX);
        let radius = (2.0 + (largest_px - 2.0) * share.sqrt()).round() as u32;
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
    let mut x = frame.left_px;
    while x < frame.right_px() {
        let end = (x + 6).min(frame.right_px() - 1);
        root.draw(&PathElement::new(
            vec![(x, y), (end, y)],
            LAST_PRICE.mix(0.8),
        ))
        .map_err(draw_err)?;
        x += 10;
    }
    let text = labels::price(price_usd, labels::price_decimals(price_usd.abs() * 1e-4));
    let label_style = style(Face::Mono, 12.0, BG, HAlign::Right, VAlign::Center);
    let right = frame.right_px() - 1;
    let left = right - texts.width_px(&text, &label_style) - 10;
    fill_px(root, (left, y - 9), (right, y + 9), LAST_PRICE.filled())?;
    texts.add(text, right - 5, y, label_style);
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

fn draw_title(spec: &ChartSpec<'_>, texts: &mut Texts) {
    let mut y = 12;
    let room_px = spec.width_px as i32 - 28;
    for (i, line) in spec.title_lines.iter().enumerate() {
        let line_style = if i == 0 {
            style(Face::Sans, 21.0, TEXT, HAlign::Left, VAlign::Top)
        } else {
            style(Face::Sans, 15.0, DIM_TEXT, HAlign::Left, VAlign::Top)
        };
        let text = fit_text(texts, line, &line_style, room_px);
        texts.add(text, 14, y, line_style);
        y += if i == 0 { 26 } else { 19 };
    }
}

/// `text`, cut short with an ellipsis if it is wider than `room_px`.
fn fit_text(texts: &Texts, text: &str, style: &Style, room_px: i32) -> String {
    if texts.width_px(text, style) <= room_px {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().chain(['…'].iter()).collect();
        if texts.width_px(&candidate, style) <= room_px {
            return candidate;
        }
    }
    String::new()
}

/// What the liquidation circles mean, on the caption row above the plot, right-aligned.
fn draw_liquidation_key(
    root: &Area<'_>,
    frame: &PlotFrame,
    spec: &ChartSpec<'_>,
    texts: &mut Texts,
) -> Result<(), RenderError> {
    if spec.liquidations.is_empty() {
        return Ok(());
    }
    let key_style = style(Face::Sans, 14.0, DIM_TEXT, HAlign::Left, VAlign::Center);
    let gap_px = 28;
    let width_of = |keys: &[(RGBColor, &str)]| -> i32 {
        keys.iter()
            .map(|(_, text)| 12 + texts.width_px(text, &key_style) + gap_px)
            .sum::<i32>()
            - gap_px
    };
    // Room right of the "price (USD)" caption; shorter words on a narrow chart, none if even
    // those do not fit.
    let room_px = frame.right_px() - 110;
    let long_keys = [
        (LONG_LIQUIDATION, "longs liquidated"),
        (SHORT_LIQUIDATION, "shorts liquidated"),
    ];
    let short_keys = [(LONG_LIQUIDATION, "longs"), (SHORT_LIQUIDATION, "shorts")];
    let keys = if width_of(&long_keys) <= room_px {
        long_keys
    } else if width_of(&short_keys) <= room_px {
        short_keys
    } else {
        return Ok(());
    };
    let total = width_of(&keys);
    let y = frame.top_px - 12;
    let mut x = frame.right_px() - total + 5;
    for (color, text) in keys {
        root.draw(&Circle::new((x, y), 5, color.mix(0.6).filled()))
            .map_err(draw_err)?;
        root.draw(&Circle::new((x, y), 5, color.stroke_width(1)))
            .map_err(draw_err)?;
        texts.add(text, x + 11, y, key_style);
        x += 12 + texts.width_px(text, &key_style) + gap_px;
    }
    Ok(())
}

/// A vertical colour bar right of the plot, labelled in USD at five evenly spaced positions of
/// the colour scale (so a sqrt or log scale shows uneven values).
fn draw_legend(
    root: &Area<'_>,
    frame: &PlotFrame,
    spec: &ChartSpec<'_>,
    top_usd: f64,
    texts: &mut Texts,
) -> Result<(), RenderError> {
    let left = spec.width_px as i32 - LEGEND_WIDTH_PX as i32 + 6;
    let bar_width = 14;
    let bar_top = frame.top_px + 26;
    let bar_bottom = frame.bottom_px() - 1;
    if bar_bottom - bar_top < 20 {
        return Ok(());
    }
    texts.add(
        "USD",
        left,
        frame.top_px,
        style(Face::Sans, 15.0, DIM_TEXT, HAlign::Left, VAlign::Top),
    );
    let lut = ColorLut::new(&spec.colors, top_usd);
    let opacity = spec.colors.opacity.clamp(0.0, 1.0);
    let blend = |c: u8, under: u8| {
        (f64::from(c) * opacity + f64::from(under) * (1.0 - opacity)).round() as u8
    };
    let span = f64::from(bar_bottom - bar_top);
    for y in bar_top..=bar_bottom {
        let t = 1.0 - f64::from(y - bar_top) / span;
        let [r, g, b, _] = lut.at(t);
        let color = RGBColor(
            blend(r, PLOT_BG.0),
            blend(g, PLOT_BG.1),
            blend(b, PLOT_BG.2),
        );
        fill_px(root, (left, y), (left + bar_width, y), color.filled())?;
    }
    root.draw(&Rectangle::new(
        [(left, bar_top), (left + bar_width, bar_bottom)],
        AXIS.stroke_width(1),
    ))
    .map_err(draw_err)?;
    let tick_style = style(Face::Mono, 12.0, TEXT, HAlign::Left, VAlign::Center);
    if top_usd > 0.0 {
        for step in 0..=4 {
            let t = f64::from(step) / 4.0;
            let y = bar_bottom - (t * span).round() as i32;
            let value = spec.colors.scale.invert(t) * top_usd;
            let mut text = labels::compact_usd(value);
            if step == 4 {
                // Cells above the top share its colour.
                text.push('+');
            }
            root.draw(&PathElement::new(
                vec![(left + bar_width, y), (left + bar_width + 4, y)],
                TEXT,
            ))
            .map_err(draw_err)?;
            texts.add(text, left + bar_width + 7, y, tick_style);
        }
    }
    let top = match spec.colors.top {
        ScaleTop::Percentile(p) => format!("top p{p}"),
        ScaleTop::FixedUsd(usd) => format!("top {}", labels::compact_usd(usd)),
    };
    let caption = style(Face::Sans, 13.0, DIM_TEXT, HAlign::Left, VAlign::Top);
    texts.add(spec.colors.map.name(), left, frame.bottom_px() + 9, caption);
    texts.add(
        format!("{}, {top}", spec.colors.scale),
        left,
        frame.bottom_px() + 27,
        caption,
    );
    Ok(())
}
