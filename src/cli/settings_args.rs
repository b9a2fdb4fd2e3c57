//! The command-line flags of the library's settings types: each struct converts into its library
//! type, and takes its defaults from that type's `Default`, so a default is written only once.

use crate::engine::ClusterParams;
use crate::render::colors::{ColorMap, ColorScale, ColorSettings, ScaleTop, parse_opacity};
use crate::settings::{
    EntryPrice, HalfLife, ModelSettings, OiDecrease, SourceChoice, SplitChoice, TierList,
};

/// The model's assumptions as flags ([`ModelSettings`]).
#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {
    /// Positions come from rises in open interest (`oi`) or from bar volume (`volume`);
    /// default: oi where the dataset has open interest, else volume.
    #[arg(long, value_name = "oi|volume", default_value_t = ModelSettings::default().source)]
    pub source: SourceChoice,
    /// Volume mode: share of bar volume treated as newly opened.
    #[arg(
        long,
        value_name = "F",
        default_value_t = ModelSettings::default().participation,
        allow_negative_numbers = true
    )]
    pub participation: f64,
    /// Leverage tiers and weights, `L:W,...`.
    #[arg(
        long = "leverage",
        value_name = "L:W,...",
        default_value_t = ModelSettings::default().tiers,
        allow_negative_numbers = true
    )]
    pub tiers: TierList,
    /// Maintenance margin rate.
    #[arg(
        long,
        value_name = "RATE",
        default_value_t = ModelSettings::default().mmr,
        allow_negative_numbers = true
    )]
    pub mmr: f64,
    /// Entry price of new positions.
    #[arg(long, value_name = "typical|close|vwap", default_value_t = ModelSettings::default().entry)]
    pub entry: EntryPrice,
    /// Long share of new positions; default: taker where the dataset has taker-buy volume,
    /// else fixed:0.5.
    #[arg(long, value_name = "taker|candle|fixed:F", default_value_t = ModelSettings::default().split)]
    pub split: SplitChoice,
    /// What falling open interest does to standing levels.
    #[arg(
        long = "oi-decrease",
        value_name = "shrink|none",
        default_value_t = ModelSettings::default().oi_decrease
    )]
    pub oi_decrease: OiDecrease,
    /// Fade standing levels with this half-life in bars.
    #[arg(
        long = "half-life",
        value_name = "BARS|none",
        default_value_t = ModelSettings::default().half_life,
        allow_negative_numbers = true
    )]
    pub half_life: HalfLife,
    /// Volume mode: the venue's open interest in USD to scale the map to (the standing total at
    /// the last bar equals it); default: the dataset's latest open-interest figure, else the
    /// values are relative, not USD.
    #[arg(
        long = "oi-anchor-usd",
        value_name = "USD",
        allow_negative_numbers = true
    )]
    pub oi_anchor_usd: Option<f64>,
}

impl From<&ModelArgs> for ModelSettings {
    fn from(args: &ModelArgs) -> Self {
        ModelSettings {
            source: args.source,
            participation: args.participation,
            tiers: args.tiers.clone(),
            mmr: args.mmr,
            entry: args.entry,
            split: args.split,
            oi_decrease: args.oi_decrease,
            half_life: args.half_life,
            oi_anchor_usd: args.oi_anchor_usd,
        }
    }
}

/// A flag value that could not be read, with the reason.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadValue(pub String);

/// Parses a share flag: a number above 0 and at most 1.
pub fn parse_share(s: &str) -> Result<f64, BadValue> {
    match s.parse::<f64>() {
        Ok(share) if share > 0.0 && share <= 1.0 => Ok(share),
        _ => Err(BadValue(format!(
            "bad share '{s}': expected a number above 0 and at most 1"
        ))),
    }
}

/// What counts as a cluster, as flags ([`ClusterParams`]).
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ClusterArgs {
    /// A peak counts when its prominence is at least this share of the side's largest row.
    #[arg(
        long = "min-prominence",
        value_name = "SHARE",
        default_value_t = ClusterParams::default().min_prominence_share,
        value_parser = parse_share,
        allow_negative_numbers = true
    )]
    pub min_prominence_share: f64,
    /// A band holds the rows around a peak with at least this share of the peak's value.
    #[arg(
        long = "band-share",
        value_name = "SHARE",
        default_value_t = ClusterParams::default().band_share,
        value_parser = parse_share,
        allow_negative_numbers = true
    )]
    pub band_share: f64,
}

impl From<ClusterArgs> for ClusterParams {
    fn from(args: ClusterArgs) -> Self {
        ClusterParams {
            min_prominence_share: args.min_prominence_share,
            band_share: args.band_share,
        }
    }
}

/// Heatmap colours as flags ([`ColorSettings`]).
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ColorArgs {
    /// Colour map of the heatmap.
    #[arg(
        long = "colormap",
        value_name = "viridis|inferno|magma|plasma|turbo|cividis",
        default_value_t = ColorSettings::default().map
    )]
    pub map: ColorMap,
    /// How notional is scaled onto the colour map.
    #[arg(
        long = "color-scale",
        value_name = "linear|sqrt|log",
        default_value_t = ColorSettings::default().scale
    )]
    pub scale: ColorScale,
    /// The value that gets the last colour: a percentile of the non-zero cells (`p99`, `99%`)
    /// or a fixed USD amount (`2.5M`, `750k`, `1000000`).
    #[arg(
        long = "color-top",
        value_name = "pNN|USD",
        default_value_t = ColorSettings::default().top,
        allow_negative_numbers = true
    )]
    pub top: ScaleTop,
    /// Opacity of the heatmap in [0, 1]; 1 hides the background entirely.
    #[arg(
        long = "opacity",
        value_name = "0..1",
        default_value_t = ColorSettings::default().opacity,
        value_parser = parse_opacity,
        allow_negative_numbers = true
    )]
    pub opacity: f64,
}

impl From<ColorArgs> for ColorSettings {
    fn from(args: ColorArgs) -> Self {
        ColorSettings {
            map: args.map,
            scale: args.scale,
            top: args.top,
            opacity: args.opacity,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct All {
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        clusters: ClusterArgs,
        #[command(flatten)]
        colors: ColorArgs,
    }

    #[test]
    fn every_command_line_default_is_the_library_default() {
        let all = All::try_parse_from(["liqmap"]).unwrap();
        assert_eq!(ModelSettings::from(&all.model), ModelSettings::default());
        assert_eq!(ClusterParams::from(all.clusters), ClusterParams::default());
        assert_eq!(ColorSettings::from(all.colors), ColorSettings::default());
    }

    #[test]
    fn negative_numbers_reach_the_value_check() {
        // `--mmr -1` with a space: read as the value -1, then refused by the range check, not
        // by clap as an unknown flag `-1`.
        let all = All::try_parse_from(["liqmap", "--mmr", "-1"]).unwrap();
        assert_eq!(all.model.mmr, -1.0);
        let err = All::try_parse_from(["liqmap", "--band-share", "-0.5"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("bad share '-0.5'"), "{err}");
    }
}
