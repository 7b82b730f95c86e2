//! `Viewer`: the signed-in caller.
use async_graphql::{Context, Enum, Object};

use crate::error::ApiError;
use crate::types::firm::Firm;

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
}
