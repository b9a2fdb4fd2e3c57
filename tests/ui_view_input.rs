//! The viewer at a low frame rate and without file dialogs, driven through egui_kittest: a wheel
//! notch plays out by the clock, a double-click spread over two slow frames still resets the
//! view, the path window saves where typed and refuses a missing folder, and opening a file
//! never shows an empty chart.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use liqmap::ui::action::Pick;
use liqmap::ui::progress::{Opening, Stage};
use liqmap::ui::settings::ViewerSettings;
use liqmap::ui::{Action, LiqmapApp};

/// The viewer with egui's clock advancing `frame_s` per frame (kittest does not sleep).
fn viewer_at(frame_s: f32) -> Harness<'static, LiqmapApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .with_theme(egui::Theme::Dark)
        .with_step_dt(frame_s)
        .wgpu()
        .build_eframe(|cc| LiqmapApp::with_settings(&cc.egui_ctx, ViewerSettings::default(), None))
}

fn settle(harness: &mut Harness<'_, LiqmapApp>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        harness.step();
        if harness.state().is_settled() {
            harness.step();
            if harness.state().is_settled() {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the viewer did not settle: errors {:?}",
            harness.state().state.errors
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn chart_centre(harness: &Harness<'_, LiqmapApp>) -> egui::Pos2 {
    let [l, t, r, b] = harness
        .state()
        .state
        .view
        .frame
        .expect("the chart was drawn")
        .rect_pt;
    egui::pos2((l + r) / 2.0, (t + b) / 2.0)
}

fn width_s(harness: &Harness<'_, LiqmapApp>) -> f64 {
    harness
        .state()
        .state
        .view
        .bounds()
        .expect("the chart was drawn")
        .width()
}

/// One notch of a line wheel: 40 points, egui's line scroll speed.
fn one_notch(harness: &mut Harness<'_, LiqmapApp>) {
    harness.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Line,
        delta: egui::vec2(0.0, 1.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: egui::Modifiers::NONE,
    });
}

/// The width after one notch: 200 points of wheel double the scale (see the chart's zoom).
fn after_one_notch(full_s: f64) -> f64 {
    full_s / 2f64.powf(40.0 / 200.0)
}

#[test]
fn one_wheel_notch_is_done_at_the_next_frame_when_frames_come_twice_a_second() {
    let mut harness = viewer_at(0.5);
    settle(&mut harness);
    let full = width_s(&harness);
    harness.hover_at(chart_centre(&harness));
    harness.step();
    one_notch(&mut harness);
    // The frame that reads the event, and the next one, where egui_plot shows the new bounds.
    harness.run_steps(2);
    let after = width_s(&harness);
    // egui's own smoothing hands out 90 % of what is left per frame at this rate (its time step
    // is capped at 0.1 s): the view would still be short of the notch.
    assert!(
        (after - after_one_notch(full)).abs() < 1e-6 * full,
        "after one frame the view is {after} s wide, expected {} s",
        after_one_notch(full)
    );
    // Nothing is left to play out.
    harness.run_steps(4);
    assert!((width_s(&harness) - after).abs() < 1e-9 * full);
}

#[test]
fn at_sixty_frames_a_second_a_notch_takes_about_a_tenth_of_a_second_not_seconds() {
    let frame_s = 1.0 / 60.0;
    let mut harness = viewer_at(frame_s);
    settle(&mut harness);
    let full = width_s(&harness);
    harness.hover_at(chart_centre(&harness));
    harness.step();
    one_notch(&mut harness);
    // After 0.05 s the zoom is under way but not done: it is animated, not a jump.
    harness.run_steps(3);
    let midway = width_s(&harness);
    assert!(
        midway < full && midway > after_one_notch(full) + 1e-6 * full,
        "midway {midway}, full {full}"
    );
    // After 0.25 s of clock (15 frames) it is done.
    harness.run_steps(12);
    let done = width_s(&harness);
    assert!(
        (done - after_one_notch(full)).abs() < 1e-6 * full,
        "after 0.25 s the view is {done} s wide, expected {} s",
        after_one_notch(full)
    );
}

/// A press and a release in the same frame (a quick click on a slow frame).
fn click_in_one_frame(harness: &mut Harness<'_, LiqmapApp>, pos: egui::Pos2) {
    let events = &mut harness.input_mut().events;
    events.push(egui::Event::PointerMoved(pos));
    for pressed in [true, false] {
        events.push(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    harness.step();
}

#[test]
fn a_double_click_over_two_slow_frames_resets_the_view_once_click_windows_follow_the_frame() {
    let frame_s = 0.5;
    let mut harness = viewer_at(frame_s as f32);
    settle(&mut harness);
    let full = width_s(&harness);
    let centre = chart_centre(&harness);
    let zoom_in = |harness: &mut Harness<'_, LiqmapApp>| {
        harness.hover_at(centre);
        harness.key_press(egui::Key::Plus);
        harness.step();
        assert!(width_s(harness) < full * 0.9, "the key zoomed in");
        // Long enough that the next clicks are not taken as part of an earlier one.
        harness.run_steps(4);
    };

    // egui's window: the two releases, one frame (0.5 s) apart, are too far apart.
    zoom_in(&mut harness);
    click_in_one_frame(&mut harness, centre);
    click_in_one_frame(&mut harness, centre);
    harness.step();
    assert!(
        width_s(&harness) < full * 0.9,
        "egui's 0.3 s window took it"
    );

    // Widened by the frame's duration, as the window does every frame.
    liqmap::ui::input_timing::widen_click_windows(&harness.ctx, frame_s);
    click_in_one_frame(&mut harness, centre);
    click_in_one_frame(&mut harness, centre);
    harness.step();
    assert!(
        (width_s(&harness) - full).abs() < 1e-6 * full,
        "the double-click showed everything: {} of {full}",
        width_s(&harness)
    );
}

#[test]
fn the_path_window_saves_the_dataset_where_typed() {
    let mut harness = viewer_at(0.25);
    settle(&mut harness);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("typed.json");

    harness.state_mut().send(Action::ShowPathWindow(Pick::Open));
    // A window is laid out unseen at its first frame.
    harness.run_steps(3);
    assert!(harness.state().state.path_window.open);
    // The purpose is chosen with the window's radio button.
    harness.get_by_label("save the dataset").click();
    harness.run_steps(2);
    assert_eq!(harness.state().state.path_window.pick, Pick::Save);
    // The path as the field sends it (the controls have text fields too).
    harness.state_mut().send(Action::SetPathWindow {
        pick: Pick::Save,
        text: saved.display().to_string(),
    });
    harness.run_steps(2);
    harness.get_by_label("Save").click();

    let deadline = Instant::now() + Duration::from_secs(30);
    while !saved.exists() || harness.state().is_busy() {
        assert!(Instant::now() < deadline, "nothing was saved");
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!harness.state().state.path_window.open, "the window closed");
    let shown = harness
        .state()
        .state
        .data
        .loaded
        .as_ref()
        .unwrap()
        .dataset
        .clone();
    assert_eq!(liqmap::dataset::load(&saved).unwrap(), *shown);
}

#[test]
fn a_snapshot_typed_in_the_path_window_is_written_and_a_missing_folder_is_refused() {
    let mut harness = viewer_at(0.25);
    settle(&mut harness);
    harness
        .state_mut()
        .send(Action::ShowPathWindow(Pick::Export));
    harness.state_mut().send(Action::SetPathWindow {
        pick: Pick::Export,
        text: "/nonexistent-folder/shot.png".into(),
    });
    // A window is laid out unseen at its first frame.
    harness.run_steps(3);
    harness.get_by_label("Export").click();
    harness.run_steps(2);
    assert!(
        harness.state().state.path_window.open,
        "the window stays open"
    );
    harness.get_by_label_contains("the folder /nonexistent-folder does not exist");

    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("shot.png");
    harness.state_mut().send(Action::SetPathWindow {
        pick: Pick::Export,
        text: shot.display().to_string(),
    });
    harness.run_steps(2);
    harness.get_by_label("Export").click();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !shot.exists() || harness.state().is_busy() {
        assert!(Instant::now() < deadline, "no snapshot was written");
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!harness.state().state.path_window.open);
    let header = std::fs::read(&shot).unwrap();
    assert_eq!(&header[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn opening_a_file_keeps_the_old_picture_until_the_new_one_is_complete() {
    let mut harness = viewer_at(0.25);
    settle(&mut harness);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/btcusdt-klines-takerbuy-15m-20251010-crash.csv");
    harness.state_mut().send(Action::Open(path));
    every_frame_is_whole_until_btc_shows(&mut harness);
}

#[test]
fn a_dataset_built_in_memory_also_keeps_the_old_picture_until_its_own_is_complete() {
    let mut harness = viewer_at(0.25);
    settle(&mut harness);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/btcusdt-klines-takerbuy-15m-20251010-crash.csv");
    let dataset = liqmap::dataset::load(&path).unwrap();
    harness.state_mut().show_dataset(dataset);
    every_frame_is_whole_until_btc_shows(&mut harness);
}

/// Steps frames from the request to open the BTC data until it shows: the progress shows at
/// once, and every frame has a dataset with its levels and its heatmap, the sample's until the
/// BTC data comes with its own.
fn every_frame_is_whole_until_btc_shows(harness: &mut Harness<'_, LiqmapApp>) {
    harness.step();
    assert!(
        harness.state().state.opening.is_some(),
        "the progress is shown"
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        harness.step();
        let state = &harness.state().state;
        let loaded = state
            .data
            .loaded
            .as_ref()
            .expect("a dataset is always shown");
        // Every frame shows a whole picture: the dataset with its levels and its heatmap.
        assert!(state.data.engine.is_some(), "a frame without levels");
        assert!(state.data.grid.is_some(), "a frame without a heatmap");
        if loaded.dataset.symbol == "BTCUSDT" {
            assert!(state.opening.is_none());
            // The grid arrived with the dataset: it covers the new data's time.
            let (start_ms, _) = loaded.dataset.time_range_ms().unwrap();
            let grid = state.data.grid.as_ref().unwrap();
            assert!(grid.request.start_ms <= start_ms && start_ms < grid.request.end_ms);
            break;
        }
        assert!(loaded.is_sample());
        assert!(Instant::now() < deadline, "the file was not shown");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        harness.state().state.errors.is_empty(),
        "{:?}",
        harness.state().state.errors
    );
}

#[test]
fn the_progress_says_which_stage_is_running() {
    let opening = Opening::new("year.json".into());
    opening.stage.set(Stage::ComputingLevels);
    let mut harness = Harness::new_ui(move |ui| {
        liqmap::ui::progress::progress_ui(ui.ctx(), &opening);
    });
    harness.run_steps(2);
    harness.get_by_label_contains("Opening year.json — computing liquidation levels");
}
