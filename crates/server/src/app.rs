//! The HTTP surface: GraphQL, GraphiQL, graphql-ws and health probes.
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse, GraphQLSubscription};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use linchpin_api::{ApiSchema, ApiState};
use serde_json::json;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

/// Shared state of the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    /// The executable schema.
    pub schema: ApiSchema,
    /// Resolver state (database and event bus), for the readiness probe.
    pub api: ApiState,
}

/// Builds the router.
pub fn app(state: AppState, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route_service(
            "/graphql/ws",
            GraphQLSubscription::new(state.schema.clone()),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(RequestBodyLimitLayer::new(max_body_bytes))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn graphql(State(state): State<AppState>, req: GraphQLRequest) -> GraphQLResponse {
    state.schema.execute(req.into_inner()).await.into()
}

async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .title("Linchpin")
            .finish(),
    )
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
    let code = if db.is_ok() && bus.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
}
