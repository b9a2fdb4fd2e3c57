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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{CancelToken, Venue};
    use crate::ui::data::FetchedSource;

    fn followed(name: &str) -> VenueFeed {
        let source = FetchedSource {
            venue: Venue::Bybit,
            symbol: "BTCUSDT".into(),
            interval_ms: 300_000,
        };
        VenueFeed {
            name: name.into(),
            status: Some(super::super::live::fresh_status(source, CancelToken::new())),
        }
    }

    fn from_file(name: &str) -> VenueFeed {
        VenueFeed {
            name: name.into(),
            status: None,
        }
    }

    #[test]
    fn the_start_line_names_the_venues_followed_and_those_not() {
        let feeds = [followed("a"), from_file("b"), followed("c")];
        assert_eq!(
            started_line(&feeds),
            "live: a, c; b opened from a file, not followed"
        );
        let feeds = [followed("a"), from_file("b"), from_file("c")];
        assert_eq!(
            started_line(&feeds),
            "live: a; b, c opened from files, not followed"
        );
        assert_eq!(started_line(&[followed("a")]), "live: a");
    }

    #[test]
    fn a_failing_poll_shows_on_its_venue_line() {
        let mut feed = followed("bybit-linear");
        assert_eq!(feed_line(&feed), "bybit-linear: connecting…");
        assert!(!is_troubled(&feed));
        if let Some(status) = &mut feed.status {
            status.poll_error = Some("HTTP 502".into());
        }
        assert_eq!(
            feed_line(&feed),
            "bybit-linear: connecting… · polling failed, retrying: HTTP 502"
        );
        assert!(is_troubled(&feed));
        assert_eq!(
            feed_line(&from_file("okx-swap")),
            "okx-swap: opened from a file, not followed"
        );
        assert!(!is_troubled(&from_file("okx-swap")));
    }
}
