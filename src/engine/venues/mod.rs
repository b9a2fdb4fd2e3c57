//! One coin across several venues: each venue keeps its own [`Engine`] (its own open interest,
//! taker split, entry prices and candles); maps and grids are asked of every venue on one shared
//! time and price axis and summed per cell after each venue's tier weights and its own venue
//! weight. Ticking a venue off or re-weighting it only re-sums what is stored, the way a tier
//! toggle does: no level is recomputed ([`Venues::engine_runs`] counts the engine runs).
//!
//! Venues may differ in interval and range. Time is shared, not bars: at a time each venue shows
//! its last bar opening at or before it, so a coarser venue's levels are placed by their bar's
//! open time. Candles come from one reference venue (default: the largest open interest).

mod grids;
mod map;
mod scoring;

pub use grids::VenueGrids;
pub use map::{VenueCluster, VenueMap};
pub use scoring::SummedMaps;

use std::sync::Arc;

use super::{Engine, EngineError};
use crate::model::Dataset;
use crate::settings::{ModelSettings, Source};

/// At most this many venues in one view, so memory stays bounded (each holds its engine and grid).
pub const MAX_VENUES: usize = 16;

/// Why several datasets could not be put together.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum VenuesError {
    /// No dataset was given.
    #[error("no dataset was given")]
    Empty,
    /// More datasets than [`MAX_VENUES`].
    #[error("{0} datasets: at most {MAX_VENUES} venues can be summed")]
    TooMany(usize),
    /// One venue's engine could not run.
    #[error("{venue}: {source}")]
    Engine {
        /// The venue's name.
        venue: String,
        /// Why.
        source: EngineError,
    },
    /// The venues' bars do not overlap in time.
    #[error("the datasets share no time range: {0}")]
    NoCommonRange(String),
    /// A venue index past the end.
    #[error("venue {index} does not exist: there are {count} venues")]
    NoSuchVenue {
        /// The index asked for.
        index: usize,
        /// The number of venues.
        count: usize,
    },
    /// A venue has no bar at the time asked for.
    #[error("{venue} has no bar at or before {time_ms} ms (its data starts later)")]
    NoBarAt {
        /// The venue's name.
        venue: String,
        /// The time asked for.
        time_ms: i64,
    },
    /// The tiers of the venues' settings differ, so their layers cannot be summed tier by tier.
    #[error("the venues' leverage tiers differ")]
    TiersDiffer,
    /// The summed map could not be built (a bad row height, too many rows).
    #[error(transparent)]
    Map(#[from] EngineError),
    /// A venue weight that is not a finite number of 0 or more.
    #[error("a venue weight must be a finite number of 0 or more, not {0}")]
    BadWeight(f64),
}

/// How one venue counts in the sum: ticked or not, and its weight (1 is its estimate as it is).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VenueSettings {
    /// Whether the venue is in the sum.
    pub enabled: bool,
    /// Multiplier of the venue's notional in the sum.
    pub weight: f64,
}

impl Default for VenueSettings {
    fn default() -> Self {
        VenueSettings {
            enabled: true,
            weight: 1.0,
        }
    }
}

/// One venue: its dataset, its engine, and how it counts. Shared, so a copy of [`Venues`] for a
/// background job costs a few pointers.
#[derive(Debug, Clone)]
struct Venue {
    name: String,
    dataset: Arc<Dataset>,
    engine: Arc<Engine>,
    settings: VenueSettings,
}

/// Which venues estimate from open interest and which from volume.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModeMix {
    /// Names of the venues in open-interest mode.
    pub open_interest: Vec<String>,
    /// Names of the venues in volume mode (no open interest in their data, or chosen).
    pub volume: Vec<String>,
    /// Names of the volume-mode venues with no open-interest figure to scale to: their values
    /// are relative, not USD, so a sum with them mixes units.
    pub relative: Vec<String>,
}

impl ModeMix {
    /// Whether both modes are present.
    pub fn is_mixed(&self) -> bool {
        !self.open_interest.is_empty() && !self.volume.is_empty()
    }

    /// One sentence for people, for example `open interest: binance-usdm, bybit-linear; volume:
    /// hyperliquid (mixed: volume-mode notional is a participation share of traded volume)`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.open_interest.is_empty() {
            parts.push(format!("open interest: {}", self.open_interest.join(", ")));
        }
        if !self.volume.is_empty() {
            parts.push(format!("volume: {}", self.volume.join(", ")));
        }
        let mut text = parts.join("; ");
        if self.is_mixed() {
            text += " (mixed: volume-mode notional is a participation share of traded volume, \
                     not measured open interest)";
        }
        if !self.relative.is_empty() {
            text += &format!(
                " (relative values, not USD: {}; the sum mixes units)",
                self.relative.join(", ")
            );
        }
        text
    }
}

/// A venue's close at a time and its basis to the reference venue.
#[derive(Debug, Clone, PartialEq)]
pub struct Basis {
    /// The venue's name.
    pub venue: String,
    /// The venue's bar at or before the time, if any.
    pub bar: Option<usize>,
    /// That bar's close.
    pub close: Option<f64>,
    /// `(close - reference close) / reference close`, percent; `None` without both closes.
    pub basis_pct: Option<f64>,
}

/// Several venues of one coin, each with its own engine, summed on a shared axis.
#[derive(Debug, Clone)]
pub struct Venues {
    venues: Vec<Venue>,
    reference: usize,
    engine_runs: usize,
}

impl Venues {
    /// Runs the engine of every dataset under the same model settings. Venue names are the
    /// datasets' `exchange` fields, made unique with `#2`, `#3` when two datasets share one. The
    /// reference venue is the one with the largest open interest ([`Venues::largest_open_interest`]).
    pub fn new(datasets: Vec<Dataset>, settings: &ModelSettings) -> Result<Venues, VenuesError> {
        Venues::from_shared(datasets.into_iter().map(Arc::new).collect(), settings)
    }

    /// [`Venues::new`] over datasets already shared (the viewer keeps them for the candles).
    pub fn from_shared(
        datasets: Vec<Arc<Dataset>>,
        settings: &ModelSettings,
    ) -> Result<Venues, VenuesError> {
        if datasets.is_empty() {
            return Err(VenuesError::Empty);
        }
        if datasets.len() > MAX_VENUES {
            return Err(VenuesError::TooMany(datasets.len()));
        }
        let mut venues: Vec<Venue> = Vec::with_capacity(datasets.len());
        let mut engine_runs = 0;
        for dataset in datasets {
            let name = unique_name(&dataset.exchange, venues.iter().map(|v| v.name.as_str()));
            let engine = Engine::new(&dataset, settings).map_err(|source| VenuesError::Engine {
                venue: name.clone(),
                source,
            })?;
            engine_runs += 1;
            venues.push(Venue {
                name,
                dataset,
                engine: Arc::new(engine),
                settings: VenueSettings::default(),
            });
        }
        let tiers = &venues[0].engine.settings().tiers;
        if venues.iter().any(|v| &v.engine.settings().tiers != tiers) {
            return Err(VenuesError::TiersDiffer);
        }
        let mut out = Venues {
            venues,
            reference: 0,
            engine_runs,
        };
        if out.common_range_ms().is_none() {
            let spans: Vec<String> = out
                .venues
                .iter()
                .map(|v| {
                    let (a, b) = v.dataset.time_range_ms().unwrap_or((0, 0));
                    format!("{} {a}..{b} ms", v.name)
                })
                .collect();
            return Err(VenuesError::NoCommonRange(spans.join(", ")));
        }
        out.reference = out.largest_open_interest();
        Ok(out)
    }

    /// Number of venues.
    pub fn len(&self) -> usize {
        self.venues.len()
    }

    /// Whether there is no venue (never true for a built [`Venues`]).
    pub fn is_empty(&self) -> bool {
        self.venues.is_empty()
    }

    /// How many times an engine has run (once per venue at [`Venues::new`]); toggling or
    /// re-weighting venues never adds to it.
    pub fn engine_runs(&self) -> usize {
        self.engine_runs
    }

    /// The venues' names, in the order given.
    pub fn names(&self) -> Vec<&str> {
        self.venues.iter().map(|v| v.name.as_str()).collect()
    }

    /// A venue's name.
    pub fn name(&self, venue: usize) -> Option<&str> {
        self.venues.get(venue).map(|v| v.name.as_str())
    }

    /// A venue's dataset.
    pub fn dataset(&self, venue: usize) -> Option<&Dataset> {
        self.venues.get(venue).map(|v| &*v.dataset)
    }

    /// A venue's dataset, shared.
    pub fn shared_dataset(&self, venue: usize) -> Option<Arc<Dataset>> {
        self.venues.get(venue).map(|v| Arc::clone(&v.dataset))
    }

    /// A venue's engine, shared.
    pub fn shared_engine(&self, venue: usize) -> Option<Arc<Engine>> {
        self.venues.get(venue).map(|v| Arc::clone(&v.engine))
    }

    /// A venue's engine.
    pub fn engine(&self, venue: usize) -> Option<&Engine> {
        self.venues.get(venue).map(|v| &*v.engine)
    }

    /// A venue's settings.
    pub fn settings(&self, venue: usize) -> Option<VenueSettings> {
        self.venues.get(venue).map(|v| v.settings)
    }

    /// Changes how a venue counts; nothing is recomputed (re-sum stored grids with
    /// [`VenueGrids::resum`]).
    pub fn set_settings(
        &mut self,
        venue: usize,
        settings: VenueSettings,
    ) -> Result<(), VenuesError> {
        if !(settings.weight.is_finite() && settings.weight >= 0.0) {
            return Err(VenuesError::BadWeight(settings.weight));
        }
        let count = self.len();
        let slot = self.venues.get_mut(venue).ok_or(VenuesError::NoSuchVenue {
            index: venue,
            count,
        })?;
        slot.settings = settings;
        Ok(())
    }

    /// Replaces a venue's dataset and engine with newer ones (live mode grew its dataset and
    /// extended its engine, see [`Engine::extended`]); its name and settings stay. A new engine
    /// counts as one engine run.
    pub fn update_venue(
        &mut self,
        venue: usize,
        dataset: Arc<Dataset>,
        engine: Arc<Engine>,
    ) -> Result<(), VenuesError> {
        let count = self.len();
        if self
            .venues
            .iter()
            .enumerate()
            .any(|(i, v)| i != venue && v.engine.settings().tiers != engine.settings().tiers)
        {
            return Err(VenuesError::TiersDiffer);
        }
        let slot = self.venues.get_mut(venue).ok_or(VenuesError::NoSuchVenue {
            index: venue,
            count,
        })?;
        if !Arc::ptr_eq(&slot.engine, &engine) {
            self.engine_runs += 1;
        }
        slot.dataset = dataset;
        slot.engine = engine;
        Ok(())
    }

    /// Ticks a venue on or off, keeping its weight.
    pub fn set_enabled(&mut self, venue: usize, enabled: bool) -> Result<(), VenuesError> {
        let weight = self.settings(venue).map_or(1.0, |s| s.weight);
        self.set_settings(venue, VenueSettings { enabled, weight })
    }

    /// The multiplier of each venue in the sum: its weight, or 0 when it is ticked off.
    pub fn weights(&self) -> Vec<f64> {
        self.venues
            .iter()
            .map(|v| {
                if v.settings.enabled {
                    v.settings.weight
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// The venue whose candles are shown and whose bars time the map.
    pub fn reference(&self) -> usize {
        self.reference
    }

    /// Chooses the reference venue.
    pub fn set_reference(&mut self, venue: usize) -> Result<(), VenuesError> {
        if venue >= self.len() {
            return Err(VenuesError::NoSuchVenue {
                index: venue,
                count: self.len(),
            });
        }
        self.reference = venue;
        Ok(())
    }

    /// The venue with the largest open interest in USD at its last bar (open interest times
    /// close); among venues without open interest, the largest traded volume in USD. The first
    /// of equals.
    pub fn largest_open_interest(&self) -> usize {
        let key = |v: &Venue| {
            let oi_usd = super::aligned_open_interest(&v.dataset)
                .iter()
                .zip(&v.dataset.bars)
                .rev()
                .find_map(|(oi, bar)| oi.map(|oi| oi * bar.close))
                .unwrap_or(0.0);
            let volume_usd: f64 = v.dataset.bars.iter().map(|b| b.volume * b.close).sum();
            (oi_usd, volume_usd)
        };
        let mut best = 0;
        let mut best_key = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        for (i, venue) in self.venues.iter().enumerate() {
            let k = key(venue);
            if k.0 > best_key.0 || (k.0 == best_key.0 && k.1 > best_key.1) {
                best = i;
                best_key = k;
            }
        }
        best
    }

    /// The time every venue has data for: the latest first-bar open to the earliest last-bar
    /// close (end exclusive).
    pub fn common_range_ms(&self) -> Option<(i64, i64)> {
        let mut start = i64::MIN;
        let mut end = i64::MAX;
        for venue in &self.venues {
            let (a, b) = venue.dataset.time_range_ms()?;
            start = start.max(a);
            end = end.min(b);
        }
        (start < end).then_some((start, end))
    }

    /// The time any venue has data for: the earliest first-bar open to the latest last-bar close.
    pub fn union_range_ms(&self) -> Option<(i64, i64)> {
        let ranges: Vec<(i64, i64)> = self
            .venues
            .iter()
            .filter_map(|v| v.dataset.time_range_ms())
            .collect();
        let start = ranges.iter().map(|r| r.0).min()?;
        let end = ranges.iter().map(|r| r.1).max()?;
        Some((start, end))
    }

    /// The last time inside the common range (its end minus 1 ms): what `--at last` means for
    /// several venues, so each venue shows the bar that covers it.
    pub fn last_common_time_ms(&self) -> Option<i64> {
        self.common_range_ms().map(|(_, end)| end - 1)
    }

    /// Each venue's bar at `time_ms`: its last bar opening at or before it.
    pub fn bars_at(&self, time_ms: i64) -> Vec<Option<usize>> {
        self.venues
            .iter()
            .map(|v| v.dataset.bar_at_or_before(time_ms))
            .collect()
    }

    /// Which venues run in open-interest mode and which in volume mode.
    pub fn mode_mix(&self) -> ModeMix {
        let mut mix = ModeMix::default();
        for venue in &self.venues {
            let list = match venue.engine.settings().source {
                Source::OpenInterest => &mut mix.open_interest,
                Source::Volume => &mut mix.volume,
            };
            list.push(venue.name.clone());
            if !venue.engine.value_unit().is_usd() {
                mix.relative.push(venue.name.clone());
            }
        }
        mix
    }

    /// Each venue's close at `time_ms` and its basis to the reference venue's close.
    pub fn basis_at(&self, time_ms: i64) -> Vec<Basis> {
        let bars = self.bars_at(time_ms);
        let close_of = |venue: usize| -> Option<f64> {
            let bar = bars.get(venue).copied().flatten()?;
            self.venues
                .get(venue)?
                .dataset
                .bars
                .get(bar)
                .map(|b| b.close)
        };
        let reference = close_of(self.reference).filter(|c| *c > 0.0);
        self.venues
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let close = close_of(i);
                Basis {
                    venue: v.name.clone(),
                    bar: bars.get(i).copied().flatten(),
                    close,
                    basis_pct: close
                        .zip(reference)
                        .map(|(c, r)| (c - r) / r * 100.0)
                        .filter(|b| b.is_finite()),
                }
            })
            .collect()
    }

    /// The reference venue's bar at `time_ms`, or an error naming it.
    fn reference_bar(&self, time_ms: i64) -> Result<usize, VenuesError> {
        let venue = &self.venues[self.reference];
        venue
            .dataset
            .bar_at_or_before(time_ms)
            .ok_or_else(|| VenuesError::NoBarAt {
                venue: venue.name.clone(),
                time_ms,
            })
    }
}

/// `name`, or `name#2`, `name#3`, … when taken.
fn unique_name<'a>(name: &str, taken: impl Iterator<Item = &'a str> + Clone) -> String {
    let base = if name.trim().is_empty() {
        "venue"
    } else {
        name.trim()
    };
    if !taken.clone().any(|t| t == base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}#{n}"))
        .find(|candidate| !taken.clone().any(|t| t == candidate))
        .unwrap_or_else(|| base.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_unique() {
        let taken = ["binance-usdm", "binance-usdm#2"];
        assert_eq!(unique_name("okx-swap", taken.iter().copied()), "okx-swap");
        assert_eq!(
            unique_name("binance-usdm", taken.iter().copied()),
            "binance-usdm#3"
        );
        assert_eq!(unique_name(" ", std::iter::empty()), "venue");
    }

    #[test]
    fn mix_sentence_names_both_modes() {
        let mix = ModeMix {
            open_interest: vec!["binance-usdm".into()],
            volume: vec!["hyperliquid".into()],
            relative: Vec::new(),
        };
        assert!(mix.is_mixed());
        let text = mix.describe();
        assert!(text.starts_with("open interest: binance-usdm; volume: hyperliquid (mixed"));
        let with_relative = ModeMix {
            relative: vec!["hyperliquid".into()],
            ..mix
        };
        assert!(
            with_relative
                .describe()
                .contains("relative values, not USD: hyperliquid; the sum mixes units")
        );
    }

    #[test]
    fn a_venue_updated_keeps_its_settings_and_refuses_other_tiers() {
        let settings = ModelSettings::default();
        let sample = crate::dataset::sample().expect("the bundled sample");
        let mut venues = Venues::new(vec![sample.clone(), sample.clone()], &settings).unwrap();
        venues.set_enabled(1, false).unwrap();
        let runs = venues.engine_runs();
        let mut grown = sample.clone();
        grown.bars.truncate(grown.bars.len() - 1);
        let grown = Arc::new(grown);
        let engine = Arc::new(Engine::new(&grown, &settings).unwrap());
        venues
            .update_venue(1, Arc::clone(&grown), Arc::clone(&engine))
            .unwrap();
        assert!(Arc::ptr_eq(&venues.shared_dataset(1).unwrap(), &grown));
        assert_eq!(venues.settings(1).map(|s| s.enabled), Some(false));
        assert_eq!(venues.name(1), Some("binance-usdm#2"));
        assert_eq!(venues.engine_runs(), runs + 1);
        // The same engine again (a liquidation-only update) is no engine run.
        venues.update_venue(1, grown, engine).unwrap();
        assert_eq!(venues.engine_runs(), runs + 1);

        let mut fewer_tiers = settings.clone();
        fewer_tiers.tiers.0.truncate(1);
        let other = Arc::new(Engine::new(&sample, &fewer_tiers).unwrap());
        let shared = Arc::new(sample);
        assert_eq!(
            venues.update_venue(0, Arc::clone(&shared), other),
            Err(VenuesError::TiersDiffer)
        );
        let same = Arc::new(Engine::new(&shared, &settings).unwrap());
        assert_eq!(
            venues.update_venue(2, shared, same),
            Err(VenuesError::NoSuchVenue { index: 2, count: 2 })
        );
    }
}
