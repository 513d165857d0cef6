//! The fake's webhook deliveries: each POSTed on a task of its own and retried as Sequel
//! retries them.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;

use super::records::{Delivered, Outgoing};
use super::shared::Shared;
use crate::sync::lock;

/// The waits before each retry of a delivery unless
/// [`FakeSequel::retry_deliveries_after`](super::FakeSequel::retry_deliveries_after) says
/// otherwise: 1 s, 10 s, 1 min, 10 min, then 1 h, so six tries over some 71 minutes. Sequel
/// does not publish its own schedule.
pub const DEFAULT_DELIVERY_RETRIES: [Duration; 5] = [
    Duration::from_secs(1),
    Duration::from_secs(10),
    Duration::from_secs(60),
    Duration::from_secs(600),
    Duration::from_secs(3600),
];

/// Sends the deliveries the last requests made, each on its own task.
pub(super) fn send_outbox(shared: &Arc<Shared>, runtime: &tokio::runtime::Handle) {
    let outbox = std::mem::take(&mut lock(&shared.state).outbox);
    let copies = match shared.deliver_twice.load(std::sync::atomic::Ordering::SeqCst) {
        true => 2,
        false => 1,
    };
    for outgoing in outbox {
        for _ in 0..copies {
            runtime.spawn(deliver(shared.clone(), outgoing.clone()));
        }
    }
}

/// POSTs one delivery, retrying after `429` and `5xx` (and no answer) as Sequel does; not
/// after another status.
async fn deliver(shared: Arc<Shared>, outgoing: Outgoing) {
    let slot = {
        let mut deliveries = lock(&shared.deliveries);
        deliveries.push(Delivered {
            event_type: outgoing.event_type.clone(),
            invocation_id: outgoing.invocation_id.clone(),
            endpoint: outgoing.endpoint.clone(),
            body: outgoing.body.clone(),
            answers: Vec::new(),
            done: false,
        });
        deliveries.len() - 1
    };
    let client = shared.webhook_client.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            // The subscription's secret goes to the endpoint it was made for, and nowhere else.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .ok()
    });
    let waits = lock(&shared.delivery_retries).clone();
    for attempt in 0..=waits.len() {
        let status = match client {
            Some(client) => client
                .post(&outgoing.endpoint)
                .header(crate::sequel::webhook::AUTH_HEADER, &outgoing.secret)
                .header(http::header::USER_AGENT, "introvoke-web-hook")
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(outgoing.body.clone())
                .send()
                .await
                .ok()
                .map(|response| response.status()),
            None => None,
        };
        let again = status.is_none_or(|s| s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error());
        let last = attempt == waits.len();
        {
            let mut deliveries = lock(&shared.deliveries);
            deliveries[slot].answers.push(status);
            deliveries[slot].done = !again || last;
        }
        match waits.get(attempt) {
            Some(wait) if again => tokio::time::sleep(*wait).await,
            _ => return,
        }
    }
}
