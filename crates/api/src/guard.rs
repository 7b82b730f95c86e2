//! The entry points every resolver goes through: who is calling, the shared state, and the
//! refusal of what the caller may not do.
use async_graphql::Context;
use linchpin_domain::Viewer;

use crate::error::ApiError;
use crate::state::ApiState;

/// The id of the HTTP request, carried into audit events.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The signed-in caller, or UNAUTHENTICATED.
pub fn viewer<'a>(ctx: &Context<'a>) -> Result<&'a Viewer, ApiError> {
    ctx.data_opt::<Viewer>().ok_or(ApiError::Unauthenticated)
}

/// The shared state (always present in a schema built by `build_schema`).
pub fn state<'a>(ctx: &Context<'a>) -> Result<&'a ApiState, ApiError> {
    ctx.data_opt::<ApiState>().ok_or_else(|| {
        tracing::error!("the schema was built without its state");
        ApiError::Internal
    })
}

/// The request id, or `-` outside HTTP (tests through `schema.execute`).
pub fn request_id(ctx: &Context<'_>) -> String {
    ctx.data_opt::<RequestId>().map_or_else(|| "-".to_owned(), |r| r.0.clone())
}

/// Refuses unless `allowed`.
pub fn require(allowed: bool) -> Result<(), ApiError> {
    if allowed { Ok(()) } else { Err(ApiError::Forbidden) }
}

/// A subscription's optional `regionPrefix` (2, 4 or 6 digits), checked; `VALIDATION` otherwise.
pub(crate) fn region_prefix(prefix: Option<&str>) -> Result<Option<String>, ApiError> {
    prefix
        .map(linchpin_domain::Jurisdiction::parse)
        .transpose()
        .map(|j| j.map(|j| j.as_str().to_owned()))
        .map_err(|e| ApiError::Validation(e.message))
}
