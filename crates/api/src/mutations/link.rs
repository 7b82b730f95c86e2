//! `declareSupplyLink`, `confirmSupplyLink` and `removeSupplyLink`: an ENTERPRISE declares links
//! of its own firm, the other end confirms, either end removes; ADMIN may do all three.
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use linchpin_domain::{
    End, ErrorCode, FirmRecord, LinkDraft, LinkId, Product, Role, SupplyLinkRecord, Uscc, ValidationError, Value10kCny,
    Viewer,
};
use linchpin_store::links::{self, NewLink};
use linchpin_store::{ConnectionTrait, StoreError, firms};
use tracing::instrument;

use super::{FieldErrors, Outcome, Write, payload, respond};
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
            errors.0.push(UserError::on(
                field,
                ValidationError::new(ErrorCode::NotFound, format!("no firm with USCC {uscc} is registered")),
            ));
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
    Ok(SupplyLink(located.link))
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
    Ok(SupplyLink(located.link))
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
