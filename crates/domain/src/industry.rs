//! `IndustryCode`: GB/T 4754-2017 section, division, group and class.
use crate::ascii::Ascii;
use crate::error::{ErrorCode, ValidationError};

/// The sections of GB/T 4754-2017 with the range of two-digit divisions each contains.
const SECTIONS: [(char, u8, u8); 20] = [
    ('A', 1, 5),
    ('B', 6, 12),
    ('C', 13, 43),
    ('D', 44, 46),
    ('E', 47, 50),
    ('F', 51, 52),
    ('G', 53, 60),
    ('H', 61, 62),
    ('I', 63, 65),
    ('J', 66, 69),
    ('K', 70, 70),
    ('L', 71, 72),
    ('M', 73, 75),
    ('N', 76, 79),
    ('O', 80, 82),
    ('P', 83, 83),
    ('Q', 84, 85),
    ('R', 86, 90),
    ('S', 91, 96),
    ('T', 97, 97),
];

/// A GB/T 4754-2017 industry code: a section letter followed by 2 to 4 digits (division, group,
/// class), e.g. `C36` or `C3670`. The division must belong to the section.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct IndustryCode(Ascii<5>);

impl std::fmt::Debug for IndustryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("IndustryCode").field(&self.0).finish()
    }
}

impl IndustryCode {
    /// Parses an industry code (trimmed, section letter upper-cased).
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim().to_ascii_uppercase();
        let bad = |why: String| ValidationError::new(ErrorCode::InvalidIndustry, why);
        let mut chars = s.chars();
        let section = chars.next();
        let digits: &str = chars.as_str();
        let Some(section) = section.filter(|c| c.is_ascii_uppercase()) else {
            return Err(bad(format!(
                "industry code `{}` must start with a GB/T 4754-2017 section letter",
                input.trim()
            )));
        };
        if !(2..=4).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(format!(
                "industry code `{s}` must be a section letter followed by 2 to 4 digits, e.g. C36 or C3670"
            )));
        }
        let Some(&(_, lo, hi)) = SECTIONS.iter().find(|(c, _, _)| *c == section) else {
            return Err(bad(format!("industry code `{s}`: `{section}` is not a GB/T 4754-2017 section (A to T)")));
        };
        let division: u8 = digits[..2].parse().map_err(|_| bad(format!("industry code `{s}` has no division")))?;
        if !(lo..=hi).contains(&division) {
            return Err(bad(format!(
                "industry code `{s}`: division {division:02} is not in section {section} (divisions {lo:02} to {hi:02})"
            )));
        }
        Ascii::new(&s).map(Self).ok_or_else(|| bad(format!("industry code `{s}` is too long")))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The section letter.
    pub fn section(&self) -> char {
        self.as_str().as_bytes()[0] as char
    }

    /// The two-digit division number.
    pub fn division(&self) -> u8 {
        let b = self.as_str().as_bytes();
        (b[1] - b'0') * 10 + (b[2] - b'0')
    }

    /// The section letter and two-digit division, e.g. `C36` for `C3670`: the industry used to
    /// group substitutable suppliers in the analyses.
    pub fn division_code(&self) -> &str {
        &self.as_str()[..3]
    }
}

/// The level of GB/T 4754-2017 at which suppliers count as substitutes in the analyses: two
/// suppliers of the same division (`C36`), group (`C367`) or class (`C3670`) can stand in for each
/// other. A firm registered with a coarser code than the level keeps its own code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IndustryLevel {
    /// Section letter and two digits (`C36`).
    Division,
    /// Three digits (`C367`).
    Group,
    /// Four digits (`C3670`): the code as registered, the finest there is (the default).
    #[default]
    Class,
}

impl IndustryLevel {
    /// The stable name (`division`, `group`, `class`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Division => "division",
            Self::Group => "group",
            Self::Class => "class",
        }
    }

    /// Parses a name (case-insensitive).
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "division" => Ok(Self::Division),
            "group" => Ok(Self::Group),
            "class" => Ok(Self::Class),
            other => Err(ValidationError::new(
                ErrorCode::InvalidValue,
                format!("industry level must be division, group or class, got `{other}`"),
            )),
        }
    }

    /// The part of `code` that names the industry at this level.
    pub fn key(self, code: &IndustryCode) -> &str {
        let s = code.as_str();
        let len = match self {
            Self::Division => 3,
            Self::Group => 4,
            Self::Class => 5,
        };
        &s[..len.min(s.len())]
    }
}

impl std::fmt::Display for IndustryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_codes_are_accepted_at_every_level() {
        for ok in [
            "C36", "C367", "C3670", "A01", "A05", "B06", "C13", "C43", "D44", "E50", "F51", "G60", "I65", "K70",
            "K7010", "T97", "c36",
        ] {
            assert!(IndustryCode::parse(ok).is_ok(), "{ok}");
        }
        let c = IndustryCode::parse("C3670").unwrap();
        assert_eq!((c.section(), c.division(), c.division_code()), ('C', 36, "C36"));
    }

    #[test]
    fn malformed_codes_are_rejected() {
        for bad in ["", "C", "C3", "C36701", "36", "CC36", "C3a", "Z01", "U97"] {
            assert_eq!(IndustryCode::parse(bad).unwrap_err().code, ErrorCode::InvalidIndustry, "{bad}");
        }
    }

    #[test]
    fn industries_are_cut_to_the_substitution_level_but_never_padded() {
        let class = IndustryCode::parse("C3670").unwrap();
        let division = IndustryCode::parse("C36").unwrap();
        assert_eq!(IndustryLevel::Division.key(&class), "C36");
        assert_eq!(IndustryLevel::Group.key(&class), "C367");
        assert_eq!(IndustryLevel::Class.key(&class), "C3670");
        assert_eq!(IndustryLevel::Class.key(&division), "C36", "a coarser code keeps its own");
        assert_eq!(IndustryLevel::parse("GROUP").unwrap(), IndustryLevel::Group);
        assert!(IndustryLevel::parse("sector").is_err());
    }

    #[test]
    fn a_division_outside_its_section_is_rejected() {
        for bad in ["A06", "B05", "B13", "C12", "C44", "F53", "K71", "A00", "T98"] {
            assert_eq!(IndustryCode::parse(bad).unwrap_err().code, ErrorCode::InvalidIndustry, "{bad}");
        }
    }
}
