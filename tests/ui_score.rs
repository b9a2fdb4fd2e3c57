//! The Score panel and the liquidation bars, driven headless with egui_kittest (no rendering):
//! the figures shown equal `engine::score::score` computed here for the same settings, a dataset
//! without real liquidations says so, a run can be cancelled, and the bars under the chart hold
//! `liquidations_per_bar` of the current engine and selection.

use std::path::Path;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use liqmap::dataset;
use liqmap::engine::score::{Rate, ScoreParams, ScoreReport, liquidations_per_bar, score};
use liqmap::model::{Dataset, Liquidation, Side};
use liqmap::ui::LiqmapApp;
use liqmap::ui::score_panel::{CANCEL_BUTTON, NO_REAL_LIQUIDATIONS, SCORE_BUTTON};
use liqmap::ui::settings::ViewerSettings;

fn harness(dataset: Option<Dataset>) -> Harness<'static, LiqmapApp> {
    let ctx = egui::Context::default();
    let mut app = LiqmapApp::with_settings(&ctx, ViewerSettings::default(), None);
    if let Some(dataset) = dataset {
        app.show_dataset(dataset);
    }
    let mut harness = Harness::builder()
        .with_size([1500.0, 1000.0])
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

fn pct(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn rate_line(name: &str, rate: &Rate) -> String {
    format!(
        "{name}: {} / {} reached, {} (95% {}–{})",
        rate.hits,
        rate.total,
        pct(rate.rate),
        pct(rate.ci95_low),
        pct(rate.ci95_high)
    )
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
fn the_panel_shows_the_score_of_the_current_settings() {
    let mut harness = harness(Some(sample_with_liquidations()));
    harness.get_by_label("Not scored yet.");
    score_now(&mut harness);
    let report = expected(harness.state());
    assert_eq!(harness.state().state.score.report(), Some(&report));
    let reach = &report.reach_score.figures.matched;
    assert!(reach.reach.total > 0);
    harness.get_by_label(&rate_line("clusters", &reach.reach));
    harness.get_by_label(&rate_line("control bands", &reach.control_reach));
    for (side, name) in reach.by_side.iter().zip(["longs", "shorts"]) {
        harness.get_by_label(&rate_line(&format!("{name}: clusters"), &side.reach));
        harness.get_by_label(&rate_line(
            &format!("{name}: control bands"),
            &side.control_reach,
        ));
    }
    harness.get_by_label(reach.verdict.sentence());
    let real = &report.real_score;
    assert!(real.events_in_range > 50 && real.lift.is_some());
    let lift = |l: Option<f64>| l.map_or("-".into(), |l| format!("{l:.2}"));
    let usd = liqmap::render::labels::compact_usd(real.usd_in_range);
    harness.get_by_label(&format!(
        "lift {} against real liquidations (control bands {}), resting on {} events in range \
         ({usd} USD) of {}",
        lift(real.lift),
        lift(real.control_lift),
        real.events_in_range,
        real.real_events
    ));
}

#[test]
fn a_dataset_without_real_liquidations_says_so() {
    let mut data = dataset::sample().unwrap();
    data.liquidations.clear();
    let mut harness = harness(Some(data));
    score_now(&mut harness);
    harness.get_by_label(NO_REAL_LIQUIDATIONS);
    let report = expected(harness.state());
    harness.get_by_label(report.reach_score.figures.verdict.sentence());
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
        assert_eq!(app.state.liquidation_bars.series(), Some(&expected[..]));
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
    let series = app.state.liquidation_bars.series().unwrap();
    assert!(series.iter().all(|b| b.predicted_usd[0] == 0.0));
    assert!(series.iter().any(|b| b.predicted_usd[1] > 0.0));
}
