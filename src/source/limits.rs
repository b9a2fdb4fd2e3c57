//! Staying inside a venue's published request limits: one token bucket per limit, waited on
//! asynchronously before each request.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// One published limit: at most `capacity` units (request weight or request count) per `window_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Units allowed per window.
    pub capacity: u32,
    /// The window, in milliseconds.
    pub window_ms: u64,
}

/// The limits a request draws on, by name, with its cost in each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cost {
    /// Which bucket of the venue the request draws on (see the venue's `limits()`).
    pub bucket: &'static str,
    /// Units the request costs (request weight, or 1 for a count limit).
    pub units: u32,
}

struct Bucket {
    name: &'static str,
    limit: RateLimit,
    tokens: f64,
    refilled_at: Instant,
}

impl Bucket {
    fn refill(&mut self, now: Instant) {
        let elapsed_ms = now.duration_since(self.refilled_at).as_secs_f64() * 1000.0;
        let per_ms = f64::from(self.limit.capacity) / self.limit.window_ms.max(1) as f64;
        self.tokens = (self.tokens + elapsed_ms * per_ms).min(f64::from(self.limit.capacity));
        self.refilled_at = now;
    }

    /// How long until `units` tokens are there (zero if they are).
    fn wait_for(&self, units: f64) -> Duration {
        if self.tokens >= units {
            return Duration::ZERO;
        }
        let per_ms = f64::from(self.limit.capacity) / self.limit.window_ms.max(1) as f64;
        Duration::from_secs_f64((units - self.tokens) / per_ms / 1000.0)
    }
}

struct State {
    buckets: Vec<Bucket>,
    /// No request before this instant (set by a 429/418 Retry-After).
    paused_until: Option<Instant>,
}

/// A venue's limiter: token buckets that start full, plus a pause that Retry-After sets.
pub struct Limiter {
    state: Mutex<State>,
}

impl Limiter {
    /// A limiter with one full bucket per named limit.
    pub fn new(limits: &[(&'static str, RateLimit)]) -> Self {
        let now = Instant::now();
        let buckets = limits
            .iter()
            .map(|&(name, limit)| Bucket {
                name,
                limit,
                tokens: f64::from(limit.capacity),
                refilled_at: now,
            })
            .collect();
        Self {
            state: Mutex::new(State {
                buckets,
                paused_until: None,
            }),
        }
    }

    /// Waits until the request may be sent, then takes its cost. A bucket the venue does not
    /// have costs nothing; a cost above a bucket's capacity is clamped so it can never block
    /// forever.
    pub async fn acquire(&self, cost: Cost) {
        loop {
            let wait = {
                let mut state = self.state.lock().await;
                let now = Instant::now();
                let paused = state
                    .paused_until
                    .map_or(Duration::ZERO, |until| until.saturating_duration_since(now));
                if paused > Duration::ZERO {
                    paused
                } else {
                    match state.buckets.iter_mut().find(|b| b.name == cost.bucket) {
                        None => return,
                        Some(bucket) => {
                            bucket.refill(now);
                            let units = f64::from(cost.units.min(bucket.limit.capacity));
                            let wait = bucket.wait_for(units);
                            if wait.is_zero() {
                                bucket.tokens -= units;
                                return;
                            }
                            wait
                        }
                    }
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Holds every request of this venue back for `pause` (the venue's Retry-After).
    pub async fn pause(&self, pause: Duration) {
        let until = Instant::now() + pause;
        let mut state = self.state.lock().await;
        state.paused_until = Some(state.paused_until.map_or(until, |old| old.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_full_bucket_lets_a_burst_through_then_spaces_requests() {
        let limiter = Limiter::new(&[(
            "w",
            RateLimit {
                capacity: 10,
                window_ms: 1000,
            },
        )]);
        let start = Instant::now();
        for _ in 0..10 {
            limiter
                .acquire(Cost {
                    bucket: "w",
                    units: 1,
                })
                .await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        // The 11th and 12th units refill at 10 per second: 100 ms each.
        limiter
            .acquire(Cost {
                bucket: "w",
                units: 2,
            })
            .await;
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(199) && waited <= Duration::from_millis(210),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_requests_back() {
        let limiter = Limiter::new(&[]);
        limiter.pause(Duration::from_secs(3)).await;
        let start = Instant::now();
        limiter
            .acquire(Cost {
                bucket: "none",
                units: 1,
            })
            .await;
        assert!(start.elapsed() >= Duration::from_secs(3));
    }
}
