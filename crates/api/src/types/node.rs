//! The Relay `Node` interface: every object `node(id:)` can return.
use async_graphql::{ID, Interface};

use crate::blockage::Blockage;
use crate::types::assessment::AnalysisRun;
use crate::types::firm::Firm;
use crate::types::link::SupplyLink;
use crate::whitelist::WhitelistEntry;

/// An object with a global id (Relay).
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id."))]
pub enum Node {
    /// A firm.
    Firm(Firm),
    /// A supply link.
    SupplyLink(SupplyLink),
    /// A stored analysis run.
    AnalysisRun(AnalysisRun),
    /// A whitelist entry.
    WhitelistEntry(WhitelistEntry),
    /// A staff or freight blockage.
    Blockage(Blockage),
}
