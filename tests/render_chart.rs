//! The exported chart: PNG size, the heatmap where the grid is hot, candle colours, errors.

use std::io::Cursor;

use liqmap::model::Bar;
use liqmap::render::{
    ChartSpec, ColorSettings, HeatGrid, RenderError, render_chart_png, render_chart_rgb,
    write_chart_png,
};

const T0_MS: i64 = 1_760_119_200_000;
const INTERVAL_MS: i64 = 15 * 60_000;
const ROWS: usize = 10;
const COLUMNS: usize = 10;

/// Decodes PNG bytes to (width, height, RGB pixels).
fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(Cursor::new(bytes)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn pixel(rgb: &[u8], width: u32, (x, y): (u32, u32)) -> [u8; 3] {
    let i = (y as usize * width as usize + x as usize) * 3;
    [rgb[i], rgb[i + 1], rgb[i + 2]]
}

fn bar(index: i64, open: f64, close: f64) -> Bar {
    Bar {
        open_time_ms: T0_MS + index * INTERVAL_MS,
        open,
        high: open.max(close) + 2.0,
        low: open.min(close) - 2.0,
        close,
        volume: 1.0,
        taker_buy_volume: None,
        quote_volume: None,
    }
}

/// A 10 × 10 grid over ten 15-minute columns and prices 100..200, hot only at row 7, column 3.
fn hot_grid() -> Vec<f64> {
    let mut values = vec![0.0; ROWS * COLUMNS];
    values[7 * COLUMNS + 3] = 1_000_000.0;
    values
}

fn spec<'a>(values: &'a [f64], bars: &'a [Bar]) -> ChartSpec<'a> {
    ChartSpec {
        width_px: 900,
        height_px: 600,
        title_lines: vec!["TESTUSDT · 15m".into()],
        grid: HeatGrid {
            values_usd: values,
            rows: ROWS,
            columns: COLUMNS,
            start_ms: T0_MS,
            end_ms: T0_MS + COLUMNS as i64 * INTERVAL_MS,
            price_low_usd: 100.0,
            price_high_usd: 200.0,
        },
        colors: ColorSettings::default(),
        bars,
        interval_ms: INTERVAL_MS,
        liquidations: &[],
        last_price_usd: None,
        relative_values: false,
    }
}

/// Centre of grid cell (row, column) as a time and a price.
fn cell_centre(row: usize, column: usize) -> (i64, f64) {
    (
        T0_MS + column as i64 * INTERVAL_MS + INTERVAL_MS / 2,
        100.0 + (row as f64 + 0.5) * 10.0,
    )
}

#[test]
fn png_has_the_requested_size() {
    let values = hot_grid();
    let bytes = render_chart_png(&spec(&values, &[])).unwrap();
    let (width, height, rgb) = decode(&bytes);
    assert_eq!((width, height), (900, 600));
    assert_eq!(rgb.len(), 900 * 600 * 3);
}

#[test]
fn the_hot_cell_is_coloured_where_it_belongs() {
    let values = hot_grid();
    let spec = spec(&values, &[]);
    let frame = render_chart_rgb(&spec).unwrap().frame;
    let (width, _, rgb) = decode(&render_chart_png(&spec).unwrap());
    // Viridis' last colour (253, 231, 37) at opacity 0.85 over the dark plot background.
    let (time_ms, price) = cell_centre(7, 3);
    let hot = pixel(&rgb, width, frame.pixel_at(time_ms, price).unwrap());
    assert!(
        hot[0] > 190 && hot[1] > 170 && hot[2] < 90,
        "hot pixel {hot:?}"
    );
    // The mirror cell (row 2) and a cold neighbour stay dark.
    for (row, column) in [(2, 3), (7, 6)] {
        let (time_ms, price) = cell_centre(row, column);
        let cold = pixel(&rgb, width, frame.pixel_at(time_ms, price).unwrap());
        assert!(
            cold.iter().all(|c| *c < 70),
            "cold pixel {cold:?} at {row}, {column}"
        );
    }
}

#[test]
fn up_candles_are_green_and_down_candles_red() {
    let values = hot_grid();
    let bars = [bar(7, 112.0, 142.0), bar(8, 142.0, 112.0)];
    let spec = spec(&values, &bars);
    let image = render_chart_rgb(&spec).unwrap();
    let (width, _, rgb) = decode(&render_chart_png(&spec).unwrap());
    let body = |b: &Bar| {
        image
            .frame
            .pixel_at(b.open_time_ms + INTERVAL_MS / 2, (b.open + b.close) / 2.0)
            .unwrap()
    };
    // Green and red by the channel that leads (the bodies are bright, so that they stand out
    // of dark cells: a light red has much green and blue in it).
    let up = pixel(&rgb, width, body(&bars[0]));
    assert!(
        up[1] > 150 && up[1] > up[0] + 80 && up[1] > up[2] + 40,
        "up candle {up:?}"
    );
    let down = pixel(&rgb, width, body(&bars[1]));
    assert!(
        down[0] > 180 && down[0] > down[1] + 80 && down[0] > down[2] + 80,
        "down candle {down:?}"
    );
}

#[test]
fn many_bars_merge_and_still_draw() {
    // 4000 one-minute bars in a plot a few hundred pixels wide.
    let bars: Vec<Bar> = (0..4000)
        .map(|i| {
            let open = 150.0 + (i as f64 / 300.0).sin() * 20.0;
            Bar {
                open_time_ms: T0_MS + i * 60_000,
                ..bar(0, open, open + 0.5)
            }
        })
        .collect();
    let values = hot_grid();
    let mut spec = spec(&values, &bars);
    spec.interval_ms = 60_000;
    spec.width_px = 500;
    let image = render_chart_rgb(&spec).unwrap();
    let greenish = image
        .rgb
        .chunks_exact(3)
        .filter(|p| p[1] > 150 && p[0] < 80 && p[2] > 100)
        .count();
    assert!(greenish > 500, "only {greenish} candle pixels");
}

#[test]
fn an_empty_grid_is_drawn_with_a_notice() {
    let with_notice = |rows: usize, columns: usize, values: &[f64]| {
        let mut spec = spec(values, &[]);
        spec.grid.rows = rows;
        spec.grid.columns = columns;
        let image = render_chart_rgb(&spec).unwrap();
        let f = image.frame;
        // White text pixels anywhere in the plot (the grid's hot cell is yellow, not white).
        let mut bright = 0;
        for y in f.top_px as u32..f.top_px as u32 + f.height_px {
            for x in f.left_px as u32..f.left_px as u32 + f.width_px {
                if pixel(&image.rgb, image.width_px, (x, y))
                    .iter()
                    .all(|c| *c > 150)
                {
                    bright += 1;
                }
            }
        }
        bright
    };
    assert!(with_notice(0, 0, &[]) > 50);
    assert!(with_notice(ROWS, COLUMNS, &[0.0; ROWS * COLUMNS]) > 50);
    assert_eq!(with_notice(ROWS, COLUMNS, &hot_grid()), 0);
}

#[test]
fn bad_sizes_and_shapes_are_errors() {
    let values = hot_grid();
    let sized = |width_px, height_px| {
        let mut s = spec(&values, &[]);
        s.width_px = width_px;
        s.height_px = height_px;
        render_chart_png(&s)
    };
    assert!(matches!(sized(0, 600), Err(RenderError::ZeroSize { .. })));
    assert!(matches!(sized(900, 0), Err(RenderError::ZeroSize { .. })));
    assert!(matches!(
        sized(8001, 600),
        Err(RenderError::TooLarge { .. })
    ));
    assert!(matches!(sized(100, 80), Err(RenderError::TooSmall { .. })));
    let message = sized(9000, 600).unwrap_err().to_string();
    assert!(message.contains("too large"), "{message}");

    let mut s = spec(&values[..50], &[]);
    assert!(matches!(
        render_chart_png(&s),
        Err(RenderError::GridShape { .. })
    ));
    s = spec(&values, &[]);
    s.grid.price_high_usd = s.grid.price_low_usd;
    assert!(matches!(
        render_chart_png(&s),
        Err(RenderError::GridSpan { .. })
    ));
}

#[test]
fn write_chart_png_saves_a_decodable_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chart.png");
    let values = hot_grid();
    write_chart_png(&path, &spec(&values, &[])).unwrap();
    let (width, height, _) = decode(&std::fs::read(&path).unwrap());
    assert_eq!((width, height), (900, 600));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    let missing = dir.path().join("no-such-dir").join("chart.png");
    assert!(matches!(
        write_chart_png(&missing, &spec(&values, &[])),
        Err(RenderError::Io { .. })
    ));
}

#[test]
#[ignore = "writes a picture to look at"]
fn write_many_bars_picture() {
    let bars: Vec<Bar> = (0..4000)
        .map(|i| {
            let open = 150.0 + (i as f64 / 300.0).sin() * 20.0;
            Bar {
                open_time_ms: T0_MS + i * 60_000,
                ..bar(0, open, open + 0.5)
            }
        })
        .collect();
    let values = hot_grid();
    let mut spec = spec(&values, &bars);
    spec.interval_ms = 60_000;
    spec.width_px = 500;
    write_chart_png(std::path::Path::new("/tmp/liqmap_many.png"), &spec).unwrap();
}

#[test]
fn the_smallest_picture_with_everything_still_draws() {
    let values = hot_grid();
    let bars = [bar(7, 112.0, 142.0)];
    let liquidations = [liqmap::model::Liquidation {
        time_ms: T0_MS + 7 * INTERVAL_MS,
        side: liqmap::model::Side::Long,
        price: 120.0,
        quantity: 3.0,
    }];
    let mut s = spec(&values, &bars);
    s.width_px = liqmap::render::chart_png::MIN_WIDTH_PX;
    s.height_px = liqmap::render::chart_png::MIN_HEIGHT_PX;
    s.title_lines = vec!["a".repeat(200), "b".into(), "c".into()];
    s.liquidations = &liquidations;
    s.last_price_usd = Some(1e9);
    let (width, height, _) = decode(&render_chart_png(&s).unwrap());
    assert_eq!((width, height), (320, 200));
}

#[test]
fn the_export_draws_with_the_windows_theme() {
    use liqmap::model::{Liquidation, Side};
    use liqmap::render::theme;
    let values = hot_grid();
    let bars = [bar(7, 112.0, 142.0), bar(8, 142.0, 112.0)];
    let (time_ms, price) = cell_centre(5, 6);
    let liquidations = [Liquidation {
        time_ms,
        side: Side::Long,
        price,
        quantity: 100.0,
    }];
    let mut spec = spec(&values, &bars);
    spec.liquidations = &liquidations;
    let image = render_chart_rgb(&spec).unwrap();
    let (width, _, rgb) = decode(&render_chart_png(&spec).unwrap());
    // Candle bodies in the theme's colours, exactly: the window's candles use the same values.
    let body = |b: &Bar| {
        image
            .frame
            .pixel_at(b.open_time_ms + INTERVAL_MS / 2, (b.open + b.close) / 2.0)
            .unwrap()
    };
    assert_eq!(pixel(&rgb, width, body(&bars[0])), theme::UP_CANDLE);
    assert_eq!(pixel(&rgb, width, body(&bars[1])), theme::DOWN_CANDLE);
    // The long liquidation: a ring in the theme's long colour around a translucent disc of it
    // over the plot background (the heatmap is empty there).
    let (x, y) = image.frame.pixel_at(time_ms, price).unwrap();
    let centre = pixel(&rgb, width, (x, y));
    for ((c, long), under) in centre.iter().zip(theme::LONG).zip(theme::PLOT_BACKGROUND) {
        let expected = 0.45 * f64::from(long) + 0.55 * f64::from(under);
        assert!(
            (f64::from(*c) - expected).abs() <= 1.5,
            "disc {centre:?}, expected about {expected} in each channel"
        );
    }
    let reach = theme::MAX_MARKER_RADIUS_PX as u32 + 1;
    let ring = (y - reach..=y + reach)
        .flat_map(|py| (x - reach..=x + reach).map(move |px| (px, py)))
        .any(|p| pixel(&rgb, width, p) == theme::LONG);
    assert!(ring, "no pixel of the long colour around the liquidation");
}

#[test]
fn the_price_axis_is_on_the_right_with_the_last_price_tagged_as_in_the_window() {
    let values = hot_grid();
    let bars = [bar(0, 140.0, 160.0), bar(1, 160.0, 150.0)];
    let mut spec = spec(&values, &bars);
    spec.last_price_usd = Some(150.0);
    let image = render_chart_rgb(&spec).unwrap();
    let f = image.frame;
    let right = f.left_px + f.width_px as i32;
    let bright_in = |xs: std::ops::Range<i32>| {
        let mut count = 0;
        for y in f.top_px..f.top_px + f.height_px as i32 {
            for x in xs.clone() {
                let [r, g, b] = pixel(&image.rgb, image.width_px, (x as u32, y as u32));
                count += usize::from(r > 150 && g > 150 && b > 150);
            }
        }
        count
    };
    // The price labels are right of the plot, none left of it.
    assert!(
        bright_in(right + 2..right + 50) > 100,
        "no labels right of the plot"
    );
    assert_eq!(bright_in(0..f.left_px - 1), 0, "text left of the plot");
    // The last price is tagged on the axis: the tag's fill starts right of the plot, at the
    // price's height.
    let y = f.y_of(150.0).round() as u32;
    for dy in [-6i32, 0, 6] {
        let at = ((right + 2) as u32, (y as i32 + dy) as u32);
        assert_eq!(
            pixel(&image.rgb, image.width_px, at),
            liqmap::render::theme::LAST_PRICE,
            "{at:?}"
        );
    }
}

/// Pixels of the candle rim's colour inside the plot of a picture of `bars`.
fn rim_pixels(bars: &[Bar]) -> usize {
    let values = hot_grid();
    let image = render_chart_rgb(&spec(&values, bars)).unwrap();
    let f = image.frame;
    let mut count = 0;
    for y in f.top_px..f.top_px + f.height_px as i32 {
        for x in f.left_px..f.left_px + f.width_px as i32 {
            let at = (x as u32, y as u32);
            count += usize::from(
                pixel(&image.rgb, image.width_px, at) == liqmap::render::theme::CANDLE_OUTLINE,
            );
        }
    }
    count
}

#[test]
fn wide_candles_keep_their_rim_and_narrow_ones_have_none() {
    // Ten bars across the plot: tens of pixels each, a dark rim around every one.
    let wide: Vec<Bar> = (0..10)
        .map(|i| bar(i, 140.0 + i as f64, 150.0 - i as f64))
        .collect();
    assert!(rim_pixels(&wide) > 100, "no rim around wide candles");
    // A thousand bars across the same plot: under a pixel each, merged to one candle a
    // pixel. Rims would join into a dark band over the heatmap: none is drawn.
    let narrow: Vec<Bar> = (0..1000)
        .map(|i| {
            let wave = (i as f64 / 40.0).sin() * 20.0;
            bar(i, 150.0 + wave, 151.0 + wave)
        })
        .collect();
    assert_eq!(rim_pixels(&narrow), 0);
}
