//! The HTTP side of a source: one reqwest client with timeouts, the venue's base URL, and the
//! venue's limiter, shared by every request of a fetch.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::error::{Cause, SourceError};
use super::limits::{Cost, Limiter};
use super::retry;
use super::{CancelToken, SourceConfig, Venue};

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
    pub path: &'static str,
    /// Parameters.
    pub payload: Payload,
    /// What it costs against the venue's limits.
    pub cost: Cost,
}

impl Call {
    /// A GET of `path` with `query`.
    pub fn get(path: &'static str, query: Vec<(&'static str, String)>, cost: Cost) -> Self {
        Self {
            path,
            payload: Payload::Query(query),
            cost,
        }
    }

    /// A POST of a JSON body to `path`.
    pub fn post(path: &'static str, body: serde_json::Value, cost: Cost) -> Self {
        Self {
            path,
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

/// Everything the requests of one venue share: client, base URL, limiter, settings, cancel.
pub(crate) struct Session {
    /// The venue.
    pub venue: Venue,
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
}

impl Session {
    /// A session for `venue` with the settings' timeouts and base URL.
    pub fn new(
        venue: Venue,
        config: &SourceConfig,
        cancel: CancelToken,
    ) -> Result<Self, SourceError> {
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
        let base_url = config
            .base_url
            .clone()
            .unwrap_or_else(|| venue.default_base_url().to_string())
            .trim_end_matches('/')
            .to_string();
        let limiter = match &config.rate_limit_override {
            Some(limit) => {
                let limits: Vec<_> = venue
                    .limits()
                    .iter()
                    .map(|&(name, _)| (name, *limit))
                    .collect();
                Arc::new(Limiter::new(&limits))
            }
            None => shared_limiter(venue),
        };
        Ok(Self {
            venue,
            client,
            base_url,
            limiter,
            config: config.clone(),
            cancel,
        })
    }

    /// The error of `call` with `cause`.
    pub fn error(&self, call: &Call, cause: Cause) -> SourceError {
        SourceError::new(self.venue, call.describe(), cause)
    }

    /// Parses every row of `call`'s answer with `parse`; a row that does not fit is the venue's
    /// layout changing under us, reported as such for `call`.
    pub fn parse_rows<R, T>(
        &self,
        call: &Call,
        rows: &[R],
        parse: impl Fn(&R) -> Result<T, String>,
    ) -> Result<Vec<T>, SourceError> {
        rows.iter()
            .map(parse)
            .collect::<Result<Vec<T>, String>>()
            .map_err(|e| self.error(call, Cause::Layout(e)))
    }

    /// Sends `call` with retries and decodes the body as `T`.
    pub async fn request<T: DeserializeOwned>(&self, call: &Call) -> Result<T, SourceError> {
        retry::send(self, call, |body| {
            serde_json::from_str::<T>(body).map_err(|e| {
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

    /// The request builder of one try of `call`.
    pub(crate) fn build(&self, call: &Call) -> reqwest::RequestBuilder {
        let url = format!("{}{}", self.base_url, call.path);
        match &call.payload {
            Payload::Query(query) => self.client.get(url).query(query),
            Payload::Json(body) => self.client.post(url).json(body),
        }
    }
}

/// One limiter per venue for the whole process: a fetch, the live poll and a symbol list running
/// at once draw on the same published limits, as the venue counts them per IP.
fn shared_limiter(venue: Venue) -> Arc<Limiter> {
    static SHARED: OnceLock<Vec<(Venue, Arc<Limiter>)>> = OnceLock::new();
    let all = SHARED.get_or_init(|| {
        Venue::ALL
            .iter()
            .map(|&v| (v, Arc::new(Limiter::new(v.limits()))))
            .collect()
    });
    all.iter()
        .find(|(v, _)| *v == venue)
        .map(|(_, limiter)| limiter.clone())
        .unwrap_or_else(|| Arc::new(Limiter::new(venue.limits())))
}
