//! The line a running fetch shows while a venue makes it wait (a long Retry-After or a ban), so
//! that a wait of a minute or two reads as a countdown with Cancel beside it, not as a hang.

use crate::source::FetchProgress;

/// `rate limited by Binance USD-M, waiting 87 s` while a venue's wait lasts, counting down to
/// the wait's end by `now_ms`; `None` when the fetch is not waiting.
pub fn wait_line(progress: &FetchProgress, now_ms: i64) -> Option<String> {
    let wait = progress.waiting?;
    let left_ms = u64::try_from(wait.until_ms.saturating_sub(now_ms)).unwrap_or(0);
    Some(format!(
        "rate limited by {}, waiting {} s",
        wait.venue,
        left_ms.div_ceil(1000)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{RateLimitWait, Venue};

    fn waiting(until_ms: i64) -> FetchProgress {
        FetchProgress {
            pages_done: 3,
            pages_total: 10,
            waiting: Some(RateLimitWait {
                venue: Venue::Binance,
                wait_ms: 120_000,
                until_ms,
            }),
        }
    }

    #[test]
    fn the_wait_counts_down_in_whole_seconds_rounded_up() {
        // 120 s asked at t = 1,000 ms: 30.5 s later 89.5 s are left, shown as 90.
        let progress = waiting(121_000);
        let line = wait_line(&progress, 31_500).expect("waiting");
        assert!(line.ends_with("waiting 90 s"), "{line}");
        assert!(line.starts_with("rate limited by "), "{line}");
        assert_eq!(
            wait_line(&progress, 121_000).as_deref(),
            Some(line.replace("90 s", "0 s").as_str())
        );
        // A clock past the end never shows a negative wait.
        assert!(
            wait_line(&progress, 500_000)
                .expect("waiting")
                .ends_with("waiting 0 s")
        );
    }

    #[test]
    fn no_line_when_not_waiting() {
        assert_eq!(wait_line(&FetchProgress::default(), 0), None);
    }
}
