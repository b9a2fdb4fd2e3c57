//! Clusters: bands of adjacent price rows whose standing notional stands out of the map.
//!
//! Per side, every local maximum of the row profile is measured by its prominence (how far one
//! must descend from it before reaching higher ground, the map's edges counting as zero). Peaks
//! prominent enough become bands: the rows around the peak holding at least a share of the peak's
//! value. Overlapping bands merge. Clusters are ranked by notional.

use super::{Engine, LayerSelection, LiqMap, StandingLevel};
use crate::model::Side;

/// How clusters are picked out of a map: the `--min-prominence` and `--band-share` flags of
/// `clusters`, `export` and `score`, and the viewer's cluster controls.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ClusterParams {
    /// A peak counts when its prominence is at least this share of the side's largest row.
    pub min_prominence_share: f64,
    /// A band holds the rows around a peak with at least this share of the peak's value.
    pub band_share: f64,
}

impl Default for ClusterParams {
    fn default() -> Self {
        ClusterParams {
            min_prominence_share: 0.05,
            band_share: 0.5,
        }
    }
}

/// A band of price rows where many positions would be liquidated.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// The side that would be liquidated there.
    pub side: Side,
    /// Lower price edge of the band.
    pub price_low: f64,
    /// Upper price edge of the band.
    pub price_high: f64,
    /// Middle of the band's fullest row.
    pub peak_price: f64,
    /// Standing notional in the band, USD.
    pub notional_usd: f64,
    /// Share of the notional held by each tier (sums to 1).
    pub tier_share: Vec<f64>,
    /// Distance of the peak from the bar's close, percent (negative below the price).
    pub distance_pct: f64,
    /// When the cluster formed: the birth time by which half of its notional had been opened
    /// (the notional-weighted median of its levels' birth times).
    pub formed_time_ms: i64,
}

/// A band of rows (inclusive) of one side.
#[derive(Debug, Clone, Copy)]
struct Band {
    first: usize,
    last: usize,
}

/// Finds and ranks the clusters of a map.
pub(super) fn find_clusters(
    engine: &Engine,
    map: &LiqMap,
    selection: &LayerSelection,
    params: &ClusterParams,
) -> Vec<Cluster> {
    let levels: Vec<StandingLevel> = engine
        .standing_at(map.bar)
        .map(Iterator::collect)
        .unwrap_or_default();
    clusters_from_levels(engine, map, selection, params, &levels)
}

/// As [`find_clusters`], with the levels standing at the map's bar already listed (by a
/// [`super::StandingSweep`]), so the birth times need no second walk over every level.
pub(super) fn clusters_from_levels(
    engine: &Engine,
    map: &LiqMap,
    selection: &LayerSelection,
    params: &ClusterParams,
    levels: &[StandingLevel],
) -> Vec<Cluster> {
    let mut clusters = Vec::new();
    for side in Side::BOTH {
        let profile: Vec<f64> = (0..map.row_count())
            .map(|r| map.side_usd(r, side))
            .collect();
        let bands = bands_of(&profile, params);
        let mut owner = vec![usize::MAX; profile.len()];
        for (i, band) in bands.iter().enumerate() {
            for slot in owner.iter_mut().take(band.last + 1).skip(band.first) {
                *slot = i;
            }
        }
        let births = birth_times(engine, map, selection, side, &owner, bands.len(), levels);
        for (band, mut born) in bands.iter().zip(births) {
            let rows = band.first..=band.last;
            let notional_usd: f64 = rows.clone().filter_map(|r| profile.get(r)).sum();
            if notional_usd <= 0.0 {
                continue;
            }
            let peak = rows
                .clone()
                .max_by(|&a, &b| {
                    let va = profile.get(a).copied().unwrap_or(0.0);
                    let vb = profile.get(b).copied().unwrap_or(0.0);
                    va.total_cmp(&vb)
                })
                .unwrap_or(band.first);
            let tier_share = (0..map.tier_count)
                .map(|tier| {
                    rows.clone()
                        .map(|r| map.tier_usd(r, side, tier))
                        .sum::<f64>()
                        / notional_usd
                })
                .collect();
            let peak_price = map.row_price_low(peak) + map.bin_usd / 2.0;
            clusters.push(Cluster {
                side,
                price_low: map.row_price_low(band.first),
                price_high: map.row_price_low(band.last) + map.bin_usd,
                peak_price,
                notional_usd,
                tier_share,
                distance_pct: (peak_price - map.close) / map.close * 100.0,
                formed_time_ms: weighted_median(&mut born).unwrap_or(map.time_ms),
            });
        }
    }
    clusters.sort_by(|a, b| b.notional_usd.total_cmp(&a.notional_usd));
    clusters
}

/// The prominent bands of one side's row profile.
fn bands_of(profile: &[f64], params: &ClusterParams) -> Vec<Band> {
    let max = profile.iter().copied().fold(0.0, f64::max);
    if max <= 0.0 {
        return Vec::new();
    }
    let value = |i: usize| profile.get(i).copied().unwrap_or(0.0);
    let mut bands: Vec<Band> = Vec::new();
    for (peak, &height) in profile.iter().enumerate() {
        let left_lower = peak == 0 || value(peak - 1) < height;
        let right_not_higher = value(peak + 1) <= height;
        if height <= 0.0 || !left_lower || !right_not_higher {
            continue;
        }
        if prominence(profile, peak) < params.min_prominence_share * max {
            continue;
        }
        let floor = params.band_share * height;
        let mut first = peak;
        while first > 0 && value(first - 1) >= floor && value(first - 1) <= height {
            first -= 1;
        }
        let mut last = peak;
        while last + 1 < profile.len() && value(last + 1) >= floor && value(last + 1) <= height {
            last += 1;
        }
        bands.push(Band { first, last });
    }
    // Bands come in order of their peaks; merge those that touch or overlap.
    bands.sort_by_key(|b| b.first);
    let mut merged: Vec<Band> = Vec::new();
    for band in bands {
        match merged.last_mut() {
            Some(prev) if band.first <= prev.last + 1 => prev.last = prev.last.max(band.last),
            _ => merged.push(band),
        }
    }
    merged
}

/// How far one must descend from `peak` before reaching a higher row (or the map's edge, where
/// the profile is zero), on the easier of the two sides.
fn prominence(profile: &[f64], peak: usize) -> f64 {
    let height = profile.get(peak).copied().unwrap_or(0.0);
    let walk = |range: &mut dyn Iterator<Item = usize>| {
        let mut lowest = height;
        for i in range {
            let v = profile.get(i).copied().unwrap_or(0.0);
            if v > height {
                return lowest;
            }
            lowest = lowest.min(v);
        }
        0.0
    };
    let left_base = walk(&mut (0..peak).rev());
    let right_base = walk(&mut (peak + 1..profile.len()));
    height - left_base.max(right_base)
}

/// Birth times and weights of the standing levels of `side` in each band.
fn birth_times(
    engine: &Engine,
    map: &LiqMap,
    selection: &LayerSelection,
    side: Side,
    owner: &[usize],
    bands: usize,
    levels: &[StandingLevel],
) -> Vec<Vec<(i64, f64)>> {
    let mut births = vec![Vec::new(); bands];
    for level in levels.iter().filter(|l| l.side == side) {
        let usd = level.unit_notional_usd * selection.weight(side, level.tier);
        let Some(row) = map.row_of_price(level.price) else {
            continue;
        };
        let (Some(&band), Some(&born_ms)) =
            (owner.get(row), engine.bar_times_ms().get(level.born_bar))
        else {
            continue;
        };
        if usd > 0.0
            && let Some(list) = births.get_mut(band)
        {
            list.push((born_ms, usd));
        }
    }
    births
}

/// The time by which half of the total weight has been reached.
fn weighted_median(items: &mut [(i64, f64)]) -> Option<i64> {
    items.sort_by_key(|i| i.0);
    let total: f64 = items.iter().map(|i| i.1).sum();
    let mut running = 0.0;
    for &(time, weight) in items.iter() {
        running += weight;
        if running >= total / 2.0 {
            return Some(time);
        }
    }
    items.last().map(|i| i.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prominence_by_hand() {
        // Two peaks, 10 and 6, separated by a dip to 2; the edges are zero.
        let profile = [0.0, 10.0, 2.0, 6.0, 1.0];
        assert_eq!(prominence(&profile, 1), 10.0);
        // From 6 one descends to 2 before the higher 10, and to 0 on the right: the easier is 2.
        assert_eq!(prominence(&profile, 3), 4.0);
    }

    #[test]
    fn bands_by_hand() {
        let profile = [0.0, 4.0, 10.0, 6.0, 1.0, 0.5, 3.0, 0.0];
        let params = ClusterParams {
            min_prominence_share: 0.2,
            band_share: 0.5,
        };
        let bands = bands_of(&profile, &params);
        // Peak 10 at row 2: rows 2 and 3 hold >= 5 (row 1 holds 4 < 5). Peak 3 at row 6 has
        // prominence 2.5 >= 0.2 * 10 and its band is row 6 alone (1.5 floor; 0.5 and 0 below).
        assert_eq!(bands.len(), 2);
        assert_eq!((bands[0].first, bands[0].last), (2, 3));
        assert_eq!((bands[1].first, bands[1].last), (6, 6));
    }

    #[test]
    fn weighted_median_by_hand() {
        let mut items = [(30, 1.0), (10, 1.0), (20, 5.0)];
        assert_eq!(weighted_median(&mut items), Some(20));
        assert_eq!(weighted_median(&mut []), None);
    }
}
