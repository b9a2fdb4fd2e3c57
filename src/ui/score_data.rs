//! What of the data a score was computed on, so that the Score panel can say its figures are out
//! of date when the data grows: every dataset scored (each venue's in a coin view, where only the
//! reference venue's engine is in the score's key), told by its size and its newest rows. No egui
//! here.

use crate::model::{Bar, Dataset};

use super::data::ViewData;

/// One dataset as a score saw it: its row counts and newest bar and open interest. Live merges
/// append rows or rewrite the newest bar, so any merge that changes the data changes this; a
/// poll that brings nothing new leaves it equal.
#[derive(Debug, Clone, PartialEq)]
pub struct DataMark {
    bars: usize,
    newest_bar: Option<Bar>,
    open_interest: usize,
    newest_open_interest: Option<(i64, f64)>,
    liquidations: usize,
}

impl DataMark {
    /// The mark of `dataset` now.
    pub fn of(dataset: &Dataset) -> Self {
        DataMark {
            bars: dataset.bars.len(),
            newest_bar: dataset.bars.last().cloned(),
            open_interest: dataset.open_interest.len(),
            newest_open_interest: dataset
                .open_interest
                .last()
                .map(|s| (s.time_ms, s.open_interest)),
            liquidations: dataset.liquidations.len(),
        }
    }
}

/// The marks of every dataset a score of the view uses: each venue's in a coin view (in venue
/// order), else the dataset shown.
pub fn data_marks(data: &ViewData) -> Vec<DataMark> {
    match &data.venues {
        Some(view) => (0..view.venues.len())
            .filter_map(|v| view.venues.dataset(v))
            .map(DataMark::of)
            .collect(),
        None => data
            .loaded
            .iter()
            .map(|l| DataMark::of(&l.dataset))
            .collect(),
    }
}
