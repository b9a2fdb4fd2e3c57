//! The automatic price row height: a round step giving a few hundred rows over a price range.

/// A round step (1, 2, 2.5 or 5 times a power of ten) no smaller than the range divided by
/// `target_rows`: a few hundred rows over the range with row edges at round prices.
pub fn auto_bin_usd(price_low: f64, price_high: f64, target_rows: usize) -> f64 {
    let range = price_high - price_low;
    let raw = range / target_rows.max(1) as f64;
    if !(raw.is_finite() && raw > 0.0) {
        // A flat or empty range: one cent rows, or a thousandth of the price for tiny coins.
        let scale = price_high.abs().max(price_low.abs());
        return if scale > 0.0 && scale.is_finite() {
            10f64.powf((scale / 1000.0).log10().floor())
        } else {
            0.01
        };
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&step| step >= raw * (1.0 - 1e-12))
        .unwrap_or(10.0 * magnitude)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_round_steps_by_hand() {
        // 100k..126k over 300 rows: raw 86.67 -> 100.
        assert_eq!(auto_bin_usd(100_000.0, 126_000.0, 300), 100.0);
        // HYPE 21..50 over 300 rows: raw 0.0967 -> 0.1.
        assert!((auto_bin_usd(21.0, 50.0, 300) - 0.1).abs() < 1e-12);
        // 0..600 over 300: raw exactly 2 -> 2.
        assert_eq!(auto_bin_usd(0.0, 600.0, 300), 2.0);
        // 0..660 over 300: raw 2.2 -> 2.5.
        assert_eq!(auto_bin_usd(0.0, 660.0, 300), 2.5);
        // A flat range still gives a positive step.
        assert!(auto_bin_usd(50.0, 50.0, 300) > 0.0);
    }
}
