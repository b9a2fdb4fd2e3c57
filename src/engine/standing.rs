//! A sweep over bars in increasing order that keeps the levels standing at the current bar, so
//! a run of maps (scoring visits its sampled bars in order) costs about the levels standing at
//! each, not every level born before it.
//!
//! [`Engine::standing_at`] walks every level born up to the bar and drops the dead ones: a map
//! late in the data costs bars x layers. The sweep keeps, per layer, the birth bars of the levels
//! alive at the current bar in increasing order; moving forward drops those whose death bar has
//! come and appends those born since that still stand. The levels come out in the same order as
//! from `standing_at` (layer by layer, oldest first) with the same notional, so maps summed from
//! them are equal to the bit.

use super::clusters::clusters_from_levels;
use super::map::map_from_levels;
use super::{Cluster, ClusterParams, Engine, EngineError, LayerSelection, LiqMap, StandingLevel};

/// The levels standing at one bar, advanced in increasing bar order (see the module
/// documentation). Going back to an earlier bar restarts the sweep from bar 0.
#[derive(Debug, Clone)]
pub struct StandingSweep<'e> {
    engine: &'e Engine,
    /// The bar the alive lists hold, if any.
    bar: Option<usize>,
    /// Per layer, the place (in [`super::Layer::levels`]) and death bar of the levels standing
    /// at `bar`, by birth.
    alive: Vec<Vec<(usize, u32)>>,
    /// Levels at `bar`, in `standing_at` order.
    levels: Vec<StandingLevel>,
}

impl<'e> StandingSweep<'e> {
    /// A sweep over `engine` that has not visited any bar yet.
    pub fn new(engine: &'e Engine) -> Self {
        StandingSweep {
            engine,
            bar: None,
            alive: vec![Vec::new(); engine.layers().len()],
            levels: Vec::new(),
        }
    }

    /// The levels standing at `bar` (after step d of that bar), at unit tier weight, in the
    /// order [`Engine::standing_at`] gives them.
    pub fn levels_at(&mut self, bar: usize) -> Result<&[StandingLevel], EngineError> {
        if bar >= self.engine.bar_count() {
            return Err(EngineError::BarOutOfRange {
                bar,
                bars: self.engine.bar_count(),
            });
        }
        if self.bar != Some(bar) {
            self.advance(bar);
        }
        Ok(&self.levels)
    }

    /// The liquidation map at `bar`, equal to [`Engine::map_at`].
    pub fn map_at(
        &mut self,
        bar: usize,
        bin_usd: f64,
        selection: &LayerSelection,
    ) -> Result<LiqMap, EngineError> {
        if !(bin_usd.is_finite() && bin_usd > 0.0) {
            return Err(EngineError::BadBin(bin_usd));
        }
        let engine = self.engine;
        let levels = self.levels_at(bar)?;
        map_from_levels(engine, bar, bin_usd, selection, levels.iter().copied())
    }

    /// The map at `bar` and its ranked clusters, equal to [`Engine::map_at`] and
    /// [`Engine::clusters_at`].
    pub fn map_and_clusters_at(
        &mut self,
        bar: usize,
        bin_usd: f64,
        selection: &LayerSelection,
        params: &ClusterParams,
    ) -> Result<(LiqMap, Vec<Cluster>), EngineError> {
        let map = self.map_at(bar, bin_usd, selection)?;
        let clusters = clusters_from_levels(self.engine, &map, selection, params, &self.levels);
        Ok((map, clusters))
    }

    fn advance(&mut self, bar: usize) {
        // Levels born after `bar` cannot stand at it: an earlier bar means starting over.
        let first_new = match self.bar {
            Some(previous) if previous < bar => previous + 1,
            _ => {
                self.alive.iter_mut().for_each(Vec::clear);
                0
            }
        };
        let engine = self.engine;
        let inputs = engine.inputs();
        for (layer, alive) in engine.layers().iter().zip(&mut self.alive) {
            let dead = |death: u32| (death as usize) <= bar;
            alive.retain(|&(_, death)| !dead(death));
            let notional = inputs.new_usd.get(layer.side.index());
            // The same test as `standing_at`: notional given and not dead by `bar`.
            let born_since = inputs.levels_within(first_new..bar + 1);
            alive.extend(
                layer
                    .levels_at(born_since)
                    .filter(|&(at, _, death)| {
                        notional
                            .and_then(|n| n.get(at))
                            .is_some_and(|&usd| usd > 0.0)
                            && !dead(death)
                    })
                    .map(|(at, _, death)| (at, death)),
            );
        }
        self.bar = Some(bar);
        self.levels.clear();
        let log_now = inputs.log_scale.get(bar).copied().unwrap_or(0.0);
        for (layer, alive) in engine.layers().iter().zip(&self.alive) {
            let Some(notional) = inputs.new_usd.get(layer.side.index()) else {
                continue;
            };
            self.levels.extend(alive.iter().filter_map(|&(at, _)| {
                let born = *inputs.born.get(at)? as usize;
                Some(StandingLevel {
                    side: layer.side,
                    tier: layer.tier,
                    price: layer.price_of_entry(*inputs.entry_price.get(at)?),
                    born_bar: born,
                    unit_notional_usd: notional.get(at)?
                        * (log_now - inputs.log_scale.get(born)?).exp(),
                })
            }));
        }
    }
}
