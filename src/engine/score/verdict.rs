//! What the reach figures say, in words a trader reads without statistics.

use serde::Serialize;

use super::bootstrap::ReachDifference;
use super::rate::Rate;

/// How bands (clusters, or a baseline's levels) compared with their control bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Clusters were reached more often, the 95% intervals do not overlap, and the
    /// block-bootstrap interval of the difference lies above zero.
    MapHelps,
    /// Neither is clear: the intervals overlap, or the block-bootstrap interval of the
    /// difference holds zero.
    Inconclusive,
    /// Controls were reached more often than clusters, and the block-bootstrap interval of the
    /// difference lies below zero.
    ControlWins,
    /// Too few clusters or controls to compare.
    NoData,
}

/// Fewer trials than this on either side gives [`Verdict::NoData`].
pub const MIN_TRIALS: u64 = 10;

impl Verdict {
    /// Compares the reach of clusters (those that got a control) with the reach of their
    /// controls. The map helps only when the Wilson intervals part and the difference stays above
    /// zero when whole blocks of bars are resampled; the control wins only when that interval
    /// lies below zero. A deficit whose interval holds zero is a tie, not a loss.
    pub fn compare(clusters: &Rate, controls: &Rate, difference: &ReachDifference) -> Verdict {
        let (Some(cluster_rate), Some(control_rate)) = (clusters.rate, controls.rate) else {
            return Verdict::NoData;
        };
        if clusters.total < MIN_TRIALS || controls.total < MIN_TRIALS {
            return Verdict::NoData;
        }
        if control_rate > cluster_rate {
            return if difference.ci95_high.is_some_and(|high| high < 0.0) {
                Verdict::ControlWins
            } else {
                Verdict::Inconclusive
            };
        }
        let intervals_part = matches!(
            (clusters.ci95_low, controls.ci95_high),
            (Some(low), Some(high)) if low > high
        );
        let blocks_agree = difference.ci95_low.is_some_and(|low| low > 0.0);
        if intervals_part && blocks_agree {
            Verdict::MapHelps
        } else {
            Verdict::Inconclusive
        }
    }

    /// One sentence for people.
    pub fn sentence(self) -> &'static str {
        match self {
            Verdict::MapHelps => {
                "clusters were reached MORE often than their control bands at the same distance, \
                 beyond the 95% intervals, also when whole horizon-long blocks of bars are \
                 resampled: the map points at levels price tends to visit"
            }
            Verdict::Inconclusive => {
                "clusters were reached about as often as their control bands at the same distance \
                 (the 95% intervals overlap, or the difference is not clear of zero when whole \
                 horizon-long blocks of bars are resampled): weak or no evidence the map helps \
                 here"
            }
            Verdict::ControlWins => {
                "clusters were reached LESS often than their control bands, also when whole \
                 horizon-long blocks of bars are resampled: no evidence the map helps here"
            }
            Verdict::NoData => {
                "too few clusters or control bands to compare: score a longer span, widen \
                 --max-distance-pct or shorten --horizon"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn difference(ci95_low: Option<f64>) -> ReachDifference {
        ReachDifference {
            estimate: Some(0.1),
            ci95_low,
            ci95_high: ci95_low.map(|low| low + 0.2),
            blocks: 10,
            block_bars: 5,
        }
    }

    #[test]
    fn verdicts() {
        let strong = Rate::new(90, 100);
        let weak = Rate::new(20, 100);
        let clear = difference(Some(0.05));
        assert_eq!(Verdict::compare(&strong, &weak, &clear), Verdict::MapHelps);
        // Controls ahead with the resampled interval below zero ([-0.4, -0.2]), or holding
        // it ([-0.1, +0.1]).
        assert_eq!(
            Verdict::compare(&weak, &strong, &difference(Some(-0.4))),
            Verdict::ControlWins
        );
        assert_eq!(
            Verdict::compare(&weak, &strong, &difference(Some(-0.1))),
            Verdict::Inconclusive
        );
        assert_eq!(
            Verdict::compare(&Rate::new(52, 100), &Rate::new(50, 100), &clear),
            Verdict::Inconclusive
        );
        assert_eq!(
            Verdict::compare(&Rate::new(5, 5), &weak, &clear),
            Verdict::NoData
        );
        // The Wilson intervals part, but resampled blocks do not keep the difference above 0,
        // or there are too few blocks to say.
        assert_eq!(
            Verdict::compare(&strong, &weak, &difference(Some(-0.01))),
            Verdict::Inconclusive
        );
        assert_eq!(
            Verdict::compare(&strong, &weak, &difference(None)),
            Verdict::Inconclusive
        );
        assert!(Verdict::ControlWins.sentence().contains("LESS often"));
    }
}
