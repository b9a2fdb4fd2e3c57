//! The candles as one plot item that paints a single mesh of pixel-aligned rectangles.
//!
//! egui_plot's box plots made every candle several stroked and filled shapes, each with
//! anti-aliasing feathers; under a software renderer (no GPU) the candles of a zoomed-out year
//! cost about half of a frame's CPU and a large part of the rasteriser's time. Candles are
//! axis-aligned rectangles: snapped to whole pixels they need no anti-aliasing, and one mesh of
//! two triangles per rectangle draws them all.

use std::ops::RangeInclusive;

use egui::epaint::{Mesh, Shape};
use egui::{Color32, Ui};
use egui_plot::{PlotBounds, PlotGeometry, PlotItem, PlotItemBase, PlotPoint, PlotTransform};

use super::plot_mesh::{push_rect, snap};
use crate::render::candles::Candle;
use crate::render::theme::candle_rim_px;

/// Share of a candle's time span its body covers; the rest is the gap to its neighbours.
pub const BODY_SHARE: f64 = 0.7;

/// The colours and the rim of the candles.
#[derive(Debug, Clone, Copy)]
pub struct CandleLook {
    /// Body and wick of a rising candle.
    pub up: Color32,
    /// Body and wick of a falling candle.
    pub down: Color32,
    /// The dark rim around each candle, so that candles stand out on any heatmap colour; its
    /// width follows the candles' width ([`rim_px`]).
    pub rim: Color32,
}

/// The candles of the view, drawn as one mesh.
pub struct CandleMesh {
    base: PlotItemBase,
    candles: std::sync::Arc<[Candle]>,
    look: CandleLook,
}

impl CandleMesh {
    /// The item for `candles`, drawn with `look`.
    pub fn new(candles: std::sync::Arc<[Candle]>, look: CandleLook) -> Self {
        Self {
            base: PlotItemBase::new("candles".to_owned()),
            candles,
            look,
        }
    }
}

/// A candle on screen, in physical pixels snapped to whole pixels: the wick's and the body's
/// left and right edges, and the tops and bottoms of the wick and the body.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CandlePixels {
    /// Left and right edge of the wick (one pixel wide at least).
    pub wick_x: [f32; 2],
    /// Left and right edge of the body.
    pub body_x: [f32; 2],
    /// Top (high) and bottom (low) of the wick; screen y grows downwards.
    pub wick_y: [f32; 2],
    /// Top and bottom of the body (one pixel tall at least).
    pub body_y: [f32; 2],
}

/// Where `candle` falls on screen, snapped to the pixel grid of `pixels_per_point`.
pub fn candle_pixels(
    candle: &Candle,
    transform: &PlotTransform,
    pixels_per_point: f32,
) -> CandlePixels {
    let snap = |points: f32| snap(points, pixels_per_point);
    let pixel = 1.0 / pixels_per_point;
    let centre_s = (candle.start_ms + candle.end_ms) as f64 / 2000.0;
    let half_s = (candle.end_ms - candle.start_ms) as f64 / 2000.0 * BODY_SHARE;
    let at =
        |time_s: f64, price: f64| transform.position_from_point(&PlotPoint::new(time_s, price));
    let left = snap(at(centre_s - half_s, candle.close_usd).x);
    let right = snap(at(centre_s + half_s, candle.close_usd).x).max(left + pixel);
    let wick_left = snap(at(centre_s, candle.close_usd).x - pixel / 2.0);
    let body_top = candle.open_usd.max(candle.close_usd);
    let body_bottom = candle.open_usd.min(candle.close_usd);
    let body_top_y = snap(at(centre_s, body_top).y);
    let body_bottom_y = snap(at(centre_s, body_bottom).y).max(body_top_y + pixel);
    let high_y = snap(at(centre_s, candle.high_usd).y).min(body_top_y);
    let low_y = snap(at(centre_s, candle.low_usd).y).max(body_bottom_y);
    CandlePixels {
        wick_x: [wick_left, wick_left + pixel],
        body_x: [left, right],
        wick_y: [high_y, low_y],
        body_y: [body_top_y, body_bottom_y],
    }
}

/// The rim of candles whose slots (body and gap) are `slot_px` physical pixels wide: the
/// export's rule ([`candle_rim_px`]: none where neighbours' rims would run together into a dark
/// band over the heatmap), in whole pixels, as the mesh has no anti-aliasing to draw a part of
/// one.
pub fn rim_px(slot_px: f32) -> f32 {
    candle_rim_px(f64::from(slot_px)).floor() as f32
}

impl PlotItem for CandleMesh {
    fn shapes(&self, ui: &Ui, transform: &PlotTransform, shapes: &mut Vec<Shape>) {
        let pixels_per_point = ui.ctx().pixels_per_point();
        let pixel = 1.0 / pixels_per_point;
        let mut mesh = Mesh::default();
        mesh.reserve_triangles(self.candles.len() * 8);
        mesh.reserve_vertices(self.candles.len() * 16);
        let pixels: Vec<CandlePixels> = self
            .candles
            .iter()
            .map(|c| candle_pixels(c, transform, pixels_per_point))
            .collect();
        let slot_px = self
            .candles
            .iter()
            .map(|c| {
                let seconds = (c.end_ms - c.start_ms) as f64 / 1000.0;
                (seconds / transform.dvalue_dpos()[0].abs()) as f32 * pixels_per_point
            })
            .fold(f32::INFINITY, f32::min);
        let rim_px = rim_px(slot_px);
        if rim_px > 0.0 {
            let rim = rim_px * pixel;
            for p in &pixels {
                let grow = |[a, b]: [f32; 2]| [a - rim, b + rim];
                push_rect(&mut mesh, grow(p.wick_x), grow(p.wick_y), self.look.rim);
                push_rect(&mut mesh, grow(p.body_x), grow(p.body_y), self.look.rim);
            }
        }
        for (p, candle) in pixels.iter().zip(self.candles.iter()) {
            let color = if candle.is_up() {
                self.look.up
            } else {
                self.look.down
            };
            push_rect(&mut mesh, p.wick_x, p.wick_y, color);
            push_rect(&mut mesh, p.body_x, p.body_y, color);
        }
        shapes.push(Shape::mesh(mesh));
    }

    fn initialize(&mut self, _x_range: RangeInclusive<f64>) {}

    fn color(&self) -> Color32 {
        self.look.up
    }

    fn geometry(&self) -> PlotGeometry<'_> {
        PlotGeometry::None
    }

    fn bounds(&self) -> PlotBounds {
        let mut bounds = PlotBounds::NOTHING;
        for candle in self.candles.iter() {
            bounds.extend_with(&PlotPoint::new(
                candle.start_ms as f64 / 1000.0,
                candle.low_usd,
            ));
            bounds.extend_with(&PlotPoint::new(
                candle.end_ms as f64 / 1000.0,
                candle.high_usd,
            ));
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

/// Draws the candles of the view in `bounds`, merged so that each takes three points of the
/// chart's `width_pt` at least.
pub fn draw_candles(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    state: &super::state::ViewerState,
    bounds: &PlotBounds,
    width_pt: f32,
) {
    let start_ms = (bounds.min()[0] * 1000.0).floor() as i64;
    let end_ms = (bounds.max()[0] * 1000.0).ceil() as i64;
    let columns = (width_pt / 3.0).max(1.0) as u32;
    let Some(candles) = state.candles(start_ms, end_ms, columns) else {
        return;
    };
    plot_ui.add(CandleMesh::new(
        candles,
        CandleLook {
            up: super::look::UP_COLOR,
            down: super::look::DOWN_COLOR,
            rim: super::look::CANDLE_OUTLINE_COLOR,
        },
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    // One point per second and per dollar: 0–100 s across, 0–100 USD from bottom to top.
    use crate::ui::plot_mesh::unit_transform as transform;

    fn candle(start_s: i64, end_s: i64, [open, high, low, close]: [f64; 4]) -> Candle {
        Candle {
            start_ms: start_s * 1000,
            end_ms: end_s * 1000,
            open_usd: open,
            high_usd: high,
            low_usd: low,
            close_usd: close,
        }
    }

    #[test]
    fn a_candle_lands_on_whole_pixels_where_its_prices_are() {
        // 10–30 s: centre 20 s, body 70% of 20 s = 14 px from 13 to 27. Screen y = 100 - price:
        // close 60 at 40, open 30 at 70, high 70 at 30, low 20 at 80.
        let p = candle_pixels(&candle(10, 30, [30.0, 70.0, 20.0, 60.0]), &transform(), 1.0);
        assert_eq!(p.body_x, [13.0, 27.0]);
        assert_eq!(p.body_y, [40.0, 70.0]);
        assert_eq!(p.wick_y, [30.0, 80.0]);
        // One pixel wide, on the pixel that holds the centre line.
        assert_eq!(p.wick_x[1] - p.wick_x[0], 1.0);
        assert!(p.wick_x[0] <= 20.0 && 20.0 <= p.wick_x[1]);
    }

    #[test]
    fn a_flat_or_tiny_candle_stays_one_pixel_at_least() {
        // Open = close = high = low, 1 s wide: 0.7 px of body.
        let p = candle_pixels(&candle(50, 51, [42.0; 4]), &transform(), 1.0);
        assert_eq!(p.body_x[1] - p.body_x[0], 1.0);
        assert_eq!(p.body_y[1] - p.body_y[0], 1.0);
        assert!(p.wick_y[0] <= p.body_y[0] && p.body_y[1] <= p.wick_y[1]);
    }

    #[test]
    fn physical_pixels_are_whole_at_a_fractional_scale() {
        // At 1.5 pixels per point every edge is a multiple of 1/1.5 point.
        let p = candle_pixels(&candle(11, 33, [31.3, 77.7, 12.9, 64.1]), &transform(), 1.5);
        for edge in p
            .body_x
            .iter()
            .chain(&p.body_y)
            .chain(&p.wick_x)
            .chain(&p.wick_y)
        {
            let px = edge * 1.5;
            assert!((px - px.round()).abs() < 1e-4, "{edge} is not on a pixel");
        }
    }

    #[test]
    fn rims_only_where_neighbours_keep_a_gap_between_them() {
        // Zoomed far out (three pixels a candle: two of body, one of gap) rims would meet.
        assert_eq!(rim_px(3.0), 0.0);
        // Eight pixels: 2.4 of gap, not room for two whole rims and a pixel between.
        assert_eq!(rim_px(8.0), 0.0);
        // Ten pixels: three of gap leave one pixel of heatmap between two one-pixel rims.
        assert_eq!(rim_px(10.0), 1.0);
        assert_eq!(rim_px(100.0), 1.0);
        assert_eq!(rim_px(f32::INFINITY), 0.0);
    }

    #[test]
    fn the_mesh_has_a_rim_and_a_body_per_candle_when_wide() {
        let ctx = egui::Context::default();
        let wide: std::sync::Arc<[Candle]> = vec![
            candle(0, 20, [30.0, 70.0, 20.0, 60.0]),
            candle(20, 40, [60.0, 65.0, 40.0, 45.0]),
        ]
        .into();
        let narrow: std::sync::Arc<[Candle]> = (0..30)
            .map(|i| candle(i * 3, i * 3 + 3, [30.0, 70.0, 20.0, 60.0]))
            .collect();
        let look = CandleLook {
            up: Color32::GREEN,
            down: Color32::RED,
            rim: Color32::BLACK,
        };
        let mut shapes = Vec::new();
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
            // egui may run a frame's closure more than once.
            shapes.clear();
            CandleMesh::new(wide.clone(), look).shapes(ui, &transform(), &mut shapes);
            CandleMesh::new(narrow.clone(), look).shapes(ui, &transform(), &mut shapes);
        });
        // The font atlas this frame made is not wanted here.
        output.textures_delta.clear();
        let rects = |shape: &Shape| match shape {
            Shape::Mesh(mesh) => mesh.vertices.len() / 4,
            _ => 0,
        };
        // Two candles of 14 px with 6 px between them: wick and body, each with its rim.
        assert_eq!(rects(&shapes[0]), 2 * 4);
        // Thirty candles 3 px apart: wick and body, no rim.
        assert_eq!(rects(&shapes[1]), 30 * 2);
        let Shape::Mesh(mesh) = &shapes[0] else {
            panic!("not a mesh");
        };
        // The rims are drawn first (under the bodies), the rising candle's colour after them.
        assert_eq!(mesh.vertices[0].color, Color32::BLACK);
        assert_eq!(mesh.vertices[16].color, Color32::GREEN);
        assert_eq!(mesh.vertices[28].color, Color32::RED);
    }
}
