//! A venue's own error code found in an answer, and what it means for the retry loop.

/// What a venue's answer means for the request, as the venue's documentation describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// A passing state of the venue's servers (busy, internal timeout): another try with
    /// backoff may succeed.
    Transient,
    /// Too many requests: worth waiting (Retry-After or backoff) and trying again.
    RateLimited,
    /// The IP is banned for `ban_ms`, far too long to wait inside a fetch: the request ends.
    Banned {
        /// How long the venue bans the IP.
        ban_ms: u64,
    },
    /// The request itself is wrong (bad symbol, bad parameter) or refused: the request ends.
    Final,
}

/// A venue's own error code found in an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VenueCode {
    /// The code, as text.
    pub code: String,
    /// The venue's message.
    pub message: String,
    /// What the code means for the request.
    pub kind: CodeKind,
}
