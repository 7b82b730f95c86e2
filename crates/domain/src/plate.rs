//! Chinese motor-vehicle plate numbers (GA 36-2018), as a freight blockage names its trucks.
//!
//! A plate is a province abbreviation (京, 沪, 浙, ...), the issuing office's letter (A-Z without I
//! and O), then:
//! - ordinary plates: 5 letters or digits (no I, O), e.g. `浙A12345`, `浙AB1C23`;
//! - small new-energy plates (green): `D` (pure electric) or `F` (other) then a letter or digit and
//!   4 digits, e.g. `浙AD12345`, `浙AFA1234`;
//! - large new-energy plates (buses, trucks): 5 digits then `D` or `F`, e.g. `浙A12345D`;
//! - trailers, coaches, police, hong kong/macau crossings: 4 letters or digits then `挂`, `学`,
//!   `警`, `港` or `澳`, e.g. `浙A1234挂`.
//!
//! Input is trimmed, spaces, `·` and `-` between the parts are dropped and ASCII letters are
//! upper-cased, so `浙A·12345` and `浙a 12345` are the same plate `浙A12345`.
use std::fmt;

use crate::error::{ErrorCode, ValidationError};

/// The 31 province-level abbreviations of the mainland.
pub const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// Suffixes of 4-character plates.
const SUFFIXES: &str = "挂学警港澳";

/// A valid plate number in its canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Plate(String);

fn serial_char(c: char) -> bool {
    (c.is_ascii_uppercase() && c != 'I' && c != 'O') || c.is_ascii_digit()
}

fn office_char(c: char) -> bool {
    c.is_ascii_uppercase() && c != 'I' && c != 'O'
}

impl Plate {
    /// Parses a plate number, or says why it is not one.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let canon: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '·' | '•' | '-' | '\u{3000}'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bad = |why: &str| {
            ValidationError::new(
                ErrorCode::InvalidPlate,
                format!("`{}` is not a Chinese plate number: {why}", input.trim()),
            )
        };
        let chars: Vec<char> = canon.chars().collect();
        let [province, office, rest @ ..] = chars.as_slice() else { return Err(bad("too short")) };
        if !PROVINCES.contains(*province) {
            return Err(bad("it must start with a province abbreviation such as 京, 沪 or 浙"));
        }
        if !office_char(*office) {
            return Err(bad("the second character must be a letter A-Z other than I and O"));
        }
        let ok = match rest {
            // trailer, coach, police, Hong Kong and Macau crossings
            [serial @ .., suffix] if rest.len() == 5 && SUFFIXES.contains(*suffix) => {
                serial.iter().all(|c| serial_char(*c))
            }
            // ordinary
            [_, _, _, _, _] => rest.iter().all(|c| serial_char(*c)),
            // new energy, small: D or F, a letter or digit, 4 digits
            [first, second, digits @ ..] if rest.len() == 6 && matches!(first, 'D' | 'F') => {
                serial_char(*second) && digits.iter().all(char::is_ascii_digit)
            }
            // new energy, large: 5 digits, then D or F
            [digits @ .., last] if rest.len() == 6 && matches!(last, 'D' | 'F') => {
                digits.iter().all(char::is_ascii_digit)
            }
            _ => false,
        };
        if !ok {
            return Err(bad(
                "after the province and office letter come 5 letters or digits (6 on a new-energy plate, starting or ending with D or F; 4 and 挂 on a trailer)",
            ));
        }
        Ok(Self(canon))
    }

    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it is a new-energy (green) plate.
    pub fn is_new_energy(&self) -> bool {
        self.0.chars().count() == 8
    }
}

impl fmt::Display for Plate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_plate_formats_are_accepted_in_their_canonical_form() {
        for (input, canon, green) in [
            ("浙A12345", "浙A12345", false),
            ("浙AB1C23", "浙AB1C23", false),
            ("京N8P8F8", "京N8P8F8", false),
            ("粤B·D12345", "粤BD12345", true),
            ("沪AD12345", "沪AD12345", true),
            ("苏EFA1234", "苏EFA1234", true),
            ("鲁B12345D", "鲁B12345D", true),
            ("川A12345F", "川A12345F", true),
            ("浙A1234挂", "浙A1234挂", false),
            ("冀B12X3挂", "冀B12X3挂", false),
            ("粤Z1234港", "粤Z1234港", false),
            ("  浙a 123-45 ", "浙A12345", false),
            ("新A12345", "新A12345", false),
            ("藏A12345", "藏A12345", false),
        ] {
            let p = Plate::parse(input).unwrap_or_else(|e| panic!("{input}: {}", e.message));
            assert_eq!(p.as_str(), canon, "{input}");
            assert_eq!(p.is_new_energy(), green, "{input}");
        }
    }

    #[test]
    fn malformed_plates_are_refused_with_a_code() {
        for input in [
            "",
            "浙",
            "浙A",
            "浙A1234",    // too short
            "浙A1234567", // too long
            "AB12345",    // no province
            "台A12345",   // not a mainland province abbreviation
            "浙I12345",   // office letter I
            "浙112345",   // office is a digit
            "浙AO1234",   // O in the serial
            "浙AX12345",  // 6 characters but no D/F
            "浙AD1234A",  // small new-energy: the last 4 are digits
            "浙A1234XD",  // large new-energy: 5 digits before D
            "浙A12345挂", // a trailer has 4 characters before 挂
            "浙A1234领",  // not a known suffix
            "浙A12\u{202e}45",
        ] {
            let e = Plate::parse(input).expect_err(input);
            assert_eq!(e.code, ErrorCode::InvalidPlate, "{input}");
        }
    }
}
