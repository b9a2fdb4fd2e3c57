//! Input that does not depend on the frame rate.
//!
//! egui's wheel smoothing hands out at most 0.1 s worth of a notch per frame (its time step is
//! capped at 0.1 s), so at one to three frames per second one notch animated for seconds. The
//! chart reads the wheel events itself and animates them by the clock: a notch is done within
//! about 0.1 s, or at the next frame when frames are slower than that.
//!
//! egui times clicks by the frame that sees them, so two clicks of a double-click that land in
//! consecutive slow frames look as far apart as the frames are; the click windows are widened
//! by how long the last frame took.

use egui::{Event, Id, MouseWheelUnit, Vec2};

/// egui's window for the second click of a double-click, seconds.
const DOUBLE_CLICK_DELAY_S: f64 = 0.3;
/// egui's longest press that still counts as a click, seconds.
const CLICK_DURATION_S: f64 = 0.8;
/// Frames slower than this widen the click windows by no more than this, seconds.
const MAX_FRAME_WIDENING_S: f64 = 1.0;
/// How long a wheel movement takes to play out: 90 % of it within this many seconds (egui's
/// own smoothing, by the clock instead of by frames).
const WHEEL_SETTLE_S: f64 = 0.1;
/// Less than this many points of wheel left is applied at once.
const WHEEL_SNAP_PT: f32 = 0.5;

/// Wheel movement received but not yet applied, kept in egui's memory under the chart's id.
#[derive(Debug, Clone, Copy, Default)]
struct WheelBacklog {
    /// Points left to apply: `x` pans time, `y` zooms.
    left_pt: Vec2,
    /// egui time of the frame that last applied some, seconds.
    last_time_s: Option<f64>,
}

/// The wheel movement to apply this frame, in points (`y` zooms, `x` pans): the wheel events of
/// this frame added to what is left, and the part of that due by the clock since the last
/// frame. Returns zero and forgets the backlog when `hovered` is false.
pub fn wheel_step(ctx: &egui::Context, id: Id, hovered: bool) -> Vec2 {
    // Read before `input`: egui's context lock must not be taken twice at once.
    let line_pt = ctx.options(|o| o.input_options.line_scroll_speed);
    let (events_pt, now_s, predicted_dt_s) = ctx.input(|i| {
        let page_pt = i.viewport_rect().height();
        (
            wheel_points(&i.events, line_pt, page_pt),
            i.time,
            f64::from(i.predicted_dt),
        )
    });
    let mut backlog: WheelBacklog = ctx.data(|d| d.get_temp(id)).unwrap_or_default();
    if !hovered {
        ctx.data_mut(|d| d.remove::<WheelBacklog>(id));
        return Vec2::ZERO;
    }
    let was_idle = backlog.left_pt == Vec2::ZERO;
    backlog.left_pt += events_pt;
    if backlog.left_pt == Vec2::ZERO {
        ctx.data_mut(|d| d.remove::<WheelBacklog>(id));
        return Vec2::ZERO;
    }
    // A movement starting after an idle spell gets one usual frame's share, not the idle time's.
    let dt_s = match backlog.last_time_s {
        Some(last_s) if !was_idle => (now_s - last_s).max(0.0),
        _ => predicted_dt_s,
    };
    let applied = wheel_share(backlog.left_pt, dt_s);
    backlog.left_pt -= applied;
    backlog.last_time_s = Some(now_s);
    if backlog.left_pt == Vec2::ZERO {
        ctx.data_mut(|d| d.remove::<WheelBacklog>(id));
    } else {
        ctx.data_mut(|d| d.insert_temp(id, backlog));
        ctx.request_repaint();
    }
    applied
}

/// The part of `left_pt` due after `dt_s` seconds: 90 % per [`WHEEL_SETTLE_S`], the whole
/// rest once it is small.
fn wheel_share(left_pt: Vec2, dt_s: f64) -> Vec2 {
    let fraction = 1.0 - 0.1f64.powf(dt_s / WHEEL_SETTLE_S);
    let share = |left: f32| {
        let part = (f64::from(left) * fraction) as f32;
        if (left - part).abs() < WHEEL_SNAP_PT {
            left
        } else {
            part
        }
    };
    Vec2::new(share(left_pt.x), share(left_pt.y))
}

/// The wheel events' movement in points; shift turns a vertical wheel into a sideways one, and
/// ctrl (egui's zoom modifier) events are left to egui.
fn wheel_points(events: &[Event], line_pt: f32, page_pt: f32) -> Vec2 {
    events
        .iter()
        .filter_map(|event| match event {
            Event::MouseWheel {
                unit,
                delta,
                modifiers,
                ..
            } if !modifiers.command && !modifiers.ctrl => {
                let scale = match unit {
                    MouseWheelUnit::Point => 1.0,
                    MouseWheelUnit::Line => line_pt,
                    MouseWheelUnit::Page => page_pt,
                };
                let delta = *delta * scale;
                Some(if modifiers.shift {
                    Vec2::new(delta.x + delta.y, 0.0)
                } else {
                    delta
                })
            }
            _ => None,
        })
        .fold(Vec2::ZERO, |sum, delta| sum + delta)
}

/// Widens egui's click windows by the duration of the last frame (`frame_s`), so a click or a
/// double-click counts whatever the frame rate.
pub fn widen_click_windows(ctx: &egui::Context, frame_s: f64) {
    let (double_click_s, click_s) = click_windows_s(frame_s);
    ctx.options_mut(|o| {
        o.input_options.max_double_click_delay = double_click_s;
        o.input_options.max_click_duration = click_s;
    });
}

/// egui's double-click delay and click duration, each widened by one frame of `frame_s`.
pub fn click_windows_s(frame_s: f64) -> (f64, f64) {
    let widening = if frame_s.is_finite() {
        frame_s.clamp(0.0, MAX_FRAME_WIDENING_S)
    } else {
        0.0
    };
    (DOUBLE_CLICK_DELAY_S + widening, CLICK_DURATION_S + widening)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notch_plays_out_by_the_clock_not_by_frames() {
        let notch = Vec2::new(0.0, 40.0);
        // One frame of 0.5 s applies it all.
        assert_eq!(wheel_share(notch, 0.5), notch);
        // At 60 frames per second, 0.1 s (six frames) applies 90 %, the rest soon after.
        let mut left = notch;
        for _ in 0..6 {
            left -= wheel_share(left, 0.1 / 6.0);
        }
        assert!((left.y - 4.0).abs() < 0.01, "{left:?}");
        for _ in 0..6 {
            left -= wheel_share(left, 0.1 / 6.0);
        }
        assert_eq!(left, Vec2::ZERO);
    }

    #[test]
    fn lines_and_pages_become_points_and_shift_turns_the_wheel_sideways() {
        let wheel = |unit, delta, modifiers| Event::MouseWheel {
            unit,
            delta,
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers,
        };
        let events = [
            wheel(
                MouseWheelUnit::Line,
                Vec2::new(0.0, 1.0),
                egui::Modifiers::NONE,
            ),
            wheel(
                MouseWheelUnit::Page,
                Vec2::new(0.0, -0.5),
                egui::Modifiers::NONE,
            ),
            wheel(
                MouseWheelUnit::Point,
                Vec2::new(0.0, 7.0),
                egui::Modifiers::SHIFT,
            ),
            wheel(
                MouseWheelUnit::Point,
                Vec2::new(0.0, 99.0),
                egui::Modifiers::CTRL,
            ),
        ];
        assert_eq!(
            wheel_points(&events, 40.0, 800.0),
            Vec2::new(7.0, 40.0 - 400.0)
        );
    }

    #[test]
    fn click_windows_grow_with_slow_frames_and_stay_bounded() {
        assert_eq!(click_windows_s(0.0), (0.3, 0.8));
        assert_eq!(click_windows_s(0.5), (0.8, 1.3));
        assert_eq!(click_windows_s(30.0), (1.3, 1.8));
        assert_eq!(click_windows_s(f64::NAN), (0.3, 0.8));
    }
}
