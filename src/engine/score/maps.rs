//! What scoring asks of the map it scores: the bars that time it, the levels dying on them, and
//! the map and clusters at a bar in increasing bar order. One venue's [`Engine`] is one such map;
//! several venues summed on a reference venue's bars are another (`engine::venues`), so
//! `liqmap score` scores either the same way.

use crate::engine::{
    Cluster, ClusterParams, Engine, EngineError, LayerSelection, LiqMap, PredictedLiquidation,
    StandingSweep,
};

/// A map to score, timed by one series of bars.
pub trait Maps {
    /// Open time of each bar the map is scored on.
    fn bar_times_ms(&self) -> &[i64];
    /// The bars' interval in milliseconds.
    fn interval_ms(&self) -> i64;
    /// The model settings in one line, for the report.
    fn settings_summary(&self) -> String;
    /// Every level that dies, in bar order, with its notional at death weighted by `selection`.
    fn predicted_liquidations(&self, selection: &LayerSelection) -> Vec<PredictedLiquidation>;
    /// A sweep that gives the map and clusters at bars asked for in increasing order.
    fn sweep(&self) -> Box<dyn MapSweep + '_>;
}

/// Maps and clusters at bars visited in increasing order (an earlier bar costs a restart).
pub trait MapSweep {
    /// The liquidation map at `bar` on rows of `bin_usd`, and its ranked clusters.
    fn map_and_clusters_at(
        &mut self,
        bar: usize,
        bin_usd: f64,
        selection: &LayerSelection,
        params: &ClusterParams,
    ) -> Result<(LiqMap, Vec<Cluster>), EngineError>;
}

impl Maps for Engine {
    fn bar_times_ms(&self) -> &[i64] {
        Engine::bar_times_ms(self)
    }

    fn interval_ms(&self) -> i64 {
        Engine::interval_ms(self)
    }

    fn settings_summary(&self) -> String {
        self.settings().summary()
    }

    fn predicted_liquidations(&self, selection: &LayerSelection) -> Vec<PredictedLiquidation> {
        Engine::predicted_liquidations(self, selection)
    }

    fn sweep(&self) -> Box<dyn MapSweep + '_> {
        Box::new(StandingSweep::new(self))
    }
}

impl MapSweep for StandingSweep<'_> {
    fn map_and_clusters_at(
        &mut self,
        bar: usize,
        bin_usd: f64,
        selection: &LayerSelection,
        params: &ClusterParams,
    ) -> Result<(LiqMap, Vec<Cluster>), EngineError> {
        StandingSweep::map_and_clusters_at(self, bar, bin_usd, selection, params)
    }
}
