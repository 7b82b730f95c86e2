use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use linchpin_domain::{
    End, ErrorCode, FirmRecord, LinkDraft, LinkId, Product, Role, SupplyLinkRecord, Uscc, ValidationError, Value10kCny,
    Viewer,
};
use linchpin_store::links::{self, NewLink};
use linchpin_store::{ConnectionTrait, StoreError, TransactionTrait, firms};
use tracing::instrument;

use super::Errors;
use crate::audit_log::{self, Change};
use crate::error::{ApiError, UserError, UserErrorCode};
use crate::events::{NetworkEvent, NetworkEventKind};
use crate::guard::{self, require};
use crate::ids::{self, Kind};
use crate::schema::ApiState;
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

    fn regions(&self) -> Vec<String> {
        vec![self.supplier.firm.region.as_str().to_owned(), self.customer.firm.region.as_str().to_owned()]
    }

    fn event(&self, kind: NetworkEventKind) -> NetworkEvent {
        NetworkEvent::now(kind, Some(ids::encode(Kind::SupplyLink, self.link.id.0)))
            .about_link(&self.supplier, &self.customer)
    }
}

/// Loads a link the viewer may see; a hidden link is reported exactly like a missing one.
async fn locate(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: LinkId,
) -> Result<Result<Located, UserError>, ApiError> {
    let link = match links::get(conn, id).await {
        Ok(l) => l,
        Err(StoreError::NotFound(_)) => return Ok(Err(not_found())),
        Err(e) => return Err(e.into()),
    };
    let mut ends = firms::get_many(conn, &[link.supplier_id, link.customer_id]).await?;
    let (Some(supplier), Some(customer)) = (ends.remove(&link.supplier_id), ends.remove(&link.customer_id)) else {
        return Ok(Err(not_found()));
    };
    let located = Located { link, supplier, customer };
    let (s, c) = located.ends();
    if !viewer.can_see_link(s, c) {
        return Ok(Err(not_found()));
    }
    Ok(Ok(located))
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
    ) -> Result<DeclareSupplyLinkPayload> {
        let viewer = guard::viewer(ctx)?;
        require(matches!(viewer.role(), Role::Admin | Role::Enterprise))?;
        let state = ctx.data::<ApiState>()?;
        let fail = |user_errors| Ok(DeclareSupplyLinkPayload { supply_link: None, user_errors });
        let mut errors = Errors::default();
        let supplier = errors.take("supplierUscc", Uscc::parse(&input.supplier_uscc));
        let customer = errors.take("customerUscc", Uscc::parse(&input.customer_uscc));
        let product = errors.take("product", Product::parse(&input.product));
        let value = errors.take("annualValue10kCny", Value10kCny::new(input.annual_value_10k_cny));
        let (Some(supplier), Some(customer), Some(product), Some(value), true) =
            (supplier, customer, product, value, errors.0.is_empty())
        else {
            return fail(errors.0);
        };
        let Some(draft) =
            errors.take("customerUscc", LinkDraft::new(supplier, customer, product, value, input.essentiality.into()))
        else {
            return fail(errors.0);
        };
        let db = state.store.db();
        let supplier = firms::find_by_uscc(db, draft.supplier().as_str()).await.map_err(ApiError::from)?;
        let customer = firms::find_by_uscc(db, draft.customer().as_str()).await.map_err(ApiError::from)?;
        for (field, uscc, found) in [
            ("supplierUscc", draft.supplier(), supplier.is_some()),
            ("customerUscc", draft.customer(), customer.is_some()),
        ] {
            if !found {
                let e = ValidationError::new(ErrorCode::NotFound, format!("no firm with USCC {uscc} is registered"));
                errors.0.push(UserError::on(field, e));
            }
        }
        let (Some(supplier), Some(customer)) = (supplier, customer) else {
            return fail(errors.0);
        };
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
        let txn = db.begin().await.map_err(ApiError::from)?;
        let record = match links::insert(&txn, &new).await {
            Ok(r) => r,
            Err(e) => return fail(vec![UserError::from_store(e)?]),
        };
        let located = Located { link: record, supplier, customer };
        let change = Change {
            action: "link.declare",
            object_type: "supply_link",
            object_id: ids::encode(Kind::SupplyLink, located.link.id.0).0,
            regions: located.regions(),
            before: None::<&()>,
            after: Some(&located.link),
        };
        audit_log::record(&txn, ctx, viewer, change).await?;
        txn.commit().await.map_err(ApiError::from)?;
        state.announce(located.event(NetworkEventKind::LinkDeclared)).await;
        Ok(DeclareSupplyLinkPayload { supply_link: Some(SupplyLink(located.link)), user_errors: vec![] })
    }

    /// Confirms a declared link if `version` is still current: the end that did not declare it,
    /// or ADMIN. Fails with NOT_FOUND, VERSION_CONFLICT or INVALID_STATE (already confirmed).
    #[instrument(skip_all)]
    async fn confirm_supply_link(
        &self,
        ctx: &Context<'_>,
        input: ConfirmSupplyLinkInput,
    ) -> Result<ConfirmSupplyLinkPayload> {
        let viewer = guard::viewer(ctx)?;
        require(matches!(viewer.role(), Role::Admin | Role::Enterprise))?;
        let state = ctx.data::<ApiState>()?;
        let fail = |e: UserError| Ok(ConfirmSupplyLinkPayload { supply_link: None, user_errors: vec![e] });
        let id = match link_id(&input.id) {
            Ok(id) => id,
            Err(e) => return fail(e),
        };
        let txn = state.store.db().begin().await.map_err(ApiError::from)?;
        let mut located = match locate(&txn, viewer, id).await? {
            Ok(l) => l,
            Err(e) => return fail(e),
        };
        let (s, c) = located.ends();
        require(viewer.can_confirm_link(s, c, located.link.declared_by))?;
        let before = located.link.clone();
        located.link = match links::confirm(&txn, id, input.version).await {
            Ok(r) => r,
            Err(e) => return fail(UserError::from_store(e)?),
        };
        let change = Change {
            action: "link.confirm",
            object_type: "supply_link",
            object_id: input.id.0.clone(),
            regions: located.regions(),
            before: Some(&before),
            after: Some(&located.link),
        };
        audit_log::record(&txn, ctx, viewer, change).await?;
        txn.commit().await.map_err(ApiError::from)?;
        state.announce(located.event(NetworkEventKind::LinkConfirmed)).await;
        Ok(ConfirmSupplyLinkPayload { supply_link: Some(SupplyLink(located.link)), user_errors: vec![] })
    }

    /// Removes a link if `version` is still current: either end, or ADMIN. Fails with NOT_FOUND
    /// or VERSION_CONFLICT.
    #[instrument(skip_all)]
    async fn remove_supply_link(
        &self,
        ctx: &Context<'_>,
        input: RemoveSupplyLinkInput,
    ) -> Result<RemoveSupplyLinkPayload> {
        let viewer = guard::viewer(ctx)?;
        require(matches!(viewer.role(), Role::Admin | Role::Enterprise))?;
        let state = ctx.data::<ApiState>()?;
        let fail = |e: UserError| Ok(RemoveSupplyLinkPayload { removed_supply_link_id: None, user_errors: vec![e] });
        let id = match link_id(&input.id) {
            Ok(id) => id,
            Err(e) => return fail(e),
        };
        let txn = state.store.db().begin().await.map_err(ApiError::from)?;
        let located = match locate(&txn, viewer, id).await? {
            Ok(l) => l,
            Err(e) => return fail(e),
        };
        let (s, c) = located.ends();
        require(viewer.can_remove_link(s, c))?;
        if let Err(e) = links::remove(&txn, id, input.version).await {
            return fail(UserError::from_store(e)?);
        }
        let change = Change {
            action: "link.remove",
            object_type: "supply_link",
            object_id: input.id.0.clone(),
            regions: located.regions(),
            before: Some(&located.link),
            after: None::<&()>,
        };
        audit_log::record(&txn, ctx, viewer, change).await?;
        txn.commit().await.map_err(ApiError::from)?;
        state.announce(located.event(NetworkEventKind::LinkRemoved)).await;
        Ok(RemoveSupplyLinkPayload { removed_supply_link_id: Some(input.id), user_errors: vec![] })
    }
}
