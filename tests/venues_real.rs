//! Several venues summed on real data, against the single-venue engine run on each dataset.
//!
//! There is no real recording of one coin on two venues in the repository, so two real Binance
//! recordings stand in for two venues: `assets/sample.json` (HYPEUSDT, with open interest) and
//! `assets/btcusdt-5m.json` (BTCUSDT, no open interest), relabelled as two venues. Their prices
//! are far apart, which is fine for the property checked: the sum of two maps is the sum of two
//! maps, row by row. It also mixes an open-interest venue with a volume venue.

use std::path::Path;

use liqmap::dataset;
use liqmap::engine::venues::{VenueGrids, Venues};
use liqmap::engine::{ClusterParams, Engine, GridRequest};
use liqmap::model::{Dataset, Side};
use liqmap::settings::ModelSettings;

fn load(name: &str) -> Dataset {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets")
        .join(name);
    dataset::load(&path).expect("the bundled dataset loads")
}

fn two_venues() -> (Dataset, Dataset) {
    let hype = load("sample.json");
    let mut btc = load("btcusdt-5m.json");
    btc.exchange = "second-venue".into();
    (hype, btc)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn summed_map_is_the_sum_of_the_single_venue_maps_row_by_row() {
    let (hype, btc) = two_venues();
    let settings = ModelSettings::default();
    let venues = Venues::new(vec![hype.clone(), btc.clone()], &settings).expect("venues");
    // HYPE has open interest, BTC none: the reference is HYPE and the mix is stated.
    assert_eq!(venues.reference(), 0);
    let mix = venues.mode_mix();
    assert!(mix.is_mixed(), "{mix:?}");
    assert_eq!(mix.volume, vec!["second-venue"]);

    let single_hype = Engine::new(&hype, &settings).expect("hype");
    let single_btc = Engine::new(&btc, &settings).expect("btc");
    let selection = single_hype.default_selection();
    // The common range is HYPE's four days (BTC covers them); 2025-10-10 21:20 is the crash bar.
    let (start, end) = venues.common_range_ms().expect("common");
    assert_eq!((start, end), hype.time_range_ms().expect("hype range"));
    for time_ms in [1_760_131_200_000, end - 1] {
        let hype_bar = hype.bar_at_or_before(time_ms).expect("hype bar");
        let btc_bar = btc.bar_at_or_before(time_ms).expect("btc bar");
        let bin = 1.0;
        let a = single_hype.map_at(hype_bar, bin, &selection).expect("a");
        let b = single_btc.map_at(btc_bar, bin, &selection).expect("b");
        let sum = venues.map_at(time_ms, bin, &selection).expect("sum");
        let mut expected: std::collections::BTreeMap<i64, (f64, f64)> = Default::default();
        for row in a.non_empty_rows().chain(b.non_empty_rows()) {
            let slot = expected.entry(row.index).or_default();
            slot.0 += row.long_usd;
            slot.1 += row.short_usd;
        }
        let got: Vec<_> = sum.total.non_empty_rows().collect();
        assert_eq!(got.len(), expected.len());
        for (row, (index, (long, short))) in got.iter().zip(&expected) {
            assert_eq!(row.index, *index);
            assert!(close(row.long_usd, *long) && close(row.short_usd, *short));
            // Each venue's part is its single-venue row, and the shares add up.
            let shares = sum.row_shares(row.index, None);
            assert!(close(shares.iter().sum(), 1.0));
        }
        for row in a.non_empty_rows() {
            assert_eq!(sum.venue_row_usd(0, row.index, Side::Long), row.long_usd);
            assert_eq!(sum.venue_row_usd(0, row.index, Side::Short), row.short_usd);
        }
    }
}

#[test]
fn summed_grid_is_the_sum_of_the_single_venue_grids_and_toggling_does_not_recompute() {
    let (hype, btc) = two_venues();
    let settings = ModelSettings::default();
    let mut venues = Venues::new(vec![hype.clone(), btc.clone()], &settings).expect("venues");
    let (start_ms, end_ms) = venues.common_range_ms().expect("common");
    // One window holding both coins' prices: 10 to 140,000 USD in 700 rows of 200 USD.
    let request = GridRequest {
        start_ms,
        end_ms,
        columns: 300,
        price_low: 0.0,
        price_high: 140_000.0,
        rows: 700,
    };
    let selection = venues.engine(0).expect("hype").default_selection();
    let mut grids = VenueGrids::build(&venues, &request, &selection).expect("grids");
    let a = Engine::new(&hype, &settings).expect("hype");
    let b = Engine::new(&btc, &settings).expect("btc");
    let ga = a.grid(&request).expect("a").compose(&selection);
    let gb = b.grid(&request).expect("b").compose(&selection);
    for ((t, x), y) in grids.total().iter().zip(&ga).zip(&gb) {
        assert!(close(*t, x + y));
    }
    venues.set_enabled(0, false).expect("toggle");
    grids.resum(&venues);
    assert_eq!(grids.total(), gb.as_slice());
    assert_eq!((venues.engine_runs(), grids.grid_builds()), (2, 2));

    // Clusters of the summed map carry venue shares adding up to 1.
    venues.set_enabled(0, true).expect("toggle back");
    let (_, clusters) = venues
        .clusters_at(end_ms - 1, 1.0, &selection, &ClusterParams::default())
        .expect("clusters");
    assert!(!clusters.is_empty());
    for c in &clusters {
        assert!(
            close(c.venue_share.iter().sum(), 1.0),
            "{:?}",
            c.venue_share
        );
    }
}
