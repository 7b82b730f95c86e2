//! Table `blockage`: the current state of each staff or freight blockage.
use sea_orm::entity::prelude::*;

/// A row of `blockage`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "blockage")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The affected firm.
    pub firm_id: i64,
    /// STAFF_ACCESS, FREIGHT or OTHER.
    pub kind: String,
    /// Status (wire name).
    pub status: String,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// The affected firm's region when reported.
    pub region_code: String,
    /// FREIGHT: where the goods leave.
    pub origin_code: Option<String>,
    /// FREIGHT: where they must arrive.
    pub destination_code: Option<String>,
    /// FREIGHT: the firm at the other end.
    pub counterpart_firm_id: Option<i64>,
    /// FREIGHT: the supply link concerned.
    pub link_id: Option<i64>,
    /// FREIGHT: what is carried.
    pub cargo: Option<String>,
    /// FREIGHT: plates (JSON array of canonical plate numbers).
    pub plates: Option<String>,
    /// STAFF_ACCESS: workers held back.
    pub workers: Option<i32>,
    /// STAFF_ACCESS: where they are held.
    pub held_at: Option<String>,
    /// STAFF_ACCESS: closed-loop production.
    pub closed_loop: Option<bool>,
    /// What happened.
    pub description: String,
    /// The reporting account.
    pub reporter_account_id: i64,
    /// Its username then.
    pub reporter_name: String,
    /// The coordinator it is assigned to.
    pub assignee_account_id: Option<i64>,
    /// Their username then.
    pub assignee_name: Option<String>,
    /// DUPLICATE: the original.
    pub duplicate_of: Option<i64>,
    /// Prefix length of the office in charge: 6, 4, 2 or 0.
    pub level: i32,
    /// Clock-free priority points.
    pub priority_points: f64,
    /// Priority level (wire name).
    pub priority_level: String,
    /// What the priority was computed from (JSON).
    pub priority_facts: String,
    /// Time-free queue key (higher first).
    pub queue_key: f64,
    /// In the queue.
    pub is_open: bool,
    /// When the SLA clock started.
    pub sla_since: DateTimeUtc,
    /// When the SLA is breached; null when none runs.
    pub due_at: Option<DateTimeUtc>,
    /// Reported.
    pub reported_at: DateTimeUtc,
    /// Last changed.
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
