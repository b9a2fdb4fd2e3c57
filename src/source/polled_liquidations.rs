//! Live liquidations where the venue serves no stream but a recent history (OKX's
//! `liquidation-orders`, through [`Exchange::recent_liquidations`]): the history is asked again
//! at a fixed period and what is new since the last answer is delivered as a stream would
//! deliver it, with the same status events.

use std::time::Duration;

use tokio::sync::mpsc;

use super::config::{CancelToken, SourceConfig};
use super::error::SourceError;
use super::events::{LiveEvent, StreamStatus, reconnect_wait_ms};
use super::exchange::Exchange;
use super::http::Session;
use crate::model::Liquidation;

/// Polls the venue's recent liquidations of `symbol` (the venue's spelling) every
/// `config.liquidation_poll_ms` and sends the new ones into `events` until `cancel` fires or the
/// receiver is dropped. Only liquidations from the moment it starts are delivered (the fetch
/// before live mode has the earlier ones). A failed poll is reported as a lost connection and
/// retried with backoff.
pub(crate) async fn poll_liquidations(
    ex: &dyn Exchange,
    symbol: &str,
    config: &SourceConfig,
    events: mpsc::Sender<LiveEvent>,
    cancel: &CancelToken,
) -> Result<StreamStatus, SourceError> {
    let venue = ex.venue();
    let session = Session::new(ex.endpoint(), config, cancel.clone(), None)?;
    let mut cursor = NewSince::new(config.now_ms());
    let mut status = StreamStatus::default();
    let mut failures: u32 = 0;
    loop {
        let until_ms = config.now_ms().max(cursor.since_ms) + 1;
        let paged = ex
            .recent_liquidations(&session, symbol, (cursor.since_ms, until_ms))
            .await;
        if cancel.is_cancelled() {
            return Ok(status);
        }
        let mut sent = Vec::new();
        let wait_ms = match paged.stopped {
            // Orders come newest first: a poll cut short may lack older ones, so nothing of it
            // moves the cursor and the next poll asks for the same span again.
            Some(err) => {
                failures = failures.saturating_add(1);
                status.connected = false;
                status.reconnects = status.reconnects.saturating_add(1);
                let wait_ms = reconnect_wait_ms(config, failures);
                status.message = format!("{err}; polling again in {wait_ms} ms");
                sent.push(LiveEvent::Status(status.clone()));
                wait_ms
            }
            None => {
                failures = 0;
                if !status.connected {
                    status.connected = true;
                    status.message = format!(
                        "polling {venue} liquidation orders every {} ms",
                        config.liquidation_poll_ms
                    );
                    sent.push(LiveEvent::Status(status.clone()));
                }
                sent.extend(
                    cursor
                        .take_new(paged.items)
                        .into_iter()
                        .map(LiveEvent::Liquidation),
                );
                config.liquidation_poll_ms
            }
        };
        for event in sent {
            if events.send(event).await.is_err() {
                return Ok(status);
            }
        }
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Ok(status),
            () = tokio::time::sleep(Duration::from_millis(wait_ms.max(1))) => {}
        }
    }
}

/// What was delivered so far: the newest time seen and the orders at that very millisecond, so
/// that asking again from that millisecond on delivers nothing twice.
struct NewSince {
    since_ms: i64,
    at_since: Vec<Liquidation>,
}

impl NewSince {
    fn new(since_ms: i64) -> Self {
        NewSince {
            since_ms,
            at_since: Vec::new(),
        }
    }

    /// The orders of `answer` not delivered before, in time order; moves the cursor past them.
    fn take_new(&mut self, mut answer: Vec<Liquidation>) -> Vec<Liquidation> {
        answer.sort_by_key(|l| l.time_ms);
        let mut new = Vec::new();
        for liquidation in answer {
            if liquidation.time_ms < self.since_ms || self.at_since.contains(&liquidation) {
                continue;
            }
            if liquidation.time_ms > self.since_ms {
                self.since_ms = liquidation.time_ms;
                self.at_since.clear();
            }
            self.at_since.push(liquidation);
            new.push(liquidation);
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Side;

    fn order(time_ms: i64, price: f64) -> Liquidation {
        Liquidation {
            time_ms,
            side: Side::Long,
            price,
            quantity: 1.0,
        }
    }

    #[test]
    fn an_order_is_delivered_once_across_overlapping_answers() {
        let mut cursor = NewSince::new(100);
        // Older than the start: left out. Newest first, as OKX answers.
        let first = cursor.take_new(vec![order(120, 2.0), order(110, 1.0), order(90, 9.0)]);
        assert_eq!(first, vec![order(110, 1.0), order(120, 2.0)]);
        // The next answer repeats 120 and adds another order at 120 and one at 130.
        let second = cursor.take_new(vec![order(130, 4.0), order(120, 3.0), order(120, 2.0)]);
        assert_eq!(second, vec![order(120, 3.0), order(130, 4.0)]);
        assert!(cursor.take_new(vec![order(130, 4.0)]).is_empty());
    }
}
