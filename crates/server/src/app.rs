//! The HTTP surface: GraphQL (POST), GraphiQL (GET), graphql-ws, health probes, metrics, and the
//! whitelist's plain-HTTP check and download (`whitelist_http`).
//!
//! Every GraphQL operation is admitted the same way on both transports
//! (`linchpin_api::admission`): the bearer token is looked up, a request id assigned, and the
//! account's (or the client address's) rate limit drawn from, before the schema runs; on
//! graphql-ws this happens for each operation, not once per connection, and a connection ends
//! within a second of its token being revoked or expiring or its account being disabled. Every
//! refusal at the HTTP level (malformed JSON, a body over the limit, a wrong content type, an
//! unknown path, a rate limit) is a JSON GraphQL error body with an `extensions.code`.
use std::net::SocketAddr;

use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, GraphiQLSource, MultipartOptions};
use async_graphql::{BatchRequest, Data};
use async_graphql_axum::{GraphQLProtocol, GraphQLResponse, GraphQLWebSocket};
use axum::body::Body;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::{SinkExt, StreamExt};
use linchpin_api::admission::{self, ClientAddr, Credentials, GuardedExecutor};
use linchpin_api::observe::Transport;
use linchpin_api::{ApiError, ApiSchema, ApiState, RequestId};
use metrics_exporter_prometheus::PrometheusHandle;
use serde_json::json;
use tower_http::trace::TraceLayer;

/// graphql-ws close code for a connection whose token stopped being valid (the protocol's
/// "Forbidden").
pub const WS_CLOSE_TOKEN_ENDED: u16 = 4403;

/// Shared state of the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    /// The executable schema.
    pub schema: ApiSchema,
    /// Resolver state (database, event bus, limiter), for authentication and probes.
    pub api: ApiState,
    /// Largest JSON request body, in bytes.
    pub max_body_bytes: usize,
    /// Largest multipart (upload) request body, in bytes.
    pub max_upload_bytes: usize,
    /// The Prometheus recorder's handle, when metrics are on.
    pub metrics: Option<PrometheusHandle>,
    /// Whether `GET /whitelist/check/{uscc}` answers (without a token).
    pub public_check: bool,
}

/// Builds the router.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/graphql/ws", get(graphql_ws))
        .route("/whitelist/check/{uscc}", get(crate::whitelist_http::check))
        .route("/whitelist/export", get(crate::whitelist_http::export))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if state.metrics.is_some() {
        router = router.route("/metrics", get(metrics));
    }
    router.fallback(not_found).layer(TraceLayer::new_for_http()).with_state(state)
}

/// The caller's request id (`X-Request-Id` when it is sane), or a new one.
pub(crate) fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(|| format!("{:016x}", rand::random::<u64>()), str::to_owned)
}

/// A GraphQL-shaped error body with `status`, the error's code, and the request id.
pub(crate) fn refusal(status: StatusCode, error: &ApiError, request_id: &str) -> Response {
    // the same body a refused graphql-ws operation gets
    let body = admission::refusal(error.clone());
    let mut resp = (status, Json(json!({ "data": null, "errors": body.errors }))).into_response();
    if let ApiError::RateLimited { retry_after_secs } = error
        && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
    {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

fn invalid(status: StatusCode, message: impl Into<String>, request_id: &str) -> Response {
    refusal(status, &ApiError::Validation(message.into()), request_id)
}

/// What a POST to `/graphql` carries.
enum Kind {
    Json,
    Multipart,
}

fn kind(headers: &HeaderMap) -> Option<Kind> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match essence.as_str() {
        "application/json" | "application/graphql-response+json" => Some(Kind::Json),
        "multipart/form-data" => Some(Kind::Multipart),
        _ => None,
    }
}

/// Reads and parses the body of a GraphQL POST, refusing it cleanly (JSON body, code, status).
async fn read_request(state: &AppState, headers: &HeaderMap, body: Body, rid: &str) -> Result<BatchRequest, Response> {
    let Some(kind) = kind(headers) else {
        return Err(invalid(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send GraphQL requests as `application/json` (or `multipart/form-data` for uploads)",
            rid,
        ));
    };
    let limit = match kind {
        Kind::Json => state.max_body_bytes,
        Kind::Multipart => state.max_upload_bytes,
    };
    let too_large =
        || invalid(StatusCode::PAYLOAD_TOO_LARGE, format!("the request body is larger than {limit} bytes"), rid);
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    // A chunked body is cut off at the limit while it streams in.
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(e) => {
            // axum reports the cut-off as http-body-util's "length limit exceeded"
            let over = e.to_string().contains("length limit") || format!("{e:?}").contains("LengthLimit");
            return Err(if over {
                too_large()
            } else {
                invalid(StatusCode::BAD_REQUEST, "the request body could not be read", rid)
            });
        }
    };
    match kind {
        Kind::Json => serde_json::from_slice::<BatchRequest>(&bytes).map_err(|e| {
            invalid(StatusCode::BAD_REQUEST, format!("the request body is not a GraphQL request in JSON: {e}"), rid)
        }),
        Kind::Multipart => {
            let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
            let opts = MultipartOptions::default().max_file_size(state.max_upload_bytes).max_num_files(1);
            async_graphql::http::receive_batch_body(ct, &bytes[..], opts)
                .await
                .map_err(|e| invalid(StatusCode::BAD_REQUEST, format!("the multipart request is malformed: {e}"), rid))
        }
    }
}

async fn graphql(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let rid = request_id(&headers);
    let batch = match read_request(&state, &headers, body, &rid).await {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    let BatchRequest::Single(request) = batch else {
        return invalid(
            StatusCode::BAD_REQUEST,
            "batched requests are not accepted; send one operation per request",
            &rid,
        );
    };
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let viewer = admission::authenticate(&state.api, authorization).await;
    if let Err(e) = admission::admit(&state.api, viewer.as_ref(), peer.ip()).await {
        return refusal(StatusCode::TOO_MANY_REQUESTS, &e, &rid);
    }
    let mut request = request.data(RequestId(rid.clone())).data(Transport("http"));
    if let Some(v) = viewer {
        request = request.data(v);
    }
    let mut resp = GraphQLResponse::from(state.schema.execute(request).await).into_response();
    if let Ok(v) = HeaderValue::from_str(&rid) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// graphql-ws: the token travels in the `connection_init` payload as
/// `{"Authorization": "Bearer lp_..."}`; every operation is admitted again (token, rate limit).
async fn graphql_ws(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve_ws(state, socket, protocol, peer))
        .into_response()
}

async fn serve_ws(state: AppState, socket: WebSocket, protocol: GraphQLProtocol, peer: SocketAddr) {
    let (mut sink, stream) = socket.split();
    // The protocol writes into a channel; this task forwards it to the socket, and closes the
    // socket itself when the connection's token ends.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Message>(64);
    let tx = futures_util::sink::unfold(tx, |tx, msg: Message| async move { tx.send(msg).await.map(|()| tx) });
    let (session_tx, session_rx) = tokio::sync::oneshot::channel();
    let api = state.api.clone();
    let executor = GuardedExecutor::new(state.schema.clone(), state.api.clone());
    let serve = GraphQLWebSocket::new_with_pair(tx, stream, executor, protocol)
        .on_connection_init(move |payload| async move {
            let mut data = Data::default();
            data.insert(ClientAddr(peer.ip()));
            data.insert(Transport("ws"));
            data.insert(RequestId(format!("ws-{:016x}", rand::random::<u64>())));
            let header = payload.get("Authorization").or_else(|| payload.get("authorization")).and_then(|v| v.as_str());
            if let Some(h) = header
                && let Some(viewer) = admission::authenticate(&api, Some(h)).await
            {
                data.insert(Credentials(h.to_owned()));
                let _ = session_tx.send(api.sessions.register(viewer.token_id));
            }
            Ok(data)
        })
        .serve();
    let forward = async move {
        let ended = async {
            match session_rx.await {
                Ok(mut watch) => watch.ended().await,
                Err(_) => std::future::pending().await,
            }
        };
        tokio::pin!(ended);
        loop {
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(m) => if sink.send(m).await.is_err() { return },
                    None => return,
                },
                () = &mut ended => {
                    // answers already produced (the `logout` that ended the token) go out first
                    while let Ok(m) = rx.try_recv() {
                        if sink.send(m).await.is_err() { return }
                    }
                    let frame = CloseFrame { code: WS_CLOSE_TOKEN_ENDED, reason: "token revoked or expired, or account disabled".into() };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    return;
                }
            }
        }
    };
    tokio::pin!(serve);
    tokio::pin!(forward);
    tokio::select! {
        () = &mut serve => forward.await,
        () = &mut forward => {}
    }
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").subscription_endpoint("/graphql/ws").title("Linchpin").finish())
}

async fn not_found(headers: HeaderMap) -> Response {
    let rid = request_id(&headers);
    refusal(StatusCode::NOT_FOUND, &ApiError::NotFound("this path".into()), &rid)
}

/// Liveness: the process serves HTTP.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: 200 while the database answers. Redis is reported but does not decide: without it a
/// replica serves on its in-process fallback (`degraded`), and pulling every replica out of the
/// load balancer because Redis restarted would turn a degradation into an outage.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let db = state.api.store.ping().await;
    let bus = state.api.events.ping().await;
    if let Err(e) = &db {
        tracing::warn!(error = %e, "readiness: database down");
    }
    let events = match (&bus, state.api.events.name()) {
        (Ok(()), name) => json!({ "bus": name, "status": "ok" }),
        (Err(_), name) => {
            json!({ "bus": name, "status": "degraded", "detail": "Redis is down; events and rate limits stay on this replica" })
        }
    };
    let body = json!({ "database": if db.is_ok() { "ok" } else { "down" }, "events": events });
    let code = if db.is_ok() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (code, Json(body))
}

/// Prometheus exposition of the metrics in `linchpin_api::metrics`.
async fn metrics(State(state): State<AppState>) -> Response {
    let Some(handle) = &state.metrics else { return StatusCode::NOT_FOUND.into_response() };
    if let Some((size, idle)) = state.api.store.pool_state() {
        metrics::gauge!(linchpin_api::metrics::DB_POOL_CONNECTIONS).set(f64::from(size));
        metrics::gauge!(linchpin_api::metrics::DB_POOL_IDLE).set(idle as f64);
    }
    metrics::gauge!(linchpin_api::metrics::LIVE_SESSIONS).set(state.api.sessions.tokens() as f64);
    if state.api.events.name() == "redis" {
        linchpin_api::metrics::redis_up(state.api.events.ping().await.is_ok());
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
}
