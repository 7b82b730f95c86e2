//! The whitelist over plain HTTP, for those who do not speak GraphQL:
//!
//! * `GET /whitelist/check/{uscc}`: a checkpoint or a bank checks one firm, without a token. The
//!   answer has four fields (status, chains, batch, validity) and nothing else about the firm; an
//!   unknown firm and a firm that was never listed answer alike (`NOT_LISTED`). Rate-limited per
//!   client address; `--no-public-check` switches it off (404).
//! * `GET /whitelist/export?format=xlsx|csv&chain=&region=&batch=&status=`: the list as a file,
//!   for BUREAU accounts (bearer token), with what the account may see; audited.
use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use linchpin_api::{ApiError, ExportFilter, Rule, admission};
use linchpin_domain::whitelist::WhitelistStatus;
use linchpin_domain::{Role, Uscc};
use serde::Deserialize;

use crate::app::{AppState, refusal, request_id};
use crate::export::{Format, build, check_filter, file_name};

/// Requests of one client address to the public check: bursts of 20, then one a second.
pub const PUBLIC_CHECK: Rule = Rule { capacity: 20, per_second: 1.0 };

fn with_request_id(mut resp: Response, rid: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(rid) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// `GET /whitelist/check/{uscc}`.
pub async fn check(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(uscc): Path<String>,
) -> Response {
    let rid = request_id(&headers);
    if !state.public_check {
        return refusal(StatusCode::NOT_FOUND, &ApiError::NotFound("this path".into()), &rid);
    }
    let key = format!("check:{}", peer.ip());
    if let linchpin_api::Decision::Limited { retry_after_secs } = state.api.limiter.acquire(&key, PUBLIC_CHECK).await {
        linchpin_api::metrics::rate_limited("public_check");
        return refusal(StatusCode::TOO_MANY_REQUESTS, &ApiError::RateLimited { retry_after_secs }, &rid);
    }
    let uscc = match Uscc::parse(&uscc) {
        Ok(u) => u,
        Err(e) => return refusal(StatusCode::BAD_REQUEST, &ApiError::Validation(e.message), &rid),
    };
    match linchpin_api::public_check(&state.api.store, uscc.as_str(), state.api.clock.now()).await {
        Ok(answer) => {
            let mut resp = Json(answer).into_response();
            resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            with_request_id(resp, &rid)
        }
        Err(e) => refusal(StatusCode::INTERNAL_SERVER_ERROR, &e, &rid),
    }
}

/// Query parameters of the download.
#[derive(Debug, Deserialize)]
pub struct ExportParams {
    format: Option<String>,
    chain: Option<String>,
    region: Option<String>,
    batch: Option<i32>,
    status: Option<String>,
}

/// `GET /whitelist/export`.
pub async fn export(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    params: Result<Query<ExportParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let rid = request_id(&headers);
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let viewer = admission::authenticate(&state.api, authorization).await;
    if let Err(e) = admission::admit(&state.api, viewer.as_ref(), peer.ip()).await {
        return refusal(StatusCode::TOO_MANY_REQUESTS, &e, &rid);
    }
    let Some(viewer) = viewer else {
        return refusal(StatusCode::UNAUTHORIZED, &ApiError::Unauthenticated, &rid);
    };
    if viewer.role() != Role::Bureau {
        return refusal(StatusCode::FORBIDDEN, &ApiError::Forbidden, &rid);
    }
    let bad = |m: String| refusal(StatusCode::BAD_REQUEST, &ApiError::Validation(m), &rid);
    let Ok(Query(p)) = params else { return bad("the query parameters are malformed".into()) };
    let Some(format) = Format::parse(p.format.as_deref().unwrap_or("xlsx")) else {
        return bad("`format` is csv or xlsx".into());
    };
    let status = match p.status.as_deref().map(|s| WhitelistStatus::from_wire(&s.to_ascii_uppercase())) {
        Some(None) => return bad("`status` is not a whitelist status".into()),
        Some(Some(s)) => Some(s),
        None => None,
    };
    let filter = ExportFilter { chain: p.chain, region: p.region, batch: p.batch, status };
    if let Err(m) = check_filter(&filter) {
        return bad(m);
    }
    let now = state.api.clock.now();
    match build(&state.api.store, Some(&viewer), viewer.username.as_str(), filter, format, now, &rid).await {
        Ok(Ok((bytes, _))) => {
            let disposition = format!("attachment; filename=\"{}\"", file_name(format, now));
            let mut resp = (StatusCode::OK, bytes).into_response();
            let h = resp.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            with_request_id(resp, &rid)
        }
        Ok(Err(e @ ApiError::Validation(_))) => refusal(StatusCode::BAD_REQUEST, &e, &rid),
        Ok(Err(e)) => refusal(StatusCode::INTERNAL_SERVER_ERROR, &e, &rid),
        Err(e) => {
            tracing::error!(error = ?e, "whitelist export failed");
            refusal(StatusCode::INTERNAL_SERVER_ERROR, &ApiError::Internal, &rid)
        }
    }
}
