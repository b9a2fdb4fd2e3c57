//! The summed liquidation map at one time, each venue's part of every row, and the clusters of the
//! summed map with each venue's share.

use super::{Venues, VenuesError};
use crate::engine::clusters::clusters_from_levels;
use crate::engine::map::map_from_levels;
use crate::engine::{Cluster, ClusterParams, EngineError, LayerSelection, LiqMap, StandingLevel};
use crate::model::Side;

/// The liquidation map of several venues at one time.
#[derive(Debug, Clone, PartialEq)]
pub struct VenueMap {
    /// The time asked for; each venue shows its last bar opening at or before it.
    pub time_ms: i64,
    /// Each venue's bar at that time; `None` where its data starts later (it adds nothing).
    pub bars: Vec<Option<usize>>,
    /// The sum over venues, each venue's levels weighted by its venue weight and the selection;
    /// time and close are the reference venue's bar.
    pub total: LiqMap,
    /// Each venue's own map, weighted as in the sum (empty for a venue ticked off or without a
    /// bar at the time).
    pub by_venue: Vec<LiqMap>,
}

impl VenueMap {
    /// A venue's USD of one side in the price row `index` (the row `[index * bin, (index + 1) *
    /// bin)`).
    pub fn venue_row_usd(&self, venue: usize, index: i64, side: Side) -> f64 {
        self.by_venue
            .get(venue)
            .map_or(0.0, |map| row_usd(map, index, side))
    }

    /// Each venue's share of the summed row `index` of `side` (both sides when `None`); the
    /// shares add up to 1 where the row holds anything, and are all 0 where it holds nothing.
    pub fn row_shares(&self, index: i64, side: Option<Side>) -> Vec<f64> {
        let sides: &[Side] = match side {
            Some(Side::Long) => &[Side::Long],
            Some(Side::Short) => &[Side::Short],
            None => &Side::BOTH,
        };
        let parts: Vec<f64> = (0..self.by_venue.len())
            .map(|v| sides.iter().map(|&s| self.venue_row_usd(v, index, s)).sum())
            .collect();
        shares(&parts)
    }

    /// Each venue's share of a cluster of the summed map: its notional of the cluster's side in
    /// the cluster's rows over the sum of those.
    pub fn cluster_shares(&self, cluster: &Cluster) -> Vec<f64> {
        let bin = self.total.bin_usd;
        let first = (cluster.price_low / bin).round() as i64;
        let last = (cluster.price_high / bin).round() as i64 - 1;
        let parts: Vec<f64> = (0..self.by_venue.len())
            .map(|v| {
                (first..=last)
                    .map(|index| self.venue_row_usd(v, index, cluster.side))
                    .sum()
            })
            .collect();
        shares(&parts)
    }
}

/// A cluster of the summed map and each venue's share of it (in venue order, adding up to 1).
#[derive(Debug, Clone, PartialEq)]
pub struct VenueCluster {
    /// The cluster, found on the summed map.
    pub cluster: Cluster,
    /// Each venue's share of the cluster's notional.
    pub venue_share: Vec<f64>,
}

fn row_usd(map: &LiqMap, index: i64, side: Side) -> f64 {
    usize::try_from(index - map.first_row)
        .ok()
        .filter(|&row| row < map.row_count())
        .map_or(0.0, |row| map.side_usd(row, side))
}

fn shares(parts: &[f64]) -> Vec<f64> {
    let total: f64 = parts.iter().sum();
    if total > 0.0 {
        parts.iter().map(|p| p / total).collect()
    } else {
        vec![0.0; parts.len()]
    }
}

/// Each venue's bar at a time, and the levels standing on each venue there.
type BarsAndLevels = (Vec<Option<usize>>, Vec<Vec<StandingLevel>>);

impl Venues {
    /// The levels standing on every venue at `time_ms`, each venue's notional multiplied by its
    /// weight, and each venue's bar. With `on_reference`, birth bars are renumbered to the
    /// reference venue's last bar opening at or before the level's birth (its first bar for a
    /// level born before it), so that birth times read on the reference's bars.
    fn standing_levels(
        &self,
        time_ms: i64,
        on_reference: bool,
    ) -> Result<BarsAndLevels, VenuesError> {
        let bars = self.bars_at(time_ms);
        let weights = self.weights();
        let reference_times = self.venues[self.reference].engine.bar_times_ms();
        let mut levels = Vec::with_capacity(self.len());
        for (i, venue) in self.venues.iter().enumerate() {
            let weight = weights.get(i).copied().unwrap_or(0.0);
            let Some(bar) = bars.get(i).copied().flatten().filter(|_| weight > 0.0) else {
                levels.push(Vec::new());
                continue;
            };
            let times = venue.engine.bar_times_ms();
            let list: Vec<StandingLevel> = venue
                .engine
                .standing_at(bar)?
                .map(|mut level| {
                    level.unit_notional_usd *= weight;
                    if on_reference {
                        let born_ms = times.get(level.born_bar).copied().unwrap_or(i64::MIN);
                        level.born_bar = reference_times
                            .partition_point(|&t| t <= born_ms)
                            .saturating_sub(1);
                    }
                    level
                })
                .collect();
            levels.push(list);
        }
        Ok((bars, levels))
    }

    /// The summed liquidation map at `time_ms` on rows of `bin_usd`, tiers weighted by
    /// `selection`, with every venue's own map.
    pub fn map_at(
        &self,
        time_ms: i64,
        bin_usd: f64,
        selection: &LayerSelection,
    ) -> Result<VenueMap, VenuesError> {
        Ok(self.map_and_levels(time_ms, bin_usd, selection)?.0)
    }

    fn map_and_levels(
        &self,
        time_ms: i64,
        bin_usd: f64,
        selection: &LayerSelection,
    ) -> Result<(VenueMap, Vec<StandingLevel>), VenuesError> {
        if !(bin_usd.is_finite() && bin_usd > 0.0) {
            return Err(EngineError::BadBin(bin_usd).into());
        }
        let reference_bar = self.reference_bar(time_ms)?;
        let reference = &self.venues[self.reference].engine;
        let (bars, levels) = self.standing_levels(time_ms, true)?;
        let mut by_venue = Vec::with_capacity(self.len());
        for list in &levels {
            by_venue.push(map_from_levels(
                reference,
                reference_bar,
                bin_usd,
                selection,
                list.iter().copied(),
            )?);
        }
        let all: Vec<StandingLevel> = levels.into_iter().flatten().collect();
        let total = map_from_levels(
            reference,
            reference_bar,
            bin_usd,
            selection,
            all.iter().copied(),
        )?;
        let map = VenueMap {
            time_ms,
            bars,
            total,
            by_venue,
        };
        Ok((map, all))
    }

    /// The clusters of the summed map at `time_ms`, ranked by notional, each with every venue's
    /// share; the map they were found on comes with them. A cluster's formed time is read on the
    /// reference venue's bars (a level's birth rounded down to the reference's bar).
    pub fn clusters_at(
        &self,
        time_ms: i64,
        bin_usd: f64,
        selection: &LayerSelection,
        params: &ClusterParams,
    ) -> Result<(VenueMap, Vec<VenueCluster>), VenuesError> {
        let (map, levels) = self.map_and_levels(time_ms, bin_usd, selection)?;
        let reference = &self.venues[self.reference].engine;
        let clusters = clusters_from_levels(reference, &map.total, selection, params, &levels)
            .into_iter()
            .map(|cluster| VenueCluster {
                venue_share: map.cluster_shares(&cluster),
                cluster,
            })
            .collect();
        Ok((map, clusters))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_or_are_all_zero() {
        assert_eq!(shares(&[1.0, 3.0]), vec![0.25, 0.75]);
        assert_eq!(shares(&[0.0, 0.0]), vec![0.0, 0.0]);
    }
}
