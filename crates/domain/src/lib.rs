//! Validated domain types of Linchpin.
//!
//! Every value that enters the system from outside (GraphQL, CSV/XLSX, CLI) is parsed once into
//! one of these types at the edge; inside, a `Uscc` is always a valid USCC, a `RegionCode` always
//! names a real province, and so on. This crate is pure: no IO, no async runtime, no database.

mod access;
mod ascii;
pub mod blockage;
mod chain;
pub mod coverage;
mod error;
mod firm;
mod industry;
mod link;
mod plate;
pub mod production;
mod region;
mod rows;
mod size;
mod text;
pub mod triage;
mod uscc;
pub mod whitelist;

pub use access::{Binding, End, LinkScope, Password, Role, Username, Viewer};
pub use chain::ChainCode;
pub use error::{ErrorCode, ValidationError};
pub use firm::{FirmDraft, FirmId, FirmName, FirmRecord, Indicators, Verification};
pub use industry::{IndustryCode, IndustryLevel};
pub use link::{
    Essentiality, LinkDraft, LinkId, LinkStatus, LinkTrust, Product, REJECTION_REASON, SupplyLinkRecord, Value10kCny,
};
pub use plate::Plate;
pub use region::{Jurisdiction, Reach, RegionCode};
pub use rows::{FirmRow, LinkRow, RowError, SupplierRow};
pub use size::SizeClass;
pub use text::{TextRule, is_invisible_or_bidi};
pub use uscc::Uscc;
