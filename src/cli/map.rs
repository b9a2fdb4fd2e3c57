//! `liqmap map`: the liquidation map at one bar.

use std::fmt::Write as _;

use anyhow::Context;
use serde_json::json;

use super::aggregate::{DatasetsArg, Loaded};
use super::common::{At, EngineArgs, Format, ensure_finite, parse_at, print_out};
use super::map_table::{map_rows_table, total_line};
use crate::csv_out::{ValueNames, map_csv};
use crate::engine::{LiqMap, ValueUnit};
use crate::model::Side;
use crate::render::labels::human_price;
use crate::time::format_time_ms;

/// Arguments of `liqmap map`.
#[derive(Debug, clap::Args)]
pub struct MapArgs {
    /// The dataset.
    #[command(flatten)]
    pub dataset: DatasetsArg,
    /// The bar: `last`, or the last bar opening at or before a time (epoch ms or RFC 3339).
    #[arg(long, value_name = "last|TIME", default_value = "last", value_parser = parse_at)]
    pub at: At,
    /// Model flags and the price row height.
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// Prints the map.
pub fn run(args: &MapArgs) -> anyhow::Result<()> {
    let dataset = match args.dataset.load()? {
        Loaded::One(dataset) => dataset,
        Loaded::Several(several) => return super::aggregate::map(args, several),
    };
    let bar = args.at.bar_index(&dataset)?;
    let engine = args.engine.engine(&dataset)?;
    let map = engine
        .map_at(
            bar,
            args.engine.bin_usd(&dataset),
            &engine.default_selection(),
        )
        .context("could not compute the map")?;
    ensure_finite(
        "the map",
        map.non_empty_rows()
            .flat_map(|r| [r.price_low, r.price_high, r.long_usd, r.short_usd])
            .chain([map.close, map.bin_usd])
            .chain([side_total(&map, Side::Long), side_total(&map, Side::Short)]),
    )?;
    let unit = engine.value_unit();
    let text = match args.format {
        Format::Csv => map_csv(&map, ValueNames::new(unit.is_usd())),
        Format::Json => json(&map, &dataset.symbol, unit)?,
        // Volume mode without an open-interest figure is relative, not USD: the table says so.
        Format::Table => format!(
            "{}values: {}\n",
            table(&map, &dataset.symbol, unit),
            unit.explain()
        ),
    };
    print_out(&text)
}

/// A side's total; an empty sum of floats is -0, which would print as "-0".
fn side_total(map: &LiqMap, side: Side) -> f64 {
    map.total_usd(side) + 0.0
}

fn json(map: &LiqMap, symbol: &str, unit: ValueUnit) -> anyhow::Result<String> {
    // Relative values are named so (`long_rel`): no script takes them for USD.
    let names = ValueNames::new(unit.is_usd());
    let (long, short) = (names.column("long"), names.column("short"));
    let rows: Vec<_> = map
        .non_empty_rows()
        .map(|r| {
            json!({
                "price_low": r.price_low,
                "price_high": r.price_high,
                &long: r.long_usd,
                &short: r.short_usd,
            })
        })
        .collect();
    let doc = json!({
        "symbol": symbol,
        "time_ms": map.time_ms,
        "time": format_time_ms(map.time_ms),
        "close": map.close,
        "bin_usd": map.bin_usd,
        names.column("long_total"): side_total(map, Side::Long),
        names.column("short_total"): side_total(map, Side::Short),
        "values": unit.key(),
        "rows": rows,
    });
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

fn table(map: &LiqMap, symbol: &str, unit: ValueUnit) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{symbol} liquidation map at {} (close {}), rows of {} USD",
        format_time_ms(map.time_ms),
        human_price(map.close),
        map.bin_usd
    );
    let names = ValueNames::new(unit.is_usd());
    out += &map_rows_table(map, names, None);
    // Relative values are no USD: the total says so, as the footer does.
    out += &total_line(
        side_total(map, Side::Long),
        side_total(map, Side::Short),
        names,
    );
    out
}
