//! Mutations. Each takes one `input` and returns a payload with the object and `userErrors`;
//! expected failures (bad input, duplicates, stale versions) are user errors, and a failed
//! mutation writes nothing.
//!
//! Every mutation has the same shape, and a new one is written by copying it:
//!
//! ```text
//! /// What it does and which codes it fails with.
//! async fn do_thing(&self, ctx: &Context<'_>, input: DoThingInput) -> Result<DoThingPayload> {
//!     respond(do_thing(ctx, input).await)
//! }
//!
//! async fn do_thing(ctx: &Context<'_>, input: DoThingInput) -> Outcome<Thing> {
//!     let viewer = guard::viewer(ctx)?;                // who; UNAUTHENTICATED without a token
//!     require(role is allowed)?;                        // FORBIDDEN before any work
//!     let parsed = input.parse()?;                      // every field error at once, as userErrors
//!     let w = Write::begin(ctx).await?;                 // one transaction; reads happen inside it
//!     let current = repo::get(w.txn(), id).await?;     // a store failure becomes a userError or INTERNAL
//!     require(viewer.may(...))?;                        // rules that need the stored object
//!     let after = repo::change(w.txn(), ..).await?;
//!     w.commit(viewer, change, Some(event)).await?;     // audit event, commit, then announce
//!     Ok(Thing(after))
//! }
//! ```
//!
//! [`Outcome`] is the one error channel: `?` turns a [`UserError`], field errors, a `StoreError`
//! or an [`ApiError`] into the right half of [`Refusal`], and [`respond`] turns it into the
//! payload's `userErrors` or a transport error.
mod analysis;
mod auth;
mod blockage;
mod firm;
mod link;
mod supplier_list;
mod whitelist;

pub use analysis::AnalysisMutations;
pub use auth::AuthMutations;
pub use blockage::BlockageMutations;
pub use firm::FirmMutations;
pub use link::LinkMutations;
pub use supplier_list::SupplierListMutations;
pub use whitelist::WhitelistMutations;

use async_graphql::Context;
use linchpin_domain::{ValidationError, Viewer};
use linchpin_store::audit::NewAuditEvent;
use linchpin_store::{DatabaseTransaction, StoreError, WriteTxn};
use serde::Serialize;

use crate::audit_log::{self, Change};
use crate::error::{ApiError, UserError, UserErrorCode};
use crate::events::NetworkEvent;
use crate::guard;
use crate::state::ApiState;

/// Why a mutation did not happen.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// Expected failures, returned as `userErrors`.
    User(Vec<UserError>),
    /// A transport error (UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED, INTERNAL ...).
    Transport(ApiError),
}

impl Refusal {
    /// Blames errors of `code` on `input.<field>` (e.g. a DUPLICATE from the store on `uscc`).
    pub fn blame(self, code: UserErrorCode, field: &str) -> Self {
        match self {
            Self::User(mut errors) => {
                for e in errors.iter_mut().filter(|e| e.code == code) {
                    e.field = vec!["input".into(), field.into()];
                }
                Self::User(errors)
            }
            other => other,
        }
    }
}

impl From<UserError> for Refusal {
    fn from(e: UserError) -> Self {
        Self::User(vec![e])
    }
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        Self::Transport(e)
    }
}

impl From<StoreError> for Refusal {
    /// Expected store failures (not found, duplicate, stale version, invalid state) are user
    /// errors; anything else is INTERNAL, logged.
    fn from(e: StoreError) -> Self {
        match UserError::from_store(e) {
            Ok(u) => Self::User(vec![u]),
            Err(api) => Self::Transport(api),
        }
    }
}

impl From<linchpin_store::DbErr> for Refusal {
    fn from(e: linchpin_store::DbErr) -> Self {
        StoreError::from(e).into()
    }
}

impl From<FieldErrors> for Refusal {
    fn from(e: FieldErrors) -> Self {
        Self::User(e.0)
    }
}

/// The result of a mutation's work: its object, or why not.
pub(crate) type Outcome<T> = Result<T, Refusal>;

/// A mutation payload: the object on success, or the user errors.
pub(crate) trait Payload: Sized {
    /// What the mutation produces.
    type Object;
    /// The payload of a success.
    fn done(object: Self::Object) -> Self;
    /// The payload of an expected failure.
    fn refused(errors: Vec<UserError>) -> Self;
}

/// Implements [`Payload`] for a payload struct `{ <field>: Option<T>, user_errors }`.
macro_rules! payload {
    ($payload:ty, $field:ident: $object:ty) => {
        impl crate::mutations::Payload for $payload {
            type Object = $object;
            fn done(object: $object) -> Self {
                Self { $field: Some(object), user_errors: Vec::new() }
            }
            fn refused(errors: Vec<crate::error::UserError>) -> Self {
                Self { $field: None, user_errors: errors }
            }
        }
    };
}
pub(crate) use payload;

/// Turns a mutation's outcome into its payload, or into a transport error.
pub(crate) fn respond<P: Payload>(outcome: Outcome<P::Object>) -> Result<P, ApiError> {
    match outcome {
        Ok(object) => Ok(P::done(object)),
        Err(Refusal::User(errors)) => Ok(P::refused(errors)),
        Err(Refusal::Transport(e)) => Err(e),
    }
}

/// Collects field errors while parsing an input, so a client sees every problem at once.
#[derive(Default, Debug)]
pub(crate) struct FieldErrors(pub Vec<UserError>);

impl FieldErrors {
    /// Keeps the value, or records the error against `input.<field>`.
    pub fn take<T>(&mut self, field: &str, r: Result<T, ValidationError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(UserError::on(field, e));
                None
            }
        }
    }
}

/// The write half of a mutation: one transaction, in which it also reads what it checks.
/// [`Write::commit`] records the audit event, commits and only then announces the change, so no
/// change exists without its event and no event announces a change that did not happen.
/// Dropping a `Write` without committing rolls everything back.
pub(crate) struct Write {
    txn: WriteTxn,
    state: ApiState,
    request_id: String,
}

impl Write {
    /// Begins the transaction of this request's mutation.
    pub async fn begin(ctx: &Context<'_>) -> Result<Self, ApiError> {
        let state = guard::state(ctx)?.clone();
        let txn = state.store.begin_write().await?;
        Ok(Self { txn, state, request_id: guard::request_id(ctx) })
    }

    /// The transaction, for reads and writes.
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Records `change` by `viewer`, commits, then publishes `event` (if any).
    pub async fn commit<B: Serialize, A: Serialize>(
        self,
        viewer: &Viewer,
        change: Change<'_, B, A>,
        event: Option<NetworkEvent>,
    ) -> Result<(), ApiError> {
        audit_log::record(&*self.txn, viewer, self.request_id, change).await?;
        self.txn.commit().await?;
        if let Some(e) = event {
            self.state.announce(e).await;
        }
        Ok(())
    }

    /// Records every change of a bulk step by `viewer`, commits, then publishes every event.
    pub async fn commit_all<B: Serialize, A: Serialize>(
        self,
        viewer: &Viewer,
        changes: Vec<Change<'_, B, A>>,
        events: Vec<NetworkEvent>,
    ) -> Result<(), ApiError> {
        let records = audit_log::events(viewer, &self.request_id, changes)?;
        self.commit_events(records, events).await
    }

    /// This request's id (for audit events written by hand).
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// Appends prepared audit events, commits, then publishes `notices`.
    pub async fn commit_events(self, events: Vec<NewAuditEvent>, notices: Vec<NetworkEvent>) -> Result<(), ApiError> {
        linchpin_store::audit::append_many(&*self.txn, events).await?;
        self.txn.commit().await?;
        self.state.announce_all(notices).await;
        Ok(())
    }
}
