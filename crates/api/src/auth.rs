//! Secrets: argon2 password hashes (computed off the async runtime) and bearer tokens, which are
//! 32 random bytes shown once and stored only as their SHA-256.
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use linchpin_domain::{Password, Viewer};
use linchpin_store::{Store, StoreError, accounts};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// Prefix of every token, so leaked tokens are easy to recognise and scan for.
pub const TOKEN_PREFIX: &str = "lp_";

/// A fresh token: the text to give the user once, and the hash to store.
pub fn new_token() -> (String, String) {
    let bytes: [u8; 32] = rand::random();
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes a password with argon2id on a blocking thread.
pub async fn hash_password(password: Password) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())?;
        Argon2::default().hash_password(password.expose().as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        ApiError::Internal
    })
}

/// Checks a password against a stored hash on a blocking thread. A malformed hash never matches.
pub async fn verify_password(hash: String, password: String) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(|e| ApiError::internal(&e))
}

/// The viewer behind an `Authorization` header value (`Bearer <token>`), if the token is valid.
pub async fn authenticate(store: &Store, header: &str) -> Result<Option<Viewer>, StoreError> {
    let Some(token) = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("bearer ")).map(str::trim) else {
        return Ok(None);
    };
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Ok(None);
    }
    accounts::authenticate(store.db(), &token_hash(token), Utc::now()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_prefixed_and_stored_hashed() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(ha, token_hash(&a));
        assert_eq!(ha.len(), 64);
        assert!(!ha.contains(&a[3..]));
    }

    #[tokio::test]
    async fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password(Password::parse("correct horse battery").unwrap()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(hash.clone(), "correct horse battery".into()).await.unwrap());
        assert!(!verify_password(hash, "wrong horse battery".into()).await.unwrap());
        assert!(!verify_password("not a hash".into(), "x".into()).await.unwrap());
    }
}
