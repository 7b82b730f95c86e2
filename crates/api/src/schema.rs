//! Assembles the executable schema: the root types, the loaders and the query-shape limits, wrapped
//! in [`ApiSchema`], which stamps error codes and records metrics for every operation.
use async_graphql::dataloader::DataLoader;
use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Data, Executor, MergedObject, Request, Response, Schema};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use crate::loaders::{
    AssessmentLoader, BlockageTimelineLoader, ChainsLoader, FirmBlockagesLoader, FirmEntriesLoader, FirmLoader,
    LinkPageLoader, ProductionLoader, WhitelistBatchLoader, WhitelistHistoryLoader,
};
use crate::mutations::{
    AnalysisMutations, AuthMutations, BlockageMutations, FirmMutations, LinkMutations, SupplierListMutations,
    WhitelistMutations,
};
use crate::production::ProductionMutations;
use crate::query::QueryRoot;
use crate::state::ApiState;
use crate::subscription::SubscriptionRoot;

/// Query-shape limits.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest selection allowed (GraphiQL's introspection query needs about 13).
    pub depth: usize,
    /// Highest complexity (one per field) allowed.
    pub complexity: usize,
    /// Whether introspection is on.
    pub introspection: bool,
    /// How long a DataLoader waits after the first key of a nesting level before it runs its one
    /// statement for all the keys gathered (1 ms: a release build registers a level's keys well
    /// within it; a debug build on a loaded machine may not, and its tests widen it).
    pub batch_window: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self { depth: 16, complexity: 2_000, introspection: true, batch_window: std::time::Duration::from_millis(1) }
    }
}

/// All mutations.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    AuthMutations,
    FirmMutations,
    LinkMutations,
    SupplierListMutations,
    AnalysisMutations,
    WhitelistMutations,
    BlockageMutations,
    ProductionMutations,
);

/// The executable schema, with what every operation gets on every transport: every error in the
/// answer carries a code (`codes`), and the operation is counted and timed for `/metrics`
/// (`observe`).
///
/// These wrap the schema instead of being async-graphql extensions: with any extension
/// registered, async-graphql looks up the type and field of every resolved field and runs it
/// through the extension chain, a twelfth of a simple list's time, for hooks that only act on
/// the whole operation.
///
/// Parsed documents are kept by their text ([`Documents`]): clients send the same few query
/// texts with new variables, and parsing (pest) cost more than cloning the parsed form.
#[derive(Clone)]
pub struct ApiSchema {
    schema: Schema<QueryRoot, MutationRoot, SubscriptionRoot>,
    documents: Arc<Documents>,
}

/// Parsed operations by their text: at most [`Documents::MAX_ENTRIES`] texts of at most
/// [`Documents::MAX_TEXT`] bytes; when full it starts again empty, so a client sending ever-new
/// texts costs it nothing but the misses, and it holds a few megabytes at most (operations of
/// the UI and scripts are well under 4 KiB; a longer text is parsed every time). Only documents
/// that parsed are kept; variables play no part in parsing, and `@skip`/`@include` are applied to
/// the clone each operation gets.
#[derive(Default)]
struct Documents(std::sync::Mutex<std::collections::HashMap<String, ExecutableDocument>>);

impl Documents {
    const MAX_ENTRIES: usize = 512;
    const MAX_TEXT: usize = 4 * 1024;

    /// Gives `request` its parsed document (from here, or parsed now and kept) and returns the
    /// operation's label for the metrics (`invalid` when it does not parse).
    fn prepare(&self, request: &mut Request) -> String {
        let cacheable = request.query.len() <= Self::MAX_TEXT;
        let cached =
            if cacheable { self.0.lock().ok().and_then(|docs| docs.get(&request.query).cloned()) } else { None };
        if let Some(doc) = cached {
            let label = crate::observe::first_root_field(&doc);
            request.set_parsed_query(doc);
            return label;
        }
        let text = cacheable.then(|| request.query.clone());
        let doc = match request.parsed_query() {
            Ok(doc) => doc,
            Err(_) => return "invalid".to_owned(),
        };
        let label = crate::observe::first_root_field(doc);
        if let Some(text) = text
            && let Ok(mut docs) = self.0.lock()
        {
            if docs.len() >= Self::MAX_ENTRIES {
                docs.clear();
            }
            docs.insert(text, doc.clone());
        }
        label
    }
}

impl ApiSchema {
    /// Runs a query or mutation (HTTP, and direct callers such as tests and the demo).
    pub async fn execute(&self, request: impl Into<Request>) -> Response {
        let mut request = request.into();
        let start = std::time::Instant::now();
        let transport = crate::observe::transport(&request.data);
        let operation = self.documents.prepare(&mut request);
        let resp = crate::codes::stamp(self.schema.execute(request).await);
        crate::observe::answered(&operation, transport, &resp, start.elapsed());
        resp
    }

    /// Runs any operation as a stream of answers (graphql-ws), with `session_data`.
    pub fn execute_stream_with_session_data(
        &self,
        request: impl Into<Request>,
        session_data: Arc<Data>,
    ) -> BoxStream<'static, Response> {
        let mut request = request.into();
        self.documents.prepare(&mut request);
        let transport = match crate::observe::transport(&request.data) {
            "direct" => crate::observe::transport(&session_data),
            t => t,
        };
        crate::observe::stream_started(transport);
        self.schema.execute_stream_with_session_data(request, session_data).map(crate::codes::stamp).boxed()
    }

    /// [`ApiSchema::execute_stream_with_session_data`] without session data.
    pub fn execute_stream(&self, request: impl Into<Request>) -> BoxStream<'static, Response> {
        self.execute_stream_with_session_data(request, Arc::default())
    }
}

impl Executor for ApiSchema {
    async fn execute(&self, request: Request) -> Response {
        ApiSchema::execute(self, request).await
    }

    fn execute_stream(&self, request: Request, session_data: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        self.execute_stream_with_session_data(request, session_data.unwrap_or_default())
    }
}

/// A DataLoader that gathers a nesting level's keys for `limits.batch_window`.
fn batched<T: Send + Sync + 'static>(loader: T, limits: Limits) -> DataLoader<T> {
    DataLoader::new(loader, tokio::spawn).delay(limits.batch_window)
}

/// Builds the executable schema over `state`.
pub fn build_schema(state: ApiState, limits: Limits) -> ApiSchema {
    let loader = batched(FirmLoader::new(state.store.clone()), limits);
    let assessments = batched(AssessmentLoader::new(state.store.clone()), limits);
    let batches = batched(WhitelistBatchLoader::new(state.store.clone()), limits);
    let histories = batched(WhitelistHistoryLoader::new(state.store.clone()), limits);
    let timelines = batched(BlockageTimelineLoader::new(state.store.clone()), limits);
    let link_pages = batched(LinkPageLoader::new(state.store.clone()), limits);
    let firm_entries = batched(FirmEntriesLoader::new(state.store.clone()), limits);
    let production = batched(ProductionLoader::new(state.store.clone()), limits);
    let firm_blockages = batched(FirmBlockagesLoader::new(state.store.clone()), limits);
    let chains = batched(ChainsLoader::new(state.store.clone()), limits);
    let mut builder = Schema::build(QueryRoot, MutationRoot::default(), SubscriptionRoot)
        .data(state)
        .data(loader)
        .data(assessments)
        .data(batches)
        .data(histories)
        .data(timelines)
        .data(link_pages)
        .data(firm_entries)
        .data(production)
        .data(firm_blockages)
        .data(chains)
        .limit_depth(limits.depth)
        .limit_complexity(limits.complexity);
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    ApiSchema { schema: builder.finish(), documents: Arc::default() }
}

/// The SDL of the schema (what `linchpin schema` prints and `schema/schema.graphql` holds).
pub fn sdl() -> String {
    Schema::build(QueryRoot, MutationRoot::default(), SubscriptionRoot).finish().sdl()
}
