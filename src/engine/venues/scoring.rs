//! Several venues as one map to score: the summed map timed by the reference venue's bars, so
//! `liqmap score` judges it on the reference venue's candles.
//!
//! At a reference bar each venue shows its last bar that has CLOSED by the reference bar's close
//! (not, as the viewer's time axis does, the last bar that has opened): a coarser venue's bar
//! still open would carry prices from after the reference bar into the map scored, a look-ahead.
//! With equal intervals and aligned bars it is the same bar. Levels born on another venue are
//! dated on the reference's bars (their birth rounded down to a reference bar), as the summed
//! clusters are; a venue's predicted liquidations fall on the reference bar holding their time.

use super::Venues;
use crate::engine::clusters::clusters_from_levels;
use crate::engine::map::map_from_levels;
use crate::engine::score::{
    self, BarLiquidations, MapSweep, Maps, ProgressFn, ScoreError, ScoreParams, ScoreReport,
};
use crate::engine::{
    Cluster, ClusterParams, Engine, EngineError, LayerSelection, LiqMap, PredictedLiquidation,
    StandingLevel, StandingSweep,
};
use crate::model::{Dataset, Liquidation};

/// The summed map of several venues, timed by the reference venue's bars.
#[derive(Debug, Clone, Copy)]
pub struct SummedMaps<'v> {
    venues: &'v Venues,
}

impl Venues {
    /// The venues as one map to score on the reference venue's bars.
    pub fn summed_maps(&self) -> SummedMaps<'_> {
        SummedMaps { venues: self }
    }

    /// Scores the summed map over every bar of the reference venue, on its candles and against
    /// the real liquidations of every venue ticked ([`Venues::scoring_dataset`]).
    pub fn score(
        &self,
        selection: &LayerSelection,
        params: &ScoreParams,
        on_progress: &mut ProgressFn<'_>,
    ) -> Result<ScoreReport, ScoreError> {
        let dataset = self.scoring_dataset();
        let span = 0..dataset.bars.len();
        score::score_maps(
            &self.summed_maps(),
            &dataset,
            selection,
            params,
            span,
            on_progress,
        )
    }

    /// The reference venue's dataset with the real liquidations of every venue ticked (with a
    /// weight above 0) in place of its own, in time order: the events the summed map predicts.
    /// Weights scale the map, not the events: a venue is in or out.
    pub fn scoring_dataset(&self) -> Dataset {
        let weights = self.weights();
        let mut dataset = (*self.venues[self.reference].dataset).clone();
        let mut events: Vec<Liquidation> = self
            .venues
            .iter()
            .zip(&weights)
            .filter(|(_, w)| **w > 0.0)
            .flat_map(|(v, _)| v.dataset.liquidations.iter().copied())
            .collect();
        events.sort_by_key(|e| e.time_ms);
        dataset.liquidations = events;
        dataset
    }

    /// Predicted and real liquidated USD on each reference bar, summed over the venues ticked:
    /// the levels dying in the summed map (each venue's weighted, on the reference bar holding
    /// their time) and every ticked venue's real events. The series under a coin view's chart,
    /// as `score::liquidations_per_bar` is for one venue.
    pub fn liquidations_per_bar(&self, selection: &LayerSelection) -> Vec<BarLiquidations> {
        let maps = self.summed_maps();
        let mut bars = vec![BarLiquidations::default(); maps.bar_times_ms().len()];
        for death in maps.predicted_liquidations(selection) {
            if let Some(bar) = bars.get_mut(death.bar) {
                let side = death.side.index();
                bar.predicted_usd[side] += death.notional_usd;
                // USD x price now, divided by the USD below.
                bar.predicted_price[side] += death.notional_usd * death.price;
            }
        }
        for bar in &mut bars {
            for (price, usd) in bar.predicted_price.iter_mut().zip(bar.predicted_usd) {
                *price = if usd > 0.0 { *price / usd } else { 0.0 };
            }
        }
        let weights = self.weights();
        let ticked = self.venues.iter().zip(&weights).filter(|(_, w)| **w > 0.0);
        for event in ticked.flat_map(|(v, _)| &v.dataset.liquidations) {
            if let Some(bar) = maps
                .reference_bar_of(event.time_ms)
                .and_then(|b| bars.get_mut(b))
            {
                bar.real_usd[event.side.index()] += event.notional_usd();
            }
        }
        bars
    }
}

impl SummedMaps<'_> {
    fn reference(&self) -> &Engine {
        &self.venues.venues[self.venues.reference].engine
    }

    /// The reference bar holding `time_ms` (opening at or before it, closing after it).
    fn reference_bar_of(&self, time_ms: i64) -> Option<usize> {
        let engine = self.reference();
        let times = engine.bar_times_ms();
        let bar = times.partition_point(|&t| t <= time_ms).checked_sub(1)?;
        let open = *times.get(bar)?;
        (time_ms < open + engine.interval_ms()).then_some(bar)
    }
}

impl Maps for SummedMaps<'_> {
    fn bar_times_ms(&self) -> &[i64] {
        self.reference().bar_times_ms()
    }

    fn interval_ms(&self) -> i64 {
        self.reference().interval_ms()
    }

    fn settings_summary(&self) -> String {
        format!(
            "{} (summed over {}; candles of {})",
            self.reference().settings().summary(),
            self.venues.names().join(", "),
            self.venues.name(self.venues.reference).unwrap_or_default()
        )
    }

    fn predicted_liquidations(&self, selection: &LayerSelection) -> Vec<PredictedLiquidation> {
        let weights = self.venues.weights();
        let mut events = Vec::new();
        for (venue, &weight) in self.venues.venues.iter().zip(&weights) {
            if weight <= 0.0 {
                continue;
            }
            let times = venue.engine.bar_times_ms();
            for mut death in venue.engine.predicted_liquidations(selection) {
                let Some(bar) = times.get(death.bar).and_then(|&t| self.reference_bar_of(t)) else {
                    continue;
                };
                death.bar = bar;
                death.notional_usd *= weight;
                events.push(death);
            }
        }
        events.sort_by_key(|e| e.bar);
        events
    }

    fn sweep(&self) -> Box<dyn MapSweep + '_> {
        Box::new(SummedSweep {
            maps: *self,
            sweeps: self
                .venues
                .venues
                .iter()
                .map(|v| StandingSweep::new(&v.engine))
                .collect(),
            levels: Vec::new(),
        })
    }
}

/// One standing sweep per venue, advanced together along the reference venue's bars.
struct SummedSweep<'v> {
    maps: SummedMaps<'v>,
    sweeps: Vec<StandingSweep<'v>>,
    levels: Vec<StandingLevel>,
}

impl SummedSweep<'_> {
    /// Every venue's levels at reference bar `bar`, weighted and dated on the reference's bars,
    /// in venue order (each venue's in `standing_at` order, as `Venues::map_at` sums them).
    fn gather(&mut self, bar: usize) -> Result<(), EngineError> {
        let venues = self.maps.venues;
        let reference = self.maps.reference();
        let reference_times = reference.bar_times_ms();
        let close_ms = reference_times
            .get(bar)
            .map(|&t| t + reference.interval_ms())
            .ok_or(EngineError::BarOutOfRange {
                bar,
                bars: reference_times.len(),
            })?;
        let weights = venues.weights();
        self.levels.clear();
        for ((venue, sweep), &weight) in venues.venues.iter().zip(&mut self.sweeps).zip(&weights) {
            let times = venue.engine.bar_times_ms();
            let interval = venue.engine.interval_ms();
            // The venue's last bar closed by the reference bar's close: no look-ahead.
            let closed = times.partition_point(|&t| t + interval <= close_ms);
            let Some(venue_bar) = closed.checked_sub(1).filter(|_| weight > 0.0) else {
                continue;
            };
            for level in sweep.levels_at(venue_bar)? {
                let born_ms = times.get(level.born_bar).copied().unwrap_or(i64::MIN);
                self.levels.push(StandingLevel {
                    unit_notional_usd: level.unit_notional_usd * weight,
                    born_bar: reference_times
                        .partition_point(|&t| t <= born_ms)
                        .saturating_sub(1),
                    ..*level
                });
            }
        }
        Ok(())
    }
}

impl MapSweep for SummedSweep<'_> {
    fn map_and_clusters_at(
        &mut self,
        bar: usize,
        bin_usd: f64,
        selection: &LayerSelection,
        params: &ClusterParams,
    ) -> Result<(LiqMap, Vec<Cluster>), EngineError> {
        if !(bin_usd.is_finite() && bin_usd > 0.0) {
            return Err(EngineError::BadBin(bin_usd));
        }
        self.gather(bar)?;
        let reference = self.maps.reference();
        let map = map_from_levels(
            reference,
            bar,
            bin_usd,
            selection,
            self.levels.iter().copied(),
        )?;
        let clusters = clusters_from_levels(reference, &map, selection, params, &self.levels);
        Ok((map, clusters))
    }
}
