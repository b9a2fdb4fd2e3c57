//! The settings' text forms: how each choice is written on the command line and in reports,
//! and read back (`FromStr` and `Display`, which round-trip).

use std::fmt;
use std::str::FromStr;

use super::{EntryPrice, HalfLife, LeverageTier, OiDecrease, SourceChoice, SplitChoice, TierList};

impl FromStr for HalfLife {
    type Err = ParseSettingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_half_life(s).map(HalfLife)
    }
}

/// A flag value that could not be parsed.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct ParseSettingError(String);

impl FromStr for SourceChoice {
    type Err = ParseSettingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(SourceChoice::Auto),
            "oi" => Ok(SourceChoice::OpenInterest),
            "volume" => Ok(SourceChoice::Volume),
            _ => Err(ParseSettingError(format!(
                "unknown source '{s}': expected oi or volume"
            ))),
        }
    }
}

impl fmt::Display for SourceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceChoice::Auto => "auto",
            SourceChoice::OpenInterest => "oi",
            SourceChoice::Volume => "volume",
        })
    }
}

impl FromStr for EntryPrice {
    type Err = ParseSettingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "typical" => Ok(EntryPrice::Typical),
            "close" => Ok(EntryPrice::Close),
            "vwap" => Ok(EntryPrice::Vwap),
            _ => Err(ParseSettingError(format!(
                "unknown entry price '{s}': expected typical, close or vwap"
            ))),
        }
    }
}

impl fmt::Display for EntryPrice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EntryPrice::Typical => "typical",
            EntryPrice::Close => "close",
            EntryPrice::Vwap => "vwap",
        })
    }
}

impl FromStr for SplitChoice {
    type Err = ParseSettingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(SplitChoice::Auto),
            "taker" => Ok(SplitChoice::Taker),
            "candle" => Ok(SplitChoice::Candle),
            _ => {
                let bad = || {
                    ParseSettingError(format!(
                        "unknown split '{s}': expected taker, candle or fixed:F with F in [0, 1]"
                    ))
                };
                let f: f64 = s
                    .strip_prefix("fixed:")
                    .ok_or_else(bad)?
                    .parse()
                    .map_err(|_| bad())?;
                if (0.0..=1.0).contains(&f) {
                    Ok(SplitChoice::Fixed(f))
                } else {
                    Err(bad())
                }
            }
        }
    }
}

impl fmt::Display for SplitChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitChoice::Auto => f.write_str("auto"),
            SplitChoice::Taker => f.write_str("taker"),
            SplitChoice::Candle => f.write_str("candle"),
            SplitChoice::Fixed(share) => write!(f, "fixed:{share}"),
        }
    }
}

impl FromStr for OiDecrease {
    type Err = ParseSettingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "shrink" => Ok(OiDecrease::Shrink),
            "none" => Ok(OiDecrease::None),
            _ => Err(ParseSettingError(format!(
                "unknown oi-decrease '{s}': expected shrink or none"
            ))),
        }
    }
}

impl fmt::Display for OiDecrease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OiDecrease::Shrink => "shrink",
            OiDecrease::None => "none",
        })
    }
}

impl fmt::Display for HalfLife {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(bars) => write!(f, "{bars}"),
            None => f.write_str("none"),
        }
    }
}

/// `L:W,...`, the form `--leverage` reads.
impl fmt::Display for TierList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, tier) in self.0.iter().enumerate() {
            let comma = if i == 0 { "" } else { "," };
            write!(f, "{comma}{}:{}", tier.leverage, tier.weight)?;
        }
        Ok(())
    }
}

impl FromStr for TierList {
    type Err = ParseSettingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let tiers = s
            .split(',')
            .map(|part| {
                let bad = || {
                    ParseSettingError(format!(
                        "bad leverage tier '{part}': expected L:W, for example 10:0.3"
                    ))
                };
                let (l, w) = part.trim().split_once(':').ok_or_else(bad)?;
                let leverage: f64 = l.trim().trim_end_matches('x').parse().map_err(|_| bad())?;
                let weight: f64 = w.trim().parse().map_err(|_| bad())?;
                if !(leverage.is_finite() && leverage >= 1.0 && weight.is_finite() && weight >= 0.0)
                {
                    return Err(ParseSettingError(format!(
                        "bad leverage tier '{part}': leverage must be 1 or more and weight 0 or more"
                    )));
                }
                Ok(LeverageTier { leverage, weight })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if tiers.iter().all(|t| t.weight == 0.0) {
            return Err(ParseSettingError(
                "--leverage needs at least one tier with a weight above 0".into(),
            ));
        }
        let tiers = TierList(tiers);
        if !tiers.weight_sum().is_finite() {
            return Err(ParseSettingError(format!(
                "--leverage {s}: the weights sum past what a number can hold; weights are \
                 relative, so smaller ones give the same mix"
            )));
        }
        Ok(tiers)
    }
}

/// Parses `--half-life`: a positive number of bars, or `none`.
pub fn parse_half_life(s: &str) -> Result<Option<f64>, ParseSettingError> {
    if s == "none" {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(h) if h.is_finite() && h > 0.0 => Ok(Some(h)),
        _ => Err(ParseSettingError(format!(
            "bad half-life '{s}': expected a number of bars above 0, or none"
        ))),
    }
}
