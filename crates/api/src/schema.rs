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
}

impl Default for Limits {
    fn default() -> Self {
        Self { depth: 16, complexity: 2_000, introspection: true }
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

/// Builds the executable schema over `state`.
pub fn build_schema(state: ApiState, limits: Limits) -> ApiSchema {
    let loader = DataLoader::new(FirmLoader::new(state.store.clone()), tokio::spawn);
    let assessments = DataLoader::new(AssessmentLoader::new(state.store.clone()), tokio::spawn);
    let batches = DataLoader::new(WhitelistBatchLoader::new(state.store.clone()), tokio::spawn);
    let histories = DataLoader::new(WhitelistHistoryLoader::new(state.store.clone()), tokio::spawn);
    let timelines = DataLoader::new(BlockageTimelineLoader::new(state.store.clone()), tokio::spawn);
    let link_pages = DataLoader::new(LinkPageLoader::new(state.store.clone()), tokio::spawn);
    let firm_entries = DataLoader::new(FirmEntriesLoader::new(state.store.clone()), tokio::spawn);
    let production = DataLoader::new(ProductionLoader::new(state.store.clone()), tokio::spawn);
    let firm_blockages = DataLoader::new(FirmBlockagesLoader::new(state.store.clone()), tokio::spawn);
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
