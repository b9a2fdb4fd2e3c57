//! Text drawn straight into an RGB buffer with the fonts bundled in the binary (egui's default
//! fonts), so labels render on machines without any system font.
//!
//! plotters' own `ab_glyph` text drops each glyph's left side bearing, which makes letters jump
//! (`43. 142`, `longsliquidated`); placing glyphs here with `ab_glyph` directly keeps the font's
//! spacing.

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};

use super::spec::RenderError;

/// Which bundled font to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Face {
    /// Ubuntu Light: titles and captions.
    Sans,
    /// Hack: numbers, so ticks line up.
    Mono,
}

/// Horizontal anchor of a label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HAlign {
    /// `x` is the left edge.
    Left,
    /// `x` is the middle.
    Center,
    /// `x` is the right edge.
    Right,
}

/// Vertical anchor of a label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VAlign {
    /// `y` is the top of the tallest letters.
    Top,
    /// `y` is the middle of the capital letters.
    Center,
}

/// How a label looks and where its anchor is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    /// Font.
    pub face: Face,
    /// Font size in pixels.
    pub size_px: f32,
    /// Colour, RGB.
    pub color: [u8; 3],
    /// Horizontal anchor.
    pub h: HAlign,
    /// Vertical anchor.
    pub v: VAlign,
}

/// A label to paint after the shapes are drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// The text, one line.
    pub text: String,
    /// Anchor, pixels from the left.
    pub x: i32,
    /// Anchor, pixels from the top.
    pub y: i32,
    /// Looks and anchoring.
    pub style: Style,
}

/// The bundled fonts, ready to measure and paint text.
pub struct Painter {
    sans: FontRef<'static>,
    mono: FontRef<'static>,
}

impl Painter {
    /// Loads the bundled fonts.
    pub fn new() -> Result<Self, RenderError> {
        let load = |bytes| FontRef::try_from_slice(bytes).map_err(|_| RenderError::Font);
        Ok(Painter {
            sans: load(epaint_default_fonts::UBUNTU_LIGHT)?,
            mono: load(epaint_default_fonts::HACK_REGULAR)?,
        })
    }

    fn font(&self, face: Face) -> &FontRef<'static> {
        match face {
            Face::Sans => &self.sans,
            Face::Mono => &self.mono,
        }
    }

    /// The font and glyph for a character: the requested face, else the other one, else `?`.
    fn glyph(&self, face: Face, c: char) -> (&FontRef<'static>, GlyphId) {
        let first = self.font(face);
        let other = match face {
            Face::Sans => &self.mono,
            Face::Mono => &self.sans,
        };
        for font in [first, other] {
            let id = font.glyph_id(c);
            if id.0 != 0 {
                return (font, id);
            }
        }
        (first, first.glyph_id('?'))
    }

    /// Glyphs of `text` with their pen positions from the start of the line.
    fn layout(
        &self,
        text: &str,
        face: Face,
        size_px: f32,
    ) -> Vec<(&FontRef<'static>, GlyphId, f32)> {
        let scale = PxScale::from(size_px);
        let mut x = 0.0;
        let mut previous: Option<(&FontRef<'static>, GlyphId)> = None;
        let mut glyphs = Vec::with_capacity(text.len());
        for c in text.chars() {
            let (font, id) = self.glyph(face, c);
            let scaled = font.as_scaled(scale);
            if let Some((previous_font, previous_id)) = previous
                && std::ptr::eq(previous_font, font)
            {
                x += scaled.kern(previous_id, id);
            }
            glyphs.push((font, id, x));
            x += scaled.h_advance(id);
            previous = Some((font, id));
        }
        glyphs
    }

    /// Width of `text` in pixels.
    pub fn width_px(&self, text: &str, face: Face, size_px: f32) -> f32 {
        let scale = PxScale::from(size_px);
        self.layout(text, face, size_px)
            .last()
            .map_or(0.0, |(font, id, x)| {
                x + font.as_scaled(scale).h_advance(*id)
            })
    }

    /// Paints `label` into `rgb` (`width_px × height_px`, RGB8), clipped to the picture.
    pub fn paint(&self, rgb: &mut [u8], width_px: u32, height_px: u32, label: &Label) {
        let style = &label.style;
        let scale = PxScale::from(style.size_px);
        let main = self.font(style.face).as_scaled(scale);
        let width = self.width_px(&label.text, style.face, style.size_px);
        let left = match style.h {
            HAlign::Left => label.x as f32,
            HAlign::Center => label.x as f32 - width / 2.0,
            HAlign::Right => label.x as f32 - width,
        };
        let baseline = match style.v {
            VAlign::Top => label.y as f32 + main.ascent(),
            // Capital letters are about 0.7 em tall.
            VAlign::Center => label.y as f32 + 0.35 * style.size_px,
        };
        let [red, green, blue] = style.color;
        for (font, id, x) in self.layout(&label.text, style.face, style.size_px) {
            // Whole-pixel pen positions keep thin stems crisp.
            let glyph =
                id.with_scale_and_position(scale, point((left + x).round(), baseline.round()));
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + i64::from(gx);
                let py = bounds.min.y as i64 + i64::from(gy);
                if px < 0 || py < 0 || px >= i64::from(width_px) || py >= i64::from(height_px) {
                    return;
                }
                let index = (py as usize * width_px as usize + px as usize) * 3;
                let Some(pixel) = rgb.get_mut(index..index + 3) else {
                    return;
                };
                let coverage = coverage.clamp(0.0, 1.0);
                for (channel, ink) in pixel.iter_mut().zip([red, green, blue]) {
                    let mixed = f32::from(*channel) * (1.0 - coverage) + f32::from(ink) * coverage;
                    *channel = mixed.round() as u8;
                }
            });
        }
    }
}

/// Registers a bundled font as plotters' default family once per process: plotters loads a
/// font for its axis labels even when they are empty, and there may be no system font.
pub fn register_plotters_font() -> Result<(), RenderError> {
    static REGISTERED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(
            "sans-serif",
            plotters::style::FontStyle::Normal,
            epaint_default_fonts::HACK_REGULAR,
        )
        .is_ok()
    });
    if ok { Ok(()) } else { Err(RenderError::Font) }
}
