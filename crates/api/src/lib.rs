//! The GraphQL API of Linchpin.
//!
//! [`build_schema`] assembles queries, mutations and subscriptions over an [`ApiState`]. Every
//! mutation has one shape (`mutations`: parse, authorize, write in one transaction, then audit,
//! commit and announce in one helper). Errors
//! reach clients only as stable codes ([`ApiError`]) or as `userErrors` in mutation payloads;
//! internal causes are logged, never sent. The [`EventBus`] carries change events to
//! subscriptions, in process or across replicas through Redis.

pub mod admission;
pub mod analysis;
mod audit_log;
pub mod auth;
pub mod blockage;
mod candidates;
pub mod clock;
mod codes;
mod connection;
mod error;
pub mod events;
mod guard;
mod ids;
pub mod limits;
pub mod live;
mod loaders;
pub mod metrics;
mod mutations;
pub mod observe;
mod production;
mod query;
pub mod redis_link;
pub mod rules;
mod schema;
pub mod sessions;
mod simulate;
mod state;
mod subscription;
mod types;
pub mod whitelist;

pub use blockage::{escalate_due, rerank, spawn_escalation};
pub use error::{ApiError, UserError, UserErrorCode};
pub use events::{EventBus, InProcessBus, NetworkEvent, NetworkEventKind, RedisBus};
pub use guard::RequestId;
pub use limits::{Decision, InMemoryLimiter, RateLimiter, RedisLimiter, Rule};
pub use schema::{ApiSchema, Limits, build_schema, sdl};
pub use state::ApiState;
pub use whitelist::{ExportFilter, PublicCheck, expire_due, export_rows, public_check, spawn_expiry};
