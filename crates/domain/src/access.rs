//! Who may see and do what. Every rule of `docs/security.md` is a method here, so resolvers ask
//! one place and the rules can be tested without a server. Deny by default: a role not named in
//! a rule is refused.
use crate::error::{ErrorCode, ValidationError};
use crate::firm::FirmId;
use crate::region::{Jurisdiction, RegionCode};

/// What an account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Operators: see and do everything.
    Admin,
    /// An industry bureau of a province, city or county.
    Bureau,
    /// A logistics coordinator of a province, city or county.
    Coordinator,
    /// A firm's own account.
    Enterprise,
}

impl Role {
    /// The stable wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "ADMIN",
            Self::Bureau => "BUREAU",
            Self::Coordinator => "COORDINATOR",
            Self::Enterprise => "ENTERPRISE",
        }
    }

    /// Parses a wire name (case-insensitive).
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let up = s.trim().to_ascii_uppercase();
        [Self::Admin, Self::Bureau, Self::Coordinator, Self::Enterprise]
            .into_iter()
            .find(|r| r.as_str() == up)
            .ok_or_else(|| {
                ValidationError::new(
                    ErrorCode::InvalidValue,
                    format!("role must be ADMIN, BUREAU, COORDINATOR or ENTERPRISE, got `{}`", s.trim()),
                )
            })
    }
}

/// An account name: 3 to 64 characters of lower-case letters, digits, `.`, `_` and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    /// Parses a username (trimmed; letters must be lower case).
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim();
        let ok = (3..=64).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
        if !ok {
            return Err(ValidationError::new(
                ErrorCode::InvalidText,
                "username must be 3 to 64 characters of lower-case letters, digits, `.`, `_` or `-`",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed: 10 to 256 characters. Never stored; only its argon2 hash is.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    /// Checks the length rule.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let n = input.chars().count();
        if !(10..=256).contains(&n) {
            return Err(ValidationError::new(ErrorCode::InvalidText, "password must be 10 to 256 characters"));
        }
        Ok(Self(input.to_owned()))
    }

    /// The secret, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// What an account is bound to, checked for consistency with its role: BUREAU and COORDINATOR
/// carry a jurisdiction, ENTERPRISE a firm, ADMIN neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    role: Role,
    jurisdiction: Option<Jurisdiction>,
    firm: Option<FirmId>,
}

impl Binding {
    /// Checks that the role has exactly what it needs.
    pub fn new(role: Role, jurisdiction: Option<Jurisdiction>, firm: Option<FirmId>) -> Result<Self, ValidationError> {
        let bad = |m: &str| Err(ValidationError::new(ErrorCode::InvalidValue, m));
        match (role, &jurisdiction, &firm) {
            (Role::Admin, None, None) => {}
            (Role::Admin, _, _) => return bad("an ADMIN account has neither a jurisdiction nor a firm"),
            (Role::Bureau | Role::Coordinator, Some(_), None) => {}
            (Role::Bureau | Role::Coordinator, _, _) => {
                return bad("BUREAU and COORDINATOR accounts need a jurisdiction and no firm");
            }
            (Role::Enterprise, None, Some(_)) => {}
            (Role::Enterprise, _, _) => return bad("an ENTERPRISE account needs a firm and no jurisdiction"),
        }
        Ok(Self { role, jurisdiction, firm })
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The jurisdiction of a BUREAU or COORDINATOR.
    pub fn jurisdiction(&self) -> Option<&Jurisdiction> {
        self.jurisdiction.as_ref()
    }

    /// The firm of an ENTERPRISE.
    pub fn firm(&self) -> Option<FirmId> {
        self.firm
    }
}

/// The signed-in caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// Account id.
    pub account_id: i64,
    /// Account name.
    pub username: Username,
    /// Role and what it is bound to.
    pub binding: Binding,
    /// The token the request came with (for `logout`).
    pub token_id: i64,
}

/// One end of a link as the rules need it.
#[derive(Debug, Clone, Copy)]
pub struct End<'a> {
    /// The firm.
    pub firm: FirmId,
    /// Where it is registered.
    pub region: &'a RegionCode,
}

/// Which links a viewer may see, in a form a query can filter on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LinkScope {
    /// Every link (ADMIN).
    All,
    /// Links with this firm at either end (ENTERPRISE).
    Firm(FirmId),
    /// Links with either end registered inside this jurisdiction (BUREAU, COORDINATOR).
    Jurisdiction(Jurisdiction),
}

impl Viewer {
    /// The role.
    pub fn role(&self) -> Role {
        self.binding.role
    }

    fn covers(&self, region: &RegionCode) -> bool {
        self.binding.jurisdiction.as_ref().is_some_and(|j| j.covers(region))
    }

    fn is_end(&self, supplier: End<'_>, customer: End<'_>) -> bool {
        self.binding.firm.is_some_and(|f| f == supplier.firm || f == customer.firm)
    }

    /// Which links this viewer may see.
    pub fn link_scope(&self) -> LinkScope {
        match (self.binding.role, &self.binding.jurisdiction, self.binding.firm) {
            (Role::Admin, _, _) => LinkScope::All,
            (Role::Enterprise, _, Some(f)) => LinkScope::Firm(f),
            (Role::Bureau | Role::Coordinator, Some(j), _) => LinkScope::Jurisdiction(j.clone()),
            // An inconsistent binding cannot be built; see nothing rather than everything.
            _ => LinkScope::Firm(FirmId(-1)),
        }
    }

    /// A PENDING firm (from a customer's supplier list) is visible to admins, to bureaus and
    /// coordinators whose jurisdiction covers its region, and to the firms linked to it
    /// (`linked`: the viewer's firm is an end of one of its links); a VERIFIED firm to everyone.
    pub fn can_see_firm(&self, verification: crate::Verification, region: &RegionCode, linked: bool) -> bool {
        if verification == crate::Verification::Verified {
            return true;
        }
        match self.binding.role {
            Role::Admin => true,
            Role::Bureau | Role::Coordinator => self.binding.jurisdiction.as_ref().is_some_and(|j| j.covers(region)),
            Role::Enterprise => linked,
        }
    }

    /// A link is visible to its two firms, to bureaus and coordinators whose jurisdiction
    /// covers either firm, and to admins.
    pub fn can_see_link(&self, supplier: End<'_>, customer: End<'_>) -> bool {
        match self.binding.role {
            Role::Admin => true,
            Role::Enterprise => self.is_end(supplier, customer),
            Role::Bureau | Role::Coordinator => self.covers(supplier.region) || self.covers(customer.region),
        }
    }

    /// A firm's size indicators (employees, revenue, assets) are not public: its own
    /// ENTERPRISE, bureaus and coordinators covering its region, and admins see them.
    pub fn can_see_firm_details(&self, firm: FirmId, region: &RegionCode) -> bool {
        match self.binding.role {
            Role::Admin => true,
            Role::Enterprise => self.binding.firm == Some(firm),
            Role::Bureau | Role::Coordinator => self.covers(region),
        }
    }

    /// Registering a firm, or editing one (checked against both its old and new region):
    /// ADMIN, or a BUREAU whose jurisdiction covers the region.
    pub fn can_write_firm(&self, region: &RegionCode) -> bool {
        match self.binding.role {
            Role::Admin => true,
            Role::Bureau => self.covers(region),
            Role::Coordinator | Role::Enterprise => false,
        }
    }

    /// Declaring a link: ADMIN, or an ENTERPRISE whose firm is one end.
    pub fn can_declare_link(&self, supplier: End<'_>, customer: End<'_>) -> bool {
        match self.binding.role {
            Role::Admin => true,
            Role::Enterprise => self.is_end(supplier, customer),
            Role::Bureau | Role::Coordinator => false,
        }
    }

    /// Confirming a link: ADMIN, or an ENTERPRISE whose firm is one end and did not declare it.
    pub fn can_confirm_link(&self, supplier: End<'_>, customer: End<'_>, declared_by: Option<FirmId>) -> bool {
        match self.binding.role {
            Role::Admin => true,
            Role::Enterprise => self.is_end(supplier, customer) && declared_by != self.binding.firm,
            Role::Bureau | Role::Coordinator => false,
        }
    }

    /// Removing a link: ADMIN, or an ENTERPRISE whose firm is one end.
    pub fn can_remove_link(&self, supplier: End<'_>, customer: End<'_>) -> bool {
        self.can_declare_link(supplier, customer)
    }

    /// Reading the audit trail: everything for ADMIN, its jurisdiction for a BUREAU, nothing else.
    pub fn audit_scope(&self) -> Option<Option<&Jurisdiction>> {
        match self.binding.role {
            Role::Admin => Some(None),
            Role::Bureau => self.binding.jurisdiction.as_ref().map(Some),
            Role::Coordinator | Role::Enterprise => None,
        }
    }

    /// Revoking a token: ADMIN any, everyone else only their own.
    pub fn can_revoke_token_of(&self, account_id: i64) -> bool {
        self.binding.role == Role::Admin || account_id == self.account_id
    }
}

/// A viewer of `role` bound to the jurisdiction prefix `j` and the firm id `firm`, for the rule
/// tables of this crate's tests.
#[cfg(test)]
pub(crate) fn test_viewer(role: Role, j: Option<&str>, firm: Option<i64>) -> Viewer {
    Viewer {
        account_id: 1,
        username: Username::parse("someone").unwrap(),
        binding: Binding::new(role, j.map(|j| Jurisdiction::parse(j).unwrap()), firm.map(FirmId)).unwrap(),
        token_id: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::test_viewer as viewer;
    use super::*;

    #[test]
    fn bindings_must_fit_the_role() {
        let j = || Some(Jurisdiction::parse("33").unwrap());
        assert!(Binding::new(Role::Admin, None, None).is_ok());
        assert!(Binding::new(Role::Admin, j(), None).is_err());
        assert!(Binding::new(Role::Bureau, None, None).is_err());
        assert!(Binding::new(Role::Coordinator, j(), Some(FirmId(1))).is_err());
        assert!(Binding::new(Role::Enterprise, None, None).is_err());
        assert!(Binding::new(Role::Enterprise, j(), Some(FirmId(1))).is_err());
        assert!(Binding::new(Role::Enterprise, None, Some(FirmId(1))).is_ok());
    }

    #[test]
    fn links_are_seen_by_their_ends_covering_jurisdictions_and_admins_only() {
        let hz = RegionCode::parse("330106").unwrap();
        let nj = RegionCode::parse("320102").unwrap();
        let s = End { firm: FirmId(1), region: &hz };
        let c = End { firm: FirmId(2), region: &nj };
        assert!(viewer(Role::Admin, None, None).can_see_link(s, c));
        assert!(viewer(Role::Enterprise, None, Some(1)).can_see_link(s, c));
        assert!(viewer(Role::Enterprise, None, Some(2)).can_see_link(s, c));
        assert!(!viewer(Role::Enterprise, None, Some(3)).can_see_link(s, c));
        assert!(viewer(Role::Bureau, Some("33"), None).can_see_link(s, c));
        assert!(viewer(Role::Coordinator, Some("3201"), None).can_see_link(s, c));
        assert!(!viewer(Role::Bureau, Some("44"), None).can_see_link(s, c));
        assert!(!viewer(Role::Coordinator, Some("330105"), None).can_see_link(s, c));
    }

    #[test]
    fn only_the_other_end_may_confirm() {
        let hz = RegionCode::parse("330106").unwrap();
        let s = End { firm: FirmId(1), region: &hz };
        let c = End { firm: FirmId(2), region: &hz };
        let supplier = viewer(Role::Enterprise, None, Some(1));
        let customer = viewer(Role::Enterprise, None, Some(2));
        assert!(!supplier.can_confirm_link(s, c, Some(FirmId(1))));
        assert!(customer.can_confirm_link(s, c, Some(FirmId(1))));
        assert!(supplier.can_confirm_link(s, c, None), "an imported link may be confirmed by either end");
        assert!(!viewer(Role::Bureau, Some("33"), None).can_confirm_link(s, c, None));
        assert!(!viewer(Role::Enterprise, None, Some(3)).can_declare_link(s, c));
    }

    #[test]
    fn bureaus_write_firms_in_their_jurisdiction_only() {
        let hz = RegionCode::parse("330106").unwrap();
        assert!(viewer(Role::Bureau, Some("33"), None).can_write_firm(&hz));
        assert!(!viewer(Role::Bureau, Some("32"), None).can_write_firm(&hz));
        assert!(!viewer(Role::Coordinator, Some("33"), None).can_write_firm(&hz));
        assert!(!viewer(Role::Enterprise, None, Some(1)).can_write_firm(&hz));
        assert!(viewer(Role::Admin, None, None).can_write_firm(&hz));
    }

    #[test]
    fn usernames_and_passwords_are_checked() {
        assert!(Username::parse("zj-bureau.01").is_ok());
        for bad in ["ab", "Upper", "has space", "名字名字"] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("long enough pass").is_ok());
        assert_eq!(format!("{:?}", Password::parse("long enough pass").unwrap()), "Password(***)");
        assert_eq!(Role::parse("bureau").unwrap(), Role::Bureau);
        assert!(Role::parse("king").is_err());
    }
}
