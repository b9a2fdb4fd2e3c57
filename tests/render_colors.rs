//! Colour settings: transparency of zero, clamping, scales, the percentile top.

use liqmap::render::{ColorMap, ColorScale, ColorSettings, ScaleTop, color_of, resolve_top_usd};

fn settings(scale: ColorScale) -> ColorSettings {
    ColorSettings {
        scale,
        ..ColorSettings::default()
    }
}

fn last_color(map: ColorMap) -> [u8; 3] {
    let c = map.gradient().eval_continuous(1.0);
    [c.r, c.g, c.b]
}

#[test]
fn zero_is_fully_transparent() {
    for scale in ColorScale::ALL {
        assert_eq!(color_of(0.0, 100.0, &settings(scale)), [0, 0, 0, 0]);
        assert_eq!(color_of(-5.0, 100.0, &settings(scale)), [0, 0, 0, 0]);
        assert_eq!(color_of(f64::NAN, 100.0, &settings(scale)), [0, 0, 0, 0]);
    }
    // Anything above zero is visible.
    assert_ne!(color_of(0.001, 100.0, &settings(ColorScale::Linear))[3], 0);
}

#[test]
fn alpha_is_the_opacity() {
    let mut s = ColorSettings {
        opacity: 0.5,
        ..ColorSettings::default()
    };
    assert_eq!(color_of(50.0, 100.0, &s)[3], 128);
    s.opacity = 1.0;
    assert_eq!(color_of(50.0, 100.0, &s)[3], 255);
}

#[test]
fn values_above_the_top_clamp_to_the_top_colour() {
    for map in ColorMap::ALL {
        let s = ColorSettings {
            map,
            ..ColorSettings::default()
        };
        let top = color_of(100.0, 100.0, &s);
        assert_eq!(top[..3], last_color(map), "{map}");
        assert_eq!(color_of(1e12, 100.0, &s), top, "{map}");
        assert_ne!(color_of(50.0, 100.0, &s), top, "{map}");
    }
}

#[test]
fn scales_are_monotonic_and_reach_the_last_colour_at_the_top() {
    for scale in ColorScale::ALL {
        let mut previous = -1.0;
        for i in 0..=1000 {
            let t = scale.apply(f64::from(i) / 1000.0);
            assert!(t > previous, "{scale} not increasing at {i}");
            previous = t;
        }
        assert_eq!(scale.apply(0.0), 0.0, "{scale}");
        assert_eq!(scale.apply(1.0), 1.0, "{scale}");
        assert_eq!(
            color_of(250.0, 250.0, &settings(scale))[..3],
            last_color(ColorMap::Viridis)
        );
    }
    // sqrt and log lift small values above linear.
    let x = 0.04;
    assert!(ColorScale::Sqrt.apply(x) > ColorScale::Linear.apply(x));
    assert!(ColorScale::Log.apply(x) > ColorScale::Sqrt.apply(x));
}

#[test]
fn percentile_by_nearest_rank() {
    let values: Vec<f64> = (1..=100).map(f64::from).collect();
    assert_eq!(resolve_top_usd(&values, ScaleTop::Percentile(99.0)), 99.0);
    assert_eq!(resolve_top_usd(&values, ScaleTop::Percentile(100.0)), 100.0);
    assert_eq!(resolve_top_usd(&values, ScaleTop::Percentile(50.0)), 50.0);
    assert_eq!(resolve_top_usd(&values, ScaleTop::Percentile(0.5)), 1.0);
    // Zeros are ignored: 1..=100 shuffled among a thousand empty cells gives the same tops.
    let mut padded = vec![0.0; 1000];
    for (i, v) in values.iter().rev().enumerate() {
        padded[i * 7 + 3] = *v;
    }
    assert_eq!(resolve_top_usd(&padded, ScaleTop::Percentile(99.0)), 99.0);
    assert_eq!(
        resolve_top_usd(&[0.0, 0.0], ScaleTop::Percentile(99.0)),
        0.0
    );
    assert_eq!(resolve_top_usd(&values, ScaleTop::FixedUsd(42.0)), 42.0);
}
