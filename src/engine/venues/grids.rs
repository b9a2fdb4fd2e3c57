//! The heatmap grid of several venues: every venue's grid on one shared request, each composed
//! under the tier selection and kept, and their weighted sum. Ticking a venue re-sums the kept
//! composed grids; changing the tiers re-composes the kept layers; neither runs an engine nor
//! rebuilds a grid ([`VenueGrids::grid_builds`]).

use std::sync::Arc;

use super::Venues;
use crate::engine::{Grid, GridError, GridRequest, LayerSelection};

/// Every venue's grid on one request, and their sum.
#[derive(Debug, Clone)]
pub struct VenueGrids {
    request: GridRequest,
    grids: Vec<Arc<Grid>>,
    /// Each venue's grid composed under `selection`, at unit venue weight.
    composed: Vec<Vec<f64>>,
    selection: LayerSelection,
    weights: Vec<f64>,
    total: Vec<f64>,
    grid_builds: usize,
}

impl VenueGrids {
    /// Builds every venue's grid on `request` (ticked-off venues too, so ticking one back on
    /// costs a re-sum) and sums them with the venues' current weights.
    pub fn build(
        venues: &Venues,
        request: &GridRequest,
        selection: &LayerSelection,
    ) -> Result<VenueGrids, GridError> {
        let mut grids = Vec::with_capacity(venues.len());
        for venue in &venues.venues {
            grids.push(Arc::new(venue.engine.grid(request)?));
        }
        let composed = grids.iter().map(|g| g.compose(selection)).collect();
        let mut out = VenueGrids {
            request: *request,
            grid_builds: grids.len(),
            grids,
            composed,
            selection: selection.clone(),
            weights: Vec::new(),
            total: Vec::new(),
        };
        out.resum(venues);
        Ok(out)
    }

    /// The window and resolution shared by every venue.
    pub fn request(&self) -> &GridRequest {
        &self.request
    }

    /// How many venue grids have been built (one per venue at [`VenueGrids::build`]); re-summing
    /// and re-selecting never add to it.
    pub fn grid_builds(&self) -> usize {
        self.grid_builds
    }

    /// A venue's grid, one layer per side and tier at unit weight.
    pub fn venue_grid(&self, venue: usize) -> Option<&Grid> {
        self.grids.get(venue).map(|g| &**g)
    }

    /// A venue's grid, shared (the viewer shows the reference venue's columns).
    pub fn shared_grid(&self, venue: usize) -> Option<Arc<Grid>> {
        self.grids.get(venue).cloned()
    }

    /// A venue's grid composed under the current tier selection, at unit venue weight, row-major.
    pub fn venue_values(&self, venue: usize) -> Option<&[f64]> {
        self.composed.get(venue).map(Vec::as_slice)
    }

    /// The weight each venue had at the last re-sum (0 for a venue ticked off).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The summed grid, row-major (`row * columns + col`, row 0 the lowest price).
    pub fn total(&self) -> &[f64] {
        &self.total
    }

    /// Re-sums the kept composed grids with the venues' current weights: what ticking or
    /// weighting a venue costs.
    pub fn resum(&mut self, venues: &Venues) {
        self.weights = venues.weights();
        let cells = self.request.rows * self.request.columns;
        self.total.clear();
        self.total.resize(cells, 0.0);
        for (values, &weight) in self.composed.iter().zip(&self.weights) {
            if weight > 0.0 {
                for (out, v) in self.total.iter_mut().zip(values) {
                    *out += weight * v;
                }
            }
        }
    }

    /// Re-composes every venue's kept layers under a new tier selection, then re-sums: what
    /// ticking or weighting a tier costs.
    pub fn set_selection(&mut self, venues: &Venues, selection: &LayerSelection) {
        for (grid, values) in self.grids.iter().zip(&mut self.composed) {
            grid.compose_into(selection, values);
        }
        self.selection = selection.clone();
        self.resum(venues);
    }

    /// The tier selection the grids are composed under.
    pub fn selection(&self) -> &LayerSelection {
        &self.selection
    }

    /// The summed value of a cell, and each venue's share of it (adding up to 1 where the cell
    /// holds anything, all 0 where it holds nothing).
    pub fn cell_shares(&self, row: usize, col: usize) -> (f64, Vec<f64>) {
        let index = row * self.request.columns + col;
        let parts: Vec<f64> = self
            .composed
            .iter()
            .zip(&self.weights)
            .map(|(values, w)| w * values.get(index).copied().unwrap_or(0.0))
            .collect();
        let total: f64 = parts.iter().sum();
        let shares = if total > 0.0 {
            parts.iter().map(|p| p / total).collect()
        } else {
            vec![0.0; parts.len()]
        };
        (total, shares)
    }
}
