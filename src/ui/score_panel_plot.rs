//! The Score panel's pictures: reach against distance from the close for clusters, their
//! matched empty bands and the best baseline (lines with their 95% bands), and the
//! dose-response bars (reach by cluster size within each distance bucket).
//!
//! The series are plain data built from the report ([`curve_series`], [`dose_series`]) so the
//! tests can check them; drawing only hands them to egui_plot.

use egui::{Color32, RichText};
use egui_plot::{Bar, BarChart, FilledArea, GridInput, GridMark, Line, Plot, PlotPoints};

use crate::engine::score::{DoseResponse, Rate, ReachFigures, dose::QUINTILES};

/// Key name of the clusters' curve.
pub const CLUSTERS_CURVE: &str = "every cluster";
/// Key name of the matched controls' curve.
pub const CONTROLS_CURVE: &str = "empty bands (matched)";
/// Key name of the best baseline's curve, before its name.
pub const BASELINE_CURVE_PREFIX: &str = "best baseline: ";
/// Key name of the dose-response bars of clusters.
pub const DOSE_CLUSTERS: &str = "clusters, smallest to largest";
/// Key name of the dose-response bars of their matched controls.
pub const DOSE_CONTROLS: &str = "their empty bands";

/// One line of the reach picture: points (distance %, reach %) and the 95% band around them.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveSeries {
    /// The key name.
    pub name: String,
    /// (middle of the distance step, percent; reach, percent), only steps with trials.
    pub points: Vec<[f64; 2]>,
    /// Lower end of each point's Wilson 95% interval, percent.
    pub low: Vec<f64>,
    /// Upper end, percent.
    pub high: Vec<f64>,
}

impl CurveSeries {
    fn new(name: String) -> CurveSeries {
        CurveSeries {
            name,
            points: Vec::new(),
            low: Vec::new(),
            high: Vec::new(),
        }
    }

    fn push(&mut self, x: f64, rate: &Rate) {
        if let (Some(r), Some(low), Some(high)) = (rate.rate, rate.ci95_low, rate.ci95_high) {
            self.points.push([x, r * 100.0]);
            self.low.push(low * 100.0);
            self.high.push(high * 100.0);
        }
    }
}

/// The lines of the reach picture: clusters, matched controls, and the best baseline when
/// there is one.
pub fn curve_series(f: &ReachFigures) -> Vec<CurveSeries> {
    let mut clusters = CurveSeries::new(CLUSTERS_CURVE.into());
    let mut controls = CurveSeries::new(CONTROLS_CURVE.into());
    let best_name = f
        .best_baseline
        .and_then(|kind| f.baselines.iter().find(|b| b.kind == kind))
        .map(|b| format!("{BASELINE_CURVE_PREFIX}{}", b.name));
    let mut baseline = best_name.map(CurveSeries::new);
    for point in &f.curve {
        let x = (point.min_pct + point.max_pct) / 2.0;
        clusters.push(x, &point.clusters);
        controls.push(x, &point.matched_controls);
        if let (Some(series), Some(rate)) = (&mut baseline, &point.best_baseline) {
            series.push(x, rate);
        }
    }
    let mut out = vec![clusters, controls];
    out.extend(baseline);
    out
}

/// One bar of the dose-response picture.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseBarPoint {
    /// Position on the x axis: buckets side by side, quintiles within a bucket.
    pub x: f64,
    /// Reach, percent.
    pub reach_pct: f64,
    /// Trials behind it.
    pub total: u64,
    /// What it is, for the hover text.
    pub label: String,
}

/// The dose-response bars: per distance bucket with any cluster, the reach of each notional
/// quintile (Q1 smallest), and beside each the reach of its clusters' matched controls. The
/// third item is the label and x position of each bucket.
pub fn dose_series(d: &DoseResponse) -> (Vec<DoseBarPoint>, Vec<DoseBarPoint>, Vec<(f64, String)>) {
    let (mut clusters, mut controls, mut buckets) = (Vec::new(), Vec::new(), Vec::new());
    let shown = d
        .buckets
        .iter()
        .filter(|b| b.bars.iter().any(|bar| bar.reach.total > 0));
    for (slot, bucket) in shown.enumerate() {
        let name = match bucket.max_pct {
            Some(max) => format!("{}-{}%", bucket.min_pct, max),
            None => format!("{}%+", bucket.min_pct),
        };
        let first = slot as f64 * (QUINTILES as f64 + 1.0);
        buckets.push((first + (QUINTILES as f64 - 1.0) / 2.0, name.clone()));
        for bar in &bucket.bars {
            let x = first + bar.quintile.saturating_sub(1) as f64;
            let point = |rate: &Rate, whose: &str| {
                rate.rate.map(|r| DoseBarPoint {
                    x,
                    reach_pct: r * 100.0,
                    total: rate.total,
                    label: format!(
                        "{name}, Q{} ({whose}): {:.1}% of {} reached",
                        bar.quintile,
                        r * 100.0,
                        rate.total
                    ),
                })
            };
            clusters.extend(point(&bar.reach, "clusters"));
            controls.extend(point(&bar.control_reach, "their empty bands"));
        }
    }
    (clusters, controls, buckets)
}

/// Colours of the three curves: clusters, controls, baseline; darker on a light background.
fn curve_colors(dark: bool) -> [Color32; 3] {
    if dark {
        [
            Color32::from_rgb(255, 150, 70),
            Color32::from_rgb(170, 175, 185),
            Color32::from_rgb(90, 175, 255),
        ]
    } else {
        [
            Color32::from_rgb(200, 90, 0),
            Color32::from_rgb(90, 95, 105),
            Color32::from_rgb(20, 100, 200),
        ]
    }
}

/// The colour key above a picture, coloured names side by side: a legend inside the plot would
/// cover the curves in a narrow panel.
fn key_ui(ui: &mut egui::Ui, entries: Vec<(&str, Color32)>) {
    ui.horizontal_wrapped(|ui| {
        for (name, color) in entries {
            let (swatch, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
            ui.painter().rect_filled(swatch, 2.0, color);
            ui.label(RichText::new(name).color(color));
        }
    });
}

/// Reach against distance from the close, with 95% bands.
pub fn reach_curve_ui(ui: &mut egui::Ui, f: &ReachFigures) {
    let colors = curve_colors(ui.visuals().dark_mode);
    let series = curve_series(f);
    key_ui(
        ui,
        series.iter().map(|s| s.name.as_str()).zip(colors).collect(),
    );
    Plot::new("score_reach_curve")
        .height(170.0)
        .x_axis_label("distance from the close, %")
        .y_axis_label("reached, %")
        .include_y(0.0)
        .include_x(0.0)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .show(ui, |plot_ui| {
            for (s, color) in series.iter().zip(colors) {
                let xs: Vec<f64> = s.points.iter().map(|p| p[0]).collect();
                // The band shares the line's name: hovering either names the curve.
                plot_ui.add(
                    FilledArea::new(s.name.clone(), &xs, &s.low, &s.high)
                        .fill_color(color.gamma_multiply(0.18)),
                );
                plot_ui.line(
                    Line::new(s.name.clone(), PlotPoints::from(s.points.clone()))
                        .color(color)
                        .width(2.0),
                );
            }
        });
}

/// Reach by cluster size within each distance bucket.
pub fn dose_bars_ui(ui: &mut egui::Ui, d: &DoseResponse) {
    let [cluster_color, control_color, _] = curve_colors(ui.visuals().dark_mode);
    let (clusters, controls, buckets) = dose_series(d);
    let bars = |points: &[DoseBarPoint], offset: f64, color: Color32| -> Vec<Bar> {
        points
            .iter()
            .map(|p| {
                Bar::new(p.x + offset, p.reach_pct)
                    .width(0.4)
                    .name(&p.label)
                    .fill(color)
            })
            .collect()
    };
    let marks: Vec<f64> = buckets.iter().map(|b| b.0).collect();
    // Named in words too: a narrow plot drops axis labels that do not fit.
    let names: Vec<&str> = buckets.iter().map(|b| b.1.as_str()).collect();
    let caption = format!(
        "five bars per distance from the close, left to right: {}",
        names.join(", ")
    );
    key_ui(
        ui,
        vec![
            (DOSE_CLUSTERS, cluster_color),
            (DOSE_CONTROLS, control_color),
        ],
    );
    Plot::new("score_dose_bars")
        .height(150.0)
        .y_axis_label("reached, %")
        .include_y(0.0)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .x_grid_spacer(move |_: GridInput| {
            marks
                .iter()
                .map(|&value| GridMark {
                    value,
                    step_size: QUINTILES as f64 + 1.0,
                })
                .collect()
        })
        .x_axis_formatter(move |mark, _| {
            buckets
                .iter()
                .find(|b| (b.0 - mark.value).abs() < 1e-9)
                .map_or(String::new(), |b| b.1.clone())
        })
        .show(ui, |plot_ui| {
            plot_ui.bar_chart(
                BarChart::new(DOSE_CLUSTERS, bars(&clusters, -0.2, cluster_color))
                    .color(cluster_color),
            );
            plot_ui.bar_chart(
                BarChart::new(DOSE_CONTROLS, bars(&controls, 0.2, control_color))
                    .color(control_color),
            );
        });
    ui.label(RichText::new(caption).small());
}
