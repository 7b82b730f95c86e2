//! The blockage ledger's workflow (人员到厂难、物料运输难): a blockage's kinds, states and the
//! steps between them, what a report must hold, and who may take which step. Pure; the store and
//! the API build on it. Priority and SLAs are in `triage`.
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
use crate::plate::Plate;
use crate::region::RegionCode;
use crate::text::TextRule;

/// What a report says happened (1 to 2,000 characters).
pub const DESCRIPTION: TextRule = TextRule { what: "description", min_chars: 1, max_chars: 2000, multiline: true };
/// A comment, or why a step was taken (1 to 2,000 characters).
pub const COMMENT: TextRule = TextRule { what: "comment", min_chars: 1, max_chars: 2000, multiline: true };
/// What a freight blockage carries (1 to 200 characters).
pub const CARGO: TextRule = TextRule { what: "cargo", min_chars: 1, max_chars: 200, multiline: false };
/// Where staff are held (1 to 200 characters).
pub const HELD_AT: TextRule =
    TextRule { what: "where the staff are held", min_chars: 1, max_chars: 200, multiline: false };
/// Most vehicles one freight blockage names.
pub const MAX_PLATES: usize = 50;
/// Most workers one staff blockage counts.
pub const MAX_WORKERS: i32 = 1_000_000;

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

/// What a blockage of each kind holds beyond the firm and the description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Details {
    /// Staff cannot reach the factory.
    StaffAccess {
        /// Workers held back (1 to [`MAX_WORKERS`]).
        workers: i32,
        /// Where they are held (a district, a quarantine site).
        held_at: String,
        /// Whether the firm runs closed-loop production (闭环管理, 封闭作业: staff live on site).
        closed_loop: bool,
    },
    /// Materials or products cannot move.
    Freight {
        /// Where the goods leave.
        origin: RegionCode,
        /// Where they must arrive.
        destination: RegionCode,
        /// What they are.
        cargo: String,
        /// The vehicles (0 to [`MAX_PLATES`], distinct, canonical).
        plates: Vec<Plate>,
    },
    /// Anything else.
    Other,
}

impl Details {
    /// The kind these details belong to.
    pub fn kind(&self) -> BlockageKind {
        match self {
            Self::StaffAccess { .. } => BlockageKind::StaffAccess,
            Self::Freight { .. } => BlockageKind::Freight,
            Self::Other => BlockageKind::Other,
        }
    }
}

/// The fields of a report as they arrive, before checking.
#[derive(Debug, Clone, Default)]
pub struct DetailsInput<'a> {
    /// Workers held back (STAFF_ACCESS).
    pub workers: Option<i32>,
    /// Where they are held (STAFF_ACCESS).
    pub held_at: Option<&'a str>,
    /// Closed-loop production (STAFF_ACCESS; false when absent).
    pub closed_loop: Option<bool>,
    /// Origin region code (FREIGHT).
    pub origin: Option<&'a str>,
    /// Destination region code (FREIGHT).
    pub destination: Option<&'a str>,
    /// Cargo (FREIGHT).
    pub cargo: Option<&'a str>,
    /// Plates (FREIGHT).
    pub plates: &'a [String],
}

fn missing(what: &str, kind: BlockageKind) -> ValidationError {
    ValidationError::new(ErrorCode::InvalidValue, format!("a {} blockage needs {what}", kind.as_str()))
}

fn not_for(what: &str, kind: BlockageKind) -> ValidationError {
    ValidationError::new(ErrorCode::InvalidValue, format!("{what} does not belong to a {} blockage", kind.as_str()))
}

/// Checks the details of a `kind` report; every problem is returned with its field name (`workers`,
/// `heldAt`, `originRegion`, `destinationRegion`, `cargo`, `plates.<i>`), so a client sees them all
/// at once. Fields of another kind are refused rather than silently dropped.
pub fn check_details(kind: BlockageKind, d: &DetailsInput<'_>) -> Result<Details, Vec<(String, ValidationError)>> {
    let mut errors: Vec<(String, ValidationError)> = Vec::new();
    let staff_fields = d.workers.is_some() || d.held_at.is_some() || d.closed_loop.is_some();
    let freight_fields = d.origin.is_some() || d.destination.is_some() || d.cargo.is_some() || !d.plates.is_empty();
    match kind {
        BlockageKind::StaffAccess => {
            if freight_fields {
                errors.push(("originRegion".into(), not_for("origin, destination, cargo or plates", kind)));
            }
            let workers = match d.workers {
                None => {
                    errors.push(("workers".into(), missing("the number of workers held back", kind)));
                    None
                }
                Some(w) if !(1..=MAX_WORKERS).contains(&w) => {
                    errors.push((
                        "workers".into(),
                        ValidationError::new(ErrorCode::OutOfRange, format!("workers must be 1 to {MAX_WORKERS}")),
                    ));
                    None
                }
                Some(w) => Some(w),
            };
            let held_at = match d.held_at {
                None => {
                    errors.push(("heldAt".into(), missing("where the workers are held", kind)));
                    None
                }
                Some(h) => HELD_AT.clean(h).map_err(|e| errors.push(("heldAt".into(), e))).ok(),
            };
            match (workers, held_at) {
                (Some(workers), Some(held_at)) if errors.is_empty() => {
                    Ok(Details::StaffAccess { workers, held_at, closed_loop: d.closed_loop.unwrap_or(false) })
                }
                _ => Err(errors),
            }
        }
        BlockageKind::Freight => {
            if staff_fields {
                errors.push(("workers".into(), not_for("workers, heldAt or closedLoop", kind)));
            }
            let mut region = |field: &str, v: Option<&str>, what: &str| match v {
                None => {
                    errors.push((field.into(), missing(what, kind)));
                    None
                }
                Some(v) => RegionCode::parse(v).map_err(|e| errors.push((field.into(), e))).ok(),
            };
            let origin = region("originRegion", d.origin, "the origin region code");
            let destination = region("destinationRegion", d.destination, "the destination region code");
            let cargo = match d.cargo {
                None => {
                    errors.push(("cargo".into(), missing("the cargo", kind)));
                    None
                }
                Some(c) => CARGO.clean(c).map_err(|e| errors.push(("cargo".into(), e))).ok(),
            };
            if d.plates.len() > MAX_PLATES {
                errors.push((
                    "plates".into(),
                    ValidationError::new(ErrorCode::OutOfRange, format!("at most {MAX_PLATES} plates")),
                ));
            }
            let mut plates: Vec<Plate> = Vec::with_capacity(d.plates.len());
            for (i, p) in d.plates.iter().enumerate().take(MAX_PLATES) {
                match Plate::parse(p) {
                    Ok(p) if plates.contains(&p) => errors.push((
                        format!("plates.{i}"),
                        ValidationError::new(ErrorCode::Duplicate, format!("plate {p} is named twice")),
                    )),
                    Ok(p) => plates.push(p),
                    Err(e) => errors.push((format!("plates.{i}"), e)),
                }
            }
            match (origin, destination, cargo) {
                (Some(origin), Some(destination), Some(cargo)) if errors.is_empty() => {
                    Ok(Details::Freight { origin, destination, cargo, plates })
                }
                _ => Err(errors),
            }
        }
        BlockageKind::Other => {
            if staff_fields || freight_fields {
                errors.push(("kind".into(), not_for("staff or freight details", kind)));
                return Err(errors);
            }
            Ok(Details::Other)
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

    /// Seeing a blockage (and hearing of its changes): the affected firm's and the counterpart's
    /// ENTERPRISE accounts, BUREAU and COORDINATOR accounts whose jurisdiction covers one of its
    /// regions (a FREIGHT blockage at both ends of the trip), and ADMIN.
    pub fn can_see_blockage(&self, firm: FirmId, counterpart: Option<FirmId>, regions: &[RegionCode]) -> bool {
        match self.role() {
            Role::Admin => true,
            Role::Enterprise => self.binding.firm().is_some_and(|f| f == firm || Some(f) == counterpart),
            Role::Bureau | Role::Coordinator => {
                self.binding.jurisdiction().is_some_and(|j| regions.iter().any(|r| j.covers(r)))
            }
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

    use crate::access::test_viewer as viewer;

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
        // seeing: both firms of a freight trip, offices at either end, never a third firm or region
        for (v, may) in [(&own, true), (&other, true), (&county, true), (&shenzhen, true), (&beijing, false)] {
            assert_eq!(v.can_see_blockage(FirmId(7), Some(FirmId(8)), &freight), may, "{:?}", v.binding);
        }
        assert!(!other.can_see_blockage(FirmId(7), None, &staff));
        assert!(!shenzhen.can_see_blockage(FirmId(7), None, &staff));
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

    #[test]
    fn details_are_checked_for_the_kind_reported() {
        let plates = ["浙A·12345".to_owned(), "沪AD12345".to_owned(), "粤B12345D".to_owned(), "苏E1234挂".to_owned()];
        let freight = DetailsInput {
            origin: Some("330106"),
            destination: Some("440305"),
            cargo: Some("轴承钢"),
            plates: &plates,
            ..Default::default()
        };
        match check_details(BlockageKind::Freight, &freight).unwrap() {
            Details::Freight { plates, cargo, .. } => {
                assert_eq!(cargo, "轴承钢");
                let canon: Vec<&str> = plates.iter().map(Plate::as_str).collect();
                assert_eq!(canon, ["浙A12345", "沪AD12345", "粤B12345D", "苏E1234挂"]);
            }
            other => panic!("{other:?}"),
        }
        let bad = ["浙A12345".to_owned(), "浙a 12345".to_owned(), "AB12345".to_owned()];
        let errs = check_details(
            BlockageKind::Freight,
            &DetailsInput { origin: Some("990000"), cargo: Some(""), plates: &bad, ..Default::default() },
        )
        .unwrap_err();
        let fields: Vec<(&str, ErrorCode)> = errs.iter().map(|(f, e)| (f.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [
                ("originRegion", ErrorCode::InvalidRegion),
                ("destinationRegion", ErrorCode::InvalidValue),
                ("cargo", ErrorCode::InvalidText),
                ("plates.1", ErrorCode::Duplicate),
                ("plates.2", ErrorCode::InvalidPlate),
            ]
        );
        let staff = DetailsInput {
            workers: Some(120),
            held_at: Some("宁波北仑区"),
            closed_loop: Some(true),
            ..Default::default()
        };
        assert_eq!(
            check_details(BlockageKind::StaffAccess, &staff).unwrap(),
            Details::StaffAccess { workers: 120, held_at: "宁波北仑区".into(), closed_loop: true }
        );
        let errs = check_details(BlockageKind::StaffAccess, &DetailsInput { workers: Some(0), ..freight.clone() })
            .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["originRegion", "workers", "heldAt"]);
        assert_eq!(check_details(BlockageKind::Other, &DetailsInput::default()).unwrap(), Details::Other);
        assert!(
            check_details(BlockageKind::Other, &staff).is_err(),
            "details of another kind are refused, not dropped"
        );
        let many: Vec<String> = (0..51).map(|i| format!("浙A{:05}", i)).collect();
        let errs =
            check_details(BlockageKind::Freight, &DetailsInput { plates: &many, ..freight.clone() }).unwrap_err();
        assert_eq!(errs[0].0, "plates");
    }
}
