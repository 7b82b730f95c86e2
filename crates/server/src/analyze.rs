//! `linchpin analyze`: the key-node analysis offline, on the interchange files.
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use linchpin_domain::{ErrorCode, FirmDraft, LinkDraft};
use linchpin_graph::{
    AnalysisGraph, Assessment, EdgeSpec, Esri, EsriParams, Lang, NodeSpec, Thresholds, assess, dominators,
    downstream_reach, sole_essential_suppliers,
};
use linchpin_store::import::RowError;
use serde_json::json;

use crate::interchange;

/// Output format.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One CSV row per firm.
    Csv,
    /// A JSON array with every reason's sentence in Chinese and English.
    Json,
}

/// Analysis parameters shared by `analyze` and `bench analyze`.
#[derive(clap::Args, Debug, Clone)]
pub struct AnalysisOptions {
    /// Turn ESRI's rationing off (σ = 1 for every firm that sells).
    #[arg(long, env = "LINCHPIN_NO_RATIONING")]
    pub no_rationing: bool,
    /// ESRI stops when no health value moves by this much in a step.
    #[arg(long, env = "LINCHPIN_TOL", default_value_t = 1e-6, value_parser = tolerance)]
    pub tol: f64,
    /// Threads for ESRI (default: all cores).
    #[arg(long, env = "LINCHPIN_THREADS", value_parser = thread_count)]
    pub threads: Option<usize>,
    /// Minimum systemic multiplier (ESRI / own output share) for a candidate.
    #[arg(long, env = "LINCHPIN_MULTIPLIER", default_value_t = 5.0, value_parser = positive)]
    pub multiplier: f64,
    /// Minimum ESRI for the multiplier rule.
    #[arg(long, env = "LINCHPIN_MIN_ESRI", default_value_t = 0.0005, value_parser = share)]
    pub min_esri: f64,
    /// Minimum share of a customer's essential input from one industry for a sole supplier.
    #[arg(long, env = "LINCHPIN_SOLE_SHARE", default_value_t = 0.8, value_parser = share)]
    pub sole_share: f64,
    /// Firms downstream that make a customer a hub.
    #[arg(long, env = "LINCHPIN_HUB_DOWNSTREAM", default_value_t = 10.0, value_parser = positive)]
    pub hub_downstream: f64,
    /// Largest number of strongly connected components for exact reach (HyperLogLog beyond).
    #[arg(long, env = "LINCHPIN_EXACT_REACH_LIMIT", default_value_t = 30_000)]
    pub exact_reach_limit: usize,
}

fn thread_count(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(v) if (1..=1024).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a thread count between 1 and 1024")),
    }
}

fn positive(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("`{s}` is not a positive number")),
    }
}

fn share(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a share between 0 and 1")),
    }
}

fn tolerance(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t.is_finite() && t > 0.0 && t < 1.0 => Ok(t),
        _ => Err(format!("`{s}` is not a tolerance in (0, 1)")),
    }
}

impl AnalysisOptions {
    /// ESRI parameters.
    pub fn esri(&self) -> EsriParams {
        EsriParams { tol: self.tol, rationing: !self.no_rationing, ..EsriParams::default() }
    }

    /// Candidate thresholds.
    pub fn thresholds(&self) -> Thresholds {
        Thresholds {
            multiplier: self.multiplier,
            min_esri: self.min_esri,
            sole_share: self.sole_share,
            hub_downstream: self.hub_downstream,
        }
    }

    /// Thread count.
    pub fn threads(&self) -> usize {
        self.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1)
    }
}

/// Arguments of `analyze`.
#[derive(clap::Args, Debug)]
pub struct AnalyzeArgs {
    /// firms file (CSV or XLSX).
    #[arg(long)]
    pub firms: PathBuf,
    /// links file (CSV or XLSX).
    #[arg(long)]
    pub links: PathBuf,
    /// Where to write the result (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// csv or json.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Analyse the good rows and report the bad ones, instead of analysing nothing when any row
    /// is bad.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Parameters.
    #[command(flatten)]
    pub options: AnalysisOptions,
}

/// Timings of one analysis, in seconds.
#[derive(Debug, Default, Clone, Copy)]
pub struct Timings {
    /// Building the graph.
    pub build: f64,
    /// ESRI of every firm.
    pub esri: f64,
    /// Dominator tree.
    pub dominators: f64,
    /// Sole essential suppliers.
    pub sole: f64,
    /// Downstream reach.
    pub reach: f64,
}

/// Runs every analysis; shows a progress bar for ESRI on a terminal.
pub fn run_analyses(g: &AnalysisGraph, o: &AnalysisOptions, t: &mut Timings) -> Vec<Assessment> {
    let bar = ProgressBar::new(g.node_count() as u64);
    if let Ok(style) = ProgressStyle::with_template("  esri [{bar:40}] {pos}/{len} firms ({per_sec}, eta {eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    let start = Instant::now();
    let esri = Esri::new(g, o.esri()).all(o.threads(), &|k| bar.inc(k as u64));
    bar.finish_and_clear();
    t.esri = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let dom = dominators(g);
    t.dominators = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let sole = sole_essential_suppliers(g, o.sole_share);
    t.sole = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let reach = downstream_reach(g, o.exact_reach_limit);
    t.reach = start.elapsed().as_secs_f64();
    assess(g, &esri, &dom, &sole, &reach, &o.thresholds())
}

/// Node numbers of firms by USCC, in the order given (node i is the i-th firm).
pub fn node_index<'a>(firms: impl Iterator<Item = &'a FirmDraft>) -> HashMap<&'a str, u32> {
    firms.enumerate().map(|(i, f)| (f.uscc.as_str(), i as u32)).collect()
}

/// The analysis view of a link; `None` when an end is not in `index`.
pub fn edge_spec(index: &HashMap<&str, u32>, l: &LinkDraft) -> Option<EdgeSpec> {
    Some(EdgeSpec {
        supplier: *index.get(l.supplier().as_str())?,
        customer: *index.get(l.customer().as_str())?,
        value: l.annual_value.get(),
        essentiality: l.essentiality,
    })
}

/// The analysis view of a validated firm: its industry code, as given, is its industry g(i).
pub fn node_spec(f: &FirmDraft) -> NodeSpec {
    NodeSpec {
        industry: f.industry.as_str().to_owned(),
        size: f.size_class(),
        employees: f.indicators.employees.unwrap_or(0),
    }
}

fn report(errors: &[RowError]) {
    let mut err = std::io::stderr().lock();
    for e in errors {
        let _ = writeln!(err, "{e}");
    }
}

/// Runs `linchpin analyze`.
pub fn run(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let read = interchange::parse_firms(&args.firms).and_then(|f| Ok((f, interchange::parse_links(&args.links)?)));
    let ((firms, mut bad), (links, bad_links)) = match read {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            return Ok(ExitCode::from(crate::cli::EXIT_INVALID));
        }
    };
    bad.extend(bad_links);
    let index = node_index(firms.iter().map(|r| &r.firm));
    let mut edges = Vec::with_capacity(links.len());
    for r in &links {
        match edge_spec(&index, &r.link) {
            Some(e) => edges.push(e),
            _ => bad.push(RowError {
                file: "links",
                line: r.line,
                column: None,
                code: ErrorCode::NotFound,
                message: "a firm of this link is not in the firms file".to_owned(),
            }),
        }
    }
    bad.sort_by_key(|e| (e.file, e.line));
    if !bad.is_empty() && args.skip_invalid {
        report(&bad);
        let _ = writeln!(std::io::stderr(), "{} bad row(s) skipped", bad.len());
    } else if !bad.is_empty() {
        report(&bad);
        let _ = writeln!(
            std::io::stderr(),
            "{} bad row(s); nothing was analysed (use --skip-invalid to analyse the good rows)",
            bad.len()
        );
        return Ok(ExitCode::from(crate::cli::EXIT_INVALID));
    }
    let mut t = Timings::default();
    let start = Instant::now();
    let nodes: Vec<NodeSpec> = firms.iter().map(|r| node_spec(&r.firm)).collect();
    let g = AnalysisGraph::new(&nodes, &edges).context("cannot build the network")?;
    t.build = start.elapsed().as_secs_f64();
    let result = run_analyses(&g, &args.options, &mut t);

    let sink: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let name = |v: u32| {
        let f = &firms[v as usize].firm;
        format!("{} ({})", f.name.as_str(), f.uscc)
    };
    let industry = |k: u32| g.industry_name(k).to_owned();
    match args.format {
        Format::Csv => write_csv(sink, &firms, &result)?,
        Format::Json => {
            let rows: Vec<serde_json::Value> = firms
                .iter()
                .zip(&result)
                .map(|(r, a)| {
                    json!({
                        "uscc": r.firm.uscc.as_str(),
                        "name": r.firm.name.as_str(),
                        "size_class": r.firm.size_class().as_str(),
                        "esri": a.esri.esri,
                        "esri_down": a.esri.esri_down,
                        "esri_up": a.esri.esri_up,
                        "systemic_multiplier": a.systemic_multiplier,
                        "dominated_firms": a.dominated_firms,
                        "dominated_large_firms": a.dominated_large_firms,
                        "sole_essential_customers": a.sole_essential_customers.iter().map(|s| json!({
                            "uscc": firms[s.customer as usize].firm.uscc.as_str(),
                            "share": s.share,
                            "industry": g.industry_name(s.industry),
                        })).collect::<Vec<_>>(),
                        "downstream_firms": a.downstream_firms,
                        "downstream_employees": a.downstream_employees,
                        "key_node": a.key_node,
                        "reasons": a.reasons.iter().map(|x| json!({
                            "code": x.code(),
                            "zh": x.message(Lang::Zh, &name, &industry),
                            "en": x.message(Lang::En, &name, &industry),
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let mut sink = sink;
            serde_json::to_writer_pretty(&mut sink, &rows)?;
            writeln!(sink)?;
            sink.flush()?;
        }
    }
    let candidates = result.iter().filter(|a| a.key_node).count();
    let _ = writeln!(
        std::io::stderr(),
        "analysed {} firms and {} links in {:.1} s (esri {:.1} s on {} threads, dominators {:.2} s, sole suppliers {:.2} s, reach {:.2} s); {candidates} key-node candidates",
        g.node_count(),
        g.edge_count(),
        started.elapsed().as_secs_f64(),
        t.esri,
        args.options.threads(),
        t.dominators,
        t.sole,
        t.reach
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes one CSV row per firm.
pub fn write_csv(
    out: impl Write,
    firms: &[linchpin_store::import::FirmRow],
    result: &[Assessment],
) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "uscc",
        "size_class",
        "esri",
        "esri_down",
        "esri_up",
        "systemic_multiplier",
        "dominated_firms",
        "dominated_large_firms",
        "sole_essential_customers",
        "downstream_firms",
        "downstream_employees",
        "key_node",
        "reasons",
    ])?;
    for (r, a) in firms.iter().zip(result) {
        let codes: Vec<&str> = a.reasons.iter().map(|x| x.code()).collect();
        w.write_record([
            r.firm.uscc.as_str().to_owned(),
            r.firm.size_class().as_str().to_owned(),
            a.esri.esri.to_string(),
            a.esri.esri_down.to_string(),
            a.esri.esri_up.to_string(),
            a.systemic_multiplier.map(|m| m.to_string()).unwrap_or_default(),
            a.dominated_firms.to_string(),
            a.dominated_large_firms.to_string(),
            a.sole_essential_customers.len().to_string(),
            a.downstream_firms.round().to_string(),
            a.downstream_employees.round().to_string(),
            a.key_node.to_string(),
            codes.join(";"),
        ])?;
    }
    w.flush()?;
    Ok(())
}
