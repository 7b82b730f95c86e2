//! `AuditEvent`: one entry of the append-only audit trail.
use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use linchpin_store::audit::AuditRecord;

use crate::ids::{self, Kind};

/// One entry of the append-only audit trail: who decided what, when, on which object.
#[derive(SimpleObject, Debug, Clone)]
pub struct AuditEvent {
    /// Opaque global id.
    pub id: ID,
    /// When the change was committed.
    pub at: DateTime<Utc>,
    /// Acting account name.
    pub actor: String,
    /// What was done, e.g. `firm.register`, `link.confirm`, `account.login`.
    pub action: String,
    /// Kind of object: `firm`, `supply_link`, `token`.
    pub object_type: String,
    /// Global id of the object.
    pub object_id: String,
    /// GB/T 2260 region codes the object concerns.
    pub regions: Vec<String>,
    /// JSON summary before the change (null for creations).
    pub before: Option<String>,
    /// JSON summary after the change (null for removals).
    pub after: Option<String>,
    /// Id of the HTTP request that made the change.
    pub request_id: String,
}

impl From<AuditRecord> for AuditEvent {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: ids::encode(Kind::AuditEvent, r.id),
            at: r.at,
            actor: r.actor,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            regions: r.regions,
            before: r.before,
            after: r.after,
            request_id: r.request_id,
        }
    }
}
