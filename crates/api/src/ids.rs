//! Opaque Relay global ids: base64url of `Type:number`.
use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The kinds of object a global id can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A firm.
    Firm,
    /// A supply link.
    SupplyLink,
    /// An API token.
    Token,
    /// An audit event.
    AuditEvent,
    /// A stored analysis run.
    AnalysisRun,
    /// A whitelist entry.
    WhitelistEntry,
    /// A published whitelist batch.
    WhitelistBatch,
    /// A blockage.
    Blockage,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Self::Firm => "Firm",
            Self::SupplyLink => "SupplyLink",
            Self::Token => "Token",
            Self::AuditEvent => "AuditEvent",
            Self::AnalysisRun => "AnalysisRun",
            Self::WhitelistEntry => "WhitelistEntry",
            Self::WhitelistBatch => "WhitelistBatch",
            Self::Blockage => "Blockage",
        }
    }
}

/// Encodes a global id.
pub fn encode(kind: Kind, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.tag())))
}

/// Decodes any global id; `None` when it is not one of ours.
pub fn decode_any(id: &str) -> Option<(Kind, i64)> {
    let raw = URL_SAFE_NO_PAD.decode(id.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (tag, num) = text.split_once(':')?;
    let kind = [
        Kind::Firm,
        Kind::SupplyLink,
        Kind::Token,
        Kind::AuditEvent,
        Kind::AnalysisRun,
        Kind::WhitelistEntry,
        Kind::WhitelistBatch,
        Kind::Blockage,
    ]
    .into_iter()
    .find(|k| k.tag() == tag)?;
    Some((kind, num.parse().ok()?))
}

/// Decodes a global id that must be of `kind`.
pub fn decode(kind: Kind, id: &str) -> Option<i64> {
    decode_any(id).filter(|(k, _)| *k == kind).map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_kind() {
        let id = encode(Kind::SupplyLink, 42);
        assert_eq!(decode(Kind::SupplyLink, &id), Some(42));
        assert_eq!(decode(Kind::Firm, &id), None);
        assert_eq!(decode_any("not an id"), None);
        assert_eq!(decode_any(&URL_SAFE_NO_PAD.encode("Firm:x")), None);
    }
}
