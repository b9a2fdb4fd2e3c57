//! Per-bar inputs of the estimate: entry price, new notional by side, and the running scale.

use crate::model::Dataset;
use crate::settings::{EntryPrice, OiDecrease, ResolvedSettings, Source, Split};

/// What each bar contributes, computed once per dataset and settings.
#[derive(Debug, Clone, PartialEq)]
pub struct BarInputs {
    /// Entry price of the positions opened in each bar.
    pub entry_price: Vec<f64>,
    /// New notional in USD per bar, by side (`[long, short]`), before the tier split.
    pub new_usd: [Vec<f64>; 2],
    /// Natural log of the running scale S after steps b and c of each bar: a level born at bar i
    /// is worth `notional * exp(log_scale[t] - log_scale[i])` at bar t.
    pub log_scale: Vec<f64>,
    /// Open interest in force at each bar (the latest sample at or before the bar's close).
    pub open_interest: Vec<Option<f64>>,
}

/// Open interest at each bar: the latest sample with `time_ms <= open_time + interval`, never a
/// later one (no look-ahead). `None` until the first sample.
pub fn aligned_open_interest(dataset: &Dataset) -> Vec<Option<f64>> {
    let mut samples = dataset.open_interest.iter().peekable();
    let mut current = None;
    dataset
        .bars
        .iter()
        .map(|bar| {
            let bar_close_ms = bar.open_time_ms + dataset.interval_ms;
            while let Some(sample) = samples.next_if(|s| s.time_ms <= bar_close_ms) {
                current = Some(sample.open_interest);
            }
            current
        })
        .collect()
}

/// Computes the per-bar inputs for resolved settings.
pub fn bar_inputs(dataset: &Dataset, settings: &ResolvedSettings) -> BarInputs {
    let n = dataset.bars.len();
    let open_interest = match settings.source {
        Source::OpenInterest => aligned_open_interest(dataset),
        Source::Volume => vec![None; n],
    };
    let fade_log = settings
        .half_life_bars
        .map_or(0.0, |h| -std::f64::consts::LN_2 / h);
    let mut entry_price = Vec::with_capacity(n);
    let mut new_long = Vec::with_capacity(n);
    let mut new_short = Vec::with_capacity(n);
    let mut log_scale = Vec::with_capacity(n);
    let mut scale = 0.0;
    let mut previous_oi: Option<f64> = None;
    for (bar, oi) in dataset.bars.iter().zip(&open_interest) {
        let entry = match settings.entry {
            EntryPrice::Typical => bar.typical_price(),
            EntryPrice::Close => bar.close,
            EntryPrice::Vwap => match bar.quote_volume {
                Some(quote) if bar.volume > 0.0 => quote / bar.volume,
                _ => bar.typical_price(),
            },
        };
        // dOI is zero at the first bar and until open interest is known at two bars in a row.
        let delta_oi = match (previous_oi, *oi) {
            (Some(before), Some(now)) => now - before,
            _ => 0.0,
        };
        let mut step_log = fade_log;
        if settings.source == Source::OpenInterest
            && settings.oi_decrease == OiDecrease::Shrink
            && delta_oi < 0.0
            && let (Some(before), Some(now)) = (previous_oi, *oi)
        {
            // A fall to zero empties every level; the smallest positive ratio keeps the log finite.
            step_log += (now / before).max(f64::MIN_POSITIVE).ln();
        }
        scale += step_log;
        let new_base = match settings.source {
            Source::OpenInterest => delta_oi.max(0.0),
            Source::Volume => bar.volume * settings.participation,
        };
        let long_share = match settings.split {
            Split::Taker => match bar.taker_buy_volume {
                Some(buy) if bar.volume > 0.0 => (buy / bar.volume).clamp(0.0, 1.0),
                _ => 0.5,
            },
            Split::Candle => {
                if bar.close >= bar.open {
                    1.0
                } else {
                    0.0
                }
            }
            Split::Fixed(share) => share,
        };
        let new_usd = new_base * entry;
        entry_price.push(entry);
        // Scaled last, so that an engine scaled in place (`engine::anchor`) holds the same bits
        // as one computed with the scale.
        new_long.push(new_usd * long_share * settings.volume_scale);
        new_short.push(new_usd * (1.0 - long_share) * settings.volume_scale);
        log_scale.push(scale);
        if oi.is_some() {
            previous_oi = *oi;
        }
    }
    BarInputs {
        entry_price,
        new_usd: [new_long, new_short],
        log_scale,
        open_interest,
    }
}
