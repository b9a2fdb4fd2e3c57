//! `liqmap clusters`: the ranked clusters at one bar.

use std::fmt::Write as _;

use anyhow::Context;
use serde_json::json;

use super::aggregate::{DatasetsArg, Loaded};
use super::common::{At, EngineArgs, Format, ensure_finite, parse_at, print_out};
use super::settings_args::ClusterArgs;
use crate::csv_out::{ValueNames, clusters_csv};
use crate::engine::Cluster;
use crate::render::labels::{compact_usd, human_price};
use crate::time::format_time_ms;

/// Arguments of `liqmap clusters`.
#[derive(Debug, clap::Args)]
pub struct ClustersArgs {
    /// The dataset.
    #[command(flatten)]
    pub dataset: DatasetsArg,
    /// The bar: `last`, or the last bar opening at or before a time (epoch ms or RFC 3339).
    #[arg(long, value_name = "last|TIME", default_value = "last", value_parser = parse_at)]
    pub at: At,
    /// How many clusters to print, largest first.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// Model flags and the price row height.
    #[command(flatten)]
    pub engine: EngineArgs,
    /// What counts as a cluster.
    #[command(flatten)]
    pub clusters: ClusterArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// Prints the clusters.
pub fn run(args: &ClustersArgs) -> anyhow::Result<()> {
    let dataset = match args.dataset.load()? {
        Loaded::One(dataset) => dataset,
        Loaded::Several(several) => return super::aggregate_clusters::clusters(args, several),
    };
    let bar = args.at.bar_index(&dataset)?;
    let engine = args.engine.engine(&dataset)?;
    let mut clusters = engine
        .clusters_at(
            bar,
            args.engine.bin_usd(&dataset),
            &engine.default_selection(),
            &args.clusters.into(),
        )
        .context("could not compute the clusters")?;
    clusters.truncate(args.top);
    let leverages: Vec<f64> = engine
        .settings()
        .tiers
        .0
        .iter()
        .map(|t| t.leverage)
        .collect();
    let time_ms = engine.bar_times_ms().get(bar).copied().unwrap_or(0);
    let explained = engine.explained_open_interest(bar, &engine.default_selection())?;
    let close = engine.closes().get(bar).copied().unwrap_or_default();
    ensure_finite(
        "the clusters",
        clusters
            .iter()
            .flat_map(|c| {
                [
                    c.price_low,
                    c.price_high,
                    c.peak_price,
                    c.notional_usd,
                    c.distance_pct,
                ]
                .into_iter()
                .chain(c.tier_share.iter().copied())
            })
            .chain(explained)
            .chain([close]),
    )?;
    // Relative values are named so (`notional_rel`): no script takes them for USD.
    let names = ValueNames::new(engine.value_unit().is_usd());
    let text = match args.format {
        Format::Csv => clusters_csv(&clusters, &leverages, names),
        Format::Json => {
            let mut doc = json!({
                "symbol": dataset.symbol,
                "time_ms": time_ms,
                "time": format_time_ms(time_ms),
                "close": close,
                "settings": engine.settings().summary(),
                "values": engine.value_unit().key(),
                "clusters": clusters.iter().enumerate().map(|(i, c)| json!({
                    "rank": i + 1,
                    "side": c.side.name(),
                    "price_low": c.price_low,
                    "price_high": c.price_high,
                    "peak_price": c.peak_price,
                    names.column("notional"): c.notional_usd,
                    "distance_pct": c.distance_pct,
                    "formed_time_ms": c.formed_time_ms,
                    "formed_time": format_time_ms(c.formed_time_ms),
                    "tier_share": leverages.iter().zip(&c.tier_share).map(|(l, s)| json!({
                        "leverage": l, "share": s,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            });
            // Absent in volume mode: no number is ever printed as null.
            if let (Some(share), Some(fields)) = (explained, doc.as_object_mut()) {
                fields.insert("explained_open_interest".into(), json!(share));
            }
            serde_json::to_string_pretty(&doc)? + "\n"
        }
        Format::Table => {
            let mut out = format!(
                "{} clusters at {} (close {})\n{}\n",
                dataset.symbol,
                format_time_ms(time_ms),
                human_price(close),
                engine.settings().summary()
            );
            if let Some(share) = explained {
                out += &format!("{}\n", warm_up_note(share));
            }
            out += &table(&clusters, &leverages);
            out
        }
    };
    print_out(&text)
}

/// Says how much of the open interest the map accounts for, and why it is not all of it.
fn warm_up_note(share: f64) -> String {
    format!(
        "standing levels account for {:.0}% of the open interest (positions opened before the data \
         begins have no known entry price)",
        share * 100.0
    )
}

fn tier_label(leverage: f64) -> String {
    format!("{leverage}x")
}

fn table(clusters: &[Cluster], leverages: &[f64]) -> String {
    let mut out = format!(
        "{:>4} {:<5} {:>25} {:>12} {:>10} {:>9}  {:<20}  tiers\n",
        "rank", "side", "price range", "peak", "notional", "distance", "formed"
    );
    if clusters.is_empty() {
        out += "(no clusters: nothing stands out of the map at this bar)\n";
    }
    for (i, c) in clusters.iter().enumerate() {
        // A tier that prints as 0% tells nothing (the viewer's table leaves it out too).
        let tiers: Vec<String> = leverages
            .iter()
            .zip(&c.tier_share)
            .map(|(l, s)| (tier_label(*l), format!("{:.0}", s * 100.0)))
            .filter(|(_, percent)| percent != "0" && percent != "-0")
            .map(|(tier, percent)| format!("{tier} {percent}%"))
            .collect();
        let _ = writeln!(
            out,
            "{:>4} {:<5} {:>25} {:>12} {:>10} {:>+8.2}%  {:<20}  {}",
            i + 1,
            c.side.name(),
            format!("{}-{}", human_price(c.price_low), human_price(c.price_high)),
            human_price(c.peak_price),
            compact_usd(c.notional_usd),
            // + 0.0 turns -0 into 0, which the sign would print as "-0.00".
            c.distance_pct + 0.0,
            format_time_ms(c.formed_time_ms),
            tiers.join(", ")
        );
    }
    out
}
