//! The append-only audit trail. Events are written in the same transaction as the change they
//! record, so a change without its event (or an event without its change) cannot exist. There is
//! no update or delete here, by design.
use chrono::{DateTime, Utc};
use linchpin_domain::Jurisdiction;
use sea_orm::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::entity::audit_event;
use crate::{Page, StoreError};

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    /// Acting account.
    pub account_id: Option<i64>,
    /// Acting username (or `cli:<user>` for operator commands).
    pub actor: String,
    /// What was done, e.g. `firm.register`.
    pub action: &'static str,
    /// Kind of object: `firm`, `supply_link`, `account`, `token`.
    pub object_type: &'static str,
    /// Object id.
    pub object_id: String,
    /// Region codes the object concerns (a firm's region; both ends of a link).
    pub regions: Vec<String>,
    /// Summary before (JSON), none for creations.
    pub before: Option<String>,
    /// Summary after (JSON), none for removals.
    pub after: Option<String>,
    /// Request id.
    pub request_id: String,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Id.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Acting account.
    pub account_id: Option<i64>,
    /// Acting username.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// Kind of object.
    pub object_type: String,
    /// Object id.
    pub object_id: String,
    /// Regions concerned.
    pub regions: Vec<String>,
    /// Summary before.
    pub before: Option<String>,
    /// Summary after.
    pub after: Option<String>,
    /// Request id.
    pub request_id: String,
}

/// Filters of an audit listing.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Exact action.
    pub action: Option<String>,
    /// Exact object type.
    pub object_type: Option<String>,
    /// Exact object id.
    pub object_id: Option<String>,
    /// Exact actor.
    pub actor: Option<String>,
}

fn model(e: NewAuditEvent, at: DateTime<Utc>) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        id: Default::default(),
        at: Set(at),
        account_id: Set(e.account_id),
        actor: Set(e.actor),
        action: Set(e.action.to_owned()),
        object_type: Set(e.object_type.to_owned()),
        object_id: Set(e.object_id),
        regions: Set(e.regions.join(",")),
        before: Set(e.before),
        after: Set(e.after),
        request_id: Set(e.request_id),
    }
}

/// Appends an event.
pub async fn append(conn: &impl ConnectionTrait, e: NewAuditEvent) -> Result<(), StoreError> {
    audit_event::Entity::insert(model(e, Utc::now())).exec_without_returning(conn).await?;
    Ok(())
}

/// Appends events in as few statements as the database allows (bulk steps: a supplier list of
/// 10,000 rows writes 10,000 events).
pub async fn append_many(conn: &impl ConnectionTrait, events: Vec<NewAuditEvent>) -> Result<(), StoreError> {
    let at = Utc::now();
    let models: Vec<audit_event::ActiveModel> = events.into_iter().map(|e| model(e, at)).collect();
    for chunk in models.chunks(crate::rows_per_insert(11)) {
        audit_event::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// A page of events, oldest first, limited to events concerning `within` when given.
pub async fn list(
    conn: &impl ConnectionTrait,
    within: Option<&Jurisdiction>,
    filter: &AuditFilter,
    after: Option<i64>,
    limit: u64,
) -> Result<Page<AuditRecord>, StoreError> {
    let mut cond = Condition::all();
    if let Some(a) = after {
        cond = cond.add(audit_event::Column::Id.gt(a));
    }
    if let Some(j) = within {
        // regions is "330106" or "330106,320102": match a code at the start or after a comma.
        cond = cond.add(
            Condition::any()
                .add(audit_event::Column::Regions.starts_with(j.as_str()))
                .add(audit_event::Column::Regions.contains(format!(",{}", j.as_str()))),
        );
    }
    for (col, v) in [
        (audit_event::Column::Action, &filter.action),
        (audit_event::Column::ObjectType, &filter.object_type),
        (audit_event::Column::ObjectId, &filter.object_id),
        (audit_event::Column::Actor, &filter.actor),
    ] {
        if let Some(v) = v {
            cond = cond.add(col.eq(v.as_str()));
        }
    }
    let rows = crate::fetch_page(
        conn,
        audit_event::Entity::find().filter(cond).order_by_asc(audit_event::Column::Id).limit(limit + 1),
    )
    .await?;
    let page = Page::from_overfetch(rows, limit);
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|m| AuditRecord {
                id: m.id,
                at: m.at,
                account_id: m.account_id,
                actor: m.actor,
                action: m.action,
                object_type: m.object_type,
                object_id: m.object_id,
                regions: m.regions.split(',').filter(|r| !r.is_empty()).map(str::to_owned).collect(),
                before: m.before,
                after: m.after,
                request_id: m.request_id,
            })
            .collect(),
        has_next: page.has_next,
    })
}

/// Number of events (for tests and diagnostics).
pub async fn count(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    use sea_orm::PaginatorTrait;
    Ok(audit_event::Entity::find().count(conn).await?)
}
