//! `Viewer`: the signed-in caller.
use async_graphql::{Context, Enum, Object};
use linchpin_store::links;

use crate::connection::{IdCursor, connection, page_args};
use crate::error::ApiError;
use crate::guard;
use crate::types::firm::{Firm, SupplyLinkConnection};
use crate::types::link::SupplyLink;

/// What an account is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "linchpin_domain::Role")]
pub enum Role {
    /// Operators: see and do everything.
    Admin,
    /// An industry bureau of a province, city or county.
    Bureau,
    /// A logistics coordinator of a province, city or county.
    Coordinator,
    /// A firm's own account.
    Enterprise,
}

/// The signed-in caller.
pub struct ViewerInfo(pub linchpin_domain::Viewer);

/// Who is calling: the account behind the bearer token of this request.
#[Object(name = "Viewer")]
impl ViewerInfo {
    /// Account name.
    async fn username(&self) -> &str {
        self.0.username.as_str()
    }

    /// Role.
    async fn role(&self) -> Role {
        self.0.role().into()
    }

    /// GB/T 2260 prefix of a BUREAU or COORDINATOR account.
    async fn jurisdiction(&self) -> Option<&str> {
        self.0.binding.jurisdiction().map(|j| j.as_str())
    }

    /// The firm of an ENTERPRISE account.
    async fn firm(&self, ctx: &Context<'_>) -> Result<Option<Firm>, ApiError> {
        let Some(id) = self.0.binding.firm() else { return Ok(None) };
        Ok(Some(crate::loaders::firm(ctx, id).await?))
    }

    /// The confirmation inbox of an ENTERPRISE account: DECLARED links of its firm that wait for
    /// it to confirm (`confirmSupplyLinks`) or reject (`rejectSupplyLinks`), because the other end
    /// declared them or they were imported; with the declared product, value and essentiality.
    /// Oldest first; `first` at most 100. Empty for other roles.
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn pending_confirmations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SupplyLinkConnection, ApiError> {
        let (limit, after) = page_args(first, after)?;
        let Some(firm) = self.0.binding.firm() else {
            return Ok(connection(
                linchpin_store::Page::empty(),
                false,
                |x: &linchpin_domain::SupplyLinkRecord| IdCursor(x.id.0),
                SupplyLink::of,
            ));
        };
        let state = guard::state(ctx)?;
        let page = links::awaiting(state.store.db(), firm, after.map(linchpin_domain::LinkId), limit).await?;
        Ok(connection(page, after.is_some(), |x| IdCursor(x.id.0), SupplyLink::of))
    }
}
