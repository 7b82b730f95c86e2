//! `linchpin bench ...`: times the key-node pipeline, for `docs/benchmarks.md`. Timings are
//! printed, never asserted.
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use linchpin_graph::{Analysis, AnalysisParams, Scope, analyse};

use crate::config::AnalysisOptions;
use crate::generate;
use crate::progress::Bar;

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
    /// Seed (on an empty database) 100,000 firms and 10,000 whitelist entries, then time the
    /// whitelist and candidate lists through the schema and the XLSX export.
    Whitelist(crate::bench_whitelist::WhitelistBenchArgs),
    /// Upload a supplier list of 10,000 rows (half of them unregistered suppliers) for the LARGE
    /// firm with the most suppliers, through the schema: dry run, upload, the same again.
    SupplierList(crate::bench_suppliers::SupplierListBenchArgs),
    /// The triage queue's first page with 10,000 open blockages, then a mixed load of 50
    /// coordinators over HTTP against the real server for 60 s (issue #11's targets).
    Blockages(crate::bench_blockages::BlockageBenchArgs),
    /// Time reading the interchange files into the analysis graph (validating every row) and the
    /// structural analyses (dominators, sole suppliers, reach), end to end.
    Structure {
        /// firms file.
        #[arg(long)]
        firms: std::path::PathBuf,
        /// links file.
        #[arg(long)]
        links: std::path::PathBuf,
        /// Largest number of components for exact reach.
        #[arg(long, default_value_t = AnalysisParams::DEFAULT.exact_reach_limit)]
        exact_reach_limit: usize,
    },
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn structural_line(a: &Analysis) -> String {
    let t = a.timings;
    format!(
        "dominators {:.2} s, sole essential suppliers {:.2} s, reach {:.2} s ({}); structural total {:.2} s",
        t.dominators,
        t.sole,
        t.reach,
        if a.reach.exact { "exact" } else { "HyperLogLog" },
        t.structural()
    )
}

/// Runs a benchmark: those of the server's reads and writes on the runtime, the CPU-bound analysis
/// benchmarks on a blocking thread.
pub async fn run(cmd: BenchCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BenchCommand::Whitelist(args) => crate::bench_whitelist::run(args).await,
        BenchCommand::SupplierList(args) => crate::bench_suppliers::run(args).await,
        BenchCommand::Blockages(args) => crate::bench_blockages::run(args).await,
        other => tokio::task::spawn_blocking(move || run_blocking(other)).await?,
    }
}

fn run_blocking(cmd: BenchCommand) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout();
    match cmd {
        BenchCommand::Whitelist(_) | BenchCommand::SupplierList(_) | BenchCommand::Blockages(_) => {
            anyhow::bail!("this benchmark runs on the async runtime (bench::run)")
        }
        BenchCommand::Structure { firms, links, exact_reach_limit } => {
            let start = Instant::now();
            let Some(net) = crate::analyze::read(&firms, &links, linchpin_domain::IndustryLevel::Class, &Bar::new())
            else {
                return Ok(ExitCode::from(crate::EXIT_INVALID));
            };
            if !net.errors.is_empty() {
                anyhow::bail!("the files have {} bad rows; check them with `linchpin analyze`", net.errors.len());
            }
            let read = start.elapsed().as_secs_f64();
            let g = net.graph;
            writeln!(
                out,
                "network: {} firms, {} links, read, validated and built in {read:.2} s",
                g.node_count(),
                g.edge_count()
            )?;
            let params = AnalysisParams { exact_reach_limit, ..AnalysisParams::DEFAULT };
            let a = analyse(&g, &params, Scope::Structure, &linchpin_graph::Quiet);
            writeln!(out, "{}", structural_line(&a))?;
            writeln!(out, "end to end {:.2} s", start.elapsed().as_secs_f64())?;
            if let Some(peak) = peak_rss_mib() {
                writeln!(out, "peak memory: {peak:.0} MiB")?;
            }
        }
        BenchCommand::Analyze { firms, seed, mean_degree, skip_esri, options } => {
            let start = Instant::now();
            let net = generate::generate_with_degree(firms as usize, seed, mean_degree);
            let generated = start.elapsed().as_secs_f64();
            let rss_before = peak_rss_mib();
            let start = Instant::now();
            let params = options.params();
            let g = net.graph(params.industry_level);
            let built = start.elapsed().as_secs_f64();
            drop(net);
            writeln!(
                out,
                "network: {} firms, {} links (generated in {generated:.1} s, graph built in {built:.2} s)",
                g.node_count(),
                g.edge_count(),
            )?;
            if skip_esri {
                let a = analyse(&g, &params, Scope::Structure, &linchpin_graph::Quiet);
                writeln!(out, "{}", structural_line(&a))?;
            } else {
                let start = Instant::now();
                let a = analyse(&g, &params, Scope::Full, &Bar::new());
                let total = start.elapsed().as_secs_f64();
                let t = a.timings;
                writeln!(
                    out,
                    "esri (with output and jobs at stake) {:.1} s on {} threads (tol {}), dominators {:.2} s, sole essential suppliers {:.2} s, reach {:.2} s, assessments and ranked list {:.2} s{}; {} key-node candidates of {} SMEs; analysis total {total:.1} s",
                    t.esri,
                    params.threads(),
                    params.esri.tol,
                    t.dominators,
                    t.sole,
                    t.reach,
                    t.assess,
                    if params.stability.is_some() {
                        format!(", stability {:.1} s", t.stability)
                    } else {
                        String::new()
                    },
                    a.ranking.list().len(),
                    a.ranking.smes,
                )?;
            }
            if let (Some(before), Some(after)) = (rss_before, peak_rss_mib()) {
                writeln!(
                    out,
                    "peak memory: {after:.0} MiB (of which {before:.0} MiB before the analysis graph was built: the generator's data)"
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
