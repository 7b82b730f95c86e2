//! The blockage ledger's workflow (人员到厂难、物料运输难): a blockage's kinds, states and the
//! steps between them. Pure; the store and the API build on it (issue #11, in progress: the
//! ledger's store, API, priority and escalation come next).
//!
//! ```text
//! REPORTED ──assign──▶ ASSIGNED ──start──▶ IN_PROGRESS ──resolve──▶ RESOLVED ──close──▶ CLOSED
//!    │                  ▲  │  ▲ assign (hand on)  │                    │  ▲                 │
//!    │                  │  └──┴──────────────────┘◀──assign───────────┘  │ (反馈)           │
//!    │                  │  └──resolve──────────────────────────────────▶ │                 │
//!    │                  └──assign── REOPENED ◀──reopen── RESOLVED, CLOSED, REJECTED, DUPLICATE
//!    └──reject──▶ REJECTED   (from REPORTED, ASSIGNED, IN_PROGRESS, REOPENED)
//!    └──duplicate──▶ DUPLICATE (from REPORTED, ASSIGNED, REOPENED; points at the original)
//! ```
//!
//! A blockage is *open* (in the triage queue, subject to SLAs) while REPORTED, ASSIGNED,
//! IN_PROGRESS or REOPENED; RESOLVED waits for the reporting firm's confirmation (销号).
use crate::access::{Role, Viewer};
use crate::error::{ErrorCode, ValidationError};
use crate::firm::FirmId;
use crate::region::RegionCode;

/// What is blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BlockageKind {
    /// Staff cannot reach the factory (人员到厂难).
    StaffAccess,
    /// Materials or products cannot move (物料运输难).
    Freight,
    /// Anything else that stops production.
    Other,
}

impl BlockageKind {
    /// Every kind.
    pub const ALL: [Self; 3] = [Self::StaffAccess, Self::Freight, Self::Other];

    /// The stable wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StaffAccess => "STAFF_ACCESS",
            Self::Freight => "FREIGHT",
            Self::Other => "OTHER",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a blockage stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BlockageStatus {
    /// Reported, waiting for a coordinator.
    Reported,
    /// Handed to a coordinator (交办).
    Assigned,
    /// The coordinator is working on it.
    InProgress,
    /// The coordinator reports it solved (反馈); waits for the firm's confirmation.
    Resolved,
    /// Confirmed solved (销号).
    Closed,
    /// Not a blockage Linchpin coordinates.
    Rejected,
    /// The same as another blockage.
    Duplicate,
    /// Back in the queue after a resolution, closure or refusal that did not hold.
    Reopened,
}

impl BlockageStatus {
    /// Every status.
    pub const ALL: [Self; 8] = [
        Self::Reported,
        Self::Assigned,
        Self::InProgress,
        Self::Resolved,
        Self::Closed,
        Self::Rejected,
        Self::Duplicate,
        Self::Reopened,
    ];

    /// The stable wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "REPORTED",
            Self::Assigned => "ASSIGNED",
            Self::InProgress => "IN_PROGRESS",
            Self::Resolved => "RESOLVED",
            Self::Closed => "CLOSED",
            Self::Rejected => "REJECTED",
            Self::Duplicate => "DUPLICATE",
            Self::Reopened => "REOPENED",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// In the triage queue and under its SLAs.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Reported | Self::Assigned | Self::InProgress | Self::Reopened)
    }
}

/// A step of the blockage workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BlockageAction {
    /// Hand it to a coordinator (again).
    Assign,
    /// The coordinator starts.
    Start,
    /// The coordinator reports it solved.
    Resolve,
    /// Confirmed solved.
    Close,
    /// Back into the queue.
    Reopen,
    /// Not a blockage to coordinate.
    Reject,
    /// The same as another.
    MarkDuplicate,
}

impl BlockageAction {
    /// Every action.
    pub const ALL: [Self; 7] =
        [Self::Assign, Self::Start, Self::Resolve, Self::Close, Self::Reopen, Self::Reject, Self::MarkDuplicate];

    /// The stable wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assign => "ASSIGN",
            Self::Start => "START",
            Self::Resolve => "RESOLVE",
            Self::Close => "CLOSE",
            Self::Reopen => "REOPEN",
            Self::Reject => "REJECT",
            Self::MarkDuplicate => "MARK_DUPLICATE",
        }
    }
}

/// The state after `action` from `from`, or INVALID_TRANSITION.
pub fn transition(from: BlockageStatus, action: BlockageAction) -> Result<BlockageStatus, ValidationError> {
    use BlockageAction as A;
    use BlockageStatus as S;
    let to = match (from, action) {
        (S::Reported | S::Assigned | S::InProgress | S::Reopened, A::Assign) => S::Assigned,
        (S::Assigned, A::Start) => S::InProgress,
        (S::Assigned | S::InProgress, A::Resolve) => S::Resolved,
        (S::Resolved, A::Close) => S::Closed,
        (S::Resolved | S::Closed | S::Rejected | S::Duplicate, A::Reopen) => S::Reopened,
        (S::Reported | S::Assigned | S::InProgress | S::Reopened, A::Reject) => S::Rejected,
        (S::Reported | S::Assigned | S::Reopened, A::MarkDuplicate) => S::Duplicate,
        _ => {
            return Err(ValidationError::new(
                ErrorCode::InvalidTransition,
                format!("a {} blockage cannot take the step {}", from.as_str(), action.as_str()),
            ));
        }
    };
    Ok(to)
}

/// Where a blockage is handled: the regions it concerns (the affected firm's; for FREIGHT also
/// the origin and destination) and the level it has been escalated to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desk<'a> {
    /// The affected firm.
    pub firm: FirmId,
    /// Its region, then for FREIGHT the origin and destination.
    pub regions: &'a [RegionCode],
    /// The prefix length of the office in charge: 6 county, 4 city, 2 province, 0 national.
    pub level: u8,
}

/// The office a breached blockage goes to next: county (6 digits) → city (4) → province (2) →
/// national (0); `None` once national.
pub fn escalation_level(level: u8) -> Option<u8> {
    match level {
        6 => Some(4),
        4 => Some(2),
        2 => Some(0),
        _ => None,
    }
}

impl Viewer {
    /// Reporting a blockage of a firm: its own ENTERPRISE account, a COORDINATOR or BUREAU whose
    /// jurisdiction covers the firm, or ADMIN.
    pub fn can_report_blockage(&self, firm: FirmId, region: &RegionCode) -> bool {
        match self.role() {
            Role::Admin => true,
            Role::Enterprise => self.binding.firm() == Some(firm),
            Role::Bureau | Role::Coordinator => self.binding.jurisdiction().is_some_and(|j| j.covers(region)),
        }
    }

    /// Coordinating a blockage (assign, start, resolve, reject, mark duplicate): a COORDINATOR or
    /// BUREAU whose jurisdiction covers one of its regions (a FREIGHT blockage is seen at both
    /// ends of the trip) at the level it has reached or above (after an escalation to the city, a
    /// county office no longer leads it), or ADMIN.
    pub fn can_coordinate_blockage(&self, desk: &Desk<'_>) -> bool {
        match self.role() {
            Role::Admin => true,
            Role::Enterprise => false,
            // offices at the level in charge or above lead; at national level, the provinces
            // concerned (and admins)
            Role::Bureau | Role::Coordinator => self.binding.jurisdiction().is_some_and(|j| {
                j.as_str().len() <= usize::from(desk.level.max(2)) && desk.regions.iter().any(|r| j.covers(r))
            }),
        }
    }

    /// Closing a resolved blockage (销号) or reopening it: the affected firm's ENTERPRISE account,
    /// a BUREAU whose jurisdiction covers one of its regions, or ADMIN.
    pub fn can_close_blockage(&self, desk: &Desk<'_>) -> bool {
        match self.role() {
            Role::Admin => true,
            Role::Enterprise => self.binding.firm() == Some(desk.firm),
            Role::Bureau => self.binding.jurisdiction().is_some_and(|j| desk.regions.iter().any(|r| j.covers(r))),
            Role::Coordinator => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BlockageAction as A;
    use BlockageStatus as S;

    /// Every allowed step; every other (status, action) pair is refused.
    const ALLOWED: [(S, A, S); 19] = [
        (S::Reported, A::Assign, S::Assigned),
        (S::Assigned, A::Assign, S::Assigned),
        (S::InProgress, A::Assign, S::Assigned),
        (S::Reopened, A::Assign, S::Assigned),
        (S::Assigned, A::Start, S::InProgress),
        (S::Assigned, A::Resolve, S::Resolved),
        (S::InProgress, A::Resolve, S::Resolved),
        (S::Resolved, A::Close, S::Closed),
        (S::Resolved, A::Reopen, S::Reopened),
        (S::Closed, A::Reopen, S::Reopened),
        (S::Rejected, A::Reopen, S::Reopened),
        (S::Duplicate, A::Reopen, S::Reopened),
        (S::Reported, A::Reject, S::Rejected),
        (S::Assigned, A::Reject, S::Rejected),
        (S::InProgress, A::Reject, S::Rejected),
        (S::Reopened, A::Reject, S::Rejected),
        (S::Reported, A::MarkDuplicate, S::Duplicate),
        (S::Assigned, A::MarkDuplicate, S::Duplicate),
        (S::Reopened, A::MarkDuplicate, S::Duplicate),
    ];

    #[test]
    fn every_step_from_every_state_is_allowed_exactly_as_the_table_says() {
        for from in S::ALL {
            for action in A::ALL {
                let want = ALLOWED.iter().find(|(f, a, _)| *f == from && *a == action).map(|t| t.2);
                match (transition(from, action), want) {
                    (Ok(to), Some(w)) => assert_eq!(to, w, "{from:?} {action:?}"),
                    (Err(e), None) => assert_eq!(e.code, ErrorCode::InvalidTransition, "{from:?} {action:?}"),
                    (got, want) => panic!("{from:?} {action:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    fn viewer(role: Role, jurisdiction: Option<&str>, firm: Option<i64>) -> Viewer {
        use crate::access::{Binding, Username};
        let j = jurisdiction.map(|j| crate::region::Jurisdiction::parse(j).unwrap());
        Viewer {
            account_id: 1,
            username: Username::parse("someone").unwrap(),
            binding: Binding::new(role, j, firm.map(FirmId)).unwrap(),
            token_id: 0,
        }
    }

    #[test]
    fn who_reports_coordinates_and_closes_by_role_jurisdiction_and_level() {
        let hz = RegionCode::parse("330106").unwrap();
        let sz = RegionCode::parse("440305").unwrap();
        let freight = [hz.clone(), hz.clone(), sz.clone()];
        let staff = [hz.clone()];
        let at = |level, regions| Desk { firm: FirmId(7), regions, level };
        let county = viewer(Role::Coordinator, Some("330106"), None);
        let city = viewer(Role::Coordinator, Some("3301"), None);
        let province = viewer(Role::Bureau, Some("33"), None);
        let shenzhen = viewer(Role::Coordinator, Some("4403"), None);
        let beijing = viewer(Role::Coordinator, Some("11"), None);
        let own = viewer(Role::Enterprise, None, Some(7));
        let other = viewer(Role::Enterprise, None, Some(8));
        let admin = viewer(Role::Admin, None, None);
        // reporting
        for (v, may) in [(&own, true), (&other, false), (&county, true), (&beijing, false), (&admin, true)] {
            assert_eq!(v.can_report_blockage(FirmId(7), &hz), may, "{:?}", v.binding);
        }
        // at county level every office covering it leads; a freight blockage also at its destination
        for (v, may) in
            [(&county, true), (&city, true), (&province, true), (&shenzhen, true), (&beijing, false), (&own, false)]
        {
            assert_eq!(v.can_coordinate_blockage(&at(6, &freight)), may, "{:?}", v.binding);
        }
        assert!(!shenzhen.can_coordinate_blockage(&at(6, &staff)), "a staff blockage stays with its own region");
        // escalated to the city: the county office no longer leads it; then to the province, then national
        assert!(!county.can_coordinate_blockage(&at(4, &staff)));
        assert!(city.can_coordinate_blockage(&at(4, &staff)));
        assert!(!city.can_coordinate_blockage(&at(2, &staff)));
        assert!(province.can_coordinate_blockage(&at(2, &staff)));
        assert!(province.can_coordinate_blockage(&at(0, &staff)));
        assert!(
            !beijing.can_coordinate_blockage(&at(0, &staff)),
            "national level is the provinces concerned and admins"
        );
        // closing: the firm, bureaus covering it, admins; never a coordinator or another firm
        for (v, may) in [(&own, true), (&other, false), (&province, true), (&county, false), (&admin, true)] {
            assert_eq!(v.can_close_blockage(&at(6, &staff)), may, "{:?}", v.binding);
        }
        assert_eq!([6, 4, 2, 0].map(escalation_level), [Some(4), Some(2), Some(0), None]);
    }

    #[test]
    fn open_statuses_are_the_ones_in_the_queue_and_wire_names_round_trip() {
        let open: Vec<S> = S::ALL.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(open, [S::Reported, S::Assigned, S::InProgress, S::Reopened]);
        for s in S::ALL {
            assert_eq!(S::from_wire(s.as_str()), Some(s));
        }
        for k in BlockageKind::ALL {
            assert_eq!(BlockageKind::from_wire(k.as_str()), Some(k));
        }
        // a closed blockage can only come back through REOPENED, never straight to work
        for a in [A::Assign, A::Start, A::Resolve, A::Close, A::Reject, A::MarkDuplicate] {
            assert!(transition(S::Closed, a).is_err(), "{a:?}");
        }
    }
}
