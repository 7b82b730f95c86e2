//! `Uscc`: the unified social credit code of GB 32100-2015 with its check digit.
use crate::ascii::Ascii;
use crate::error::{ErrorCode, ValidationError};

/// The 31-character alphabet of GB 32100-2015: digits and capitals without I, O, S, V, Z.
/// A character's value is its index.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1 to 17 (3^i mod 31).
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// A unified social credit code (统一社会信用代码, GB 32100-2015) with a valid check digit.
///
/// Invariant: exactly 18 characters of [`ALPHABET`], the last being the check digit of the first
/// 17. Surrounding white space is ignored; letters must be capitals, as the standard writes them.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Uscc(Ascii<18>);

impl std::fmt::Debug for Uscc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Uscc").field(&self.0).finish()
    }
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

impl Uscc {
    /// Parses and checks a USCC.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim();
        let bad = |why: String| ValidationError::new(ErrorCode::InvalidUscc, why);
        if s.chars().count() != 18 {
            return Err(bad(format!("USCC `{s}` must have 18 characters, has {}", s.chars().count())));
        }
        let bytes = s.as_bytes();
        let mut sum = 0u32;
        for (i, &c) in bytes.iter().enumerate() {
            let Some(v) = value(c) else {
                if c.is_ascii_lowercase() {
                    return Err(bad(format!(
                        "USCC `{s}` has lower-case `{}` at position {}: GB 32100-2015 codes use capital letters",
                        c as char,
                        i + 1
                    )));
                }
                return Err(bad(format!(
                    "USCC `{s}` has `{}` at position {}, which is not in GB 32100-2015's alphabet (digits and capitals except I, O, S, V, Z)",
                    c as char,
                    i + 1
                )));
            };
            if i < 17 {
                sum += v * WEIGHTS[i];
            }
        }
        let expected = ALPHABET[((31 - sum % 31) % 31) as usize];
        if bytes[17] != expected {
            return Err(bad(format!(
                "USCC `{s}` has check digit `{}`, expected `{}`",
                bytes[17] as char, expected as char
            )));
        }
        Ascii::new(s).map(Self).ok_or_else(|| bad(format!("USCC `{s}` is not ASCII")))
    }

    /// Computes the check character for 17 leading characters; `None` if any is outside the alphabet.
    /// Useful to generate valid codes (demo data, tests).
    pub fn check_char(first17: &str) -> Option<char> {
        let b = first17.as_bytes();
        if b.len() != 17 {
            return None;
        }
        let mut sum = 0u32;
        for (i, &c) in b.iter().enumerate() {
            sum += value(c)? * WEIGHTS[i];
        }
        Some(ALPHABET[((31 - sum % 31) % 31) as usize] as char)
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl std::fmt::Display for Uscc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VALID: &str = "91350100M000100Y43";

    #[test]
    fn the_reference_code_is_valid() {
        assert_eq!(Uscc::parse(VALID).unwrap().as_str(), VALID);
    }

    #[test]
    fn surrounding_space_is_ignored_but_lower_case_is_refused() {
        assert_eq!(Uscc::parse(" 91350100M000100Y43\t").unwrap().as_str(), VALID);
        let err = Uscc::parse("91350100m000100Y43").unwrap_err();
        assert!(err.message.contains("capital"), "{}", err.message);
    }

    #[test]
    fn changing_any_character_makes_it_invalid() {
        for pos in 0..18 {
            for &c in ALPHABET.iter() {
                let mut b = VALID.as_bytes().to_vec();
                if b[pos] == c {
                    continue;
                }
                b[pos] = c;
                let s = String::from_utf8(b).unwrap();
                let err = Uscc::parse(&s).unwrap_err();
                assert_eq!(err.code, ErrorCode::InvalidUscc, "{s}");
            }
        }
    }

    #[test]
    fn wrong_length_and_foreign_characters_are_rejected() {
        for bad in [
            "",
            "91350100M000100Y4",
            "91350100M000100Y433",
            "91350100M000100I43",
            "9135010OM000100Y43",
            "91350100M000100Y4中",
        ] {
            assert_eq!(Uscc::parse(bad).unwrap_err().code, ErrorCode::InvalidUscc, "{bad}");
        }
    }

    #[test]
    fn error_names_the_expected_check_digit() {
        let msg = Uscc::parse("91350100M000100Y44").unwrap_err().message;
        assert!(msg.contains("expected `3`"), "{msg}");
    }

    proptest! {
        #[test]
        fn a_computed_check_char_always_validates(body in "[0-9A-HJ-NP-RTUW-Y]{17}") {
            let c = Uscc::check_char(&body).unwrap();
            let code = format!("{body}{c}");
            prop_assert!(Uscc::parse(&code).is_ok());
        }
    }
}
