//! The whitelist workflow (重点产业链供应链"白名单"): an entry per (firm, chain), its states, the
//! steps between them, and who may take each step. Pure: the store keeps entries, the API calls
//! these rules, and the tests here walk every transition.
//!
//! ```text
//! NOMINATED ──startReview──▶ UNDER_REVIEW ──approve──▶ APPROVED ──suspend──▶ SUSPENDED
//!                                │                      │  ▲ ▲ renew          │ reinstate
//!                                └──reject──▶ REJECTED   │  └─┴────────────────┘
//!                                                        ├──revoke──▶ REVOKED ◀──revoke── SUSPENDED
//!                                                        └──(validUntil passes)──▶ EXPIRED ──renew──▶ APPROVED
//! ```
//!
//! An entry is *open* (at most one per firm and chain) while NOMINATED, UNDER_REVIEW, APPROVED or
//! SUSPENDED. An APPROVED entry whose `validUntil` has passed *is* EXPIRED, whether or not the
//! expiry job has written it yet ([`effective_status`]).
//!
//! Who: a BUREAU whose jurisdiction covers the firm nominates and decides. Decisions need a level
//! (province 2 digits > city 4 > county 6) at least the nominator's, so a county cannot overrule a
//! province; approving (and renewing) also needs another account than the one that proposed the
//! entry (four eyes). An ENTERPRISE of a LARGE firm recommends its confirmed suppliers; the
//! recommendation is a nomination for the supplier's bureaus to take up.
use crate::access::{Role, Viewer};
use crate::error::{ErrorCode, ValidationError};
use crate::firm::FirmId;
use crate::region::{Jurisdiction, RegionCode};
use crate::size::SizeClass;
use crate::text::TextRule;

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WhitelistStatus {
    /// Proposed by a bureau, or recommended by a chain leader.
    Nominated,
    /// A bureau is reviewing it.
    UnderReview,
    /// On the whitelist until `validUntil`.
    Approved,
    /// Not admitted.
    Rejected,
    /// Off the list for now; may be reinstated.
    Suspended,
    /// Off the list for good.
    Revoked,
    /// Its validity ran out.
    Expired,
}

impl WhitelistStatus {
    /// Every status.
    pub const ALL: [Self; 7] = [
        Self::Nominated,
        Self::UnderReview,
        Self::Approved,
        Self::Rejected,
        Self::Suspended,
        Self::Revoked,
        Self::Expired,
    ];

    /// The stable wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nominated => "NOMINATED",
            Self::UnderReview => "UNDER_REVIEW",
            Self::Approved => "APPROVED",
            Self::Rejected => "REJECTED",
            Self::Suspended => "SUSPENDED",
            Self::Revoked => "REVOKED",
            Self::Expired => "EXPIRED",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The name on a published list (Chinese).
    pub fn zh(self) -> &'static str {
        match self {
            Self::Nominated => "已提名",
            Self::UnderReview => "审核中",
            Self::Approved => "已入选",
            Self::Rejected => "未通过",
            Self::Suspended => "已暂停",
            Self::Revoked => "已撤销",
            Self::Expired => "已过期",
        }
    }

    /// Whether the entry still holds its (firm, chain) slot.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Nominated | Self::UnderReview | Self::Approved | Self::Suspended)
    }

    /// Whether entries in this state are shown only within jurisdiction even once published
    /// (nominations in progress and rejections).
    pub fn is_internal(self) -> bool {
        matches!(self, Self::Nominated | Self::UnderReview | Self::Rejected)
    }
}

/// A step of the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WhitelistAction {
    /// A bureau proposes the firm.
    Nominate,
    /// A chain leader recommends its supplier.
    Recommend,
    /// A bureau takes the nomination up.
    StartReview,
    /// Admitted, until a date.
    Approve,
    /// Not admitted.
    Reject,
    /// Taken off the list for now.
    Suspend,
    /// Back on the list.
    Reinstate,
    /// Off the list for good.
    Revoke,
    /// Validity extended (or an expired entry admitted again).
    Renew,
    /// The validity ran out (the expiry job).
    Expire,
    /// Published in a numbered batch of its province (第N批); the entry stays APPROVED.
    Publish,
}

impl WhitelistAction {
    /// Every action.
    pub const ALL: [Self; 11] = [
        Self::Nominate,
        Self::Recommend,
        Self::StartReview,
        Self::Approve,
        Self::Reject,
        Self::Suspend,
        Self::Reinstate,
        Self::Revoke,
        Self::Renew,
        Self::Expire,
        Self::Publish,
    ];

    /// The stable wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nominate => "NOMINATE",
            Self::Recommend => "RECOMMEND",
            Self::StartReview => "START_REVIEW",
            Self::Approve => "APPROVE",
            Self::Reject => "REJECT",
            Self::Suspend => "SUSPEND",
            Self::Reinstate => "REINSTATE",
            Self::Revoke => "REVOKE",
            Self::Renew => "RENEW",
            Self::Expire => "EXPIRE",
            Self::Publish => "PUBLISH",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The audit action name, e.g. `whitelist.approve`.
    pub fn audit_name(self) -> &'static str {
        match self {
            Self::Nominate => "whitelist.nominate",
            Self::Recommend => "whitelist.recommend",
            Self::StartReview => "whitelist.start_review",
            Self::Approve => "whitelist.approve",
            Self::Reject => "whitelist.reject",
            Self::Suspend => "whitelist.suspend",
            Self::Reinstate => "whitelist.reinstate",
            Self::Revoke => "whitelist.revoke",
            Self::Renew => "whitelist.renew",
            Self::Expire => "whitelist.expire",
            Self::Publish => "whitelist.publish",
        }
    }

    /// Whether the step needs a `validUntil`.
    pub fn needs_valid_until(self) -> bool {
        matches!(self, Self::Approve | Self::Renew)
    }

    /// Whether the step needs another account than the one that proposed the entry.
    pub fn needs_four_eyes(self) -> bool {
        matches!(self, Self::Approve | Self::Renew)
    }
}

/// The state after `action` from `from`, or INVALID_TRANSITION. `from` is the effective status
/// (an APPROVED entry past its validity is EXPIRED).
pub fn transition(from: WhitelistStatus, action: WhitelistAction) -> Result<WhitelistStatus, ValidationError> {
    use WhitelistAction as A;
    use WhitelistStatus as S;
    let to = match (from, action) {
        (S::Nominated, A::StartReview) => S::UnderReview,
        (S::UnderReview, A::Approve) => S::Approved,
        (S::UnderReview, A::Reject) => S::Rejected,
        (S::Approved, A::Suspend) => S::Suspended,
        (S::Suspended, A::Reinstate) => S::Approved,
        (S::Approved | S::Suspended, A::Revoke) => S::Revoked,
        (S::Approved | S::Expired, A::Renew) => S::Approved,
        (S::Approved, A::Expire) => S::Expired,
        (S::Approved, A::Publish) => S::Approved,
        _ => {
            return Err(ValidationError::new(
                ErrorCode::InvalidTransition,
                format!("an entry that is {} cannot be {}", from.as_str(), past(action)),
            ));
        }
    };
    Ok(to)
}

fn past(action: WhitelistAction) -> &'static str {
    match action {
        WhitelistAction::Nominate => "nominated again",
        WhitelistAction::Recommend => "recommended again",
        WhitelistAction::StartReview => "taken up for review",
        WhitelistAction::Approve => "approved",
        WhitelistAction::Reject => "rejected",
        WhitelistAction::Suspend => "suspended",
        WhitelistAction::Reinstate => "reinstated",
        WhitelistAction::Revoke => "revoked",
        WhitelistAction::Renew => "renewed",
        WhitelistAction::Expire => "expired",
        WhitelistAction::Publish => "published",
    }
}

/// The status as it is now: APPROVED past `valid_until` is EXPIRED, even before the expiry job
/// has written it. Times are seconds since the epoch (the caller's clock).
pub fn effective_status(stored: WhitelistStatus, valid_until: Option<i64>, now: i64) -> WhitelistStatus {
    match (stored, valid_until) {
        (WhitelistStatus::Approved, Some(until)) if until <= now => WhitelistStatus::Expired,
        (s, _) => s,
    }
}

/// Longest validity an approval may give: five years.
pub const MAX_VALIDITY_SECS: i64 = 5 * 366 * 24 * 3600;

/// Checks a `validUntil` against `now`: in the future, at most five years ahead.
pub fn check_valid_until(valid_until: i64, now: i64) -> Result<i64, ValidationError> {
    if valid_until <= now {
        return Err(ValidationError::new(ErrorCode::OutOfRange, "validUntil must be in the future"));
    }
    if valid_until - now > MAX_VALIDITY_SECS {
        return Err(ValidationError::new(ErrorCode::OutOfRange, "validUntil must be at most five years ahead"));
    }
    Ok(valid_until)
}

/// The level of a jurisdiction: the length of its prefix (2 province, 4 city, 6 county); lower is
/// higher.
pub fn level(prefix: &str) -> u8 {
    prefix.len() as u8
}

/// The account that proposed an entry, as the rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proposer {
    /// The nominating bureau's or recommending enterprise's account.
    pub account_id: i64,
    /// The nominating bureau's level (prefix length); `None` for a recommendation.
    pub level: Option<u8>,
}

/// Why a firm is nominated: 1 to 2,000 characters, lines allowed.
pub const JUSTIFICATION: TextRule = TextRule { what: "justification", min_chars: 1, max_chars: 2000, multiline: true };
/// Why a step is taken (every step keeps its why): 1 to 2,000 characters, lines allowed.
pub const COMMENT: TextRule = TextRule { what: "comment", min_chars: 1, max_chars: 2000, multiline: true };
/// A reason to treat a LARGE or UNKNOWN-size firm as an SME.
pub const SIZE_OVERRIDE: TextRule =
    TextRule { what: "sizeOverrideReason", min_chars: 1, max_chars: 500, multiline: true };
/// The title of a published batch.
pub const BATCH_TITLE: TextRule = TextRule { what: "title", min_chars: 1, max_chars: 200, multiline: false };

/// A named reference supporting a nomination: a commitment letter, a production plan (一企一案),
/// by document number or address. Not a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    /// What it is.
    pub title: String,
    /// Where to find it: a document number or an address.
    pub reference: String,
}

/// Most evidence items a nomination carries.
pub const MAX_EVIDENCE: usize = 20;

impl Evidence {
    /// Checks one item.
    pub fn parse(title: &str, reference: &str) -> Result<Self, ValidationError> {
        const TITLE: TextRule = TextRule { what: "evidence title", min_chars: 1, max_chars: 200, multiline: false };
        const REFERENCE: TextRule =
            TextRule { what: "evidence reference", min_chars: 1, max_chars: 500, multiline: false };
        Ok(Self { title: TITLE.clean(title)?, reference: REFERENCE.clean(reference)? })
    }
}

fn refuse(code: ErrorCode, message: impl Into<String>) -> ValidationError {
    ValidationError::new(code, message)
}

impl Viewer {
    /// Nominating a firm of `region`: a BUREAU whose jurisdiction covers it.
    pub fn check_nominate(&self, region: &RegionCode) -> Result<(), ValidationError> {
        match (self.role(), self.binding.jurisdiction()) {
            (Role::Bureau, Some(j)) if j.covers(region) => Ok(()),
            (Role::Bureau, _) => Err(refuse(
                ErrorCode::NotInJurisdiction,
                format!("the firm is registered in {region}, outside your jurisdiction"),
            )),
            _ => Err(refuse(ErrorCode::NotInJurisdiction, "only an industry bureau nominates firms")),
        }
    }

    /// Taking `action` on an entry of a firm in `region` proposed by `proposer`: a BUREAU covering
    /// the firm, at the nominator's level or higher; for approving and renewing, not the proposer.
    pub fn check_decide(
        &self,
        action: WhitelistAction,
        region: &RegionCode,
        proposer: Proposer,
    ) -> Result<(), ValidationError> {
        let Some(j) = self.binding.jurisdiction().filter(|_| self.role() == Role::Bureau) else {
            return Err(refuse(ErrorCode::NotInJurisdiction, "only an industry bureau decides on whitelist entries"));
        };
        if !j.covers(region) {
            return Err(refuse(
                ErrorCode::NotInJurisdiction,
                format!("the firm is outside your jurisdiction {}", j.as_str()),
            ));
        }
        if let Some(nominator) = proposer.level
            && level(j.as_str()) > nominator
        {
            return Err(refuse(
                ErrorCode::LevelTooLow,
                "the entry was nominated at a higher level than your jurisdiction: a bureau at that level or above decides",
            ));
        }
        if action.needs_four_eyes() && proposer.account_id == self.account_id {
            return Err(refuse(ErrorCode::FourEyes, "the account that proposed an entry may not approve it"));
        }
        Ok(())
    }

    /// Publishing a batch of `province`: a BUREAU whose jurisdiction is that province.
    pub fn check_publish(&self, province: &str) -> Result<(), ValidationError> {
        match (self.role(), self.binding.jurisdiction()) {
            (Role::Bureau, Some(j)) if j.as_str() == province => Ok(()),
            (Role::Bureau, Some(j)) if j.as_str().starts_with(province) => Err(refuse(
                ErrorCode::LevelTooLow,
                format!("batches of province {province} are published by its provincial bureau"),
            )),
            _ => Err(refuse(ErrorCode::NotInJurisdiction, format!("province {province} is outside your jurisdiction"))),
        }
    }

    /// Whether the viewer sees an entry: everyone sees published entries that are not internal
    /// (mutual recognition across regions); bureaus and coordinators covering the firm, and
    /// admins, see all; an enterprise sees the entries of its own firm and those it recommended.
    pub fn can_see_whitelist_entry(&self, entry: &EntryView<'_>) -> bool {
        if entry.published && !entry.status.is_internal() {
            return true;
        }
        match self.role() {
            Role::Admin => true,
            Role::Bureau | Role::Coordinator => self.binding.jurisdiction().is_some_and(|j| j.covers(entry.region)),
            Role::Enterprise => {
                let mine = self.binding.firm();
                mine.is_some() && (mine == Some(entry.firm) || mine == entry.recommender)
            }
        }
    }

    /// Whether the viewer sees the deliberation behind an entry (justification, evidence, size
    /// override, who proposed it, the history of its steps): admins, and bureaus and coordinators
    /// covering the firm. Others see the entry's standing only.
    pub fn can_see_whitelist_details(&self, region: &RegionCode) -> bool {
        match self.role() {
            Role::Admin => true,
            Role::Bureau | Role::Coordinator => self.binding.jurisdiction().is_some_and(|j| j.covers(region)),
            Role::Enterprise => false,
        }
    }

    /// Which entries the viewer sees beyond the published ones, in a form a query filters on.
    pub fn whitelist_scope(&self) -> EntryScope {
        match (self.role(), self.binding.jurisdiction(), self.binding.firm()) {
            (Role::Admin, _, _) => EntryScope::All,
            (Role::Bureau | Role::Coordinator, Some(j), _) => EntryScope::Jurisdiction(j.clone()),
            (Role::Enterprise, _, Some(f)) => EntryScope::Firm(f),
            _ => EntryScope::PublishedOnly,
        }
    }

    /// Recommending suppliers (携手行动): an ENTERPRISE whose own firm is LARGE.
    pub fn may_recommend(&self, own_firm_size: SizeClass) -> bool {
        self.role() == Role::Enterprise && own_firm_size == SizeClass::Large
    }
}

/// An entry as the visibility rule needs it.
#[derive(Debug, Clone, Copy)]
pub struct EntryView<'a> {
    /// Where the firm is registered.
    pub region: &'a RegionCode,
    /// The firm.
    pub firm: FirmId,
    /// The firm whose enterprise recommended it, if any.
    pub recommender: Option<FirmId>,
    /// Its status now (the effective one).
    pub status: WhitelistStatus,
    /// Whether it is in a published batch.
    pub published: bool,
}

/// Which entries a viewer sees besides the published ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EntryScope {
    /// Every entry (ADMIN).
    All,
    /// Entries of firms inside this jurisdiction (BUREAU, COORDINATOR).
    Jurisdiction(Jurisdiction),
    /// Entries of this firm or recommended by it (ENTERPRISE).
    Firm(FirmId),
    /// Published entries only.
    PublishedOnly,
}

/// A LARGE firm, or one whose size cannot be decided, is on the whitelist of SMEs only with an
/// explicit reason; an SME needs none (a reason given for one is dropped).
pub fn check_size(size: SizeClass, reason: Option<&str>) -> Result<Option<String>, ValidationError> {
    if size.is_sme() {
        return Ok(None);
    }
    match reason {
        Some(r) => SIZE_OVERRIDE.clean(r).map(Some),
        None => Err(refuse(
            ErrorCode::SizeOverrideRequired,
            format!("the firm is {}: say why it belongs on a list of SMEs in sizeOverrideReason", size.as_str()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Binding, Username};
    use WhitelistAction as A;
    use WhitelistStatus as S;

    #[test]
    fn every_transition_is_allowed_or_refused_with_its_code() {
        // (from, action, expected): the whole table, every pair
        let allowed = [
            (S::Nominated, A::StartReview, S::UnderReview),
            (S::UnderReview, A::Approve, S::Approved),
            (S::UnderReview, A::Reject, S::Rejected),
            (S::Approved, A::Suspend, S::Suspended),
            (S::Suspended, A::Reinstate, S::Approved),
            (S::Approved, A::Revoke, S::Revoked),
            (S::Suspended, A::Revoke, S::Revoked),
            (S::Approved, A::Renew, S::Approved),
            (S::Expired, A::Renew, S::Approved),
            (S::Approved, A::Expire, S::Expired),
            (S::Approved, A::Publish, S::Approved),
        ];
        for from in S::ALL {
            for action in A::ALL {
                let want = allowed.iter().find(|(f, a, _)| *f == from && *a == action).map(|t| t.2);
                match (transition(from, action), want) {
                    (Ok(to), Some(w)) => assert_eq!(to, w, "{from:?} {action:?}"),
                    (Err(e), None) => assert_eq!(e.code, ErrorCode::InvalidTransition, "{from:?} {action:?}"),
                    (got, want) => panic!("{from:?} {action:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn open_entries_are_the_ones_that_hold_the_slot() {
        let open: Vec<S> = S::ALL.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(open, [S::Nominated, S::UnderReview, S::Approved, S::Suspended]);
    }

    #[test]
    fn an_approved_entry_past_its_validity_is_expired_before_the_job_runs() {
        assert_eq!(effective_status(S::Approved, Some(100), 99), S::Approved);
        assert_eq!(effective_status(S::Approved, Some(100), 100), S::Expired);
        assert_eq!(effective_status(S::Suspended, Some(100), 200), S::Suspended);
        assert!(check_valid_until(100, 100).is_err());
        assert!(check_valid_until(100 + MAX_VALIDITY_SECS + 1, 100).is_err());
        assert!(check_valid_until(101, 100).is_ok());
    }

    fn bureau(account: i64, j: &str) -> Viewer {
        Viewer {
            account_id: account,
            username: Username::parse("bureau").unwrap(),
            binding: Binding::new(Role::Bureau, Some(Jurisdiction::parse(j).unwrap()), None).unwrap(),
            token_id: 1,
        }
    }

    #[test]
    fn decisions_need_a_covering_bureau_at_the_nominators_level_and_four_eyes_to_approve() {
        let hz = RegionCode::parse("330106").unwrap();
        let by_city = Proposer { account_id: 1, level: Some(4) };
        let by_province = Proposer { account_id: 1, level: Some(2) };
        assert!(bureau(2, "33").check_decide(A::Approve, &hz, by_city).is_ok(), "a province over a city");
        assert!(bureau(2, "3301").check_decide(A::Approve, &hz, by_city).is_ok(), "the same level");
        assert_eq!(
            bureau(2, "330106").check_decide(A::Approve, &hz, by_city).unwrap_err().code,
            ErrorCode::LevelTooLow
        );
        assert_eq!(
            bureau(2, "3301").check_decide(A::Reject, &hz, by_province).unwrap_err().code,
            ErrorCode::LevelTooLow
        );
        assert_eq!(
            bureau(2, "44").check_decide(A::Approve, &hz, by_city).unwrap_err().code,
            ErrorCode::NotInJurisdiction
        );
        assert_eq!(bureau(1, "33").check_decide(A::Approve, &hz, by_city).unwrap_err().code, ErrorCode::FourEyes);
        assert!(bureau(1, "33").check_decide(A::StartReview, &hz, by_city).is_ok(), "reviewing one's own is allowed");
        let recommended = Proposer { account_id: 9, level: None };
        assert!(
            bureau(2, "330106").check_decide(A::Approve, &hz, recommended).is_ok(),
            "any covering bureau takes up a recommendation"
        );
        assert!(bureau(2, "33").check_publish("33").is_ok());
        assert_eq!(bureau(2, "3301").check_publish("33").unwrap_err().code, ErrorCode::LevelTooLow);
        assert_eq!(bureau(2, "44").check_publish("33").unwrap_err().code, ErrorCode::NotInJurisdiction);
    }

    fn view(region: &RegionCode, status: S, published: bool) -> EntryView<'_> {
        EntryView { region, firm: FirmId(1), recommender: Some(FirmId(7)), status, published }
    }

    fn enterprise(account: i64, firm: i64) -> Viewer {
        Viewer {
            account_id: account,
            username: Username::parse("ent").unwrap(),
            binding: Binding::new(Role::Enterprise, None, Some(FirmId(firm))).unwrap(),
            token_id: 1,
        }
    }

    #[test]
    fn published_entries_are_seen_everywhere_nominations_only_in_jurisdiction() {
        let hz = RegionCode::parse("330106").unwrap();
        let gd = bureau(3, "44");
        assert!(gd.can_see_whitelist_entry(&view(&hz, S::Approved, true)));
        assert!(gd.can_see_whitelist_entry(&view(&hz, S::Suspended, true)));
        assert!(!gd.can_see_whitelist_entry(&view(&hz, S::Approved, false)), "not yet published");
        assert!(!gd.can_see_whitelist_entry(&view(&hz, S::Nominated, true)));
        assert!(!gd.can_see_whitelist_details(&hz));
        assert!(bureau(3, "33").can_see_whitelist_entry(&view(&hz, S::Rejected, false)));
        assert!(bureau(3, "33").can_see_whitelist_details(&hz));
        assert!(enterprise(4, 1).can_see_whitelist_entry(&view(&hz, S::Nominated, false)), "its own firm");
        assert!(enterprise(4, 7).can_see_whitelist_entry(&view(&hz, S::Nominated, false)), "its recommendation");
        assert!(!enterprise(4, 8).can_see_whitelist_entry(&view(&hz, S::Nominated, false)));
        assert!(!enterprise(4, 1).can_see_whitelist_details(&hz));
        assert_eq!(gd.whitelist_scope(), EntryScope::Jurisdiction(Jurisdiction::parse("44").unwrap()));
        assert_eq!(enterprise(4, 7).whitelist_scope(), EntryScope::Firm(FirmId(7)));
    }

    #[test]
    fn large_and_unknown_firms_need_a_reason_smes_do_not() {
        assert_eq!(check_size(SizeClass::Small, Some("x")).unwrap(), None);
        for size in [SizeClass::Large, SizeClass::Unknown] {
            assert_eq!(check_size(size, None).unwrap_err().code, ErrorCode::SizeOverrideRequired);
            assert_eq!(check_size(size, Some("唯一国产供应商")).unwrap().as_deref(), Some("唯一国产供应商"));
            assert!(check_size(size, Some(" ")).is_err());
        }
        assert!(enterprise(1, 1).may_recommend(SizeClass::Large));
        assert!(!enterprise(1, 1).may_recommend(SizeClass::Medium));
        assert!(!bureau(1, "33").may_recommend(SizeClass::Large));
    }

    #[test]
    fn evidence_and_texts_are_checked() {
        assert!(Evidence::parse("承诺书", "浙经信〔2022〕12号").is_ok());
        assert!(Evidence::parse("", "x").is_err());
        assert!(Evidence::parse("a\u{202E}b", "x").is_err());
        assert!(JUSTIFICATION.clean("  ").is_err());
        assert!(COMMENT.clean("").is_err(), "every step says why");
    }
}
