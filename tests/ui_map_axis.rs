//! The liquidation map's USD axis stays readable in a narrow panel: besides "0" it labels a
//! value of at least half the largest bar, and its labels do not overlap.

#![cfg(feature = "viewer")]

mod ui_support;

use egui_kittest::Harness;
use liqmap::source::SourceConfig;
use liqmap::ui::LiqmapApp;

/// The largest bar (USD per row) of the column the map shows: the clusters' bar.
fn largest_bar_usd(app: &LiqmapApp) -> f64 {
    let data = &app.state.data;
    let (bar, _) = data.clusters.as_ref().expect("clusters");
    let time_ms = data.engine.as_ref().expect("engine").bar_times_ms()[*bar];
    let column = data.column_at(time_ms as f64).expect("a column");
    let profile = data
        .column_profile(column, &app.state.settings.selection())
        .expect("a profile");
    profile
        .long_usd
        .iter()
        .chain(&profile.short_usd)
        .copied()
        .fold(0.0, f64::max)
}

/// Reads a tick label written the way `compact_usd` writes it ("0", "500k", "1.5M").
fn tick_value(text: &str) -> Option<f64> {
    let (number, scale) = match text.chars().last()? {
        'k' => (&text[..text.len() - 1], 1e3),
        'M' => (&text[..text.len() - 1], 1e6),
        'B' => (&text[..text.len() - 1], 1e9),
        _ => (text, 1.0),
    };
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    number.parse::<f64>().ok().map(|n| n * scale)
}

/// The painted texts of the last frame, with where they lie.
fn texts(output: &egui::FullOutput) -> Vec<(String, egui::Rect)> {
    fn walk(shape: &egui::Shape, out: &mut Vec<(String, egui::Rect)>) {
        match shape {
            egui::Shape::Text(text) => {
                out.push((text.galley.text().to_owned(), text.visual_bounding_rect()))
            }
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| walk(s, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for clipped in &output.shapes {
        walk(&clipped.shape, &mut out);
    }
    out
}

#[test]
fn the_usd_axis_is_labelled_beyond_zero_in_a_narrow_panel() {
    let mut harness = ui_support::harness(SourceConfig::default());
    ui_support::step_until(&mut harness, |a| a.is_settled());
    let mut app = harness.into_state();
    let largest = largest_bar_usd(app.as_ref().expect("app"));
    assert!(largest > 0.0, "the sample's map has bars");
    for width in [90.0, 120.0, 150.0, 180.0, 240.0, 400.0] {
        let mut map = Harness::builder()
            .with_size([width, 420.0])
            .allow_missing_glyphs()
            .build_ui_state(
                |ui, app: &mut ui_support::App| {
                    let app = app.as_ref().expect("app");
                    let prices = app.state.view.bounds().map(|b| (b.min[1], b.max[1]));
                    liqmap::ui::map_panel::map_ui(ui, &app.state, prices);
                },
                app,
            );
        map.run_steps(2);
        // Tick labels sit under the plot, below every bar: the lowest third of the panel.
        let ticks: Vec<(f64, egui::Rect)> = texts(map.output())
            .into_iter()
            .filter(|(_, rect)| rect.min.y > 280.0)
            .filter_map(|(text, rect)| tick_value(&text).map(|v| (v, rect)))
            .collect();
        let values: Vec<f64> = ticks.iter().map(|(v, _)| *v).collect();
        let top = values.iter().copied().fold(0.0, f64::max);
        assert!(
            top >= largest / 2.0,
            "at {width} px the axis labels {values:?}; the largest bar is {largest:.0} USD"
        );
        for (i, (_, a)) in ticks.iter().enumerate() {
            for (_, b) in &ticks[i + 1..] {
                assert!(
                    !a.intersects(*b),
                    "at {width} px tick labels overlap: {values:?}"
                );
            }
            assert!(
                a.min.x >= 0.0 && a.max.x <= width,
                "at {width} px a tick label leaves the panel: {values:?} at {:?}",
                ticks.iter().map(|(_, r)| r.x_range()).collect::<Vec<_>>()
            );
        }
        app = map.into_state();
    }
}
