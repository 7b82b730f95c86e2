//! Repository of the blockage ledger: blockages, their append-only timeline (steps, escalations,
//! comments), and the queue.
//!
//! Every step is version-checked in its `UPDATE ... WHERE version = ?`, so of fifty coordinators
//! moving the same blockage at once one wins and the others get `VersionConflict`, on SQLite and
//! PostgreSQL alike; each step appends its event in the same transaction. Comments append to the
//! timeline without touching the blockage (they never conflict with a step). Re-ranking rewrites
//! the priority columns only, without a version bump: a new analysis must not make a
//! coordinator's next step stale. The rules are the domain's (`blockage`, `triage`).
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use linchpin_domain::blockage::{BlockageAction, BlockageKind, BlockageStatus, Details};
use linchpin_domain::triage::{Facts, PriorityLevel};
use linchpin_domain::{FirmId, Jurisdiction, Plate, RegionCode};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use tracing::instrument;

use crate::entity::{blockage as row, blockage_event as event};
use crate::error::corrupt;
use crate::whitelist::Actor;
use crate::{Page, StoreError};

/// Tables of the ledger (for `Store::refresh_statistics` after a bulk load).
pub const TABLES: [&str; 3] = ["blockage", "blockage_event", "production_report"];

/// The priority as stored: clock-free points, level, facts and the queue key.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPriority {
    /// Clock-free points.
    pub points: f64,
    /// Level.
    pub level: PriorityLevel,
    /// What it was computed from.
    pub facts: Facts,
    /// Queue key (higher first).
    pub queue_key: f64,
}

/// A blockage as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockageRecord {
    /// Id.
    pub id: i64,
    /// The affected firm.
    pub firm_id: FirmId,
    /// Kind and its details.
    pub details: Details,
    /// Status.
    pub status: BlockageStatus,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// The affected firm's region.
    pub region: RegionCode,
    /// FREIGHT: the firm at the other end.
    pub counterpart: Option<FirmId>,
    /// FREIGHT: the supply link.
    pub link_id: Option<i64>,
    /// What happened.
    pub description: String,
    /// Who reported it.
    pub reporter: Actor,
    /// The coordinator it is assigned to.
    pub assignee: Option<Actor>,
    /// DUPLICATE: the original.
    pub duplicate_of: Option<i64>,
    /// Prefix length of the office in charge: 6, 4, 2 or 0.
    pub level: u8,
    /// Priority.
    pub priority: StoredPriority,
    /// When the SLA clock started.
    pub sla_since: DateTime<Utc>,
    /// When the SLA is breached.
    pub due_at: Option<DateTime<Utc>>,
    /// Reported.
    pub reported_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl BlockageRecord {
    /// The kind.
    pub fn kind(&self) -> BlockageKind {
        self.details.kind()
    }

    /// The regions it concerns: the firm's, then for FREIGHT the origin and destination.
    pub fn regions(&self) -> Vec<RegionCode> {
        let mut r = vec![self.region.clone()];
        if let Details::Freight { origin, destination, .. } = &self.details {
            r.push(origin.clone());
            r.push(destination.clone());
        }
        r
    }
}

/// What a timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventAction {
    /// The report.
    Report,
    /// A workflow step.
    Step(BlockageAction),
    /// The escalation job moved it up.
    Escalate,
    /// A comment.
    Comment,
}

impl EventAction {
    /// The stable wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Report => "REPORT",
            Self::Step(a) => a.as_str(),
            Self::Escalate => "ESCALATE",
            Self::Comment => "COMMENT",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(s: &str) -> Option<Self> {
        match s {
            "REPORT" => Some(Self::Report),
            "ESCALATE" => Some(Self::Escalate),
            "COMMENT" => Some(Self::Comment),
            other => BlockageAction::ALL.into_iter().find(|a| a.as_str() == other).map(Self::Step),
        }
    }
}

/// One entry of a blockage's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// Id (the order).
    pub id: i64,
    /// The blockage.
    pub blockage_id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Actor,
    /// What.
    pub action: EventAction,
    /// Status before.
    pub from: Option<BlockageStatus>,
    /// Status after.
    pub to: Option<BlockageStatus>,
    /// Why, or the comment.
    pub comment: String,
    /// ASSIGN: the coordinator.
    pub assignee: Option<String>,
    /// ESCALATE: the level reached.
    pub level: Option<u8>,
}

/// A new blockage.
#[derive(Debug, Clone)]
pub struct NewBlockage {
    /// The affected firm.
    pub firm_id: FirmId,
    /// Its region.
    pub region: RegionCode,
    /// Kind and details.
    pub details: Details,
    /// FREIGHT: the other end.
    pub counterpart: Option<FirmId>,
    /// FREIGHT: the link.
    pub link_id: Option<i64>,
    /// What happened.
    pub description: String,
    /// The reporting account.
    pub reporter: Actor,
    /// Priority at the report.
    pub priority: StoredPriority,
    /// When the SLA is breached.
    pub due_at: Option<DateTime<Utc>>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A step on an existing blockage.
#[derive(Debug, Clone)]
pub struct Step {
    /// What (a workflow step, or an escalation).
    pub action: EventAction,
    /// The status after.
    pub to: BlockageStatus,
    /// Who.
    pub actor: Actor,
    /// Why.
    pub comment: String,
    /// ASSIGN: the new assignee.
    pub assignee: Option<Actor>,
    /// MARK_DUPLICATE: the original.
    pub duplicate_of: Option<i64>,
    /// The level after (escalation changes it).
    pub level: u8,
    /// When the SLA clock (re)started.
    pub sla_since: DateTime<Utc>,
    /// When the SLA is breached after the step.
    pub due_at: Option<DateTime<Utc>>,
    /// When.
    pub at: DateTime<Utc>,
}

fn blockage_from_row(m: row::Model) -> Result<BlockageRecord, StoreError> {
    let ctx = |f: &str| format!("blockage {} {f}", m.id);
    let region = |f: &str, v: &Option<String>| -> Result<RegionCode, StoreError> {
        let v = v.as_deref().ok_or_else(|| corrupt(&ctx(f), "missing"))?;
        RegionCode::parse(v).map_err(|e| corrupt(&ctx(f), e))
    };
    let kind = BlockageKind::from_wire(&m.kind).ok_or_else(|| corrupt(&ctx("kind"), &m.kind))?;
    let details = match kind {
        BlockageKind::StaffAccess => Details::StaffAccess {
            workers: m.workers.ok_or_else(|| corrupt(&ctx("workers"), "missing"))?,
            held_at: m.held_at.clone().unwrap_or_default(),
            closed_loop: m.closed_loop.unwrap_or(false),
        },
        BlockageKind::Freight => {
            let plates: Vec<String> = match &m.plates {
                Some(p) => serde_json::from_str(p).map_err(|e| corrupt(&ctx("plates"), e))?,
                None => Vec::new(),
            };
            Details::Freight {
                origin: region("origin_code", &m.origin_code)?,
                destination: region("destination_code", &m.destination_code)?,
                cargo: m.cargo.clone().unwrap_or_default(),
                plates: plates
                    .iter()
                    .map(|p| Plate::parse(p))
                    .collect::<Result<_, _>>()
                    .map_err(|e| corrupt(&ctx("plates"), e))?,
            }
        }
        BlockageKind::Other => Details::Other,
    };
    Ok(BlockageRecord {
        id: m.id,
        firm_id: FirmId(m.firm_id),
        details,
        status: BlockageStatus::from_wire(&m.status).ok_or_else(|| corrupt(&ctx("status"), &m.status))?,
        version: m.version,
        region: RegionCode::parse(&m.region_code).map_err(|e| corrupt(&ctx("region_code"), e))?,
        counterpart: m.counterpart_firm_id.map(FirmId),
        link_id: m.link_id,
        description: m.description,
        reporter: Actor { account_id: Some(m.reporter_account_id), name: m.reporter_name },
        assignee: m.assignee_name.map(|name| Actor { account_id: m.assignee_account_id, name }),
        duplicate_of: m.duplicate_of,
        level: u8::try_from(m.level).map_err(|e| corrupt(&ctx("level"), e))?,
        priority: StoredPriority {
            points: m.priority_points,
            level: PriorityLevel::from_wire(&m.priority_level)
                .ok_or_else(|| corrupt(&ctx("priority_level"), &m.priority_level))?,
            facts: serde_json::from_str(&m.priority_facts).map_err(|e| corrupt(&ctx("priority_facts"), e))?,
            queue_key: m.queue_key,
        },
        sla_since: m.sla_since,
        due_at: m.due_at,
        reported_at: m.reported_at,
        updated_at: m.updated_at,
    })
}

fn event_from_row(m: event::Model) -> Result<EventRecord, StoreError> {
    let ctx = |f: &str| format!("blockage_event {} {f}", m.id);
    let status = |s: &str| BlockageStatus::from_wire(s).ok_or_else(|| corrupt(&ctx("status"), s));
    Ok(EventRecord {
        id: m.id,
        blockage_id: m.blockage_id,
        at: m.at,
        actor: Actor { account_id: m.account_id, name: m.actor },
        action: EventAction::from_wire(&m.action).ok_or_else(|| corrupt(&ctx("action"), &m.action))?,
        from: m.from_status.as_deref().map(status).transpose()?,
        to: m.to_status.as_deref().map(status).transpose()?,
        comment: m.comment,
        assignee: m.assignee_name,
        level: m.level.map(|l| u8::try_from(l).unwrap_or(0)),
    })
}

fn facts_json(f: &Facts) -> Result<String, StoreError> {
    serde_json::to_string(f).map_err(|e| corrupt("priority_facts", e))
}

#[allow(clippy::too_many_arguments)]
fn event_model(
    blockage_id: i64,
    actor: &Actor,
    action: EventAction,
    from: Option<BlockageStatus>,
    to: Option<BlockageStatus>,
    comment: &str,
    assignee: Option<&str>,
    level: Option<u8>,
    at: DateTime<Utc>,
) -> event::ActiveModel {
    event::ActiveModel {
        id: Default::default(),
        blockage_id: Set(blockage_id),
        at: Set(at),
        account_id: Set(actor.account_id),
        actor: Set(actor.name.clone()),
        action: Set(action.as_str().to_owned()),
        from_status: Set(from.map(|s| s.as_str().to_owned())),
        to_status: Set(to.map(|s| s.as_str().to_owned())),
        comment: Set(comment.to_owned()),
        assignee_name: Set(assignee.map(str::to_owned)),
        level: Set(level.map(i32::from)),
    }
}

/// Creates a REPORTED blockage with its first timeline entry.
#[instrument(skip_all, fields(firm = new.firm_id.0))]
pub async fn insert(conn: &impl ConnectionTrait, new: &NewBlockage) -> Result<BlockageRecord, StoreError> {
    let (mut workers, mut held_at, mut closed_loop) = (None, None, None);
    let (mut origin, mut destination, mut cargo, mut plates) = (None, None, None, None);
    match &new.details {
        Details::StaffAccess { workers: w, held_at: h, closed_loop: c } => {
            (workers, held_at, closed_loop) = (Some(*w), Some(h.clone()), Some(*c));
        }
        Details::Freight { origin: o, destination: d, cargo: c, plates: p } => {
            origin = Some(o.as_str().to_owned());
            destination = Some(d.as_str().to_owned());
            cargo = Some(c.clone());
            let list: Vec<&str> = p.iter().map(Plate::as_str).collect();
            plates = Some(serde_json::to_string(&list).map_err(|e| corrupt("plates", e))?);
        }
        Details::Other => {}
    }
    let model = row::ActiveModel {
        id: Default::default(),
        firm_id: Set(new.firm_id.0),
        kind: Set(new.details.kind().as_str().to_owned()),
        status: Set(BlockageStatus::Reported.as_str().to_owned()),
        version: Set(1),
        region_code: Set(new.region.as_str().to_owned()),
        origin_code: Set(origin),
        destination_code: Set(destination),
        counterpart_firm_id: Set(new.counterpart.map(|f| f.0)),
        link_id: Set(new.link_id),
        cargo: Set(cargo),
        plates: Set(plates),
        workers: Set(workers),
        held_at: Set(held_at),
        closed_loop: Set(closed_loop),
        description: Set(new.description.clone()),
        reporter_account_id: Set(new.reporter.account_id.unwrap_or(0)),
        reporter_name: Set(new.reporter.name.clone()),
        assignee_account_id: Set(None),
        assignee_name: Set(None),
        duplicate_of: Set(None),
        level: Set(6),
        priority_points: Set(new.priority.points),
        priority_level: Set(new.priority.level.as_str().to_owned()),
        priority_facts: Set(facts_json(&new.priority.facts)?),
        queue_key: Set(new.priority.queue_key),
        is_open: Set(true),
        sla_since: Set(new.at),
        due_at: Set(new.due_at),
        reported_at: Set(new.at),
        updated_at: Set(new.at),
    };
    let id = row::Entity::insert(model).exec(conn).await?.last_insert_id;
    let first = event_model(
        id,
        &new.reporter,
        EventAction::Report,
        None,
        Some(BlockageStatus::Reported),
        &new.description,
        None,
        Some(6),
        new.at,
    );
    event::Entity::insert(first).exec_without_returning(conn).await?;
    get(conn, id).await
}

/// One blockage.
pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<BlockageRecord, StoreError> {
    row::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(blockage_from_row)
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("blockage {id}")))
}

/// Blockages by id (missing ones are absent).
pub async fn get_many(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<HashMap<i64, BlockageRecord>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(5_000) {
        for m in row::Entity::find().filter(row::Column::Id.is_in(chunk.iter().copied())).all(conn).await? {
            let r = blockage_from_row(m)?;
            out.insert(r.id, r);
        }
    }
    Ok(out)
}

/// Takes `step` on `current` if its version is still `expected_version`, and appends the event.
/// The caller has checked the rules and the transition. `VersionConflict` when someone changed it
/// first.
#[instrument(skip_all, fields(id = current.id, action = step.action.as_str()))]
pub async fn advance(
    conn: &impl ConnectionTrait,
    current: &BlockageRecord,
    expected_version: i32,
    step: &Step,
) -> Result<BlockageRecord, StoreError> {
    use row::Column as C;
    if current.version != expected_version {
        return Err(StoreError::VersionConflict { expected: expected_version, current: current.version });
    }
    let mut update = row::Entity::update_many()
        .col_expr(C::Status, Expr::value(step.to.as_str()))
        .col_expr(C::Version, Expr::col(C::Version).add(1))
        .col_expr(C::IsOpen, Expr::value(step.to.is_open()))
        .col_expr(C::Level, Expr::value(i32::from(step.level)))
        .col_expr(C::SlaSince, Expr::value(step.sla_since))
        .col_expr(C::DueAt, Expr::value(step.due_at))
        .col_expr(C::UpdatedAt, Expr::value(step.at));
    if let Some(a) = &step.assignee {
        update = update
            .col_expr(C::AssigneeAccountId, Expr::value(a.account_id))
            .col_expr(C::AssigneeName, Expr::value(a.name.clone()));
    }
    if step.duplicate_of.is_some() {
        update = update.col_expr(C::DuplicateOf, Expr::value(step.duplicate_of));
    }
    let res = update.filter(C::Id.eq(current.id)).filter(C::Version.eq(expected_version)).exec(conn).await?;
    if res.rows_affected == 0 {
        let now = get(conn, current.id).await?;
        return Err(StoreError::VersionConflict { expected: expected_version, current: now.version });
    }
    let ev = event_model(
        current.id,
        &step.actor,
        step.action,
        Some(current.status),
        Some(step.to),
        &step.comment,
        step.assignee.as_ref().map(|a| a.name.as_str()),
        (step.level != current.level || step.action == EventAction::Escalate).then_some(step.level),
        step.at,
    );
    event::Entity::insert(ev).exec_without_returning(conn).await?;
    get(conn, current.id).await
}

/// Appends a comment to the timeline of blockage `id` (which must exist).
pub async fn comment(
    conn: &impl ConnectionTrait,
    id: i64,
    actor: &Actor,
    text: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let ev = event_model(id, actor, EventAction::Comment, None, None, text, None, None, at);
    event::Entity::insert(ev).exec_without_returning(conn).await?;
    Ok(())
}

/// The last `last` entries of each blockage's timeline, oldest first, by blockage: one statement
/// (a window numbering each blockage's entries from the newest), so a blockage with thousands of
/// comments costs what its last page does.
pub async fn timelines(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    last: u64,
) -> Result<HashMap<i64, Vec<EventRecord>>, StoreError> {
    use sea_orm::sea_query::{Alias, Asterisk, Order as SqlOrder};
    use sea_orm::{FromQueryResult, QueryTrait};
    let mut out: HashMap<i64, Vec<EventRecord>> = HashMap::new();
    for chunk in ids.chunks(1_000) {
        let inner = event::Entity::find()
            .filter(event::Column::BlockageId.is_in(chunk.iter().copied()))
            .expr_as(Expr::cust("ROW_NUMBER() OVER (PARTITION BY blockage_id ORDER BY id DESC)"), "rn")
            .into_query();
        let outer = sea_orm::sea_query::Query::select()
            .column(Asterisk)
            .from_subquery(inner, Alias::new("t"))
            .and_where(Expr::col(Alias::new("rn")).lte(i64::try_from(last).unwrap_or(i64::MAX)))
            .order_by(Alias::new("blockage_id"), SqlOrder::Asc)
            .order_by(Alias::new("id"), SqlOrder::Asc)
            .to_owned();
        let stmt = conn.get_database_backend().build(&outer);
        for r in conn.query_all_raw(stmt).await? {
            let e = event_from_row(event::Model::from_query_result(&r, "")?)?;
            out.entry(e.blockage_id).or_default().push(e);
        }
    }
    Ok(out)
}

/// Which blockages a viewer sees.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every blockage (ADMIN).
    All,
    /// Those concerning a region under the jurisdiction: the firm's, or a freight trip's origin or
    /// destination (BUREAU, COORDINATOR).
    Jurisdiction(Jurisdiction),
    /// Those of the firm, as the affected firm or the counterpart (ENTERPRISE).
    Firm(FirmId),
}

/// In which order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Order {
    /// Most production at stake first (the queue key, then the newest).
    #[default]
    Priority,
    /// Newest report first.
    Newest,
}

/// What a listing asks for; every given filter must hold.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlockageQuery {
    /// Visibility.
    pub scope: Scope,
    /// Only these statuses; the open ones (the queue) when `None`.
    pub statuses: Option<Vec<BlockageStatus>>,
    /// Only this kind.
    pub kind: Option<BlockageKind>,
    /// Only those concerning a region under this prefix.
    pub within: Option<Jurisdiction>,
    /// Only those assigned to this account.
    pub assignee: Option<i64>,
    /// Only those of this firm (affected or counterpart).
    pub firm: Option<FirmId>,
    /// Order.
    pub order: Order,
}

/// Where a page starts: after this (queue key, id), or after this id for NEWEST.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cursor {
    /// Queue key of the last item seen.
    pub queue_key: f64,
    /// Id of the last item seen.
    pub id: i64,
}

fn concerns(j: &Jurisdiction) -> Condition {
    use row::Column as C;
    Condition::any()
        .add(crate::in_region(C::RegionCode, j))
        .add(crate::in_region(C::OriginCode, j))
        .add(crate::in_region(C::DestinationCode, j))
}

fn of_firm(f: FirmId) -> Condition {
    Condition::any().add(row::Column::FirmId.eq(f.0)).add(row::Column::CounterpartFirmId.eq(f.0))
}

fn condition(q: &BlockageQuery) -> Condition {
    use row::Column as C;
    let mut cond = match &q.scope {
        Scope::All => Condition::all(),
        Scope::Jurisdiction(j) => Condition::all().add(concerns(j)),
        Scope::Firm(f) => Condition::all().add(of_firm(*f)),
    };
    cond = match &q.statuses {
        None => cond.add(C::IsOpen.eq(true)),
        Some(s) => cond.add(C::Status.is_in(s.iter().map(|s| s.as_str()))),
    };
    if let Some(k) = q.kind {
        cond = cond.add(C::Kind.eq(k.as_str()));
    }
    if let Some(j) = &q.within {
        cond = cond.add(concerns(j));
    }
    if let Some(a) = q.assignee {
        cond = cond.add(C::AssigneeAccountId.eq(a));
    }
    if let Some(f) = q.firm {
        cond = cond.add(of_firm(f));
    }
    cond
}

/// A page of the blockages a query selects.
#[instrument(skip_all, fields(limit))]
pub async fn list(
    conn: &impl ConnectionTrait,
    q: &BlockageQuery,
    after: Option<Cursor>,
    limit: u64,
) -> Result<Page<BlockageRecord>, StoreError> {
    let rows = crate::fetch_page(conn, list_select(q, after, limit)).await?;
    let page = Page::from_overfetch(rows, limit);
    Ok(Page {
        items: page.items.into_iter().map(blockage_from_row).collect::<Result<_, _>>()?,
        has_next: page.has_next,
    })
}

/// Pages of the blockages of many firms (as the affected firm or the counterpart) that `q`
/// selects (its `firm` is ignored), each in `q`'s order and after `after`: one statement for all of
/// them (a window numbering each firm's blockages, cut at `limit + 1`).
pub async fn pages_for_firms(
    conn: &impl ConnectionTrait,
    q: &BlockageQuery,
    firms: &[FirmId],
    after: Option<Cursor>,
    limit: u64,
) -> Result<HashMap<FirmId, Page<BlockageRecord>>, StoreError> {
    use sea_orm::sea_query::{Alias, Asterisk, Order as SqlOrder, SelectStatement, UnionType};
    use sea_orm::{FromQueryResult, QueryTrait};
    let mut out: HashMap<FirmId, Page<BlockageRecord>> = firms.iter().map(|f| (*f, Page::empty())).collect();
    let q = BlockageQuery { firm: None, ..q.clone() };
    let window = match q.order {
        Order::Priority => "ROW_NUMBER() OVER (PARTITION BY parent ORDER BY queue_key DESC, id DESC)",
        Order::Newest => "ROW_NUMBER() OVER (PARTITION BY parent ORDER BY id DESC)",
    };
    for chunk in firms.chunks(1_000) {
        let ids = || chunk.iter().map(|f| f.0);
        let side = |col: row::Column, name: &str| -> SelectStatement {
            let mut s = row::Entity::find().filter(condition(&q)).filter(col.is_in(ids()));
            s = match (q.order, after) {
                (Order::Priority, Some(c)) => s.filter(
                    Condition::any()
                        .add(row::Column::QueueKey.lt(c.queue_key))
                        .add(Condition::all().add(row::Column::QueueKey.eq(c.queue_key)).add(row::Column::Id.lt(c.id))),
                ),
                (Order::Newest, Some(c)) => s.filter(row::Column::Id.lt(c.id)),
                (_, None) => s,
            };
            s.expr_as(Expr::col(Alias::new(name)), "parent").into_query()
        };
        let mut both = side(row::Column::FirmId, "firm_id");
        both.union(UnionType::All, side(row::Column::CounterpartFirmId, "counterpart_firm_id"));
        let numbered = sea_orm::sea_query::Query::select()
            .column(Asterisk)
            .expr_as(Expr::cust(window), Alias::new("rn"))
            .from_subquery(both, Alias::new("b"))
            .to_owned();
        let mut outer = sea_orm::sea_query::Query::select()
            .column(Asterisk)
            .from_subquery(numbered, Alias::new("n"))
            .and_where(Expr::col(Alias::new("rn")).lte(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1)))
            .order_by(Alias::new("parent"), SqlOrder::Asc)
            .to_owned();
        outer = match q.order {
            Order::Priority => outer
                .order_by(Alias::new("queue_key"), SqlOrder::Desc)
                .order_by(Alias::new("id"), SqlOrder::Desc)
                .to_owned(),
            Order::Newest => outer.order_by(Alias::new("id"), SqlOrder::Desc).to_owned(),
        };
        let stmt = conn.get_database_backend().build(&outer);
        for r in conn.query_all_raw(stmt).await? {
            let parent = FirmId(r.try_get::<i64>("", "parent")?);
            let m = row::Model::from_query_result(&r, "")?;
            out.entry(parent).or_insert_with(Page::empty).push_windowed(limit, m, blockage_from_row)?;
        }
    }
    Ok(out)
}

/// The statement of [`list`] (public for the query-plan tests).
pub fn list_statement(
    backend: sea_orm::DatabaseBackend,
    q: &BlockageQuery,
    after: Option<Cursor>,
    limit: u64,
) -> sea_orm::Statement {
    crate::page_statement(list_select(q, after, limit), backend)
}

fn list_select(q: &BlockageQuery, after: Option<Cursor>, limit: u64) -> sea_orm::Select<row::Entity> {
    use row::Column as C;
    let mut sel = row::Entity::find().filter(condition(q));
    sel = match (q.order, after) {
        (Order::Priority, Some(c)) => sel.filter(
            Condition::any()
                .add(C::QueueKey.lt(c.queue_key))
                .add(Condition::all().add(C::QueueKey.eq(c.queue_key)).add(C::Id.lt(c.id))),
        ),
        (Order::Newest, Some(c)) => sel.filter(C::Id.lt(c.id)),
        (_, None) => sel,
    };
    // the queue walks its index (is_open, queue_key, id) backwards
    if q.statuses.is_none() {
        sel = sel.order_by_desc(C::IsOpen);
    }
    sel = match q.order {
        Order::Priority => sel.order_by_desc(C::QueueKey).order_by_desc(C::Id),
        Order::Newest => sel.order_by_desc(C::Id),
    };
    sel.limit(limit + 1)
}

/// Open blockages whose SLA was breached at `now` and that can still go up (below national
/// level), most overdue first, up to `limit`.
pub async fn breached(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<BlockageRecord>, StoreError> {
    use row::Column as C;
    row::Entity::find()
        .filter(C::IsOpen.eq(true))
        .filter(C::DueAt.lte(now))
        .filter(C::Level.gt(0))
        .order_by_asc(C::DueAt)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(blockage_from_row)
        .collect()
}

/// An open blockage as re-ranking needs it.
#[derive(Debug, Clone)]
pub struct OpenItem {
    /// Id.
    pub id: i64,
    /// The firm.
    pub firm_id: FirmId,
    /// Status.
    pub status: BlockageStatus,
    /// Reported.
    pub reported_at: DateTime<Utc>,
    /// SLA clock start.
    pub sla_since: DateTime<Utc>,
    /// Level.
    pub level: u8,
    /// The stored facts (JSON), to skip unchanged ones.
    pub facts: String,
}

/// (id, firm, status, reported at, SLA since, level, facts) of an open blockage.
type OpenRow = (i64, i64, String, DateTime<Utc>, DateTime<Utc>, i32, String);

/// Every open blockage (of `firm`, if given), for re-ranking.
pub async fn open_items(conn: &impl ConnectionTrait, firm: Option<FirmId>) -> Result<Vec<OpenItem>, StoreError> {
    use row::Column as C;
    let mut q = row::Entity::find()
        .select_only()
        .columns([C::Id, C::FirmId, C::Status, C::ReportedAt, C::SlaSince, C::Level, C::PriorityFacts])
        .filter(C::IsOpen.eq(true));
    if let Some(f) = firm {
        q = q.filter(C::FirmId.eq(f.0));
    }
    let rows: Vec<OpenRow> = q.order_by_asc(C::Id).into_tuple().all(conn).await?;
    rows.into_iter()
        .map(|(id, firm, status, reported_at, sla_since, level, facts)| {
            Ok(OpenItem {
                id,
                firm_id: FirmId(firm),
                status: BlockageStatus::from_wire(&status)
                    .ok_or_else(|| corrupt(&format!("blockage {id} status"), &status))?,
                reported_at,
                sla_since,
                level: u8::try_from(level).unwrap_or(0),
                facts,
            })
        })
        .collect()
}

/// Rewrites the priority of blockage `id` (no version bump: re-ranking is not a decision).
pub async fn set_priority(
    conn: &impl ConnectionTrait,
    id: i64,
    p: &StoredPriority,
    due_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    use row::Column as C;
    row::Entity::update_many()
        .col_expr(C::PriorityPoints, Expr::value(p.points))
        .col_expr(C::PriorityLevel, Expr::value(p.level.as_str()))
        .col_expr(C::PriorityFacts, Expr::value(facts_json(&p.facts)?))
        .col_expr(C::QueueKey, Expr::value(p.queue_key))
        .col_expr(C::DueAt, Expr::value(due_at))
        .filter(C::Id.eq(id))
        .filter(C::IsOpen.eq(true))
        .exec(conn)
        .await?;
    Ok(())
}

/// Open blockages per firm, among `firms`.
pub async fn open_counts(conn: &impl ConnectionTrait, firms: &[FirmId]) -> Result<HashMap<FirmId, u64>, StoreError> {
    use row::Column as C;
    let mut out = HashMap::new();
    for chunk in firms.chunks(5_000) {
        let rows: Vec<(i64, i64)> = row::Entity::find()
            .select_only()
            .column(C::FirmId)
            .column_as(C::Id.count(), "n")
            .filter(C::IsOpen.eq(true))
            .filter(C::FirmId.is_in(chunk.iter().map(|f| f.0)))
            .group_by(C::FirmId)
            .into_tuple()
            .all(conn)
            .await?;
        for (f, n) in rows {
            out.insert(FirmId(f), Ord::max(n, 0) as u64);
        }
    }
    Ok(out)
}

/// Number of blockages (open ones only, with `open`).
pub async fn count(conn: &impl ConnectionTrait, open: bool) -> Result<u64, StoreError> {
    let mut q = row::Entity::find();
    if open {
        q = q.filter(row::Column::IsOpen.eq(true));
    }
    Ok(q.count(conn).await?)
}
