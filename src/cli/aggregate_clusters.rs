//! `liqmap clusters` over several venues: the clusters of the summed map, with each venue's
//! share, as CSV (a column per venue on request), JSON or a table.

use std::fmt::Write as _;

use anyhow::Context;
use serde_json::{Value, json};

use super::aggregate::{
    Several, bin_usd, column_names, describe_venues, leverages, reference_selection, share_text,
    sum_names, time_of_at, venues_json,
};

use super::clusters::ClustersArgs;
use super::common::{Format, print_out};
use crate::csv_out::clusters_csv;
use crate::engine::ClusterParams;
use crate::engine::venues::{VenueCluster, Venues};
use crate::render::labels::{compact_usd, human_price};
use crate::time::format_time_ms;

/// `liqmap clusters` over several venues.
pub fn clusters(args: &ClustersArgs, several: Several) -> anyhow::Result<()> {
    let by_venue = several.by_venue;
    let venues = several.venues(&args.engine)?;
    let time_ms = time_of_at(args.at, &venues)?;
    let selection = reference_selection(&venues);
    let (map, mut clusters) = venues
        .clusters_at(
            time_ms,
            bin_usd(&args.engine, &venues),
            &selection,
            &ClusterParams::from(args.clusters),
        )
        .context("could not compute the clusters")?;
    clusters.truncate(args.top);
    let leverages = leverages(&args.engine);
    let text = match args.format {
        Format::Csv => clusters_csv_by_venue(&clusters, &leverages, &venues, by_venue),
        Format::Json => {
            let mut doc = venues_json(&venues, time_ms);
            doc["time_ms"] = json!(time_ms);
            doc["time"] = json!(format_time_ms(time_ms));
            doc["close"] = json!(map.total.close);
            let settings: serde_json::Map<String, Value> = (0..venues.len())
                .filter_map(|v| {
                    let name = venues.name(v)?.to_string();
                    Some((name, json!(venues.engine(v)?.settings().summary())))
                })
                .collect();
            doc["settings"] = Value::Object(settings);
            doc["clusters"] = clusters_json(&clusters, &leverages, &venues, by_venue);
            serde_json::to_string_pretty(&doc)? + "\n"
        }
        Format::Table => clusters_table(&clusters, &venues, time_ms, map.total.close),
    };
    print_out(&text)
}

/// The clusters CSV of one venue, with a `share_<venue>` column per venue when `by_venue`.
pub(super) fn clusters_csv_by_venue(
    clusters: &[VenueCluster],
    leverages: &[f64],
    venues: &Venues,
    by_venue: bool,
) -> String {
    let plain: Vec<_> = clusters.iter().map(|c| c.cluster.clone()).collect();
    let base = clusters_csv(&plain, leverages, sum_names(venues));
    if !by_venue {
        return base;
    }
    let mut lines = base.lines();
    let mut out = lines.next().unwrap_or_default().to_string();
    for name in column_names(venues) {
        let _ = write!(out, ",share_{name}");
    }
    out.push('\n');
    for (line, cluster) in lines.zip(clusters) {
        out += line;
        for share in &cluster.venue_share {
            let _ = write!(out, ",{share}");
        }
        out.push('\n');
    }
    out
}

fn clusters_json(
    clusters: &[VenueCluster],
    leverages: &[f64],
    venues: &Venues,
    by_venue: bool,
) -> Value {
    let names = venues.names();
    let notional = sum_names(venues).column("notional");
    let list = clusters
        .iter()
        .enumerate()
        .map(|(i, vc)| {
            let c = &vc.cluster;
            let mut item = json!({
                "rank": i + 1,
                "side": c.side.name(),
                "price_low": c.price_low,
                "price_high": c.price_high,
                "peak_price": c.peak_price,
                &notional: c.notional_usd,
                "distance_pct": c.distance_pct,
                "formed_time_ms": c.formed_time_ms,
                "formed_time": format_time_ms(c.formed_time_ms),
                "tier_share": leverages.iter().zip(&c.tier_share).map(|(l, s)| json!({
                    "leverage": l, "share": s,
                })).collect::<Vec<_>>(),
            });
            if by_venue {
                let shares: serde_json::Map<String, Value> = names
                    .iter()
                    .zip(&vc.venue_share)
                    .map(|(n, s)| (n.to_string(), json!(s)))
                    .collect();
                item["venue_share"] = Value::Object(shares);
            }
            item
        })
        .collect();
    Value::Array(list)
}

fn clusters_table(clusters: &[VenueCluster], venues: &Venues, time_ms: i64, close: f64) -> String {
    let mut out = format!(
        "clusters summed over {} venues at {} (reference close {})\n",
        venues.len(),
        format_time_ms(time_ms),
        human_price(close)
    );
    out += &describe_venues(venues, time_ms);
    let _ = writeln!(
        out,
        "{:>4} {:<5} {:>25} {:>12} {:>10} {:>9}  venue shares",
        "rank", "side", "price range", "peak", "notional", "distance"
    );
    if clusters.is_empty() {
        out += "(no clusters: nothing stands out of the map at this time)\n";
    }
    let names = venues.names();
    for (i, vc) in clusters.iter().enumerate() {
        let c = &vc.cluster;
        let _ = writeln!(
            out,
            "{:>4} {:<5} {:>25} {:>12} {:>10} {:>+8.2}%  {}",
            i + 1,
            c.side.name(),
            format!("{}-{}", human_price(c.price_low), human_price(c.price_high)),
            human_price(c.peak_price),
            compact_usd(c.notional_usd),
            c.distance_pct + 0.0,
            share_text(&names, &vc.venue_share)
        );
    }
    out
}
