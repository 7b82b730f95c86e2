//! Firms: `FirmName`, size `Indicators`, `FirmDraft` (validated, not yet stored) and `FirmRecord`.
use crate::chain::ChainCode;
use crate::error::{ErrorCode, ValidationError};
use crate::industry::IndustryCode;
use crate::region::RegionCode;
use crate::size::SizeClass;
use crate::uscc::Uscc;

/// Database identity of a firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct FirmId(pub i64);

/// Upper bound on employees: no firm employs more people than this.
pub const MAX_EMPLOYEES: u32 = 10_000_000;
/// Upper bound on revenue and assets in 10,000 CNY (100 trillion CNY).
pub const MAX_AMOUNT_10K_CNY: f64 = 1e10;

/// A firm's registered name: trimmed, NFC, 1 to 200 characters, no control, bidi-override or
/// invisible characters ([`TextRule`](crate::TextRule)).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct FirmName(String);

impl FirmName {
    /// Parses a name.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        Self::RULE.clean(input).map(Self)
    }

    /// The rule a firm name follows.
    pub const RULE: crate::TextRule =
        crate::TextRule { what: "firm name", min_chars: 1, max_chars: 200, multiline: false };

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The size indicators of 《中小企业划型标准规定》, each optional (unknown).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Indicators {
    /// Number of employees (从业人员).
    pub employees: Option<u32>,
    /// Annual revenue (营业收入) in 10,000 CNY.
    pub revenue_10k_cny: Option<f64>,
    /// Total assets (资产总额) in 10,000 CNY.
    pub assets_10k_cny: Option<f64>,
}

impl Indicators {
    /// Validates raw indicator values: employees in 0..=10,000,000, amounts finite in
    /// 0..=1e10 (10,000 CNY).
    pub fn new(
        employees: Option<i64>,
        revenue_10k_cny: Option<f64>,
        assets_10k_cny: Option<f64>,
    ) -> Result<Self, ValidationError> {
        Ok(Self {
            employees: Self::check_employees(employees)?,
            revenue_10k_cny: Self::check_amount("revenue_10k_cny", revenue_10k_cny)?,
            assets_10k_cny: Self::check_amount("assets_10k_cny", assets_10k_cny)?,
        })
    }

    /// Validates an employee count (0 to 10,000,000), so callers can blame the right field.
    pub fn check_employees(employees: Option<i64>) -> Result<Option<u32>, ValidationError> {
        match employees {
            None => Ok(None),
            Some(e) if (0..=i64::from(MAX_EMPLOYEES)).contains(&e) => Ok(Some(e as u32)),
            Some(e) => Err(ValidationError::new(
                ErrorCode::OutOfRange,
                format!("employees must be between 0 and {MAX_EMPLOYEES}, got {e}"),
            )),
        }
    }

    /// Validates an amount in 10,000 CNY (finite, 0 to 1e10); `what` names it in the message.
    pub fn check_amount(what: &str, v: Option<f64>) -> Result<Option<f64>, ValidationError> {
        match v {
            Some(x) if !(x.is_finite() && (0.0..=MAX_AMOUNT_10K_CNY).contains(&x)) => Err(ValidationError::new(
                ErrorCode::OutOfRange,
                format!("{what} must be a number between 0 and {MAX_AMOUNT_10K_CNY:e} (10,000 CNY), got {x}"),
            )),
            other => Ok(other),
        }
    }
}

/// A validated firm as it is registered or imported, before it has a database identity.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FirmDraft {
    /// Unified social credit code; the firm's natural key.
    pub uscc: Uscc,
    /// Registered name.
    pub name: FirmName,
    /// Where the firm is registered.
    pub region: RegionCode,
    /// Main industry.
    pub industry: IndustryCode,
    /// Size indicators.
    pub indicators: Indicators,
    /// Key industrial chains the firm belongs to.
    pub chains: Vec<ChainCode>,
}

impl FirmDraft {
    /// The firm's size class, derived from its industry and indicators.
    pub fn size_class(&self) -> SizeClass {
        SizeClass::classify(
            &self.industry,
            self.indicators.employees,
            self.indicators.revenue_10k_cny,
            self.indicators.assets_10k_cny,
        )
    }
}

/// Whether a bureau stands behind a firm's registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verification {
    /// Registered by a bureau or an operator, or verified by a bureau.
    #[default]
    Verified,
    /// Created from a customer's supplier list; seen only by the parties and the bureaus of its
    /// region, never analysed, until a bureau verifies it or merges it into a registered firm.
    Pending,
}

impl Verification {
    /// The stable wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "VERIFIED",
            Self::Pending => "PENDING",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(s: &str) -> Option<Self> {
        [Self::Verified, Self::Pending].into_iter().find(|v| v.as_str() == s)
    }
}

/// A stored firm: its draft plus identity and optimistic-concurrency version.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FirmRecord {
    /// Database identity.
    pub id: FirmId,
    /// The validated fields.
    pub firm: FirmDraft,
    /// Size class derived when the firm was last written.
    pub size_class: SizeClass,
    /// Incremented on every change; writers must present the version they read.
    pub version: i32,
    /// Whether a bureau stands behind it.
    pub verification: Verification,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(FirmName::parse("  杭州精密轴承有限公司 ").unwrap().as_str(), "杭州精密轴承有限公司");
        for bad in ["", "   ", "a\nb", &"名".repeat(201)] {
            assert_eq!(FirmName::parse(bad).unwrap_err().code, ErrorCode::InvalidText);
        }
        assert!(FirmName::parse(&"名".repeat(200)).is_ok());
    }

    #[test]
    fn indicators_reject_negative_huge_and_non_finite_values() {
        assert!(Indicators::new(Some(0), Some(0.0), None).is_ok());
        assert!(Indicators::new(Some(i64::from(MAX_EMPLOYEES)), Some(MAX_AMOUNT_10K_CNY), Some(1.0)).is_ok());
        for (e, r, a) in [
            (Some(-1), None, None),
            (Some(i64::from(MAX_EMPLOYEES) + 1), None, None),
            (None, Some(-0.01), None),
            (None, Some(f64::NAN), None),
            (None, Some(f64::INFINITY), None),
            (None, None, Some(MAX_AMOUNT_10K_CNY * 2.0)),
        ] {
            assert_eq!(Indicators::new(e, r, a).unwrap_err().code, ErrorCode::OutOfRange, "{e:?} {r:?} {a:?}");
        }
    }
}
