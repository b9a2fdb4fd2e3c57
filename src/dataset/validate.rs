//! Checks every dataset passes, whether imported or loaded: the engine may then trust its input.
//!
//! Each check names the offending row through `at`, which maps an index to where it came from.

use std::collections::HashMap;

use super::error::{DatasetErrorKind as Kind, Issue, MAX_INTERVAL_MS, Series, ValueProblem};
use super::location::Location;
use crate::model::{Bar, Liquidation, OpenInterestSample};

/// Where the value at an index came from, e.g. `line 12`.
pub type At<'a> = &'a dyn Fn(usize) -> Location;

/// Times of market data lie between the years 1 and 9999: beyond them an interval added to a time
/// could wrap, and no date could be printed.
const TIME_RANGE_MS: std::ops::RangeInclusive<i64> = -62_135_596_800_000..=253_402_300_799_999;

fn bad_value(column: &str, value: f64, problem: ValueProblem) -> Kind {
    Kind::BadValue {
        column: column.to_string(),
        value,
        problem,
    }
}

/// Checks a time column's value.
pub fn time_in_range(column: &'static str, time_ms: i64) -> Result<(), Kind> {
    if TIME_RANGE_MS.contains(&time_ms) {
        Ok(())
    } else {
        Err(Kind::TimeOutOfRange { column, time_ms })
    }
}

/// Checks prices, volumes and strictly increasing open times.
pub fn bars(bars: &[Bar], at: At<'_>) -> Result<(), Issue> {
    if bars.is_empty() {
        return Err(Kind::NoRows("no bars").into());
    }
    let mut previous: Option<i64> = None;
    for (index, bar) in bars.iter().enumerate() {
        bar_values(bar).map_err(|kind| Issue::at(at(index), kind))?;
        if let Some(previous_ms) = previous {
            let time_ms = bar.open_time_ms;
            let before = at(index.saturating_sub(1));
            if time_ms == previous_ms {
                return Err(Issue::at(
                    at(index),
                    Kind::Duplicate {
                        series: Series::Bars,
                        previous: before,
                        time_ms,
                    },
                ));
            }
            if time_ms < previous_ms {
                return Err(Issue::at(
                    at(index),
                    Kind::OutOfOrder {
                        series: Series::Bars,
                        previous: before,
                        time_ms,
                        previous_ms,
                    },
                ));
            }
        }
        previous = Some(bar.open_time_ms);
    }
    Ok(())
}

fn bar_values(bar: &Bar) -> Result<(), Kind> {
    time_in_range("open time", bar.open_time_ms)?;
    for (name, price) in [
        ("open", bar.open),
        ("high", bar.high),
        ("low", bar.low),
        ("close", bar.close),
    ] {
        positive(name, price)?;
    }
    if bar.high < bar.low {
        return Err(Kind::HighBelowLow {
            high: bar.high,
            low: bar.low,
        });
    }
    for (column, value) in [("open", bar.open), ("close", bar.close)] {
        if value < bar.low || value > bar.high {
            return Err(Kind::OutsideBar {
                column,
                value,
                low: bar.low,
                high: bar.high,
            });
        }
    }
    non_negative("volume", bar.volume)?;
    usd_finite("volume", bar.volume, bar.high)?;
    if let Some(taker_buy) = bar.taker_buy_volume {
        non_negative("taker-buy volume", taker_buy)?;
        if taker_buy > bar.volume {
            return Err(Kind::TakerAboveVolume {
                taker_buy,
                volume: bar.volume,
            });
        }
    }
    if let Some(quote) = bar.quote_volume {
        non_negative("quote volume", quote)?;
    }
    Ok(())
}

fn positive(name: &str, value: f64) -> Result<(), Kind> {
    if value.is_nan() {
        Err(bad_value(name, value, ValueProblem::NaN))
    } else if !value.is_finite() || value <= 0.0 {
        Err(bad_value(name, value, ValueProblem::NotAbovePrice))
    } else {
        Ok(())
    }
}

fn non_negative(name: &str, value: f64) -> Result<(), Kind> {
    if value.is_nan() {
        Err(bad_value(name, value, ValueProblem::NaN))
    } else if !value.is_finite() || value < 0.0 {
        Err(bad_value(name, value, ValueProblem::NegativeOrInfinite))
    } else {
        Ok(())
    }
}

/// Refuses an amount whose value in USD at `price` is not a finite number (1e308 of a coin at
/// 100 USD), so that no sum, map or output downstream meets an infinity.
fn usd_finite(name: &str, amount: f64, price: f64) -> Result<(), Kind> {
    if (amount * price).is_finite() {
        Ok(())
    } else {
        Err(bad_value(name, amount, ValueProblem::UsdValueNotFinite))
    }
}

/// The bar interval: the most common step between open times (the smallest on a tie). Every
/// step must be a whole number of intervals, so gaps stay gaps and nothing is misaligned.
pub fn interval_ms(bars: &[Bar], at: At<'_>) -> Result<i64, Issue> {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for pair in bars.windows(2) {
        let [a, b] = pair else { continue };
        // Times are checked to lie within years 1..=9999, so the step cannot overflow.
        let step = b.open_time_ms.saturating_sub(a.open_time_ms);
        if step > 0 {
            *counts.entry(step).or_default() += 1;
        }
    }
    let Some((interval, _)) = counts
        .into_iter()
        .max_by(|(step_a, n_a), (step_b, n_b)| n_a.cmp(n_b).then(step_b.cmp(step_a)))
    else {
        return Err(Kind::TooFewBars { bars: bars.len() }.into());
    };
    for (index, pair) in bars.windows(2).enumerate() {
        let [a, b] = pair else { continue };
        let step_ms = b.open_time_ms.saturating_sub(a.open_time_ms);
        if step_ms % interval != 0 {
            return Err(Issue::at(
                at(index + 1),
                Kind::Irregular {
                    step_ms,
                    interval_ms: interval,
                },
            ));
        }
    }
    if interval > MAX_INTERVAL_MS {
        return Err(Kind::BadInterval {
            interval_ms: interval,
        }
        .into());
    }
    Ok(interval)
}

/// Checks open-interest values and strictly increasing times.
pub fn open_interest(samples: &[OpenInterestSample], at: At<'_>) -> Result<(), Issue> {
    let mut previous: Option<i64> = None;
    for (index, sample) in samples.iter().enumerate() {
        let checked = time_in_range("open-interest time", sample.time_ms)
            .and_then(|()| non_negative("open interest", sample.open_interest))
            .and_then(|()| {
                sample
                    .value_usd
                    .map_or(Ok(()), |v| non_negative("open-interest value", v))
            });
        checked.map_err(|kind| Issue::at(at(index), kind))?;
        if let Some(previous_ms) = previous
            && sample.time_ms <= previous_ms
        {
            let before = at(index.saturating_sub(1));
            let kind = if sample.time_ms == previous_ms {
                Kind::Duplicate {
                    series: Series::OpenInterest,
                    previous: before,
                    time_ms: sample.time_ms,
                }
            } else {
                Kind::OutOfOrder {
                    series: Series::OpenInterest,
                    previous: before,
                    time_ms: sample.time_ms,
                    previous_ms,
                }
            };
            return Err(Issue::at(at(index), kind));
        }
        previous = Some(sample.time_ms);
    }
    Ok(())
}

/// Refuses open interest whose value in USD at the bars' highest price is not a finite number.
pub fn open_interest_usd(
    samples: &[OpenInterestSample],
    bars: &[Bar],
    at: At<'_>,
) -> Result<(), Issue> {
    open_interest_usd_at(samples, highest_high(bars), at)
}

/// The highest high of `bars`, 0 for none.
pub fn highest_high(bars: &[Bar]) -> f64 {
    bars.iter().map(|b| b.high).fold(0.0, f64::max)
}

/// [`open_interest_usd`] with the bars' highest high found already.
pub fn open_interest_usd_at(
    samples: &[OpenInterestSample],
    top: f64,
    at: At<'_>,
) -> Result<(), Issue> {
    for (index, sample) in samples.iter().enumerate() {
        usd_finite("open interest", sample.open_interest, top)
            .map_err(|kind| Issue::at(at(index), kind))?;
    }
    Ok(())
}

/// Checks that some open-interest sample falls within the bars' span `[start_ms, end_ms]`.
pub fn open_interest_overlaps(
    samples: &[OpenInterestSample],
    (start_ms, end_ms): (i64, i64),
) -> Result<(), Issue> {
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        return Err(Kind::NoRows("no open-interest samples").into());
    };
    if samples
        .iter()
        .any(|s| s.time_ms >= start_ms && s.time_ms <= end_ms)
    {
        return Ok(());
    }
    Err(Kind::NoOverlap {
        data_ms: (first.time_ms, last.time_ms),
        klines_ms: (start_ms, end_ms),
    }
    .into())
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
) -> Result<(), Issue> {
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
        Some((index, implied, bar)) if off * 2 > checked => Err(Issue::at(
            at(index),
            Kind::ImpliedPrice {
                implied,
                bar_time_ms: bar.open_time_ms,
                low: bar.low,
                high: bar.high,
                off,
                checked,
            },
        )),
        _ => Ok(()),
    }
}

/// Checks liquidation times, prices and quantities (order is the caller's business: venues
/// deliver them slightly out of order and they are sorted, not rejected).
pub fn liquidations(events: &[Liquidation], at: At<'_>) -> Result<(), Issue> {
    for (index, event) in events.iter().enumerate() {
        let checked = time_in_range("liquidation time", event.time_ms)
            .and_then(|()| positive("liquidation", event.price))
            .and_then(|()| {
                if event.quantity.is_finite() && event.quantity > 0.0 {
                    Ok(())
                } else {
                    Err(bad_value(
                        "quantity",
                        event.quantity,
                        ValueProblem::NotAboveQuantity,
                    ))
                }
            })
            .and_then(|()| usd_finite("quantity", event.quantity, event.price));
        checked.map_err(|kind| Issue::at(at(index), kind))?;
    }
    Ok(())
}

/// Checks that liquidations are in non-decreasing time.
pub fn liquidations_sorted(events: &[Liquidation], at: At<'_>) -> Result<(), Issue> {
    for (index, pair) in events.windows(2).enumerate() {
        let [a, b] = pair else { continue };
        if b.time_ms < a.time_ms {
            return Err(Issue::at(
                at(index + 1),
                Kind::OutOfOrder {
                    series: Series::Liquidations,
                    previous: at(index),
                    time_ms: b.time_ms,
                    previous_ms: a.time_ms,
                },
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

    fn interval(times_ms: &[i64]) -> Result<i64, Issue> {
        interval_ms(&bars_at(times_ms), &|i| Location::Row(i + 1))
    }

    #[test]
    fn interval_is_the_most_common_step_and_the_smallest_on_a_tie() {
        assert_eq!(interval(&[0, 300, 600, 1200, 1500]).ok(), Some(300));
        assert_eq!(interval(&[0, 600, 1200, 2400]).ok(), Some(600));
        // A step shorter than the most common one is not a whole number of it: irregular data.
        let err = interval(&[0, 600, 1200, 1500]).unwrap_err();
        assert_eq!(err.at, Some(Location::Row(4)), "{err:?}");
        assert!(
            matches!(
                err.kind,
                Kind::Irregular {
                    step_ms: 300,
                    interval_ms: 600
                }
            ),
            "{err:?}"
        );
        assert_eq!(interval(&[0, 600, 900]).ok(), Some(300));
        let err = interval(&[0, 300, 700]).unwrap_err();
        assert_eq!(err.at, Some(Location::Row(3)), "{err:?}");
        assert!(
            matches!(err.kind, Kind::Irregular { step_ms: 400, .. }),
            "{err:?}"
        );
        assert!(matches!(
            interval(&[0]).unwrap_err().kind,
            Kind::TooFewBars { bars: 1 }
        ));
    }
}
