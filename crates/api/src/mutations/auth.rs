//! `login`, `logout` and `revokeToken`.
use std::sync::OnceLock;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use linchpin_domain::{Username, Viewer};
use linchpin_store::{StoreError, accounts};
use tracing::instrument;

use super::{Outcome, Write, payload, respond};
use crate::audit_log::Change;
use crate::auth::{hash_password, new_token, verify_password};
use crate::error::{ApiError, UserError, UserErrorCode};
use crate::guard;
use crate::ids::{self, Kind};
use crate::limits::{Decision, Rule};
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

payload!(RevokeTokenPayload, revoked_token_id: ID);

/// A successful sign-in: the token text (shown once), when it expires, and who signed in.
pub(crate) struct SignedIn {
    token: String,
    expires_at: DateTime<Utc>,
    viewer: Viewer,
}

impl super::Payload for LoginPayload {
    type Object = SignedIn;
    fn done(s: SignedIn) -> Self {
        Self {
            token: Some(s.token),
            expires_at: Some(s.expires_at),
            viewer: Some(ViewerInfo(s.viewer)),
            user_errors: vec![],
        }
    }
    fn refused(errors: Vec<UserError>) -> Self {
        Self { user_errors: errors, ..Default::default() }
    }
}

fn invalid_credentials() -> UserError {
    UserError::general(UserErrorCode::InvalidCredentials, "wrong username or password")
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

fn no_such_token() -> UserError {
    UserError::general(UserErrorCode::NotFound, "no such token")
}

async fn revoke(ctx: &Context<'_>, viewer: &Viewer, token_id: i64) -> Outcome<ID> {
    let w = Write::begin(ctx).await?;
    let token = match accounts::get_token(w.txn(), token_id).await {
        Ok(t) if viewer.can_revoke_token_of(t.account_id) => t,
        Ok(_) | Err(StoreError::NotFound(_)) => return Err(no_such_token().into()),
        Err(e) => return Err(e.into()),
    };
    let after = accounts::revoke_token(w.txn(), token.id).await?;
    let id = ids::encode(Kind::Token, token.id);
    let change = Change {
        action: "token.revoke",
        object_type: "token",
        object_id: id.0.clone(),
        regions: vec![],
        before: Some(&token.revoked_at),
        after: Some(&after.revoked_at),
    };
    w.commit(viewer, change, None).await?;
    // live connections on this token end now here, and within a sweep on other replicas
    guard::state(ctx)?.sessions.end(&[token.id]);
    Ok(id)
}

async fn login(ctx: &Context<'_>, input: LoginInput) -> Outcome<SignedIn> {
    let state = guard::state(ctx)?;
    let username = Username::parse(&input.username).map_err(|_| invalid_credentials())?;
    if let Decision::Limited { retry_after_secs } =
        state.limiter.acquire(&format!("login:{}", username.as_str()), Rule::LOGIN).await
    {
        crate::metrics::rate_limited("login");
        return Err(ApiError::RateLimited { retry_after_secs }.into());
    }
    let found = accounts::find(state.store.db(), username.as_str()).await?;
    let (account, hash) = match found {
        Some((a, Some(h))) if !a.disabled => (Some(a), h),
        _ => (None, dummy_hash().await?.to_owned()),
    };
    let ok = verify_password(hash, input.password).await?;
    let (Some(account), true) = (account, ok) else {
        return Err(invalid_credentials().into());
    };
    let (token, token_hash) = new_token();
    let expires_at = Utc::now() + state.token_ttl;
    let w = Write::begin(ctx).await?;
    let record = accounts::issue_token(w.txn(), account.id, &token_hash, "login", expires_at).await?;
    let viewer =
        Viewer { account_id: account.id, username: account.username, binding: account.binding, token_id: record.id };
    let change = Change {
        action: "account.login",
        object_type: "token",
        object_id: ids::encode(Kind::Token, record.id).0,
        regions: vec![],
        before: None::<&()>,
        after: Some(&record.expires_at),
    };
    w.commit(&viewer, change, None).await?;
    Ok(SignedIn { token, expires_at: record.expires_at, viewer })
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
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<LoginPayload, ApiError> {
        respond(login(ctx, input).await)
    }

    /// Revokes the token this request came with.
    #[instrument(skip_all)]
    async fn logout(&self, ctx: &Context<'_>) -> Result<RevokeTokenPayload, ApiError> {
        let viewer = guard::viewer(ctx)?;
        respond(revoke(ctx, viewer, viewer.token_id).await)
    }

    /// Revokes a token: one's own, or any for ADMIN.
    #[instrument(skip_all)]
    async fn revoke_token(&self, ctx: &Context<'_>, input: RevokeTokenInput) -> Result<RevokeTokenPayload, ApiError> {
        let viewer = guard::viewer(ctx)?;
        let Some(id) = ids::decode(Kind::Token, &input.token_id) else {
            return respond(Err(no_such_token().into()));
        };
        respond(revoke(ctx, viewer, id).await)
    }
}
