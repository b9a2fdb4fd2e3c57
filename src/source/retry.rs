//! Sending a request until it succeeds or the tries run out: 429 and 418 wait for Retry-After,
//! 5xx, timeouts and cut or invalid bodies back off exponentially with jitter, and the venue's own
//! error codes end the request at once unless they mean "too many requests".

use std::time::Duration;

use super::error::{Cause, SourceError, excerpt};
use super::http::{Call, Session};
use super::venue_error;

/// How long Bybit bans an IP that answered 403 "access too frequent".
const BYBIT_BAN_MS: u64 = 600_000;

/// What one try came to.
enum Try<T> {
    Done(T),
    /// Worth another try after the given wait (None: the usual backoff).
    Again(Cause, Option<Duration>),
    Fail(Cause),
}

/// Sends `call` until `decode` accepts a body, a failure is final, the tries run out or the
/// session is cancelled.
pub(crate) async fn send<T>(
    session: &Session,
    call: &Call,
    decode: impl Fn(&str) -> Result<T, Cause>,
) -> Result<T, SourceError> {
    let max_tries = session.config.max_tries.max(1);
    let error = |cause| SourceError::new(session.venue, call.describe(), cause);
    let mut tries = 0;
    loop {
        if session.cancel.is_cancelled() {
            return Err(error(Cause::Cancelled));
        }
        tries += 1;
        let outcome = tokio::select! {
            biased;
            () = session.cancel.cancelled() => return Err(error(Cause::Cancelled)),
            outcome = try_once(session, call, &decode) => outcome,
        };
        let (cause, wait) = match outcome {
            Try::Done(value) => return Ok(value),
            Try::Fail(cause) => return Err(error(cause)),
            Try::Again(cause, wait) => (cause, wait),
        };
        if tries >= max_tries {
            return Err(error(Cause::GaveUp {
                tries,
                last: Box::new(cause),
            }));
        }
        let wait = wait.unwrap_or_else(|| backoff(session, tries));
        tokio::select! {
            biased;
            () = session.cancel.cancelled() => return Err(error(Cause::Cancelled)),
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// The wait before try `tries + 1`: base·2^(tries−1), capped, with full jitter in its upper half
/// so that clients that failed together do not retry together.
fn backoff(session: &Session, tries: u32) -> Duration {
    let base_ms = session.config.backoff_base_ms.max(1);
    let exp_ms = base_ms.saturating_mul(1u64 << (tries.saturating_sub(1)).min(20));
    let capped_ms = exp_ms.min(session.config.backoff_max_ms.max(base_ms));
    let jitter_ms = fastrand::u64(0..=capped_ms / 2);
    Duration::from_millis(capped_ms / 2 + jitter_ms)
}

async fn try_once<T>(
    session: &Session,
    call: &Call,
    decode: &impl Fn(&str) -> Result<T, Cause>,
) -> Try<T> {
    session.limiter.acquire(call.cost).await;
    let timeout_ms = session.config.timeout_ms;
    let response = match session.build(call).send().await {
        Ok(response) => response,
        Err(e) if e.is_timeout() => return Try::Again(Cause::Timeout { timeout_ms }, None),
        Err(e) => return Try::Again(Cause::Transport(error_chain(&e)), None),
    };
    let status = response.status().as_u16();
    let retry_after = retry_after(&response);
    let body = match response.text().await {
        Ok(body) => body,
        Err(e) if e.is_timeout() => return Try::Again(Cause::Timeout { timeout_ms }, None),
        // A body cut short (the connection closed before Content-Length bytes) lands here.
        Err(e) => return Try::Again(Cause::InvalidBody(error_chain(&e)), None),
    };
    if session.venue == super::Venue::Bybit && status == 403 {
        // Bybit's "access too frequent": the IP is banned for 10 minutes, far too long to wait
        // inside a fetch.
        return Try::Fail(Cause::RateLimited {
            status,
            retry_after_ms: BYBIT_BAN_MS,
        });
    }
    if status == 429 || status == 418 {
        let wait = retry_after.unwrap_or_else(|| backoff(session, 1));
        let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        if wait_ms > session.config.max_retry_after_ms {
            // A ban of minutes or hours: waiting inside a fetch would look like a hang.
            return Try::Fail(Cause::RateLimited {
                status,
                retry_after_ms: wait_ms,
            });
        }
        session.limiter.pause(wait).await;
        return Try::Again(
            Cause::RateLimited {
                status,
                retry_after_ms: wait_ms,
            },
            Some(wait),
        );
    }
    if let Some(found) = venue_error(session.venue, status, &body) {
        let cause = Cause::Venue {
            status,
            code: found.code,
            message: found.message,
        };
        return if found.rate_limited {
            Try::Again(cause, retry_after)
        } else {
            Try::Fail(cause)
        };
    }
    if !(200..300).contains(&status) {
        let cause = Cause::Status {
            status,
            excerpt: excerpt(&body),
        };
        return if cause.is_transient() {
            Try::Again(cause, None)
        } else {
            Try::Fail(cause)
        };
    }
    match decode(&body) {
        Ok(value) => Try::Done(value),
        Err(cause) if cause.is_transient() => Try::Again(cause, None),
        Err(cause) => Try::Fail(cause),
    }
}

/// Retry-After in whole seconds, as the venues send it.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let text = response.headers().get("retry-after")?.to_str().ok()?;
    let seconds: f64 = text.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// The error with its sources, since reqwest's own message hides the root cause.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}
