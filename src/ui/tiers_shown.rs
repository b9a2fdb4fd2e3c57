//! The leverage tiers as the picture uses them: the ticked tiers and their shares among
//! themselves, for the header and the % column. An unticked tier is not in the picture, so it
//! is not listed as if it were.

use crate::settings::TierList;

use super::settings::ViewerSettings;

/// Each tier's share among the ticked tiers (`None` for an unticked tier), and the share of all
/// new positions the ticked tiers hold together.
pub fn shown_shares(settings: &ViewerSettings) -> (Vec<Option<f64>>, f64) {
    let all = settings.model.tiers.normalized_weights();
    let ticked = |i: usize| settings.tier_enabled.get(i).copied().unwrap_or(true);
    let shown_total: f64 = all
        .iter()
        .enumerate()
        .filter(|(i, _)| ticked(*i))
        .map(|(_, s)| s)
        .sum();
    let shares = all
        .iter()
        .enumerate()
        .map(|(i, share)| (ticked(i) && shown_total > 0.0).then(|| share / shown_total))
        .collect();
    (shares, shown_total)
}

/// The tiers part of the header: `5x 15%, 10x 30%, …` when all are shown; only the ticked ones,
/// re-normalised, and what they hold of all positions otherwise.
pub fn shown_tiers_text(settings: &ViewerSettings) -> String {
    let (shares, shown_total) = shown_shares(settings);
    let tiers = &settings.model.tiers.0;
    let listed: Vec<String> = tiers
        .iter()
        .zip(&shares)
        .filter_map(|(t, s)| s.map(|s| format!("{}x {:.0}%", t.leverage, s * 100.0)))
        .collect();
    let count = listed.len();
    if count == tiers.len() {
        return listed.join(", ");
    }
    if count == 0 {
        return "no tier shown".to_string();
    }
    format!(
        "{} ({count} of {} tiers shown, {:.0}% of positions)",
        listed.join(", "),
        tiers.len(),
        shown_total * 100.0
    )
}

/// The model summary of the header with its tiers part as [`shown_tiers_text`] says.
pub fn header_summary(summary: &str, engine_tiers: &TierList, settings: &ViewerSettings) -> String {
    let all: Vec<String> = engine_tiers
        .0
        .iter()
        .zip(engine_tiers.normalized_weights())
        .map(|(t, w)| format!("{}x {:.0}%", t.leverage, w * 100.0))
        .collect();
    let all = all.join(", ");
    if all.is_empty() || engine_tiers != &settings.model.tiers {
        return summary.to_string();
    }
    summary.replacen(&all, &shown_tiers_text(settings), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unticked_tiers_leave_the_header_and_the_rest_are_renormalised() {
        // The default tiers: 5x 15%, 10x 30%, 25x 25%, 50x 20%, 100x 10%.
        let mut settings = ViewerSettings::default();
        assert_eq!(
            shown_tiers_text(&settings),
            "5x 15%, 10x 30%, 25x 25%, 50x 20%, 100x 10%"
        );
        // "High leverage 25x+": 25x, 50x and 100x hold 25 + 20 + 10 = 55% of positions, so
        // among themselves 25/55 = 45%, 20/55 = 36%, 10/55 = 18%.
        settings.tier_enabled = vec![false, false, true, true, true];
        assert_eq!(
            shown_tiers_text(&settings),
            "25x 45%, 50x 36%, 100x 18% (3 of 5 tiers shown, 55% of positions)"
        );
        let (shares, total) = shown_shares(&settings);
        assert_eq!(shares[0], None);
        assert!((shares.iter().flatten().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((total - 0.55).abs() < 1e-12);
        let summary = "open interest · taker split · typical entry · mmr 0.4% · \
                       5x 15%, 10x 30%, 25x 25%, 50x 20%, 100x 10%";
        let header = header_summary(summary, &settings.model.tiers, &settings);
        assert!(
            header.ends_with(
                "mmr 0.4% · 25x 45%, 50x 36%, 100x 18% (3 of 5 tiers shown, 55% of positions)"
            ),
            "{header}"
        );
        settings.tier_enabled = vec![false; 5];
        assert_eq!(shown_tiers_text(&settings), "no tier shown");
    }
}
