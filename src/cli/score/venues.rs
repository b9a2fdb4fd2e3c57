//! `liqmap score --venues`: several datasets of one coin (one per venue, or a view file naming
//! them) scored as one summed map, as `liqmap map a.json b.json` sums them, on the reference
//! venue's candles and against the real liquidations of every venue summed.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::{ScoreArgs, ScoreFormat, table};
use crate::cli::aggregate::{DatasetsArg, Loaded, reference_selection};
use crate::cli::common::print_out;
use crate::engine::venues::Venues;

/// Scores the summed map of the venues named by `files` and prints it.
pub(super) fn run(args: &ScoreArgs, files: &[PathBuf]) -> anyhow::Result<()> {
    if args.calibrate || args.fit_weights {
        bail!(
            "--calibrate and --fit-weights re-run one venue's engine; with --venues only the \
             summed map is scored: score each venue's dataset on its own for them"
        );
    }
    let arg = DatasetsArg {
        datasets: files.to_vec(),
        by_venue: false,
        reference: args.reference.clone(),
    };
    let several = match arg.load()? {
        Loaded::Several(several) => several,
        Loaded::One(_) => {
            bail!("--venues sums several datasets of one coin: give two or more, or a view file")
        }
    };
    several.check_one_coin()?;
    let venues = several.venues(&args.engine)?;
    let dataset = venues
        .dataset(venues.reference())
        .context("no reference venue")?;
    let params = args.params(dataset);
    let report = venues
        .score(&reference_selection(&venues), &params, &mut |_| true)
        .context("could not score the summed map")?;
    let text = match args.format {
        ScoreFormat::Json => {
            let mut doc = serde_json::to_value(&report)?;
            if let Some(object) = doc.as_object_mut() {
                object.insert("symbol".into(), dataset.symbol.clone().into());
                object.insert("summed".into(), venues_json(&venues));
            }
            serde_json::to_string_pretty(&doc)? + "\n"
        }
        ScoreFormat::Table => {
            let out = venues_text(&venues)
                + &table::report(&dataset.symbol, dataset.interval_ms, &report, None, None);
            out.lines()
                .map(|line| line.trim_end().to_string() + "\n")
                .collect()
        }
    };
    print_out(&text)
}

/// Which venues were summed, with their weights, and which one's candles time the score.
fn venues_json(venues: &Venues) -> Value {
    let weights = venues.weights();
    let list: Vec<Value> = venues
        .names()
        .iter()
        .enumerate()
        .map(|(i, name)| {
            json!({
                "name": name,
                "symbol": venues.dataset(i).map(|d| d.symbol.clone()),
                "weight": weights.get(i),
                "reference": i == venues.reference(),
                "liquidations": venues.dataset(i).map(|d| d.liquidations.len()),
            })
        })
        .collect();
    json!({
        "venues": list,
        "reference": venues.name(venues.reference()),
        "modes": venues.mode_mix().describe(),
    })
}

/// The lines above the report: the venues summed, the reference, the real events scored.
fn venues_text(venues: &Venues) -> String {
    let weights = venues.weights();
    let mut out = format!(
        "summed map of {} venues, scored on the candles of {} (the reference venue)\n",
        venues.len(),
        venues.name(venues.reference()).unwrap_or_default()
    );
    for (i, name) in venues.names().iter().enumerate() {
        let weight = weights.get(i).copied().unwrap_or(0.0);
        let state = if weight > 0.0 {
            format!("weight {weight}")
        } else {
            "ticked off: not summed".to_string()
        };
        let reference = if i == venues.reference() {
            ", reference"
        } else {
            ""
        };
        let events = venues.dataset(i).map_or(0, |d| d.liquidations.len());
        let _ = writeln!(
            out,
            "  {name}: {state}{reference}; {events} real liquidations"
        );
    }
    let _ = writeln!(
        out,
        "real liquidations scored: those of every venue summed; modes: {}\n",
        venues.mode_mix().describe()
    );
    out
}
