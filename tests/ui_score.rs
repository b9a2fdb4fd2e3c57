//! The Score panel and the liquidation bars, driven headless with egui_kittest (no rendering):
//! the figures shown equal `engine::score::score` computed here for the same settings, a dataset
//! without real liquidations says so, a run can be cancelled, and the bars under the chart hold
//! `liquidations_per_bar` of the current engine and selection.

use std::path::Path;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use liqmap::dataset;
use liqmap::engine::score::{ScoreParams, ScoreReport, liquidations_per_bar, score};
use liqmap::model::{Dataset, Liquidation, Side};
use liqmap::ui::LiqmapApp;
use liqmap::ui::score_panel::{
    CANCEL_BUTTON, MIN_WIDTH_POINTS, NO_REAL_LIQUIDATIONS, SCORE_BUTTON,
};
use liqmap::ui::score_panel_plot::{
    BASELINE_CURVE_PREFIX, CLUSTERS_CURVE, CONTROLS_CURVE, DOSE_CLUSTERS, DOSE_CONTROLS,
    curve_series, dose_series,
};
use liqmap::ui::score_panel_words::{
    baselines_headline, control_lift_line, dose_headline, lift_line, rate_line, verdict_headline,
};
use liqmap::ui::settings::ViewerSettings;

fn harness(dataset: Option<Dataset>) -> Harness<'static, LiqmapApp> {
    harness_sized(dataset, [1500.0, 1000.0])
}

fn harness_sized(dataset: Option<Dataset>, size: [f32; 2]) -> Harness<'static, LiqmapApp> {
    let ctx = egui::Context::default();
    let mut app = LiqmapApp::with_settings(&ctx, ViewerSettings::default(), None);
    if let Some(dataset) = dataset {
        app.show_dataset(dataset);
    }
    let mut harness = Harness::builder()
        .with_size(size)
        .build_ui_state(|ui, app: &mut LiqmapApp| app.frame_ui(ui), app);
    settle(&mut harness);
    harness
}

/// Steps frames until no background job runs for a few frames in a row.
fn settle(harness: &mut Harness<'static, LiqmapApp>) {
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut idle_frames = 0;
    while idle_frames < 3 {
        harness.step();
        let app = harness.state();
        let ready = app.state.data.engine.is_some() && !app.is_busy();
        idle_frames = if ready { idle_frames + 1 } else { 0 };
        assert!(Instant::now() < deadline, "the viewer did not settle");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The report the panel should show, computed here from the app's data and settings.
fn expected(app: &LiqmapApp) -> ScoreReport {
    let engine = app.state.data.engine.clone().unwrap();
    let dataset = app.state.data.loaded.as_ref().unwrap().dataset.clone();
    let params = ScoreParams::new(app.state.cluster_bin_usd(), dataset.interval_ms);
    score(&engine, &dataset, &app.state.settings.selection(), &params).unwrap()
}

fn score_now(harness: &mut Harness<'static, LiqmapApp>) {
    harness.get_by_label(SCORE_BUTTON).click();
    harness.step();
    assert!(
        harness.state().state.score.is_busy(),
        "clicking did not start a run"
    );
    settle(harness);
}

/// The bundled sample (which records no liquidation) with constructed events: every seventh bar
/// from bar 50, a long liquidated at the bar's low and a short at its high.
fn sample_with_liquidations() -> Dataset {
    let mut data = dataset::sample().unwrap();
    data.liquidations = data
        .bars
        .iter()
        .skip(50)
        .step_by(7)
        .flat_map(|bar| {
            [(Side::Long, bar.low), (Side::Short, bar.high)].map(|(side, price)| Liquidation {
                time_ms: bar.open_time_ms + 1000,
                side,
                price,
                quantity: 100.0,
            })
        })
        .collect();
    data
}

#[test]
fn the_panel_shows_the_verdict_first_then_the_curves_and_the_detail() {
    let mut harness = harness(Some(sample_with_liquidations()));
    harness.get_by_label("Not scored yet.");
    score_now(&mut harness);
    let report = expected(harness.state());
    assert_eq!(harness.state().state.score.report(), Some(&report));
    let figures = &report.reach_score.figures;
    let matched = &figures.matched;
    assert!(matched.reach.total > 0);
    // The verdict in words, with the two rates a trader compares; one day of 5-minute bars.
    let horizon_ms = report.params.horizon_bars as f64 * 300_000.0;
    let headline = verdict_headline(figures, horizon_ms);
    let one_decimal = |r: Option<f64>| format!("{:.1}%", r.unwrap() * 100.0);
    assert!(
        headline.contains(&one_decimal(matched.reach.rate)),
        "{headline}"
    );
    assert!(
        headline.contains(&one_decimal(matched.control_reach.rate)),
        "{headline}"
    );
    assert!(headline.contains("within 24 h"), "{headline}");
    let verdict = harness.get_by_label(&headline);
    harness.get_by_label(&baselines_headline(figures));
    harness.get_by_label(&dose_headline(figures));
    // The verdict comes first: above the pictures and the baselines.
    let clusters_legend = harness.get_by_label(CLUSTERS_CURVE);
    assert!(verdict.rect().top() < clusters_legend.rect().top());
    // The curves of the picture, named in its key: clusters, matched controls, the best
    // baseline; and the dose-response bars.
    harness.get_by_label(CONTROLS_CURVE);
    let best = figures
        .best_baseline
        .and_then(|kind| figures.baselines.iter().find(|b| b.kind == kind))
        .expect("a best baseline on the sample");
    harness.get_by_label(&format!("{BASELINE_CURVE_PREFIX}{}", best.name));
    harness.get_by_label(DOSE_CLUSTERS);
    harness.get_by_label(DOSE_CONTROLS);
    // Each baseline has its row.
    for b in &figures.baselines {
        let name = if figures.best_baseline == Some(b.kind) {
            format!("{} (best)", b.name)
        } else {
            b.name.clone()
        };
        harness.get_by_label(&name);
    }
    // The detail opens on a click and holds the rates behind the verdict.
    harness.get_by_label("Detail").scroll_to_me();
    harness.step();
    harness.get_by_label("Detail").click_accesskit();
    // The header opens over a short animation.
    for _ in 0..20 {
        harness.step();
    }
    harness.get_by_label(&rate_line("clusters", &matched.reach));
    harness.get_by_label(&rate_line("control bands", &matched.control_reach));
    for (side, name) in matched.by_side.iter().zip(["longs", "shorts"]) {
        harness.get_by_label(&rate_line(&format!("{name}: clusters"), &side.reach));
        harness.get_by_label(&rate_line(
            &format!("{name}: control bands"),
            &side.control_reach,
        ));
    }
    let real = &report.real_score;
    assert!(real.events_in_range > 50 && real.lift.is_some());
    harness.get_by_label(&lift_line(real));
    assert!(real.lift_matched.clusters_with_controls > 0);
    harness.get_by_label(&control_lift_line(
        "against empty bands as far away and as long untouched",
        &real.lift_matched,
    ));
}

#[test]
fn the_curves_are_the_reach_of_each_distance_step() {
    let data = sample_with_liquidations();
    let harness = harness(Some(data));
    let report = expected(harness.state());
    let figures = &report.reach_score.figures;
    let series = curve_series(figures);
    assert_eq!(series[0].name, CLUSTERS_CURVE);
    assert_eq!(series[1].name, CONTROLS_CURVE);
    // Worked from the curve's counts here: the middle of each step with trials, and hits over
    // trials in percent, inside its band.
    let mut steps_with_clusters = 0;
    for point in &figures.curve {
        let x = (point.min_pct + point.max_pct) / 2.0;
        let rate = &point.clusters;
        if rate.total == 0 {
            assert!(series[0].points.iter().all(|p| p[0] != x));
            continue;
        }
        steps_with_clusters += 1;
        let i = series[0].points.iter().position(|p| p[0] == x).unwrap();
        let pct = rate.hits as f64 / rate.total as f64 * 100.0;
        assert!((series[0].points[i][1] - pct).abs() < 1e-9);
        assert!(series[0].low[i] <= pct && pct <= series[0].high[i]);
    }
    assert!(steps_with_clusters >= 5, "{steps_with_clusters}");
    // The dose bars: one per quintile with trials, the cluster bar's height its reach.
    let (clusters, controls, buckets) = dose_series(&figures.dose_response);
    let with_trials: usize = figures
        .dose_response
        .buckets
        .iter()
        .flat_map(|b| &b.bars)
        .filter(|bar| bar.reach.total > 0)
        .count();
    assert_eq!(clusters.len(), with_trials);
    assert!(controls.len() <= with_trials);
    assert!(!buckets.is_empty());
}

#[test]
fn a_dataset_without_real_liquidations_says_so() {
    let mut data = dataset::sample().unwrap();
    data.liquidations.clear();
    let mut harness = harness(Some(data));
    score_now(&mut harness);
    harness.get_by_label(NO_REAL_LIQUIDATIONS);
    let report = expected(harness.state());
    let horizon_ms = report.params.horizon_bars as f64 * 300_000.0;
    harness.get_by_label(&verdict_headline(&report.reach_score.figures, horizon_ms));
}

#[test]
fn a_run_can_be_cancelled() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/btcusdt-5m.json");
    let mut harness = harness(Some(dataset::load(&path).unwrap()));
    harness.get_by_label(SCORE_BUTTON).click();
    harness.step();
    harness.step();
    // Thousands of maps take longer than two frames; the run is still going.
    assert!(harness.state().state.score.is_busy());
    harness.get_by_label(CANCEL_BUTTON).click();
    settle(&mut harness);
    harness.get_by_label("Scoring was cancelled.");
    assert!(harness.state().state.score.report().is_none());
}

#[test]
fn the_bars_under_the_chart_follow_the_engine_and_selection() {
    let mut harness = harness(None);
    let check = |harness: &Harness<'static, LiqmapApp>| {
        let app = harness.state();
        let engine = app.state.data.engine.clone().unwrap();
        let dataset = app.state.data.loaded.as_ref().unwrap().dataset.clone();
        let expected = liquidations_per_bar(&engine, &dataset, &app.state.settings.selection());
        let shown = app.state.liquidation_bars.series().map(|s| s.to_dense());
        assert_eq!(shown.as_deref(), Some(&expected[..]));
        assert!(expected.iter().any(|b| b.predicted_usd[0] > 0.0));
    };
    check(&harness);
    // Shorts only: the series is computed again without the longs.
    harness.state_mut().send(liqmap::ui::Action::SetSides(
        liqmap::ui::settings::SideFilter::Shorts,
    ));
    harness.step();
    settle(&mut harness);
    let app = harness.state();
    let series = app.state.liquidation_bars.series().unwrap().to_dense();
    assert!(series.iter().all(|b| b.predicted_usd[0] == 0.0));
    assert!(series.iter().any(|b| b.predicted_usd[1] > 0.0));
}

#[test]
fn at_1280_by_720_the_score_column_is_shown_whole() {
    let mut harness = harness_sized(Some(dataset::sample().unwrap()), [1280.0, 720.0]);
    assert!(harness.state().state.score.is_open());
    score_now(&mut harness);
    let report = expected(harness.state());
    let horizon_ms = report.params.horizon_bars as f64 * 300_000.0;
    let verdict = harness
        .get_by_label(&verdict_headline(&report.reach_score.figures, horizon_ms))
        .rect();
    // The verdict lies inside the window, in a column at least the panel's narrowest width.
    assert!(
        verdict.right() <= 1280.0 && verdict.left() >= 0.0,
        "{verdict:?}"
    );
    let button = harness.get_by_label(SCORE_BUTTON).rect();
    assert!(button.right() <= 1280.0, "{button:?}");
    assert!(
        verdict.width() >= MIN_WIDTH_POINTS - 30.0,
        "the verdict is squeezed into {verdict:?}"
    );
}

#[test]
fn the_half_life_reads_as_a_duration() {
    // The sample's bars are five minutes long: the default fade of 288 bars is one day.
    let mut harness = harness(Some(dataset::sample().unwrap()));
    harness.get_by_label("fade").click();
    settle(&mut harness);
    assert_eq!(
        harness.state().state.settings.model.half_life.0,
        Some(288.0)
    );
    harness.get_by_value("24 h (288 bars)");
}
