//! GraphQL object types. Each wraps a domain record; none is a database entity.
pub mod assessment;
pub mod audit;
pub mod chain;
pub mod coverage;
pub mod firm;
pub mod link;
pub mod node;
pub mod viewer;
