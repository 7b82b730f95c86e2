//! Counts and times every GraphQL operation, on both transports, for `/metrics`: by its first root
//! field (a fixed set, so labels stay few), transport and outcome (`ok` or the first error code).
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextSubscribe,
};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection};
use async_graphql::{Response, ServerResult, Variables};
use futures_util::stream::BoxStream;

/// Which transport an operation came on (request data on HTTP, session data on graphql-ws).
#[derive(Debug, Clone, Copy)]
pub struct Transport(pub &'static str);

/// The extension factory to register on the schema.
pub struct Observe;

impl ExtensionFactory for Observe {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ObserveExtension { operation: Mutex::new(None) })
    }
}

struct ObserveExtension {
    operation: Mutex<Option<String>>,
}

fn first_root_field(doc: &ExecutableDocument) -> String {
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

fn transport(ctx: &ExtensionContext<'_>) -> &'static str {
    ctx.data_opt::<Transport>().map_or("direct", |t| t.0)
}

#[async_trait::async_trait]
impl Extension for ObserveExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let start = Instant::now();
        let resp = next.run(ctx).await;
        let outcome = match resp.errors.first() {
            None => "ok".to_owned(),
            Some(e) => e
                .extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .map_or_else(|| "error".to_owned(), |c| c.to_string().trim_matches('"').to_owned()),
        };
        let operation = self.operation.lock().ok().and_then(|o| o.clone()).unwrap_or_else(|| "invalid".to_owned());
        crate::metrics::request(&operation, transport(ctx), &outcome, start.elapsed());
        resp
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        metrics::counter!(crate::metrics::REQUESTS, "operation" => "subscription", "transport" => transport(ctx), "outcome" => "started")
            .increment(1);
        next.run(ctx, stream)
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        if let Ok(mut slot) = self.operation.lock() {
            *slot = Some(first_root_field(&doc));
        }
        Ok(doc)
    }
}
