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

impl AnalysisGraph {
    /// Builds the snapshot. Fails on an edge naming a missing node, a self-loop, or a value that is
    /// not finite and positive.
    pub fn new(nodes: &[NodeSpec], edges: &[EdgeSpec]) -> Result<Self, GraphError> {
        let n = nodes.len();
        let mut names: HashMap<&str, u32> = HashMap::new();
        let industry: Vec<u32> = nodes
            .iter()
            .map(|s| {
                let next = names.len() as u32;
                *names.entry(s.industry.as_str()).or_insert(next)
            })
            .collect();
        for e in edges {
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
        }
        let rows = |key: fn(&EdgeSpec) -> Node| {
            let mut start = vec![0usize; n + 1];
            for e in edges {
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
        for e in edges {
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
        let mut industry_names = vec![String::new(); names.len()];
        for (name, id) in &names {
            industry_names[*id as usize] = (*name).to_owned();
        }
        Ok(Self {
            industry,
            industries: names.len(),
            industry_names,
            size: nodes.iter().map(|s| s.size).collect(),
            employees: nodes.iter().map(|s| s.employees).collect(),
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
        })
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
