//! The chart's viewport apart from egui: the bounds shown (seconds and USD), where the plot sat
//! on screen, the bounds asked for next, the hover and the grid window that fits the view.
//! Nothing here is an egui type; the chart converts to and from egui_plot's.

use crate::engine::GridRequest;
use crate::model::Dataset;

use super::data::CellInfo;
use super::settings::RowHeight;

/// Most rows a grid may have, whatever the row height setting: the heatmap texture must fit the
/// 2048-pixel limit that every wgpu backend, software renderers included, guarantees.
const MAX_GRID_ROWS: usize = 2048;
/// Most columns a grid may have (the same texture limit).
const MAX_GRID_COLUMNS: usize = 2048;

/// How long the pointer rests on a bar before its clusters are asked for: a pointer sweeping
/// across a year of bars would otherwise keep a core busy with clusters nobody reads.
pub const HOVER_REST_S: f64 = 0.08;

/// A rectangle of the chart in data units: time in seconds since the epoch (the plot's x) and
/// price in USD (its y).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewBounds {
    /// Left time (s) and bottom price (USD).
    pub min: [f64; 2],
    /// Right time (s) and top price (USD).
    pub max: [f64; 2],
}

impl ViewBounds {
    /// Bounds from two corners.
    pub fn from_min_max(min: [f64; 2], max: [f64; 2]) -> Self {
        ViewBounds { min, max }
    }

    /// Left time (s) and bottom price.
    pub fn min(&self) -> [f64; 2] {
        self.min
    }

    /// Right time (s) and top price.
    pub fn max(&self) -> [f64; 2] {
        self.max
    }

    /// Time span, seconds.
    pub fn width(&self) -> f64 {
        self.max[0] - self.min[0]
    }

    /// Price span, USD.
    pub fn height(&self) -> f64 {
        self.max[1] - self.min[1]
    }

    /// The middle: time (s) and price.
    pub fn center(&self) -> [f64; 2] {
        [
            (self.min[0] + self.max[0]) / 2.0,
            (self.min[1] + self.max[1]) / 2.0,
        ]
    }

    /// Whether both spans are finite and positive.
    pub fn is_valid(&self) -> bool {
        self.min.iter().chain(&self.max).all(|v| v.is_finite())
            && self.width() > 0.0
            && self.height() > 0.0
    }

    /// The same size, moved so that its middle is at `time_s`, `price`.
    pub fn centred_on(&self, time_s: f64, price: f64) -> Self {
        let (half_w, half_h) = (self.width() / 2.0, self.height() / 2.0);
        ViewBounds {
            min: [time_s - half_w, price - half_h],
            max: [time_s + half_w, price + half_h],
        }
    }

    /// The same size, moved by `seconds` in time.
    pub fn shifted_s(&self, seconds: f64) -> Self {
        ViewBounds {
            min: [self.min[0] + seconds, self.min[1]],
            max: [self.max[0] + seconds, self.max[1]],
        }
    }

    /// The whole dataset: its time span and price range with a margin.
    pub fn of_dataset(dataset: &Dataset) -> Option<Self> {
        Some(Self::of_ranges(
            dataset.time_range_ms()?,
            dataset.price_range()?,
        ))
    }

    /// The bounds of a time span and a price range, with the same margin as [`Self::of_dataset`].
    pub fn of_ranges((start_ms, end_ms): (i64, i64), (low, high): (f64, f64)) -> Self {
        let pad = (high - low).max(high.abs() * 0.001) * 0.05;
        let span_s = (end_ms - start_ms) as f64 / 1000.0;
        ViewBounds::from_min_max(
            [start_ms as f64 / 1000.0, low - pad],
            [end_ms as f64 / 1000.0 + span_s * 0.02, high + pad],
        )
    }
}

/// What the chart is asked to show at its next frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PendingView {
    /// The whole dataset.
    Everything,
    /// These bounds.
    Bounds(ViewBounds),
}

/// Where the chart was drawn at the last frame: its bounds and its plot rectangle on screen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartFrame {
    /// The bounds shown.
    pub bounds: ViewBounds,
    /// The plot's rectangle in screen points: left, top, right, bottom.
    pub rect_pt: [f32; 4],
}

impl ChartFrame {
    /// Width and height of the plot, points.
    pub fn size_pt(&self) -> [f32; 2] {
        let [l, t, r, b] = self.rect_pt;
        [r - l, b - t]
    }

    /// Screen position (points) of a time (ms) and price.
    pub fn screen_pos(&self, time_ms: f64, price: f64) -> [f32; 2] {
        let [l, t, r, b] = self.rect_pt;
        let bounds = &self.bounds;
        let fx = (time_ms / 1000.0 - bounds.min[0]) / bounds.width();
        let fy = (bounds.max[1] - price) / bounds.height();
        [
            l + (fx * f64::from(r - l)) as f32,
            t + (fy * f64::from(b - t)) as f32,
        ]
    }
}

/// The pointer over the chart, in data units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hover {
    /// Time, epoch ms.
    pub time_ms: f64,
    /// Price, USD.
    pub price: f64,
}

/// Whether to ask for the clusters of the hovered bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClustersAsk {
    /// Ask for this bar's clusters now.
    Now(usize),
    /// The pointer is still moving: look again after this many seconds.
    After(f64),
    /// Nothing is hovered.
    Nothing,
}

/// What the viewer remembers of the chart between frames.
#[derive(Debug, Default, Clone)]
pub struct ChartView {
    /// What to show at the next frame, with its number (the chart reports which it applied).
    pub pending: Option<(u64, PendingView)>,
    /// The number given to the last pending view.
    pending_seq: u64,
    /// The grid window asked for last.
    pub requested_grid: Option<GridRequest>,
    /// The bar whose clusters were asked for last.
    pub requested_clusters: Option<usize>,
    /// The pointer over the chart, if any.
    pub hover: Option<Hover>,
    /// The heatmap cell under the pointer.
    pub hovered_cell: Option<CellInfo>,
    /// Where the chart was drawn at the last frame.
    pub frame: Option<ChartFrame>,
    /// The hovered bar and since when (egui time, seconds) the pointer has been on it.
    hover_rest: Option<(usize, f64)>,
    /// A time pinned with a click on the chart (epoch ms): the clusters and the map stay on it.
    pub pinned_ms: Option<i64>,
    /// Whether the pointer is over the clusters table: the clusters stay at the time last
    /// hovered, so the rows do not change while the pointer travels to them.
    pub table_hovered: bool,
    /// A cluster's price band to highlight on the chart (clicked in the table).
    pub highlight: Option<Highlight>,
}

/// A cluster's band highlighted on the chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Highlight {
    /// The time of the clusters (epoch ms): the band is drawn from its formation to here.
    pub time_ms: i64,
    /// When the band formed (epoch ms).
    pub formed_ms: i64,
    /// Lower price edge, USD.
    pub price_low: f64,
    /// Upper price edge, USD.
    pub price_high: f64,
    /// Whose positions the band holds.
    pub side: crate::model::Side,
}

impl ChartView {
    /// The bounds shown at the last frame.
    pub fn bounds(&self) -> Option<ViewBounds> {
        self.frame.map(|f| f.bounds)
    }

    /// Screen position (points) of a time (ms) and price at the last frame.
    pub fn screen_pos(&self, time_ms: f64, price: f64) -> Option<[f32; 2]> {
        self.frame.map(|f| f.screen_pos(time_ms, price))
    }

    /// Asks the chart to show `view` at its next frame.
    pub fn request(&mut self, view: PendingView) {
        self.pending_seq += 1;
        self.pending = Some((self.pending_seq, view));
    }

    /// The chart applied the pending view numbered `seq`: it is done unless a newer one came.
    pub fn applied(&mut self, seq: u64) {
        if self.pending.is_some_and(|(s, _)| s == seq) {
            self.pending = None;
        }
    }

    /// Forgets everything tied to the previous dataset (the pin and the highlight too) and shows
    /// the whole new one.
    pub fn reset_for_new_data(&mut self) {
        let frame = self.frame;
        let seq = self.pending_seq;
        *self = ChartView {
            frame,
            pending_seq: seq,
            ..ChartView::default()
        };
        self.request(PendingView::Everything);
    }

    /// Keeps the zoom and moves the view so the time and price are in the middle.
    pub fn centre_on(&mut self, time_ms: i64, price: f64) {
        if let Some(bounds) = self.bounds() {
            self.request(PendingView::Bounds(
                bounds.centred_on(time_ms as f64 / 1000.0, price),
            ));
        }
    }

    /// Live mode: when the data grew from `old_end_ms` to `new_end_ms` and the view reaches the
    /// old end (the user watches the newest bars), moves the view by as much time, keeping the
    /// zoom. A view left on older history stays where it is.
    pub fn follow_new_bars(&mut self, old_end_ms: i64, new_end_ms: i64) {
        let pending = match self.pending {
            Some((_, PendingView::Bounds(b))) => Some(b),
            _ => None,
        };
        let Some(bounds) = pending.or(self.bounds()) else {
            return;
        };
        if new_end_ms <= old_end_ms || bounds.max[0] * 1000.0 < old_end_ms as f64 {
            return;
        }
        self.request(PendingView::Bounds(
            bounds.shifted_s((new_end_ms - old_end_ms) as f64 / 1000.0),
        ));
    }

    /// Whether the clusters of the hovered bar are waiting for the pointer to rest.
    pub fn is_waiting_for_rest(&self) -> bool {
        self.hover_rest
            .is_some_and(|(bar, _)| self.requested_clusters != Some(bar))
    }

    /// Decides whether the clusters of `hovered_bar` are asked for at `now_s` (egui time):
    /// once the pointer has rested on the bar for [`HOVER_REST_S`].
    pub fn clusters_bar_to_ask(&mut self, hovered_bar: Option<usize>, now_s: f64) -> ClustersAsk {
        let Some(bar) = hovered_bar else {
            self.hover_rest = None;
            return ClustersAsk::Nothing;
        };
        let since_s = match self.hover_rest {
            Some((rested_bar, since_s)) if rested_bar == bar => since_s,
            _ => {
                self.hover_rest = Some((bar, now_s));
                now_s
            }
        };
        let rested_s = now_s - since_s;
        if rested_s >= HOVER_REST_S {
            ClustersAsk::Now(bar)
        } else {
            ClustersAsk::After(HOVER_REST_S - rested_s)
        }
    }
}

/// The grid window for the visible bounds at the plot's size in points.
pub fn grid_request(
    bounds: &ViewBounds,
    size_pt: [f32; 2],
    row_height: RowHeight,
) -> Option<GridRequest> {
    let [x0, y0] = bounds.min;
    let [x1, y1] = bounds.max;
    if !(bounds.is_valid() && x1 > x0 && y1 > y0) {
        return None;
    }
    let [width_pt, height_pt] = size_pt;
    // Columns in steps of 16 points: a panel one point wider does not re-bin the heatmap.
    let columns = ((width_pt / 16.0).round() as usize * 16).clamp(16, MAX_GRID_COLUMNS);
    let span = y1 - y0;
    let step = match row_height {
        // About two screen points a row: zooming in gives finer rows.
        RowHeight::Automatic => span / ((height_pt / 2.0).round() as f64).clamp(16.0, 800.0),
        RowHeight::FixedUsd(step) if step > 0.0 => step.max(span / MAX_GRID_ROWS as f64),
        RowHeight::FixedUsd(_) => span / 300.0,
    };
    // Rows start at a multiple of the step, so a row is the same price band at every zoom.
    let price_low = (y0 / step).floor() * step;
    let rows = (((y1 - price_low) / step).ceil() as usize).clamp(1, MAX_GRID_ROWS);
    Some(GridRequest {
        start_ms: (x0 * 1000.0).floor() as i64,
        end_ms: (x1 * 1000.0).ceil() as i64,
        columns,
        price_low,
        price_high: price_low + rows as f64 * step,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_rows_start_at_a_multiple_of_the_step() {
        let bounds = ViewBounds::from_min_max([0.0, 101.3], [3600.0, 120.7]);
        let request = grid_request(&bounds, [800.0, 400.0], RowHeight::FixedUsd(0.5)).unwrap();
        assert_eq!(request.price_low, 101.0);
        assert_eq!(request.rows, 40); // 101.0 .. 121.0 in steps of 0.5 covers 120.7
        assert_eq!(
            (request.start_ms, request.end_ms, request.columns),
            (0, 3_600_000, 800)
        );
    }

    #[test]
    fn clusters_are_asked_for_once_the_pointer_rests() {
        let mut memory = ChartView::default();
        let frame_s = 1.0 / 60.0;
        // A sweep over ten bars, one a frame: nothing is asked for.
        for i in 0..10 {
            let ask = memory.clusters_bar_to_ask(Some(i), f64::from(i as u32) * frame_s);
            assert!(matches!(ask, ClustersAsk::After(_)), "{ask:?}");
        }
        assert!(memory.is_waiting_for_rest());
        // The pointer stays on bar 9: once 0.08 s have passed its clusters are asked for.
        let start_s = 9.0 * frame_s;
        let ClustersAsk::After(wait_s) = memory.clusters_bar_to_ask(Some(9), start_s + 0.05) else {
            panic!("asked too early");
        };
        assert!((wait_s - 0.03).abs() < 1e-9);
        assert_eq!(
            memory.clusters_bar_to_ask(Some(9), start_s + 0.085),
            ClustersAsk::Now(9)
        );
        memory.requested_clusters = Some(9);
        assert!(!memory.is_waiting_for_rest());
        // Leaving the chart forgets the bar.
        assert_eq!(memory.clusters_bar_to_ask(None, 1.0), ClustersAsk::Nothing);
        assert!(!memory.is_waiting_for_rest());
    }

    #[test]
    fn a_pending_view_is_done_only_when_the_chart_applied_that_one() {
        let mut view = ChartView::default();
        view.request(PendingView::Everything);
        let (first, _) = view.pending.unwrap();
        // A newer request arrives in the same frame as the chart's report of the first.
        view.request(PendingView::Bounds(ViewBounds::from_min_max(
            [0.0, 1.0],
            [2.0, 3.0],
        )));
        view.applied(first);
        assert!(view.pending.is_some(), "the newer request is kept");
        let (second, _) = view.pending.unwrap();
        view.applied(second);
        assert!(view.pending.is_none());
    }
}
