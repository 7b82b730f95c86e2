//! `linchpin analyze`: the key-node analysis offline, on the interchange files. Reads both files
//! straight into the analysis graph (`linchpin_interchange::read_network`), runs the one pipeline
//! (`linchpin_graph::analyse`) and writes one row per firm as CSV or JSON.
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use linchpin_graph::{Analysis, AnalysisParams, Assessment, Node, Scope, analyse, within};
use linchpin_interchange::{FirmTable, NetworkFile, read_network};
use serde_json::json;

use crate::config::AnalysisOptions;
use crate::progress::Bar;

/// Output format.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One CSV row per firm.
    Csv,
    /// A JSON array with every reason's sentence in Chinese and English.
    Json,
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
    /// Rank within this chain only (the list is the budget of its SMEs; only its firms are written).
    #[arg(long)]
    pub chain: Option<String>,
    /// Rank within this province only (two-digit GB/T 2260 prefix; only its firms are written).
    #[arg(long)]
    pub province: Option<String>,
    /// Parameters.
    #[command(flatten)]
    pub options: AnalysisOptions,
}

/// Writes every row error to stderr.
pub fn report(errors: &[linchpin_domain::RowError]) {
    let mut err = std::io::stderr().lock();
    for e in errors {
        let _ = writeln!(err, "{e}");
    }
}

/// Reads both files into a graph with a progress spinner; a file that cannot be read at all is
/// reported and gives `None`.
pub fn read(
    firms: &std::path::Path,
    links: &std::path::Path,
    level: linchpin_domain::IndustryLevel,
    bar: &Bar,
) -> Option<NetworkFile> {
    match read_network(firms, links, level, &|file, rows| bar.rows_read(file, rows)) {
        Ok(net) => {
            bar.finish();
            Some(net)
        }
        Err(e) => {
            bar.finish();
            let _ = writeln!(std::io::stderr(), "error: {e}");
            None
        }
    }
}

/// Runs `linchpin analyze`.
pub fn run(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let chain = args.chain.as_deref().map(linchpin_domain::ChainCode::parse).transpose();
    let province = args.province.as_deref().map(|p| {
        linchpin_domain::Jurisdiction::parse(p).and_then(|j| {
            if j.as_str().len() == 2 {
                Ok(j)
            } else {
                Err(linchpin_domain::ValidationError::new(
                    linchpin_domain::ErrorCode::InvalidRegion,
                    format!("--province takes a two-digit province code, got `{p}`"),
                ))
            }
        })
    });
    let (chain, province) = match (chain, province.transpose()) {
        (Ok(c), Ok(p)) => (c, p),
        (Err(e), _) | (_, Err(e)) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            return Ok(ExitCode::from(crate::EXIT_INVALID));
        }
    };
    let bar = Bar::new();
    let params = args.options.params();
    let Some(net) = read(&args.firms, &args.links, params.industry_level, &bar) else {
        return Ok(ExitCode::from(crate::EXIT_INVALID));
    };
    let NetworkFile { graph: g, firms, errors: bad } = net;
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
        return Ok(ExitCode::from(crate::EXIT_INVALID));
    }
    let _ = writeln!(
        std::io::stderr(),
        "read {} firms and {} links in {:.1} s; analysing",
        g.node_count(),
        g.edge_count(),
        started.elapsed().as_secs_f64()
    );
    let in_scope = |v: Node| {
        chain.as_ref().is_none_or(|c| firms.chains(v).any(|x| x == c.as_str()))
            && province.as_ref().is_none_or(|p| firms.province(v) == p.as_str())
    };
    let scoped = chain.is_some() || province.is_some();
    let mut result = analyse(&g, &AnalysisParams { stability: None, ..params }, Scope::Full, &bar);
    within(&g, &mut result, &params, in_scope, &bar);
    let rows: Vec<Node> = (0..g.node_count() as Node).filter(|&v| !scoped || in_scope(v)).collect();

    let sink: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    match args.format {
        Format::Csv => write_csv(sink, &firms, &result.assessments, &rows)?,
        Format::Json => write_json(sink, &g, &firms, &result, &rows)?,
    }
    let t = result.timings;
    let candidates = result.ranking.list().len();
    let stability =
        if params.stability.is_some() { format!(", stability {:.1} s", t.stability) } else { String::new() };
    let _ = writeln!(
        std::io::stderr(),
        "analysed {} firms and {} links in {:.1} s (esri {:.1} s on {} threads, dominators {:.2} s, sole suppliers {:.2} s, reach {:.2} s{stability}); {candidates} key-node candidates of {} SMEs{}",
        g.node_count(),
        g.edge_count(),
        started.elapsed().as_secs_f64(),
        t.esri,
        params.threads(),
        t.dominators,
        t.sole,
        t.reach,
        result.ranking.smes,
        if scoped { " in scope" } else { "" }
    );
    Ok(ExitCode::SUCCESS)
}

fn write_json(
    mut sink: impl Write,
    g: &linchpin_graph::AnalysisGraph,
    firms: &FirmTable,
    result: &Analysis,
    rows: &[Node],
) -> anyhow::Result<()> {
    let name = |v: Node| format!("{} ({})", firms.name(v), firms.uscc(v));
    let industry = |k: u32| g.industry_name(k).to_owned();
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|&v| {
            let a = &result.assessments[v as usize];
            json!({
                "uscc": firms.uscc(v),
                "name": firms.name(v),
                "size_class": firms.size_class(v).as_str(),
                "esri": a.esri.esri,
                "esri_down": a.esri.esri_down,
                "esri_up": a.esri.esri_up,
                "systemic_multiplier": a.systemic_multiplier,
                "dominated_firms": a.dominated_firms,
                "dominated_large_firms": a.dominated_large_firms,
                "sole_essential_customers": a.sole_essential_customers.iter().map(|s| json!({
                    "uscc": firms.uscc(s.customer),
                    "share": s.share,
                    "industry": g.industry_name(s.industry),
                })).collect::<Vec<_>>(),
                "downstream_firms": a.downstream_firms,
                "downstream_employees": a.downstream_employees,
                "own_output_10k_cny": a.own_output,
                "own_jobs": a.own_jobs,
                "output_at_stake_10k_cny": a.esri.output_lost,
                "jobs_at_stake": a.esri.jobs_lost,
                "priority_score": a.priority_score,
                "rank": a.rank,
                "percentile": a.percentile,
                "stability": a.stability,
                "key_node": a.key_node,
                "reasons": a.reasons.iter().map(|x| x.render(&name, &industry)).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut sink, &rows)?;
    writeln!(sink)?;
    sink.flush()?;
    Ok(())
}

/// Writes one CSV row per firm of `rows`.
pub fn write_csv(out: impl Write, firms: &FirmTable, result: &[Assessment], rows: &[Node]) -> anyhow::Result<()> {
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
        "output_at_stake_10k_cny",
        "jobs_at_stake",
        "priority_score",
        "rank",
        "stability",
    ])?;
    for &v in rows {
        let a = &result[v as usize];
        let codes: Vec<&str> = a.reasons.iter().map(|x| x.code()).collect();
        w.write_record([
            firms.uscc(v).to_owned(),
            firms.size_class(v).as_str().to_owned(),
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
            a.esri.output_lost.to_string(),
            a.esri.jobs_lost.to_string(),
            a.priority_score.to_string(),
            a.rank.map(|r| r.to_string()).unwrap_or_default(),
            a.stability.map(|s| s.to_string()).unwrap_or_default(),
        ])?;
    }
    w.flush()?;
    Ok(())
}
