//! The HTTP surface: GraphQL, GraphiQL, graphql-ws and health probes.
//!
//! Every GraphQL request is authenticated here (bearer token in `Authorization`, or in the
//! graphql-ws `connection_init` payload), given a request id, and rate-limited per account (per
//! client address when anonymous) before the schema runs.
use std::net::SocketAddr;

use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, GraphiQLSource};
use async_graphql::{Data, ServerError};
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use linchpin_api::{ApiSchema, ApiState, Decision, RequestId, Rule, auth};
use linchpin_domain::Viewer;
use serde_json::json;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

/// Shared state of the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    /// The executable schema.
    pub schema: ApiSchema,
    /// Resolver state (database, event bus, limiter), for authentication and probes.
    pub api: ApiState,
}

/// Builds the router.
pub fn app(state: AppState, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/graphql/ws", get(graphql_ws))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(RequestBodyLimitLayer::new(max_body_bytes))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The caller's request id (`X-Request-Id` when it is sane), or a new one.
fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(|| format!("{:016x}", rand::random::<u64>()), str::to_owned)
}

async fn viewer_from(state: &ApiState, authorization: Option<&str>) -> Option<Viewer> {
    let header = authorization?;
    match auth::authenticate(&state.store, header).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "token lookup failed; treating the request as anonymous");
            None
        }
    }
}

fn rate_limited(retry_after_secs: u64, request_id: &str) -> Response {
    let mut err = ServerError::new(format!("rate limited; retry after {retry_after_secs} s"), None);
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", "RATE_LIMITED");
    ext.set("retryAfterSeconds", retry_after_secs);
    let body = json!({ "data": null, "errors": [err] });
    let mut resp = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

async fn graphql(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    req: GraphQLRequest,
) -> Response {
    let request_id = request_id(&headers);
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let viewer = viewer_from(&state.api, authorization).await;
    let (key, rule) = match &viewer {
        Some(v) => (format!("account:{}", v.account_id), state.api.account_rule),
        None => (format!("address:{}", peer.ip()), Rule::ANONYMOUS),
    };
    if let Decision::Limited { retry_after_secs } = state.api.limiter.acquire(&key, rule).await {
        return rate_limited(retry_after_secs, &request_id);
    }
    let mut req = req.into_inner().data(RequestId(request_id.clone()));
    if let Some(v) = viewer {
        req = req.data(v);
    }
    let mut resp = GraphQLResponse::from(state.schema.execute(req).await).into_response();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// graphql-ws: the token travels in the `connection_init` payload as
/// `{"Authorization": "Bearer lp_..."}`.
async fn graphql_ws(State(state): State<AppState>, protocol: GraphQLProtocol, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let api = state.api.clone();
            GraphQLWebSocket::new(socket, state.schema.clone(), protocol)
                .on_connection_init(move |payload| async move {
                    let mut data = Data::default();
                    let header =
                        payload.get("Authorization").or_else(|| payload.get("authorization")).and_then(|v| v.as_str());
                    if let Some(v) = viewer_from(&api, header).await {
                        data.insert(v);
                    }
                    data.insert(RequestId(format!("ws-{:016x}", rand::random::<u64>())));
                    Ok(data)
                })
                .serve()
        })
        .into_response()
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").subscription_endpoint("/graphql/ws").title("Linchpin").finish())
}

/// Liveness: the process serves HTTP.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers, and Redis too when configured.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let db = state.api.store.ping().await;
    let bus = state.api.events.ping().await;
    if let Err(e) = &db {
        tracing::warn!(error = %e, "readiness: database down");
    }
    if let Err(e) = &bus {
        tracing::warn!(error = %e, "readiness: event bus down");
    }
    let body = json!({
        "database": if db.is_ok() { "ok" } else { "down" },
        "events": { "bus": state.api.events.name(), "status": if bus.is_ok() { "ok" } else { "down" } },
    });
    let code = if db.is_ok() && bus.is_ok() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (code, Json(body))
}
