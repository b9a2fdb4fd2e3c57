//! Colour settings of the heatmap, shared by the PNG export and the viewer: which colour map,
//! how USD notional is scaled onto it, and which value is the top of the scale.
//!
//! Flag syntax (also what [`fmt::Display`] prints, so values round-trip):
//! - colour map: `viridis`, `inferno`, `magma`, `plasma`, `turbo`, `cividis`;
//! - scale: `linear`, `sqrt`, `log`;
//! - top: `p99` or `99%` for a percentile of the non-zero cells, or a USD amount such as
//!   `2500000`, `2.5M`, `750k` or `$1B` for a fixed top.

use std::fmt;
use std::str::FromStr;

/// A perceptual colour map from `colorous`; low values get the first colour, the top the last.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum ColorMap {
    /// Dark purple through teal to yellow.
    #[default]
    Viridis,
    /// Black through red to pale yellow.
    Inferno,
    /// Black through purple to pale pink.
    Magma,
    /// Blue through magenta to yellow.
    Plasma,
    /// A rainbow-like map with even lightness steps.
    Turbo,
    /// Blue to yellow, readable with colour-vision deficiency.
    Cividis,
}

impl ColorMap {
    /// Every map, in the order a menu lists them.
    pub const ALL: [ColorMap; 6] = [
        ColorMap::Viridis,
        ColorMap::Inferno,
        ColorMap::Magma,
        ColorMap::Plasma,
        ColorMap::Turbo,
        ColorMap::Cividis,
    ];

    /// Lower-case name, as the command line takes it.
    pub fn name(self) -> &'static str {
        match self {
            ColorMap::Viridis => "viridis",
            ColorMap::Inferno => "inferno",
            ColorMap::Magma => "magma",
            ColorMap::Plasma => "plasma",
            ColorMap::Turbo => "turbo",
            ColorMap::Cividis => "cividis",
        }
    }

    /// The `colorous` gradient behind this map.
    pub fn gradient(self) -> colorous::Gradient {
        match self {
            ColorMap::Viridis => colorous::VIRIDIS,
            ColorMap::Inferno => colorous::INFERNO,
            ColorMap::Magma => colorous::MAGMA,
            ColorMap::Plasma => colorous::PLASMA,
            ColorMap::Turbo => colorous::TURBO,
            ColorMap::Cividis => colorous::CIVIDIS,
        }
    }
}

/// How a value, as a fraction `x = value / top` in [0, 1], becomes a position `t` on the map.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum ColorScale {
    /// `t = x`: colour proportional to notional; only the biggest clusters stand out.
    Linear,
    /// `t = √x`: lifts mid-sized clusters while keeping the order clear.
    #[default]
    Sqrt,
    /// `t = ln(1 + 1000·x) / ln(1001)`: log1p-style, so 0 stays 0 and the top stays 1; it spans
    /// about three decades below the top (a cell at 1/1000 of the top sits at t ≈ 0.1, one at
    /// 1/10 of the top at t ≈ 0.67). Scaling by the top, not by raw USD, keeps the picture the
    /// same whatever the size of the market.
    Log,
}

/// How much of the scale [`ColorScale::Log`] spans: `x = 1 / LOG_SPAN` maps to t = 0.1.
const LOG_SPAN: f64 = 1000.0;

impl ColorScale {
    /// Every scale, in the order a menu lists them.
    pub const ALL: [ColorScale; 3] = [ColorScale::Linear, ColorScale::Sqrt, ColorScale::Log];

    /// Lower-case name, as the command line takes it.
    pub fn name(self) -> &'static str {
        match self {
            ColorScale::Linear => "linear",
            ColorScale::Sqrt => "sqrt",
            ColorScale::Log => "log",
        }
    }

    /// Position on the map, in [0, 1], of a fraction of the top (clamped to [0, 1] first; NaN
    /// counts as 0).
    pub fn apply(self, fraction: f64) -> f64 {
        let x = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        match self {
            ColorScale::Linear => x,
            ColorScale::Sqrt => x.sqrt(),
            ColorScale::Log => (LOG_SPAN * x).ln_1p() / LOG_SPAN.ln_1p(),
        }
    }

    /// The fraction of the top that lands at position `t` in [0, 1]: the inverse of
    /// [`ColorScale::apply`], used to label the legend.
    pub fn invert(self, t: f64) -> f64 {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        match self {
            ColorScale::Linear => t,
            ColorScale::Sqrt => t * t,
            ColorScale::Log => (t * LOG_SPAN.ln_1p()).exp_m1() / LOG_SPAN,
        }
    }
}

/// Which value gets the last colour of the map; anything above it clamps to that colour.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ScaleTop {
    /// This percentile, in (0, 100], of the non-zero cells in view (see [`resolve_top_usd`]).
    /// Follows the data, so the picture changes while panning.
    Percentile(f64),
    /// A fixed notional in USD, above 0. Stays put while panning, so views compare directly.
    FixedUsd(f64),
}

impl Default for ScaleTop {
    fn default() -> Self {
        ScaleTop::Percentile(99.0)
    }
}

/// Every colour choice of the heatmap.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ColorSettings {
    /// Colour map of the heatmap.
    pub map: ColorMap,
    /// How notional is scaled onto the colour map.
    pub scale: ColorScale,
    /// The value that gets the last colour: a percentile of the non-zero cells or a fixed USD
    /// amount.
    pub top: ScaleTop,
    /// Opacity of the heatmap in [0, 1]; 1 hides the background entirely.
    pub opacity: f64,
}

impl Default for ColorSettings {
    fn default() -> Self {
        ColorSettings {
            map: ColorMap::Viridis,
            scale: ColorScale::Sqrt,
            top: ScaleTop::Percentile(99.0),
            opacity: 0.85,
        }
    }
}

/// The top of the scale in USD for these values.
///
/// For [`ScaleTop::Percentile`] it is the nearest-rank percentile of the cells that are finite
/// and above zero: with those `n` values sorted ascending, the value at 1-based rank
/// `ceil(p / 100 · n)` (at least 1). So for the values 1..=100, p99 is 99 and p100 is 100.
/// Returns 0 when no cell is above zero. Runs in linear time (a selection, not a sort).
pub fn resolve_top_usd(values_usd: &[f64], top: ScaleTop) -> f64 {
    match top {
        ScaleTop::FixedUsd(usd) => usd,
        ScaleTop::Percentile(p) => {
            let mut positive: Vec<f64> = values_usd
                .iter()
                .copied()
                .filter(|v| v.is_finite() && *v > 0.0)
                .collect();
            if positive.is_empty() {
                return 0.0;
            }
            let n = positive.len();
            let p = if p.is_nan() {
                100.0
            } else {
                p.clamp(0.0, 100.0)
            };
            let rank = ((p / 100.0 * n as f64).ceil() as usize).clamp(1, n);
            let (_, nth, _) = positive.select_nth_unstable_by(rank - 1, f64::total_cmp);
            *nth
        }
    }
}

/// Position on the map, in [0, 1], of a value; `None` for a value that is drawn transparent
/// (zero, negative or not finite). A top at or below zero puts every positive value at the top.
fn position(value_usd: f64, top_usd: f64, scale: ColorScale) -> Option<f64> {
    if !(value_usd.is_finite() && value_usd > 0.0) {
        return None;
    }
    if !(top_usd.is_finite() && top_usd > 0.0) {
        return Some(1.0);
    }
    Some(scale.apply(value_usd / top_usd))
}

/// Opacity as an alpha byte.
fn alpha_byte(opacity: f64) -> u8 {
    let opacity = if opacity.is_nan() {
        1.0
    } else {
        opacity.clamp(0.0, 1.0)
    };
    (opacity * 255.0).round() as u8
}

/// The RGBA colour of one cell: fully transparent for zero (and for negative or non-finite
/// values); values above the top get the top colour; alpha is the settings' opacity.
pub fn color_of(value_usd: f64, top_usd: f64, settings: &ColorSettings) -> [u8; 4] {
    match position(value_usd, top_usd, settings.scale) {
        None => [0, 0, 0, 0],
        Some(t) => {
            let c = settings.map.gradient().eval_continuous(t);
            [c.r, c.g, c.b, alpha_byte(settings.opacity)]
        }
    }
}

/// 256 precomputed colours for one settings and top: colouring a big grid costs a couple of
/// multiplications (or, for the log scale, a short search) and one table look-up per cell
/// instead of a gradient evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct ColorLut {
    /// Colour at position `i / 255` of the map, with the settings' opacity as alpha.
    colors: [[u8; 4]; 256],
    /// `thresholds_usd[i]` (for i in 1..=255) is the smallest value drawn with colour `i` or
    /// later; entry 0 is unused. Rounding the scaled position to the nearest of 256 steps is the
    /// same as counting the thresholds at or below the value.
    thresholds_usd: [f64; 256],
    /// `255 / top`, for the linear and sqrt fast paths.
    steps_per_usd: f64,
    /// The top in USD the table was built for.
    top_usd: f64,
    /// The scale the table was built for.
    scale: ColorScale,
}

impl ColorLut {
    /// Builds the table for these settings and this top in USD (see [`resolve_top_usd`]).
    pub fn new(settings: &ColorSettings, top_usd: f64) -> Self {
        let gradient = settings.map.gradient();
        let alpha = alpha_byte(settings.opacity);
        let mut colors = [[0u8; 4]; 256];
        for (i, slot) in colors.iter_mut().enumerate() {
            let c = gradient.eval_continuous(i as f64 / 255.0);
            *slot = [c.r, c.g, c.b, alpha];
        }
        let usable_top = top_usd.is_finite() && top_usd > 0.0;
        let mut thresholds_usd = [0.0; 256];
        if usable_top {
            for (i, slot) in thresholds_usd.iter_mut().enumerate().skip(1) {
                *slot = top_usd * settings.scale.invert((i as f64 - 0.5) / 255.0);
            }
        }
        ColorLut {
            colors,
            thresholds_usd,
            // A top at or below zero puts every positive value at the last colour.
            steps_per_usd: if usable_top {
                255.0 / top_usd
            } else {
                f64::INFINITY
            },
            top_usd,
            scale: settings.scale,
        }
    }

    /// The top in USD this table maps to the last colour.
    pub fn top_usd(&self) -> f64 {
        self.top_usd
    }

    /// Which of the 256 colours a value gets; `None` for a value drawn transparent (zero,
    /// negative or not finite).
    #[inline]
    pub fn index_of(&self, value_usd: f64) -> Option<usize> {
        if !(value_usd.is_finite() && value_usd > 0.0) {
            return None;
        }
        // `as` truncates and saturates, which with + 0.5 rounds the non-negative steps.
        let index = match self.scale {
            ColorScale::Linear => (value_usd * self.steps_per_usd).min(255.0) + 0.5,
            ColorScale::Sqrt => {
                (value_usd * self.steps_per_usd / 255.0).min(1.0).sqrt() * 255.0 + 0.5
            }
            ColorScale::Log => {
                let mut index = 0;
                for step in [128, 64, 32, 16, 8, 4, 2, 1] {
                    let above = self
                        .thresholds_usd
                        .get(index + step)
                        .is_some_and(|threshold| value_usd >= *threshold);
                    index += if above { step } else { 0 };
                }
                return Some(index);
            }
        };
        Some((index as usize).min(255))
    }

    /// Like [`color_of`], with the position rounded to one of 256 steps.
    #[inline]
    pub fn color_of(&self, value_usd: f64) -> [u8; 4] {
        self.index_of(value_usd)
            .and_then(|index| self.colors.get(index).copied())
            .unwrap_or([0, 0, 0, 0])
    }

    /// The colour at position `t` in [0, 1] of the map (for legends).
    pub fn at(&self, t: f64) -> [u8; 4] {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let index = (t * 255.0 + 0.5) as usize;
        self.colors.get(index).copied().unwrap_or([0, 0, 0, 0])
    }
}

/// A colour flag value that could not be parsed.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct ParseColorError(String);

impl FromStr for ColorMap {
    type Err = ParseColorError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        ColorMap::ALL
            .into_iter()
            .find(|m| m.name() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = ColorMap::ALL.iter().map(|m| m.name()).collect();
                ParseColorError(format!(
                    "unknown colour map '{s}': expected one of {}",
                    names.join(", ")
                ))
            })
    }
}

impl fmt::Display for ColorMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ColorScale {
    type Err = ParseColorError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        ColorScale::ALL
            .into_iter()
            .find(|m| m.name() == wanted)
            .ok_or_else(|| {
                ParseColorError(format!(
                    "unknown colour scale '{s}': expected linear, sqrt or log"
                ))
            })
    }
}

impl fmt::Display for ColorScale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ScaleTop {
    type Err = ParseColorError;
    /// `p99`, `p99.5` or `99%`: a percentile in (0, 100]. Otherwise a USD amount above 0, with an
    /// optional leading `$` and an optional `k`, `M` or `B` suffix: `2500000`, `2.5M`, `$750k`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let percentile = text
            .strip_prefix('p')
            .or_else(|| text.strip_prefix('P'))
            .or_else(|| text.strip_suffix('%'));
        if let Some(number) = percentile {
            return match number.trim().parse::<f64>() {
                Ok(p) if p > 0.0 && p <= 100.0 => Ok(ScaleTop::Percentile(p)),
                _ => Err(ParseColorError(format!(
                    "bad colour top '{s}': a percentile must be in (0, 100], for example p99"
                ))),
            };
        }
        let bad = || {
            ParseColorError(format!(
                "bad colour top '{s}': expected a percentile (p99, 99%) or a USD amount above 0 \
                 (2500000, 2.5M, 750k)"
            ))
        };
        let amount = text.strip_prefix('$').unwrap_or(text).trim();
        let (number, unit) = match amount.char_indices().last() {
            Some((i, 'k' | 'K')) => (amount.get(..i), 1e3),
            Some((i, 'm' | 'M')) => (amount.get(..i), 1e6),
            Some((i, 'b' | 'B')) => (amount.get(..i), 1e9),
            _ => (Some(amount), 1.0),
        };
        let usd = number
            .ok_or_else(bad)?
            .trim()
            .parse::<f64>()
            .map_err(|_| bad())?
            * unit;
        if usd.is_finite() && usd > 0.0 {
            Ok(ScaleTop::FixedUsd(usd))
        } else {
            Err(bad())
        }
    }
}

impl fmt::Display for ScaleTop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScaleTop::Percentile(p) => write!(f, "p{p}"),
            ScaleTop::FixedUsd(usd) => write!(f, "{usd}"),
        }
    }
}

/// Parses `--opacity`: a number in [0, 1].
pub fn parse_opacity(s: &str) -> Result<f64, ParseColorError> {
    match s.trim().parse::<f64>() {
        Ok(o) if (0.0..=1.0).contains(&o) => Ok(o),
        _ => Err(ParseColorError(format!(
            "bad opacity '{s}': expected a number in [0, 1]"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for map in ColorMap::ALL {
            assert_eq!(map.to_string().parse::<ColorMap>(), Ok(map));
        }
        for scale in ColorScale::ALL {
            assert_eq!(scale.to_string().parse::<ColorScale>(), Ok(scale));
        }
        for top in [ScaleTop::Percentile(99.5), ScaleTop::FixedUsd(2_500_000.0)] {
            assert_eq!(top.to_string().parse::<ScaleTop>(), Ok(top));
        }
        assert!("rainbow".parse::<ColorMap>().is_err());
    }

    #[test]
    fn top_syntax() {
        assert_eq!("p99".parse(), Ok(ScaleTop::Percentile(99.0)));
        assert_eq!("95%".parse(), Ok(ScaleTop::Percentile(95.0)));
        assert_eq!("2.5M".parse(), Ok(ScaleTop::FixedUsd(2_500_000.0)));
        assert_eq!("$750k".parse(), Ok(ScaleTop::FixedUsd(750_000.0)));
        assert_eq!("1000".parse(), Ok(ScaleTop::FixedUsd(1000.0)));
        assert!("p0".parse::<ScaleTop>().is_err());
        assert!("p101".parse::<ScaleTop>().is_err());
        assert!("-5".parse::<ScaleTop>().is_err());
        assert!("M".parse::<ScaleTop>().is_err());
        assert!("lots".parse::<ScaleTop>().is_err());
    }

    #[test]
    fn invert_undoes_apply() {
        for scale in ColorScale::ALL {
            for x in [0.0, 0.001, 0.1, 0.5, 1.0] {
                assert!(
                    (scale.invert(scale.apply(x)) - x).abs() < 1e-9,
                    "{scale} {x}"
                );
            }
        }
    }

    #[test]
    fn lut_rounds_like_the_scale() {
        for scale in ColorScale::ALL {
            let settings = ColorSettings {
                scale,
                ..ColorSettings::default()
            };
            let lut = ColorLut::new(&settings, 1000.0);
            for i in 1..=2000 {
                let value = f64::from(i) * 0.6;
                let expected = (scale.apply(value / 1000.0) * 255.0).round() as usize;
                let got = lut.index_of(value).unwrap();
                // Values right on a step boundary may round either way.
                assert!(
                    got.abs_diff(expected) <= 1,
                    "{scale} {value}: {got} vs {expected}"
                );
            }
            assert_eq!(lut.index_of(1000.0), Some(255));
            assert_eq!(lut.index_of(1e9), Some(255));
            assert_eq!(lut.index_of(0.0), None);
            assert_eq!(ColorLut::new(&settings, 0.0).index_of(5.0), Some(255));
        }
    }

    #[test]
    fn lut_agrees_with_color_of_at_the_ends() {
        let settings = ColorSettings::default();
        let lut = ColorLut::new(&settings, 10.0);
        assert_eq!(lut.color_of(10.0), color_of(10.0, 10.0, &settings));
        assert_eq!(lut.color_of(0.0), [0, 0, 0, 0]);
        assert_eq!(lut.color_of(f64::NAN), [0, 0, 0, 0]);
    }
}
