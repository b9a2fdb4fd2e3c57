//! Errors of the exchange sources: each names the venue, the request and the cause.

use super::venue::Venue;

/// A request to a venue that failed, with what was asked and why it failed.
#[derive(Debug, thiserror::Error)]
#[error("{venue}: {request}: {cause}")]
pub struct SourceError {
    /// The venue that was asked.
    pub venue: Venue,
    /// The request: method, path and key parameters, for example
    /// `GET /fapi/v1/klines symbol=BTCUSDT interval=5m startTime=1760130900000`.
    pub request: String,
    /// Why it failed.
    pub cause: Cause,
}

/// Why a request to a venue failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Cause {
    /// The venue answered with an HTTP error status and no error code of its own.
    #[error("HTTP {status}: {excerpt}")]
    Status {
        /// The HTTP status code.
        status: u16,
        /// The start of the body, for the user to read.
        excerpt: String,
    },
    /// The venue answered with one of its own error codes.
    #[error("HTTP {status}, venue error {code}: {message}")]
    Venue {
        /// The HTTP status code.
        status: u16,
        /// The venue's error code, for example `-1121` (Binance) or `10001` (Bybit).
        code: String,
        /// The venue's error message.
        message: String,
    },
    /// The venue asked us to wait longer than we are willing to (HTTP 429 or 418).
    #[error("HTTP {status}: rate limited, the venue asks to wait {retry_after_ms} ms")]
    RateLimited {
        /// 429 (over the limit) or 418 (IP banned).
        status: u16,
        /// How long the venue asked us to wait.
        retry_after_ms: u64,
    },
    /// No answer arrived within the timeout.
    #[error("no answer within {timeout_ms} ms")]
    Timeout {
        /// The timeout that passed.
        timeout_ms: u64,
    },
    /// The connection failed or broke.
    #[error("connection failed: {0}")]
    Transport(String),
    /// The body was cut short or not in the venue's documented layout.
    #[error("invalid response body: {0}")]
    InvalidBody(String),
    /// Every allowed try failed; the last failure is given.
    #[error("gave up after {tries} tries; last failure: {last}")]
    GaveUp {
        /// How many requests were sent.
        tries: u32,
        /// The failure of the last try.
        last: Box<Cause>,
    },
    /// The body is well-formed JSON but not in the venue's documented layout.
    #[error("response not in the documented layout: {0}")]
    Layout(String),
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The venue has no data for the request.
    #[error("{0}")]
    NoData(String),
    /// The request cannot be expressed for this venue (for example an interval it does not serve).
    #[error("{0}")]
    Unsupported(String),
    /// The websocket stream failed.
    #[error("websocket: {0}")]
    Websocket(String),
}

impl Cause {
    /// Whether another try may succeed: timeouts, broken connections, cut bodies and 5xx.
    pub fn is_transient(&self) -> bool {
        match self {
            Cause::Status { status, .. } | Cause::Venue { status, .. } => *status >= 500,
            Cause::Timeout { .. } | Cause::Transport(_) | Cause::InvalidBody(_) => true,
            _ => false,
        }
    }
}

impl SourceError {
    /// Builds an error for `request` at `venue`.
    pub fn new(venue: Venue, request: impl Into<String>, cause: Cause) -> Self {
        Self {
            venue,
            request: request.into(),
            cause,
        }
    }

    /// Whether the user cancelled (rather than the venue failing).
    pub fn is_cancelled(&self) -> bool {
        self.cause == Cause::Cancelled
    }

    /// Whether the venue refused the request itself (a symbol or interval it does not have, a
    /// parameter it rejects), so that asking again the same way cannot succeed: the command
    /// line's "bad argument" (exit 2) rather than "nothing arrived" (exit 1).
    pub fn is_bad_request(&self) -> bool {
        match &self.cause {
            Cause::Unsupported(_) => true,
            // A venue code in an answer below 500 that the retry loop did not retry: Bybit and
            // OKX send theirs with HTTP 200.
            Cause::Venue { status, .. } => *status < 500 && !matches!(status, 403 | 418 | 429),
            Cause::Status { status, .. } => {
                (400..500).contains(status) && !matches!(status, 403 | 408 | 418 | 429)
            }
            _ => false,
        }
    }
}

/// The first characters of a body, on one line, for error messages.
pub(crate) fn excerpt(body: &str) -> String {
    const MAX_CHARS: usize = 200;
    let one_line: String = body
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_CHARS)
        .collect();
    if body.chars().count() > MAX_CHARS {
        format!("{}…", one_line.trim())
    } else {
        one_line.trim().to_string()
    }
}
