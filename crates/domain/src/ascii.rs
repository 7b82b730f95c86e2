//! Short codes kept inline: a USCC, a region code or an industry code is a few ASCII bytes, so it
//! is stored in a fixed array instead of a heap string. Reading a national network validates
//! millions of them; none allocates.

/// Up to `N` ASCII bytes, inline. Only the code types construct one, from text they validated.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Ascii<const N: usize> {
    bytes: [u8; N],
    len: u8,
}

impl<const N: usize> Ascii<N> {
    /// The text, if it is ASCII and at most `N` bytes long.
    pub(crate) fn new(s: &str) -> Option<Self> {
        if s.len() > N || !s.is_ascii() {
            return None;
        }
        let mut bytes = [0u8; N];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        Some(Self { bytes, len: s.len() as u8 })
    }

    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII is ever stored, so this cannot fail.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl<const N: usize> std::fmt::Debug for Ascii<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> serde::Serialize for Ascii<N> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_codes_round_trip_and_refuse_what_does_not_fit() {
        let a = Ascii::<6>::new("330106").unwrap();
        assert_eq!(a.as_str(), "330106");
        assert_eq!(format!("{a:?}"), r#""330106""#);
        assert!(Ascii::<6>::new("3301061").is_none());
        assert!(Ascii::<6>::new("浙江").is_none());
        assert_eq!(Ascii::<5>::new("C36").unwrap().as_str(), "C36");
        assert!(Ascii::<5>::new("C36").unwrap() < Ascii::<5>::new("C367").unwrap());
    }
}
