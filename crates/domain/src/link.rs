//! Supply links: essentiality, status, product, annual value, `LinkDraft` and `SupplyLinkRecord`.
use crate::error::{ErrorCode, ValidationError};
use crate::firm::MAX_AMOUNT_10K_CNY;
use crate::uscc::Uscc;

/// Database identity of a supply link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct LinkId(pub i64);

/// How a customer's production depends on a link (the IHS classification used by ESRI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Essentiality {
    /// Production stops without it (`true` in links.csv).
    Essential,
    /// Loss of the input reduces production proportionally (`false`).
    NonEssential,
    /// No short-term effect (`negligible`).
    Negligible,
}

impl Essentiality {
    /// The stable wire name, e.g. `NON_ESSENTIAL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Essential => "ESSENTIAL",
            Self::NonEssential => "NON_ESSENTIAL",
            Self::Negligible => "NEGLIGIBLE",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(s: &str) -> Option<Self> {
        [Self::Essential, Self::NonEssential, Self::Negligible].into_iter().find(|c| c.as_str() == s)
    }

    /// Parses the `essential` column of links.csv: `true`, `false` or `negligible`
    /// (case-insensitive).
    pub fn parse_csv(input: &str) -> Result<Self, ValidationError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Self::Essential),
            "false" => Ok(Self::NonEssential),
            "negligible" => Ok(Self::Negligible),
            other => Err(ValidationError::new(
                ErrorCode::InvalidValue,
                format!("essential must be `true`, `false` or `negligible`, got `{other}`"),
            )),
        }
    }

    /// The links.csv spelling.
    pub fn csv_str(self) -> &'static str {
        match self {
            Self::Essential => "true",
            Self::NonEssential => "false",
            Self::Negligible => "negligible",
        }
    }
}

/// Whether the other end has confirmed a declared link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LinkStatus {
    /// Declared by one end (or imported), not yet confirmed.
    Declared,
    /// Confirmed.
    Confirmed,
    /// The other end said it is wrong (with a reason); no analysis counts it.
    Rejected,
}

impl LinkStatus {
    /// The stable wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Declared => "DECLARED",
            Self::Confirmed => "CONFIRMED",
            Self::Rejected => "REJECTED",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(s: &str) -> Option<Self> {
        [Self::Declared, Self::Confirmed, Self::Rejected].into_iter().find(|c| c.as_str() == s)
    }

    /// The state after confirming: only a DECLARED link can be confirmed.
    pub fn confirm(self) -> Result<Self, ValidationError> {
        match self {
            Self::Declared => Ok(Self::Confirmed),
            Self::Confirmed => Err(ValidationError::new(ErrorCode::InvalidState, "the link is already confirmed")),
            Self::Rejected => Err(ValidationError::new(
                ErrorCode::InvalidState,
                "the link was rejected; the declaring end removes it and declares it again",
            )),
        }
    }

    /// The state after rejecting: only a DECLARED link can be rejected (a confirmed one is
    /// removed instead).
    pub fn reject(self) -> Result<Self, ValidationError> {
        match self {
            Self::Declared => Ok(Self::Rejected),
            Self::Confirmed => Err(ValidationError::new(
                ErrorCode::InvalidState,
                "the link is confirmed; remove it if it no longer holds",
            )),
            Self::Rejected => Err(ValidationError::new(ErrorCode::InvalidState, "the link is already rejected")),
        }
    }
}

/// Why the other end rejects a declared link: 1 to 500 characters, one line.
pub const REJECTION_REASON: crate::TextRule =
    crate::TextRule { what: "reason", min_chars: 1, max_chars: 500, multiline: false };

/// Which links an analysis counts. Anything a user can write feeds the rankings, so a supplier must
/// not make itself important by declaring essential sales to big firms on its own word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LinkTrust {
    /// Links the customer side stands behind: confirmed, declared by the customer, or imported by
    /// a bureau or an operator (the default).
    #[default]
    CustomerBacked,
    /// Confirmed links only.
    Confirmed,
    /// Every link, whoever declared it.
    All,
}

impl LinkTrust {
    /// The stable wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CustomerBacked => "CUSTOMER_BACKED",
            Self::Confirmed => "CONFIRMED",
            Self::All => "ALL",
        }
    }

    /// Parses a wire name (case-insensitive, `-` or `_`).
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let up = s.trim().to_ascii_uppercase().replace('-', "_");
        [Self::CustomerBacked, Self::Confirmed, Self::All].into_iter().find(|t| t.as_str() == up).ok_or_else(|| {
            ValidationError::new(
                ErrorCode::InvalidValue,
                format!("link trust must be CUSTOMER_BACKED, CONFIRMED or ALL, got `{}`", s.trim()),
            )
        })
    }

    /// Whether a link of `supplier` with this status, declared by `declared_by`, counts.
    /// A REJECTED link never counts.
    pub fn counts(self, status: LinkStatus, declared_by: Option<crate::FirmId>, supplier: crate::FirmId) -> bool {
        if status == LinkStatus::Rejected {
            return false;
        }
        match self {
            Self::All => true,
            Self::Confirmed => status == LinkStatus::Confirmed,
            Self::CustomerBacked => status == LinkStatus::Confirmed || declared_by != Some(supplier),
        }
    }
}

/// What flows along a link: trimmed, NFC, 1 to 200 characters, no control, bidi-override or
/// invisible characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Product(String);

impl Product {
    /// Parses a product description.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        const RULE: crate::TextRule =
            crate::TextRule { what: "product", min_chars: 1, max_chars: 200, multiline: false };
        RULE.clean(input).map(Self)
    }

    /// The product as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An annual flow value in 10,000 CNY: finite, greater than zero, at most 1e10.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, serde::Serialize)]
#[serde(transparent)]
pub struct Value10kCny(f64);

impl Value10kCny {
    /// Parses a value.
    pub fn new(v: f64) -> Result<Self, ValidationError> {
        if v.is_finite() && v > 0.0 && v <= MAX_AMOUNT_10K_CNY {
            Ok(Self(v))
        } else {
            Err(ValidationError::new(
                ErrorCode::OutOfRange,
                format!("annual value must be greater than 0 and at most {MAX_AMOUNT_10K_CNY:e} (10,000 CNY), got {v}"),
            ))
        }
    }

    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }
}

/// A validated supply link before it has a database identity: `supplier` sells `product` to
/// `customer`. Invariant: supplier and customer differ.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LinkDraft {
    supplier: Uscc,
    customer: Uscc,
    /// What flows.
    pub product: Product,
    /// Annual value in 10,000 CNY.
    pub annual_value: Value10kCny,
    /// How the customer depends on it.
    pub essentiality: Essentiality,
}

impl LinkDraft {
    /// A link; fails with `SELF_LINK` when supplier and customer are the same firm.
    pub fn new(
        supplier: Uscc,
        customer: Uscc,
        product: Product,
        annual_value: Value10kCny,
        essentiality: Essentiality,
    ) -> Result<Self, ValidationError> {
        if supplier == customer {
            return Err(ValidationError::new(ErrorCode::SelfLink, format!("firm {supplier} cannot supply itself")));
        }
        Ok(Self { supplier, customer, product, annual_value, essentiality })
    }

    /// The selling firm.
    pub fn supplier(&self) -> &Uscc {
        &self.supplier
    }

    /// The buying firm.
    pub fn customer(&self) -> &Uscc {
        &self.customer
    }
}

/// A stored supply link.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SupplyLinkRecord {
    /// Database identity.
    pub id: LinkId,
    /// Database identity of the supplier.
    pub supplier_id: crate::FirmId,
    /// Database identity of the customer.
    pub customer_id: crate::FirmId,
    /// What flows.
    pub product: Product,
    /// Annual value in 10,000 CNY.
    pub annual_value: Value10kCny,
    /// How the customer depends on it.
    pub essentiality: Essentiality,
    /// Declared, confirmed or rejected.
    pub status: LinkStatus,
    /// Incremented on every change.
    pub version: i32,
    /// The end that declared it; `None` when imported or declared by an operator.
    pub declared_by: Option<crate::FirmId>,
    /// Why the other end rejected it (REJECTED links).
    pub rejection_reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uscc(s: &str) -> Uscc {
        Uscc::parse(s).unwrap()
    }

    #[test]
    fn a_firm_cannot_supply_itself() {
        let a = uscc("91350100M000100Y43");
        let err = LinkDraft::new(
            a.clone(),
            a,
            Product::parse("bearings").unwrap(),
            Value10kCny::new(1.0).unwrap(),
            Essentiality::Essential,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::SelfLink);
    }

    #[test]
    fn values_must_be_positive_and_finite() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e11] {
            assert_eq!(Value10kCny::new(bad).unwrap_err().code, ErrorCode::OutOfRange, "{bad}");
        }
        assert_eq!(Value10kCny::new(0.01).unwrap().get(), 0.01);
    }

    #[test]
    fn essentiality_reads_the_csv_words() {
        assert_eq!(Essentiality::parse_csv("TRUE").unwrap(), Essentiality::Essential);
        assert_eq!(Essentiality::parse_csv("false").unwrap(), Essentiality::NonEssential);
        assert_eq!(Essentiality::parse_csv(" negligible ").unwrap(), Essentiality::Negligible);
        assert_eq!(Essentiality::parse_csv("yes").unwrap_err().code, ErrorCode::InvalidValue);
        for e in [Essentiality::Essential, Essentiality::NonEssential, Essentiality::Negligible] {
            assert_eq!(Essentiality::parse_csv(e.csv_str()).unwrap(), e);
            assert_eq!(Essentiality::from_wire(e.as_str()), Some(e));
        }
    }

    #[test]
    fn a_supplier_alone_never_stands_behind_its_own_link() {
        use crate::FirmId;
        let (s, c) = (FirmId(1), FirmId(2));
        let t = LinkTrust::CustomerBacked;
        assert!(!t.counts(LinkStatus::Declared, Some(s), s), "declared by the supplier, unconfirmed");
        assert!(t.counts(LinkStatus::Confirmed, Some(s), s), "confirmed by the customer");
        assert!(t.counts(LinkStatus::Declared, Some(c), s), "declared by the customer");
        assert!(t.counts(LinkStatus::Declared, None, s), "imported by a bureau or operator");
        assert!(!LinkTrust::Confirmed.counts(LinkStatus::Declared, None, s));
        assert!(LinkTrust::All.counts(LinkStatus::Declared, Some(s), s));
        for t in [LinkTrust::All, LinkTrust::CustomerBacked, LinkTrust::Confirmed] {
            assert!(!t.counts(LinkStatus::Rejected, Some(c), s), "a rejected link never counts ({t:?})");
            assert!(!t.counts(LinkStatus::Rejected, None, s));
        }
        assert_eq!(LinkTrust::parse("customer-backed").unwrap(), LinkTrust::CustomerBacked);
        assert!(LinkTrust::parse("whatever").is_err());
    }

    #[test]
    fn only_declared_links_can_be_confirmed() {
        assert_eq!(LinkStatus::Declared.confirm().unwrap(), LinkStatus::Confirmed);
        assert_eq!(LinkStatus::Confirmed.confirm().unwrap_err().code, ErrorCode::InvalidState);
        assert_eq!(LinkStatus::Rejected.confirm().unwrap_err().code, ErrorCode::InvalidState);
        assert_eq!(LinkStatus::Declared.reject().unwrap(), LinkStatus::Rejected);
        assert_eq!(LinkStatus::Confirmed.reject().unwrap_err().code, ErrorCode::InvalidState);
        assert_eq!(LinkStatus::Rejected.reject().unwrap_err().code, ErrorCode::InvalidState);
        for s in [LinkStatus::Declared, LinkStatus::Confirmed, LinkStatus::Rejected] {
            assert_eq!(LinkStatus::from_wire(s.as_str()), Some(s));
        }
    }
}
