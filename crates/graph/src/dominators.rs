//! Dominators of the supply network: with a virtual source feeding every firm that has no
//! supplier, firm `d` dominates firm `v` when every supply path from the source to `v` passes
//! through `d` (so `d`'s loss cuts `v` off entirely).
//!
//! Algorithm: Lengauer and Tarjan, "A fast algorithm for finding dominators in a flowgraph",
//! ACM TOPLAS 1(1), 1979, with path compression (the "simple" version): O(m log n) time, O(n)
//! extra memory, iterative throughout so deep graphs cannot overflow the stack. Firms that no
//! path from the source reaches (closed cycles without a supplier-less entry) have no
//! dominator and dominate nothing.
use crate::csr::{AnalysisGraph, Node};

const NONE: u32 = u32::MAX;

/// The dominator tree.
#[derive(Debug, Clone)]
pub struct Dominators {
    /// Immediate dominator of each firm; `None` when it is the virtual source or the firm is
    /// unreachable.
    idom: Vec<Option<Node>>,
    /// Firms each firm dominates (its dominator subtree without itself).
    dominated: Vec<u32>,
    /// LARGE firms among those.
    dominated_large: Vec<u32>,
}

impl Dominators {
    /// Immediate dominator of `v` (`None`: only the virtual source dominates it, or unreachable).
    pub fn idom(&self, v: Node) -> Option<Node> {
        self.idom[v as usize]
    }

    /// Number of firms `v` dominates.
    pub fn dominated(&self, v: Node) -> u32 {
        self.dominated[v as usize]
    }

    /// Number of LARGE firms `v` dominates.
    pub fn dominated_large(&self, v: Node) -> u32 {
        self.dominated_large[v as usize]
    }

    /// The firms that dominate `v`, nearest first.
    pub fn dominators_of(&self, v: Node) -> Vec<Node> {
        let mut out = Vec::new();
        let mut cur = self.idom[v as usize];
        while let Some(d) = cur {
            out.push(d);
            cur = self.idom[d as usize];
        }
        out
    }
}

/// Computes the dominator tree of `g` from the virtual source.
pub fn dominators(g: &AnalysisGraph) -> Dominators {
    let n = g.node_count();
    let root = n; // the virtual source, numbered after the firms
    let has_supplier = |v: usize| g.in_start[v + 1] > g.in_start[v];
    // depth-first numbering from the root
    let mut dfn = vec![NONE; n + 1];
    let mut vertex: Vec<u32> = Vec::with_capacity(n + 1);
    let mut parent: Vec<u32> = Vec::with_capacity(n + 1);
    let sources: Vec<u32> = (0..n).filter(|&v| !has_supplier(v)).map(|v| v as u32).collect();
    // stack of (node, next child position); the root's children are the sources
    dfn[root] = 0;
    vertex.push(root as u32);
    parent.push(NONE);
    let mut stack: Vec<(u32, usize)> = vec![(root as u32, 0)];
    while let Some(&mut (v, ref mut pos)) = stack.last_mut() {
        let next = if v as usize == root {
            sources.get(*pos).copied()
        } else {
            let e = g.out_start[v as usize] + *pos;
            (e < g.out_start[v as usize + 1]).then(|| g.out_to[e])
        };
        match next {
            Some(w) => {
                *pos += 1;
                if dfn[w as usize] == NONE {
                    dfn[w as usize] = vertex.len() as u32;
                    vertex.push(w);
                    parent.push(dfn[v as usize]);
                    stack.push((w, 0));
                }
            }
            None => {
                stack.pop();
            }
        }
    }
    let r = vertex.len();
    let mut semi: Vec<u32> = (0..r as u32).collect();
    let mut label: Vec<u32> = (0..r as u32).collect();
    let mut ancestor = vec![NONE; r];
    let mut idom = vec![NONE; r];
    let mut bucket_head = vec![NONE; r];
    let mut bucket_next = vec![NONE; r];
    let mut path: Vec<u32> = Vec::new();

    let eval = |v: u32, ancestor: &mut Vec<u32>, label: &mut Vec<u32>, semi: &Vec<u32>, path: &mut Vec<u32>| -> u32 {
        if ancestor[v as usize] == NONE {
            return v;
        }
        // compress the path from v up to the forest root, top down
        path.clear();
        let mut x = v;
        while ancestor[ancestor[x as usize] as usize] != NONE {
            path.push(x);
            x = ancestor[x as usize];
        }
        while let Some(y) = path.pop() {
            let a = ancestor[y as usize];
            if semi[label[a as usize] as usize] < semi[label[y as usize] as usize] {
                label[y as usize] = label[a as usize];
            }
            ancestor[y as usize] = ancestor[a as usize];
        }
        label[v as usize]
    };

    for w in (1..r).rev() {
        let node = vertex[w] as usize;
        // predecessors: suppliers, or the root for firms without one
        let consider =
            |pred_dfn: u32, semi: &mut Vec<u32>, ancestor: &mut Vec<u32>, label: &mut Vec<u32>, path: &mut Vec<u32>| {
                let u = eval(pred_dfn, ancestor, label, semi, path);
                if semi[u as usize] < semi[w] {
                    semi[w] = semi[u as usize];
                }
            };
        if has_supplier(node) {
            for e in g.in_start[node]..g.in_start[node + 1] {
                let p = dfn[g.in_from[e] as usize];
                if p != NONE {
                    consider(p, &mut semi, &mut ancestor, &mut label, &mut path);
                }
            }
        } else {
            consider(0, &mut semi, &mut ancestor, &mut label, &mut path);
        }
        let s = semi[w] as usize;
        bucket_next[w] = bucket_head[s];
        bucket_head[s] = w as u32;
        let p = parent[w];
        ancestor[w] = p; // link(parent, w)
        let mut b = bucket_head[p as usize];
        bucket_head[p as usize] = NONE;
        while b != NONE {
            let u = eval(b, &mut ancestor, &mut label, &semi, &mut path);
            idom[b as usize] = if semi[u as usize] < semi[b as usize] { u } else { p };
            b = bucket_next[b as usize];
        }
    }
    for w in 1..r {
        if idom[w] != semi[w] {
            idom[w] = idom[idom[w] as usize];
        }
    }

    // back to firm indices; subtree sizes in reverse preorder
    let mut result = vec![None; n];
    let mut dominated = vec![0u32; n];
    let mut dominated_large = vec![0u32; n];
    let mut size = vec![1u32; r];
    let mut large = vec![0u32; r];
    for w in 1..r {
        large[w] = u32::from(g.size[vertex[w] as usize] == linchpin_domain::SizeClass::Large);
    }
    for w in (1..r).rev() {
        let d = idom[w] as usize;
        let v = vertex[w] as usize;
        dominated[v] = size[w] - 1;
        dominated_large[v] = large[w] - u32::from(g.size[v] == linchpin_domain::SizeClass::Large);
        size[d] += size[w];
        large[d] += large[w];
        if d != 0 {
            result[v] = Some(vertex[d]);
        }
    }
    Dominators { idom: result, dominated, dominated_large }
}
