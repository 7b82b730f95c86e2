//! The supply network of Linchpin and its analyses.
//!
//! [`SupplyNetwork`] wraps a petgraph graph with side indexes from database ids to graph indices,
//! so the server can apply every firm and link change incrementally. The analyses (ESRI,
//! dominators, sole essential suppliers, reach) build on it. Pure: no IO.

mod network;

pub use network::{FirmNode, GraphError, LinkEdge, SupplyNetwork};
