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
use crate::error::{ErrorCode, ValidationError};

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
