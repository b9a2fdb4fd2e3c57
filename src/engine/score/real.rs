//! Real liquidations against the map: did liquidated USD fall inside the bands standing just
//! before it, more than the share of the price range those bands covered would give by chance?
//!
//! The map an event is judged against is the one at the close of the bar BEFORE the event's bar:
//! the map of the event's own bar is the state after that bar closed, from which the levels the
//! event killed are already gone (and which knows the bar's later prices). Events in a span's
//! first bar, or falling in a gap between bars, are therefore not scored.
//!
//! For an event of side s (the side liquidated) and the close c of the bar before it, the price
//! range is `[c (1 - p), c]` for longs and `[c, c (1 + p)]` for shorts, with p the distance
//! window. Only events inside that range count for the lift. The chance share is each event's
//! band coverage (the length of the range covered by bands of its side, over the range's length)
//! weighted by its USD: what the bands would catch if events fell uniformly over the range.
//! Events crowd near the price, so bands near the price catch more than the uniform chance even
//! without merit; the control bands of the reach score are measured the same way. The fair
//! comparison is [`RealScore::lift_matched`]: the clusters that found matched controls (same
//! side, width and distance, untouched as long, holding no cluster) against those controls. The
//! unmatched controls (nearest free bands, touched lately or not) are kept as a second line.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;

use super::controls::{Search, Subject};
use super::history::{Band, PriceHistory};
use super::maps::{MapSweep, Maps};
use super::{Progress, ProgressFn, ScoreError, ScoreParams, Stage};
use crate::engine::LayerSelection;
use crate::model::{Dataset, Liquidation, Side};

/// Milliseconds in an hour.
const HOUR_MS: f64 = 3_600_000.0;

/// Predicted against real liquidated USD over the bars where real events were recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerHour {
    /// First bar of the comparison: the bar of the first real event.
    pub first_bar: usize,
    /// End of the comparison (exclusive): after the bar of the last real event.
    pub end_bar: usize,
    /// Hours those bars cover.
    pub hours: f64,
    /// USD of the levels dying in those bars (the model's predicted liquidations).
    pub predicted_usd: f64,
    /// USD of the real events in those bars.
    pub real_usd: f64,
    /// Predicted USD per hour.
    pub predicted_usd_per_hour: f64,
    /// Real USD per hour.
    pub real_usd_per_hour: f64,
    /// Predicted over real; `None` when no real USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicted_to_real: Option<f64>,
}

/// The real-liquidation figures of one scoring run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RealScore {
    /// Real events inside the scored span's time.
    pub real_events: u64,
    /// Their USD.
    pub real_usd: f64,
    /// Events judged against a map (see the module documentation for those left out).
    pub events_scored: u64,
    /// Events not judged: in the span's first bar, in a gap, or in a bar left out by the cap.
    pub events_not_scored: u64,
    /// Scored events inside the price range of their side.
    pub events_in_range: u64,
    /// Their USD: what the shares below rest on.
    pub usd_in_range: f64,
    /// USD of those events inside a cluster band of their side.
    pub usd_in_bands: f64,
    /// `usd_in_bands / usd_in_range`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_in_bands: Option<f64>,
    /// The USD-weighted share of the range covered by cluster bands: the share expected by
    /// chance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_expected_by_chance: Option<f64>,
    /// `share_in_bands / share_expected_by_chance`: 1.0 is no better than chance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lift: Option<f64>,
    /// The clusters that found matched controls (same side, width and distance, untouched as
    /// long; see [`super::controls`]) against those controls: the fair comparison.
    pub lift_matched: ControlLift,
    /// The clusters that found unmatched controls (nearest free bands, touched lately or not)
    /// against those: the older comparison, kept as a second line.
    pub lift_unmatched: ControlLift,
    /// Predicted against real liquidated USD per hour; `None` without real events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicted_vs_real_per_hour: Option<PerHour>,
}

/// Real liquidations in the bands of the clusters that found controls, against those controls.
/// A lift is the share of the in-range USD inside the bands over the USD-weighted share of the
/// range the bands covered; 1.0 is no better than chance.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ControlLift {
    /// Clusters within the window that found controls, summed over the maps events were judged
    /// against.
    pub clusters_with_controls: u64,
    /// Clusters within the window that found none (left out here).
    pub clusters_without_controls: u64,
    /// USD of in-range events inside the bands of the clusters with controls.
    pub usd_in_cluster_bands: f64,
    /// Lift of those cluster bands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_lift: Option<f64>,
    /// USD of in-range events inside their control bands.
    pub usd_in_control_bands: f64,
    /// `usd_in_control_bands / usd_in_range`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_in_control_bands: Option<f64>,
    /// Lift of the control bands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_lift: Option<f64>,
}

/// A sum of USD starting from +0.0: `Iterator::sum` starts floats at -0.0, which an empty sum
/// would print as "-0".
fn usd_sum(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |total, v| total + v)
}

/// The bar whose time holds `time_ms`, if any.
pub(super) fn bar_of(engine: &dyn Maps, time_ms: i64) -> Option<usize> {
    let times = engine.bar_times_ms();
    let bar = times.partition_point(|&t| t <= time_ms).checked_sub(1)?;
    let open = *times.get(bar)?;
    (time_ms < open + engine.interval_ms()).then_some(bar)
}

/// The price range of `side` seen from `close` within `max_distance_pct`.
fn side_range(side: Side, close: f64, max_distance_pct: f64) -> Band {
    let reach = close * max_distance_pct / 100.0;
    match side {
        Side::Long => Band {
            low: close - reach,
            high: close,
        },
        Side::Short => Band {
            low: close,
            high: close + reach,
        },
    }
}

/// The length of `range` covered by the union of `bands`.
fn covered_length(range: Band, bands: &[Band]) -> f64 {
    let mut clipped: Vec<(f64, f64)> = bands
        .iter()
        .map(|b| (b.low.max(range.low), b.high.min(range.high)))
        .filter(|(low, high)| high > low)
        .collect();
    clipped.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut length = 0.0;
    let mut reached = f64::NEG_INFINITY;
    for (low, high) in clipped {
        let start = low.max(reached);
        if high > start {
            length += high - start;
        }
        reached = reached.max(high);
    }
    length
}

/// Bands of one side at one bar, and the share of the side's range they cover.
#[derive(Default)]
struct BandSet {
    bands: Vec<Band>,
    coverage: f64,
}

/// The band sets of a side, in [`SETS`] order.
const SETS: usize = 5;
/// Every cluster band.
const ALL: usize = 0;
/// Clusters with matched controls, and those controls.
const MATCHED: [usize; 2] = [1, 2];
/// Clusters with unmatched controls, and those controls.
const UNMATCHED: [usize; 2] = [3, 4];

/// The bands of one side at one bar and the side's price range.
struct SideBands {
    range: Band,
    sets: [BandSet; SETS],
}

/// Cluster counts with and without controls at one bar: matched, then unmatched.
type Found = [[u64; 2]; 2];

fn bands_at(
    sweep: &mut dyn MapSweep,
    (history, bar_times_ms): (&PriceHistory<'_>, &[i64]),
    selection: &LayerSelection,
    params: &ScoreParams,
    bar: usize,
) -> Result<([SideBands; 2], Found), ScoreError> {
    let (map, clusters) =
        sweep.map_and_clusters_at(bar, params.bin_usd, selection, &params.clusters)?;
    let search = Search::new(&map, &clusters, history, bar, params.match_tolerance);
    let mut found: Found = [[0; 2]; 2];
    let sides = Side::BOTH.map(|side| {
        let range = side_range(side, map.close, params.max_distance_pct);
        let mut sets: [Vec<Band>; SETS] = Default::default();
        for cluster in clusters.iter().filter(|c| c.side == side) {
            let band = Band {
                low: cluster.price_low,
                high: cluster.price_high,
            };
            if let Some(all) = sets.get_mut(ALL) {
                all.push(band);
            }
            if cluster.distance_pct.abs() > params.max_distance_pct {
                continue;
            }
            let subject =
                Subject::of_cluster_at(cluster, map.bin_usd, (bar, bar_times_ms), history, params);
            let pairs = [search.matched(&subject), search.unmatched(&subject, params)];
            for ((pair, [own, controls]), counts) in
                pairs.into_iter().zip([MATCHED, UNMATCHED]).zip(&mut found)
            {
                let Some(pair) = pair else {
                    counts[1] += 1;
                    continue;
                };
                counts[0] += 1;
                if let Some(set) = sets.get_mut(own) {
                    set.push(band);
                }
                if let Some(set) = sets.get_mut(controls) {
                    set.extend(pair.bands);
                }
            }
        }
        let length = range.high - range.low;
        let share = |bands: &[Band]| {
            if length > 0.0 {
                covered_length(range, bands) / length
            } else {
                0.0
            }
        };
        SideBands {
            range,
            sets: sets.map(|bands| BandSet {
                coverage: share(&bands),
                bands,
            }),
        }
    });
    Ok((sides, found))
}

fn inside(price: f64, bands: &[Band]) -> bool {
    bands.iter().any(|b| b.low <= price && price <= b.high)
}

/// Scores the real liquidations of `span`.
pub(super) fn score_real(
    engine: &dyn Maps,
    dataset: &Dataset,
    selection: &LayerSelection,
    params: &ScoreParams,
    span: Range<usize>,
    on_progress: &mut ProgressFn<'_>,
) -> Result<RealScore, ScoreError> {
    let times = engine.bar_times_ms();
    let span_start_ms = times.get(span.start).copied();
    let span_end_ms = span
        .end
        .checked_sub(1)
        .and_then(|last| times.get(last))
        .map(|open| open + engine.interval_ms());
    let in_span: Vec<&Liquidation> = match (span_start_ms, span_end_ms) {
        (Some(start), Some(end)) if span.start < span.end => dataset
            .liquidations
            .iter()
            .filter(|e| e.time_ms >= start && e.time_ms < end)
            .collect(),
        _ => Vec::new(),
    };
    // Events by bar, each judged against the map of the bar before.
    let mut by_bar: BTreeMap<usize, Vec<&Liquidation>> = BTreeMap::new();
    for &event in &in_span {
        if let Some(bar) = bar_of(engine, event.time_ms).filter(|&b| b > span.start) {
            by_bar.entry(bar).or_default().push(event);
        }
    }
    let event_bars: Vec<usize> = by_bar.keys().copied().collect();
    let chosen: Vec<usize> = if event_bars.len() <= params.max_sampled_bars {
        event_bars.clone()
    } else {
        (0..params.max_sampled_bars)
            .filter_map(|i| {
                event_bars
                    .get(i * event_bars.len() / params.max_sampled_bars)
                    .copied()
            })
            .collect()
    };
    let mut events_scored = 0u64;
    let mut events_in_range = 0u64;
    let mut usd_in_range = 0.0;
    // Per band set: USD inside its bands, and USD expected there by chance.
    let mut usd_in = [0.0; SETS];
    let mut expected_usd = [0.0; SETS];
    let mut found: Found = [[0; 2]; 2];
    // The chosen bars increase, so one sweep serves every map.
    let mut sweep = engine.sweep();
    let history = PriceHistory::new(&dataset.bars);
    for (done, &bar) in chosen.iter().enumerate() {
        let events = by_bar.get(&bar).map_or(&[][..], Vec::as_slice);
        let (sides, found_here) = bands_at(
            sweep.as_mut(),
            (&history, times),
            selection,
            params,
            bar.saturating_sub(1),
        )?;
        for (total, here) in found.iter_mut().flatten().zip(found_here.iter().flatten()) {
            *total += here;
        }
        let progress = Progress {
            stage: Stage::RealLiquidations,
            done: done + 1,
            total: chosen.len(),
        };
        if !on_progress(progress) {
            return Err(ScoreError::Cancelled);
        }
        for event in events {
            events_scored += 1;
            let Some(bands) = sides.get(event.side.index()) else {
                continue;
            };
            let price = event.price;
            if !(bands.range.low <= price && price <= bands.range.high) {
                continue;
            }
            let usd = event.notional_usd();
            events_in_range += 1;
            usd_in_range += usd;
            for ((set, inside_usd), expected) in
                bands.sets.iter().zip(&mut usd_in).zip(&mut expected_usd)
            {
                *expected += usd * set.coverage;
                if inside(price, &set.bands) {
                    *inside_usd += usd;
                }
            }
        }
    }
    let ratio = |a: f64, b: f64| (b > 0.0).then(|| a / b);
    let usd_of = |set: usize| usd_in.get(set).copied().unwrap_or(0.0);
    let share_of = |set: usize| ratio(usd_of(set), usd_in_range);
    let lift_of = |set: usize| {
        let expected = expected_usd.get(set).copied().unwrap_or(0.0);
        share_of(set)
            .zip(ratio(expected, usd_in_range))
            .and_then(|(s, e)| ratio(s, e))
    };
    let control_lift = |[own, controls]: [usize; 2], [with, without]: [u64; 2]| ControlLift {
        clusters_with_controls: with,
        clusters_without_controls: without,
        usd_in_cluster_bands: usd_of(own),
        cluster_lift: lift_of(own),
        usd_in_control_bands: usd_of(controls),
        share_in_control_bands: share_of(controls),
        control_lift: lift_of(controls),
    };
    let [matched_found, unmatched_found] = found;
    let per_hour = per_hour(engine, selection, &by_bar);
    Ok(RealScore {
        real_events: in_span.len() as u64,
        real_usd: usd_sum(in_span.iter().map(|e| e.notional_usd())),
        events_scored,
        events_not_scored: in_span.len() as u64 - events_scored,
        events_in_range,
        usd_in_range,
        usd_in_bands: usd_of(ALL),
        share_in_bands: share_of(ALL),
        share_expected_by_chance: expected_usd.get(ALL).and_then(|&e| ratio(e, usd_in_range)),
        lift: lift_of(ALL),
        lift_matched: control_lift(MATCHED, matched_found),
        lift_unmatched: control_lift(UNMATCHED, unmatched_found),
        predicted_vs_real_per_hour: per_hour,
    })
}

/// Predicted against real USD from the first to the last bar with real events.
fn per_hour(
    engine: &dyn Maps,
    selection: &LayerSelection,
    by_bar: &BTreeMap<usize, Vec<&Liquidation>>,
) -> Option<PerHour> {
    let first_bar = *by_bar.keys().next()?;
    let end_bar = *by_bar.keys().next_back()? + 1;
    let hours = (end_bar - first_bar) as f64 * engine.interval_ms() as f64 / HOUR_MS;
    let predicted_usd = usd_sum(
        engine
            .predicted_liquidations(selection)
            .iter()
            .filter(|d| (first_bar..end_bar).contains(&d.bar))
            .map(|d| d.notional_usd),
    );
    let real_usd = usd_sum(by_bar.values().flatten().map(|e| e.notional_usd()));
    let per = |usd: f64| if hours > 0.0 { usd / hours } else { 0.0 };
    Some(PerHour {
        first_bar,
        end_bar,
        hours,
        predicted_usd,
        real_usd,
        predicted_usd_per_hour: per(predicted_usd),
        real_usd_per_hour: per(real_usd),
        predicted_to_real: (real_usd > 0.0).then(|| predicted_usd / real_usd),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_of_overlapping_bands() {
        let range = Band {
            low: 90.0,
            high: 100.0,
        };
        let bands = [
            Band {
                low: 85.0,
                high: 91.0,
            },
            Band {
                low: 95.0,
                high: 97.0,
            },
            Band {
                low: 96.0,
                high: 98.0,
            },
        ];
        // 90..91 (1) + 95..98 (3) = 4.
        assert!((covered_length(range, &bands) - 4.0).abs() < 1e-12);
    }

    #[test]
    fn ranges_by_side() {
        assert_eq!(
            side_range(Side::Long, 100.0, 10.0),
            Band {
                low: 90.0,
                high: 100.0
            }
        );
        assert_eq!(
            side_range(Side::Short, 100.0, 5.0),
            Band {
                low: 100.0,
                high: 105.0
            }
        );
    }
}
