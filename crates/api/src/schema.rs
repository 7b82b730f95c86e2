//! Assembles the executable schema: the root types, the loaders, the error-code extension and the
//! query-shape limits.
use async_graphql::dataloader::DataLoader;
use async_graphql::{MergedObject, Schema};

use crate::loaders::{
    AssessmentLoader, BlockageTimelineLoader, FirmBlockagesLoader, FirmEntriesLoader, FirmLoader, LinkPageLoader,
    ProductionLoader, WhitelistBatchLoader, WhitelistHistoryLoader,
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

/// The schema type.
pub type ApiSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

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
        // outermost first: the observer sees the codes the error extension stamps
        .extension(crate::observe::Observe)
        .extension(crate::codes::ErrorCodes)
        .limit_depth(limits.depth)
        .limit_complexity(limits.complexity);
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The SDL of the schema (what `linchpin schema` prints and `schema/schema.graphql` holds).
pub fn sdl() -> String {
    Schema::build(QueryRoot, MutationRoot::default(), SubscriptionRoot).finish().sdl()
}
