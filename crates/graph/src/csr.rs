//! A compact, immutable snapshot of the supply network for analysis: compressed sparse rows in
//! both directions, plain arrays of node attributes. Built once per analysis run from the
//! editable [`SupplyNetwork`](crate::SupplyNetwork) or straight from interchange rows.
//!
//! Memory: per node about 40 bytes, per link about 26 bytes (both directions), so a million
//! firms with five million links take well under 200 MiB.
use std::collections::HashMap;

use linchpin_domain::{Essentiality, SizeClass};

use crate::GraphError;

/// Node index in an [`AnalysisGraph`].
pub type Node = u32;

/// A firm as the analyses see it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSpec {
    /// Industry grouping substitutable suppliers (the GB/T 4754 code as given, e.g. `C36`).
    pub industry: String,
    /// Size class.
    pub size: SizeClass,
    /// Employees (0 when unknown).
    pub employees: u32,
}

/// A link as the analyses see it: `supplier` sells `value` a year to `customer`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EdgeSpec {
    /// Selling node.
    pub supplier: Node,
    /// Buying node.
    pub customer: Node,
    /// Annual value, > 0.
    pub value: f64,
    /// How the customer depends on it.
    pub essentiality: Essentiality,
}

/// The snapshot. Invariants: `out_start`/`in_start` have `n + 1` increasing entries; edge `e` of
/// the out-rows and its twin in the in-rows carry the same value and essentiality; no self-loops.
#[derive(Debug, Clone)]
pub struct AnalysisGraph {
    pub(crate) industry: Vec<u32>,
    pub(crate) industries: usize,
    pub(crate) industry_names: Vec<String>,
    pub(crate) size: Vec<SizeClass>,
    pub(crate) employees: Vec<u32>,
    pub(crate) out_start: Vec<usize>,
    pub(crate) out_to: Vec<Node>,
    pub(crate) out_w: Vec<f64>,
    pub(crate) out_ess: Vec<Essentiality>,
    pub(crate) in_start: Vec<usize>,
    pub(crate) in_from: Vec<Node>,
    pub(crate) in_w: Vec<f64>,
    pub(crate) in_ess: Vec<Essentiality>,
    /// r_i: total sales to firms in the network.
    pub(crate) out_strength: Vec<f64>,
    /// c_j: total purchases from firms in the network.
    pub(crate) in_strength: Vec<f64>,
}

/// Builds an [`AnalysisGraph`] one firm and one link at a time, interning industry names, so a
/// caller streaming rows from a file never holds them as text. Node `i` is the `i`-th firm added.
#[derive(Debug, Default)]
pub struct GraphBuilder {
    industry_index: HashMap<String, u32>,
    industry_names: Vec<String>,
    industry: Vec<u32>,
    size: Vec<SizeClass>,
    employees: Vec<u32>,
    edges: Vec<EdgeSpec>,
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty builder with room for `nodes` firms and `edges` links.
    pub fn with_capacity(nodes: usize, edges: usize) -> Self {
        Self {
            industry: Vec::with_capacity(nodes),
            size: Vec::with_capacity(nodes),
            employees: Vec::with_capacity(nodes),
            edges: Vec::with_capacity(edges),
            ..Self::default()
        }
    }

    /// Adds a firm and returns its node.
    pub fn add_node(&mut self, industry: &str, size: SizeClass, employees: u32) -> Node {
        let k = match self.industry_index.get(industry) {
            Some(&k) => k,
            None => {
                let k = self.industry_names.len() as u32;
                self.industry_index.insert(industry.to_owned(), k);
                self.industry_names.push(industry.to_owned());
                k
            }
        };
        self.industry.push(k);
        self.size.push(size);
        self.employees.push(employees);
        (self.industry.len() - 1) as Node
    }

    /// Number of firms added so far.
    pub fn node_count(&self) -> usize {
        self.industry.len()
    }

    /// Adds a link. Fails on a node that was not added, a self-loop, or a value that is not
    /// finite and positive.
    pub fn add_edge(&mut self, e: EdgeSpec) -> Result<(), GraphError> {
        let n = self.industry.len();
        if e.supplier as usize >= n || e.customer as usize >= n {
            return Err(GraphError::BadEdge(format!(
                "edge {}->{} names a node outside 0..{n}",
                e.supplier, e.customer
            )));
        }
        if e.supplier == e.customer {
            return Err(GraphError::BadEdge(format!("node {} supplies itself", e.supplier)));
        }
        if !(e.value.is_finite() && e.value > 0.0) {
            return Err(GraphError::BadEdge(format!("edge {}->{} has value {}", e.supplier, e.customer, e.value)));
        }
        self.edges.push(e);
        Ok(())
    }

    /// Keeps only the links for which `keep(index)` is true (indices in the order added).
    pub fn retain_edges(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let mut i = 0;
        self.edges.retain(|_| {
            let k = keep(i);
            i += 1;
            k
        });
    }

    /// The compressed rows. O(n + m); the link list is freed before returning.
    pub fn build(self) -> AnalysisGraph {
        let n = self.industry.len();
        let edges = self.edges;
        let rows = |key: fn(&EdgeSpec) -> Node| {
            let mut start = vec![0usize; n + 1];
            for e in &edges {
                start[key(e) as usize + 1] += 1;
            }
            for i in 0..n {
                start[i + 1] += start[i];
            }
            start
        };
        let out_start = rows(|e| e.supplier);
        let in_start = rows(|e| e.customer);
        let m = edges.len();
        let (mut out_to, mut out_w, mut out_ess) = (vec![0; m], vec![0.0; m], vec![Essentiality::Essential; m]);
        let (mut in_from, mut in_w, mut in_ess) = (vec![0; m], vec![0.0; m], vec![Essentiality::Essential; m]);
        let mut out_fill = out_start.clone();
        let mut in_fill = in_start.clone();
        let mut out_strength = vec![0.0; n];
        let mut in_strength = vec![0.0; n];
        for e in &edges {
            let (s, c) = (e.supplier as usize, e.customer as usize);
            let o = out_fill[s];
            out_fill[s] += 1;
            out_to[o] = e.customer;
            out_w[o] = e.value;
            out_ess[o] = e.essentiality;
            let i = in_fill[c];
            in_fill[c] += 1;
            in_from[i] = e.supplier;
            in_w[i] = e.value;
            in_ess[i] = e.essentiality;
            out_strength[s] += e.value;
            in_strength[c] += e.value;
        }
        drop(edges);
        AnalysisGraph {
            industries: self.industry_names.len(),
            industry: self.industry,
            industry_names: self.industry_names,
            size: self.size,
            employees: self.employees,
            out_start,
            out_to,
            out_w,
            out_ess,
            in_start,
            in_from,
            in_w,
            in_ess,
            out_strength,
            in_strength,
        }
    }
}

impl AnalysisGraph {
    /// Builds the snapshot. Fails on an edge naming a missing node, a self-loop, or a value that is
    /// not finite and positive.
    pub fn new(nodes: &[NodeSpec], edges: &[EdgeSpec]) -> Result<Self, GraphError> {
        let mut b = GraphBuilder::with_capacity(nodes.len(), edges.len());
        for s in nodes {
            b.add_node(&s.industry, s.size, s.employees);
        }
        for e in edges {
            b.add_edge(*e)?;
        }
        Ok(b.build())
    }

    /// Number of firms.
    pub fn node_count(&self) -> usize {
        self.industry.len()
    }

    /// Number of links.
    pub fn edge_count(&self) -> usize {
        self.out_to.len()
    }

    /// Total sales of a node to the network (r_i).
    pub fn out_strength(&self, v: Node) -> f64 {
        self.out_strength[v as usize]
    }

    /// Size class of a node.
    pub fn size(&self, v: Node) -> SizeClass {
        self.size[v as usize]
    }

    /// Employees of a node.
    pub fn employees(&self, v: Node) -> u32 {
        self.employees[v as usize]
    }

    /// Out-edges of `v`: (customer, value, essentiality).
    pub fn customers(&self, v: Node) -> impl Iterator<Item = (Node, f64, Essentiality)> + '_ {
        let r = self.out_start[v as usize]..self.out_start[v as usize + 1];
        r.map(move |e| (self.out_to[e], self.out_w[e], self.out_ess[e]))
    }

    /// In-edges of `v`: (supplier, value, essentiality).
    pub fn suppliers(&self, v: Node) -> impl Iterator<Item = (Node, f64, Essentiality)> + '_ {
        let r = self.in_start[v as usize]..self.in_start[v as usize + 1];
        r.map(move |e| (self.in_from[e], self.in_w[e], self.in_ess[e]))
    }

    /// Name of an industry index.
    pub fn industry_name(&self, k: u32) -> &str {
        self.industry_names.get(k as usize).map_or("", String::as_str)
    }

    /// Industry index of a node.
    pub fn industry(&self, v: Node) -> u32 {
        self.industry[v as usize]
    }
}
