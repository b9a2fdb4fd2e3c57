//! Volume mode in USD. Volume mode treats every traded coin as a newly opened position that is
//! never closed, so its standing total is cumulative turnover, many times what is really open.
//! When an open-interest figure is known (typed, or the dataset's latest sample), every new
//! notional is scaled by one factor so that the standing total at the last bar equals it: the
//! shape of the map is the model's, its size is the venue's. With no figure the values are
//! relative and [`ValueUnit`] says so, so nothing prints them as USD.
//!
//! The estimate is linear in new notional (fades and shrinks multiply), so scaling the inputs
//! after the levels are built gives the same engine as building it with the scale.

use super::Engine;
use crate::format::group_thousands;
use crate::settings::{AnchorFrom, Source, VolumeAnchor};

/// What an engine's notional values are.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueUnit {
    /// USD from open-interest changes.
    Usd,
    /// Volume mode scaled so the standing total at the last bar equals this open interest.
    ScaledToOpenInterest(VolumeAnchor),
    /// Volume mode with nothing to scale to: relative sizes, not USD.
    Relative,
}

impl ValueUnit {
    /// Whether the values are USD.
    pub fn is_usd(&self) -> bool {
        !matches!(self, ValueUnit::Relative)
    }

    /// A short label for headers: `USD`, `USD (volume mode scaled to open interest)` or
    /// `relative (volume mode, not USD)`.
    pub fn label(&self) -> &'static str {
        match self {
            ValueUnit::Usd => "USD",
            ValueUnit::ScaledToOpenInterest(_) => "USD (volume mode scaled to open interest)",
            ValueUnit::Relative => "relative (volume mode, not USD)",
        }
    }

    /// A stable name for scripts (the `values` key of JSON output): `usd`,
    /// `usd_scaled_to_open_interest` or `relative`.
    pub fn key(&self) -> &'static str {
        match self {
            ValueUnit::Usd => "usd",
            ValueUnit::ScaledToOpenInterest(_) => "usd_scaled_to_open_interest",
            ValueUnit::Relative => "relative",
        }
    }

    /// One sentence for reports and tooltips.
    pub fn explain(&self) -> String {
        match self {
            ValueUnit::Usd => "values in USD, from changes in open interest".to_string(),
            ValueUnit::ScaledToOpenInterest(anchor) => {
                let from = match anchor.from {
                    AnchorFrom::Typed => "the figure given".to_string(),
                    AnchorFrom::Dataset { time_ms } => format!(
                        "the dataset's open interest at {}",
                        crate::time::format_time_ms(time_ms)
                    ),
                };
                format!(
                    "volume mode, scaled so the standing total at the last bar equals {} USD \
                     ({from})",
                    group_thousands(anchor.oi_usd.round() as i64)
                )
            }
            ValueUnit::Relative => "volume mode with no open interest to scale to: values are \
                                    relative, not USD (give the venue's open interest to scale them)"
                .to_string(),
        }
    }
}

/// `engine` with volume mode scaled to its anchor; unchanged in open-interest mode, without an
/// anchor, or when nothing stands at the last bar (then the values stay relative).
pub(super) fn anchored(mut engine: Engine) -> Engine {
    if engine.settings.source != Source::Volume {
        return engine;
    }
    let Some(anchor) = engine.settings.volume_anchor else {
        return engine;
    };
    let selection = engine.default_selection();
    let last = engine.bar_count().saturating_sub(1);
    let total: f64 = match engine.standing_at(last) {
        Ok(levels) => levels
            .map(|l| l.unit_notional_usd * selection.weight(l.side, l.tier))
            .sum(),
        Err(_) => 0.0,
    };
    let factor = anchor.oi_usd / total;
    if !(total > 0.0 && factor.is_finite() && factor > 0.0) {
        engine.settings.volume_anchor = None;
        return engine;
    }
    for side in &mut std::sync::Arc::make_mut(&mut engine.inputs).new_usd {
        for usd in side.iter_mut() {
            *usd *= factor;
        }
    }
    engine.settings.volume_scale *= factor;
    engine
}

impl Engine {
    /// What the notional values of this engine are: USD, USD scaled to an open-interest
    /// figure, or relative.
    pub fn value_unit(&self) -> ValueUnit {
        match (self.settings.source, self.settings.volume_anchor) {
            (Source::OpenInterest, _) => ValueUnit::Usd,
            (Source::Volume, Some(anchor)) => ValueUnit::ScaledToOpenInterest(anchor),
            (Source::Volume, None) => ValueUnit::Relative,
        }
    }
}
