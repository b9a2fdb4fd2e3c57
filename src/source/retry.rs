//! Sending a request until it succeeds or the tries run out.
//!
//! An answer is read status first: 429 and 418 wait for Retry-After; every 5xx is a passing
//! failure on the venue's side whatever its body says and backs off exponentially with jitter,
//! as do timeouts and cut or invalid bodies. Only then is the venue's own error code read, by
//! the venue's module: codes of a passing server state retry with backoff, "too many requests"
//! retries after the wait, and the others (bad symbol, bad parameter, a ban) end the request.

use std::time::Duration;

use serde::de::DeserializeOwned;

use super::codes::CodeKind;
use super::config::RateLimitWait;
use super::error::{Cause, SourceError, excerpt};
use super::http::{Call, Session};
use super::parse::FieldError;

/// Waits at least this long are shown (terminal line, viewer countdown); shorter ones are the
/// ordinary pace of a fetch.
const SHOWN_WAIT_MS: u64 = 3_000;

/// What one try came to.
enum Try<T> {
    Done(T),
    /// Worth another try after the given wait (None: the usual backoff).
    Again(Cause, Option<Duration>),
    Fail(Cause),
}

impl Session {
    /// Sends `call` with retries and decodes the body as `T`.
    pub async fn request<T: DeserializeOwned>(&self, call: &Call) -> Result<T, SourceError> {
        send(self, call, |body| {
            serde_json::from_slice::<T>(body).map_err(|e| {
                if e.is_data() {
                    Cause::Layout(e.to_string())
                } else {
                    // Syntax errors and a premature end: a body cut short, worth another try.
                    Cause::InvalidBody(e.to_string())
                }
            })
        })
        .await
    }

    /// Parses every row of `call`'s answer with `parse`; a row that does not fit is the venue's
    /// layout changing under us, reported as such for `call`.
    pub fn parse_rows<R, T>(
        &self,
        call: &Call,
        rows: &[R],
        parse: impl Fn(&R) -> Result<T, FieldError>,
    ) -> Result<Vec<T>, SourceError> {
        rows.iter()
            .map(parse)
            .collect::<Result<Vec<T>, FieldError>>()
            .map_err(|e| self.error(call, Cause::Layout(e.to_string())))
    }
}

/// Sends `call` until `decode` accepts a body, a failure is final, the tries run out or the
/// session is cancelled.
pub(crate) async fn send<T>(
    session: &Session,
    call: &Call,
    decode: impl Fn(&[u8]) -> Result<T, Cause>,
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
        let shown = wait.as_millis() >= u128::from(SHOWN_WAIT_MS);
        if shown {
            tell_wait(session, wait);
        }
        tokio::select! {
            biased;
            () = session.cancel.cancelled() => return Err(error(Cause::Cancelled)),
            () = tokio::time::sleep(wait) => {}
        }
        if shown && let Some(on_wait) = &session.on_wait {
            on_wait(None);
        }
    }
}

/// Tells the session's listener that the venue imposed `wait`.
fn tell_wait(session: &Session, wait: Duration) {
    let Some(on_wait) = &session.on_wait else {
        return;
    };
    let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
    on_wait(Some(RateLimitWait {
        venue: session.venue,
        wait_ms,
        until_ms: session
            .config
            .now_ms()
            .saturating_add(i64::try_from(wait_ms).unwrap_or(i64::MAX)),
    }));
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
    decode: &impl Fn(&[u8]) -> Result<T, Cause>,
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
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(e) if e.is_timeout() => return Try::Again(Cause::Timeout { timeout_ms }, None),
        // A body cut short (the connection closed before Content-Length bytes) lands here.
        Err(e) => return Try::Again(Cause::InvalidBody(error_chain(&e)), None),
    };
    // Error bodies are text; a binary body (an archive's zip) carries no venue code.
    let text = std::str::from_utf8(&body).unwrap_or("");
    let code = (session.read_error)(status, text);
    if let Some(found) = &code
        && let CodeKind::Banned { ban_ms } = found.kind
    {
        return Try::Fail(Cause::RateLimited {
            status,
            retry_after_ms: ban_ms,
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
    let cause = match code {
        Some(found) => {
            let kind = found.kind;
            let cause = Cause::Venue {
                status,
                code: found.code,
                message: found.message,
            };
            if status >= 500 {
                // A failure on the venue's side whatever the code in its body.
                return Try::Again(cause, None);
            }
            return match kind {
                CodeKind::Transient => Try::Again(cause, None),
                CodeKind::RateLimited => Try::Again(cause, retry_after),
                CodeKind::Banned { .. } | CodeKind::Final => Try::Fail(cause),
            };
        }
        None if (200..300).contains(&status) => None,
        None => Some(Cause::Status {
            status,
            excerpt: excerpt(text),
        }),
    };
    if let Some(cause) = cause {
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
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}
