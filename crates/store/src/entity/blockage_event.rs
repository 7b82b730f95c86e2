//! Table `blockage_event`: the append-only timeline of blockages (steps, escalations, comments).
use sea_orm::entity::prelude::*;

/// A row of `blockage_event`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "blockage_event")]
pub struct Model {
    /// Surrogate key (order of events).
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The blockage.
    pub blockage_id: i64,
    /// When.
    pub at: DateTimeUtc,
    /// The acting account (null for the escalation job).
    pub account_id: Option<i64>,
    /// Its username then, or `system`.
    pub actor: String,
    /// REPORT, a step, ESCALATE or COMMENT.
    pub action: String,
    /// Status before (null for the report and comments).
    pub from_status: Option<String>,
    /// Status after (null for comments).
    pub to_status: Option<String>,
    /// Why, or the comment.
    pub comment: String,
    /// ASSIGN: the coordinator.
    pub assignee_name: Option<String>,
    /// ESCALATE: the level reached.
    pub level: Option<i32>,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
