//! `declareSupplyLink`, `confirmSupplyLink` and `removeSupplyLink`: an ENTERPRISE declares links
//! of its own firm, the other end confirms, either end removes; ADMIN may do all three.
//! `confirmSupplyLinks` and `rejectSupplyLinks` work through a supplier's inbox in bulk, with one
//! user error per refused id and the rest done.
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use linchpin_domain::{
    End, ErrorCode, FirmRecord, LinkDraft, LinkId, Product, Role, SupplyLinkRecord, Uscc, ValidationError, Value10kCny,
    Viewer,
};
use linchpin_store::links::{self, NewLink};
use linchpin_store::{ConnectionTrait, StoreError, firms};
use tracing::instrument;

use super::{FieldErrors, Outcome, Payload, Refusal, Write, payload, respond};
use crate::audit_log::Change;
use crate::error::{ApiError, UserError, UserErrorCode};
use crate::events::{NetworkEvent, NetworkEventKind};
use crate::guard::{self, require};
use crate::ids::{self, Kind};
use crate::types::link::{Essentiality, SupplyLink};

/// A supply link to declare: the supplier sells `product` to the customer.
#[derive(InputObject, Debug)]
pub struct DeclareSupplyLinkInput {
    /// USCC of the selling firm.
    pub supplier_uscc: String,
    /// USCC of the buying firm (must differ from the supplier).
    pub customer_uscc: String,
    /// What flows (1 to 200 characters).
    pub product: String,
    /// Annual value in 10,000 CNY, greater than 0.
    #[graphql(name = "annualValue10kCny")]
    pub annual_value_10k_cny: f64,
    /// How the customer depends on it.
    pub essentiality: Essentiality,
}

/// Result of `declareSupplyLink`.
#[derive(SimpleObject, Debug, Default)]
pub struct DeclareSupplyLinkPayload {
    /// The declared link.
    pub supply_link: Option<SupplyLink>,
    /// Why the link was not declared; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Names a link and the version the caller read.
#[derive(InputObject, Debug)]
pub struct ConfirmSupplyLinkInput {
    /// Global id of the link.
    pub id: ID,
    /// The version the caller read.
    pub version: i32,
}

/// Most links one bulk call takes.
pub const MAX_BULK: usize = 100;

/// Links to confirm in one call.
#[derive(InputObject, Debug)]
pub struct ConfirmSupplyLinksInput {
    /// Global ids of the links (1 to 100), e.g. from `viewer { pendingConfirmations }`.
    pub ids: Vec<ID>,
}

/// Links to reject in one call, and why.
#[derive(InputObject, Debug)]
pub struct RejectSupplyLinksInput {
    /// Global ids of the links (1 to 100).
    pub ids: Vec<ID>,
    /// Why they do not hold (1 to 500 characters); the declaring end sees it as `rejectionReason`.
    pub reason: String,
}

/// Result of a bulk step on links: those done, and one user error per refused id (its `field` is
/// `["input", "ids", "<position>"]`). A refused id changes nothing; the others are done.
#[derive(SimpleObject, Debug, Default)]
pub struct BulkSupplyLinksPayload {
    /// The links changed, in the order given.
    pub supply_links: Vec<SupplyLink>,
    /// Why some ids were refused (or, with no link changed, why the call was).
    pub user_errors: Vec<UserError>,
}

impl Payload for BulkSupplyLinksPayload {
    type Object = (Vec<SupplyLink>, Vec<UserError>);
    fn done((supply_links, user_errors): Self::Object) -> Self {
        Self { supply_links, user_errors }
    }
    fn refused(user_errors: Vec<UserError>) -> Self {
        Self { supply_links: Vec::new(), user_errors }
    }
}

/// Result of `confirmSupplyLink`.
#[derive(SimpleObject, Debug, Default)]
pub struct ConfirmSupplyLinkPayload {
    /// The confirmed link.
    pub supply_link: Option<SupplyLink>,
    /// Why the link was not confirmed; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Names a link to remove and the version the caller read.
#[derive(InputObject, Debug)]
pub struct RemoveSupplyLinkInput {
    /// Global id of the link.
    pub id: ID,
    /// The version the caller read.
    pub version: i32,
}

/// Result of `removeSupplyLink`.
#[derive(SimpleObject, Debug, Default)]
pub struct RemoveSupplyLinkPayload {
    /// Global id of the removed link.
    pub removed_supply_link_id: Option<ID>,
    /// Why the link was not removed; empty on success.
    pub user_errors: Vec<UserError>,
}

payload!(DeclareSupplyLinkPayload, supply_link: SupplyLink);
payload!(ConfirmSupplyLinkPayload, supply_link: SupplyLink);
payload!(RemoveSupplyLinkPayload, removed_supply_link_id: ID);

fn link_id(id: &ID) -> Result<LinkId, UserError> {
    ids::decode(Kind::SupplyLink, id).map(LinkId).ok_or_else(not_found)
}

fn not_found() -> UserError {
    UserError {
        field: vec!["input".into(), "id".into()],
        message: "no such supply link".into(),
        code: UserErrorCode::NotFound,
    }
}

/// A link with both ends loaded, as the rules need it.
struct Located {
    link: SupplyLinkRecord,
    supplier: FirmRecord,
    customer: FirmRecord,
}

impl Located {
    fn ends(&self) -> (End<'_>, End<'_>) {
        (
            End { firm: self.supplier.id, region: &self.supplier.firm.region },
            End { firm: self.customer.id, region: &self.customer.firm.region },
        )
    }

    fn change<'a, B: serde::Serialize, A: serde::Serialize>(
        &self,
        action: &'static str,
        before: Option<&'a B>,
        after: Option<&'a A>,
    ) -> Change<'a, B, A> {
        Change {
            action,
            object_type: "supply_link",
            object_id: ids::encode(Kind::SupplyLink, self.link.id.0).0,
            regions: vec![self.supplier.firm.region.as_str().to_owned(), self.customer.firm.region.as_str().to_owned()],
            before,
            after,
        }
    }

    fn event(&self, kind: NetworkEventKind) -> NetworkEvent {
        NetworkEvent::now(kind, Some(ids::encode(Kind::SupplyLink, self.link.id.0)))
            .about_link(&self.supplier, &self.customer)
    }
}

/// Loads a link the viewer may see; a hidden link is reported exactly like a missing one.
async fn locate(conn: &impl ConnectionTrait, viewer: &Viewer, id: LinkId) -> Outcome<Located> {
    let link = match links::get(conn, id).await {
        Ok(l) => l,
        Err(StoreError::NotFound(_)) => return Err(not_found().into()),
        Err(e) => return Err(e.into()),
    };
    let mut ends = firms::get_many(conn, &[link.supplier_id, link.customer_id]).await?;
    let (Some(supplier), Some(customer)) = (ends.remove(&link.supplier_id), ends.remove(&link.customer_id)) else {
        return Err(not_found().into());
    };
    let located = Located { link, supplier, customer };
    let (s, c) = located.ends();
    if !viewer.can_see_link(s, c) {
        return Err(not_found().into());
    }
    Ok(located)
}

impl DeclareSupplyLinkInput {
    /// The link to declare, or every field error.
    fn parse(&self) -> Result<LinkDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let supplier = errors.take("supplierUscc", Uscc::parse(&self.supplier_uscc));
        let customer = errors.take("customerUscc", Uscc::parse(&self.customer_uscc));
        let product = errors.take("product", Product::parse(&self.product));
        let value = errors.take("annualValue10kCny", Value10kCny::new(self.annual_value_10k_cny));
        let (Some(supplier), Some(customer), Some(product), Some(value)) = (supplier, customer, product, value) else {
            return Err(errors);
        };
        let draft =
            errors.take("customerUscc", LinkDraft::new(supplier, customer, product, value, self.essentiality.into()));
        draft.ok_or(errors)
    }
}

/// Both ends of a link to declare, read in `conn`; an unregistered end is a NOT_FOUND user error on
/// its field (both reported at once).
async fn ends_of(conn: &impl ConnectionTrait, draft: &LinkDraft) -> Outcome<(FirmRecord, FirmRecord)> {
    let supplier = firms::find_by_uscc(conn, draft.supplier().as_str()).await?;
    let customer = firms::find_by_uscc(conn, draft.customer().as_str()).await?;
    let mut errors = FieldErrors::default();
    for (field, uscc, found) in
        [("supplierUscc", draft.supplier(), supplier.is_some()), ("customerUscc", draft.customer(), customer.is_some())]
    {
        if !found {
            errors.0.push(UserError::unknown_firm(field, uscc));
        }
    }
    match (supplier, customer) {
        (Some(s), Some(c)) => Ok((s, c)),
        _ => Err(errors.into()),
    }
}

async fn declare(ctx: &Context<'_>, input: DeclareSupplyLinkInput) -> Outcome<SupplyLink> {
    let viewer = guard::viewer(ctx)?;
    require(matches!(viewer.role(), Role::Admin | Role::Enterprise))?;
    let draft = input.parse()?;
    let w = Write::begin(ctx).await?;
    let (supplier, customer) = ends_of(w.txn(), &draft).await?;
    let s_end = End { firm: supplier.id, region: &supplier.firm.region };
    let c_end = End { firm: customer.id, region: &customer.firm.region };
    require(viewer.can_declare_link(s_end, c_end))?;
    let new = NewLink {
        supplier_id: supplier.id,
        customer_id: customer.id,
        product: draft.product.clone(),
        annual_value: draft.annual_value,
        essentiality: draft.essentiality,
        declared_by: viewer.binding.firm(),
    };
    let link = links::insert(w.txn(), &new).await?;
    let located = Located { link, supplier, customer };
    let event = located.event(NetworkEventKind::LinkDeclared);
    w.commit(viewer, located.change("link.declare", None::<&()>, Some(&located.link)), Some(event)).await?;
    Ok(SupplyLink::of(located.link))
}

async fn confirm(ctx: &Context<'_>, input: ConfirmSupplyLinkInput) -> Outcome<SupplyLink> {
    let viewer = guard::viewer(ctx)?;
    require(matches!(viewer.role(), Role::Admin | Role::Enterprise))?;
    let id = link_id(&input.id)?;
    let w = Write::begin(ctx).await?;
    let mut located = locate(w.txn(), viewer, id).await?;
    let (s, c) = located.ends();
    require(viewer.can_confirm_link(s, c, located.link.declared_by))?;
    let before = std::mem::replace(&mut located.link, links::confirm(w.txn(), id, input.version).await?);
    let event = located.event(NetworkEventKind::LinkConfirmed);
    w.commit(viewer, located.change("link.confirm", Some(&before), Some(&located.link)), Some(event)).await?;
    Ok(SupplyLink::of(located.link))
}

async fn remove(ctx: &Context<'_>, input: RemoveSupplyLinkInput) -> Outcome<ID> {
    let viewer = guard::viewer(ctx)?;
    require(matches!(viewer.role(), Role::Admin | Role::Enterprise))?;
    let id = link_id(&input.id)?;
    let w = Write::begin(ctx).await?;
    let located = locate(w.txn(), viewer, id).await?;
    let (s, c) = located.ends();
    require(viewer.can_remove_link(s, c))?;
    links::remove(w.txn(), id, input.version).await?;
    let event = located.event(NetworkEventKind::LinkRemoved);
    w.commit(viewer, located.change("link.remove", Some(&located.link), None::<&()>), Some(event)).await?;
    Ok(input.id)
}

/// What a bulk call does to each link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bulk {
    Confirm,
    Reject,
}

/// One link of a bulk call, inside its transaction: located, allowed, changed.
async fn bulk_one(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    raw: &ID,
    bulk: Bulk,
    reason: &str,
) -> Outcome<(SupplyLinkRecord, Located)> {
    let id = link_id(raw)?;
    let mut located = locate(conn, viewer, id).await?;
    let (s, c) = located.ends();
    if !viewer.can_confirm_link(s, c, located.link.declared_by) {
        return Err(UserError::general(
            UserErrorCode::InvalidState,
            "your firm declared this link; it waits for the other end",
        )
        .into());
    }
    let version = located.link.version;
    let after = match bulk {
        Bulk::Confirm => links::confirm(conn, id, version).await?,
        Bulk::Reject => links::reject(conn, id, version, reason).await?,
    };
    let before = std::mem::replace(&mut located.link, after);
    Ok((before, located))
}

async fn bulk(
    ctx: &Context<'_>,
    ids: &[ID],
    bulk: Bulk,
    reason: Option<&str>,
) -> Outcome<(Vec<SupplyLink>, Vec<UserError>)> {
    let viewer = guard::viewer(ctx)?;
    require(matches!(viewer.role(), Role::Admin | Role::Enterprise))?;
    let mut errors = FieldErrors::default();
    if ids.is_empty() || ids.len() > MAX_BULK {
        errors.0.push(UserError::on(
            "ids",
            ValidationError::new(ErrorCode::OutOfRange, format!("give 1 to {MAX_BULK} ids, not {}", ids.len())),
        ));
    }
    let reason = match reason {
        Some(r) => errors.take("reason", linchpin_domain::REJECTION_REASON.clean(r)),
        None => Some(String::new()),
    };
    let Some(reason) = reason.filter(|_| errors.0.is_empty()) else { return Err(errors.into()) };
    let w = Write::begin(ctx).await?;
    let mut done: Vec<(SupplyLinkRecord, Located)> = Vec::new();
    let mut refused = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, raw) in ids.iter().enumerate() {
        let blame = |mut e: UserError| {
            e.field = vec!["input".into(), "ids".into(), i.to_string()];
            e
        };
        if !seen.insert(raw.as_str()) {
            refused.push(blame(UserError::general(UserErrorCode::Duplicate, "this id is listed twice")));
            continue;
        }
        match bulk_one(w.txn(), viewer, raw, bulk, &reason).await {
            Ok(pair) => done.push(pair),
            Err(Refusal::User(errs)) => refused.extend(errs.into_iter().map(blame)),
            Err(Refusal::Transport(e)) => return Err(e.into()),
        }
    }
    let (action, kind) = match bulk {
        Bulk::Confirm => ("link.confirm", NetworkEventKind::LinkConfirmed),
        Bulk::Reject => ("link.reject", NetworkEventKind::LinkRejected),
    };
    let changes = done.iter().map(|(before, l)| l.change(action, Some(before), Some(&l.link))).collect();
    let events = done.iter().map(|(_, l)| l.event(kind)).collect();
    w.commit_all(viewer, changes, events).await?;
    Ok((done.into_iter().map(|(_, l)| SupplyLink::of(l.link)).collect(), refused))
}

/// Mutations of supply links.
#[derive(Default)]
pub struct LinkMutations;

/// Mutations of supply links: an ENTERPRISE declares links of its own firm, the other end
/// confirms, either end removes; ADMIN may do all three. Other roles get FORBIDDEN.
#[Object]
impl LinkMutations {
    /// Declares that one firm supplies another. Fails with INVALID_USCC, NOT_FOUND (a firm is not
    /// registered), SELF_LINK, OUT_OF_RANGE (value not > 0), INVALID_TEXT or DUPLICATE (same
    /// supplier, customer and product).
    #[instrument(skip_all)]
    async fn declare_supply_link(
        &self,
        ctx: &Context<'_>,
        input: DeclareSupplyLinkInput,
    ) -> Result<DeclareSupplyLinkPayload, ApiError> {
        respond(declare(ctx, input).await)
    }

    /// Confirms a declared link if `version` is still current: the end that did not declare it,
    /// or ADMIN. Fails with NOT_FOUND, VERSION_CONFLICT or INVALID_STATE (already confirmed).
    #[instrument(skip_all)]
    async fn confirm_supply_link(
        &self,
        ctx: &Context<'_>,
        input: ConfirmSupplyLinkInput,
    ) -> Result<ConfirmSupplyLinkPayload, ApiError> {
        respond(confirm(ctx, input).await)
    }

    /// Confirms up to 100 DECLARED links at once, as they are now (no versions): for each, the
    /// end that did not declare it, or ADMIN. An id that names no link the caller may see is
    /// NOT_FOUND, a link already confirmed or rejected INVALID_STATE, one the caller's own firm
    /// declared INVALID_STATE; each refused id gets its own user error and the others are done.
    #[instrument(skip_all, fields(n = input.ids.len()))]
    async fn confirm_supply_links(
        &self,
        ctx: &Context<'_>,
        input: ConfirmSupplyLinksInput,
    ) -> Result<BulkSupplyLinksPayload, ApiError> {
        respond(bulk(ctx, &input.ids, Bulk::Confirm, None).await)
    }

    /// Rejects up to 100 DECLARED links at once with one reason: the same rules as
    /// `confirmSupplyLinks`. A rejected link stays visible to both ends with its
    /// `rejectionReason` and never enters an analysis; the declaring end removes it or declares
    /// it anew.
    #[instrument(skip_all, fields(n = input.ids.len()))]
    async fn reject_supply_links(
        &self,
        ctx: &Context<'_>,
        input: RejectSupplyLinksInput,
    ) -> Result<BulkSupplyLinksPayload, ApiError> {
        respond(bulk(ctx, &input.ids, Bulk::Reject, Some(&input.reason)).await)
    }

    /// Removes a link if `version` is still current: either end, or ADMIN. Fails with NOT_FOUND
    /// or VERSION_CONFLICT.
    #[instrument(skip_all)]
    async fn remove_supply_link(
        &self,
        ctx: &Context<'_>,
        input: RemoveSupplyLinkInput,
    ) -> Result<RemoveSupplyLinkPayload, ApiError> {
        respond(remove(ctx, input).await)
    }
}
