//! Several datasets of one coin (one per venue) summed: the dataset argument of `map`,
//! `clusters` and `export`, and their output for several venues. One dataset without
//! `--by-venue` takes the single-venue path unchanged.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use serde_json::{Value, json};

use super::common::{At, EngineArgs, Format, print_out};
use super::map::MapArgs;
use super::map_table::{map_rows_table, total_line};
use crate::csv_out::{ValueNames, map_csv};
use crate::dataset;
use crate::dataset::view::{load_view, looks_like_view};
use crate::engine::venues::{VenueMap, VenueSettings, Venues};
use crate::engine::{DEFAULT_BIN_ROWS, MapRow, auto_bin_usd};
use crate::model::{Dataset, Side};
use crate::render::labels::human_price;
use crate::source::coins::{coin_of, venue_of_dataset};
use crate::time::{format_interval, format_time_ms};

/// The dataset argument of the commands that sum venues: one or several datasets (or a view
/// file naming them).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct DatasetsArg {
    /// Dataset files: native liqmap JSON, klines in any importable format, or a view file
    /// (`liqmap-view`) naming several. Several are venues of one coin and are summed; default:
    /// the bundled sample.
    #[arg(value_name = "DATASET")]
    pub datasets: Vec<PathBuf>,
    /// Add one column per venue (its notional, or its share of a cluster) to CSV and JSON.
    #[arg(long = "by-venue")]
    pub by_venue: bool,
    /// The venue whose candles and bars are the reference: its name (the dataset's exchange,
    /// `#2` for a second dataset of the same one) or its position from 1; default: the largest
    /// open interest.
    #[arg(long, value_name = "VENUE")]
    pub reference: Option<String>,
}

/// What the dataset argument named.
pub enum Loaded {
    /// One dataset, shown as before.
    One(Dataset),
    /// Several venues to sum (or one with `--by-venue`, or a view file).
    Several(Several),
}

/// Datasets to sum and how each counts.
pub struct Several {
    datasets: Vec<Dataset>,
    settings: Vec<VenueSettings>,
    reference: Option<usize>,
    pub(super) by_venue: bool,
    reference_name: Option<String>,
}

impl DatasetsArg {
    /// Loads every dataset named (a view file brings its datasets and venue settings).
    pub fn load(&self) -> anyhow::Result<Loaded> {
        let mut several = Several {
            datasets: Vec::new(),
            settings: Vec::new(),
            reference: None,
            by_venue: self.by_venue,
            reference_name: self.reference.clone(),
        };
        let mut saw_view = false;
        for path in &self.datasets {
            let head = read_head(path);
            if looks_like_view(&head) {
                saw_view = true;
                let view = load_view(path)?;
                let offset = several.datasets.len();
                several.reference = several.reference.or(view.reference.map(|r| r + offset));
                for entry in view.datasets {
                    several.datasets.push(dataset::load(&entry.path)?);
                    several.settings.push(VenueSettings {
                        enabled: entry.enabled,
                        weight: entry.weight,
                    });
                }
            } else {
                several.datasets.push(dataset::load(path)?);
                several.settings.push(VenueSettings::default());
            }
        }
        if several.datasets.is_empty() {
            several
                .datasets
                .push(dataset::sample().context("the bundled sample could not be read")?);
            several.settings.push(VenueSettings::default());
        }
        if several.datasets.len() == 1
            && !saw_view
            && !self.by_venue
            && self.reference.is_none()
            && let Some(one) = several.datasets.pop()
        {
            return Ok(Loaded::One(one));
        }
        Ok(Loaded::Several(several))
    }
}

/// The first bytes of a file, to tell a view file from a dataset without reading a big file.
pub(super) fn read_head(path: &std::path::Path) -> String {
    use std::io::Read;
    let mut buffer = [0u8; 256];
    let read = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut buffer))
        .unwrap_or(0);
    String::from_utf8_lossy(buffer.get(..read).unwrap_or(&[])).into_owned()
}

impl Several {
    /// Whether `--by-venue` was given.
    pub(super) fn by_venue(&self) -> bool {
        self.by_venue
    }

    /// Runs every venue's engine and applies the venue settings and the reference.
    pub(super) fn venues(self, engine: &EngineArgs) -> anyhow::Result<Venues> {
        warn_if_coins_differ(&self.datasets);
        let mut venues =
            Venues::new(self.datasets, &engine.model()).context("the datasets cannot be summed")?;
        for (i, settings) in self.settings.into_iter().enumerate() {
            venues.set_settings(i, settings)?;
        }
        if let Some(name) = &self.reference_name {
            let index = venues
                .names()
                .iter()
                .position(|n| n == name)
                .or_else(|| {
                    name.parse::<usize>()
                        .ok()
                        .and_then(|n| n.checked_sub(1))
                        .filter(|&i| i < venues.len())
                })
                .with_context(|| {
                    format!(
                        "--reference {name}: no such venue (the venues are {})",
                        venues.names().join(", ")
                    )
                })?;
            venues.set_reference(index)?;
        } else if let Some(index) = self.reference {
            venues.set_reference(index)?;
        }
        Ok(venues)
    }
}

/// Each dataset's coin (`BTC` for Binance `BTCUSDT` and OKX `BTC-USDT-SWAP`); the symbol in
/// capitals where the venue is not known.
fn coins_of(datasets: &[Dataset]) -> Vec<String> {
    datasets
        .iter()
        .map(|d| {
            venue_of_dataset(&d.exchange)
                .and_then(|venue| coin_of(&d.symbol, venue))
                .unwrap_or_else(|| d.symbol.to_ascii_uppercase())
        })
        .collect()
}

impl Several {
    /// An error naming each dataset's coin when they are not all the same coin: for a score,
    /// where summing two coins' levels under one coin's candles would be judged as if it meant
    /// something.
    pub(super) fn check_one_coin(&self) -> anyhow::Result<()> {
        let coins = coins_of(&self.datasets);
        if coins.windows(2).any(|w| w[0] != w[1]) {
            let named: Vec<String> = self
                .datasets
                .iter()
                .zip(&coins)
                .map(|(d, coin)| format!("{} {} ({coin})", d.exchange, d.symbol))
                .collect();
            anyhow::bail!(
                "the datasets hold different coins: {}; venues summed must be one coin",
                named.join(", ")
            );
        }
        Ok(())
    }
}

/// Says on stderr when the datasets hold different coins: summing them is allowed (it is how the
/// tests build two venues from two recordings) but is rarely what a user meant.
fn warn_if_coins_differ(datasets: &[Dataset]) {
    let coins = coins_of(datasets);
    if coins.windows(2).any(|w| w[0] != w[1]) {
        eprintln!(
            "warning: the datasets hold different coins ({}); their levels are summed anyway",
            coins.join(", ")
        );
    }
}

/// The time `--at` names for several venues: `last` is the last time in the common range.
pub(super) fn time_of_at(at: At, venues: &Venues) -> anyhow::Result<i64> {
    match at {
        At::Time(time_ms) => Ok(time_ms),
        At::Last => venues
            .last_common_time_ms()
            .context("the datasets share no time range"),
    }
}

/// The row height: the one given, or a round step over the reference venue's price range.
pub(super) fn bin_usd(engine: &EngineArgs, venues: &Venues) -> f64 {
    engine.bin.unwrap_or_else(|| {
        let (low, high) = venues
            .dataset(venues.reference())
            .and_then(Dataset::price_range)
            .unwrap_or((0.0, 1.0));
        auto_bin_usd(low, high, DEFAULT_BIN_ROWS)
    })
}

/// Lines describing the venues for the table output: each venue's symbol, interval, mode, bar,
/// close and basis; the mix of modes; the common range.
pub(super) fn describe_venues(venues: &Venues, time_ms: i64) -> String {
    let mut out = String::new();
    let weights = venues.weights();
    for (i, basis) in venues.basis_at(time_ms).iter().enumerate() {
        let Some(dataset) = venues.dataset(i) else {
            continue;
        };
        let reference = if i == venues.reference() {
            " (reference)"
        } else {
            ""
        };
        let state = match (basis.bar, weights.get(i)) {
            (None, _) => "no bar yet at this time, adds nothing".to_string(),
            (_, Some(w)) if *w <= 0.0 => "ticked off".to_string(),
            (Some(bar), Some(w)) => format!(
                "bar {} close {} basis {} weight {w}",
                format_time_ms(dataset.bars.get(bar).map_or(0, |b| b.open_time_ms)),
                basis.close.map_or("-".into(), human_price),
                basis.basis_pct.map_or("-".into(), |b| format!("{b:+.3}%")),
            ),
            (Some(_), None) => String::new(),
        };
        let _ = writeln!(
            out,
            "  {}{reference}: {} {}, {state}",
            basis.venue,
            dataset.symbol,
            format_interval(dataset.interval_ms)
        );
    }
    let _ = writeln!(out, "  modes: {}", venues.mode_mix().describe());
    if let Some((start, end)) = venues.common_range_ms() {
        let _ = writeln!(
            out,
            "  common range: {} to {}",
            format_time_ms(start),
            format_time_ms(end)
        );
    }
    out
}

/// The venues as JSON: name, symbol, interval, mode, weight, bar time, close, basis.
pub(super) fn venues_json(venues: &Venues, time_ms: i64) -> Value {
    let mix = venues.mode_mix();
    let weights = venues.weights();
    let list: Vec<Value> = venues
        .basis_at(time_ms)
        .iter()
        .enumerate()
        .map(|(i, basis)| {
            let dataset = venues.dataset(i);
            let bar_time = basis
                .bar
                .and_then(|b| dataset.and_then(|d| d.bars.get(b)))
                .map(|b| b.open_time_ms);
            json!({
                "name": basis.venue,
                "symbol": dataset.map(|d| d.symbol.clone()),
                "interval_ms": dataset.map(|d| d.interval_ms),
                "mode": if mix.volume.contains(&basis.venue) { "volume" } else { "open_interest" },
                "weight": weights.get(i),
                "reference": i == venues.reference(),
                "bar_time_ms": bar_time,
                "close": basis.close,
                "basis_pct": basis.basis_pct,
            })
        })
        .collect();
    let (start, end) = venues.common_range_ms().unwrap_or((0, 0));
    json!({
        "venues": list,
        "modes": mix.describe(),
        "common_start_ms": start,
        "common_end_ms": end,
    })
}

/// The venue names as CSV column suffixes: commas and quotes would break the header.
pub(super) fn column_names(venues: &Venues) -> Vec<String> {
    venues
        .names()
        .iter()
        .map(|n| n.replace([',', '"', '\n'], "_"))
        .collect()
}

/// How summed values are named: relative (`long_rel`) as soon as one venue in the sum (ticked,
/// with a weight) has relative values, since the sum is then no USD.
pub(super) fn sum_names(venues: &Venues) -> ValueNames {
    let each = venue_names(venues);
    let counted = venues.weights().into_iter().map(|w| w > 0.0);
    let relative = each
        .iter()
        .zip(counted)
        .any(|(names, counted)| counted && *names == ValueNames::Relative);
    ValueNames::new(!relative)
}

/// How each venue's own values are named, in the venues' order.
pub(super) fn venue_names(venues: &Venues) -> Vec<ValueNames> {
    let relative = venues.mode_mix().relative;
    venues
        .names()
        .iter()
        .map(|name| ValueNames::new(!relative.iter().any(|r| r == name)))
        .collect()
}

/// `liqmap map` over several venues.
pub fn map(args: &MapArgs, several: Several) -> anyhow::Result<()> {
    let by_venue = several.by_venue;
    let venues = several.venues(&args.engine)?;
    let time_ms = time_of_at(args.at, &venues)?;
    let selection = reference_selection(&venues);
    let map = venues
        .map_at(time_ms, bin_usd(&args.engine, &venues), &selection)
        .context("could not compute the map")?;
    let text = match args.format {
        Format::Csv => map_csv_by_venue(&map, &venues, by_venue),
        Format::Json => map_json(&map, &venues, time_ms, by_venue)?,
        Format::Table => map_table(&map, &venues, time_ms),
    };
    print_out(&text)
}

fn map_csv_by_venue(map: &VenueMap, venues: &Venues, by_venue: bool) -> String {
    let base = map_csv(&map.total, sum_names(venues));
    if !by_venue {
        return base;
    }
    let mut lines = base.lines();
    let mut out = lines.next().unwrap_or_default().to_string();
    for (name, names) in column_names(venues).iter().zip(venue_names(venues)) {
        let (long, short) = (names.column("long"), names.column("short"));
        let _ = write!(out, ",{long}_{name},{short}_{name}");
    }
    out.push('\n');
    for (line, row) in lines.zip(map.total.non_empty_rows()) {
        out += line;
        for venue in 0..venues.len() {
            let _ = write!(
                out,
                ",{},{}",
                map.venue_row_usd(venue, row.index, Side::Long),
                map.venue_row_usd(venue, row.index, Side::Short)
            );
        }
        out.push('\n');
    }
    out
}

fn map_json(
    map: &VenueMap,
    venues: &Venues,
    time_ms: i64,
    by_venue: bool,
) -> anyhow::Result<String> {
    let names = venues.names();
    let (sum, each) = (sum_names(venues), venue_names(venues));
    let rows: Vec<Value> = map
        .total
        .non_empty_rows()
        .map(|r| {
            let mut row = json!({
                "price_low": r.price_low,
                "price_high": r.price_high,
                sum.column("long"): r.long_usd,
                sum.column("short"): r.short_usd,
            });
            if by_venue {
                let parts: serde_json::Map<String, Value> = names
                    .iter()
                    .zip(&each)
                    .enumerate()
                    .map(|(v, (name, unit))| {
                        let part = json!({
                            unit.column("long"): map.venue_row_usd(v, r.index, Side::Long),
                            unit.column("short"): map.venue_row_usd(v, r.index, Side::Short),
                        });
                        (name.to_string(), part)
                    })
                    .collect();
                row["by_venue"] = Value::Object(parts);
            }
            row
        })
        .collect();
    let mut doc = venues_json(venues, time_ms);
    doc["time_ms"] = json!(time_ms);
    doc["time"] = json!(format_time_ms(time_ms));
    doc["close"] = json!(map.total.close);
    doc["bin_usd"] = json!(map.total.bin_usd);
    doc[sum.column("long_total")] = json!(map.total.total_usd(Side::Long));
    doc[sum.column("short_total")] = json!(map.total.total_usd(Side::Short));
    doc["rows"] = Value::Array(rows);
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

fn map_table(map: &VenueMap, venues: &Venues, time_ms: i64) -> String {
    let mut out = format!(
        "liquidation map summed over {} venues at {} (reference close {}), rows of {} USD\n",
        venues.len(),
        format_time_ms(time_ms),
        human_price(map.total.close),
        map.total.bin_usd
    );
    out += &describe_venues(venues, time_ms);
    let names = venues.names();
    let shares = |row: &MapRow| share_text(&names, &map.row_shares(row.index, None));
    let sum = sum_names(venues);
    out += &map_rows_table(&map.total, sum, Some(("venue shares", &shares)));
    out += &total_line(
        map.total.total_usd(Side::Long),
        map.total.total_usd(Side::Short),
        sum,
    );
    out
}

/// `name 60%, other 40%`, leaving out venues with no share.
pub(super) fn share_text(names: &[&str], shares: &[f64]) -> String {
    names
        .iter()
        .zip(shares)
        .filter(|(_, s)| **s > 0.0)
        .map(|(n, s)| format!("{n} {:.0}%", s * 100.0))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every tier at its normalised weight, both sides (the venues share their tiers).
pub(super) fn reference_selection(venues: &Venues) -> crate::engine::LayerSelection {
    venues
        .engine(venues.reference())
        .map(crate::engine::Engine::default_selection)
        .unwrap_or_else(|| crate::engine::LayerSelection {
            tier_share: Vec::new(),
            sides: [true, true],
        })
}

/// The leverage of each tier, naming the tier columns.
pub(super) fn leverages(engine: &EngineArgs) -> Vec<f64> {
    engine.model().tiers.0.iter().map(|t| t.leverage).collect()
}
