//! The checks every GraphQL operation passes before the schema runs, the same on every transport:
//! the caller's token is looked up (so a revoked or expired token, or a disabled account, is
//! anonymous from that moment), and the account's (or, anonymous, the client address's) rate
//! limit is drawn from. HTTP does this per request in the server's handler; graphql-ws does it per
//! operation through [`GuardedExecutor`], which the server hands to the WebSocket instead of the
//! bare schema.
use std::net::IpAddr;
use std::sync::Arc;

use async_graphql::{Data, Executor, Request, Response, ServerError};
use futures_util::StreamExt;
use futures_util::stream::{self, BoxStream};
use linchpin_domain::Viewer;

use crate::error::ApiError;
use crate::limits::{Decision, Rule};
use crate::schema::ApiSchema;
use crate::state::ApiState;

/// The `Authorization` value a connection signed in with (kept in graphql-ws session data, so
/// every operation can check the token again).
#[derive(Debug, Clone)]
pub struct Credentials(pub String);

/// The client's address (rate limits of anonymous callers).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

/// The viewer behind an `Authorization` header value, if its token is valid now. A failing
/// database makes the caller anonymous (logged), never an error page.
pub async fn authenticate(state: &ApiState, authorization: Option<&str>) -> Option<Viewer> {
    let header = authorization?;
    match crate::auth::authenticate(&state.store, header).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "token lookup failed; treating the request as anonymous");
            None
        }
    }
}

/// Takes one request from the caller's bucket: the account's when signed in, the address's
/// otherwise. RATE_LIMITED (with the wait) when it is empty.
pub async fn admit(state: &ApiState, viewer: Option<&Viewer>, addr: IpAddr) -> Result<(), ApiError> {
    let (key, rule) = match viewer {
        Some(v) => (format!("account:{}", v.account_id), state.account_rule),
        None => (format!("address:{addr}"), Rule::ANONYMOUS),
    };
    match state.limiter.acquire(&key, rule).await {
        Decision::Allowed => Ok(()),
        Decision::Limited { retry_after_secs } => {
            crate::metrics::rate_limited(if viewer.is_some() { "account" } else { "address" });
            Err(ApiError::RateLimited { retry_after_secs })
        }
    }
}

/// A response carrying one coded error and no data.
pub fn refusal(e: ApiError) -> Response {
    let mut err = ServerError::new(e.message(), None);
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", e.code());
    if let ApiError::RateLimited { retry_after_secs } = e {
        ext.set("retryAfterSeconds", retry_after_secs);
    }
    Response::from_errors(vec![err])
}

/// The schema behind a graphql-ws connection: each operation is authenticated and rate-limited
/// again before it runs, exactly as an HTTP request is.
#[derive(Clone)]
pub struct GuardedExecutor {
    schema: ApiSchema,
    state: ApiState,
}

impl GuardedExecutor {
    /// Wraps `schema`.
    pub fn new(schema: ApiSchema, state: ApiState) -> Self {
        Self { schema, state }
    }

    async fn admit_operation(&self, session: Option<&Arc<Data>>) -> Result<Option<Viewer>, ApiError> {
        let credentials = session.and_then(|d| d.get(&std::any::TypeId::of::<Credentials>()));
        let credentials = credentials.and_then(|c| c.downcast_ref::<Credentials>());
        let addr = session
            .and_then(|d| d.get(&std::any::TypeId::of::<ClientAddr>()))
            .and_then(|c| c.downcast_ref::<ClientAddr>())
            .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.0);
        let viewer = match credentials {
            Some(c) => {
                let v = authenticate(&self.state, Some(&c.0)).await;
                // A connection that signed in and whose token no longer works is not anonymous:
                // it is told so, and the sweeper closes it.
                if v.is_none() {
                    return Err(ApiError::Unauthenticated);
                }
                v
            }
            None => None,
        };
        admit(&self.state, viewer.as_ref(), addr).await?;
        Ok(viewer)
    }
}

impl Executor for GuardedExecutor {
    async fn execute(&self, request: Request) -> Response {
        self.schema.execute(request).await
    }

    fn execute_stream(&self, request: Request, session_data: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        let this = self.clone();
        let mut request = Some(request);
        stream::once(async move {
            let admitted = this.admit_operation(session_data.as_ref()).await;
            (this, admitted, session_data)
        })
        .flat_map(move |(this, admitted, session_data)| {
            let Some(req) = request.take() else { return stream::empty().boxed() };
            match admitted {
                Ok(viewer) => {
                    let req = match viewer {
                        Some(v) => req.data(v),
                        None => req,
                    };
                    this.schema.execute_stream_with_session_data(req, session_data.unwrap_or_default())
                }
                Err(e) => stream::once(async move { refusal(e) }).boxed(),
            }
        })
        .boxed()
    }
}
