//! "Add open interest / liquidations to this dataset" (issue 11 item 6) runs in the opening job
//! with the opening's progress bar: driven through egui_kittest, the window keeps drawing while
//! the job runs, the bar says what is added and at which stage, the picture shown stays whole,
//! and the dataset with the file added lands.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use liqmap::model::Dataset;
use liqmap::synth::synthetic_dataset;
use liqmap::ui::settings::ViewerSettings;
use liqmap::ui::{Action, LiqmapApp};

fn viewer() -> Harness<'static, LiqmapApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .with_theme(egui::Theme::Dark)
        .wgpu()
        .build_eframe(|cc| LiqmapApp::with_settings(&cc.egui_ctx, ViewerSettings::default(), None))
}

/// Steps frames until `done` holds and no job runs, or fails after two minutes.
fn step_until(harness: &mut Harness<'_, LiqmapApp>, done: impl Fn(&LiqmapApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !(done(harness.state()) && harness.state().is_settled()) {
        assert!(
            Instant::now() < deadline,
            "timed out; errors {:?}",
            harness.state().state.errors
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn shown(app: &LiqmapApp) -> Option<&Dataset> {
    app.state.data.loaded.as_ref().map(|l| &*l.dataset)
}

#[test]
fn adding_open_interest_keeps_the_window_drawing_with_its_progress_until_it_lands() {
    // Size is the point here: the job must take many frames (60,000 one-minute bars, open
    // interest every five minutes, from the seeded generator).
    let mut dataset = synthetic_dataset(60_000, 60_000, 300_000, 11);
    let samples = std::mem::take(&mut dataset.open_interest);
    assert!(samples.len() > 10_000);
    // The samples as Binance's openInterestHist answer, numbers as strings.
    let rows: Vec<serde_json::Value> = samples
        .iter()
        .map(|s| {
            serde_json::json!({
                "symbol": dataset.symbol,
                "sumOpenInterest": s.open_interest.to_string(),
                "sumOpenInterestValue": s.value_usd.expect("the generator values it").to_string(),
                "timestamp": s.time_ms,
            })
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("synthusdt-openinterest.json");
    std::fs::write(&file, serde_json::to_vec(&rows).expect("JSON")).expect("written");

    let mut harness = viewer();
    harness.state_mut().show_dataset(dataset.clone());
    step_until(&mut harness, |app| {
        shown(app).is_some_and(|d| d.symbol == dataset.symbol)
    });
    assert!(harness.state().state.opening.is_none());

    harness.state_mut().send(Action::AddToDataset(file.clone()));
    harness.step();
    let line = "Adding synthusdt-openinterest.json to this dataset — ";
    assert!(
        harness.state().state.opening.is_some(),
        "no progress at the first frame"
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut frames_while_busy = 0;
    let mut stages = Vec::new();
    loop {
        let started = Instant::now();
        harness.step();
        let frame_s = started.elapsed().as_secs_f64();
        let app = harness.state();
        let now = shown(app).expect("a dataset is always shown");
        // Every frame is whole: the dataset before or the one with the file added, each with
        // its levels and its heatmap.
        assert!(app.state.data.engine.is_some() && app.state.data.grid.is_some());
        if !now.open_interest.is_empty() {
            break;
        }
        if let Some(opening) = &app.state.opening {
            frames_while_busy += 1;
            let stage = opening.stage.get();
            if stages.last() != Some(&stage) {
                stages.push(stage);
            }
            // The bar is on screen, with the stage running.
            let text = opening.line();
            assert!(text.starts_with(line), "{text}");
            assert!(harness.query_by_label_contains(line).is_some(), "{text}");
            // A frame never waits for the job (which takes seconds in a debug build).
            assert!(frame_s < 5.0, "a frame took {frame_s:.1} s");
        }
        assert!(Instant::now() < deadline, "the file was not added");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        frames_while_busy >= 3,
        "only {frames_while_busy} frames while the file was added: the window waited for it"
    );
    // The job reports its stages as it goes: a frame shows computing levels or drawing, which
    // come after the file is read. Either will do: on a loaded machine a frame can take longer
    // than the level computation, so which of the two a frame lands on is not fixed.
    use liqmap::ui::progress::Stage;
    assert!(
        stages
            .iter()
            .any(|s| matches!(s, Stage::ComputingLevels | Stage::Drawing)),
        "{stages:?}"
    );
    // The result lands: the samples added, the bar gone, the status saying so.
    let app = harness.state();
    assert!(app.state.opening.is_none());
    assert!(app.state.errors.is_empty(), "{:?}", app.state.errors);
    let added = shown(app).expect("shown");
    assert_eq!(added.bars, dataset.bars);
    let times: Vec<i64> = added.open_interest.iter().map(|s| s.time_ms).collect();
    let expected: Vec<i64> = samples.iter().map(|s| s.time_ms).collect();
    assert_eq!(times, expected);
    assert!(
        app.state
            .status
            .starts_with(&format!("added {} open-interest samples", samples.len())),
        "{}",
        app.state.status
    );
}
