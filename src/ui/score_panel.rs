//! The Score panel: how well the map of the current settings did on this dataset, as
//! `liqmap score` measures it, scored in the background with a progress bar and a cancel button.
//! The verdict comes first in plain words (clusters against empty bands as far away and as long
//! untouched, against the levels traders already use, and by size), then the pictures
//! ([`super::score_panel_plot`]), the baselines, the detail, and the lift against real
//! liquidations.
//!
//! The panel scores with the defaults of `liqmap score` (a one-day horizon, a 10% window, the
//! default cap of sampled bars) on the viewer's cluster rows, so its figures are those the command
//! prints for the same settings and row height.

use egui::{Color32, RichText};

use super::action::Action;
use super::look::{ERROR_COLOR, LONG_COLOR, SHORT_COLOR, WARNING_COLOR};
use super::score_panel_plot::{dose_bars_ui, reach_curve_ui};
use super::score_panel_words::{
    bars_words, baseline_cells, baselines_headline, control_lift_line, difference_words,
    dose_headline, duration_words, lift_line, percent, rate_line, verdict_headline,
};
use super::state::{ScoreKey, ScoreOutcome, ScoreState, ViewerState};
use crate::engine::score::{ReachFigures, RealScore, ScoreReport, Stage, Verdict};
use crate::model::{Dataset, Side};
use crate::render::labels::compact_usd;

/// The label of the button that starts scoring.
pub const SCORE_BUTTON: &str = "Score these settings";
/// The label of the button that stops a run.
pub const CANCEL_BUTTON: &str = "Cancel scoring";
/// The label of the checkbox that scores whenever the settings change.
pub const AUTO_CHECKBOX: &str = "Score automatically when the settings change";

/// Below this window width the panel starts hidden: the chart needs the room more. A
/// 1280-point window (a 1280x720 screen) still shows it.
pub const OPEN_MIN_WIDTH_POINTS: f32 = 1200.0;

/// The panel's narrowest width: the verdict and the pictures stay readable.
pub const MIN_WIDTH_POINTS: f32 = 240.0;

/// Draws the Score panel; scoring runs start and stop through actions.
pub fn score_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    ui.horizontal(|ui| {
        ui.heading("Score");
        if ui.small_button("Hide").clicked() {
            actions.push(Action::SetScoreOpen(false));
        }
    });
    let current = state.score_key();
    let panel = &state.score;
    let busy = panel.is_busy();
    ui.horizontal_wrapped(|ui| {
        let start = ui
            .add_enabled(current.is_some(), egui::Button::new(SCORE_BUTTON))
            .on_hover_text("Score the map of the current settings against what price did next");
        if start.clicked() {
            actions.push(Action::Score);
        }
        if busy && ui.button(CANCEL_BUTTON).clicked() {
            actions.push(Action::CancelScore);
        }
    });
    let mut auto = panel.auto;
    if ui.checkbox(&mut auto, AUTO_CHECKBOX).changed() {
        actions.push(Action::SetScoreAuto(auto));
    }
    if let Some(view) = &state.data.venues {
        ui.label(RichText::new(view.summed_note()).small());
    }
    if busy {
        progress_ui(ui, panel);
    }
    let Some((key, outcome)) = &panel.outcome else {
        if !busy {
            ui.label("Not scored yet.");
        }
        return;
    };
    if let Some(words) = out_of_date_words(current.as_ref(), key) {
        let color = verdict_color(Verdict::Inconclusive, ui.visuals().dark_mode);
        ui.colored_label(color, words);
    }
    match outcome {
        ScoreOutcome::Scored(report) => {
            egui::ScrollArea::vertical().show(ui, |ui| {
                report_ui(ui, state, report);
            });
        }
        ScoreOutcome::Cancelled => {
            ui.label("Scoring was cancelled.");
        }
        ScoreOutcome::Failed(err) => {
            let color = verdict_color(Verdict::ControlWins, ui.visuals().dark_mode);
            ui.colored_label(color, err.to_string());
        }
    }
}

/// What the panel says when its figures were computed for another key than the current one.
pub const DATA_CHANGED: &str =
    "The data changed since this score (new bars or liquidations): score again.";
/// What the panel says when the settings changed since its figures.
pub const SETTINGS_CHANGED: &str = "The settings changed since this score: score again.";

/// Why the figures shown are out of date, if they are: new data first, since it also changes
/// the engines the key holds.
fn out_of_date_words(current: Option<&ScoreKey>, scored: &ScoreKey) -> Option<&'static str> {
    match current {
        Some(current) if current == scored => None,
        Some(current) if current.data != scored.data => Some(DATA_CHANGED),
        _ => Some(SETTINGS_CHANGED),
    }
}

fn progress_ui(ui: &mut egui::Ui, panel: &ScoreState) {
    let step = panel.progress.lock().ok().and_then(|p| *p);
    let (fraction, text) = match step {
        Some(p) => {
            let stage = match p.stage {
                Stage::Reach => "reach",
                Stage::RealLiquidations => "real liquidations",
            };
            let fraction = if p.total > 0 {
                p.done as f32 / p.total as f32
            } else {
                1.0
            };
            (fraction, format!("{stage}: {} of {} maps", p.done, p.total))
        }
        None => (0.0, "starting…".to_string()),
    };
    ui.add(egui::ProgressBar::new(fraction).text(text));
}

fn report_ui(ui: &mut egui::Ui, state: &ViewerState, report: &ScoreReport) {
    let dataset = state.data.loaded.as_ref().map(|l| l.dataset.as_ref());
    let interval_ms = dataset.map_or(0, |d| d.interval_ms);
    let reach = &report.reach_score;
    let figures = &reach.figures;
    let params = &report.params;
    let horizon_ms = params.horizon_bars as f64 * interval_ms as f64;
    // The verdict first, in words, then what backs it.
    let verdict_color = verdict_color(figures.verdict, ui.visuals().dark_mode);
    ui.label(
        RichText::new(verdict_headline(figures, horizon_ms))
            .strong()
            .color(verdict_color),
    );
    ui.label(baselines_headline(figures));
    ui.label(dose_headline(figures));
    ui.separator();
    ui.strong("How often price reached a level, by distance from the close");
    reach_curve_ui(ui, figures);
    ui.strong("By cluster size (Q1 smallest to Q5 largest), same distance");
    dose_bars_ui(ui, &figures.dose_response);
    ui.separator();
    baselines_ui(ui, figures);
    ui.separator();
    egui::CollapsingHeader::new("Detail")
        .default_open(false)
        .show(ui, |ui| {
            detail_ui(ui, report, &state.settings.model.half_life, interval_ms)
        });
    ui.separator();
    real_ui(ui, &report.real_score, dataset);
}

/// The verdict's colour: green, amber or red, darker on a light background so the words keep
/// their contrast.
fn verdict_color(verdict: Verdict, dark: bool) -> Color32 {
    match (verdict, dark) {
        (Verdict::MapHelps, true) => Color32::from_rgb(80, 200, 120),
        (Verdict::MapHelps, false) => Color32::from_rgb(20, 120, 60),
        (Verdict::ControlWins, true) => ERROR_COLOR,
        (Verdict::ControlWins, false) => Color32::from_rgb(170, 30, 20),
        (Verdict::Inconclusive | Verdict::NoData, true) => WARNING_COLOR,
        (Verdict::Inconclusive | Verdict::NoData, false) => Color32::from_rgb(140, 90, 0),
    }
}

/// Clusters against each baseline: levels with matched controls, their reach against the
/// controls', their edge, and clusters' edge minus theirs.
fn baselines_ui(ui: &mut egui::Ui, f: &ReachFigures) {
    ui.strong("Clusters against the levels traders already use")
        .on_hover_text(
            "Each kind of level is scored like clusters, against empty bands as far away and as \
             long untouched. Edge: its reach minus its empty bands', points. Clusters minus it: \
             the clusters' edge minus this edge.",
        );
    egui::ScrollArea::horizontal()
        .id_salt("score_baselines")
        .show(ui, |ui| {
            egui::Grid::new("score_baselines_grid")
                .striped(true)
                .show(ui, |ui| {
                    for head in ["", "levels", "reach vs empty", "edge", "clusters minus it"] {
                        ui.label(RichText::new(head).small().strong());
                    }
                    ui.end_row();
                    let m = &f.matched;
                    ui.label("clusters");
                    ui.label(m.with_control.to_string());
                    ui.label(format!(
                        "{} vs {}",
                        percent(m.reach.rate),
                        percent(m.control_reach.rate)
                    ));
                    ui.label(difference_words(&m.difference));
                    ui.label("");
                    ui.end_row();
                    for b in &f.baselines {
                        for cell in baseline_cells(b, f.best_baseline == Some(b.kind)) {
                            ui.label(cell);
                        }
                        ui.end_row();
                    }
                });
        });
    ui.label(RichText::new(&f.information_text).small());
}

fn detail_ui(
    ui: &mut egui::Ui,
    report: &ScoreReport,
    half_life: &crate::settings::HalfLife,
    interval_ms: i64,
) {
    let reach = &report.reach_score;
    let params = &report.params;
    let fade = half_life.0.map_or("no fade".into(), |bars| {
        format!("half-life {}", bars_words(bars, interval_ms))
    });
    ui.label(
        RichText::new(format!(
            "{} bars sampled (every {:.1}); horizon {}; clusters within {}% of the close; rows \
             of {} USD; {fade}",
            reach.sampled_bars,
            reach.sample_step_bars,
            bars_words(params.horizon_bars as f64, interval_ms),
            params.max_distance_pct,
            params.bin_usd
        ))
        .small(),
    );
    let matched = &reach.figures.matched;
    ui.strong("Against empty bands as far away and as long untouched (the verdict)");
    ui.label(rate_line("clusters", &matched.reach));
    ui.label(rate_line("control bands", &matched.control_reach));
    ui.label(matched.difference.describe()).on_hover_text(
        "Nearby bars see the same bands, so the intervals above are too narrow; this one \
         resamples whole horizon-long blocks of bars.",
    );
    for side in &matched.by_side {
        let (color, name) = match side.side {
            Side::Long => (LONG_COLOR, "longs"),
            Side::Short => (SHORT_COLOR, "shorts"),
        };
        ui.colored_label(color, rate_line(&format!("{name}: clusters"), &side.reach));
        ui.colored_label(
            color,
            rate_line(&format!("{name}: control bands"), &side.control_reach),
        );
    }
    ui.label(
        RichText::new(format!(
            "{} of {} clusters in the window found such bands; the others are left out",
            matched.with_control, reach.figures.reach.total
        ))
        .small(),
    );
    let unmatched = &reach.figures.unmatched;
    ui.strong("Second line: nearest empty bands, touched lately or not");
    ui.label(rate_line("clusters", &unmatched.reach));
    ui.label(rate_line(
        "unmatched control bands",
        &unmatched.control_reach,
    ));
    ui.label(
        unmatched
            .difference
            .describe_as("clusters minus unmatched controls"),
    );
}

/// What the panel says when the dataset holds no real liquidation.
pub const NO_REAL_LIQUIDATIONS: &str =
    "This dataset has no real liquidations: the lift against them cannot be measured.";

fn real_ui(ui: &mut egui::Ui, real: &RealScore, dataset: Option<&Dataset>) {
    ui.strong("Real liquidations");
    let recorded = dataset.map_or(0, |d| d.liquidations.len());
    if recorded == 0 {
        ui.label(NO_REAL_LIQUIDATIONS);
        return;
    }
    if real.real_events == 0 {
        ui.label(format!(
            "None of the dataset's {recorded} real liquidations falls within its bars: the lift \
             cannot be measured."
        ));
        return;
    }
    ui.label(lift_line(real));
    ui.label(control_lift_line(
        "against empty bands as far away and as long untouched",
        &real.lift_matched,
    ));
    ui.label(
        RichText::new(control_lift_line(
            "second line, nearest empty bands",
            &real.lift_unmatched,
        ))
        .small(),
    );
    ui.label(
        RichText::new(format!(
            "{} in bands of {} in range ({}); {} expected by chance",
            compact_usd(real.usd_in_bands),
            compact_usd(real.usd_in_range),
            percent(real.share_in_bands),
            percent(real.share_expected_by_chance)
        ))
        .small(),
    );
    if real.events_in_range < 30 {
        ui.colored_label(
            verdict_color(Verdict::Inconclusive, ui.visuals().dark_mode),
            format!(
                "Only {} events: too few to judge the map by.",
                real.events_in_range
            ),
        );
    }
    if let Some(per_hour) = &real.predicted_vs_real_per_hour {
        ui.label(format!(
            "predicted {}/h against real {}/h over {}",
            compact_usd(per_hour.predicted_usd_per_hour),
            compact_usd(per_hour.real_usd_per_hour),
            duration_words(per_hour.hours * 3_600_000.0)
        ));
    }
}
