//! The viewer on a dataset without open interest (the BTCUSDT sample, volume mode): it says the
//! values are relative, and ticking "scale to USD" beside Open interest in the Model controls makes the
//! standing total at the last bar the figure shown, in USD (issue 11 item 7).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use liqmap::engine::ValueUnit;
use liqmap::model::Side;
use liqmap::ui::settings::ViewerSettings;
use liqmap::ui::{Action, LiqmapApp};

fn viewer() -> Harness<'static, LiqmapApp> {
    Harness::builder()
        .with_size([1400.0, 1100.0])
        .with_theme(egui::Theme::Dark)
        .wgpu()
        .build_eframe(|cc| LiqmapApp::with_settings(&cc.egui_ctx, ViewerSettings::default(), None))
}

fn step_until(harness: &mut Harness<'_, LiqmapApp>, done: impl Fn(&LiqmapApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !(done(harness.state()) && harness.state().is_settled()) {
        assert!(Instant::now() < deadline, "timed out");
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    harness.step();
}

fn unit(app: &LiqmapApp) -> Option<ValueUnit> {
    app.state.data.engine.as_ref().map(|e| e.value_unit())
}

#[test]
fn ticking_scale_to_open_interest_turns_relative_values_into_usd() {
    let mut harness = viewer();
    let btc = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/btcusdt-5m.json");
    harness.state_mut().send(Action::Open(btc));
    step_until(&mut harness, |app| {
        app.state
            .data
            .loaded
            .as_ref()
            .is_some_and(|l| l.dataset.symbol == "BTCUSDT")
            && unit(app) == Some(ValueUnit::Relative)
    });
    // The controls say what the values are, and the clusters table heads its sizes "rel.".
    harness.get_by_label_contains("values are relative, not USD");
    assert!(harness.query_all_by_label("rel.").count() >= 1);

    harness.get_by_label("scale to USD").click();
    step_until(&mut harness, |app| {
        matches!(unit(app), Some(ValueUnit::ScaledToOpenInterest(_)))
    });
    let app = harness.state();
    let Some(ValueUnit::ScaledToOpenInterest(anchor)) = unit(app) else {
        unreachable!("waited for it above")
    };
    assert_eq!(app.state.settings.model.oi_anchor_usd, Some(anchor.oi_usd));
    // The standing total at the last bar is the figure, whatever the tiers shown.
    let engine = app.state.data.engine.clone().expect("engine");
    let last = engine.bar_count() - 1;
    let map = engine
        .map_at(last, 100.0, &engine.default_selection())
        .expect("map");
    let total = map.total_usd(Side::Long) + map.total_usd(Side::Short);
    assert!(
        (total - anchor.oi_usd).abs() <= 1e-6 * anchor.oi_usd,
        "{total}"
    );
    harness.get_by_label_contains("scaled so the standing total at the last bar equals");
    assert_eq!(harness.query_all_by_label("rel.").count(), 0);
}
