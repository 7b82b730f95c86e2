//! Free text from outside (firm names, products, and later comments and justifications): trimmed,
//! normalised to Unicode NFC so that the same name typed two ways is stored once, and refused when
//! it holds characters a spreadsheet, a terminal or a reader would misread: control characters,
//! bidirectional overrides (which make `txt.exe` look like `exe.txt`) and zero-width or other
//! invisible characters (which make two different names look the same).
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::error::{ErrorCode, ValidationError};

/// Whether `c` is invisible or changes the direction of the text around it.
pub fn is_invisible_or_bidi(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'                      // soft hyphen
            | '\u{061C}'                // Arabic letter mark
            | '\u{180E}'                // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
            | '\u{202A}'..='\u{202E}'   // LRE, RLE, PDF, LRO, RLO
            | '\u{2060}'..='\u{2064}'   // word joiner, invisible operators
            | '\u{2066}'..='\u{206F}'   // isolates and deprecated format characters
            | '\u{FEFF}'                // zero-width no-break space (BOM)
            | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotation
            | '\u{E0000}'..='\u{E007F}' // tags
    )
}

/// How a text field may look.
#[derive(Debug, Clone, Copy)]
pub struct TextRule {
    /// What the text is, for messages (`firm name`, `product`).
    pub what: &'static str,
    /// Fewest characters after trimming (0 allows empty).
    pub min_chars: usize,
    /// Most characters after normalisation.
    pub max_chars: usize,
    /// Whether line breaks are allowed (comments); other control characters never are.
    pub multiline: bool,
}

impl TextRule {
    /// Trims, normalises to NFC and checks `input`.
    pub fn clean(&self, input: &str) -> Result<String, ValidationError> {
        let unified = if self.multiline { input.replace("\r\n", "\n") } else { input.to_owned() };
        let trimmed = unified.trim();
        // Nearly all text is already NFC; the quick check avoids re-composing it.
        let s: String = match is_nfc_quick(trimmed.chars()) {
            IsNormalized::Yes => trimmed.to_owned(),
            IsNormalized::No | IsNormalized::Maybe => trimmed.nfc().collect(),
        };
        let n = s.chars().count();
        let bad_len = || {
            ValidationError::new(
                ErrorCode::InvalidText,
                format!(
                    "{} must be {} to {} characters without control characters",
                    self.what, self.min_chars, self.max_chars
                ),
            )
        };
        if n < self.min_chars || n > self.max_chars {
            return Err(bad_len());
        }
        if let Some(c) = s.chars().find(|&c| c.is_control() && !(self.multiline && c == '\n')) {
            return Err(ValidationError::new(
                ErrorCode::InvalidText,
                format!("{} must not contain control characters (found U+{:04X})", self.what, c as u32),
            ));
        }
        if let Some(c) = s.chars().find(|&c| is_invisible_or_bidi(c)) {
            return Err(ValidationError::new(
                ErrorCode::InvalidText,
                format!(
                    "{} must not contain invisible or direction-changing characters (found U+{:04X})",
                    self.what, c as u32
                ),
            ));
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: TextRule = TextRule { what: "firm name", min_chars: 1, max_chars: 200, multiline: false };

    #[test]
    fn text_is_trimmed_and_normalised_to_nfc() {
        // "é" as e + combining acute becomes the single precomposed character
        assert_eq!(NAME.clean(" Cafe\u{301} 精密 ").unwrap(), "Caf\u{e9} 精密");
    }

    #[test]
    fn bidi_overrides_zero_width_and_control_characters_are_refused() {
        for bad in ["exe\u{202E}txt.", "甲\u{200B}乙", "\u{FEFF}丙", "a\u{2066}b", "a\u{7}b", "a\nb", "x\u{E0041}"] {
            let e = NAME.clean(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidText, "{bad:?}");
        }
        assert!(NAME.clean("a\u{202E}b").unwrap_err().message.contains("U+202E"));
    }

    #[test]
    fn comments_may_span_lines_but_not_hold_other_controls() {
        let comment = TextRule { what: "comment", min_chars: 0, max_chars: 2000, multiline: true };
        assert_eq!(comment.clean("第一行\r\n第二行").unwrap(), "第一行\n第二行");
        assert!(comment.clean("a\tb").is_err());
        assert_eq!(comment.clean("  ").unwrap(), "");
    }

    #[test]
    fn lengths_count_characters_after_normalisation() {
        assert!(NAME.clean(&"名".repeat(200)).is_ok());
        assert!(NAME.clean(&"名".repeat(201)).is_err());
        assert!(NAME.clean("   ").is_err());
    }
}
