use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use linchpin_domain::{ErrorCode, LinkDraft, LinkId, Product, Uscc, ValidationError, Value10kCny};
use linchpin_store::links::{self, NewLink};
use linchpin_store::{TransactionTrait, firms};
use tracing::instrument;

use super::Errors;
use crate::error::{ApiError, UserError, UserErrorCode};
use crate::events::{NetworkEvent, NetworkEventKind};
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
    ids::decode(Kind::SupplyLink, id)
        .map(LinkId)
        .ok_or_else(|| UserError {
            field: vec!["input".into(), "id".into()],
            message: "`id` is not a supply link id".into(),
            code: UserErrorCode::NotFound,
        })
}

/// Mutations of supply links.
#[derive(Default)]
pub struct LinkMutations;

/// Mutations of supply links.
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
        let state = ctx.data::<ApiState>()?;
        let mut errors = Errors::default();
        let supplier = errors.take("supplierUscc", Uscc::parse(&input.supplier_uscc));
        let customer = errors.take("customerUscc", Uscc::parse(&input.customer_uscc));
        let product = errors.take("product", Product::parse(&input.product));
        let value = errors.take(
            "annualValue10kCny",
            Value10kCny::new(input.annual_value_10k_cny),
        );
        let (Some(supplier), Some(customer), Some(product), Some(value), true) =
            (supplier, customer, product, value, errors.0.is_empty())
        else {
            return Ok(DeclareSupplyLinkPayload {
                supply_link: None,
                user_errors: errors.0,
            });
        };
        let Some(draft) = errors.take(
            "customerUscc",
            LinkDraft::new(
                supplier,
                customer,
                product,
                value,
                input.essentiality.into(),
            ),
        ) else {
            return Ok(DeclareSupplyLinkPayload {
                supply_link: None,
                user_errors: errors.0,
            });
        };
        let db = state.store.db();
        let ends = firms::ids_by_uscc(db, &[draft.supplier().as_str(), draft.customer().as_str()])
            .await
            .map_err(ApiError::from)?;
        for (field, uscc) in [
            ("supplierUscc", draft.supplier()),
            ("customerUscc", draft.customer()),
        ] {
            if !ends.contains_key(uscc.as_str()) {
                errors.0.push(UserError::on(
                    field,
                    ValidationError::new(
                        ErrorCode::NotFound,
                        format!("no firm with USCC {uscc} is registered"),
                    ),
                ));
            }
        }
        let (Some(&s), Some(&c), true) = (
            ends.get(draft.supplier().as_str()),
            ends.get(draft.customer().as_str()),
            errors.0.is_empty(),
        ) else {
            return Ok(DeclareSupplyLinkPayload {
                supply_link: None,
                user_errors: errors.0,
            });
        };
        let new = NewLink {
            supplier_id: linchpin_domain::FirmId(s),
            customer_id: linchpin_domain::FirmId(c),
            product: draft.product.clone(),
            annual_value: draft.annual_value,
            essentiality: draft.essentiality,
        };
        let txn = db.begin().await.map_err(ApiError::from)?;
        let record = match links::insert(&txn, &new).await {
            Ok(r) => r,
            Err(e) => {
                return Ok(DeclareSupplyLinkPayload {
                    supply_link: None,
                    user_errors: vec![UserError::from_store(e)?],
                });
            }
        };
        txn.commit().await.map_err(ApiError::from)?;
        state
            .announce(NetworkEvent::now(
                NetworkEventKind::LinkDeclared,
                Some(ids::encode(Kind::SupplyLink, record.id.0)),
            ))
            .await;
        Ok(DeclareSupplyLinkPayload {
            supply_link: Some(SupplyLink(record)),
            user_errors: vec![],
        })
    }

    /// Confirms a declared link if `version` is still current. Fails with NOT_FOUND,
    /// VERSION_CONFLICT or INVALID_STATE (already confirmed).
    #[instrument(skip_all)]
    async fn confirm_supply_link(
        &self,
        ctx: &Context<'_>,
        input: ConfirmSupplyLinkInput,
    ) -> Result<ConfirmSupplyLinkPayload> {
        let state = ctx.data::<ApiState>()?;
        let id = match link_id(&input.id) {
            Ok(id) => id,
            Err(e) => {
                return Ok(ConfirmSupplyLinkPayload {
                    supply_link: None,
                    user_errors: vec![e],
                });
            }
        };
        let txn = state.store.db().begin().await.map_err(ApiError::from)?;
        let record = match links::confirm(&txn, id, input.version).await {
            Ok(r) => r,
            Err(e) => {
                return Ok(ConfirmSupplyLinkPayload {
                    supply_link: None,
                    user_errors: vec![UserError::from_store(e)?],
                });
            }
        };
        txn.commit().await.map_err(ApiError::from)?;
        state
            .announce(NetworkEvent::now(
                NetworkEventKind::LinkConfirmed,
                Some(input.id),
            ))
            .await;
        Ok(ConfirmSupplyLinkPayload {
            supply_link: Some(SupplyLink(record)),
            user_errors: vec![],
        })
    }

    /// Removes a link if `version` is still current. Fails with NOT_FOUND or VERSION_CONFLICT.
    #[instrument(skip_all)]
    async fn remove_supply_link(
        &self,
        ctx: &Context<'_>,
        input: RemoveSupplyLinkInput,
    ) -> Result<RemoveSupplyLinkPayload> {
        let state = ctx.data::<ApiState>()?;
        let id = match link_id(&input.id) {
            Ok(id) => id,
            Err(e) => {
                return Ok(RemoveSupplyLinkPayload {
                    removed_supply_link_id: None,
                    user_errors: vec![e],
                });
            }
        };
        let txn = state.store.db().begin().await.map_err(ApiError::from)?;
        if let Err(e) = links::remove(&txn, id, input.version).await {
            return Ok(RemoveSupplyLinkPayload {
                removed_supply_link_id: None,
                user_errors: vec![UserError::from_store(e)?],
            });
        }
        txn.commit().await.map_err(ApiError::from)?;
        state
            .announce(NetworkEvent::now(
                NetworkEventKind::LinkRemoved,
                Some(input.id.clone()),
            ))
            .await;
        Ok(RemoveSupplyLinkPayload {
            removed_supply_link_id: Some(input.id),
            user_errors: vec![],
        })
    }
}
