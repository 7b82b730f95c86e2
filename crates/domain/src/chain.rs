//! `ChainCode`: the code of a key industrial chain.
use crate::error::{ErrorCode, ValidationError};

/// A key industrial chain's code, e.g. `NEV` (new-energy vehicles) or `IC` (integrated circuits).
///
/// Invariant: 1 to 32 characters of capitals, digits, `-` and `_` (input is trimmed and
/// upper-cased).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct ChainCode(String);

impl ChainCode {
    /// Parses a chain code.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim().to_ascii_uppercase();
        if s.is_empty()
            || s.len() > 32
            || !s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(ValidationError::new(
                ErrorCode::InvalidChain,
                format!("chain code `{}` must be 1 to 32 letters, digits, `-` or `_`", input.trim()),
            ));
        }
        Ok(Self(s))
    }

    /// Parses a `;`-separated list (the `chains` column of firms.csv); empty items are ignored and
    /// duplicates dropped, order kept.
    pub fn parse_list(input: &str) -> Result<Vec<Self>, ValidationError> {
        let mut out: Vec<Self> = Vec::new();
        for part in input.split(';').filter(|p| !p.trim().is_empty()) {
            let c = Self::parse(part)?;
            if !out.contains(&c) {
                out.push(c);
            }
        }
        Ok(out)
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ChainCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_split_normalised_and_deduplicated() {
        let l = ChainCode::parse_list(" nev; IC;;NEV ;pv_2").unwrap();
        let s: Vec<&str> = l.iter().map(ChainCode::as_str).collect();
        assert_eq!(s, ["NEV", "IC", "PV_2"]);
        assert!(ChainCode::parse_list("").unwrap().is_empty());
    }

    #[test]
    fn bad_chain_codes_are_rejected() {
        for bad in ["", "a b", "链", &"X".repeat(33)] {
            assert_eq!(ChainCode::parse(bad).unwrap_err().code, ErrorCode::InvalidChain, "{bad}");
        }
        assert!(ChainCode::parse_list("NEV;a b").is_err());
    }
}
