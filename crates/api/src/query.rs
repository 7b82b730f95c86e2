use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result};
use linchpin_domain::{ChainCode, FirmId, Jurisdiction, LinkId, Uscc};
use linchpin_store::firms::{self, FirmFilter as StoreFirmFilter};
use linchpin_store::{StoreError, chains, links};
use tracing::instrument;

use crate::connection::{IdCursor, connection, page_args};
use crate::error::ApiError;
use crate::ids::{self, Kind};
use crate::schema::ApiState;
use crate::types::chain::Chain;
use crate::types::firm::{Firm, SizeClass, SupplyLinkConnection};
use crate::types::link::SupplyLink;
use crate::types::node::Node;

/// Filters of `firms`; every given filter must hold.
#[derive(InputObject, Debug, Default)]
pub struct FirmFilter {
    /// GB/T 2260 prefix of 2 (province), 4 (city) or 6 (county) digits.
    pub region_prefix: Option<String>,
    /// Chain code the firm belongs to.
    pub chain: Option<String>,
    /// Size class.
    pub size_class: Option<SizeClass>,
    /// Text the firm's name contains (at most 100 characters; ASCII letters match either case).
    pub name_contains: Option<String>,
}

impl FirmFilter {
    fn into_store(self) -> Result<StoreFirmFilter, ApiError> {
        let invalid = |e: linchpin_domain::ValidationError| ApiError::Validation(e.message);
        if self
            .name_contains
            .as_ref()
            .is_some_and(|n| n.chars().count() > 100)
        {
            return Err(ApiError::Validation(
                "`nameContains` must be at most 100 characters".into(),
            ));
        }
        Ok(StoreFirmFilter {
            region_prefix: self
                .region_prefix
                .as_deref()
                .map(Jurisdiction::parse)
                .transpose()
                .map_err(invalid)?,
            chain: self
                .chain
                .as_deref()
                .map(ChainCode::parse)
                .transpose()
                .map_err(invalid)?,
            size_class: self.size_class.map(Into::into),
            name_contains: self.name_contains,
        })
    }
}

/// The root of every query.
#[derive(Default)]
pub struct QueryRoot;

/// A page of firms.
pub type FirmConnection = Connection<IdCursor, Firm>;

/// Read access to firms, supply links and chains.
#[Object(name = "Query")]
impl QueryRoot {
    /// The firm with this unified social credit code, or null when none is registered.
    #[instrument(skip(self, ctx))]
    async fn firm(&self, ctx: &Context<'_>, uscc: String) -> Result<Option<Firm>> {
        let state = ctx.data::<ApiState>()?;
        let uscc = Uscc::parse(&uscc).map_err(|e| ApiError::Validation(e.message))?;
        Ok(firms::find_by_uscc(state.store.db(), uscc.as_str())
            .await
            .map_err(ApiError::from)?
            .map(Firm))
    }

    /// Registered firms in registration order; `first` at most 100.
    #[instrument(skip(self, ctx))]
    async fn firms(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<FirmFilter>,
    ) -> Result<FirmConnection> {
        let state = ctx.data::<ApiState>()?;
        let (limit, after) = page_args(first, after)?;
        let filter = filter.unwrap_or_default().into_store()?;
        let page = firms::list(state.store.db(), &filter, after.map(FirmId), limit)
            .await
            .map_err(ApiError::from)?;
        Ok(connection(page, after.is_some(), |x| x.id.0, Firm))
    }

    /// Supply links in declaration order; `first` at most 100.
    #[instrument(skip(self, ctx))]
    async fn supply_links(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SupplyLinkConnection> {
        let state = ctx.data::<ApiState>()?;
        let (limit, after) = page_args(first, after)?;
        let page = links::list(state.store.db(), after.map(LinkId), limit)
            .await
            .map_err(ApiError::from)?;
        Ok(connection(page, after.is_some(), |x| x.id.0, SupplyLink))
    }

    /// Every key industrial chain with its number of firms (chains are few).
    async fn chains(&self, ctx: &Context<'_>) -> Result<Vec<Chain>> {
        let state = ctx.data::<ApiState>()?;
        Ok(chains::list(state.store.db())
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .map(Chain::from)
            .collect())
    }

    /// Any object by its global id, or null when there is none.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let state = ctx.data::<ApiState>()?;
        let db = state.store.db();
        let absent = |e: StoreError| match e {
            StoreError::NotFound(_) => Ok(None),
            other => Err(ApiError::from(other)),
        };
        Ok(match ids::decode_any(&id) {
            None => None,
            Some((Kind::Firm, n)) => match firms::get(db, FirmId(n)).await {
                Ok(f) => Some(Node::Firm(Firm(f))),
                Err(e) => absent(e)?,
            },
            Some((Kind::SupplyLink, n)) => match links::get(db, LinkId(n)).await {
                Ok(l) => Some(Node::SupplyLink(SupplyLink(l))),
                Err(e) => absent(e)?,
            },
        })
    }
}
