//! Several venues summed, on small cases worked out by hand from the model's rules: the summed map
//! and grid, venue shares, toggling and weighting a venue, a coarser interval, the common range,
//! the reference venue and the basis.

use liqmap::engine::venues::{VenueGrids, VenueSettings, Venues, VenuesError};
use liqmap::engine::{ClusterParams, Engine, GridRequest};
use liqmap::model::{Bar, Dataset, Side};
use liqmap::settings::{LeverageTier, ModelSettings, SourceChoice, SplitChoice, TierList};

const MIN: i64 = 60_000;

fn bar(time_ms: i64, high: f64, low: f64, close: f64, volume: f64) -> Bar {
    Bar {
        open_time_ms: time_ms,
        open: close,
        high,
        low,
        close,
        volume,
        taker_buy_volume: None,
        quote_volume: None,
    }
}

fn dataset(exchange: &str, interval_ms: i64, bars: Vec<Bar>) -> Dataset {
    Dataset {
        exchange: exchange.into(),
        symbol: "TESTUSDT".into(),
        interval_ms,
        bars,
        open_interest: Vec::new(),
        liquidations: Vec::new(),
    }
}

/// One 10x tier, no maintenance margin, volume mode, half long: a bar of typical price E and
/// volume V opens V E / 2 USD of longs at 0.9 E and as much of shorts at 1.1 E.
fn ten_x() -> ModelSettings {
    ModelSettings {
        source: SourceChoice::Volume,
        split: SplitChoice::Fixed(0.5),
        tiers: TierList(vec![LeverageTier {
            leverage: 10.0,
            weight: 1.0,
        }]),
        mmr: 0.0,
        ..ModelSettings::default()
    }
}

/// Venue A, 1-minute bars: bar 0 flat at 100, volume 2 (100 USD long at 90, 100 short at 110);
/// bar 1 typical 100, volume 1 (50 and 50 more); bar 2 high 111 kills every short.
fn venue_a() -> Dataset {
    dataset(
        "venue-a",
        MIN,
        vec![
            bar(0, 100.0, 100.0, 100.0, 2.0),
            bar(MIN, 105.0, 95.0, 100.0, 1.0),
            bar(2 * MIN, 111.0, 99.0, 105.0, 0.0),
        ],
    )
}

/// Venue B, 2-minute bars: bar 0 (0-2 min) flat at 100, volume 4 (200 USD long at 90, 200 short
/// at 110); bar 1 (2-4 min) flat at 120, volume 1 (60 long at 108, 60 short at 132), and its high
/// 120 kills B's shorts at 110.
fn venue_b() -> Dataset {
    dataset(
        "venue-b",
        2 * MIN,
        vec![
            bar(0, 100.0, 100.0, 100.0, 4.0),
            bar(2 * MIN, 120.0, 120.0, 120.0, 1.0),
        ],
    )
}

fn venues() -> Venues {
    Venues::new(vec![venue_a(), venue_b()], &ten_x()).expect("two venues")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// (row index, long, short) of every non-empty row of the summed map.
fn rows(venues: &Venues, time_ms: i64) -> Vec<(i64, f64, f64)> {
    let engine = venues.engine(0).expect("venue 0");
    let map = venues
        .map_at(time_ms, 1.0, &engine.default_selection())
        .expect("map");
    map.total
        .non_empty_rows()
        .map(|r| (r.index, r.long_usd, r.short_usd))
        .collect()
}

fn assert_rows(got: &[(i64, f64, f64)], expected: &[(i64, f64, f64)]) {
    assert_eq!(got.len(), expected.len(), "{got:?} vs {expected:?}");
    for (g, e) in got.iter().zip(expected) {
        assert!(
            g.0 == e.0 && close(g.1, e.1) && close(g.2, e.2),
            "{got:?} vs {expected:?}"
        );
    }
}

#[test]
fn summed_map_by_hand_with_a_coarser_venue() {
    let venues = venues();
    // At 1 min: A has 150 long at 90 and 150 short at 110; B's bar 0 (0-2 min) has 200 and 200.
    assert_rows(&rows(&venues, MIN), &[(90, 350.0, 0.0), (110, 0.0, 350.0)]);
    // At 2 min: A's shorts died; B's bar 1 killed B's shorts and opened 60 at 108 and 60 at 132.
    assert_rows(
        &rows(&venues, 2 * MIN),
        &[(90, 350.0, 0.0), (108, 60.0, 0.0), (132, 0.0, 60.0)],
    );
    // `last` is the end of the common range (A ends at 3 min) minus 1 ms: the same bars.
    assert_eq!(venues.common_range_ms(), Some((0, 3 * MIN)));
    assert_eq!(venues.union_range_ms(), Some((0, 4 * MIN)));
    assert_eq!(venues.last_common_time_ms(), Some(3 * MIN - 1));
    assert_eq!(venues.bars_at(3 * MIN - 1), vec![Some(2), Some(1)]);
    // The bar covering 1 min on B is its bar 0, opened at 0: levels are placed by bar open time.
    assert_eq!(venues.bars_at(MIN), vec![Some(1), Some(0)]);
}

#[test]
fn venue_shares_add_up_to_the_cell() {
    let venues = venues();
    let selection = venues.engine(0).expect("venue").default_selection();
    let map = venues.map_at(MIN, 1.0, &selection).expect("map");
    // Row 90: A 150 of 350, B 200 of 350.
    let shares = map.row_shares(90, Some(Side::Long));
    assert!(close(shares[0], 150.0 / 350.0) && close(shares[1], 200.0 / 350.0));
    assert!(close(shares.iter().sum(), 1.0));
    assert_eq!(map.venue_row_usd(1, 110, Side::Short), 200.0);
    // An empty row has no shares rather than NaN.
    assert_eq!(map.row_shares(100, None), vec![0.0, 0.0]);
}

#[test]
fn clusters_of_the_summed_map_with_venue_shares_by_hand() {
    let venues = venues();
    let selection = venues.engine(0).expect("venue").default_selection();
    let params = ClusterParams::default();
    let (_, clusters) = venues
        .clusters_at(2 * MIN, 1.0, &selection, &params)
        .expect("clusters");
    // Long profile: 350 at row 90, 60 at row 108 (prominence 60 >= 5% of 350); shorts: 60 at 132.
    assert_eq!(clusters.len(), 3);
    let first = &clusters[0];
    assert_eq!(first.cluster.side, Side::Long);
    assert_eq!(
        (first.cluster.price_low, first.cluster.price_high),
        (90.0, 91.0)
    );
    assert!(close(first.cluster.notional_usd, 350.0));
    assert!(close(first.venue_share[0], 150.0 / 350.0));
    assert!(close(first.venue_share[1], 200.0 / 350.0));
    for c in &clusters[1..] {
        assert!(close(c.cluster.notional_usd, 60.0));
        // Only B holds the levels at 108 and 132.
        assert_eq!(c.venue_share, vec![0.0, 1.0]);
    }
}

#[test]
fn toggling_or_weighting_a_venue_re_sums_without_running_an_engine() {
    let mut venues = venues();
    let selection = venues.engine(0).expect("venue").default_selection();
    // Columns of one minute from 0 to 4 min; rows of 1 USD from 80 to 140.
    let request = GridRequest {
        start_ms: 0,
        end_ms: 4 * MIN,
        columns: 4,
        price_low: 80.0,
        price_high: 140.0,
        rows: 60,
    };
    let mut grids = VenueGrids::build(&venues, &request, &selection).expect("grids");
    let cell = |grids: &VenueGrids, price: usize, col: usize| grids.total()[(price - 80) * 4 + col];
    assert_eq!((venues.engine_runs(), grids.grid_builds()), (2, 2));
    // Column 1 (1-2 min): 350 long at 90. Column 3 (3-4 min): A has no bar there, B holds 200.
    assert!(close(cell(&grids, 90, 1), 350.0));
    assert!(close(cell(&grids, 90, 3), 200.0));
    assert!(close(cell(&grids, 108, 3), 60.0));
    let (total, shares) = grids.cell_shares(10, 1);
    assert!(close(total, 350.0) && close(shares.iter().sum(), 1.0));

    venues.set_enabled(1, false).expect("toggle");
    grids.resum(&venues);
    assert!(close(cell(&grids, 90, 1), 150.0));
    assert_eq!(cell(&grids, 108, 3), 0.0);
    assert_rows(&rows(&venues, MIN), &[(90, 150.0, 0.0), (110, 0.0, 150.0)]);

    venues
        .set_settings(
            1,
            VenueSettings {
                enabled: true,
                weight: 0.5,
            },
        )
        .expect("weight");
    grids.resum(&venues);
    assert!(close(cell(&grids, 90, 1), 250.0));
    assert_rows(&rows(&venues, MIN), &[(90, 250.0, 0.0), (110, 0.0, 250.0)]);
    // Neither an engine nor a grid ran again.
    assert_eq!((venues.engine_runs(), grids.grid_builds()), (2, 2));
    let nan = VenueSettings {
        enabled: true,
        weight: f64::NAN,
    };
    assert!(matches!(
        venues.set_settings(0, nan),
        Err(VenuesError::BadWeight(_))
    ));
}

#[test]
fn summed_grid_equals_each_single_venue_grid_added() {
    let venues = venues();
    let settings = ten_x();
    let request = GridRequest {
        start_ms: 0,
        end_ms: 4 * MIN,
        columns: 8,
        price_low: 80.0,
        price_high: 140.0,
        rows: 30,
    };
    let selection = venues.engine(0).expect("venue").default_selection();
    let grids = VenueGrids::build(&venues, &request, &selection).expect("grids");
    let a = Engine::new(&venue_a(), &settings).expect("a");
    let b = Engine::new(&venue_b(), &settings).expect("b");
    let ga = a.grid(&request).expect("grid a").compose(&selection);
    let gb = b.grid(&request).expect("grid b").compose(&selection);
    for ((t, x), y) in grids.total().iter().zip(&ga).zip(&gb) {
        assert!(close(*t, x + y));
    }
    assert!(grids.total().iter().any(|v| *v > 0.0));
}

#[test]
fn reference_is_the_largest_and_basis_is_against_it() {
    let venues = venues();
    // Neither has open interest: B traded 4 x 100 + 1 x 120 = 520 USD, A 2 x 100 + 1 x 100 = 300.
    assert_eq!(venues.reference(), 1);
    let basis = venues.basis_at(2 * MIN);
    // A closes at 105, B at 120: (105 - 120) / 120 = -12.5 %.
    assert!(close(basis[0].basis_pct.expect("a basis"), -12.5));
    assert_eq!(basis[1].basis_pct, Some(0.0));
    let mix = venues.mode_mix();
    assert_eq!(mix.volume, vec!["venue-a", "venue-b"]);
    assert!(!mix.is_mixed());
}

#[test]
fn venues_without_a_common_range_or_with_a_missing_bar_are_named() {
    let late = dataset("late", MIN, vec![bar(10 * MIN, 100.0, 100.0, 100.0, 1.0)]);
    let err = Venues::new(vec![venue_a(), late], &ten_x()).expect_err("no overlap");
    assert!(err.to_string().contains("share no time range"), "{err}");
    let mut venues = venues();
    venues.set_reference(0).expect("reference");
    let err = venues
        .map_at(-1, 1.0, &venues.engine(0).expect("a").default_selection())
        .expect_err("before the data");
    assert!(err.to_string().contains("venue-a"), "{err}");
    assert!(Venues::new(Vec::new(), &ten_x()).is_err());
}

#[test]
fn a_venue_without_a_bar_yet_adds_nothing_and_is_said_so() {
    // Venue C starts at 1 min: at 0 it has no bar, so the sum is A and B alone.
    let c = dataset("venue-c", MIN, vec![bar(MIN, 100.0, 100.0, 100.0, 10.0)]);
    let mut venues = Venues::new(vec![venue_a(), venue_b(), c], &ten_x()).expect("three venues");
    assert_eq!(venues.common_range_ms(), Some((MIN, 2 * MIN)));
    // C traded the most (10 x 100 USD) and is the reference; it has no bar at 0, so a map there
    // is refused naming it, and with B as the reference it is drawn without C.
    assert_eq!(venues.reference(), 2);
    let selection = venues.engine(0).expect("a").default_selection();
    let err = venues
        .map_at(0, 1.0, &selection)
        .expect_err("no reference bar");
    assert!(err.to_string().contains("venue-c"), "{err}");
    venues.set_reference(1).expect("reference");
    let map = venues.map_at(0, 1.0, &selection).expect("map");
    assert_eq!(map.bars, vec![Some(0), Some(0), None]);
    assert_eq!(map.by_venue[2].row_count(), 0);
    // Bar 0 of A: 100 long at 90; bar 0 of B: 200 long at 90.
    assert_eq!(map.venue_row_usd(0, 90, Side::Long), 100.0);
    assert!(close(map.total.total_usd(Side::Long), 300.0));
    assert_eq!(venues.basis_at(0)[2].basis_pct, None);
}
