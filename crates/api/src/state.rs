//! The one state every resolver shares: the database, the event bus, the rate limiter, the
//! analysis settings, this replica's live network and the clock. Built once by the server (or a test) and
//! handed to the schema with `Schema::build(..).data(..)`.
use std::sync::Arc;

use linchpin_graph::AnalysisParams;
use linchpin_store::Store;

use crate::events::{EventBus, NetworkEvent};
use crate::limits::RateLimiter;

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
    pub analysis: AnalysisParams,
    /// Which links analyses count (docs/analysis.md "Only links someone answers for").
    pub link_trust: linchpin_domain::LinkTrust,
    /// The analysis run in flight on this replica (one at a time; callers share it).
    pub analysis_runs: Arc<crate::analysis::InFlight>,
    /// This replica's live copy of the network.
    pub network: crate::live::LiveNetwork,
    /// This replica's live connections, by token.
    pub sessions: Arc<crate::sessions::Sessions>,
    /// The time workflows go by (whitelist validity, deadlines).
    pub clock: Arc<dyn crate::clock::Clock>,
    /// Service levels of blockages (hours to assign and to resolve, per priority level).
    pub sla: linchpin_domain::triage::Sla,
    /// The latest analysis's stakes, as blockage priorities rank firms by them (loaded once per
    /// run).
    pub stakes: Arc<crate::blockage::StakeCache>,
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
            analysis: AnalysisParams::DEFAULT,
            link_trust: linchpin_domain::LinkTrust::CustomerBacked,
            analysis_runs: Arc::default(),
            network: crate::live::LiveNetwork::default(),
            sessions: Arc::default(),
            clock: Arc::new(crate::clock::SystemClock),
            sla: linchpin_domain::triage::Sla::default(),
            stakes: Arc::default(),
        }
    }

    /// Publishes a change event after a commit. A failing bus degrades live updates only, so
    /// the failure is logged and the caller carries on.
    pub async fn announce(&self, event: NetworkEvent) {
        if let Err(e) = self.events.publish(event).await {
            tracing::warn!(error = %e, bus = self.events.name(), "could not publish a change event");
        }
    }

    /// Publishes the events of a bulk change, in order and in few round trips.
    pub async fn announce_all(&self, events: Vec<NetworkEvent>) {
        if events.is_empty() {
            return;
        }
        if let Err(e) = self.events.publish_all(events).await {
            tracing::warn!(error = %e, bus = self.events.name(), "could not publish change events");
        }
    }
}
