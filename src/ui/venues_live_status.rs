//! What live mode says of a coin view: which venues it follows and which it cannot (opened from
//! files), and each followed venue's feed on a line of its own in the menu bar.

use super::look::WARNING_COLOR;
use super::state::{LiveStatus, VenueFeed};

/// The status line when a coin view goes live: `live: binance-usdm, bybit-linear; okx-swap
/// opened from a file, not followed`.
pub fn started_line(feeds: &[VenueFeed]) -> String {
    let names = |followed: bool| -> Vec<&str> {
        feeds
            .iter()
            .filter(|f| f.status.is_some() == followed)
            .map(|f| f.name.as_str())
            .collect()
    };
    let (followed, not_followed) = (names(true), names(false));
    let mut line = format!("live: {}", followed.join(", "));
    match not_followed.len() {
        0 => {}
        1 => line += &format!("; {} opened from a file, not followed", not_followed[0]),
        _ => {
            line += &format!(
                "; {} opened from files, not followed",
                not_followed.join(", ")
            );
        }
    }
    line
}

/// One venue's feed, compactly: `bybit-linear: connected · 2 liquidations recorded`, or why it
/// is not followed.
pub fn feed_line(feed: &VenueFeed) -> String {
    match &feed.status {
        Some(status) => {
            let line = status.status_line();
            let state = line.strip_prefix("live: ").unwrap_or(&line);
            format!("{}: {state}", feed.name)
        }
        None => format!("{}: opened from a file, not followed", feed.name),
    }
}

/// Whether a venue's feed is in trouble (its poll fails, its stream reconnects).
pub fn is_troubled(feed: &VenueFeed) -> bool {
    feed.status.as_ref().is_some_and(LiveStatus::is_troubled)
}

/// Each venue's feed of a coin view followed live, one label each; the ones in trouble stand
/// out.
pub fn feeds_ui(ui: &mut egui::Ui, live: &LiveStatus) {
    ui.label("live:");
    for feed in &live.venues {
        let line = feed_line(feed);
        if is_troubled(feed) {
            ui.colored_label(WARNING_COLOR, line);
        } else {
            ui.label(line);
        }
    }
}
