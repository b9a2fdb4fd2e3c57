//! Checks every dataset passes, whether imported or loaded: the engine may then trust its input.
//!
//! Each check names the offending row through `at`, which maps an index to where it came from.

use std::collections::HashMap;

use crate::model::{Bar, Liquidation, OpenInterestSample};
use crate::time::format_time_ms;

/// Describes where the value at an index came from, e.g. `line 12`.
pub type At<'a> = &'a dyn Fn(usize) -> String;

/// Checks prices, volumes and strictly increasing open times.
pub fn bars(bars: &[Bar], at: At<'_>) -> Result<(), String> {
    if bars.is_empty() {
        return Err("no bars".to_string());
    }
    let mut previous: Option<i64> = None;
    for (index, bar) in bars.iter().enumerate() {
        bar_values(bar).map_err(|e| format!("{}: {e}", at(index)))?;
        if let Some(previous_ms) = previous {
            let time_ms = bar.open_time_ms;
            if time_ms == previous_ms {
                return Err(format!(
                    "{}: duplicated bar: {} and {} both open at {} ({time_ms})",
                    at(index),
                    at(index.saturating_sub(1)),
                    at(index),
                    format_time_ms(time_ms)
                ));
            }
            if time_ms < previous_ms {
                return Err(format!(
                    "{}: bars out of order: this bar opens at {} ({time_ms}), before the bar of \
                     {} at {} ({previous_ms})",
                    at(index),
                    format_time_ms(time_ms),
                    at(index.saturating_sub(1)),
                    format_time_ms(previous_ms)
                ));
            }
        }
        previous = Some(bar.open_time_ms);
    }
    Ok(())
}

fn bar_values(bar: &Bar) -> Result<(), String> {
    for (name, price) in [
        ("open", bar.open),
        ("high", bar.high),
        ("low", bar.low),
        ("close", bar.close),
    ] {
        positive(name, price)?;
    }
    if bar.high < bar.low {
        return Err(format!("high {} is below low {}", bar.high, bar.low));
    }
    for (name, price) in [("open", bar.open), ("close", bar.close)] {
        if price < bar.low || price > bar.high {
            return Err(format!(
                "{name} {price} is outside the bar's range [low {}, high {}]",
                bar.low, bar.high
            ));
        }
    }
    non_negative("volume", bar.volume)?;
    if let Some(taker_buy) = bar.taker_buy_volume {
        non_negative("taker-buy volume", taker_buy)?;
        if taker_buy > bar.volume {
            return Err(format!(
                "taker-buy volume {taker_buy} is above the volume {}",
                bar.volume
            ));
        }
    }
    if let Some(quote) = bar.quote_volume {
        non_negative("quote volume", quote)?;
    }
    Ok(())
}

fn positive(name: &str, value: f64) -> Result<(), String> {
    if value.is_nan() {
        Err(format!("{name} price is NaN"))
    } else if !value.is_finite() || value <= 0.0 {
        Err(format!("{name} price {value} is not above 0"))
    } else {
        Ok(())
    }
}

fn non_negative(name: &str, value: f64) -> Result<(), String> {
    if value.is_nan() {
        Err(format!("{name} is NaN"))
    } else if !value.is_finite() || value < 0.0 {
        Err(format!("{name} {value} is negative or infinite"))
    } else {
        Ok(())
    }
}

/// The bar interval: the most common step between open times (the smallest on a tie). Every
/// step must be a whole number of intervals, so gaps stay gaps and nothing is misaligned.
pub fn interval_ms(bars: &[Bar], at: At<'_>) -> Result<i64, String> {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for pair in bars.windows(2) {
        let [a, b] = pair else { continue };
        let step = b.open_time_ms - a.open_time_ms;
        if step > 0 {
            *counts.entry(step).or_default() += 1;
        }
    }
    let Some((interval, _)) = counts
        .into_iter()
        .max_by(|(step_a, n_a), (step_b, n_b)| n_a.cmp(n_b).then(step_b.cmp(step_a)))
    else {
        return Err(format!(
            "{} bar(s): at least 2 are needed to tell the interval",
            bars.len()
        ));
    };
    for (index, pair) in bars.windows(2).enumerate() {
        let [a, b] = pair else { continue };
        let step = b.open_time_ms - a.open_time_ms;
        if step % interval != 0 {
            return Err(format!(
                "{}: the bar opens {step} ms after the previous one, not a whole number of \
                 the {} interval",
                at(index + 1),
                crate::time::format_interval(interval)
            ));
        }
    }
    Ok(interval)
}

/// Checks open-interest values and strictly increasing times.
pub fn open_interest(samples: &[OpenInterestSample], at: At<'_>) -> Result<(), String> {
    let mut previous: Option<i64> = None;
    for (index, sample) in samples.iter().enumerate() {
        let checked = non_negative("open interest", sample.open_interest).and_then(|()| {
            sample
                .value_usd
                .map_or(Ok(()), |v| non_negative("open-interest value", v))
        });
        checked.map_err(|e| format!("{}: {e}", at(index)))?;
        if let Some(previous_ms) = previous
            && sample.time_ms <= previous_ms
        {
            let what = if sample.time_ms == previous_ms {
                "duplicated open-interest sample"
            } else {
                "open interest out of order"
            };
            return Err(format!(
                "{}: {what}: {} ({}) after {} ({previous_ms})",
                at(index),
                format_time_ms(sample.time_ms),
                sample.time_ms,
                format_time_ms(previous_ms)
            ));
        }
        previous = Some(sample.time_ms);
    }
    Ok(())
}

/// Checks that some open-interest sample falls within the bars' span `[start_ms, end_ms]`.
pub fn open_interest_overlaps(
    samples: &[OpenInterestSample],
    (start_ms, end_ms): (i64, i64),
) -> Result<(), String> {
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        return Err("no open-interest samples".to_string());
    };
    if samples
        .iter()
        .any(|s| s.time_ms >= start_ms && s.time_ms <= end_ms)
    {
        return Ok(());
    }
    Err(format!(
        "the open interest ({} → {}) does not overlap the klines ({} → {})",
        format_time_ms(first.time_ms),
        format_time_ms(last.time_ms),
        format_time_ms(start_ms),
        format_time_ms(end_ms)
    ))
}

/// How far (as a factor) the price implied by open interest and its USD value may lie outside the
/// bar's range before the sample counts as implausible. Real data stays within 0.1 %.
const IMPLIED_PRICE_FACTOR: f64 = 1.5;

/// Checks that open interest with a USD value implies prices near the bars' prices, which
/// catches open interest of another symbol paired with these klines.
pub fn open_interest_prices(
    samples: &[OpenInterestSample],
    bars: &[Bar],
    at: At<'_>,
) -> Result<(), String> {
    let mut checked = 0_usize;
    let mut first_off: Option<(usize, f64, &Bar)> = None;
    let mut off = 0_usize;
    for (index, sample) in samples.iter().enumerate() {
        let Some(value_usd) = sample.value_usd else {
            continue;
        };
        if sample.open_interest <= 0.0 {
            continue;
        }
        let after = bars.partition_point(|b| b.open_time_ms <= sample.time_ms);
        let Some(bar) = after.checked_sub(1).and_then(|i| bars.get(i)) else {
            continue;
        };
        let implied = value_usd / sample.open_interest;
        checked += 1;
        if implied < bar.low / IMPLIED_PRICE_FACTOR || implied > bar.high * IMPLIED_PRICE_FACTOR {
            off += 1;
            first_off.get_or_insert((index, implied, bar));
        }
    }
    match first_off {
        Some((index, implied, bar)) if off * 2 > checked => Err(format!(
            "{}: the open interest implies a price of {implied:.6} (value / open interest), far \
             from the bar at {} (low {}, high {}); {off} of {checked} samples are off like this: \
             is it another symbol's open interest?",
            at(index),
            format_time_ms(bar.open_time_ms),
            bar.low,
            bar.high
        )),
        _ => Ok(()),
    }
}

/// Checks liquidation prices and quantities (order is the caller's business: venues deliver
/// them slightly out of order and they are sorted, not rejected).
pub fn liquidations(events: &[Liquidation], at: At<'_>) -> Result<(), String> {
    for (index, event) in events.iter().enumerate() {
        let checked = positive("liquidation", event.price).and_then(|()| {
            if event.quantity.is_finite() && event.quantity > 0.0 {
                Ok(())
            } else {
                Err(format!("quantity {} is not above 0", event.quantity))
            }
        });
        checked.map_err(|e| format!("{}: {e}", at(index)))?;
    }
    Ok(())
}

/// Checks that liquidations are in non-decreasing time.
pub fn liquidations_sorted(events: &[Liquidation], at: At<'_>) -> Result<(), String> {
    for (index, pair) in events.windows(2).enumerate() {
        let [a, b] = pair else { continue };
        if b.time_ms < a.time_ms {
            return Err(format!(
                "{}: liquidations out of order: {} before {}",
                at(index + 1),
                format_time_ms(b.time_ms),
                format_time_ms(a.time_ms)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars_at(times_ms: &[i64]) -> Vec<Bar> {
        times_ms
            .iter()
            .map(|&open_time_ms| Bar {
                open_time_ms,
                open: 1.0,
                high: 1.0,
                low: 1.0,
                close: 1.0,
                volume: 0.0,
                taker_buy_volume: None,
                quote_volume: None,
            })
            .collect()
    }

    fn interval(times_ms: &[i64]) -> Result<i64, String> {
        interval_ms(&bars_at(times_ms), &|i| format!("row {}", i + 1))
    }

    #[test]
    fn interval_is_the_most_common_step_and_the_smallest_on_a_tie() {
        assert_eq!(interval(&[0, 300, 600, 1200, 1500]), Ok(300));
        assert_eq!(interval(&[0, 600, 1200, 2400]), Ok(600));
        // A step shorter than the most common one is not a whole number of it: irregular data.
        let err = interval(&[0, 600, 1200, 1500]).unwrap_err();
        assert!(err.starts_with("row 4:") && err.contains("300 ms"), "{err}");
        assert_eq!(interval(&[0, 600, 900]), Ok(300));
        let err = interval(&[0, 300, 700]).unwrap_err();
        assert!(err.starts_with("row 3:") && err.contains("400 ms"), "{err}");
        assert!(interval(&[0]).unwrap_err().contains("at least 2"));
    }
}
