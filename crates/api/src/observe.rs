//! Counts and times every GraphQL operation, on both transports, for `/metrics`: by its first root
//! field (a fixed set, so labels stay few), transport and outcome (`ok` or the first error code).
//! [`ApiSchema`](crate::ApiSchema) calls these around every operation it runs.
use std::any::TypeId;
use std::time::Duration;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection};
use async_graphql::{Data, Response};

/// Which transport an operation came on (request data on HTTP, session data on graphql-ws).
#[derive(Debug, Clone, Copy)]
pub struct Transport(pub &'static str);

/// The operation's first root field, `fragment` when it starts with one, `none` for an empty
/// operation.
pub(crate) fn first_root_field(doc: &ExecutableDocument) -> String {
    let op = match &doc.operations {
        DocumentOperations::Single(op) => Some(op),
        DocumentOperations::Multiple(ops) => ops.values().next(),
    };
    op.and_then(|op| op.node.selection_set.node.items.first())
        .map(|s| match &s.node {
            Selection::Field(f) => f.node.name.node.to_string(),
            _ => "fragment".to_owned(),
        })
        .unwrap_or_else(|| "none".to_owned())
}

/// The transport named in `data`, `direct` when none is (tests, the CLI's demo and benches).
pub(crate) fn transport(data: &Data) -> &'static str {
    data.get(&TypeId::of::<Transport>()).and_then(|t| t.downcast_ref::<Transport>()).map_or("direct", |t| t.0)
}

/// Records one answered operation.
pub(crate) fn answered(operation: &str, transport: &'static str, resp: &Response, elapsed: Duration) {
    let outcome = match resp.errors.first() {
        None => "ok".to_owned(),
        Some(e) => e
            .extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .map_or_else(|| "error".to_owned(), |c| c.to_string().trim_matches('"').to_owned()),
    };
    crate::metrics::request(operation, transport, &outcome, elapsed);
}

/// Records a started graphql-ws operation.
pub(crate) fn stream_started(transport: &'static str) {
    metrics::counter!(crate::metrics::REQUESTS, "operation" => "subscription", "transport" => transport, "outcome" => "started")
        .increment(1);
}
