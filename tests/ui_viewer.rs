//! The viewer driven through its real widgets with egui_kittest: it opens on the sample, tiers
//! toggle the layers it draws, colours change, the hover tooltip matches the engine, a broken
//! file leaves the data shown, and snapshots of the window, the liquidation map and the table.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use liqmap::engine::{ClusterParams, LayerSelection};
use liqmap::model::Side;
use liqmap::render::colors::{ColorMap, ScaleTop};
use liqmap::ui::settings::ViewerSettings;
use liqmap::ui::view::ViewBounds;
use liqmap::ui::{Action, LiqmapApp};

fn viewer(width: f32, height: f32) -> Harness<'static, LiqmapApp> {
    Harness::builder()
        .with_size([width, height])
        .with_theme(egui::Theme::Dark)
        .wgpu()
        .build_eframe(|cc| LiqmapApp::with_settings(&cc.egui_ctx, ViewerSettings::default(), None))
}

/// Steps frames until every background job is done and the picture is complete.
fn settle(harness: &mut Harness<'_, LiqmapApp>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        harness.step();
        if harness.state().is_settled() {
            // A few more frames so a grid asked for by the last frame is taken too.
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

/// The bounds the chart showed at the last frame.
fn bounds(app: &LiqmapApp) -> ViewBounds {
    app.state.view.bounds().expect("the chart was drawn")
}

/// The screen position of a time (ms) and price at the last frame.
fn pos(app: &LiqmapApp, time_ms: f64, price: f64) -> egui::Pos2 {
    let [x, y] = app
        .state
        .view
        .screen_pos(time_ms, price)
        .expect("the chart was drawn");
    egui::pos2(x, y)
}

/// The dataset the viewer shows.
fn shown(app: &LiqmapApp) -> std::sync::Arc<liqmap::model::Dataset> {
    std::sync::Arc::clone(&app.state.data.loaded.as_ref().expect("a dataset").dataset)
}

fn layer_total(app: &LiqmapApp, tier: usize) -> f64 {
    let grid = app.state.data.grid.as_ref().unwrap();
    grid.layer_keys
        .iter()
        .zip(&grid.layers)
        .filter(|((_, t), _)| *t == tier)
        .map(|(_, values)| values.iter().map(|&v| f64::from(v)).sum::<f64>())
        .sum()
}

#[test]
fn opens_on_the_sample_with_candles_and_heatmap() {
    let mut harness = viewer(1024.0, 640.0);
    settle(&mut harness);
    let app = harness.state();
    let loaded = app.state.data.loaded.as_ref().expect("a dataset");
    assert_eq!(loaded.dataset.symbol, "HYPEUSDT");
    assert!(loaded.is_sample(), "the bundled sample");
    assert!(
        app.state.data.composed.iter().any(|v| *v > 0.0),
        "the heatmap has standing notional"
    );
    assert!(app.state.errors.is_empty(), "{:?}", app.state.errors);
    // The texture is uploaded when the grid changes, not every frame.
    let uploads = app.texture_uploads;
    harness.run_steps(5);
    assert_eq!(harness.state().texture_uploads, uploads);
    harness.snapshot("viewer_sample");
}

#[test]
fn unticking_100x_removes_its_layer_and_ticking_restores_it() {
    let mut harness = viewer(1280.0, 800.0);
    settle(&mut harness);
    // Default weights 5:0.15, 10:0.30, 25:0.25, 50:0.20, 100:0.10 (they sum to 1).
    let shares = [0.15, 0.30, 0.25, 0.20, 0.10];
    let expected_total = |app: &LiqmapApp, shown: [bool; 5]| -> f64 {
        (0..5)
            .filter(|&tier| shown[tier])
            .map(|tier| shares[tier] * layer_total(app, tier))
            .sum()
    };
    let total = |app: &LiqmapApp| app.state.data.composed.iter().sum::<f64>();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs());
    let app = harness.state();
    assert!(close(total(app), expected_total(app, [true; 5])));
    assert!(layer_total(app, 4) > 0.0);

    harness.get_by_label("100x").click();
    settle(&mut harness);
    let app = harness.state();
    assert_eq!(
        app.state.settings.tier_enabled,
        vec![true, true, true, true, false]
    );
    let without = [true, true, true, true, false];
    assert!(
        close(total(app), expected_total(app, without)),
        "the drawn grid is the other four layers: {} vs {}",
        total(app),
        expected_total(app, without)
    );
    assert!(total(app) < expected_total(app, [true; 5]));

    harness.get_by_label("100x").click();
    settle(&mut harness);
    let app = harness.state();
    assert_eq!(app.state.settings.tier_enabled, vec![true; 5]);
    assert!(close(total(app), expected_total(app, [true; 5])));
}

#[test]
fn colour_map_and_fixed_scale_top_change_the_picture() {
    let mut harness = viewer(1280.0, 800.0);
    settle(&mut harness);
    let uploads = harness.state().texture_uploads;
    harness.get_by_label("fixed USD").click();
    settle(&mut harness);
    let app = harness.state();
    let ScaleTop::FixedUsd(top) = app.state.settings.colors.top else {
        panic!("the top is fixed now");
    };
    // The fixed top starts at the percentile top the picture had.
    assert!(top > 0.0 && (app.state.texture_top_usd - top).abs() < 1.0);
    assert!(app.texture_uploads > uploads);
    harness.get_by_label("colour map").click();
    harness.run_steps(2);
    harness.get_by_label("magma").click();
    settle(&mut harness);
    assert_eq!(harness.state().state.settings.colors.map, ColorMap::Magma);
    // Panning with a fixed top keeps the top where it is.
    harness.key_press(egui::Key::ArrowLeft);
    settle(&mut harness);
    assert_eq!(harness.state().state.texture_top_usd, top);
}

#[test]
fn hovering_a_cell_shows_the_engines_notional_there() {
    let mut harness = viewer(1280.0, 800.0);
    settle(&mut harness);
    let (bar, time_ms, price) = {
        let app = harness.state();
        let engine = app.state.data.engine.as_ref().unwrap();
        // A bar after the crash, and the price of its largest standing long level.
        let bar = engine.bar_count() - 200;
        let level = engine
            .standing_at(bar)
            .unwrap()
            .filter(|l| l.side == Side::Long)
            .max_by(|a, b| a.unit_notional_usd.total_cmp(&b.unit_notional_usd))
            .unwrap();
        let time_ms = engine.bar_times_ms()[bar] as f64 + engine.interval_ms() as f64 / 2.0;
        (bar, time_ms, level.price)
    };
    let pos = pos(harness.state(), time_ms, price);
    harness.hover_at(pos);
    // Past egui's tooltip delay, with every job the hover started done.
    harness.run_steps(60);
    settle(&mut harness);
    let app = harness.state();
    let cell = app
        .state
        .view
        .hovered_cell
        .clone()
        .expect("a cell under the pointer");
    // The column under the pointer shows the last bar opening before the column ends.
    assert!(
        (bar..=bar + 2).contains(&cell.bar),
        "bar {} for {bar}",
        cell.bar
    );
    assert!(cell.price_low <= price && price < cell.price_high);
    // The same cell summed straight from the engine's standing levels at that bar.
    let engine = app.state.data.engine.as_ref().unwrap();
    let selection: LayerSelection = app.state.settings.selection();
    let (mut long, mut short) = (0.0, 0.0);
    for level in engine.standing_at(cell.bar).unwrap() {
        if level.price >= cell.price_low && level.price < cell.price_high {
            let usd = level.unit_notional_usd * selection.weight(level.side, level.tier);
            match level.side {
                Side::Long => long += usd,
                Side::Short => short += usd,
            }
        }
    }
    assert!(long > 0.0);
    assert!(
        (cell.long_usd - long).abs() <= 1e-6 * long,
        "{} vs {long}",
        cell.long_usd
    );
    assert!((cell.short_usd - short).abs() <= 1e-6 * long.max(short));
    // The tooltip shows it.
    let label = format!("{} USD", liqmap::render::labels::compact_usd(cell.long_usd));
    assert!(
        harness.query_by_label_contains(&label).is_some(),
        "no tooltip line '{label}'"
    );
}

#[test]
fn a_broken_file_shows_an_error_and_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken-klines.json");
    std::fs::write(&broken, "[[1760054400000, \"45.1\", \"45.3\"").unwrap();
    let mut harness = viewer(1280.0, 800.0);
    settle(&mut harness);
    let input = || egui::accesskit::Role::TextInput;
    harness.get_by_role_and_label(input(), "File path").focus();
    harness.run_steps(1);
    harness
        .get_by_role_and_label(input(), "File path")
        .type_text(broken.to_str().unwrap());
    harness.run_steps(1);
    harness.run_steps(1);
    harness.get_by_label("Open path").click();
    harness.run_steps(1);
    let deadline = Instant::now() + Duration::from_secs(20);
    while harness.state().state.errors.is_empty() {
        assert!(
            Instant::now() < deadline,
            "no error shown; path typed: {:?}, shown {:?}, busy {}",
            harness.state().state.path_input,
            harness
                .state()
                .state
                .data
                .loaded
                .as_ref()
                .map(|l| l.path().cloned()),
            harness.state().is_busy()
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    harness.run_steps(2);
    let app = harness.state();
    assert!(
        app.state.errors[0]
            .to_string()
            .contains("broken-klines.json"),
        "{:?}",
        app.state.errors
    );
    assert_eq!(
        app.state.data.loaded.as_ref().unwrap().dataset.symbol,
        "HYPEUSDT"
    );
    assert!(app.state.data.loaded.as_ref().unwrap().is_sample());
    // The banner names the file in the window.
    assert!(
        harness
            .query_by_label_contains("broken-klines.json")
            .is_some()
    );
    harness.get_by_label("Dismiss").click();
    harness.run_steps(2);
    assert!(harness.state().state.errors.is_empty());
}

#[test]
fn snapshots_of_the_liquidation_map_and_the_cluster_table() {
    let mut harness = viewer(1280.0, 800.0);
    settle(&mut harness);
    let mut app = harness.into_state();
    let mut map = Harness::builder()
        .with_size([240.0, 420.0])
        .with_theme(egui::Theme::Dark)
        .wgpu()
        .build_ui_state(
            |ui, app: &mut LiqmapApp| {
                let prices = app.state.view.bounds().map(|b| (b.min[1], b.max[1]));
                liqmap::ui::map_panel::map_ui(ui, &app.state, prices);
            },
            app,
        );
    map.run_steps(2);
    let mut results = egui_kittest::SnapshotResults::new();
    results.add(map.try_snapshot("liquidation_map_panel"));
    app = map.into_state();
    let mut table = Harness::builder()
        .with_size([760.0, 230.0])
        .with_theme(egui::Theme::Dark)
        .wgpu()
        .build_ui_state(
            |ui, app: &mut LiqmapApp| {
                liqmap::ui::clusters_panel::clusters_ui(ui, &app.state, &mut Vec::new());
            },
            app,
        );
    table.run_steps(2);
    results.add(table.try_snapshot("cluster_table"));
    results.unwrap();
}

#[test]
fn keys_zoom_and_home_shows_everything() {
    let mut harness = viewer(1280.0, 800.0);
    settle(&mut harness);
    let full = bounds(harness.state());
    let centre = full.center();
    let pos = pos(harness.state(), centre[0] * 1000.0, centre[1]);
    harness.hover_at(pos);
    harness.step();
    harness.key_press(egui::Key::Plus);
    settle(&mut harness);
    let zoomed = bounds(harness.state());
    // + zooms in by 1.25 on both axes around the centre.
    assert!((zoomed.width() - full.width() / 1.25).abs() < 1e-6 * full.width());
    harness.key_press(egui::Key::Home);
    settle(&mut harness);
    let home = bounds(harness.state());
    assert!((home.width() - full.width()).abs() < 1e-6 * full.width());
}

/// Sends one wheel movement of `delta` points at the hovered position and lets egui's smoothing
/// hand all of it out before the viewer settles.
fn wheel(harness: &mut Harness<'_, LiqmapApp>, delta: egui::Vec2) {
    harness.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta,
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: egui::Modifiers::NONE,
    });
    for _ in 0..120 {
        harness.step();
    }
    settle(harness);
}

#[test]
fn the_wheel_zooms_around_the_pointer_and_a_sideways_wheel_pans_time() {
    let mut harness = viewer(1280.0, 800.0);
    settle(&mut harness);
    let full = bounds(harness.state());
    // A point away from the centre, so zooming around the centre would move it.
    let time_s = full.min()[0] + full.width() * 0.25;
    let price = full.min()[1] + full.height() * 0.7;
    let pos = pos(harness.state(), time_s * 1000.0, price);
    harness.hover_at(pos);
    harness.step();

    // 200 points of wheel towards the user double the scale on both axes.
    wheel(&mut harness, egui::vec2(0.0, 200.0));
    let zoomed = bounds(harness.state());
    assert!(
        (zoomed.width() - full.width() / 2.0).abs() < 1e-3 * full.width(),
        "width {} of {}",
        zoomed.width(),
        full.width()
    );
    assert!((zoomed.height() - full.height() / 2.0).abs() < 1e-3 * full.height());
    // The time and price under the pointer stay under it.
    let left_share = (time_s - zoomed.min()[0]) / zoomed.width();
    let low_share = (price - zoomed.min()[1]) / zoomed.height();
    assert!((left_share - 0.25).abs() < 1e-3, "time share {left_share}");
    assert!((low_share - 0.7).abs() < 1e-3, "price share {low_share}");

    // A sideways wheel of 128 points moves time by 128 points' worth and leaves price alone.
    let width_px = f64::from(harness.state().state.view.frame.unwrap().size_pt()[0]);
    wheel(&mut harness, egui::vec2(-128.0, 0.0));
    let panned = bounds(harness.state());
    let expected_shift_s = 128.0 * zoomed.width() / width_px;
    let shift_s = panned.min()[0] - zoomed.min()[0];
    assert!(
        (shift_s - expected_shift_s).abs() < 1e-3 * expected_shift_s,
        "moved {shift_s} s, expected {expected_shift_s} s"
    );
    assert!((panned.width() - zoomed.width()).abs() < 1e-6 * zoomed.width());
    assert_eq!(panned.min()[1], zoomed.min()[1]);
}

#[test]
fn a_live_update_moves_a_view_of_the_newest_bars_and_leaves_history_alone() {
    let mut harness = viewer(1280.0, 800.0);
    settle(&mut harness);
    let full = bounds(harness.state());
    let grown = |app: &LiqmapApp, bars: i64| {
        let mut dataset = shown(app).as_ref().clone();
        let last = *dataset.bars.last().unwrap();
        for i in 1..=bars {
            let mut bar = last;
            bar.open_time_ms += i * dataset.interval_ms;
            dataset.bars.push(bar);
        }
        dataset
    };
    let interval_s = shown(harness.state()).interval_ms as f64 / 1000.0;

    // The whole sample is shown, so its newest bar is in view: two new bars move the view by
    // two intervals, at the same zoom.
    let dataset = grown(harness.state(), 2);
    harness.state_mut().update_shown_dataset(dataset, true);
    settle(&mut harness);
    let followed = bounds(harness.state());
    assert!((followed.min()[0] - (full.min()[0] + 2.0 * interval_s)).abs() < 1e-3);
    assert!((followed.width() - full.width()).abs() < 1e-6 * full.width());

    // A view of older history (the first tenth of the data) stays put.
    let history = ViewBounds::from_min_max(
        [full.min()[0], followed.min()[1]],
        [full.min()[0] + full.width() / 10.0, followed.max()[1]],
    );
    harness.state_mut().send(Action::ShowBounds(history));
    settle(&mut harness);
    let before = bounds(harness.state());
    let dataset = grown(harness.state(), 1);
    harness.state_mut().update_shown_dataset(dataset, true);
    settle(&mut harness);
    let after = bounds(harness.state());
    assert_eq!(after.min()[0], before.min()[0]);
    assert_eq!(after.max()[0], before.max()[0]);
}

#[test]
fn the_prominence_slider_changes_what_counts_as_a_cluster() {
    let mut harness = viewer(1280.0, 1100.0);
    settle(&mut harness);
    let (bar, before) = harness.state().state.data.clusters.clone().unwrap();
    assert_eq!(
        harness.state().state.settings.clusters,
        ClusterParams::default()
    );

    // A click on the slider moves it to where it was clicked.
    harness
        .get_by_role_and_label(
            egui::accesskit::Role::Slider,
            liqmap::ui::controls::MIN_PROMINENCE_LABEL,
        )
        .click();
    settle(&mut harness);
    let app = harness.state();
    let params = app.state.settings.clusters;
    assert_ne!(params.min_prominence_share, 0.05);
    assert_eq!(params.band_share, 0.5);
    // The clusters shown are the engine's under the new threshold, at the same bar.
    let (shown_bar, shown) = app.state.data.clusters.clone().unwrap();
    assert_eq!(shown_bar, bar);
    let engine = app.state.data.engine.clone().unwrap();
    let expected = engine
        .clusters_at(
            bar,
            app.state.cluster_bin_usd(),
            &app.state.settings.selection(),
            &params,
        )
        .unwrap();
    assert_eq!(shown, expected);
    // A higher threshold keeps a subset of the peaks; a lower one adds peaks.
    if params.min_prominence_share > 0.05 {
        assert!(shown.len() <= before.len());
    } else {
        assert!(shown.len() >= before.len());
    }
}

/// Steps frames until `done` holds (and no job runs), or fails after a minute.
fn step_until(harness: &mut Harness<'_, LiqmapApp>, done: impl Fn(&LiqmapApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done(harness.state()) || harness.state().is_busy() {
        assert!(Instant::now() < deadline, "timed out");
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn export_snapshot_writes_the_window_and_its_clusters_and_save_as_keeps_the_data() {
    let mut harness = viewer(800.0, 600.0);
    settle(&mut harness);
    let dir = tempfile::tempdir().unwrap();
    let png_path = dir.path().join("shot.png");
    let csv_path = dir.path().join("shot.clusters.csv");
    harness
        .state_mut()
        .send(Action::ExportSnapshot(png_path.clone()));
    step_until(&mut harness, |_| png_path.exists() && csv_path.exists());

    // The PNG is the window as drawn: its size in pixels, and the same pixels as a render now.
    let bytes = std::fs::read(&png_path).unwrap();
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut rgb).unwrap();
    let rendered = harness.render().unwrap();
    assert_eq!(
        (frame.width, frame.height),
        (rendered.width(), rendered.height())
    );
    let pixels = (frame.width * frame.height) as usize;
    let same = rgb
        .chunks_exact(3)
        .zip(rendered.as_raw().chunks_exact(4))
        .filter(|(a, b)| a[..] == b[..3])
        .count();
    assert!(same * 100 >= pixels * 99, "{same} of {pixels} pixels agree");

    // The CSV lists the clusters shown, one row each, largest first.
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let (_, clusters) = harness.state().state.data.clusters.clone().unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), clusters.len());
    for (row, cluster) in rows.iter().zip(&clusters) {
        let notional: f64 = row.split(',').nth(5).unwrap().parse().unwrap();
        assert!((notional - cluster.notional_usd).abs() <= 1e-6 * cluster.notional_usd);
    }

    // Save dataset as: the file reads back as the dataset shown.
    let saved = dir.path().join("saved.json");
    harness.state_mut().send(Action::SaveAs(saved.clone()));
    step_until(&mut harness, |_| saved.exists());
    assert_eq!(
        liqmap::dataset::load(&saved).unwrap(),
        *shown(harness.state())
    );
}

#[test]
fn the_view_menu_switches_to_the_light_theme() {
    let mut harness = viewer(1280.0, 800.0);
    settle(&mut harness);
    assert_eq!(harness.ctx.theme(), egui::Theme::Dark);
    harness.get_by_label("View").click();
    for _ in 0..3 {
        harness.step();
    }
    harness.get_by_label("light").click();
    for _ in 0..3 {
        harness.step();
    }
    assert_eq!(harness.ctx.theme(), egui::Theme::Light);
}
