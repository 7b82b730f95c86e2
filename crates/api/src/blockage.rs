//! The blockage ledger, read side: `Blockage` with its priority and timeline, the triage queue
//! `blockages`, the `blockageEvents` subscription, and the jobs the server runs on them (SLA
//! escalation, re-ranking when an analysis lands). The steps are in `mutations::blockage`; the
//! rules in `linchpin_domain::blockage` and `linchpin_domain::triage`.
//!
//! Visibility: the affected firm and, for FREIGHT, the counterpart; bureaus and coordinators whose
//! jurisdiction covers the firm or either end of the trip; admins.
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::connection::{Connection, CursorType};
use async_graphql::{Context, Enum, ID, InputObject, Object};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use linchpin_domain::blockage::{BlockageStatus as DomainStatus, Details, escalation_level};
use linchpin_domain::triage::{self, Facts, Stake};
use linchpin_domain::{FirmId, Jurisdiction, Role, Viewer};
use linchpin_store::blockage::{
    self as repo, BlockageQuery, BlockageRecord, Cursor, EventAction, EventRecord, Order, Scope, StoredPriority,
};
use linchpin_store::whitelist::Actor;
use linchpin_store::{ConnectionTrait, analysis, links};

use crate::connection::{BadCursor, DEFAULT_PAGE, MAX_PAGE, connection};
use crate::error::ApiError;
use crate::events::{BlockageNote, NetworkEvent, NetworkEventKind};
use crate::guard;
use crate::ids::{self, Kind};
use crate::state::ApiState;
use crate::types::assessment::Lang;
use crate::types::firm::Firm;

/// What is blocked.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "linchpin_domain::blockage::BlockageKind")]
pub enum BlockageKind {
    /// Staff cannot reach the factory (人员到厂难).
    StaffAccess,
    /// Materials or products cannot move (物料运输难).
    Freight,
    /// Anything else that stops production.
    Other,
}

/// Where a blockage stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "linchpin_domain::blockage::BlockageStatus")]
pub enum BlockageStatus {
    /// Reported, waiting for a coordinator.
    Reported,
    /// Handed to a coordinator (交办).
    Assigned,
    /// The coordinator is working on it.
    InProgress,
    /// Reported solved (反馈); waits for the firm's confirmation.
    Resolved,
    /// Confirmed solved (销号).
    Closed,
    /// Not a blockage Linchpin coordinates.
    Rejected,
    /// The same as another blockage (`duplicateOf`).
    Duplicate,
    /// Back in the queue after a resolution, closure or refusal that did not hold.
    Reopened,
}

/// Urgency class of a blockage; each has its own SLA.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "linchpin_domain::triage::PriorityLevel")]
pub enum PriorityLevel {
    /// Routine (一般).
    Low,
    /// Above the median firm (较急).
    Medium,
    /// Top tenth of firms by production at stake (紧急).
    High,
    /// Top hundredth (特急).
    Critical,
}

/// What a timeline entry records.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockageEventAction {
    /// Reported.
    Report,
    /// Handed to a coordinator.
    Assign,
    /// Work started.
    Start,
    /// Reported solved.
    Resolve,
    /// Confirmed solved.
    Close,
    /// Back into the queue.
    Reopen,
    /// Refused.
    Reject,
    /// Marked as the same as another.
    MarkDuplicate,
    /// Its SLA was breached; the parent jurisdiction leads it now.
    Escalate,
    /// A comment.
    Comment,
}

impl From<EventAction> for BlockageEventAction {
    fn from(a: EventAction) -> Self {
        use linchpin_domain::blockage::BlockageAction as A;
        match a {
            EventAction::Report => Self::Report,
            EventAction::Escalate => Self::Escalate,
            EventAction::Comment => Self::Comment,
            EventAction::Step(A::Assign) => Self::Assign,
            EventAction::Step(A::Start) => Self::Start,
            EventAction::Step(A::Resolve) => Self::Resolve,
            EventAction::Step(A::Close) => Self::Close,
            EventAction::Step(A::Reopen) => Self::Reopen,
            EventAction::Step(A::Reject) => Self::Reject,
            EventAction::Step(A::MarkDuplicate) => Self::MarkDuplicate,
        }
    }
}

/// The office level a prefix length names.
fn office(level: u8) -> &'static str {
    match level {
        6 => "COUNTY",
        4 => "CITY",
        2 => "PROVINCE",
        _ => "NATIONAL",
    }
}

/// Why a blockage stands where it does in the queue. Computed from the latest analysis, the
/// whitelist and confirmed links, never typed in (docs/blockages.md).
pub struct Priority {
    record: Arc<BlockageRecord>,
    now: DateTime<Utc>,
}

/// Why a blockage stands where it does in the queue: computed from the affected firm's output and
/// jobs at stake in the latest analysis, its whitelist status, whether it supplies a LARGE firm's
/// essential input, and how long it has waited. Never typed in.
#[Object]
impl Priority {
    /// The score now: stake (0–60), whitelist (20), LARGE customer (20), plus one point per six
    /// hours waited. The queue orders by it.
    async fn score(&self) -> f64 {
        let p = &self.record.priority;
        triage::score(p.points, self.record.reported_at.timestamp(), self.now.timestamp())
    }

    /// The urgency class, which sets the SLA.
    async fn level(&self) -> PriorityLevel {
        self.record.priority.level.into()
    }

    /// Why, in a sentence: Chinese by default, English with `lang: EN`.
    async fn explanation(&self, #[graphql(default)] lang: Lang) -> String {
        let waited = triage::waited_hours(self.record.reported_at.timestamp(), self.now.timestamp());
        let (zh, en) = triage::explain(&self.record.priority.facts, waited);
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// Output at stake when the firm stops, as a share of the network's output (latest analysis);
    /// null before one assessed the firm.
    async fn output_share(&self) -> Option<f64> {
        self.record.priority.facts.stake.map(|s| s.output_share)
    }

    /// Jobs at stake, as a share of the network's jobs.
    async fn jobs_share(&self) -> Option<f64> {
        self.record.priority.facts.stake.map(|s| s.jobs_share)
    }

    /// The firm's rank by production at stake as a percentile among all assessed firms (0–1; the
    /// higher of output and jobs).
    async fn percentile(&self) -> Option<f64> {
        self.record.priority.facts.stake.map(|s| s.output_percentile.max(s.jobs_percentile))
    }

    /// The firm has an APPROVED whitelist entry.
    async fn whitelisted(&self) -> bool {
        self.record.priority.facts.whitelisted
    }

    /// LARGE firms the firm supplies an essential input to through a CONFIRMED link.
    async fn large_customers(&self) -> i32 {
        i32::try_from(self.record.priority.facts.large_customers).unwrap_or(i32::MAX)
    }

    /// Hours since the report.
    async fn waited_hours(&self) -> f64 {
        triage::waited_hours(self.record.reported_at.timestamp(), self.now.timestamp())
    }

    /// The analysis run the stake comes from.
    async fn analysis_run_id(&self) -> Option<ID> {
        self.record.priority.facts.run.map(|r| ids::encode(Kind::AnalysisRun, r))
    }
}

/// One entry of a blockage's timeline.
pub struct BlockageEvent(pub EventRecord);

/// One entry of a blockage's timeline: a step, an escalation or a comment.
#[Object]
impl BlockageEvent {
    /// What happened.
    async fn action(&self) -> BlockageEventAction {
        self.0.action.into()
    }

    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// The acting account's username, or `system` for the escalation job.
    async fn actor(&self) -> &str {
        &self.0.actor.name
    }

    /// Status before (null for the report and comments).
    async fn from_status(&self) -> Option<BlockageStatus> {
        self.0.from.map(Into::into)
    }

    /// Status after (null for comments).
    async fn to_status(&self) -> Option<BlockageStatus> {
        self.0.to.map(Into::into)
    }

    /// The comment, or why the step was taken (the description for the report).
    async fn comment(&self) -> &str {
        &self.0.comment
    }

    /// ASSIGN: the coordinator it was handed to.
    async fn assignee(&self) -> Option<&str> {
        self.0.assignee.as_deref()
    }

    /// ESCALATE (and the report): the office that leads it from then on: COUNTY, CITY, PROVINCE or
    /// NATIONAL.
    async fn office(&self) -> Option<&'static str> {
        self.0.level.map(office)
    }
}

/// A staff or freight blockage that stops a firm's production.
#[derive(Clone)]
pub struct Blockage {
    pub(crate) record: Arc<BlockageRecord>,
    pub(crate) now: DateTime<Utc>,
}

impl Blockage {
    pub(crate) fn new(record: BlockageRecord, now: DateTime<Utc>) -> Self {
        Self { record: Arc::new(record), now }
    }
}

/// A staff or freight blockage (人员到厂难、物料运输难) that stops a firm's production: who is
/// affected, where it stands, who leads it, why it ranks where it does, and everything that
/// happened to it. Pass `version` back to every step.
#[Object]
impl Blockage {
    /// Opaque global id (`node(id:)` resolves it).
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Blockage, self.record.id)
    }

    /// What is blocked.
    async fn kind(&self) -> BlockageKind {
        self.record.kind().into()
    }

    /// Where it stands.
    async fn status(&self) -> BlockageStatus {
        self.record.status.into()
    }

    /// Optimistic-concurrency version: pass it back to the next step.
    async fn version(&self) -> i32 {
        self.record.version
    }

    /// The affected firm.
    async fn firm(&self, ctx: &Context<'_>) -> Result<Firm, ApiError> {
        crate::loaders::firm(ctx, self.record.firm_id).await
    }

    /// The affected firm's region code when reported.
    async fn region_code(&self) -> &str {
        self.record.region.as_str()
    }

    /// What happened, as reported.
    async fn description(&self) -> &str {
        &self.record.description
    }

    /// FREIGHT: the firm at the other end of the trip (null when not named).
    async fn counterpart(&self, ctx: &Context<'_>) -> Result<Option<Firm>, ApiError> {
        match self.record.counterpart {
            Some(f) => Ok(Some(crate::loaders::firm(ctx, f).await?)),
            None => Ok(None),
        }
    }

    /// FREIGHT: global id of the supply link concerned (null when not named).
    async fn supply_link_id(&self) -> Option<ID> {
        self.record.link_id.map(|l| ids::encode(Kind::SupplyLink, l))
    }

    /// FREIGHT: where the goods leave (region code).
    async fn origin_region(&self) -> Option<&str> {
        match &self.record.details {
            Details::Freight { origin, .. } => Some(origin.as_str()),
            _ => None,
        }
    }

    /// FREIGHT: where they must arrive (region code).
    async fn destination_region(&self) -> Option<&str> {
        match &self.record.details {
            Details::Freight { destination, .. } => Some(destination.as_str()),
            _ => None,
        }
    }

    /// FREIGHT: what is carried.
    async fn cargo(&self) -> Option<&str> {
        match &self.record.details {
            Details::Freight { cargo, .. } => Some(cargo.as_str()),
            _ => None,
        }
    }

    /// FREIGHT: the vehicles' plate numbers, canonical (`浙A12345`, new-energy `浙AD12345`).
    async fn plates(&self) -> Vec<&str> {
        match &self.record.details {
            Details::Freight { plates, .. } => plates.iter().map(|p| p.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// STAFF_ACCESS: workers held back.
    async fn workers(&self) -> Option<i32> {
        match &self.record.details {
            Details::StaffAccess { workers, .. } => Some(*workers),
            _ => None,
        }
    }

    /// STAFF_ACCESS: where they are held.
    async fn held_at(&self) -> Option<&str> {
        match &self.record.details {
            Details::StaffAccess { held_at, .. } => Some(held_at.as_str()),
            _ => None,
        }
    }

    /// STAFF_ACCESS: whether the firm runs closed-loop production (闭环管理, 封闭作业: staff live
    /// on site).
    async fn closed_loop(&self) -> Option<bool> {
        match &self.record.details {
            Details::StaffAccess { closed_loop, .. } => Some(*closed_loop),
            _ => None,
        }
    }

    /// The account that reported it.
    async fn reported_by(&self) -> &str {
        &self.record.reporter.name
    }

    /// When it was reported.
    async fn reported_at(&self) -> DateTime<Utc> {
        self.record.reported_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.record.updated_at
    }

    /// The coordinator it is assigned to (username).
    async fn assignee(&self) -> Option<&str> {
        self.record.assignee.as_ref().map(|a| a.name.as_str())
    }

    /// The office that leads it: COUNTY, CITY, PROVINCE or NATIONAL (raised by escalation).
    async fn office(&self) -> &'static str {
        office(self.record.level)
    }

    /// When its SLA is breached (null when none runs: resolved, closed, refused, or already at
    /// national level).
    async fn due_at(&self) -> Option<DateTime<Utc>> {
        self.record.due_at
    }

    /// Whether the SLA is breached now (the escalation job acts on it within its round).
    async fn overdue(&self) -> bool {
        self.record.due_at.is_some_and(|d| d <= self.now)
    }

    /// DUPLICATE: the original blockage.
    async fn duplicate_of(&self, ctx: &Context<'_>) -> Result<Option<Blockage>, ApiError> {
        let Some(id) = self.record.duplicate_of else { return Ok(None) };
        node(guard::state(ctx)?, guard::viewer(ctx)?, id).await
    }

    /// Why it ranks where it does.
    async fn priority(&self) -> Priority {
        Priority { record: Arc::clone(&self.record), now: self.now }
    }

    /// What happened to it, oldest first: the report, every step with who and why, escalations
    /// and comments; the last `last` entries (default 50, 1 to 200), so a blockage with many
    /// comments stays cheap. Loaded in one statement for a whole page.
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] last: i32,
    ) -> Result<Vec<BlockageEvent>, ApiError> {
        if !(1..=MAX_TIMELINE).contains(&last) {
            return Err(ApiError::Validation(format!("`last` must be 1 to {MAX_TIMELINE}")));
        }
        crate::loaders::blockage_timeline(ctx, self.record.id, last as u64).await
    }
}

/// Most timeline entries `Blockage.timeline` returns.
pub const MAX_TIMELINE: i32 = 200;

/// In which order `blockages` lists.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BlockageOrder {
    /// Most production at stake first (the priority score), then the newest.
    #[default]
    Priority,
    /// Newest report first.
    Newest,
}

/// Filters of `blockages`; every given filter must hold.
#[derive(InputObject, Debug, Default)]
pub struct BlockageFilter {
    /// Only these statuses; the open ones (REPORTED, ASSIGNED, IN_PROGRESS, REOPENED: the triage
    /// queue) when absent.
    pub status: Option<Vec<BlockageStatus>>,
    /// Only this kind.
    pub kind: Option<BlockageKind>,
    /// Only blockages concerning a region under this GB/T 2260 prefix (2, 4 or 6 digits): the
    /// firm's region, or a freight trip's origin or destination.
    pub region_prefix: Option<String>,
    /// Only those assigned to the caller.
    #[graphql(default)]
    pub assigned_to_me: bool,
}

/// An opaque cursor of the blockage listings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockageCursor(pub Cursor);

impl CursorType for BlockageCursor {
    type Error = BadCursor;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| BadCursor)?;
        let text = String::from_utf8(raw).map_err(|_| BadCursor)?;
        let rest = text.strip_prefix("blockage:").ok_or(BadCursor)?;
        let (bits, id) = rest.split_once(':').ok_or(BadCursor)?;
        let queue_key = f64::from_bits(bits.parse().map_err(|_| BadCursor)?);
        if !queue_key.is_finite() {
            return Err(BadCursor);
        }
        Ok(Self(Cursor { queue_key, id: id.parse().map_err(|_| BadCursor)? }))
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("blockage:{}:{}", self.0.queue_key.to_bits(), self.0.id))
    }
}

/// A page of blockages.
pub type BlockageConnection = Connection<BlockageCursor, Blockage>;

/// The store's visibility scope of `viewer`.
pub(crate) fn scope(viewer: &Viewer) -> Scope {
    match (viewer.role(), viewer.binding.jurisdiction(), viewer.binding.firm()) {
        (Role::Admin, _, _) => Scope::All,
        (Role::Bureau | Role::Coordinator, Some(j), _) => Scope::Jurisdiction(j.clone()),
        (_, _, Some(f)) => Scope::Firm(f),
        // an account bound to nothing sees nothing: a firm id no row has
        _ => Scope::Firm(FirmId(-1)),
    }
}

/// Whether `viewer` may see `b`.
pub(crate) fn visible(viewer: &Viewer, b: &BlockageRecord) -> bool {
    viewer.can_see_blockage(b.firm_id, b.counterpart, &b.regions())
}

/// `blockages`: the triage queue (or any listing) the viewer may see.
pub(crate) async fn list(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    filter: BlockageFilter,
    order: BlockageOrder,
    firm: Option<FirmId>,
) -> Result<BlockageConnection, ApiError> {
    let viewer = guard::viewer(ctx)?;
    let state = guard::state(ctx)?;
    let first = first.unwrap_or(DEFAULT_PAGE);
    if !(0..=MAX_PAGE).contains(&first) {
        return Err(ApiError::Validation(format!("`first` must be between 0 and {MAX_PAGE}, got {first}")));
    }
    let after = after
        .map(|a| BlockageCursor::decode_cursor(&a))
        .transpose()
        .map_err(|e| ApiError::Validation(e.to_string()))?
        .map(|c| c.0);
    let within = filter
        .region_prefix
        .as_deref()
        .map(Jurisdiction::parse)
        .transpose()
        .map_err(|e| ApiError::Validation(e.message))?;
    let q = BlockageQuery {
        scope: scope(viewer),
        statuses: filter.status.map(|s| s.into_iter().map(Into::into).collect()),
        kind: filter.kind.map(Into::into),
        within,
        assignee: filter.assigned_to_me.then_some(viewer.account_id),
        firm,
        order: match order {
            BlockageOrder::Priority => Order::Priority,
            BlockageOrder::Newest => Order::Newest,
        },
    };
    let now = state.clock.now();
    let page = match firm {
        // `Firm.blockages` under a list of firms: every firm's page in one statement
        Some(firm) => {
            let key = crate::loaders::FirmBlockagesKey {
                firm,
                query: BlockageQuery { firm: None, ..q },
                after: after.map(|c| (c.queue_key.to_bits(), c.id)),
                limit: first as u64,
            };
            crate::loaders::firm_blockages(ctx, key).await?
        }
        None => repo::list(state.store.db(), &q, after, first as u64).await?,
    };
    Ok(connection(
        page,
        after.is_some(),
        |b| BlockageCursor(Cursor { queue_key: b.priority.queue_key, id: b.id }),
        |b| Blockage::new(b, now),
    ))
}

/// The blockage `id` if `viewer` may see it.
pub(crate) async fn node(state: &ApiState, viewer: &Viewer, id: i64) -> Result<Option<Blockage>, ApiError> {
    match repo::get(state.store.db(), id).await {
        Ok(b) if visible(viewer, &b) => Ok(Some(Blockage::new(b, state.clock.now()))),
        Ok(_) | Err(linchpin_store::StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The event announcing `action` on `b`.
pub(crate) fn event(b: &BlockageRecord, action: EventAction) -> NetworkEvent {
    let mut e = NetworkEvent::now(NetworkEventKind::BlockageChanged, Some(ids::encode(Kind::Blockage, b.id)));
    e.blockage = Some(BlockageNote {
        id: b.id,
        firm: b.firm_id.0,
        counterpart: b.counterpart.map(|f| f.0),
        regions: b.regions().iter().map(|r| r.as_str().to_owned()).collect(),
        action: action.as_str().to_owned(),
        status: b.status.as_str().to_owned(),
    });
    e
}

/// A blockage change as a subscriber receives it.
pub struct BlockageChange {
    note: BlockageNote,
    at: DateTime<Utc>,
}

/// A blockage reported, moved, escalated or commented on.
#[Object]
impl BlockageChange {
    /// What happened.
    async fn action(&self) -> Option<BlockageEventAction> {
        EventAction::from_wire(&self.note.action).map(Into::into)
    }

    /// The status after the change.
    async fn status(&self) -> Option<BlockageStatus> {
        DomainStatus::from_wire(&self.note.status).map(Into::into)
    }

    /// The regions it concerns.
    async fn region_codes(&self) -> &[String] {
        &self.note.regions
    }

    /// When the change was committed.
    async fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// The blockage as it is when the change is delivered (null when the viewer may no longer
    /// see it).
    async fn blockage(&self, ctx: &Context<'_>) -> Result<Option<Blockage>, ApiError> {
        node(guard::state(ctx)?, guard::viewer(ctx)?, self.note.id).await
    }
}

/// The `blockageEvents` stream of the caller.
pub(crate) fn changes(
    ctx: &Context<'_>,
    region_prefix: Option<String>,
) -> Result<impl Stream<Item = BlockageChange> + use<>, ApiError> {
    let viewer = guard::viewer(ctx)?.clone();
    let state = guard::state(ctx)?;
    let prefix = guard::region_prefix(region_prefix.as_deref())?;
    Ok(state.events.subscribe().filter_map(move |e| {
        let change = e.blockage.filter(|n| n.visible_to(&viewer) && prefix.as_deref().is_none_or(|p| n.within(p)));
        std::future::ready(change.map(|note| BlockageChange { note, at: e.at }))
    }))
}

/// The stakes of one analysis run, sorted for percentiles.
#[derive(Debug, Default)]
pub struct StakeTable {
    run: i64,
    outputs: Vec<f64>,
    jobs: Vec<f64>,
    total_output: f64,
    total_jobs: f64,
    by_firm: HashMap<FirmId, (f64, f64)>,
}

impl StakeTable {
    fn stake(&self, firm: FirmId) -> Option<Stake> {
        let &(o, j) = self.by_firm.get(&firm)?;
        let share = |x: f64, total: f64| if total > 0.0 { (x / total).clamp(0.0, 1.0) } else { 0.0 };
        Some(Stake {
            output_share: share(o, self.total_output),
            jobs_share: share(j, self.total_jobs),
            output_percentile: triage::percentile(&self.outputs, o),
            jobs_percentile: triage::percentile(&self.jobs, j),
        })
    }
}

/// The stake table of the latest run, loaded once per run per replica.
#[derive(Debug, Default)]
pub struct StakeCache(tokio::sync::Mutex<Option<Arc<StakeTable>>>);

impl StakeCache {
    async fn latest(&self, conn: &impl ConnectionTrait) -> Result<Option<Arc<StakeTable>>, ApiError> {
        let Some(run) = analysis::latest_run(conn).await? else { return Ok(None) };
        let mut slot = self.0.lock().await;
        if let Some(t) = slot.as_ref().filter(|t| t.run == run.id) {
            return Ok(Some(Arc::clone(t)));
        }
        let rows = analysis::stakes(conn, run.id).await?;
        let mut t = StakeTable { run: run.id, ..StakeTable::default() };
        t.outputs.reserve(rows.len());
        t.jobs.reserve(rows.len());
        for (firm, [own_o, own_j, o, j]) in rows {
            t.total_output += own_o;
            t.total_jobs += own_j;
            t.outputs.push(o);
            t.jobs.push(j);
            t.by_firm.insert(firm, (o, j));
        }
        t.outputs.sort_by(f64::total_cmp);
        t.jobs.sort_by(f64::total_cmp);
        let t = Arc::new(t);
        *slot = Some(Arc::clone(&t));
        Ok(Some(t))
    }
}

/// The facts behind the priority of blockages of `firms` now (three statements, whatever the
/// number of firms).
pub(crate) async fn facts_for(
    state: &ApiState,
    conn: &impl ConnectionTrait,
    firms: &[FirmId],
) -> Result<HashMap<FirmId, Facts>, ApiError> {
    let table = state.stakes.latest(conn).await?;
    let approved = linchpin_store::whitelist::approved_firms(conn, firms, state.clock.now()).await?;
    let large = links::large_essential_customers(conn, firms).await?;
    Ok(firms
        .iter()
        .map(|&f| {
            let facts = Facts {
                run: table.as_ref().map(|t| t.run),
                stake: table.as_ref().and_then(|t| t.stake(f)),
                whitelisted: approved.contains(&f),
                large_customers: large.get(&f).copied().unwrap_or(0),
            };
            (f, facts)
        })
        .collect())
}

/// [`facts_for`] over the state's database (for tools that write blockages in bulk).
pub async fn facts_for_all(state: &ApiState, firms: &[FirmId]) -> Result<HashMap<FirmId, Facts>, ApiError> {
    facts_for(state, state.store.db(), firms).await
}

/// The global id of blockage `id`.
pub fn global_id(id: i64) -> String {
    ids::encode(Kind::Blockage, id).0
}

/// The stored priority of a blockage with `facts` reported at `reported_at`.
pub fn stored_priority(facts: Facts, reported_at: DateTime<Utc>) -> StoredPriority {
    let b = triage::base(&facts);
    StoredPriority {
        points: b.points,
        level: b.level,
        queue_key: triage::queue_key(b.points, reported_at.timestamp()),
        facts,
    }
}

/// When the SLA of a blockage in `status` at `level` breaches, from `since`; none at national
/// level (no office above to escalate to) or when no SLA runs.
pub fn due_at(
    state: &ApiState,
    status: DomainStatus,
    priority: &StoredPriority,
    office_level: u8,
    since: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    // no office above national to escalate to
    escalation_level(office_level)?;
    state.sla.due(status, priority.level, since.timestamp()).and_then(|t| DateTime::from_timestamp(t, 0))
}

/// Recomputes the priority of every open blockage (of `firm`, if given) from the latest
/// analysis, the whitelist and confirmed links; writes those that changed. Returns how many.
pub async fn rerank(state: &ApiState, firm: Option<FirmId>) -> Result<usize, ApiError> {
    let db = state.store.db();
    let items = repo::open_items(db, firm).await?;
    if items.is_empty() {
        return Ok(0);
    }
    let mut firms: Vec<FirmId> = items.iter().map(|i| i.firm_id).collect();
    firms.sort_unstable();
    firms.dedup();
    let facts = facts_for(state, db, &firms).await?;
    let txn = state.store.begin_write().await?;
    let mut changed = 0;
    for item in &items {
        let Some(f) = facts.get(&item.firm_id) else { continue };
        let json = serde_json::to_string(f).map_err(|e| ApiError::internal(&e))?;
        if json == item.facts {
            continue;
        }
        let p = stored_priority(f.clone(), item.reported_at);
        let due = due_at(state, item.status, &p, item.level, item.sla_since);
        repo::set_priority(&*txn, item.id, &p, due).await?;
        changed += 1;
    }
    txn.commit().await?;
    Ok(changed)
}

/// Most blockages one pass of the escalation job reads (it reads again until none is due).
const ESCALATION_BATCH: u64 = 200;

/// Escalates every open blockage whose SLA is breached to the parent jurisdiction's office, each
/// in its own version-checked step with a timeline entry, an audit record and an announcement.
/// Safe on several replicas at once: a blockage another replica escalated first is skipped, so
/// each breach escalates once. Returns how many this call escalated.
pub async fn escalate_due(state: &ApiState) -> Result<usize, ApiError> {
    let mut total = 0;
    loop {
        let now = state.clock.now();
        let due = repo::breached(state.store.db(), now, ESCALATION_BATCH).await?;
        if due.is_empty() {
            return Ok(total);
        }
        let n = due.len();
        let mut moved = 0;
        for b in due {
            if escalate_one(state, &b, now).await? {
                moved += 1;
            }
        }
        total += moved;
        // another writer took every one of them: let the next round look again
        if moved == 0 || (n as u64) < ESCALATION_BATCH {
            return Ok(total);
        }
    }
}

async fn escalate_one(state: &ApiState, b: &BlockageRecord, now: DateTime<Utc>) -> Result<bool, ApiError> {
    let Some(level) = escalation_level(b.level) else { return Ok(false) };
    let txn = state.store.begin_write().await?;
    let step = repo::Step {
        action: EventAction::Escalate,
        to: b.status,
        actor: Actor::system(),
        comment: format!(
            "超过时限，升级至上级 ({} → {}; SLA breached at {})",
            office(b.level),
            office(level),
            b.due_at.map(|d| d.to_rfc3339()).unwrap_or_default()
        ),
        assignee: None,
        duplicate_of: None,
        level,
        sla_since: now,
        due_at: due_at(state, b.status, &b.priority, level, now),
        at: now,
    };
    let after = match repo::advance(&*txn, b, b.version, &step).await {
        Ok(a) => a,
        Err(linchpin_store::StoreError::VersionConflict { .. }) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let change = crate::audit_log::Change {
        action: "blockage.escalate",
        object_type: "blockage",
        object_id: ids::encode(Kind::Blockage, b.id).0,
        regions: b.regions().iter().map(|r| r.as_str().to_owned()).collect(),
        before: Some(&serde_json::json!({"level": b.level, "version": b.version})),
        after: Some(&serde_json::json!({"level": after.level, "version": after.version})),
    };
    linchpin_store::audit::append(&*txn, crate::audit_log::job_event("escalation", change)?).await?;
    txn.commit().await?;
    state.announce(event(&after, EventAction::Escalate)).await;
    Ok(true)
}

/// Brings priorities up to date ([`rerank`]: whitelist and link changes since the last round)
/// and runs [`escalate_due`] every `every` for as long as the process lives. With several replicas
/// on one Redis, one takes each round (a lock held for the round); each blockage is escalated
/// once whichever replica reaches it.
pub fn spawn_escalation(state: ApiState, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !state.events.try_lock("blockage-escalation", every).await {
                continue;
            }
            if let Err(e) = rerank(&state, None).await {
                tracing::error!(error = ?e, "re-ranking blockages failed; retrying next round");
            }
            match escalate_due(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(blockages = n, "blockages escalated"),
                Err(e) => tracing::error!(error = ?e, "the escalation job failed; retrying next round"),
            }
        }
    })
}
