//! Table `whitelist_entry`: one firm on one chain, and where its nomination stands.
use sea_orm::entity::prelude::*;

/// A row of `whitelist_entry`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "whitelist_entry")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The firm.
    pub firm_id: i64,
    /// The chain.
    pub chain_code: String,
    /// The firm's region when nominated.
    pub region_code: String,
    /// Its province (2 digits).
    pub province: String,
    /// Stored status (wire name); APPROVED past `valid_until` reads as EXPIRED.
    pub status: String,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// `<firm>:<chain>` while open, null once closed (unique).
    pub open_key: Option<String>,
    /// The nominating or recommending account.
    pub proposer_account_id: i64,
    /// Its username then.
    pub proposer_name: String,
    /// The nominating bureau's level (prefix length); null for a recommendation.
    pub proposer_level: Option<i32>,
    /// The recommending firm, for a recommendation.
    pub recommender_firm_id: Option<i64>,
    /// Why the firm is nominated.
    pub justification: String,
    /// Evidence (JSON list of {title, reference}).
    pub evidence: String,
    /// Why a LARGE or UNKNOWN-size firm is treated as an SME.
    pub size_override_reason: Option<String>,
    /// End of validity (approved entries).
    pub valid_until: Option<DateTimeUtc>,
    /// The published batch, once published.
    pub batch_id: Option<i64>,
    /// The analysis run behind `basis`.
    pub basis_run_id: Option<i64>,
    /// The firm's assessment (JSON) when nominated, approved or renewed.
    pub basis: Option<String>,
    /// When the entry was created.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
