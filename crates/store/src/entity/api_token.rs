//! Table `api_token`: bearer tokens, stored as SHA-256 hashes.
use sea_orm::entity::prelude::*;

/// A row of `api_token`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_token")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Owner.
    pub account_id: i64,
    /// Hex SHA-256 of the token; the token itself is never stored.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Where it came from (`login`, `cli`, `demo`).
    pub label: String,
    /// When it was issued.
    pub created_at: DateTimeUtc,
    /// When it stops working.
    pub expires_at: DateTimeUtc,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTimeUtc>,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
