//! The fake's HTTP side: accepting connections, counting what is in flight, applying the
//! injected faults, and handing each request to the model.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use super::delivery::send_outbox;
use super::faults::Fault;
use super::records::LoggedRequest;
use super::reply::Reply;
use super::shared::{Answering, Shared};
use crate::sync::lock;

pub(super) async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| answer(shared.clone(), request));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        }
    }
}

/// Returned by the service to make hyper close the connection without an answer.
#[derive(Debug)]
struct DroppedOnPurpose;

impl std::fmt::Display for DroppedOnPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DroppedOnPurpose {}

async fn answer(
    shared: Arc<Shared>,
    request: http::Request<Incoming>,
) -> Result<http::Response<Full<Bytes>>, DroppedOnPurpose> {
    let _answering = Answering::start(&shared.in_flight);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let authorization = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let (latency, fault) = {
        let mut faults = lock(&shared.faults);
        let next = faults
            .pending
            .iter()
            .position(|(requests, _)| requests.matches(&path));
        let fault = next
            .and_then(|index| faults.pending.remove(index))
            .map(|(_, fault)| fault);
        (faults.latency, fault)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let log = |status, answer: &[u8], answer_type| {
        lock(&shared.log).push(LoggedRequest {
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
            body: body.to_vec(),
            status,
            answer: answer.to_vec(),
            answer_type,
        })
    };

    let (reply, retry_after) = match fault.unwrap_or(Fault::None) {
        Fault::Drop => {
            log(None, &[], None);
            return Err(DroppedOnPurpose);
        }
        Fault::Status(status) => (Reply::error(status, "Injected failure"), None),
        Fault::RateLimit(wait) => (
            Reply::error(StatusCode::TOO_MANY_REQUESTS, "Too many requests"),
            Some(wait),
        ),
        Fault::None | Fault::DropAfterHandling | Fault::DelayAfterHandling(_) => {
            let reply = lock(&shared.state).handle(
                &method,
                &path,
                query.as_deref(),
                authorization.as_deref(),
                &body,
                Instant::now(),
            );
            send_outbox(&shared, &tokio::runtime::Handle::current());
            (reply, None)
        }
    };
    match fault {
        Some(Fault::DropAfterHandling) => {
            log(None, &[], None);
            return Err(DroppedOnPurpose);
        }
        Some(Fault::DelayAfterHandling(delay)) => tokio::time::sleep(delay).await,
        _ => {}
    }
    log(Some(reply.status), &reply.body, reply.content_type);

    let mut response = http::Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    if let Some(content_type) = reply.content_type {
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    if let Some(wait) = retry_after {
        headers.insert(http::header::RETRY_AFTER, HeaderValue::from(wait.as_secs()));
    }
    Ok(response)
}
