use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{MergedObject, Schema};
use linchpin_store::Store;

use crate::events::{EventBus, NetworkEvent};
use crate::limits::RateLimiter;
use crate::loaders::{AssessmentLoader, FirmLoader};
use crate::mutations::{AnalysisMutations, AuthMutations, FirmMutations, LinkMutations};
use crate::query::QueryRoot;
use crate::subscription::SubscriptionRoot;

/// Everything resolvers need, shared by every request.
#[derive(Clone, Debug)]
pub struct ApiState {
    /// The database.
    pub store: Store,
    /// Where change events go.
    pub events: Arc<dyn EventBus>,
    /// Rate limits (per account, per client address, per username at sign-in).
    pub limiter: Arc<dyn RateLimiter>,
    /// How long a token issued by `login` lives.
    pub token_ttl: chrono::Duration,
    /// The bucket every account's requests draw from.
    pub account_rule: crate::limits::Rule,
    /// Parameters of analysis runs.
    pub analysis: crate::analysis::AnalysisConfig,
    /// One analysis at a time in this process.
    pub analysis_lock: Arc<tokio::sync::Mutex<()>>,
    /// This replica's live copy of the network.
    pub network: crate::live::LiveNetwork,
}

impl ApiState {
    /// State with in-process events and limits and 30-day tokens: the embedded default.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            events: Arc::new(crate::events::InProcessBus::default()),
            limiter: Arc::new(crate::limits::InMemoryLimiter::default()),
            token_ttl: chrono::Duration::days(30),
            account_rule: crate::limits::Rule::ACCOUNT,
            analysis: crate::analysis::AnalysisConfig::default(),
            analysis_lock: Arc::new(tokio::sync::Mutex::new(())),
            network: crate::live::LiveNetwork::default(),
        }
    }

    /// Publishes a change event after a commit. A failing bus degrades live updates only, so
    /// the failure is logged and the caller carries on.
    pub async fn announce(&self, event: NetworkEvent) {
        if let Err(e) = self.events.publish(event).await {
            tracing::warn!(error = %e, bus = self.events.name(), "could not publish a change event");
        }
    }
}

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
pub struct MutationRoot(AuthMutations, FirmMutations, LinkMutations, AnalysisMutations);

/// The schema type.
pub type ApiSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Builds the executable schema over `state`.
pub fn build_schema(state: ApiState, limits: Limits) -> ApiSchema {
    let loader = DataLoader::new(FirmLoader::new(state.store.clone()), tokio::spawn);
    let assessments = DataLoader::new(AssessmentLoader::new(state.store.clone()), tokio::spawn);
    let mut builder = Schema::build(QueryRoot, MutationRoot::default(), SubscriptionRoot)
        .data(state)
        .data(loader)
        .data(assessments)
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
