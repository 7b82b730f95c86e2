//! `SupplyLink` and its enums.
use async_graphql::{Context, Enum, ID, Object};
use linchpin_domain::SupplyLinkRecord;

use crate::error::ApiError;
use crate::ids::{self, Kind};
use crate::types::firm::Firm;

/// How the customer's production depends on a link.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "linchpin_domain::Essentiality")]
pub enum Essentiality {
    /// Production stops without it.
    Essential,
    /// Losing it reduces production proportionally.
    NonEssential,
    /// No short-term effect.
    Negligible,
}

/// Whether the other end confirmed a link.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "linchpin_domain::LinkStatus")]
pub enum LinkStatus {
    /// Declared by one end or imported; not yet confirmed.
    Declared,
    /// Confirmed.
    Confirmed,
    /// The other end rejected it (`rejectionReason` says why); no analysis counts it.
    Rejected,
}

/// A supply relationship: `supplier` sells `product` to `customer`; with the firm at the end a
/// nested page was listed from, when that page's statement already read it.
#[derive(Debug, Clone)]
pub struct SupplyLink(pub SupplyLinkRecord, pub Option<std::sync::Arc<linchpin_store::firms::ChainsNotRead>>);

impl SupplyLink {
    /// A link whose ends are read through the firm loader.
    pub fn of(record: SupplyLinkRecord) -> Self {
        Self(record, None)
    }

    async fn end(&self, ctx: &Context<'_>, id: linchpin_domain::FirmId) -> Result<Firm, ApiError> {
        match &self.1 {
            Some(f) if f.id() == id => Ok(Firm::without_chains(f.as_ref().clone())),
            _ => crate::loaders::firm(ctx, id).await,
        }
    }
}

/// A supply relationship: `supplier` sells `product` to `customer`, worth `annualValue10kCny` a year.
#[Object]
impl SupplyLink {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::SupplyLink, self.0.id.0)
    }

    /// The selling firm.
    async fn supplier(&self, ctx: &Context<'_>) -> Result<Firm, ApiError> {
        self.end(ctx, self.0.supplier_id).await
    }

    /// The buying firm.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Firm, ApiError> {
        self.end(ctx, self.0.customer_id).await
    }

    /// What flows along the link.
    async fn product(&self) -> &str {
        self.0.product.as_str()
    }

    /// Annual value in 10,000 CNY (万元), greater than zero.
    #[graphql(name = "annualValue10kCny")]
    async fn annual_value_10k_cny(&self) -> f64 {
        self.0.annual_value.get()
    }

    /// How the customer depends on it.
    async fn essentiality(&self) -> Essentiality {
        self.0.essentiality.into()
    }

    /// Declared, confirmed or rejected.
    async fn status(&self) -> LinkStatus {
        self.0.status.into()
    }

    /// Why the other end rejected the link; null unless REJECTED.
    async fn rejection_reason(&self) -> Option<&str> {
        self.0.rejection_reason.as_deref()
    }

    /// Optimistic-concurrency version: pass it back to `confirmSupplyLink` and `removeSupplyLink`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}
