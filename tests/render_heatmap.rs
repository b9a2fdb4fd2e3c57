//! The heatmap image: orientation, transparency, the top it reports.

use liqmap::render::{ColorSettings, ScaleTop, heatmap_rgba};

#[test]
fn row_zero_is_the_bottom_pixel_row() {
    let (rows, columns) = (4, 3);
    let mut values = vec![0.0; rows * columns];
    values[1] = 10.0; // row 0, column 1
    let image = heatmap_rgba(&values, rows, columns, &ColorSettings::default());
    assert_eq!((image.width, image.height), (columns, rows));
    assert_eq!(image.rgba.len(), rows * columns * 4);
    assert_eq!(image.top_usd, 10.0);
    for y in 0..rows {
        for x in 0..columns {
            let alpha = image.rgba[(y * columns + x) * 4 + 3];
            let hot = y == rows - 1 && x == 1;
            assert_eq!(alpha != 0, hot, "pixel ({x}, {y})");
        }
    }
}

#[test]
fn fixed_top_is_reported_and_used() {
    let values = [1.0, 2.0, 3.0, 4.0];
    let settings = ColorSettings {
        top: ScaleTop::FixedUsd(2.0),
        ..ColorSettings::default()
    };
    let image = heatmap_rgba(&values, 2, 2, &settings);
    assert_eq!(image.top_usd, 2.0);
    // 2, 3 and 4 are all at or above the top: same colour. Pixel row 1 is grid row 0 (1, 2).
    let pixel = |x: usize, y: usize| &image.rgba[(y * 2 + x) * 4..(y * 2 + x) * 4 + 4];
    assert_eq!(pixel(1, 1), pixel(0, 0));
    assert_eq!(pixel(1, 1), pixel(1, 0));
    assert_ne!(pixel(0, 1), pixel(1, 1));
}

#[test]
fn empty_grid_gives_an_empty_image() {
    let image = heatmap_rgba(&[], 0, 0, &ColorSettings::default());
    assert_eq!((image.width, image.height, image.rgba.len()), (0, 0, 0));
    assert_eq!(image.top_usd, 0.0);
}
