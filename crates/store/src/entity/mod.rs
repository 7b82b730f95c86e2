//! sea-orm entities: the shape of the tables, nothing more. They never leave this crate's
//! repositories; callers get domain types.

pub mod account;
pub mod analysis_run;
pub mod analysis_scope;
pub mod api_token;
pub mod assessment_rank;
pub mod audit_event;
pub mod blockage;
pub mod blockage_event;
pub mod chain;
pub mod firm;
pub mod firm_assessment;
pub mod firm_chain;
pub mod production_report;
pub mod supply_link;
pub mod whitelist_batch;
pub mod whitelist_entry;
pub mod whitelist_event;
