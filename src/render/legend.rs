//! The parts of the exported chart around the plot: the title, the key of the liquidation
//! circles and the colour legend.

use plotters::prelude::*;

use super::colors::{ColorLut, ScaleTop};
use super::draw::{
    AXIS, Area, DIM_TEXT, LONG_LIQUIDATION, PLOT_BG, PlotFrame, SHORT_LIQUIDATION, TEXT, Texts,
    draw_err, fill_px, style,
};
use super::labels;
use super::spec::{ChartSpec, RenderError};
use super::text::{Face, HAlign, Style, VAlign};

/// Width of the legend column at the right, in pixels.
pub(super) const LEGEND_WIDTH_PX: u32 = 104;

pub(super) fn draw_title(spec: &ChartSpec<'_>, texts: &mut Texts) {
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
pub(super) fn draw_liquidation_key(
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
    // Room left of the "price (USD)" caption, which ends over the price axis; shorter words on a
    // narrow chart, none if even those do not fit.
    let room_px = frame.width_px as i32 - 100;
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
    let y = frame.top_px - 12;
    let mut x = frame.left_px + 5;
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
pub(super) fn draw_legend(
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
        if spec.relative_values {
            "relative"
        } else {
            "USD"
        },
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
