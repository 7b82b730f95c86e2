//! The stable error codes of validation and business rules, and the validation error carrying one.
use thiserror::Error;

/// Stable, machine-readable codes for validation and business-rule failures.
///
/// These strings are part of the public API contract: GraphQL `userErrors.code` and import
/// reports carry them verbatim, so they never change meaning once published.
///
/// Deliberately exhaustive (not `#[non_exhaustive]`): every layer that mirrors these codes (the
/// GraphQL `UserErrorCode`) matches them without a wildcard, so a new code that is not mapped
/// there fails to compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A unified social credit code is malformed or its check digit is wrong.
    InvalidUscc,
    /// A GB/T 2260 region code or jurisdiction prefix is malformed or names no province.
    InvalidRegion,
    /// A GB/T 4754-2017 industry code is malformed or its division is not in its section.
    InvalidIndustry,
    /// A supply-chain code is malformed.
    InvalidChain,
    /// A number is negative, zero where it must be positive, or too large.
    OutOfRange,
    /// A required text is empty or too long.
    InvalidText,
    /// An enumerated value (such as essentiality) is not one of the allowed words.
    InvalidValue,
    /// A link would connect a firm to itself.
    SelfLink,
    /// The object already exists (same USCC, or same supplier, customer and product).
    Duplicate,
    /// A referenced object does not exist.
    NotFound,
    /// The object changed since the caller read it (optimistic concurrency).
    VersionConflict,
    /// The requested state change is not allowed from the current state.
    InvalidState,
    /// A workflow step that this state does not allow (whitelist entries, blockages).
    InvalidTransition,
    /// The object lies outside the caller's jurisdiction.
    NotInJurisdiction,
    /// The caller's jurisdiction is below the level the step needs (a county deciding on a
    /// province's nomination).
    LevelTooLow,
    /// The same account may not both propose and approve (four eyes).
    FourEyes,
    /// The firm does not supply the caller's firm through a confirmed link.
    NotASupplier,
    /// A LARGE or UNKNOWN-size firm needs an explicit reason to be treated as an SME.
    SizeOverrideRequired,
    /// The firm is not on that chain.
    NotOnChain,
    /// A vehicle plate number is not a Chinese plate (GA 36-2018, new-energy plates included).
    InvalidPlate,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [Self; 20] = [
        Self::InvalidUscc,
        Self::InvalidRegion,
        Self::InvalidIndustry,
        Self::InvalidChain,
        Self::OutOfRange,
        Self::InvalidText,
        Self::InvalidValue,
        Self::SelfLink,
        Self::Duplicate,
        Self::NotFound,
        Self::VersionConflict,
        Self::InvalidState,
        Self::InvalidTransition,
        Self::NotInJurisdiction,
        Self::LevelTooLow,
        Self::FourEyes,
        Self::NotASupplier,
        Self::SizeOverrideRequired,
        Self::NotOnChain,
        Self::InvalidPlate,
    ];

    /// The stable wire name, e.g. `INVALID_USCC`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidUscc => "INVALID_USCC",
            Self::InvalidRegion => "INVALID_REGION",
            Self::InvalidIndustry => "INVALID_INDUSTRY",
            Self::InvalidChain => "INVALID_CHAIN",
            Self::OutOfRange => "OUT_OF_RANGE",
            Self::InvalidText => "INVALID_TEXT",
            Self::InvalidValue => "INVALID_VALUE",
            Self::SelfLink => "SELF_LINK",
            Self::Duplicate => "DUPLICATE",
            Self::NotFound => "NOT_FOUND",
            Self::VersionConflict => "VERSION_CONFLICT",
            Self::InvalidState => "INVALID_STATE",
            Self::InvalidTransition => "INVALID_TRANSITION",
            Self::NotInJurisdiction => "NOT_IN_JURISDICTION",
            Self::LevelTooLow => "LEVEL_TOO_LOW",
            Self::FourEyes => "FOUR_EYES",
            Self::NotASupplier => "NOT_A_SUPPLIER",
            Self::SizeOverrideRequired => "SIZE_OVERRIDE_REQUIRED",
            Self::NotOnChain => "NOT_ON_CHAIN",
            Self::InvalidPlate => "INVALID_PLATE",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value from outside failed validation. Carries a stable code and a message fit for a user.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct ValidationError {
    /// The stable code.
    pub code: ErrorCode,
    /// What was wrong, in words a user can act on. Never contains internal details.
    pub message: String,
}

impl ValidationError {
    /// A new error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_with_a_distinct_wire_name() {
        let names: std::collections::HashSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len());
    }
}
