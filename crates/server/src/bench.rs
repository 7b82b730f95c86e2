//! `linchpin bench analyze`: times every analysis on a generated network, for
//! `docs/benchmarks.md`. Timings are printed, never asserted.
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use linchpin_graph::{AnalysisGraph, EdgeSpec, NodeSpec};

use crate::analyze::{AnalysisOptions, Timings, edge_spec, node_index, node_spec, run_analyses};
use crate::generate;

/// `linchpin bench ...`
#[derive(clap::Subcommand, Debug)]
pub enum BenchCommand {
    /// Generate a network in memory and time the key-node analysis on it.
    Analyze {
        /// Number of firms.
        #[arg(long, default_value_t = 100_000)]
        firms: u64,
        /// Seed of the generator.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Mean out-degree of suppliers.
        #[arg(long, default_value_t = 8.0)]
        mean_degree: f64,
        /// Skip ESRI (to time the structural analyses alone on very large networks).
        #[arg(long)]
        skip_esri: bool,
        /// Parameters.
        #[command(flatten)]
        options: AnalysisOptions,
    },
    /// Time the structural analyses (dominators, sole suppliers, reach) on interchange files.
    Structure {
        /// firms file.
        #[arg(long)]
        firms: std::path::PathBuf,
        /// links file.
        #[arg(long)]
        links: std::path::PathBuf,
        /// Largest number of components for exact reach.
        #[arg(long, default_value_t = 30_000)]
        exact_reach_limit: usize,
    },
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn structural(
    g: &AnalysisGraph,
    sole_share: f64,
    exact_reach_limit: usize,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let s = Instant::now();
    let dom = linchpin_graph::dominators(g);
    let t_dom = s.elapsed().as_secs_f64();
    let s = Instant::now();
    let sole = linchpin_graph::sole_essential_suppliers(g, sole_share);
    let t_sole = s.elapsed().as_secs_f64();
    let s = Instant::now();
    let reach = linchpin_graph::downstream_reach(g, exact_reach_limit);
    let t_reach = s.elapsed().as_secs_f64();
    writeln!(
        out,
        "dominators {t_dom:.2} s, sole essential suppliers {t_sole:.2} s, reach {t_reach:.2} s ({}); structural total {:.2} s",
        if reach.exact { "exact" } else { "HyperLogLog" },
        t_dom + t_sole + t_reach
    )?;
    drop((dom, sole, reach));
    Ok(())
}

/// Runs a benchmark.
pub fn run(cmd: BenchCommand) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout();
    let (firms, seed, mean_degree, skip_esri, options) = match cmd {
        BenchCommand::Analyze { firms, seed, mean_degree, skip_esri, options } => {
            (firms, seed, mean_degree, skip_esri, options)
        }
        BenchCommand::Structure { firms, links, exact_reach_limit } => {
            let (f, bad_f) = crate::interchange::parse_firms(&firms)?;
            let (l, bad_l) = crate::interchange::parse_links(&links)?;
            if !bad_f.is_empty() || !bad_l.is_empty() {
                anyhow::bail!(
                    "the files have {} bad rows; check them with `linchpin analyze`",
                    bad_f.len() + bad_l.len()
                );
            }
            let index = node_index(f.iter().map(|r| &r.firm));
            let nodes: Vec<NodeSpec> = f.iter().map(|r| node_spec(&r.firm)).collect();
            let edges: Vec<EdgeSpec> = l.iter().filter_map(|r| edge_spec(&index, &r.link)).collect();
            let g = AnalysisGraph::new(&nodes, &edges)?;
            writeln!(out, "network: {} firms, {} links", g.node_count(), g.edge_count())?;
            structural(&g, 0.8, exact_reach_limit, &mut out)?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    let start = Instant::now();
    let net = generate::generate_with_degree(firms as usize, seed, mean_degree);
    let generated = start.elapsed().as_secs_f64();
    let index = node_index(net.firms.iter());
    let nodes: Vec<NodeSpec> = net.firms.iter().map(node_spec).collect();
    let edges: Vec<EdgeSpec> = net.links.iter().filter_map(|l| edge_spec(&index, l)).collect();
    let rss_before = peak_rss_mib();
    let mut t = Timings::default();
    let start = Instant::now();
    let g = AnalysisGraph::new(&nodes, &edges)?;
    t.build = start.elapsed().as_secs_f64();
    drop((nodes, edges));
    writeln!(
        out,
        "network: {} firms, {} links (generated in {generated:.1} s, graph built in {:.2} s)",
        g.node_count(),
        g.edge_count(),
        t.build
    )?;
    if skip_esri {
        structural(&g, options.sole_share, options.exact_reach_limit, &mut out)?;
    } else {
        let result = run_analyses(&g, &options, &mut t);
        let candidates = result.iter().filter(|a| a.key_node).count();
        writeln!(
            out,
            "esri {:.1} s on {} threads (tol {}), dominators {:.2} s, sole essential suppliers {:.2} s, reach {:.2} s; {candidates} key-node candidates",
            t.esri,
            options.threads(),
            options.tol,
            t.dominators,
            t.sole,
            t.reach
        )?;
    }
    if let (Some(before), Some(after)) = (rss_before, peak_rss_mib()) {
        writeln!(
            out,
            "peak memory: {after:.0} MiB (of which {before:.0} MiB before the analysis graph was built: the generator's data)"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
