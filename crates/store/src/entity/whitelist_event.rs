//! Table `whitelist_event`: the append-only history of whitelist entries.
use sea_orm::entity::prelude::*;

/// A row of `whitelist_event`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "whitelist_event")]
pub struct Model {
    /// Surrogate key (order of events).
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The entry.
    pub entry_id: i64,
    /// When.
    pub at: DateTimeUtc,
    /// The acting account (null for the expiry job).
    pub account_id: Option<i64>,
    /// Its username then, or `system`.
    pub actor: String,
    /// The step (wire name).
    pub action: String,
    /// Status before (null for the first step).
    pub from_status: Option<String>,
    /// Status after.
    pub to_status: String,
    /// Why.
    pub comment: String,
    /// Validity set by the step, if any.
    pub valid_until: Option<DateTimeUtc>,
    /// The analysis run behind `assessment`.
    pub run_id: Option<i64>,
    /// The firm's assessment (JSON) at the time of the step.
    pub assessment: Option<String>,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
