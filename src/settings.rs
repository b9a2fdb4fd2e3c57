//! The model's assumptions: one type that both the command-line flags and the UI controls edit.
//!
//! Every field is a user-visible parameter with the default of `docs/engine-model.md`. Fields that
//! default to "whatever the dataset supports" are `Auto` here and are resolved against a dataset by
//! [`ModelSettings::resolve`].

use crate::format::group_thousands;
use crate::model::Dataset;

/// Where new positions come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum SourceChoice {
    /// Open interest where the dataset has it, else volume.
    #[default]
    Auto,
    /// Rises in open interest.
    OpenInterest,
    /// Bar volume times the participation share.
    Volume,
}

/// How a bar's entry price is estimated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum EntryPrice {
    /// (high + low + close) / 3.
    #[default]
    Typical,
    /// The close.
    Close,
    /// Quote volume / base volume (needs quote volume).
    Vwap,
}

/// How new positions are split between longs and shorts.
#[derive(Clone, Copy, Debug, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub enum SplitChoice {
    /// Taker where the dataset has taker-buy volume, else fixed 0.5.
    #[default]
    Auto,
    /// Long share = taker-buy volume / volume.
    Taker,
    /// All long on an up (or flat) candle, all short on a down candle.
    Candle,
    /// A fixed long share in [0, 1].
    Fixed(f64),
}

/// What happens to standing levels when open interest falls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum OiDecrease {
    /// Every standing level shrinks by OI_i / OI_{i-1}.
    #[default]
    Shrink,
    /// Levels keep their size.
    None,
}

/// One leverage tier: a leverage and the weight of new notional it receives.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LeverageTier {
    /// Leverage, for example 10 for 10x.
    pub leverage: f64,
    /// Relative weight; weights are normalised by their sum.
    pub weight: f64,
}

/// The leverage mix: an ordered list of tiers.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TierList(pub Vec<LeverageTier>);

impl Default for TierList {
    fn default() -> Self {
        TierList(
            [
                (5.0, 0.15),
                (10.0, 0.30),
                (25.0, 0.25),
                (50.0, 0.20),
                (100.0, 0.10),
            ]
            .into_iter()
            .map(|(leverage, weight)| LeverageTier { leverage, weight })
            .collect(),
        )
    }
}

impl TierList {
    /// Sum of all weights.
    pub fn weight_sum(&self) -> f64 {
        self.0.iter().map(|t| t.weight).sum()
    }

    /// Each tier's weight divided by the sum of weights (all zero when the sum is zero).
    pub fn normalized_weights(&self) -> Vec<f64> {
        let sum = self.weight_sum();
        self.0
            .iter()
            .map(|t| if sum > 0.0 { t.weight / sum } else { 0.0 })
            .collect()
    }
}

/// Every assumption of the estimate. The command line (through its own argument struct, which
/// converts into this) and the UI both edit it; [`Default`] holds the defaults of both.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ModelSettings {
    /// Where new positions come from; `Auto`: open interest where the dataset has it, else volume.
    pub source: SourceChoice,
    /// Volume mode: share of bar volume treated as newly opened.
    pub participation: f64,
    /// Leverage tiers and weights.
    pub tiers: TierList,
    /// Maintenance margin rate.
    pub mmr: f64,
    /// Entry price of new positions.
    pub entry: EntryPrice,
    /// Long share of new positions; `Auto`: taker where the dataset has taker-buy volume, else
    /// fixed 0.5.
    pub split: SplitChoice,
    /// What falling open interest does to standing levels.
    pub oi_decrease: OiDecrease,
    /// Fade standing levels with this half-life in bars.
    pub half_life: HalfLife,
    /// Volume mode: the venue's open interest in USD that the standing total at the last bar is
    /// scaled to; `None`: the dataset's latest open-interest figure, if it holds one (otherwise
    /// the values are relative, not USD).
    pub oi_anchor_usd: Option<f64>,
}

/// The fade of standing levels: a half-life in bars, or none.
#[derive(Clone, Copy, Debug, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct HalfLife(pub Option<f64>);

impl HalfLife {
    /// The half-life in bars, if levels fade.
    pub fn bars(self) -> Option<f64> {
        self.0
    }
}

impl Default for ModelSettings {
    fn default() -> Self {
        ModelSettings {
            source: SourceChoice::Auto,
            participation: 1.0,
            tiers: TierList::default(),
            mmr: 0.004,
            entry: EntryPrice::Typical,
            split: SplitChoice::Auto,
            oi_decrease: OiDecrease::Shrink,
            half_life: HalfLife(None),
            oi_anchor_usd: None,
        }
    }
}

/// Where new positions come from, once resolved against a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Rises in open interest.
    OpenInterest,
    /// Bar volume times participation.
    Volume,
}

/// The long/short split, once resolved against a dataset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Split {
    /// Taker-buy share of volume.
    Taker,
    /// Candle direction.
    Candle,
    /// A fixed long share.
    Fixed(f64),
}

/// Settings with every `Auto` resolved and every value checked against a dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedSettings {
    /// Where new positions come from.
    pub source: Source,
    /// Volume-mode participation.
    pub participation: f64,
    /// Leverage tiers.
    pub tiers: TierList,
    /// Maintenance margin rate.
    pub mmr: f64,
    /// Entry price.
    pub entry: EntryPrice,
    /// Long/short split.
    pub split: Split,
    /// Falling open interest.
    pub oi_decrease: OiDecrease,
    /// Fade half-life in bars.
    pub half_life_bars: Option<f64>,
    /// Volume mode: the open interest the standing total is scaled to, if one is known.
    pub volume_anchor: Option<VolumeAnchor>,
    /// Volume mode: the factor new notional is multiplied by so that the standing total at the
    /// last bar equals the anchor (1 until the engine has found it; see `engine::anchor`).
    pub volume_scale: f64,
}

/// An open-interest figure that volume mode's values are scaled to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VolumeAnchor {
    /// Open interest in USD.
    pub oi_usd: f64,
    /// Where the figure comes from.
    pub from: AnchorFrom,
}

/// Where a volume-mode anchor comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnchorFrom {
    /// Typed by the user (`--oi-anchor-usd`, or the viewer's field).
    Typed,
    /// The dataset's latest open-interest sample, taken at this time.
    Dataset {
        /// Time of the sample.
        time_ms: i64,
    },
}

/// A setting that does not fit the dataset or is out of range.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SettingsError {
    /// A value outside its allowed range.
    #[error("{name} {value} is out of range: {why}")]
    OutOfRange {
        /// Flag name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The allowed range.
        why: &'static str,
    },
    /// The choice needs data the dataset lacks.
    #[error("{0}")]
    Unsupported(String),
}

impl ModelSettings {
    /// Checks every value and resolves `Auto` choices against what the dataset holds.
    pub fn resolve(&self, dataset: &Dataset) -> Result<ResolvedSettings, SettingsError> {
        let range = |name, value: f64, ok: bool, why| {
            if ok && value.is_finite() {
                Ok(())
            } else {
                Err(SettingsError::OutOfRange { name, value, why })
            }
        };
        range(
            "--participation",
            self.participation,
            self.participation >= 0.0,
            "must be 0 or more",
        )?;
        range(
            "--mmr",
            self.mmr,
            (0.0..1.0).contains(&self.mmr),
            "must be in [0, 1)",
        )?;
        if let Some(h) = self.half_life.bars() {
            range("--half-life", h, h > 0.0, "must be more than 0 bars")?;
        }
        if self.tiers.0.is_empty() {
            return Err(SettingsError::Unsupported(
                "--leverage needs at least one tier".into(),
            ));
        }
        for tier in &self.tiers.0 {
            range(
                "leverage",
                tier.leverage,
                tier.leverage >= 1.0,
                "must be 1 or more",
            )?;
            range(
                "weight",
                tier.weight,
                tier.weight >= 0.0,
                "must be 0 or more",
            )?;
        }
        if !self.tiers.weight_sum().is_finite() {
            return Err(SettingsError::Unsupported(
                "the tier weights sum past what a number can hold; weights are relative, so \
                 smaller ones give the same mix"
                    .into(),
            ));
        }
        if let Some(usd) = self.oi_anchor_usd {
            range("--oi-anchor-usd", usd, usd > 0.0, "must be more than 0 USD")?;
        }
        let source = match self.source {
            SourceChoice::Auto if has_oi_history(dataset) => Source::OpenInterest,
            SourceChoice::Auto | SourceChoice::Volume => Source::Volume,
            SourceChoice::OpenInterest if dataset.has_open_interest() => Source::OpenInterest,
            SourceChoice::OpenInterest => {
                return Err(SettingsError::Unsupported(
                    "--source oi needs open interest, and this dataset has none (use --source volume)"
                        .into(),
                ));
            }
        };
        let split = match self.split {
            SplitChoice::Auto if dataset.has_taker_buy() => Split::Taker,
            SplitChoice::Auto => Split::Fixed(0.5),
            SplitChoice::Taker if dataset.has_taker_buy() => Split::Taker,
            SplitChoice::Taker => {
                return Err(SettingsError::Unsupported(
                    "--split taker needs taker-buy volume, and this dataset has none".into(),
                ));
            }
            SplitChoice::Candle => Split::Candle,
            SplitChoice::Fixed(f) => {
                range(
                    "--split fixed",
                    f,
                    (0.0..=1.0).contains(&f),
                    "must be in [0, 1]",
                )?;
                Split::Fixed(f)
            }
        };
        if self.entry == EntryPrice::Vwap && !dataset.has_quote_volume() {
            return Err(SettingsError::Unsupported(
                "--entry vwap needs quote volume, and this dataset has none".into(),
            ));
        }
        Ok(ResolvedSettings {
            source,
            participation: self.participation,
            tiers: self.tiers.clone(),
            mmr: self.mmr,
            entry: self.entry,
            split,
            oi_decrease: self.oi_decrease,
            half_life_bars: self.half_life.bars(),
            volume_anchor: match source {
                Source::OpenInterest => None,
                Source::Volume => self.volume_anchor(dataset),
            },
            volume_scale: 1.0,
        })
    }

    /// The figure volume mode is scaled to: the one typed, else the dataset's latest open
    /// interest in USD (its own USD value, or coins times the close of the bar it falls in).
    fn volume_anchor(&self, dataset: &Dataset) -> Option<VolumeAnchor> {
        if let Some(oi_usd) = self.oi_anchor_usd {
            return Some(VolumeAnchor {
                oi_usd,
                from: AnchorFrom::Typed,
            });
        }
        let sample = dataset.open_interest.last()?;
        let oi_usd = sample.value_usd.or_else(|| {
            let at = dataset
                .bars
                .partition_point(|b| b.open_time_ms <= sample.time_ms);
            let bar = dataset.bars.get(at.checked_sub(1)?)?;
            Some(sample.open_interest * bar.close)
        })?;
        (oi_usd.is_finite() && oi_usd > 0.0).then_some(VolumeAnchor {
            oi_usd,
            from: AnchorFrom::Dataset {
                time_ms: sample.time_ms,
            },
        })
    }
}

/// A USD figure in millions, for one-line summaries: `9,512.3M`.
fn millions(usd: f64) -> String {
    let tenths = (usd / 1e5).round() as i64;
    format!("{}.{}M", group_thousands(tenths / 10), tenths % 10)
}

/// Whether `Auto` can map from open interest: two samples or more, the first no later than the
/// middle of the bars. A series that starts late (one current figure, or samples polled since
/// live mode began) would leave most of the span empty; volume mode scaled to it shows more.
fn has_oi_history(dataset: &Dataset) -> bool {
    let (Some(first), Some((start_ms, end_ms))) =
        (dataset.open_interest.first(), dataset.time_range_ms())
    else {
        return false;
    };
    dataset.open_interest.len() >= 2 && first.time_ms <= start_ms + (end_ms - start_ms) / 2
}

impl ResolvedSettings {
    /// A one-line summary for titles and reports, for example
    /// `oi · taker split · typical entry · mmr 0.4% · 5x 15%, 10x 30%`.
    pub fn summary(&self) -> String {
        let source = match self.source {
            Source::OpenInterest => "open interest".to_string(),
            Source::Volume => match self.volume_anchor {
                Some(anchor) => format!(
                    "volume, scaled to open interest {} USD",
                    millions(anchor.oi_usd)
                ),
                None => format!(
                    "volume x{} (relative values, not USD: no open interest to scale to)",
                    self.participation
                ),
            },
        };
        let split = match self.split {
            Split::Taker => "taker split".to_string(),
            Split::Candle => "candle split".to_string(),
            Split::Fixed(f) => format!("fixed {f} long"),
        };
        let tiers: Vec<String> = self
            .tiers
            .0
            .iter()
            .zip(self.tiers.normalized_weights())
            .map(|(t, w)| format!("{}x {:.0}%", t.leverage, w * 100.0))
            .collect();
        let mut parts = vec![
            source,
            split,
            format!("{} entry", self.entry),
            format!("mmr {}%", self.mmr * 100.0),
            tiers.join(", "),
        ];
        if self.oi_decrease == OiDecrease::None && self.source == Source::OpenInterest {
            parts.push("no shrink".into());
        }
        if let Some(h) = self.half_life_bars {
            parts.push(format!("half-life {h} bars"));
        }
        parts.join(" · ")
    }
}

mod text;
pub use text::{ParseSettingError, parse_half_life};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millions_read_as_written_by_hand() {
        assert_eq!(millions(9_512_345_678.0), "9,512.3M");
        assert_eq!(millions(50_000.0), "0.1M");
    }

    #[test]
    fn tier_list_parses_the_documented_default() {
        let parsed: TierList = "5:0.15,10:0.30,25:0.25,50:0.20,100:0.10".parse().unwrap();
        assert_eq!(parsed, TierList::default());
    }

    #[test]
    fn bad_flag_values_are_rejected_with_a_reason() {
        assert!("10".parse::<TierList>().is_err());
        assert!("0.5:1".parse::<TierList>().is_err());
        // Each weight finite, their sum not: normalised they would all be 0, an empty map.
        let err = "5:1e308,10:1e308".parse::<TierList>().unwrap_err();
        assert!(err.to_string().contains("weights sum"), "{err}");
        assert!("fixed:1.5".parse::<SplitChoice>().is_err());
        assert_eq!(
            "fixed:0.25".parse::<SplitChoice>(),
            Ok(SplitChoice::Fixed(0.25))
        );
        assert!(parse_half_life("-3").is_err());
        assert_eq!(parse_half_life("none"), Ok(None));
    }
}
