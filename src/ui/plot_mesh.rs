//! Bars of a plot as one mesh of pixel-aligned rectangles.
//!
//! egui_plot draws each bar of a bar chart as its own rectangle shape with an anti-aliased
//! outline; the liquidation map beside the chart has a bar per price row (hundreds), and under a
//! software renderer (no GPU) those feathered outlines cost more than the rest of the panel.
//! Bars are axis-aligned: snapped to whole pixels they need no anti-aliasing, and one mesh draws
//! them all with the same look (a pale fill inside a one-pixel outline of the full colour).

use std::ops::RangeInclusive;

use egui::epaint::{Mesh, Shape};
use egui::{Color32, Pos2, Rect, Ui};
use egui_plot::{PlotBounds, PlotGeometry, PlotItem, PlotItemBase, PlotPoint, PlotTransform};

/// A rectangle in plot coordinates: `x` and `y` ranges, either way round.
pub type PlotRect = [[f64; 2]; 2];

/// Adds the rectangle `x` × `y` (screen points) in `color`.
pub fn push_rect(mesh: &mut Mesh, x: [f32; 2], y: [f32; 2], color: Color32) {
    mesh.add_colored_rect(
        Rect::from_min_max(Pos2::new(x[0], y[0]), Pos2::new(x[1], y[1])),
        color,
    );
}

/// `points` rounded to the nearest physical pixel of `pixels_per_point`.
pub fn snap(points: f32, pixels_per_point: f32) -> f32 {
    (points * pixels_per_point).round() / pixels_per_point
}

/// The screen edges of `rect`, snapped to physical pixels and one pixel wide and tall at
/// least: `[left, right]` and `[top, bottom]`.
pub fn pixel_edges(
    rect: &PlotRect,
    transform: &PlotTransform,
    pixels_per_point: f32,
) -> ([f32; 2], [f32; 2]) {
    let [[x0, x1], [y0, y1]] = *rect;
    let a = transform.position_from_point(&PlotPoint::new(x0, y0));
    let b = transform.position_from_point(&PlotPoint::new(x1, y1));
    let pixel = 1.0 / pixels_per_point;
    let left = snap(a.x.min(b.x), pixels_per_point);
    let right = snap(a.x.max(b.x), pixels_per_point).max(left + pixel);
    let top = snap(a.y.min(b.y), pixels_per_point);
    let bottom = snap(a.y.max(b.y), pixels_per_point).max(top + pixel);
    ([left, right], [top, bottom])
}

/// Rows this many pixels tall or taller are drawn a pixel shorter, so that neighbours stay apart.
const ROW_GAP_FROM_PX: f32 = 4.0;

/// The top and bottom of a row bar `y` (screen points), a pixel shorter at the bottom when it is
/// tall enough to keep a gap to the next row and still show most of its height.
pub fn row_with_gap(y: [f32; 2], pixel: f32) -> [f32; 2] {
    let [top, bottom] = y;
    if bottom - top >= ROW_GAP_FROM_PX * pixel - 1e-3 {
        [top, bottom - pixel]
    } else {
        y
    }
}

/// Bars of one colour, drawn as one mesh.
pub struct BarMesh {
    base: PlotItemBase,
    bars: Vec<PlotRect>,
    color: Color32,
    row_gap: bool,
}

impl BarMesh {
    /// The item for `bars` (plot coordinates) in `color`; `name` identifies it in the plot.
    pub fn new(name: &str, bars: Vec<PlotRect>, color: Color32) -> Self {
        Self {
            base: PlotItemBase::new(name.to_owned()),
            bars,
            color,
            row_gap: false,
        }
    }

    /// Horizontal bars in rows (a price profile): tall rows keep a pixel between them.
    pub fn with_row_gap(mut self) -> Self {
        self.row_gap = true;
        self
    }
}

impl PlotItem for BarMesh {
    fn shapes(&self, ui: &Ui, transform: &PlotTransform, shapes: &mut Vec<Shape>) {
        let pixels_per_point = ui.ctx().pixels_per_point();
        let pixel = 1.0 / pixels_per_point;
        let mut mesh = Mesh::default();
        mesh.reserve_triangles(self.bars.len() * 2);
        mesh.reserve_vertices(self.bars.len() * 4);
        for bar in &self.bars {
            let (x, y) = pixel_edges(bar, transform, pixels_per_point);
            let y = if self.row_gap {
                row_with_gap(y, pixel)
            } else {
                y
            };
            push_rect(&mut mesh, x, y, self.color);
        }
        shapes.push(Shape::mesh(mesh));
    }

    fn initialize(&mut self, _x_range: RangeInclusive<f64>) {}

    fn color(&self) -> Color32 {
        self.color
    }

    fn geometry(&self) -> PlotGeometry<'_> {
        PlotGeometry::None
    }

    fn bounds(&self) -> PlotBounds {
        let mut bounds = PlotBounds::NOTHING;
        for [[x0, x1], [y0, y1]] in &self.bars {
            bounds.extend_with(&PlotPoint::new(*x0, *y0));
            bounds.extend_with(&PlotPoint::new(*x1, *y1));
        }
        bounds
    }

    fn base(&self) -> &PlotItemBase {
        &self.base
    }

    fn base_mut(&mut self) -> &mut PlotItemBase {
        &mut self.base
    }
}

/// One point per unit: x 0–100 across, y 0–100 from bottom to top (for tests).
#[cfg(test)]
pub(super) fn unit_transform() -> PlotTransform {
    PlotTransform::new(
        Rect::from_min_max(Pos2::ZERO, Pos2::new(100.0, 100.0)),
        PlotBounds::from_min_max([0.0, 0.0], [100.0, 100.0]),
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::unit_transform as transform;
    use super::*;

    #[test]
    fn a_bar_lands_on_the_pixels_of_its_values_either_way_round() {
        // x 10–30.4 → 10–30; y 20–50.6 → screen 100 - 50.6 = 49.4 → 49 to 100 - 20 = 80.
        let expected = ([10.0, 30.0], [49.0, 80.0]);
        assert_eq!(
            pixel_edges(&[[10.0, 30.4], [20.0, 50.6]], &transform(), 1.0),
            expected
        );
        assert_eq!(
            pixel_edges(&[[30.4, 10.0], [50.6, 20.0]], &transform(), 1.0),
            expected
        );
        // A bar of no height keeps one pixel.
        let (_, y) = pixel_edges(&[[0.0, 5.0], [40.0, 40.0]], &transform(), 1.0);
        assert_eq!(y, [60.0, 61.0]);
        // At two pixels a point, edges fall on half points.
        let (x, _) = pixel_edges(&[[10.3, 20.2], [0.0, 1.0]], &transform(), 2.0);
        assert_eq!(x, [10.5, 20.0]);
    }

    #[test]
    fn tall_rows_keep_a_pixel_between_them_and_thin_ones_stay_whole() {
        assert_eq!(row_with_gap([10.0, 14.0], 1.0), [10.0, 13.0]);
        assert_eq!(row_with_gap([10.0, 13.0], 1.0), [10.0, 13.0]);
        // At two pixels a point (a pixel is half a point), four pixels are two points.
        assert_eq!(row_with_gap([10.0, 12.0], 0.5), [10.0, 11.5]);
        assert_eq!(row_with_gap([10.0, 11.5], 0.5), [10.0, 11.5]);
    }
}
