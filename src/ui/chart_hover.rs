//! What the pointer is on in the chart: a real liquidation's circle (its own tooltip: time,
//! side, price, quantity, USD) before the heatmap cell under it.

use egui::{Pos2, RichText};
use egui_plot::{PlotPoint, PlotTransform};

use super::look::side_color;
use super::time_axis::clock_time;
use crate::model::{Dataset, Liquidation};
use crate::render::labels::{price, tag_price};
use crate::render::theme::marker_radius_px;

/// Points around a circle's edge that still count as on it.
const HIT_SLACK_PT: f32 = 3.0;

/// The largest marker's radius on a plot `height_pt` tall (as the chart draws them).
pub fn largest_marker_px(height_pt: f32) -> f64 {
    (f64::from(height_pt) / 60.0).max(4.0)
}

/// The liquidations inside the time span `[x0_s, x1_s]`.
pub fn visible_liquidations(dataset: &Dataset, x0_s: f64, x1_s: f64) -> &[Liquidation] {
    let (x0, x1) = (x0_s * 1000.0, x1_s * 1000.0);
    let first = dataset
        .liquidations
        .partition_point(|l| (l.time_ms as f64) < x0);
    let last = dataset
        .liquidations
        .partition_point(|l| (l.time_ms as f64) <= x1);
    dataset.liquidations.get(first..last).unwrap_or(&[])
}

/// The real liquidation whose circle is under `pointer` (the nearest centre when circles
/// overlap), drawn on `transform` with the chart's sizes.
pub fn liquidation_at<'a>(
    dataset: &'a Dataset,
    transform: &PlotTransform,
    pointer: Pos2,
) -> Option<&'a Liquidation> {
    let bounds = transform.bounds();
    let visible = visible_liquidations(dataset, bounds.min()[0], bounds.max()[0]);
    let max_usd = visible
        .iter()
        .map(Liquidation::notional_usd)
        .fold(0.0, f64::max);
    if max_usd <= 0.0 {
        return None;
    }
    let largest_px = largest_marker_px(transform.frame().height());
    visible
        .iter()
        .filter_map(|l| {
            let centre =
                transform.position_from_point(&PlotPoint::new(l.time_ms as f64 / 1000.0, l.price));
            let radius = marker_radius_px(l.notional_usd(), max_usd, largest_px).round() as f32;
            let distance = centre.distance(pointer);
            (distance <= radius + HIT_SLACK_PT).then_some((distance, l))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, l)| l)
}

/// A real liquidation's tooltip.
pub fn liquidation_tooltip_ui(ui: &mut egui::Ui, liquidation: &Liquidation, local_time: bool) {
    ui.label(RichText::new("Real liquidation").strong());
    ui.label(clock_time(liquidation.time_ms, local_time));
    ui.colored_label(
        side_color(liquidation.side),
        format!("{} position liquidated", liquidation.side.name()),
    );
    ui.label(format!("price     {}", tag_price(liquidation.price)));
    ui.label(format!("quantity  {}", quantity(liquidation.quantity)));
    ui.label(format!(
        "value     {} USD",
        price(liquidation.notional_usd(), 0)
    ));
}

/// A quantity with the decimals its size calls for: `1,234`, `12.5`, `0.0034`.
fn quantity(quantity: f64) -> String {
    let decimals = if quantity >= 1000.0 {
        0
    } else if quantity >= 1.0 {
        3
    } else {
        6
    };
    let text = price(quantity, decimals);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_read_without_trailing_zeros() {
        assert_eq!(quantity(1234.4), "1,234");
        assert_eq!(quantity(12.5), "12.5");
        assert_eq!(quantity(0.0034), "0.0034");
        assert_eq!(quantity(2.0), "2");
    }
}
