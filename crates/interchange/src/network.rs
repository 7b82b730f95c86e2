//! Reading firms.csv and links.csv straight into an [`AnalysisGraph`], for the offline analysis
//! and the benchmarks.
//!
//! Design: rows are validated exactly as [`parse_firms`](crate::parse_firms) and
//! [`parse_links`](crate::parse_links) validate them, and reported with the same messages, but a
//! good row is turned into a node or an edge at once and its text dropped. What stays per firm is
//! its USCC (18 bytes), its name (for sentences) and its size class; per link, 16 bytes for the
//! repeat check and 24 for the edge until the graph is built. Repeated links are found by sorting
//! (supplier, customer, product) keys instead of hashing their text.
//!
//! Cost: O(rows) to read plus O(m log m) for the repeat check; memory about 100 bytes per firm
//! and 40 bytes per link at the peak, so a national network of a million firms and five million
//! links is read in well under a gigabyte.
use std::path::Path;

use rustc_hash::FxHashMap;

use linchpin_domain::{ErrorCode, Essentiality, IndustryLevel, RowError, SizeClass, Uscc, ValidationError};
use linchpin_graph::{AnalysisGraph, EdgeSpec, GraphBuilder, Node};

use crate::read::{FileError, RowView, row_error, stream_rows};
use crate::rows::{FIRMS, LINKS, firm_row, link_row, repeated_firm, repeated_link};

/// The firms of a network file: USCC, name, size class, province and chains of every node, in
/// file order.
#[derive(Debug, Default)]
pub struct FirmTable {
    uscc: Vec<[u8; 18]>,
    names: String,
    name_ends: Vec<usize>,
    size: Vec<SizeClass>,
    province: Vec<[u8; 2]>,
    chain_names: Vec<String>,
    chain_ids: FxHashMap<String, u16>,
    chain_start: Vec<u32>,
    chains: Vec<u16>,
}

impl FirmTable {
    /// Number of firms.
    pub fn len(&self) -> usize {
        self.uscc.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.uscc.is_empty()
    }

    /// The USCC of node `v` ("" for a node out of range).
    pub fn uscc(&self, v: Node) -> &str {
        self.uscc.get(v as usize).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("")
    }

    /// The name of node `v` ("" for a node out of range).
    pub fn name(&self, v: Node) -> &str {
        let v = v as usize;
        let Some(&end) = self.name_ends.get(v) else { return "" };
        let start = if v == 0 { 0 } else { self.name_ends[v - 1] };
        self.names.get(start..end).unwrap_or("")
    }

    /// The size class of node `v` (UNKNOWN out of range).
    pub fn size_class(&self, v: Node) -> SizeClass {
        self.size.get(v as usize).copied().unwrap_or(SizeClass::Unknown)
    }

    /// The two-digit province of node `v` ("" out of range).
    pub fn province(&self, v: Node) -> &str {
        self.province.get(v as usize).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("")
    }

    /// The chain codes of node `v`.
    pub fn chains(&self, v: Node) -> impl Iterator<Item = &str> + '_ {
        let v = v as usize;
        let (a, b) = match (self.chain_start.get(v), self.chain_start.get(v + 1)) {
            (Some(&a), Some(&b)) => (a as usize, b as usize),
            _ => (0, 0),
        };
        self.chains[a..b].iter().map(|&c| self.chain_names[usize::from(c)].as_str())
    }

    fn push_chains(&mut self, codes: &[linchpin_domain::ChainCode]) {
        if self.chain_start.is_empty() {
            self.chain_start.push(0);
        }
        for c in codes {
            let id = match self.chain_ids.get(c.as_str()) {
                Some(&id) => id,
                None => {
                    let id = self.chain_names.len() as u16;
                    self.chain_ids.insert(c.as_str().to_owned(), id);
                    self.chain_names.push(c.as_str().to_owned());
                    id
                }
            };
            self.chains.push(id);
        }
        self.chain_start.push(self.chains.len() as u32);
    }
}

/// A network read from files: the graph (node `i` is the `i`-th good firm row), the firms, and
/// every bad row sorted by file and line.
#[derive(Debug)]
pub struct NetworkFile {
    /// The analysis graph of the good rows.
    pub graph: AnalysisGraph,
    /// The firms, by node.
    pub firms: FirmTable,
    /// The rows that were not used, with why.
    pub errors: Vec<RowError>,
}

/// A valid link row as it crosses from the reading thread: no text left.
struct LinkFacts {
    supplier: Uscc,
    customer: Uscc,
    product: u32,
    value: f64,
    essentiality: Essentiality,
}

/// How often, in rows, `progress` hears from [`read_network`].
pub const PROGRESS_EVERY: u64 = 100_000;

/// Reads and validates both files and builds the graph while streaming. `progress` gets the file
/// (`firms` or `links`) and the rows read so far, every [`PROGRESS_EVERY`] rows. A firm's industry in
/// the graph is its code cut to `level` (suppliers of one industry are substitutes). Fails only when a
/// file cannot be read or its header is wrong; bad rows are in [`NetworkFile::errors`].
pub fn read_network(
    firms_path: &Path,
    links_path: &Path,
    level: IndustryLevel,
    progress: &dyn Fn(&'static str, u64),
) -> Result<NetworkFile, FileError> {
    let mut errors: Vec<RowError> = Vec::new();
    let mut builder = GraphBuilder::new();
    let mut table = FirmTable::default();
    // USCCs are hashed millions of times: a fast non-cryptographic hash (the input is files an
    // operator chose, not an attacker's requests).
    let mut node_of: FxHashMap<[u8; 18], (Node, usize)> = FxHashMap::default();
    let mut rows = 0u64;
    stream_rows(firms_path, FIRMS, firm_row, |line, parsed| {
        rows += 1;
        if rows.is_multiple_of(PROGRESS_EVERY) {
            progress("firms", rows);
        }
        let f = match parsed {
            Ok(f) => f,
            Err(e) => return errors.push(e),
        };
        let Ok(key) = <[u8; 18]>::try_from(f.uscc.as_str().as_bytes()) else {
            return errors.push(row_error(FIRMS.file, line, Some("uscc"), invalid_uscc()));
        };
        if let Some(&(_, first)) = node_of.get(&key) {
            return errors.push(row_error(FIRMS.file, line, Some("uscc"), repeated_firm(&f.uscc, first)));
        }
        let size = f.size_class();
        let v = builder.add_node(level.key(&f.industry), size, f.indicators.employees.unwrap_or(0));
        node_of.insert(key, (v, line));
        table.uscc.push(key);
        table.names.push_str(f.name.as_str());
        table.name_ends.push(table.names.len());
        table.size.push(size);
        let mut province = [0u8; 2];
        province.copy_from_slice(f.region.province().as_bytes());
        table.province.push(province);
        table.push_chains(&f.chains);
    })?;

    // (supplier, customer, product, edge index) of every edge, for the repeat check
    let mut keys: Vec<(Node, Node, u32, u32)> = Vec::new();
    let mut edge_lines: Vec<u32> = Vec::new();
    // Products are interned on the reading thread, so a row crosses threads without any text.
    let mut products: FxHashMap<String, u32> = FxHashMap::default();
    // rows naming a firm that is not in the firms file
    let mut orphans: FxHashMap<(Uscc, Uscc, u32), usize> = FxHashMap::default();
    let node =
        |u: &Uscc| <[u8; 18]>::try_from(u.as_str().as_bytes()).ok().and_then(|k| node_of.get(&k)).map(|&(v, _)| v);
    let mut rows = 0u64;
    let compact = |r: &RowView<'_>| {
        let l = link_row(r)?;
        let p = match products.get(l.product.as_str()) {
            Some(&p) => p,
            None => {
                let p = products.len() as u32;
                products.insert(l.product.as_str().to_owned(), p);
                p
            }
        };
        Ok(LinkFacts {
            supplier: l.supplier().clone(),
            customer: l.customer().clone(),
            product: p,
            value: l.annual_value.get(),
            essentiality: l.essentiality,
        })
    };
    stream_rows(links_path, LINKS, compact, |line, parsed| {
        rows += 1;
        if rows.is_multiple_of(PROGRESS_EVERY) {
            progress("links", rows);
        }
        let l = match parsed {
            Ok(l) => l,
            Err(e) => return errors.push(e),
        };
        let (Some(s), Some(c)) = (node(&l.supplier), node(&l.customer)) else {
            let e = match orphans.get(&(l.supplier.clone(), l.customer.clone(), l.product)) {
                Some(&first) => repeated_link(first),
                None => {
                    orphans.insert((l.supplier, l.customer, l.product), line);
                    ValidationError::new(ErrorCode::NotFound, "a firm of this link is not in the firms file")
                }
            };
            return errors.push(row_error(LINKS.file, line, None, e));
        };
        let e = EdgeSpec { supplier: s, customer: c, value: l.value, essentiality: l.essentiality };
        // Validated rows make valid edges (distinct USCCs are distinct nodes, values are > 0).
        if let Err(err) = builder.add_edge(e) {
            return errors.push(row_error(
                LINKS.file,
                line,
                None,
                ValidationError::new(ErrorCode::InvalidValue, err.to_string()),
            ));
        }
        keys.push((s, c, l.product, edge_lines.len() as u32));
        edge_lines.push(line as u32);
    })?;
    drop(node_of);
    drop(orphans);

    // The first row of each (supplier, customer, product) wins; later ones are repeats.
    keys.sort_unstable();
    let mut drop_edge = vec![false; edge_lines.len()];
    let mut first_of_group = 0usize;
    for i in 0..keys.len() {
        let k = keys[i];
        let f = keys[first_of_group];
        if (k.0, k.1, k.2) != (f.0, f.1, f.2) {
            first_of_group = i;
        } else if i != first_of_group {
            drop_edge[k.3 as usize] = true;
            let first_line = edge_lines[f.3 as usize] as usize;
            errors.push(row_error(LINKS.file, edge_lines[k.3 as usize] as usize, None, repeated_link(first_line)));
        }
    }
    drop(keys);
    builder.retain_edges(|i| !drop_edge[i]);
    errors.sort_by_key(|e| (e.file, e.line));
    Ok(NetworkFile { graph: builder.build(), firms: table, errors })
}

fn invalid_uscc() -> ValidationError {
    ValidationError::new(ErrorCode::InvalidUscc, "USCC must have 18 characters")
}
