//! The whitelist steps: `nominateFirm`, `recommendSupplier`, `startReview`, `approveEntry`,
//! `rejectEntry`, `suspendEntry`, `reinstateEntry`, `revokeEntry`, `renewEntry` and
//! `publishBatch`. Each follows the one mutation shape; who may take which step, and from which
//! state, is `linchpin_domain::whitelist`. Every step freezes the firm's current assessment into
//! the entry's history, is audited, and is announced on `whitelistChanged`.
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use linchpin_domain::whitelist::{
    self as rules, Evidence as DomainEvidence, Proposer, WhitelistAction as A, check_size, check_valid_until,
    transition,
};
use linchpin_domain::{ChainCode, ErrorCode, FirmRecord, Jurisdiction, LinkStatus, Role, Uscc, ValidationError};
use linchpin_store::whitelist::{self as repo, Actor, EntryRecord, NewEntry, Step};
use linchpin_store::{ConnectionTrait, StoreError, firms, links};
use serde::Serialize;
use tracing::instrument;

use super::{FieldErrors, Outcome, Refusal, Write, payload, respond};
use crate::audit_log::Change;
use crate::error::{ApiError, UserError, UserErrorCode};
use crate::guard::{self, require};
use crate::ids::{self, Kind};
use crate::whitelist::{WhitelistBatch, WhitelistEntry, basis_now, batch_event, entry_event, expire_in};

/// A named reference: a commitment letter, a production plan (一企一案), by document number or
/// address.
#[derive(InputObject, Debug)]
pub struct EvidenceInput {
    /// What it is (1 to 200 characters).
    pub title: String,
    /// Where to find it: a document number or an address (1 to 500 characters).
    pub reference: String,
}

/// A bureau's nomination of a firm for one chain's whitelist.
#[derive(InputObject, Debug)]
pub struct NominateFirmInput {
    /// USCC of the firm.
    pub uscc: String,
    /// Chain code; the firm must be on the chain.
    pub chain: String,
    /// Why (1 to 2,000 characters).
    pub justification: String,
    /// Supporting references (at most 20).
    #[graphql(default)]
    pub evidence: Vec<EvidenceInput>,
    /// Required for a LARGE or UNKNOWN-size firm: why it belongs on a list of SMEs.
    pub size_override_reason: Option<String>,
}

/// A chain leader's recommendation of one of its suppliers (携手行动).
#[derive(InputObject, Debug)]
pub struct RecommendSupplierInput {
    /// USCC of the supplier; it must supply the caller's firm through a CONFIRMED link.
    pub supplier_uscc: String,
    /// Chain code; the supplier must be on the chain.
    pub chain: String,
    /// Why (1 to 2,000 characters).
    pub justification: String,
    /// Supporting references (at most 20).
    #[graphql(default)]
    pub evidence: Vec<EvidenceInput>,
    /// Required for a LARGE or UNKNOWN-size supplier.
    pub size_override_reason: Option<String>,
}

/// A step on an entry: which, the version read, and why.
#[derive(InputObject, Debug)]
pub struct WhitelistStepInput {
    /// Global id of the entry.
    pub id: ID,
    /// The version the caller read.
    pub version: i32,
    /// Why (1 to 2,000 characters); kept in the entry's history.
    pub comment: String,
}

/// A step that sets the validity (approve, renew).
#[derive(InputObject, Debug)]
pub struct WhitelistValidityInput {
    /// Global id of the entry.
    pub id: ID,
    /// The version the caller read.
    pub version: i32,
    /// Why (1 to 2,000 characters); kept in the entry's history.
    pub comment: String,
    /// End of validity: in the future, at most five years ahead.
    pub valid_until: DateTime<Utc>,
}

/// The approved, unpublished entries of one province to publish as its next batch.
#[derive(InputObject, Debug)]
pub struct PublishBatchInput {
    /// The province's 2-digit prefix.
    pub province_prefix: String,
    /// Only entries of this chain (every chain when absent).
    pub chain: Option<String>,
    /// Title of the batch, e.g. 浙江省重点产业链供应链白名单（第一批） (1 to 200 characters).
    pub title: String,
}

/// Result of a whitelist step.
#[derive(SimpleObject, Debug, Default)]
pub struct WhitelistEntryPayload {
    /// The entry after the step.
    pub entry: Option<WhitelistEntry>,
    /// Why the step was not taken; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Result of `publishBatch`.
#[derive(SimpleObject, Debug, Default)]
pub struct PublishBatchPayload {
    /// The published batch.
    pub batch: Option<WhitelistBatch>,
    /// Why nothing was published; empty on success.
    pub user_errors: Vec<UserError>,
}

payload!(WhitelistEntryPayload, entry: WhitelistEntry);
payload!(PublishBatchPayload, batch: WhitelistBatch);

impl From<ValidationError> for Refusal {
    fn from(e: ValidationError) -> Self {
        UserError::general(e.code.into(), e.message).into()
    }
}

fn not_found() -> UserError {
    UserError {
        field: vec!["input".into(), "id".into()],
        message: "no such whitelist entry".into(),
        code: UserErrorCode::NotFound,
    }
}

/// What the audit trail keeps of an entry.
#[derive(Serialize)]
struct Summary<'a> {
    firm: i64,
    chain: &'a str,
    status: &'static str,
    version: i32,
    valid_until: Option<DateTime<Utc>>,
    batch: Option<i64>,
    comment: &'a str,
}

fn summary<'a>(e: &'a EntryRecord, now: DateTime<Utc>, comment: &'a str) -> Summary<'a> {
    Summary {
        firm: e.firm_id.0,
        chain: e.chain.as_str(),
        status: e.status_at(now).as_str(),
        version: e.version,
        valid_until: e.valid_until,
        batch: e.batch_id,
        comment,
    }
}

fn change<'a>(
    action: A,
    entry: &EntryRecord,
    before: Option<&'a Summary<'a>>,
    after: Option<&'a Summary<'a>>,
) -> Change<'a, Summary<'a>, Summary<'a>> {
    Change {
        action: action.audit_name(),
        object_type: "whitelist_entry",
        object_id: ids::encode(Kind::WhitelistEntry, entry.id).0,
        regions: vec![entry.region.as_str().to_owned()],
        before,
        after,
    }
}

/// The checked parts of a nomination or recommendation.
struct Proposal {
    uscc: Uscc,
    chain: ChainCode,
    justification: String,
    evidence: Vec<DomainEvidence>,
}

fn parse_proposal(
    uscc_field: &str,
    uscc: &str,
    chain: &str,
    justification: &str,
    evidence: &[EvidenceInput],
) -> Result<Proposal, FieldErrors> {
    let mut errors = FieldErrors::default();
    let uscc = errors.take(uscc_field, Uscc::parse(uscc));
    let chain = errors.take("chain", ChainCode::parse(chain));
    let justification = errors.take("justification", rules::JUSTIFICATION.clean(justification));
    if evidence.len() > rules::MAX_EVIDENCE {
        errors.0.push(UserError::on(
            "evidence",
            ValidationError::new(ErrorCode::OutOfRange, format!("at most {} evidence items", rules::MAX_EVIDENCE)),
        ));
    }
    let evidence: Vec<DomainEvidence> = evidence
        .iter()
        .enumerate()
        .filter_map(|(i, e)| errors.take(&format!("evidence.{i}"), DomainEvidence::parse(&e.title, &e.reference)))
        .collect();
    match (uscc, chain, justification) {
        (Some(uscc), Some(chain), Some(justification)) if errors.0.is_empty() => {
            Ok(Proposal { uscc, chain, justification, evidence })
        }
        _ => Err(errors),
    }
}

/// The firm a proposal names, on its chain, with the size rule applied.
async fn proposed_firm(
    conn: &impl ConnectionTrait,
    uscc_field: &str,
    p: &Proposal,
    size_override: Option<&str>,
) -> Outcome<(FirmRecord, Option<String>)> {
    let Some(firm) = firms::find_by_uscc(conn, p.uscc.as_str()).await? else {
        return Err(UserError::unknown_firm(uscc_field, &p.uscc).into());
    };
    if firm.verification == linchpin_domain::Verification::Pending {
        return Err(UserError::on(
            uscc_field,
            ValidationError::new(
                ErrorCode::InvalidState,
                "the firm came from a supplier list and awaits a bureau's verification (verifyFirm)",
            ),
        )
        .into());
    }
    if !firm.firm.chains.contains(&p.chain) {
        return Err(UserError::on(
            "chain",
            ValidationError::new(ErrorCode::NotOnChain, format!("the firm is not on chain {}", p.chain.as_str())),
        )
        .into());
    }
    let reason = check_size(firm.size_class, size_override)
        .map_err(|e| Refusal::from(UserError::on("sizeOverrideReason", e)))?;
    Ok((firm, reason))
}

/// Creates the entry, first closing an entry of the same firm and chain that is past its
/// validity (so its slot is free even before the expiry job has run).
async fn create(w: &Write, new: NewEntry) -> Outcome<EntryRecord> {
    for stale in repo::due_for_expiry(w.txn(), new.at, Some((new.firm_id, &new.chain)), 1).await? {
        expire_in(w.txn(), &stale, new.at).await?;
    }
    repo::insert(w.txn(), &new).await.map_err(|e| Refusal::from(e).blame(UserErrorCode::Duplicate, "chain"))
}

async fn nominate(ctx: &Context<'_>, input: NominateFirmInput) -> Outcome<WhitelistEntry> {
    let viewer = guard::viewer(ctx)?;
    require(viewer.role() == Role::Bureau)?;
    let state = guard::state(ctx)?;
    let p = parse_proposal("uscc", &input.uscc, &input.chain, &input.justification, &input.evidence)?;
    let now = state.clock.now();
    let w = Write::begin(ctx).await?;
    let (firm, size_override_reason) =
        proposed_firm(w.txn(), "uscc", &p, input.size_override_reason.as_deref()).await?;
    viewer.check_nominate(&firm.firm.region).map_err(|e| Refusal::from(UserError::on("uscc", e)))?;
    let level = viewer.binding.jurisdiction().map(|j| rules::level(j.as_str()));
    let new = NewEntry {
        firm_id: firm.id,
        chain: p.chain,
        region: firm.firm.region.clone(),
        proposer: Proposer { account_id: viewer.account_id, level },
        actor: Actor::of(viewer),
        action: A::Nominate,
        recommender: None,
        justification: p.justification,
        evidence: p.evidence,
        size_override_reason,
        basis: basis_now(w.txn(), firm.id).await?,
        at: now,
    };
    let entry = create(&w, new).await?;
    let after = summary(&entry, now, &entry.justification);
    let event = entry_event(&entry, A::Nominate, now);
    w.commit(viewer, change(A::Nominate, &entry, None, Some(&after)), Some(event)).await?;
    Ok(WhitelistEntry::new(entry, now))
}

async fn recommend(ctx: &Context<'_>, input: RecommendSupplierInput) -> Outcome<WhitelistEntry> {
    let viewer = guard::viewer(ctx)?;
    require(viewer.role() == Role::Enterprise)?;
    let state = guard::state(ctx)?;
    let own_id = viewer.binding.firm().ok_or(ApiError::Forbidden)?;
    let p = parse_proposal("supplierUscc", &input.supplier_uscc, &input.chain, &input.justification, &input.evidence)?;
    let now = state.clock.now();
    let w = Write::begin(ctx).await?;
    let own = firms::get(w.txn(), own_id).await?;
    require(viewer.may_recommend(own.size_class))?;
    let (supplier, size_override_reason) =
        proposed_firm(w.txn(), "supplierUscc", &p, input.size_override_reason.as_deref()).await?;
    if !links::supplies(w.txn(), supplier.id, own.id, LinkStatus::Confirmed).await? {
        return Err(UserError::on(
            "supplierUscc",
            ValidationError::new(
                ErrorCode::NotASupplier,
                "the firm does not supply your firm through a confirmed link: declare the link and have the supplier confirm it first",
            ),
        )
        .into());
    }
    let new = NewEntry {
        firm_id: supplier.id,
        chain: p.chain,
        region: supplier.firm.region.clone(),
        proposer: Proposer { account_id: viewer.account_id, level: None },
        actor: Actor::of(viewer),
        action: A::Recommend,
        recommender: Some(own.id),
        justification: p.justification,
        evidence: p.evidence,
        size_override_reason,
        basis: basis_now(w.txn(), supplier.id).await?,
        at: now,
    };
    let entry = create(&w, new).await?;
    let after = summary(&entry, now, &entry.justification);
    let event = entry_event(&entry, A::Recommend, now);
    w.commit(viewer, change(A::Recommend, &entry, None, Some(&after)), Some(event)).await?;
    Ok(WhitelistEntry::new(entry, now))
}

/// An entry step as the mutations receive it.
struct StepRequest {
    id: ID,
    version: i32,
    comment: String,
    valid_until: Option<DateTime<Utc>>,
}

impl From<WhitelistStepInput> for StepRequest {
    fn from(i: WhitelistStepInput) -> Self {
        Self { id: i.id, version: i.version, comment: i.comment, valid_until: None }
    }
}

impl From<WhitelistValidityInput> for StepRequest {
    fn from(i: WhitelistValidityInput) -> Self {
        Self { id: i.id, version: i.version, comment: i.comment, valid_until: Some(i.valid_until) }
    }
}

/// Takes `action` on an entry: a covering BUREAU at the nominator's level or above (and, to
/// approve or renew, not the proposer), from a state that allows it, at the version read.
async fn step(ctx: &Context<'_>, req: StepRequest, action: A) -> Outcome<WhitelistEntry> {
    let viewer = guard::viewer(ctx)?;
    require(viewer.role() == Role::Bureau)?;
    let state = guard::state(ctx)?;
    let id = ids::decode(Kind::WhitelistEntry, &req.id).ok_or_else(not_found)?;
    let now = state.clock.now();
    let mut errors = FieldErrors::default();
    let comment = errors.take("comment", rules::COMMENT.clean(&req.comment));
    let valid_until = match req.valid_until {
        Some(t) if action.needs_valid_until() => {
            errors.take("validUntil", check_valid_until(t.timestamp(), now.timestamp()).map(|_| t))
        }
        _ => None,
    };
    let Some(comment) = comment else { return Err(errors.into()) };
    if !errors.0.is_empty() {
        return Err(errors.into());
    }
    let w = Write::begin(ctx).await?;
    let current = match repo::get(w.txn(), id).await {
        Ok(e) => e,
        Err(StoreError::NotFound(_)) => return Err(not_found().into()),
        Err(e) => return Err(e.into()),
    };
    // a bureau outside the firm's jurisdiction learns only that it may not decide (whether or not
    // it may see the entry), never what the entry holds
    viewer.check_decide(action, &current.region, current.proposer)?;
    if current.version != req.version {
        return Err(StoreError::VersionConflict { expected: req.version, current: current.version }.into());
    }
    let to = transition(current.status_at(now), action)?;
    let step = Step {
        action,
        to,
        actor: Actor::of(viewer),
        comment,
        valid_until,
        basis: basis_now(w.txn(), current.firm_id).await?,
        replaces_basis: matches!(action, A::Approve | A::Renew),
        at: now,
    };
    let after = repo::advance(w.txn(), &current, req.version, &step).await?;
    let (b, a) = (summary(&current, now, ""), summary(&after, now, &step.comment));
    let event = entry_event(&after, action, now);
    w.commit(viewer, change(action, &after, Some(&b), Some(&a)), Some(event)).await?;
    Ok(WhitelistEntry::new(after, now))
}

async fn publish(ctx: &Context<'_>, input: PublishBatchInput) -> Outcome<WhitelistBatch> {
    let viewer = guard::viewer(ctx)?;
    require(viewer.role() == Role::Bureau)?;
    let state = guard::state(ctx)?;
    let mut errors = FieldErrors::default();
    let province = errors.take(
        "provincePrefix",
        Jurisdiction::parse(&input.province_prefix).and_then(|j| {
            if j.as_str().len() == 2 {
                Ok(j)
            } else {
                Err(ValidationError::new(ErrorCode::InvalidRegion, "batches are per province: give its 2-digit prefix"))
            }
        }),
    );
    let chain = input.chain.as_deref().map(|c| errors.take("chain", ChainCode::parse(c)));
    let title = errors.take("title", rules::BATCH_TITLE.clean(&input.title));
    let (Some(province), Some(title)) = (province, title) else { return Err(errors.into()) };
    if !errors.0.is_empty() {
        return Err(errors.into());
    }
    let chain = chain.flatten();
    viewer.check_publish(province.as_str()).map_err(|e| Refusal::from(UserError::on("provincePrefix", e)))?;
    let now = state.clock.now();
    let w = Write::begin(ctx).await?;
    let (batch, entries) =
        repo::publish(w.txn(), province.as_str(), chain.as_ref(), &title, &Actor::of(viewer), now).await?;
    #[derive(Serialize)]
    struct Published<'a> {
        province: &'a str,
        number: i32,
        title: &'a str,
        chain: Option<&'a str>,
        entries: Vec<i64>,
    }
    let after = Published {
        province: &batch.province,
        number: batch.number,
        title: &batch.title,
        chain: batch.chain.as_ref().map(ChainCode::as_str),
        entries: entries.iter().map(|e| e.id).collect(),
    };
    let audit = Change {
        action: A::Publish.audit_name(),
        object_type: "whitelist_batch",
        object_id: ids::encode(Kind::WhitelistBatch, batch.id).0,
        regions: vec![batch.province.clone()],
        before: None::<&()>,
        after: Some(&after),
    };
    let event = batch_event(&batch);
    w.commit(viewer, audit, Some(event)).await?;
    Ok(WhitelistBatch(batch))
}

/// The whitelist steps.
#[derive(Default)]
pub struct WhitelistMutations;

/// The whitelist steps. Nominations and decisions are BUREAU's, recommendations a LARGE firm's
/// ENTERPRISE's; other roles get FORBIDDEN. Expected refusals are `userErrors`:
/// NOT_IN_JURISDICTION, LEVEL_TOO_LOW, FOUR_EYES, INVALID_TRANSITION, NOT_A_SUPPLIER,
/// SIZE_OVERRIDE_REQUIRED, NOT_ON_CHAIN, DUPLICATE (an open entry exists), VERSION_CONFLICT,
/// NOT_FOUND and the field codes.
#[Object]
impl WhitelistMutations {
    /// Nominates a firm of the caller's jurisdiction for one chain's whitelist; the firm's
    /// current assessment (reasons, numbers, rank) is attached. BUREAU only.
    #[instrument(skip_all)]
    async fn nominate_firm(
        &self,
        ctx: &Context<'_>,
        input: NominateFirmInput,
    ) -> Result<WhitelistEntryPayload, ApiError> {
        respond(nominate(ctx, input).await)
    }

    /// Recommends a supplier of the caller's LARGE firm (携手行动): it must supply the firm through
    /// a CONFIRMED link. The recommendation is a nomination for the supplier's bureaus to take up.
    #[instrument(skip_all)]
    async fn recommend_supplier(
        &self,
        ctx: &Context<'_>,
        input: RecommendSupplierInput,
    ) -> Result<WhitelistEntryPayload, ApiError> {
        respond(recommend(ctx, input).await)
    }

    /// Takes a NOMINATED entry up for review: a covering BUREAU at the nominator's level or above.
    #[instrument(skip_all)]
    async fn start_review(
        &self,
        ctx: &Context<'_>,
        input: WhitelistStepInput,
    ) -> Result<WhitelistEntryPayload, ApiError> {
        respond(step(ctx, input.into(), A::StartReview).await)
    }

    /// Approves an entry UNDER_REVIEW until `validUntil`: a covering BUREAU at the nominator's
    /// level or above, never the account that proposed it (FOUR_EYES).
    #[instrument(skip_all)]
    async fn approve_entry(
        &self,
        ctx: &Context<'_>,
        input: WhitelistValidityInput,
    ) -> Result<WhitelistEntryPayload, ApiError> {
        respond(step(ctx, input.into(), A::Approve).await)
    }

    /// Rejects an entry UNDER_REVIEW.
    #[instrument(skip_all)]
    async fn reject_entry(
        &self,
        ctx: &Context<'_>,
        input: WhitelistStepInput,
    ) -> Result<WhitelistEntryPayload, ApiError> {
        respond(step(ctx, input.into(), A::Reject).await)
    }

    /// Suspends an APPROVED entry.
    #[instrument(skip_all)]
    async fn suspend_entry(
        &self,
        ctx: &Context<'_>,
        input: WhitelistStepInput,
    ) -> Result<WhitelistEntryPayload, ApiError> {
        respond(step(ctx, input.into(), A::Suspend).await)
    }

    /// Puts a SUSPENDED entry back on the list (its validity unchanged).
    #[instrument(skip_all)]
    async fn reinstate_entry(
        &self,
        ctx: &Context<'_>,
        input: WhitelistStepInput,
    ) -> Result<WhitelistEntryPayload, ApiError> {
        respond(step(ctx, input.into(), A::Reinstate).await)
    }

    /// Revokes an APPROVED or SUSPENDED entry for good.
    #[instrument(skip_all)]
    async fn revoke_entry(
        &self,
        ctx: &Context<'_>,
        input: WhitelistStepInput,
    ) -> Result<WhitelistEntryPayload, ApiError> {
        respond(step(ctx, input.into(), A::Revoke).await)
    }

    /// Extends an APPROVED entry, or admits an EXPIRED one again, until `validUntil` (four eyes, as
    /// for approval).
    #[instrument(skip_all)]
    async fn renew_entry(
        &self,
        ctx: &Context<'_>,
        input: WhitelistValidityInput,
    ) -> Result<WhitelistEntryPayload, ApiError> {
        respond(step(ctx, input.into(), A::Renew).await)
    }

    /// Publishes the approved, unpublished entries of a province (of one chain, if given) as its
    /// next numbered batch (第N批), immutable once published: the province's own BUREAU. Fails with
    /// INVALID_STATE when no entry awaits publication.
    #[instrument(skip_all)]
    async fn publish_batch(
        &self,
        ctx: &Context<'_>,
        input: PublishBatchInput,
    ) -> Result<PublishBatchPayload, ApiError> {
        respond(publish(ctx, input).await)
    }
}
