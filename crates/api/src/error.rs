//! Errors a client can see: transport errors with one stable `extensions.code` each
//! ([`ApiError`]), and the expected failures mutations return as data ([`UserError`]).
use async_graphql::{ErrorExtensions, SimpleObject};

use linchpin_domain::{ErrorCode, ValidationError};
use linchpin_store::StoreError;

/// Transport-level errors, each with one stable `extensions.code`.
///
/// Deliberately not `Display`: async-graphql converts any `Display` error into a response error
/// without a code, so this type converts only through its own `From`, which always sets one.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ApiError {
    /// The request needs a signed-in account.
    Unauthenticated,
    /// The account may not do this.
    Forbidden,
    /// The object does not exist (or is not visible).
    NotFound(String),
    /// An argument is invalid.
    Validation(String),
    /// A concurrent change won.
    Conflict(String),
    /// Too many requests.
    RateLimited {
        /// Seconds until a retry can succeed.
        retry_after_secs: u64,
    },
    /// Anything else. The cause is logged, and the client sees only "internal error".
    Internal,
}

impl ApiError {
    /// The message the client sees.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated => "authentication required".into(),
            Self::Forbidden => "forbidden".into(),
            Self::NotFound(what) => format!("{what} not found"),
            Self::Validation(m) | Self::Conflict(m) => m.clone(),
            Self::RateLimited { retry_after_secs } => {
                format!("rate limited; retry after {retry_after_secs} s")
            }
            Self::Internal => "internal error".into(),
        }
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Validation(_) => "VALIDATION",
            Self::Conflict(_) => "CONFLICT",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Internal => "INTERNAL",
        }
    }

    /// Logs an internal cause and returns the opaque error the client sees.
    pub fn internal(cause: &dyn std::error::Error) -> Self {
        tracing::error!(error = %cause, source = ?cause.source(), "internal error");
        Self::Internal
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        let code = e.code();
        let retry = if let ApiError::RateLimited { retry_after_secs } = &e { Some(*retry_after_secs) } else { None };
        async_graphql::Error::new(e.message()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(r) = retry {
                ext.set("retryAfterSeconds", r);
            }
        })
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::NotFound(what),
            StoreError::Duplicate(what) => Self::Conflict(format!("{what} already exists")),
            e @ StoreError::VersionConflict { .. } => Self::Conflict(e.to_string()),
            StoreError::Invalid(v) => Self::Validation(v.message),
            StoreError::Busy => Self::Conflict("the database is busy with another write; retry shortly".into()),
            other => Self::internal(&other),
        }
    }
}

/// Stable codes of `userErrors`: expected business failures, returned as data.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserErrorCode {
    /// A USCC is malformed or its check digit is wrong.
    InvalidUscc,
    /// A region code or jurisdiction prefix is not GB/T 2260.
    InvalidRegion,
    /// An industry code is not GB/T 4754-2017.
    InvalidIndustry,
    /// A chain code is malformed.
    InvalidChain,
    /// A number is outside its allowed range.
    OutOfRange,
    /// A text is empty, too long or has control characters.
    InvalidText,
    /// A value is not one of the allowed words.
    InvalidValue,
    /// A link from a firm to itself.
    SelfLink,
    /// The object already exists.
    Duplicate,
    /// A referenced object does not exist.
    NotFound,
    /// The object changed since it was read; reload and retry.
    VersionConflict,
    /// The change is not allowed in the object's current state.
    InvalidState,
    /// Wrong username or password, or a disabled account.
    InvalidCredentials,
    /// A workflow step this state does not allow.
    InvalidTransition,
    /// The object lies outside the caller's jurisdiction.
    NotInJurisdiction,
    /// The caller's jurisdiction is below the level the step needs.
    LevelTooLow,
    /// The account that proposed an entry may not approve it (four eyes).
    FourEyes,
    /// The firm does not supply the caller's firm through a confirmed link.
    NotASupplier,
    /// A LARGE or UNKNOWN-size firm needs `sizeOverrideReason`.
    SizeOverrideRequired,
    /// The firm is not on that chain.
    NotOnChain,
    /// A vehicle plate number is not a Chinese plate number.
    InvalidPlate,
}

impl From<ErrorCode> for UserErrorCode {
    /// Every domain code has its own GraphQL code of the same name; the match has no wildcard, so a
    /// new domain code that is not mirrored here does not compile.
    fn from(c: ErrorCode) -> Self {
        match c {
            ErrorCode::InvalidUscc => Self::InvalidUscc,
            ErrorCode::InvalidRegion => Self::InvalidRegion,
            ErrorCode::InvalidIndustry => Self::InvalidIndustry,
            ErrorCode::InvalidChain => Self::InvalidChain,
            ErrorCode::OutOfRange => Self::OutOfRange,
            ErrorCode::InvalidText => Self::InvalidText,
            ErrorCode::InvalidValue => Self::InvalidValue,
            ErrorCode::SelfLink => Self::SelfLink,
            ErrorCode::Duplicate => Self::Duplicate,
            ErrorCode::NotFound => Self::NotFound,
            ErrorCode::VersionConflict => Self::VersionConflict,
            ErrorCode::InvalidState => Self::InvalidState,
            ErrorCode::InvalidTransition => Self::InvalidTransition,
            ErrorCode::NotInJurisdiction => Self::NotInJurisdiction,
            ErrorCode::LevelTooLow => Self::LevelTooLow,
            ErrorCode::FourEyes => Self::FourEyes,
            ErrorCode::NotASupplier => Self::NotASupplier,
            ErrorCode::SizeOverrideRequired => Self::SizeOverrideRequired,
            ErrorCode::NotOnChain => Self::NotOnChain,
            ErrorCode::InvalidPlate => Self::InvalidPlate,
        }
    }
}

/// An expected failure of a mutation, returned in its payload.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct UserError {
    /// Path to the input field at fault, e.g. `["input", "uscc"]`; empty when no single field is.
    pub field: Vec<String>,
    /// What went wrong, fit to show a user.
    pub message: String,
    /// Stable code.
    pub code: UserErrorCode,
}

impl UserError {
    /// An error blamed on `input.<field>`.
    pub fn on(field: &str, e: ValidationError) -> Self {
        Self { field: vec!["input".into(), field.into()], message: e.message, code: e.code.into() }
    }

    /// NOT_FOUND on `input.<field>`: no firm (the caller may see) has this USCC.
    pub fn unknown_firm(field: &str, uscc: &linchpin_domain::Uscc) -> Self {
        Self::on(field, ValidationError::new(ErrorCode::NotFound, format!("no firm with USCC {uscc} is registered")))
    }

    /// An error blamed on no single field.
    pub fn general(code: UserErrorCode, message: impl Into<String>) -> Self {
        Self { field: vec!["input".into()], message: message.into(), code }
    }

    /// Maps a store failure of a mutation: expected ones become user errors, the rest transport
    /// errors.
    pub fn from_store(e: StoreError) -> Result<Self, ApiError> {
        Ok(match e {
            StoreError::NotFound(what) => Self::general(UserErrorCode::NotFound, format!("{what} not found")),
            StoreError::Duplicate(what) => Self::general(UserErrorCode::Duplicate, format!("{what} already exists")),
            StoreError::VersionConflict { expected, current } => Self {
                field: vec!["input".into(), "version".into()],
                message: format!("the object is at version {current}, not {expected}: reload it and retry"),
                code: UserErrorCode::VersionConflict,
            },
            StoreError::Invalid(v) => Self::general(v.code.into(), v.message),
            other => return Err(ApiError::from(other)),
        })
    }
}

impl From<linchpin_store::DbErr> for ApiError {
    fn from(e: linchpin_store::DbErr) -> Self {
        StoreError::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_domain_code_has_a_graphql_code_of_the_same_name() {
        for c in ErrorCode::ALL {
            let wire = async_graphql::InputType::to_value(&UserErrorCode::from(c));
            assert_eq!(wire, async_graphql::Value::Enum(async_graphql::Name::new(c.as_str())), "{c}");
        }
    }
}
