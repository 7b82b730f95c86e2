//! The blockage steps: `reportBlockage`, `assignBlockage`, `startBlockage`, `resolveBlockage`,
//! `closeBlockage`, `reopenBlockage`, `rejectBlockage`, `markBlockageDuplicate`,
//! `commentOnBlockage`. Each follows the one mutation shape; who may take which step, and from
//! which state, is `linchpin_domain::blockage`; the priority is `linchpin_domain::triage`'s. Every
//! step is version-checked, lands in the timeline and the audit trail, and is announced on
//! `blockageEvents`.
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use linchpin_domain::blockage::{
    self as rules, BlockageAction as A, BlockageStatus as S, Desk, Details, DetailsInput, check_details, transition,
};
use linchpin_domain::triage::restarts_clock;
use linchpin_domain::{ErrorCode, FirmId, LinkId, Role, Uscc, ValidationError, Viewer};
use linchpin_store::blockage::{self as repo, BlockageRecord, EventAction, NewBlockage, Step};
use linchpin_store::whitelist::Actor;
use linchpin_store::{StoreError, accounts, firms, links};
use serde::Serialize;
use tracing::instrument;

use super::{FieldErrors, Outcome, Refusal, Write, payload, respond};
use crate::audit_log::Change;
use crate::blockage::{Blockage, BlockageKind, due_at, event, facts_for, stored_priority};
use crate::error::{ApiError, UserError, UserErrorCode};
use crate::guard::{self, require};
use crate::ids::{self, Kind};

/// A blockage as a firm, coordinator or bureau reports it. Give the fields of its kind only:
/// STAFF_ACCESS needs `workers` and `heldAt` (`closedLoop` optional); FREIGHT needs
/// `originRegion`, `destinationRegion` and `cargo` (`plates`, `counterpartUscc`, `supplyLinkId`
/// optional).
#[derive(InputObject, Debug)]
pub struct ReportBlockageInput {
    /// USCC of the affected firm.
    pub uscc: String,
    /// What is blocked.
    pub kind: BlockageKind,
    /// What happened (1 to 2,000 characters).
    pub description: String,
    /// STAFF_ACCESS: workers held back (1 to 1,000,000).
    pub workers: Option<i32>,
    /// STAFF_ACCESS: where they are held (1 to 200 characters).
    pub held_at: Option<String>,
    /// STAFF_ACCESS: whether the firm runs closed-loop production (闭环管理, 封闭作业); false when
    /// absent.
    pub closed_loop: Option<bool>,
    /// FREIGHT: GB/T 2260 code where the goods leave.
    pub origin_region: Option<String>,
    /// FREIGHT: GB/T 2260 code where they must arrive.
    pub destination_region: Option<String>,
    /// FREIGHT: what is carried (1 to 200 characters).
    pub cargo: Option<String>,
    /// FREIGHT: the vehicles' plate numbers (GA 36-2018, new-energy plates included; at most 50,
    /// distinct).
    #[graphql(default)]
    pub plates: Vec<String>,
    /// FREIGHT: USCC of the firm at the other end of the trip.
    pub counterpart_uscc: Option<String>,
    /// FREIGHT: global id of the supply link concerned; one of its ends must be the affected firm.
    pub supply_link_id: Option<ID>,
}

/// A step on a blockage: which, the version read, and why.
#[derive(InputObject, Debug)]
pub struct BlockageStepInput {
    /// Global id of the blockage.
    pub id: ID,
    /// The version the caller read.
    pub version: i32,
    /// Why (1 to 2,000 characters); kept in the timeline.
    pub comment: String,
}

/// Hands a blockage to a coordinator (交办).
#[derive(InputObject, Debug)]
pub struct AssignBlockageInput {
    /// Global id of the blockage.
    pub id: ID,
    /// The version the caller read.
    pub version: i32,
    /// Username of a COORDINATOR account whose jurisdiction covers one of the blockage's regions.
    pub assignee: String,
    /// Instructions (1 to 2,000 characters); kept in the timeline.
    pub comment: String,
}

/// Marks a blockage as the same as another.
#[derive(InputObject, Debug)]
pub struct MarkBlockageDuplicateInput {
    /// Global id of the blockage.
    pub id: ID,
    /// The version the caller read.
    pub version: i32,
    /// Global id of the original: another blockage the caller may see, not itself a duplicate.
    pub original_id: ID,
    /// Why (1 to 2,000 characters).
    pub comment: String,
}

/// A comment on a blockage (feedback, 反馈), by anyone who may see it.
#[derive(InputObject, Debug)]
pub struct CommentOnBlockageInput {
    /// Global id of the blockage.
    pub id: ID,
    /// The comment (1 to 2,000 characters).
    pub comment: String,
}

/// Result of a blockage step.
#[derive(SimpleObject, Default)]
pub struct BlockagePayload {
    /// The blockage after the step.
    pub blockage: Option<Blockage>,
    /// Why the step was not taken; empty on success.
    pub user_errors: Vec<UserError>,
}

payload!(BlockagePayload, blockage: Blockage);

fn not_found(field: &str) -> UserError {
    UserError {
        field: vec!["input".into(), field.into()],
        message: "no such blockage".into(),
        code: UserErrorCode::NotFound,
    }
}

fn audit_name(action: EventAction) -> &'static str {
    match action {
        EventAction::Report => "blockage.report",
        EventAction::Escalate => "blockage.escalate",
        EventAction::Comment => "blockage.comment",
        EventAction::Step(A::Assign) => "blockage.assign",
        EventAction::Step(A::Start) => "blockage.start",
        EventAction::Step(A::Resolve) => "blockage.resolve",
        EventAction::Step(A::Close) => "blockage.close",
        EventAction::Step(A::Reopen) => "blockage.reopen",
        EventAction::Step(A::Reject) => "blockage.reject",
        EventAction::Step(A::MarkDuplicate) => "blockage.mark_duplicate",
    }
}

/// What the audit trail keeps of a blockage.
#[derive(Serialize)]
struct Summary<'a> {
    firm: i64,
    kind: &'static str,
    status: &'static str,
    version: i32,
    assignee: Option<&'a str>,
    office_level: u8,
    priority: &'static str,
    comment: &'a str,
}

fn summary<'a>(b: &'a BlockageRecord, comment: &'a str) -> Summary<'a> {
    Summary {
        firm: b.firm_id.0,
        kind: b.kind().as_str(),
        status: b.status.as_str(),
        version: b.version,
        assignee: b.assignee.as_ref().map(|a| a.name.as_str()),
        office_level: b.level,
        priority: b.priority.level.as_str(),
        comment,
    }
}

fn change<'a>(
    action: EventAction,
    b: &BlockageRecord,
    before: Option<&'a Summary<'a>>,
    after: Option<&'a Summary<'a>>,
) -> Change<'a, Summary<'a>, Summary<'a>> {
    Change {
        action: audit_name(action),
        object_type: "blockage",
        object_id: ids::encode(Kind::Blockage, b.id).0,
        regions: b.regions().iter().map(|r| r.as_str().to_owned()).collect(),
        before,
        after,
    }
}

/// The checked parts of a report.
struct Parsed {
    uscc: Uscc,
    description: String,
    details: Details,
    counterpart: Option<Uscc>,
    link: Option<i64>,
}

fn parse_report(input: &ReportBlockageInput) -> Result<Parsed, FieldErrors> {
    let mut errors = FieldErrors::default();
    let uscc = errors.take("uscc", Uscc::parse(&input.uscc));
    let description = errors.take("description", rules::DESCRIPTION.clean(&input.description));
    let counterpart = input.counterpart_uscc.as_deref().map(|u| errors.take("counterpartUscc", Uscc::parse(u)));
    let link = match &input.supply_link_id {
        Some(id) => match ids::decode(Kind::SupplyLink, id) {
            Some(n) => Some(n),
            None => {
                errors.0.push(UserError::on(
                    "supplyLinkId",
                    ValidationError::new(ErrorCode::NotFound, "not the id of a supply link"),
                ));
                None
            }
        },
        None => None,
    };
    let kind: linchpin_domain::blockage::BlockageKind = input.kind.into();
    if kind != linchpin_domain::blockage::BlockageKind::Freight && (counterpart.is_some() || link.is_some()) {
        errors.0.push(UserError::on(
            "counterpartUscc",
            ValidationError::new(ErrorCode::InvalidValue, "a counterpart or supply link belongs to a FREIGHT blockage"),
        ));
    }
    let d = DetailsInput {
        workers: input.workers,
        held_at: input.held_at.as_deref(),
        closed_loop: input.closed_loop,
        origin: input.origin_region.as_deref(),
        destination: input.destination_region.as_deref(),
        cargo: input.cargo.as_deref(),
        plates: &input.plates,
    };
    let details = match check_details(kind, &d) {
        Ok(d) => Some(d),
        Err(list) => {
            errors.0.extend(list.into_iter().map(|(f, e)| UserError::on(&f, e)));
            None
        }
    };
    match (uscc, description, details) {
        (Some(uscc), Some(description), Some(details)) if errors.0.is_empty() => {
            Ok(Parsed { uscc, description, details, counterpart: counterpart.flatten(), link })
        }
        _ => Err(errors),
    }
}

async fn report(ctx: &Context<'_>, input: ReportBlockageInput) -> Outcome<Blockage> {
    let viewer = guard::viewer(ctx)?;
    let state = guard::state(ctx)?;
    let p = parse_report(&input)?;
    let now = state.clock.now();
    let w = Write::begin(ctx).await?;
    let Some(firm) = firms::find_by_uscc(w.txn(), p.uscc.as_str()).await? else {
        return Err(UserError::unknown_firm("uscc", &p.uscc).into());
    };
    if !viewer.can_report_blockage(firm.id, &firm.firm.region) {
        return Err(UserError::on(
            "uscc",
            ValidationError::new(
                ErrorCode::NotInJurisdiction,
                "a blockage is reported by the firm itself, or by a coordinator or bureau covering it",
            ),
        )
        .into());
    }
    let mut counterpart: Option<FirmId> = None;
    if let Some(u) = &p.counterpart {
        match firms::find_by_uscc(w.txn(), u.as_str()).await? {
            Some(c) if c.id != firm.id => counterpart = Some(c.id),
            Some(_) => {
                return Err(UserError::on(
                    "counterpartUscc",
                    ValidationError::new(ErrorCode::SelfLink, "the counterpart is the affected firm itself"),
                )
                .into());
            }
            None => return Err(UserError::unknown_firm("counterpartUscc", u).into()),
        }
    }
    if let Some(link_id) = p.link {
        let l = match links::get(w.txn(), LinkId(link_id)).await {
            Ok(l) => l,
            Err(StoreError::NotFound(_)) => {
                return Err(UserError::on(
                    "supplyLinkId",
                    ValidationError::new(ErrorCode::NotFound, "no such supply link"),
                )
                .into());
            }
            Err(e) => return Err(e.into()),
        };
        let other = if l.supplier_id == firm.id {
            l.customer_id
        } else if l.customer_id == firm.id {
            l.supplier_id
        } else {
            return Err(UserError::on(
                "supplyLinkId",
                ValidationError::new(ErrorCode::InvalidValue, "the affected firm is neither end of this supply link"),
            )
            .into());
        };
        if counterpart.is_some_and(|c| c != other) {
            return Err(UserError::on(
                "counterpartUscc",
                ValidationError::new(
                    ErrorCode::InvalidValue,
                    "the counterpart is not the other end of the supply link",
                ),
            )
            .into());
        }
        counterpart = Some(other);
    }
    let facts = facts_for(state, w.txn(), &[firm.id]).await?.remove(&firm.id).unwrap_or_default();
    let priority = stored_priority(facts, now);
    let due = due_at(state, S::Reported, &priority, 6, now);
    let new = NewBlockage {
        firm_id: firm.id,
        region: firm.firm.region.clone(),
        details: p.details,
        counterpart,
        link_id: p.link,
        description: p.description,
        reporter: Actor::of(viewer),
        priority,
        due_at: due,
        at: now,
    };
    let b = repo::insert(w.txn(), &new).await?;
    let after = summary(&b, &b.description);
    let ev = event(&b, EventAction::Report);
    w.commit(viewer, change(EventAction::Report, &b, None, Some(&after)), Some(ev)).await?;
    Ok(Blockage::new(b, now))
}

/// The blockage a step names, read inside the step's transaction.
async fn current(w: &Write, id: &ID) -> Outcome<BlockageRecord> {
    let id = ids::decode(Kind::Blockage, id).ok_or_else(|| not_found("id"))?;
    match repo::get(w.txn(), id).await {
        Ok(b) => Ok(b),
        Err(StoreError::NotFound(_)) => Err(not_found("id").into()),
        Err(e) => Err(e.into()),
    }
}

/// Whether `viewer` may take `action` on `b`: coordination steps by the offices leading it (and
/// the assignee, who keeps working it after an escalation); closing and reopening by the firm
/// or a covering bureau.
fn check_may(viewer: &Viewer, action: A, b: &BlockageRecord) -> Outcome<()> {
    let regions = b.regions();
    let desk = Desk { firm: b.firm_id, regions: &regions, level: b.level };
    let (role_may, may) = match action {
        A::Close | A::Reopen => {
            (matches!(viewer.role(), Role::Admin | Role::Bureau | Role::Enterprise), viewer.can_close_blockage(&desk))
        }
        A::Start | A::Resolve => (
            matches!(viewer.role(), Role::Admin | Role::Bureau | Role::Coordinator),
            viewer.can_coordinate_blockage(&desk)
                || b.assignee.as_ref().is_some_and(|a| a.account_id == Some(viewer.account_id)),
        ),
        A::Assign | A::Reject | A::MarkDuplicate => (
            matches!(viewer.role(), Role::Admin | Role::Bureau | Role::Coordinator),
            viewer.can_coordinate_blockage(&desk),
        ),
    };
    require(role_may)?;
    if !may {
        // whoever may not act learns only that, never what the blockage holds
        return Err(UserError::on(
            "id",
            ValidationError::new(
                ErrorCode::NotInJurisdiction,
                "the blockage is led by another office (its jurisdiction, or the level it was escalated to)",
            ),
        )
        .into());
    }
    Ok(())
}

/// A step as the mutations receive it.
struct StepRequest {
    id: ID,
    version: i32,
    comment: String,
    assignee: Option<String>,
    original: Option<ID>,
}

impl From<BlockageStepInput> for StepRequest {
    fn from(i: BlockageStepInput) -> Self {
        Self { id: i.id, version: i.version, comment: i.comment, assignee: None, original: None }
    }
}

/// Finds the coordinator `username` and checks that it may lead `b`.
async fn assignee(w: &Write, username: &str, b: &BlockageRecord) -> Outcome<Actor> {
    let refuse = |m: &str| Refusal::from(UserError::on("assignee", ValidationError::new(ErrorCode::InvalidValue, m)));
    let Some((acct, _)) = accounts::find(w.txn(), username.trim()).await? else {
        return Err(refuse("no account has this username"));
    };
    if acct.disabled || acct.binding.role() != Role::Coordinator {
        return Err(refuse("blockages are assigned to active COORDINATOR accounts"));
    }
    let regions = b.regions();
    let candidate = Viewer { account_id: acct.id, username: acct.username.clone(), binding: acct.binding, token_id: 0 };
    if !candidate.can_coordinate_blockage(&Desk { firm: b.firm_id, regions: &regions, level: b.level }) {
        return Err(Refusal::from(UserError::on(
            "assignee",
            ValidationError::new(
                ErrorCode::NotInJurisdiction,
                "the coordinator's jurisdiction does not cover the blockage at the level that leads it",
            ),
        )));
    }
    Ok(Actor { account_id: Some(acct.id), name: acct.username.as_str().to_owned() })
}

async fn step(ctx: &Context<'_>, req: StepRequest, action: A) -> Outcome<Blockage> {
    let viewer = guard::viewer(ctx)?;
    let state = guard::state(ctx)?;
    let mut errors = FieldErrors::default();
    let comment = errors.take("comment", rules::COMMENT.clean(&req.comment));
    let original = match &req.original {
        Some(id) => match ids::decode(Kind::Blockage, id) {
            Some(n) => Some(n),
            None => {
                errors.0.push(not_found("originalId"));
                None
            }
        },
        None => None,
    };
    let Some(comment) = comment else { return Err(errors.into()) };
    if !errors.0.is_empty() {
        return Err(errors.into());
    }
    let now = state.clock.now();
    let w = Write::begin(ctx).await?;
    let b = current(&w, &req.id).await?;
    if !crate::blockage::visible(viewer, &b) {
        return Err(not_found("id").into());
    }
    check_may(viewer, action, &b)?;
    if b.version != req.version {
        return Err(StoreError::VersionConflict { expected: req.version, current: b.version }.into());
    }
    let to = transition(b.status, action)?;
    let new_assignee = match (&req.assignee, action) {
        (Some(name), A::Assign) => Some(assignee(&w, name, &b).await?),
        _ => None,
    };
    if let Some(o) = original {
        let orig = match repo::get(w.txn(), o).await {
            Ok(orig) => orig,
            Err(StoreError::NotFound(_)) => return Err(not_found("originalId").into()),
            Err(e) => return Err(e.into()),
        };
        if orig.id == b.id || orig.status == S::Duplicate || !crate::blockage::visible(viewer, &orig) {
            return Err(UserError::on(
                "originalId",
                ValidationError::new(
                    ErrorCode::InvalidValue,
                    "the original must be another blockage you may see that is not itself a duplicate",
                ),
            )
            .into());
        }
    }
    let since = if restarts_clock(b.status, to) { now } else { b.sla_since };
    let step = Step {
        action: EventAction::Step(action),
        to,
        actor: Actor::of(viewer),
        comment,
        assignee: new_assignee,
        duplicate_of: original,
        level: b.level,
        sla_since: since,
        due_at: due_at(state, to, &b.priority, b.level, since),
        at: now,
    };
    let after = repo::advance(w.txn(), &b, req.version, &step).await?;
    let (bs, a) = (summary(&b, ""), summary(&after, &step.comment));
    let ev = event(&after, step.action);
    w.commit(viewer, change(step.action, &after, Some(&bs), Some(&a)), Some(ev)).await?;
    Ok(Blockage::new(after, now))
}

async fn comment(ctx: &Context<'_>, input: CommentOnBlockageInput) -> Outcome<Blockage> {
    let viewer = guard::viewer(ctx)?;
    let state = guard::state(ctx)?;
    let mut errors = FieldErrors::default();
    let Some(text) = errors.take("comment", rules::COMMENT.clean(&input.comment)) else {
        return Err(errors.into());
    };
    let now = state.clock.now();
    let w = Write::begin(ctx).await?;
    let b = current(&w, &input.id).await?;
    if !crate::blockage::visible(viewer, &b) {
        return Err(not_found("id").into());
    }
    repo::comment(w.txn(), b.id, &Actor::of(viewer), &text, now).await?;
    let after = summary(&b, &text);
    let ev = event(&b, EventAction::Comment);
    w.commit(viewer, change(EventAction::Comment, &b, None, Some(&after)), Some(ev)).await?;
    Ok(Blockage::new(b, now))
}

/// The blockage steps.
#[derive(Default)]
pub struct BlockageMutations;

/// The blockage steps (docs/blockages.md). Coordination (assign, start, resolve, reject, mark
/// duplicate) is for COORDINATOR and BUREAU accounts covering one of the blockage's regions at
/// the level leading it; closing (销号) and reopening for the affected firm's ENTERPRISE account
/// and covering bureaus. Other roles get FORBIDDEN. Expected refusals are `userErrors`:
/// NOT_IN_JURISDICTION, INVALID_TRANSITION, VERSION_CONFLICT, NOT_FOUND, INVALID_PLATE and the
/// field codes.
#[Object]
impl BlockageMutations {
    /// Reports a blockage of a firm: its own ENTERPRISE account, or a COORDINATOR or BUREAU
    /// covering it. Its priority is computed at once from the latest analysis, the whitelist and
    /// confirmed links; its SLA clock starts.
    #[instrument(skip_all)]
    async fn report_blockage(
        &self,
        ctx: &Context<'_>,
        input: ReportBlockageInput,
    ) -> Result<BlockagePayload, ApiError> {
        respond(report(ctx, input).await)
    }

    /// Hands a blockage to a coordinator (交办), or on to another: REPORTED, REOPENED, ASSIGNED or
    /// IN_PROGRESS → ASSIGNED. The first assignment starts the resolve clock; handing on does not
    /// reset it.
    #[instrument(skip_all)]
    async fn assign_blockage(
        &self,
        ctx: &Context<'_>,
        input: AssignBlockageInput,
    ) -> Result<BlockagePayload, ApiError> {
        let req = StepRequest {
            id: input.id,
            version: input.version,
            comment: input.comment,
            assignee: Some(input.assignee),
            original: None,
        };
        respond(step(ctx, req, A::Assign).await)
    }

    /// The coordinator starts work: ASSIGNED → IN_PROGRESS.
    #[instrument(skip_all)]
    async fn start_blockage(&self, ctx: &Context<'_>, input: BlockageStepInput) -> Result<BlockagePayload, ApiError> {
        respond(step(ctx, input.into(), A::Start).await)
    }

    /// The coordinator reports it solved (反馈): ASSIGNED or IN_PROGRESS → RESOLVED, waiting for
    /// the firm's confirmation.
    #[instrument(skip_all)]
    async fn resolve_blockage(&self, ctx: &Context<'_>, input: BlockageStepInput) -> Result<BlockagePayload, ApiError> {
        respond(step(ctx, input.into(), A::Resolve).await)
    }

    /// Confirms a RESOLVED blockage solved (销号): the affected firm, or a covering BUREAU.
    #[instrument(skip_all)]
    async fn close_blockage(&self, ctx: &Context<'_>, input: BlockageStepInput) -> Result<BlockagePayload, ApiError> {
        respond(step(ctx, input.into(), A::Close).await)
    }

    /// Puts a RESOLVED, CLOSED, REJECTED or DUPLICATE blockage back in the queue (REOPENED): the
    /// affected firm, or a covering BUREAU. The assign clock starts again.
    #[instrument(skip_all)]
    async fn reopen_blockage(&self, ctx: &Context<'_>, input: BlockageStepInput) -> Result<BlockagePayload, ApiError> {
        respond(step(ctx, input.into(), A::Reopen).await)
    }

    /// Refuses an open blockage as not one to coordinate (REJECTED), with the reason.
    #[instrument(skip_all)]
    async fn reject_blockage(&self, ctx: &Context<'_>, input: BlockageStepInput) -> Result<BlockagePayload, ApiError> {
        respond(step(ctx, input.into(), A::Reject).await)
    }

    /// Marks a REPORTED, ASSIGNED or REOPENED blockage as the same as `originalId` (DUPLICATE).
    #[instrument(skip_all)]
    async fn mark_blockage_duplicate(
        &self,
        ctx: &Context<'_>,
        input: MarkBlockageDuplicateInput,
    ) -> Result<BlockagePayload, ApiError> {
        let req = StepRequest {
            id: input.id,
            version: input.version,
            comment: input.comment,
            assignee: None,
            original: Some(input.original_id),
        };
        respond(step(ctx, req, A::MarkDuplicate).await)
    }

    /// Adds a comment to the timeline: anyone who may see the blockage. Takes no version (a
    /// comment never conflicts with a step).
    #[instrument(skip_all)]
    async fn comment_on_blockage(
        &self,
        ctx: &Context<'_>,
        input: CommentOnBlockageInput,
    ) -> Result<BlockagePayload, ApiError> {
        respond(comment(ctx, input).await)
    }
}
