//! The Score panel: how well the map of the current settings did on this dataset, as
//! `liqmap score` measures it (reach of clusters against empty control bands, lift against real
//! liquidations), scored in the background with a progress bar and a cancel button.
//!
//! The panel scores with the defaults of `liqmap score` (a one-day horizon, a 10% window, the
//! default cap of sampled bars) on the viewer's cluster rows, so its figures are those the command
//! prints for the same settings and row height.

use egui::{Color32, RichText};

use super::action::Action;
use super::look::{ERROR_COLOR, LONG_COLOR, SHORT_COLOR, WARNING_COLOR};
use super::state::{ScoreOutcome, ScoreState, ViewerState};
use crate::engine::score::{Rate, RealScore, ScoreReport, Stage, Verdict};
use crate::model::{Dataset, Side};
use crate::render::labels::compact_usd;

/// The label of the button that starts scoring.
pub const SCORE_BUTTON: &str = "Score these settings";
/// The label of the button that stops a run.
pub const CANCEL_BUTTON: &str = "Cancel scoring";
/// The label of the checkbox that scores whenever the settings change.
pub const AUTO_CHECKBOX: &str = "Score automatically when the settings change";

/// Below this window width the panel starts hidden: the chart needs the room more.
pub const OPEN_MIN_WIDTH_POINTS: f32 = 1300.0;

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
    if busy {
        progress_ui(ui, panel);
    }
    let Some((key, outcome)) = &panel.outcome else {
        if !busy {
            ui.label("Not scored yet.");
        }
        return;
    };
    if current.as_ref() != Some(key) {
        ui.colored_label(
            WARNING_COLOR,
            "The settings changed since this score: score again.",
        );
    }
    match outcome {
        ScoreOutcome::Scored(report) => {
            let dataset = state.data.loaded.as_ref().map(|l| l.dataset.as_ref());
            egui::ScrollArea::vertical().show(ui, |ui| {
                report_ui(ui, report, dataset);
            });
        }
        ScoreOutcome::Cancelled => {
            ui.label("Scoring was cancelled.");
        }
        ScoreOutcome::Failed(err) => {
            ui.colored_label(ERROR_COLOR, err.to_string());
        }
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

/// A percentage with one decimal, or "-" when there is none.
fn pct(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

/// One line of reach: `NAME: HITS / TOTAL reached, RATE (95% LOW–HIGH)`.
pub fn rate_line(name: &str, rate: &Rate) -> String {
    format!(
        "{name}: {} / {} reached, {} (95% {}–{})",
        rate.hits,
        rate.total,
        pct(rate.rate),
        pct(rate.ci95_low),
        pct(rate.ci95_high)
    )
}

fn report_ui(ui: &mut egui::Ui, report: &ScoreReport, dataset: Option<&Dataset>) {
    let reach = &report.reach_score;
    let params = &report.params;
    let hours = dataset.map_or(0.0, |d| {
        params.horizon_bars as f64 * d.interval_ms as f64 / 3_600_000.0
    });
    ui.label(
        RichText::new(format!(
            "{} bars sampled (every {:.1}); horizon {} bars ({hours:.1} h); clusters within {}% \
             of the close; rows of {} USD",
            reach.sampled_bars,
            reach.sample_step_bars,
            params.horizon_bars,
            params.max_distance_pct,
            params.bin_usd
        ))
        .small(),
    );
    let matched = &reach.figures.matched;
    let verdict_color = match matched.verdict {
        Verdict::MapHelps => Color32::from_rgb(80, 200, 120),
        Verdict::ControlWins => Color32::from_rgb(230, 80, 70),
        Verdict::Inconclusive | Verdict::NoData => Color32::from_rgb(230, 180, 60),
    };
    ui.separator();
    ui.colored_label(verdict_color, matched.verdict.sentence());
    ui.strong("Reach against matched controls: price entered the band within the horizon");
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
            "{} clusters in the window found no matched control band and are left out ({} in \
             all)",
            matched.without_control, reach.figures.reach.total
        ))
        .small(),
    );
    ui.separator();
    real_ui(ui, &report.real_score, dataset);
}

/// The lift line: `lift L against real liquidations (control bands C), resting on N events in
/// range (USD) of M`.
pub fn lift_line(real: &RealScore) -> String {
    let lift = |l: Option<f64>| l.map_or("-".into(), |l| format!("{l:.2}"));
    format!(
        "lift {} against real liquidations (control bands {}), resting on {} events in range \
         ({} USD) of {}",
        lift(real.lift),
        lift(real.control_lift),
        real.events_in_range,
        compact_usd(real.usd_in_range),
        real.real_events
    )
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
    ui.label(
        RichText::new(format!(
            "{} in bands of {} in range ({}); {} expected by chance; 1.0 is no better than chance",
            compact_usd(real.usd_in_bands),
            compact_usd(real.usd_in_range),
            pct(real.share_in_bands),
            pct(real.share_expected_by_chance)
        ))
        .small(),
    );
    if real.events_in_range < 30 {
        ui.colored_label(
            WARNING_COLOR,
            format!(
                "Only {} events: too few to judge the map by.",
                real.events_in_range
            ),
        );
    }
    if let Some(per_hour) = &real.predicted_vs_real_per_hour {
        ui.label(format!(
            "predicted {}/h against real {}/h over {:.1} h",
            compact_usd(per_hour.predicted_usd_per_hour),
            compact_usd(per_hour.real_usd_per_hour),
            per_hour.hours
        ));
    }
}
