//! Table `audit_event`: append-only trail of every decision.
use sea_orm::entity::prelude::*;

/// A row of `audit_event`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    /// Surrogate key, increasing with time.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// When the change was made.
    pub at: DateTimeUtc,
    /// Acting account (null for operator commands without an account).
    pub account_id: Option<i64>,
    /// Acting username at the time.
    pub actor: String,
    /// What was done, e.g. `firm.register`.
    pub action: String,
    /// Kind of object.
    pub object_type: String,
    /// Id of the object.
    pub object_id: String,
    /// Comma-separated region codes the object concerns (for jurisdiction filtering).
    pub regions: String,
    /// Summary before the change (JSON).
    pub before: Option<String>,
    /// Summary after the change (JSON).
    pub after: Option<String>,
    /// The request that made the change.
    pub request_id: String,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
