//! `SupplyNetwork`: the editable network on petgraph with side indexes from database ids.
use std::collections::HashMap;

use linchpin_domain::{
    ChainCode, Essentiality, FirmId, IndustryCode, IndustryLevel, LinkId, LinkStatus, LinkTrust, SizeClass,
};
use petgraph::Direction;
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;
use thiserror::Error;

/// Errors of network mutations and look-ups.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum GraphError {
    /// No firm with this id is in the network.
    #[error("firm {0:?} is not in the network")]
    UnknownFirm(FirmId),
    /// No link with this id is in the network.
    #[error("link {0:?} is not in the network")]
    UnknownLink(LinkId),
    /// A link from a firm to itself was offered.
    #[error("firm {0:?} cannot supply itself")]
    SelfLink(FirmId),
    /// A link with the same supplier, customer and product (or the same id) exists.
    #[error("link {0:?} duplicates an existing link")]
    DuplicateLink(LinkId),
    /// An edge handed to an analysis is malformed.
    #[error("bad edge: {0}")]
    BadEdge(String),
    /// A scenario names a node outside the graph or a capacity outside [0, 1].
    #[error("bad scenario: {0}")]
    BadScenario(String),
}

/// What the analyses need to know about a firm.
#[derive(Debug, Clone, PartialEq)]
pub struct FirmNode {
    /// Database identity.
    pub id: FirmId,
    /// Industry as registered (cut to the substitution level when a snapshot is taken).
    pub industry: IndustryCode,
    /// Size class.
    pub size_class: SizeClass,
    /// Employees, 0 when unknown.
    pub employees: u32,
    /// Two-digit province.
    pub province: String,
    /// Chains it belongs to.
    pub chains: Vec<ChainCode>,
}

/// What the analyses need to know about a supply link.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkEdge {
    /// Database identity.
    pub id: LinkId,
    /// What flows; part of the link's natural key.
    pub product: String,
    /// Annual value in 10,000 CNY, > 0.
    pub value: f64,
    /// How the customer depends on it.
    pub essentiality: Essentiality,
    /// Declared or confirmed.
    pub status: LinkStatus,
    /// The end that declared it (`None`: imported or declared by an operator).
    pub declared_by: Option<FirmId>,
}

/// A snapshot of the network for one analysis: the graph of the links that count, and per node
/// its firm id, province, chains and the number of its counted sales links not yet confirmed.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The analysis graph.
    pub graph: crate::AnalysisGraph,
    /// Firm id of node `i`.
    pub ids: Vec<FirmId>,
    /// Province of node `i`.
    pub provinces: Vec<String>,
    /// Chains of node `i`.
    pub chains: Vec<Vec<ChainCode>>,
    /// Links node `i` sells on that the analysis counts but the customer has not confirmed.
    pub unconfirmed: Vec<u32>,
    /// Links left out because nobody on the customer side stands behind them.
    pub left_out: usize,
}

/// The supply network: firms are nodes, supply links are edges from supplier to customer.
///
/// Invariants, kept by every mutator:
/// - `firms` maps every node's `FirmId` to its index, and nothing else;
/// - `links` maps every edge's `LinkId` to its index, and nothing else;
/// - no edge joins a node to itself; no two edges share (supplier, customer, product).
///
/// A `StableDiGraph` keeps indices valid across removals, so the side indexes never need
/// rebuilding.
#[derive(Debug, Default, Clone)]
pub struct SupplyNetwork {
    graph: StableDiGraph<FirmNode, LinkEdge>,
    firms: HashMap<FirmId, NodeIndex>,
    links: HashMap<LinkId, EdgeIndex>,
}

impl SupplyNetwork {
    /// An empty network.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of firms.
    pub fn firm_count(&self) -> usize {
        self.firms.len()
    }

    /// Number of links.
    pub fn link_count(&self) -> usize {
        self.links.len()
    }

    /// Adds a firm, or replaces its attributes when it is already present (links are kept).
    pub fn upsert_firm(&mut self, firm: FirmNode) {
        match self.firms.get(&firm.id) {
            Some(&ix) => self.graph[ix] = firm,
            None => {
                let id = firm.id;
                let ix = self.graph.add_node(firm);
                self.firms.insert(id, ix);
            }
        }
    }

    /// Removes a firm and every link touching it.
    pub fn remove_firm(&mut self, id: FirmId) -> Result<FirmNode, GraphError> {
        let ix = self.firms.remove(&id).ok_or(GraphError::UnknownFirm(id))?;
        let touching: Vec<LinkId> = self
            .graph
            .edges_directed(ix, Direction::Incoming)
            .chain(self.graph.edges_directed(ix, Direction::Outgoing))
            .map(|e| e.weight().id)
            .collect();
        for l in touching {
            self.links.remove(&l);
        }
        self.graph.remove_node(ix).ok_or(GraphError::UnknownFirm(id))
    }

    /// Adds a link from `supplier` to `customer`. Fails on unknown firms, a self-link, a reused
    /// link id, or a second link with the same supplier, customer and product.
    pub fn add_link(&mut self, supplier: FirmId, customer: FirmId, link: LinkEdge) -> Result<(), GraphError> {
        let s = self.index(supplier)?;
        let c = self.index(customer)?;
        if s == c {
            return Err(GraphError::SelfLink(supplier));
        }
        if self.links.contains_key(&link.id)
            || self.graph.edges_connecting(s, c).any(|e| e.weight().product == link.product)
        {
            return Err(GraphError::DuplicateLink(link.id));
        }
        let id = link.id;
        let e = self.graph.add_edge(s, c, link);
        self.links.insert(id, e);
        Ok(())
    }

    /// Changes a link's value, essentiality and status.
    pub fn update_link(
        &mut self,
        id: LinkId,
        value: f64,
        essentiality: Essentiality,
        status: LinkStatus,
    ) -> Result<(), GraphError> {
        let e = *self.links.get(&id).ok_or(GraphError::UnknownLink(id))?;
        let w = self.graph.edge_weight_mut(e).ok_or(GraphError::UnknownLink(id))?;
        w.value = value;
        w.essentiality = essentiality;
        w.status = status;
        Ok(())
    }

    /// Removes a link.
    pub fn remove_link(&mut self, id: LinkId) -> Result<LinkEdge, GraphError> {
        let e = self.links.remove(&id).ok_or(GraphError::UnknownLink(id))?;
        self.graph.remove_edge(e).ok_or(GraphError::UnknownLink(id))
    }

    /// A firm's attributes.
    pub fn firm(&self, id: FirmId) -> Result<&FirmNode, GraphError> {
        Ok(&self.graph[self.index(id)?])
    }

    /// The direct suppliers of a firm with the links they supply on.
    pub fn suppliers_of(&self, id: FirmId) -> Result<Vec<(FirmId, &LinkEdge)>, GraphError> {
        self.neighbours(id, Direction::Incoming)
    }

    /// The direct customers of a firm with the links they buy on.
    pub fn customers_of(&self, id: FirmId) -> Result<Vec<(FirmId, &LinkEdge)>, GraphError> {
        self.neighbours(id, Direction::Outgoing)
    }

    /// Total annual sales of a firm to firms in the network (r_i of the ESRI definition).
    pub fn out_strength(&self, id: FirmId) -> Result<f64, GraphError> {
        Ok(self.customers_of(id)?.iter().map(|(_, l)| l.value).sum())
    }

    fn neighbours(&self, id: FirmId, dir: Direction) -> Result<Vec<(FirmId, &LinkEdge)>, GraphError> {
        let ix = self.index(id)?;
        Ok(self
            .graph
            .edges_directed(ix, dir)
            .map(|e| {
                let other = if dir == Direction::Incoming { e.source() } else { e.target() };
                (self.graph[other].id, e.weight())
            })
            .collect())
    }

    /// A compact snapshot for the analyses (node i is firm `ids[i]`): industries cut to `level`,
    /// only the links `trust` counts. O(n + m).
    pub fn snapshot(&self, level: IndustryLevel, trust: LinkTrust) -> Result<Snapshot, GraphError> {
        let n = self.firms.len();
        let mut ids = Vec::with_capacity(n);
        let mut provinces = Vec::with_capacity(n);
        let mut chains = Vec::with_capacity(n);
        let mut position: HashMap<NodeIndex, u32> = HashMap::with_capacity(n);
        let mut b = crate::GraphBuilder::with_capacity(n, self.links.len());
        for ix in self.graph.node_indices() {
            let f = &self.graph[ix];
            position.insert(ix, ids.len() as u32);
            ids.push(f.id);
            provinces.push(f.province.clone());
            chains.push(f.chains.clone());
            b.add_node(level.key(&f.industry), f.size_class, f.employees);
        }
        let mut unconfirmed = vec![0u32; ids.len()];
        let mut left_out = 0;
        for e in self.graph.edge_indices() {
            let (Some((s, c)), Some(w)) = (self.graph.edge_endpoints(e), self.graph.edge_weight(e)) else { continue };
            let (Some(&sv), Some(&cv)) = (position.get(&s), position.get(&c)) else { continue };
            if !trust.counts(w.status, w.declared_by, self.graph[s].id) {
                left_out += 1;
                continue;
            }
            if w.status != LinkStatus::Confirmed {
                unconfirmed[sv as usize] += 1;
            }
            b.add_edge(crate::EdgeSpec { supplier: sv, customer: cv, value: w.value, essentiality: w.essentiality })?;
        }
        Ok(Snapshot { graph: b.build(), ids, provinces, chains, unconfirmed, left_out })
    }

    fn index(&self, id: FirmId) -> Result<NodeIndex, GraphError> {
        self.firms.get(&id).copied().ok_or(GraphError::UnknownFirm(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn firm(id: i64) -> FirmNode {
        FirmNode {
            id: FirmId(id),
            industry: IndustryCode::parse("C36").unwrap(),
            size_class: SizeClass::Small,
            employees: 10,
            province: "33".into(),
            chains: vec![],
        }
    }

    fn link(id: i64, product: &str, value: f64) -> LinkEdge {
        LinkEdge {
            id: LinkId(id),
            product: product.into(),
            value,
            essentiality: Essentiality::Essential,
            status: LinkStatus::Confirmed,
            declared_by: None,
        }
    }

    #[test]
    fn links_join_known_firms_and_report_both_directions() {
        let mut n = SupplyNetwork::new();
        n.upsert_firm(firm(1));
        n.upsert_firm(firm(2));
        n.add_link(FirmId(1), FirmId(2), link(10, "steel", 5.0)).unwrap();
        n.add_link(FirmId(1), FirmId(2), link(11, "bolts", 2.0)).unwrap();
        assert_eq!(n.customers_of(FirmId(1)).unwrap().len(), 2);
        assert_eq!(n.suppliers_of(FirmId(2)).unwrap()[0].0, FirmId(1));
        assert_eq!(n.out_strength(FirmId(1)).unwrap(), 7.0);
    }

    #[test]
    fn self_links_duplicates_and_unknown_ids_are_refused() {
        let mut n = SupplyNetwork::new();
        n.upsert_firm(firm(1));
        n.upsert_firm(firm(2));
        assert_eq!(n.add_link(FirmId(1), FirmId(1), link(1, "x", 1.0)), Err(GraphError::SelfLink(FirmId(1))));
        n.add_link(FirmId(1), FirmId(2), link(1, "x", 1.0)).unwrap();
        assert_eq!(n.add_link(FirmId(1), FirmId(2), link(2, "x", 1.0)), Err(GraphError::DuplicateLink(LinkId(2))));
        assert_eq!(n.add_link(FirmId(2), FirmId(1), link(1, "y", 1.0)), Err(GraphError::DuplicateLink(LinkId(1))));
        assert_eq!(n.add_link(FirmId(1), FirmId(9), link(3, "x", 1.0)), Err(GraphError::UnknownFirm(FirmId(9))));
        assert!(n.firm(FirmId(9)).is_err());
        assert!(n.remove_link(LinkId(99)).is_err());
    }

    #[test]
    fn a_snapshot_carries_every_firm_and_link() {
        let mut n = SupplyNetwork::new();
        for i in 1..=3 {
            n.upsert_firm(firm(i));
        }
        n.add_link(FirmId(1), FirmId(2), link(1, "x", 4.0)).unwrap();
        n.add_link(FirmId(3), FirmId(2), link(2, "x", 6.0)).unwrap();
        n.remove_firm(FirmId(3)).unwrap();
        let snap = n.snapshot(IndustryLevel::Class, LinkTrust::CustomerBacked).unwrap();
        let (g, ids) = (snap.graph, snap.ids);
        assert_eq!((g.node_count(), g.edge_count()), (2, 1));
        let one = ids.iter().position(|i| *i == FirmId(1)).unwrap() as u32;
        assert_eq!(g.out_strength(one), 4.0);
    }

    #[test]
    fn removing_a_firm_removes_its_links() {
        let mut n = SupplyNetwork::new();
        for i in 1..=3 {
            n.upsert_firm(firm(i));
        }
        n.add_link(FirmId(1), FirmId(2), link(1, "x", 1.0)).unwrap();
        n.add_link(FirmId(2), FirmId(3), link(2, "x", 1.0)).unwrap();
        n.remove_firm(FirmId(2)).unwrap();
        assert_eq!((n.firm_count(), n.link_count()), (2, 0));
        assert!(n.customers_of(FirmId(1)).unwrap().is_empty());
        assert!(n.remove_link(LinkId(1)).is_err());
    }

    #[test]
    fn a_snapshot_leaves_out_links_only_their_supplier_stands_behind() {
        let mut n = SupplyNetwork::new();
        for i in 1..=3 {
            n.upsert_firm(firm(i));
        }
        let declared = |id: i64, by: i64| LinkEdge {
            status: LinkStatus::Declared,
            declared_by: Some(FirmId(by)),
            ..link(id, "x", 5.0)
        };
        n.add_link(FirmId(1), FirmId(2), declared(1, 1)).unwrap(); // the supplier's own word
        n.add_link(FirmId(1), FirmId(3), declared(2, 3)).unwrap(); // the customer's
        n.add_link(FirmId(2), FirmId(3), link(3, "x", 5.0)).unwrap(); // confirmed
        let s = n.snapshot(IndustryLevel::Class, LinkTrust::CustomerBacked).unwrap();
        assert_eq!((s.graph.edge_count(), s.left_out), (2, 1));
        let one = s.ids.iter().position(|i| *i == FirmId(1)).unwrap();
        assert_eq!(s.unconfirmed[one], 1, "the customer's declaration counts but is not confirmed yet");
        let all = n.snapshot(IndustryLevel::Class, LinkTrust::All).unwrap();
        assert_eq!(all.graph.edge_count(), 3);
    }

    proptest! {
        /// After any sequence of operations the side indexes match the graph exactly.
        #[test]
        fn side_indexes_always_match_the_graph(ops in proptest::collection::vec((0u8..4, 0i64..6, 0i64..6, 0i64..20), 0..60)) {
            let mut n = SupplyNetwork::new();
            for (op, a, b, l) in ops {
                match op {
                    0 => n.upsert_firm(firm(a)),
                    1 => { let _ = n.remove_firm(FirmId(a)); }
                    2 => { let _ = n.add_link(FirmId(a), FirmId(b), link(l, if l % 2 == 0 { "x" } else { "y" }, 1.0)); }
                    _ => { let _ = n.remove_link(LinkId(l)); }
                }
                prop_assert_eq!(n.graph.node_count(), n.firms.len());
                prop_assert_eq!(n.graph.edge_count(), n.links.len());
                for (id, ix) in &n.firms { prop_assert_eq!(n.graph[*ix].id, *id); }
                for (id, ix) in &n.links {
                    prop_assert_eq!(&n.graph[*ix].id, id);
                    let (s, c) = n.graph.edge_endpoints(*ix).unwrap();
                    prop_assert_ne!(s, c);
                }
            }
        }
    }
}
