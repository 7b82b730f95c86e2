//! Table `account`.
use sea_orm::entity::prelude::*;

/// A row of `account`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "account")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Unique login name.
    #[sea_orm(unique)]
    pub username: String,
    /// Role (wire name).
    pub role: String,
    /// Jurisdiction prefix of BUREAU and COORDINATOR accounts.
    pub jurisdiction: Option<String>,
    /// Firm of ENTERPRISE accounts.
    pub firm_id: Option<i64>,
    /// argon2 PHC string; null for token-only accounts.
    pub password_hash: Option<String>,
    /// A disabled account cannot sign in and its tokens stop working.
    pub disabled: bool,
    /// When the account was created.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
