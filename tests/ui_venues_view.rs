//! A coin view in the viewer beyond the toggles (driven with egui_kittest, no rendering): the
//! Score panel and the liquidation bars under the chart sum the ticked venues, a coin view saved
//! with File ▸ Save view as… reopens the same, Live says why it is off when no venue was
//! fetched, and the paths where nothing can be shown keep the old view: a coin fetch where every
//! venue fails, and a view file naming a missing dataset.
//!
//! As in `ui_venues.rs`, the bundled HYPEUSDT sample (real Binance data) stands in for two
//! venues, once as it is and once relabelled: with the same data on both, the summed map is the
//! single map times the sum of the weights, which fixes the expected figures by hand.

#[path = "source_support/mod.rs"]
mod support;
#[path = "ui_support/mod.rs"]
mod ui_support;

use std::sync::Arc;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use liqmap::engine::Engine;
use liqmap::engine::score::{self, liquidations_per_bar};
use liqmap::engine::venues::VenueSettings;
use liqmap::model::Dataset;
use liqmap::source::SourceConfig;
use liqmap::source::coin_fetch::CoinRequest;
use liqmap::ui::state::ScoreOutcome;
use liqmap::ui::{Action, LiqmapApp};
use support::*;
use ui_support::*;
use wiremock::MockServer;

fn relabelled() -> Dataset {
    let mut second = sample();
    second.exchange = "second-venue".into();
    second
}

/// A harness showing the sample as two venues from memory (as a coin fetch leaves them).
fn two_venues(config: SourceConfig) -> Harness<'static, App> {
    let mut harness = harness(config);
    step_until(&mut harness, |a| {
        a.state.data.engine.is_some() && !a.is_busy()
    });
    app(&mut harness).send(Action::ShowVenues(vec![
        Arc::new(sample()),
        Arc::new(relabelled()),
    ]));
    step_until(&mut harness, venues_settled);
    harness
}

/// The coin view of [`two_venues`] is still shown, with the reference dataset `shown`.
#[track_caller]
fn assert_still_shown(app: &LiqmapApp, shown: &Arc<Dataset>) {
    let view = app.state.data.venues.as_ref().unwrap();
    assert_eq!(view.venues.names(), ["binance-usdm", "second-venue"]);
    assert!(Arc::ptr_eq(
        &app.state.data.loaded.as_ref().unwrap().dataset,
        shown
    ));
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn the_bars_and_the_score_of_a_coin_view_sum_the_ticked_venues() {
    let mut harness = two_venues(SourceConfig::default());
    // The bars under the chart: the levels dying on both venues, twice the single venue's.
    let model = app(&mut harness).state.settings.model.clone();
    let selection = app(&mut harness).state.settings.selection();
    let engine = Engine::new(&sample(), &model).unwrap();
    let single = liquidations_per_bar(&engine, &sample(), &selection);
    let predicted = |bars: &[score::BarLiquidations]| -> Vec<f64> {
        bars.iter()
            .map(|b| b.predicted_usd[0] + b.predicted_usd[1])
            .collect()
    };
    let series_of = |a: &LiqmapApp| a.state.liquidation_bars.series.clone();
    step_until(&mut harness, |a| series_of(a).is_some() && !a.is_busy());
    let twice = series_of(harness.state().as_ref().unwrap()).unwrap();
    let single_usd = predicted(&single);
    assert!(
        single_usd.iter().sum::<f64>() > 0.0,
        "levels die in the sample"
    );
    for (two, one) in predicted(&twice.to_dense()).iter().zip(&single_usd) {
        assert!(close(*two, 2.0 * one), "{two} against 2 × {one}");
    }
    // Unticking the second venue asks for the bars again: the single venue's.
    app(&mut harness).send(Action::SetVenue {
        venue: 1,
        settings: VenueSettings {
            enabled: false,
            weight: 1.0,
        },
    });
    step_until(&mut harness, |a| {
        venues_settled(a) && series_of(a).is_some_and(|s| !Arc::ptr_eq(&s, &twice))
    });
    let once = series_of(harness.state().as_ref().unwrap()).unwrap();
    for (a, b) in predicted(&once.to_dense()).iter().zip(&single_usd) {
        assert!(close(*a, *b), "{a} against {b}");
    }

    // The Score panel scores the summed map: both venues ticked again, the counts are the single
    // venue's (the clusters of the doubled map are the same bands), the settings line names the
    // venues, and the panel says what it scores.
    app(&mut harness).send(Action::SetVenue {
        venue: 1,
        settings: VenueSettings {
            enabled: true,
            weight: 1.0,
        },
    });
    app(&mut harness).send(Action::SetScoreOpen(true));
    step_until(&mut harness, venues_settled);
    app(&mut harness).send(Action::Score);
    step_until(&mut harness, |a| {
        a.state.score.outcome.is_some() && !a.state.score.busy
    });
    let app_ = harness.state().as_ref().unwrap();
    let (key, outcome) = app_.state.score.outcome.as_ref().unwrap();
    assert_eq!(key.venue_weights, [1.0, 1.0]);
    let ScoreOutcome::Scored(report) = outcome else {
        panic!("{outcome:?}");
    };
    assert!(
        report
            .settings
            .contains("summed over binance-usdm, second-venue; candles of binance-usdm"),
        "{}",
        report.settings
    );
    let params = report.params;
    let alone = score::score(&engine, &sample(), &key.selection, &params).unwrap();
    let counts = |r: &score::ScoreReport| {
        let f = &r.reach_score.figures;
        (
            f.reach.hits,
            f.reach.total,
            f.matched.reach.total,
            f.matched.control_reach.hits,
        )
    };
    assert!(alone.reach_score.figures.reach.total > 0);
    assert_eq!(counts(report), counts(&alone));
    // Said in the Score panel and in the Venues group.
    assert_eq!(
        harness
            .query_all_by_label_contains(
                "Score and liquidation bars: the map summed over binance-usdm, second-venue"
            )
            .count(),
        2
    );
}

#[test]
fn a_coin_view_saved_from_the_viewer_reopens_with_the_same_venues_weights_and_totals() {
    let mut harness = two_venues(SourceConfig::default());
    app(&mut harness).send(Action::SetVenue {
        venue: 1,
        settings: VenueSettings {
            enabled: true,
            weight: 0.5,
        },
    });
    app(&mut harness).send(Action::SetReferenceVenue(1));
    step_until(&mut harness, |a| {
        venues_settled(a) && a.state.data.venues.as_ref().unwrap().venues.reference() == 1
    });
    let total_before: f64 = app(&mut harness).state.data.composed.iter().sum();
    assert!(total_before > 0.0);

    // Where no dialog can open, the path window names the file: a folder gets coin.view.json.
    let dir = tempfile::tempdir().unwrap();
    let view_path = dir.path().join("coin.view.json");
    let pick = liqmap::ui::action::Pick::SaveView;
    app(&mut harness).send(Action::ShowPathWindow(pick));
    app(&mut harness).send(Action::SetPathWindow {
        pick,
        text: format!("{}/", dir.path().display()),
    });
    app(&mut harness).send(Action::SubmitPath);
    step_until(&mut harness, |a| a.state.status.starts_with("saved view"));
    let status = app(&mut harness).state.status.clone();
    assert!(status.contains("2 datasets written beside it"), "{status}");
    // The datasets fetched (only in memory) were saved beside the view, and the view names them.
    for name in ["coin-binance-usdm.json", "coin-second-venue.json"] {
        let saved = liqmap::dataset::load(&dir.path().join(name)).unwrap();
        assert_eq!(saved.bars, sample().bars, "{name}");
    }
    let view = liqmap::dataset::view::load_view(&view_path).unwrap();
    assert_eq!(view.reference, Some(1));
    assert_eq!(view.datasets[1].weight, 0.5);
    assert!(view.datasets.iter().all(|e| e.enabled));
    // The view shown now names its files.
    let paths = app(&mut harness)
        .state
        .data
        .venues
        .as_ref()
        .unwrap()
        .paths
        .clone();
    assert_eq!(
        paths,
        [
            dir.path().join("coin-binance-usdm.json"),
            dir.path().join("coin-second-venue.json")
        ]
    );

    // Saved again elsewhere, the view names those files and writes no dataset.
    let elsewhere = tempfile::tempdir().unwrap();
    let second_view = elsewhere.path().join("again.view.json");
    app(&mut harness).send(Action::SaveViewAs(second_view.clone()));
    step_until(&mut harness, |a| a.state.status.contains("again.view.json"));
    let status = app(&mut harness).state.status.clone();
    assert!(
        status.contains("(0 datasets written beside it)"),
        "{status}"
    );
    let again = liqmap::dataset::view::load_view(&second_view).unwrap();
    let named: Vec<_> = again.datasets.iter().map(|e| e.path.clone()).collect();
    assert_eq!(named, paths);

    // Open the sample alone, then the view: the same venues, weights, reference and totals.
    app(&mut harness).send(Action::Open(sample_path()));
    step_until(&mut harness, |a| {
        a.state.data.venues.is_none() && a.state.data.grid.is_some() && !a.is_busy()
    });
    app(&mut harness).send(Action::Open(view_path));
    step_until(&mut harness, venues_settled);
    let app_ = harness.state().as_ref().unwrap();
    let shown = app_.state.data.venues.as_ref().unwrap();
    assert_eq!(shown.venues.names(), ["binance-usdm", "second-venue"]);
    assert_eq!(shown.venues.settings(1).unwrap().weight, 0.5);
    assert_eq!(shown.venues.reference(), 1);
    let total_after: f64 = app_.state.data.composed.iter().sum();
    assert!(
        close(total_after, total_before),
        "{total_after} against {total_before}"
    );
}

#[test]
fn save_view_with_one_dataset_shown_says_there_is_no_coin_view() {
    let mut harness = harness(SourceConfig::default());
    step_until(&mut harness, |a| {
        a.state.data.engine.is_some() && !a.is_busy()
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("coin.view.json");
    app(&mut harness).send(Action::SaveViewAs(path.clone()));
    harness.run_steps(3);
    let errors: Vec<String> = app(&mut harness)
        .state
        .errors
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("no coin view to save"), "{errors:?}");
    assert!(!path.exists());
}

#[test]
fn live_is_refused_in_a_coin_view_with_no_fetched_venue_with_the_reason() {
    // Both venues come from memory, as files would: none has an exchange to follow (a coin
    // view that was fetched goes live, see ui_venues_live.rs).
    let mut harness = two_venues(SourceConfig::default());
    assert!(!app(&mut harness).state.can_go_live());
    app(&mut harness).send(Action::Live(true));
    harness.run_steps(3);
    let app_ = harness.state().as_ref().unwrap();
    assert!(app_.state.remote.live.is_none());
    let errors: Vec<String> = app_.state.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("no venue of this coin view was fetched from an exchange"),
        "{errors:?}"
    );
}

#[test]
fn a_coin_fetch_where_every_venue_fails_keeps_the_coin_view_and_says_so() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    // Nothing is mounted: every venue's every request is answered 404.
    let server = rt.block_on(MockServer::start());
    let mut harness = two_venues(config(&server.uri(), HYPE_NOW_MS));
    let shown = Arc::clone(
        &app(&mut harness)
            .state
            .data
            .loaded
            .as_ref()
            .unwrap()
            .dataset,
    );
    app(&mut harness).send(Action::FetchCoin(CoinRequest {
        coin: "HYPE".into(),
        interval_ms: FIVE_MIN_MS,
        start_ms: HYPE_START_MS,
        end_ms: HYPE_START_MS + 288 * FIVE_MIN_MS,
    }));
    step_until(&mut harness, |a| a.state.coin_fetch.running.is_some());
    step_until(&mut harness, |a| {
        a.state.coin_fetch.running.is_none() && !a.is_busy()
    });
    let app_ = harness.state().as_ref().unwrap();
    assert_eq!(
        app_.state.status,
        "no venue delivered HYPE; the data shown is unchanged"
    );
    // Each venue is named in the banner.
    let banner: Vec<String> = app_.state.errors.iter().map(|e| e.to_string()).collect();
    for venue in ["Binance USD-M", "Bybit", "OKX", "Hyperliquid"] {
        assert!(
            banner.iter().any(|e| e.starts_with(venue)),
            "{venue}: {banner:?}"
        );
    }
    assert_still_shown(app_, &shown);
    assert!(!rt.block_on(server.received_requests()).unwrap().is_empty());
}

#[test]
fn a_view_naming_a_missing_dataset_is_refused_by_name_and_the_view_stays() {
    let mut harness = two_venues(SourceConfig::default());
    let shown = Arc::clone(
        &app(&mut harness)
            .state
            .data
            .loaded
            .as_ref()
            .unwrap()
            .dataset,
    );
    let dir = tempfile::tempdir().unwrap();
    let view_path = dir.path().join("broken.view.json");
    std::fs::write(
        &view_path,
        serde_json::json!({
            "format": "liqmap-view",
            "version": 1,
            "datasets": [{"path": sample_path()}, {"path": "missing.json"}]
        })
        .to_string(),
    )
    .unwrap();
    app(&mut harness).send(Action::Open(view_path));
    step_until(&mut harness, |a| !a.state.errors.is_empty() && !a.is_busy());
    let app_ = harness.state().as_ref().unwrap();
    let errors: Vec<String> = app_.state.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains(&dir.path().join("missing.json").display().to_string()),
        "{errors:?}"
    );
    assert_still_shown(app_, &shown);
}
