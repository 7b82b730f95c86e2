use std::sync::OnceLock;

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use linchpin_domain::{Username, Viewer};
use linchpin_store::{StoreError, TransactionTrait, accounts};
use tracing::instrument;

use crate::audit_log::{self, Change};
use crate::auth::{hash_password, new_token, verify_password};
use crate::error::{ApiError, UserError, UserErrorCode};
use crate::guard;
use crate::ids::{self, Kind};
use crate::limits::{Decision, Rule};
use crate::schema::ApiState;
use crate::types::viewer::ViewerInfo;

/// Credentials.
#[derive(InputObject)]
pub struct LoginInput {
    /// Account name.
    pub username: String,
    /// Password.
    #[graphql(secret)]
    pub password: String,
}

/// Result of `login`.
#[derive(SimpleObject, Default)]
pub struct LoginPayload {
    /// Bearer token for the `Authorization: Bearer ...` header. Shown once; store it safely.
    pub token: Option<String>,
    /// When the token expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// The signed-in account.
    pub viewer: Option<ViewerInfo>,
    /// INVALID_CREDENTIALS when the name or password is wrong or the account is disabled.
    pub user_errors: Vec<UserError>,
}

/// Result of `logout` and `revokeToken`.
#[derive(SimpleObject, Default)]
pub struct RevokeTokenPayload {
    /// Global id of the revoked token.
    pub revoked_token_id: Option<ID>,
    /// NOT_FOUND when the token does not exist or is not the caller's to revoke.
    pub user_errors: Vec<UserError>,
}

/// Names a token to revoke.
#[derive(InputObject)]
pub struct RevokeTokenInput {
    /// Global id of the token (`Viewer` shows none; operators find ids in the audit trail).
    pub token_id: ID,
}

fn invalid_credentials() -> LoginPayload {
    LoginPayload {
        user_errors: vec![UserError::general(UserErrorCode::InvalidCredentials, "wrong username or password")],
        ..Default::default()
    }
}

/// A real argon2 hash to verify against when the account does not exist, so that a wrong
/// username costs as much time as a wrong password.
async fn dummy_hash() -> Result<&'static str, ApiError> {
    static HASH: OnceLock<String> = OnceLock::new();
    if let Some(h) = HASH.get() {
        return Ok(h);
    }
    let fresh =
        hash_password(linchpin_domain::Password::parse("not a real password at all").map_err(|_| ApiError::Internal)?)
            .await?;
    Ok(HASH.get_or_init(|| fresh))
}

async fn revoke(ctx: &Context<'_>, viewer: &Viewer, token_id: i64) -> Result<RevokeTokenPayload> {
    let state = ctx.data::<ApiState>()?;
    let not_found = || RevokeTokenPayload {
        revoked_token_id: None,
        user_errors: vec![UserError::general(UserErrorCode::NotFound, "no such token")],
    };
    let txn = state.store.db().begin().await.map_err(ApiError::from)?;
    let token = match accounts::get_token(&txn, token_id).await {
        Ok(t) if viewer.can_revoke_token_of(t.account_id) => t,
        Ok(_) | Err(StoreError::NotFound(_)) => return Ok(not_found()),
        Err(e) => return Err(ApiError::from(e).into()),
    };
    let after = accounts::revoke_token(&txn, token.id).await.map_err(ApiError::from)?;
    let id = ids::encode(Kind::Token, token.id);
    let change = Change {
        action: "token.revoke",
        object_type: "token",
        object_id: id.0.clone(),
        regions: vec![],
        before: Some(&token.revoked_at),
        after: Some(&after.revoked_at),
    };
    audit_log::record(&txn, ctx, viewer, change).await?;
    txn.commit().await.map_err(ApiError::from)?;
    Ok(RevokeTokenPayload { revoked_token_id: Some(id), user_errors: vec![] })
}

/// Signing in and out.
#[derive(Default)]
pub struct AuthMutations;

/// Signing in and out. `login` is the only operation open to anonymous callers.
#[Object]
impl AuthMutations {
    /// Exchanges a username and password for a bearer token. Attempts are throttled per username
    /// (5, then one a minute): RATE_LIMITED with `extensions.retryAfterSeconds`.
    #[instrument(skip_all)]
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<LoginPayload> {
        let state = ctx.data::<ApiState>()?;
        let Ok(username) = Username::parse(&input.username) else {
            return Ok(invalid_credentials());
        };
        if let Decision::Limited { retry_after_secs } =
            state.limiter.acquire(&format!("login:{}", username.as_str()), Rule::LOGIN).await
        {
            return Err(ApiError::RateLimited { retry_after_secs }.into());
        }
        let found = accounts::find(state.store.db(), username.as_str()).await.map_err(ApiError::from)?;
        let (account, hash) = match found {
            Some((a, Some(h))) if !a.disabled => (Some(a), h),
            _ => (None, dummy_hash().await?.to_owned()),
        };
        let ok = verify_password(hash, input.password).await?;
        let (Some(account), true) = (account, ok) else {
            return Ok(invalid_credentials());
        };
        let (token, token_hash) = new_token();
        let expires_at = Utc::now() + state.token_ttl;
        let txn = state.store.db().begin().await.map_err(ApiError::from)?;
        let record =
            accounts::issue_token(&txn, account.id, &token_hash, "login", expires_at).await.map_err(ApiError::from)?;
        let viewer = Viewer {
            account_id: account.id,
            username: account.username,
            binding: account.binding,
            token_id: record.id,
        };
        let change = Change {
            action: "account.login",
            object_type: "token",
            object_id: ids::encode(Kind::Token, record.id).0,
            regions: vec![],
            before: None::<&()>,
            after: Some(&record.expires_at),
        };
        audit_log::record(&txn, ctx, &viewer, change).await?;
        txn.commit().await.map_err(ApiError::from)?;
        Ok(LoginPayload {
            token: Some(token),
            expires_at: Some(record.expires_at),
            viewer: Some(ViewerInfo(viewer)),
            user_errors: vec![],
        })
    }

    /// Revokes the token this request came with.
    #[instrument(skip_all)]
    async fn logout(&self, ctx: &Context<'_>) -> Result<RevokeTokenPayload> {
        let viewer = guard::viewer(ctx)?;
        revoke(ctx, viewer, viewer.token_id).await
    }

    /// Revokes a token: one's own, or any for ADMIN.
    #[instrument(skip_all)]
    async fn revoke_token(&self, ctx: &Context<'_>, input: RevokeTokenInput) -> Result<RevokeTokenPayload> {
        let viewer = guard::viewer(ctx)?;
        let Some(id) = ids::decode(Kind::Token, &input.token_id) else {
            return Ok(RevokeTokenPayload {
                revoked_token_id: None,
                user_errors: vec![UserError::general(UserErrorCode::NotFound, "no such token")],
            });
        };
        revoke(ctx, viewer, id).await
    }
}
