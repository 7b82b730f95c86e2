//! Writes audit events from resolvers, inside the mutation's transaction.
use linchpin_domain::Viewer;
use linchpin_store::ConnectionTrait;
use linchpin_store::audit::{self, NewAuditEvent};
use serde::Serialize;

use crate::error::ApiError;

/// What changed, for one event.
pub(crate) struct Change<'a, B: Serialize, A: Serialize> {
    /// e.g. `firm.register`.
    pub action: &'static str,
    /// e.g. `firm`.
    pub object_type: &'static str,
    /// Object id.
    pub object_id: String,
    /// Regions the object concerns.
    pub regions: Vec<String>,
    /// Summary before (none for creations).
    pub before: Option<&'a B>,
    /// Summary after (none for removals).
    pub after: Option<&'a A>,
}

fn summary<T: Serialize>(v: Option<&T>) -> Result<Option<String>, ApiError> {
    v.map(serde_json::to_string).transpose().map_err(|e| ApiError::internal(&e))
}

/// The audit event of `change` by `viewer` in the request `request_id`.
pub(crate) fn event<B: Serialize, A: Serialize>(
    viewer: &Viewer,
    request_id: String,
    change: Change<'_, B, A>,
) -> Result<NewAuditEvent, ApiError> {
    by(Some(viewer.account_id), viewer.username.as_str().to_owned(), request_id, change)
}

/// The audit event of `change` made by the background job `job` (`expiry`, `escalation`): no
/// account, the actor `system`, the job's name where a request id would be.
pub(crate) fn job_event<B: Serialize, A: Serialize>(
    job: &str,
    change: Change<'_, B, A>,
) -> Result<NewAuditEvent, ApiError> {
    by(None, "system".to_owned(), job.to_owned(), change)
}

/// The audit event of `change` by the actor `actor` (the account `account_id`, if any).
fn by<B: Serialize, A: Serialize>(
    account_id: Option<i64>,
    actor: String,
    request_id: String,
    change: Change<'_, B, A>,
) -> Result<NewAuditEvent, ApiError> {
    Ok(NewAuditEvent {
        account_id,
        actor,
        action: change.action,
        object_type: change.object_type,
        object_id: change.object_id,
        regions: change.regions,
        before: summary(change.before)?,
        after: summary(change.after)?,
        request_id,
    })
}

/// Appends the event for `change` made by `viewer` in the request `request_id`.
pub(crate) async fn record<B: Serialize, A: Serialize>(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    request_id: String,
    change: Change<'_, B, A>,
) -> Result<(), ApiError> {
    Ok(audit::append(conn, event(viewer, request_id, change)?).await?)
}

/// The events of a bulk step by `viewer`, to append in few statements.
pub(crate) fn events<B: Serialize, A: Serialize>(
    viewer: &Viewer,
    request_id: &str,
    changes: Vec<Change<'_, B, A>>,
) -> Result<Vec<NewAuditEvent>, ApiError> {
    changes.into_iter().map(|c| event(viewer, request_id.to_owned(), c)).collect()
}
