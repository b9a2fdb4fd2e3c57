//! The HTTP side of a source: one reqwest client with timeouts, the venue's base URL, its error
//! reading and its limiter, shared by every request of a fetch.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use super::codes::VenueCode;
use super::config::{CancelToken, RateLimitWait, SourceConfig};
use super::error::{Cause, SourceError};
use super::limits::{Cost, Limiter, RateLimit};
use super::venue::Venue;

/// A GET query or a POST body.
#[derive(Clone, Debug)]
pub(crate) enum Payload {
    /// Query parameters of a GET.
    Query(Vec<(&'static str, String)>),
    /// JSON body of a POST.
    Json(serde_json::Value),
}

/// One request as the retry loop sends it.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    /// Path below the base URL, starting with `/`.
    pub path: String,
    /// Parameters.
    pub payload: Payload,
    /// What it costs against the venue's limits.
    pub cost: Cost,
}

impl Call {
    /// A GET of `path` with `query`.
    pub fn get(path: impl Into<String>, query: Vec<(&'static str, String)>, cost: Cost) -> Self {
        Self {
            path: path.into(),
            payload: Payload::Query(query),
            cost,
        }
    }

    /// A POST of a JSON body to `path`.
    pub fn post(path: &'static str, body: serde_json::Value, cost: Cost) -> Self {
        Self {
            path: path.to_string(),
            payload: Payload::Json(body),
            cost,
        }
    }

    /// The request as error messages name it: method, path and parameters.
    pub fn describe(&self) -> String {
        match &self.payload {
            Payload::Query(query) => {
                let params: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("GET {} {}", self.path, params.join(" "))
                    .trim_end()
                    .to_string()
            }
            Payload::Json(body) => format!("POST {} {body}", self.path),
        }
    }
}

/// What the shared HTTP code needs to know of a venue: its endpoint, limits and error codes.
#[derive(Clone, Copy)]
pub(crate) struct Endpoint {
    /// The venue.
    pub venue: Venue,
    /// The public REST endpoint, used when the settings name none.
    pub default_base_url: &'static str,
    /// The venue's published limits, by bucket name.
    pub limits: &'static [(&'static str, RateLimit)],
    /// The venue's own error code in an answer (status and body), if it carries one.
    pub read_error: fn(u16, &str) -> Option<VenueCode>,
}

/// Told of every wait the venue imposes (Retry-After), so that a long one can be shown.
pub(crate) type OnWait = Arc<dyn Fn(Option<RateLimitWait>) + Send + Sync>;

/// Everything the requests of one venue share: client, base URL, limiter, settings, cancel.
pub(crate) struct Session {
    /// The venue.
    pub venue: Venue,
    /// How the venue's answers carry errors.
    pub read_error: fn(u16, &str) -> Option<VenueCode>,
    /// The client, with the configured timeouts.
    pub client: reqwest::Client,
    /// Base URL without a trailing slash.
    pub base_url: String,
    /// The venue's published limits, shared by every session of the process.
    pub limiter: Arc<Limiter>,
    /// The settings.
    pub config: SourceConfig,
    /// Stops every request of the session.
    pub cancel: CancelToken,
    /// Told of waits the venue imposes.
    pub on_wait: Option<OnWait>,
}

impl Session {
    /// A session for `endpoint` with the settings' timeouts and base URL (`base_url` replaces
    /// both, for the archive whose files live elsewhere).
    pub fn new(
        endpoint: Endpoint,
        config: &SourceConfig,
        cancel: CancelToken,
        base_url: Option<&str>,
    ) -> Result<Self, SourceError> {
        let venue = endpoint.venue;
        let timeout = Duration::from_millis(config.timeout_ms.max(1));
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("liqmap/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                SourceError::new(
                    venue,
                    "creating the HTTP client",
                    Cause::Transport(e.to_string()),
                )
            })?;
        let base_url = base_url
            .map(str::to_string)
            .or_else(|| config.base_url.clone())
            .unwrap_or_else(|| endpoint.default_base_url.to_string())
            .trim_end_matches('/')
            .to_string();
        let limiter = match &config.rate_limit_override {
            Some(limit) => {
                let limits: Vec<_> = endpoint
                    .limits
                    .iter()
                    .map(|&(name, _)| (name, *limit))
                    .collect();
                Arc::new(Limiter::new(&limits))
            }
            None => shared_limiter(endpoint.default_base_url, endpoint.limits),
        };
        Ok(Self {
            venue,
            read_error: endpoint.read_error,
            client,
            base_url,
            limiter,
            config: config.clone(),
            cancel,
            on_wait: None,
        })
    }

    /// The same session, telling `on_wait` of the waits the venue imposes.
    pub fn with_on_wait(mut self, on_wait: OnWait) -> Self {
        self.on_wait = Some(on_wait);
        self
    }

    /// The error of `call` with `cause`.
    pub fn error(&self, call: &Call, cause: Cause) -> SourceError {
        SourceError::new(self.venue, call.describe(), cause)
    }

    /// The request builder of one try of `call`.
    pub(crate) fn build(&self, call: &Call) -> reqwest::RequestBuilder {
        let url = format!("{}{}", self.base_url, call.path);
        match &call.payload {
            Payload::Query(query) => self.client.get(url).query(query),
            Payload::Json(body) => self.client.post(url).json(body),
        }
    }
}

/// One limiter per endpoint for the whole process: a fetch, the live poll and a symbol list
/// running at once draw on the same published limits, as the venue counts them per IP.
fn shared_limiter(
    endpoint: &'static str,
    limits: &'static [(&'static str, RateLimit)],
) -> Arc<Limiter> {
    static SHARED: OnceLock<Mutex<HashMap<&'static str, Arc<Limiter>>>> = OnceLock::new();
    let shared = SHARED.get_or_init(|| Mutex::new(HashMap::new()));
    match shared.lock() {
        Ok(mut map) => map
            .entry(endpoint)
            .or_insert_with(|| Arc::new(Limiter::new(limits)))
            .clone(),
        // A panic while the map was held leaves it usable but unshared: limit this session alone.
        Err(_) => Arc::new(Limiter::new(limits)),
    }
}
