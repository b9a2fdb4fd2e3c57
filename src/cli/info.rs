//! `liqmap info`: a summary of a dataset.

use super::common::{DatasetArg, ensure_finite};
use crate::dataset::summary::{bar_facts, liquidations_usd};
use crate::model::Dataset;
use crate::time::format_interval;
use crate::time::format_time_ms;

/// How many gaps are listed one by one.
const GAPS_SHOWN: usize = 5;

/// Arguments of `liqmap info`.
#[derive(Debug, Default, clap::Args)]
pub struct InfoArgs {
    /// The dataset.
    #[command(flatten)]
    pub dataset: DatasetArg,
}

/// Prints the summary.
pub fn run(args: &InfoArgs) -> anyhow::Result<()> {
    let dataset = args.dataset.load()?;
    // Each liquidation's USD value is finite (checked on load), but thousands of huge ones could
    // sum past what a number holds.
    ensure_finite("the liquidations' total", [liquidations_usd(&dataset)])?;
    print!("{}", summary(&dataset));
    Ok(())
}

fn yes_no(present: bool) -> &'static str {
    if present { "yes" } else { "no" }
}

/// The summary text, one fact a line.
pub fn summary(dataset: &Dataset) -> String {
    let mut lines = vec![
        format!("exchange:       {}", dataset.exchange),
        format!("symbol:         {}", dataset.symbol),
        format!("interval:       {}", format_interval(dataset.interval_ms)),
        format!("bars:           {}", dataset.bars.len()),
    ];
    if let Some((start, end)) = dataset.time_range_ms() {
        lines.push(format!(
            "time range:     {} → {} (UTC)",
            format_time_ms(start),
            format_time_ms(end)
        ));
    }
    // Two passes over the rows (the year's 42 MB), one on each core.
    let (facts, gaps) = rayon::join(|| bar_facts(dataset), || dataset.gaps());
    let oi = &dataset.open_interest;
    match (oi.first(), oi.last()) {
        (Some(first), Some(last)) => lines.push(format!(
            "open interest:  {} samples, {} → {}, covering {:.1}% of bars",
            oi.len(),
            format_time_ms(first.time_ms),
            format_time_ms(last.time_ms),
            100.0 * facts.open_interest_coverage
        )),
        _ => lines.push("open interest:  none".to_string()),
    }
    lines.push(format!(
        "liquidations:   {} real events, {:.2} USD",
        dataset.liquidations.len(),
        liquidations_usd(dataset)
    ));
    lines.push(format!("taker-buy vol:  {}", yes_no(facts.has_taker_buy)));
    lines.push(format!(
        "quote volume:   {}",
        yes_no(facts.has_quote_volume)
    ));
    if gaps.is_empty() {
        lines.push("gaps:           none".to_string());
    } else {
        let missing: i64 = gaps.iter().map(|g| g.missing_bars).sum();
        lines.push(format!(
            "gaps:           {} ({missing} bars missing)",
            gaps.len()
        ));
        for gap in gaps.iter().take(GAPS_SHOWN) {
            lines.push(format!(
                "  {} → {}: {} bars missing",
                format_time_ms(gap.after_ms),
                format_time_ms(gap.before_ms),
                gap.missing_bars
            ));
        }
        if gaps.len() > GAPS_SHOWN {
            lines.push(format!("  … and {} more", gaps.len() - GAPS_SHOWN));
        }
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}
