//! What the reach figures say, in words a trader reads without statistics.

use serde::Serialize;

use super::rate::Rate;

/// How clusters compared with the empty control bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Clusters were reached more often, and the 95% intervals do not overlap.
    MapHelps,
    /// Clusters were reached at least as often, but the intervals overlap.
    Inconclusive,
    /// Controls were reached more often than clusters.
    ControlWins,
    /// Too few clusters or controls to compare.
    NoData,
}

/// Fewer trials than this on either side gives [`Verdict::NoData`].
pub const MIN_TRIALS: u64 = 10;

impl Verdict {
    /// Compares the reach of clusters (those that got a control) with the reach of their controls.
    pub fn compare(clusters: &Rate, controls: &Rate) -> Verdict {
        let (Some(cluster_rate), Some(control_rate)) = (clusters.rate, controls.rate) else {
            return Verdict::NoData;
        };
        if clusters.total < MIN_TRIALS || controls.total < MIN_TRIALS {
            return Verdict::NoData;
        }
        if control_rate > cluster_rate {
            return Verdict::ControlWins;
        }
        match (clusters.ci95_low, controls.ci95_high) {
            (Some(low), Some(high)) if low > high => Verdict::MapHelps,
            _ => Verdict::Inconclusive,
        }
    }

    /// One sentence for people.
    pub fn sentence(self) -> &'static str {
        match self {
            Verdict::MapHelps => {
                "clusters were reached MORE often than empty bands at the same distance, beyond \
                 the 95% intervals: the map points at levels price tends to visit"
            }
            Verdict::Inconclusive => {
                "clusters were reached about as often as empty bands at the same distance (the \
                 95% intervals overlap): weak or no evidence the map helps here"
            }
            Verdict::ControlWins => {
                "clusters were reached LESS often than empty bands: no evidence the map helps here"
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

    #[test]
    fn verdicts() {
        let strong = Rate::new(90, 100);
        let weak = Rate::new(20, 100);
        assert_eq!(Verdict::compare(&strong, &weak), Verdict::MapHelps);
        assert_eq!(Verdict::compare(&weak, &strong), Verdict::ControlWins);
        assert_eq!(
            Verdict::compare(&Rate::new(52, 100), &Rate::new(50, 100)),
            Verdict::Inconclusive
        );
        assert_eq!(Verdict::compare(&Rate::new(5, 5), &weak), Verdict::NoData);
        assert!(Verdict::ControlWins.sentence().contains("LESS often"));
    }
}
