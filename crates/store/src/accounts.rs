//! Repository of accounts and their API tokens. Passwords arrive already hashed (argon2) and
//! tokens as SHA-256 hashes: this crate never sees a secret.
use chrono::{DateTime, Utc};
use linchpin_domain::{Binding, FirmId, Jurisdiction, Role, Username, Viewer};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use tracing::instrument;

use crate::entity::{account, api_token};
use crate::error::corrupt;
use crate::{Page, StoreError};

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: Username,
    /// Role and binding.
    pub binding: Binding,
    /// Whether it is disabled.
    pub disabled: bool,
    /// Whether a password is set (else the account signs in with tokens only).
    pub has_password: bool,
}

/// A stored token (without its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Id.
    pub id: i64,
    /// Owner.
    pub account_id: i64,
    /// Where it came from.
    pub label: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

fn record(m: account::Model) -> Result<AccountRecord, StoreError> {
    let ctx = |f: &str| format!("account {} {f}", m.id);
    let role = Role::parse(&m.role).map_err(|e| corrupt(&ctx("role"), e))?;
    let jurisdiction =
        m.jurisdiction.as_deref().map(Jurisdiction::parse).transpose().map_err(|e| corrupt(&ctx("jurisdiction"), e))?;
    Ok(AccountRecord {
        id: m.id,
        username: Username::parse(&m.username).map_err(|e| corrupt(&ctx("username"), e))?,
        binding: Binding::new(role, jurisdiction, m.firm_id.map(FirmId)).map_err(|e| corrupt(&ctx("binding"), e))?,
        disabled: m.disabled,
        has_password: m.password_hash.is_some(),
    })
}

fn token(m: api_token::Model) -> TokenRecord {
    TokenRecord {
        id: m.id,
        account_id: m.account_id,
        label: m.label,
        expires_at: m.expires_at,
        revoked_at: m.revoked_at,
    }
}

/// Creates an account. Fails with `Duplicate` when the username is taken.
#[instrument(skip_all, fields(username = username.as_str()))]
pub async fn create(
    conn: &impl ConnectionTrait,
    username: &Username,
    binding: &Binding,
    password_hash: Option<String>,
) -> Result<AccountRecord, StoreError> {
    if find(conn, username.as_str()).await?.is_some() {
        return Err(StoreError::Duplicate(format!("account {}", username.as_str())));
    }
    let model = account::ActiveModel {
        id: Default::default(),
        username: Set(username.as_str().to_owned()),
        role: Set(binding.role().as_str().to_owned()),
        jurisdiction: Set(binding.jurisdiction().map(|j| j.as_str().to_owned())),
        firm_id: Set(binding.firm().map(|f| f.0)),
        password_hash: Set(password_hash),
        disabled: Set(false),
        created_at: Set(Utc::now()),
    };
    let res = account::Entity::insert(model).exec(conn).await?;
    get(conn, res.last_insert_id).await
}

/// One account by id.
pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<AccountRecord, StoreError> {
    let m = account::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("account {id}")))?;
    record(m)
}

/// One account by username, with its password hash.
pub async fn find(
    conn: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<(AccountRecord, Option<String>)>, StoreError> {
    let Some(m) = account::Entity::find().filter(account::Column::Username.eq(username)).one(conn).await? else {
        return Ok(None);
    };
    let hash = m.password_hash.clone();
    Ok(Some((record(m)?, hash)))
}

/// A page of accounts ordered by id.
pub async fn list(
    conn: &impl ConnectionTrait,
    after: Option<i64>,
    limit: u64,
) -> Result<Page<AccountRecord>, StoreError> {
    let mut q = account::Entity::find();
    if let Some(a) = after {
        q = q.filter(account::Column::Id.gt(a));
    }
    let rows = crate::fetch_page(conn, q.order_by_asc(account::Column::Id).limit(limit + 1)).await?;
    let page = Page::from_overfetch(rows, limit);
    Ok(Page { items: page.items.into_iter().map(record).collect::<Result<_, _>>()?, has_next: page.has_next })
}

/// Disables an account and revokes all its tokens.
pub async fn disable(conn: &impl ConnectionTrait, username: &str) -> Result<AccountRecord, StoreError> {
    let (acct, _) = find(conn, username).await?.ok_or_else(|| StoreError::NotFound(format!("account {username}")))?;
    account::Entity::update_many()
        .col_expr(account::Column::Disabled, Expr::value(true))
        .filter(account::Column::Id.eq(acct.id))
        .exec(conn)
        .await?;
    api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_token::Column::AccountId.eq(acct.id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    get(conn, acct.id).await
}

/// Stores a new token hash for an account.
pub async fn issue_token(
    conn: &impl ConnectionTrait,
    account_id: i64,
    token_hash: &str,
    label: &str,
    expires_at: DateTime<Utc>,
) -> Result<TokenRecord, StoreError> {
    let model = api_token::ActiveModel {
        id: Default::default(),
        account_id: Set(account_id),
        token_hash: Set(token_hash.to_owned()),
        label: Set(label.to_owned()),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
    };
    let res = api_token::Entity::insert(model).exec(conn).await?;
    get_token(conn, res.last_insert_id).await
}

/// One token by id.
pub async fn get_token(conn: &impl ConnectionTrait, id: i64) -> Result<TokenRecord, StoreError> {
    api_token::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(token)
        .ok_or_else(|| StoreError::NotFound(format!("token {id}")))
}

/// The viewer a token hash stands for, if the token exists, is neither expired nor revoked, and
/// its account is enabled.
#[instrument(skip_all)]
pub async fn authenticate(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Viewer>, StoreError> {
    // one statement per request: the account of a live token (revocation, expiry and disabling
    // are read from the database every time, so they take effect at once on every replica)
    use sea_orm::FromQueryResult;
    use sea_orm::sea_query::{Alias, Expr, Query, SubQueryStatement};
    let live_token = Query::select()
        .column(api_token::Column::AccountId)
        .from(api_token::Entity)
        .and_where(api_token::Column::TokenHash.eq(token_hash))
        .and_where(api_token::Column::RevokedAt.is_null())
        .and_where(api_token::Column::ExpiresAt.gt(now))
        .to_owned();
    let token_id = Query::select()
        .column(api_token::Column::Id)
        .from(api_token::Entity)
        .and_where(api_token::Column::TokenHash.eq(token_hash))
        .to_owned();
    let q = Query::select()
        .column(sea_orm::sea_query::Asterisk)
        .expr_as(Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(token_id))), Alias::new("token_id"))
        .from(account::Entity)
        .and_where(account::Column::Id.in_subquery(live_token))
        .and_where(account::Column::Disabled.eq(false))
        .to_owned();
    let stmt = conn.get_database_backend().build(&q);
    let Some(row) = conn.query_one_raw(stmt).await? else { return Ok(None) };
    let token_id: i64 = row.try_get("", "token_id")?;
    let acct = record(account::Model::from_query_result(&row, "")?)?;
    Ok(Some(Viewer { account_id: acct.id, username: acct.username, binding: acct.binding, token_id }))
}

/// Revokes a token (idempotent); returns it.
pub async fn revoke_token(conn: &impl ConnectionTrait, id: i64) -> Result<TokenRecord, StoreError> {
    let t = get_token(conn, id).await?;
    if t.revoked_at.is_none() {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(api_token::Column::Id.eq(id))
            .exec(conn)
            .await?;
    }
    get_token(conn, id).await
}

/// Of `token_ids`, those still valid at `now`: not revoked, not expired, of an enabled account.
/// Two statements whatever the number of tokens (live connections check them all at once).
pub async fn valid_tokens(
    conn: &impl ConnectionTrait,
    token_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<std::collections::HashSet<i64>, StoreError> {
    let mut out = std::collections::HashSet::new();
    for chunk in token_ids.chunks(5_000) {
        let rows: Vec<(i64, i64)> = api_token::Entity::find()
            .select_only()
            .columns([api_token::Column::Id, api_token::Column::AccountId])
            .filter(api_token::Column::Id.is_in(chunk.iter().copied()))
            .filter(api_token::Column::RevokedAt.is_null())
            .filter(api_token::Column::ExpiresAt.gt(now))
            .into_tuple()
            .all(conn)
            .await?;
        let accounts: Vec<i64> = rows.iter().map(|(_, a)| *a).collect();
        let enabled: std::collections::HashSet<i64> = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .filter(account::Column::Id.is_in(accounts))
            .filter(account::Column::Disabled.eq(false))
            .into_tuple::<i64>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        out.extend(rows.into_iter().filter(|(_, a)| enabled.contains(a)).map(|(t, _)| t));
    }
    Ok(out)
}
