//! `linchpin analyze`: the key-node analysis offline, on the interchange files. Reads both files
//! straight into the analysis graph (`linchpin_interchange::read_network`), runs the one pipeline
//! (`linchpin_graph::analyse`) and writes one row per firm as CSV or JSON.
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use linchpin_graph::{Analysis, Assessment, Node, Scope, analyse};
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
pub fn read(firms: &std::path::Path, links: &std::path::Path, bar: &Bar) -> Option<NetworkFile> {
    match read_network(firms, links, &|file, rows| bar.rows_read(file, rows)) {
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
    let bar = Bar::new();
    let Some(net) = read(&args.firms, &args.links, &bar) else {
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
    let params = args.options.params();
    let result = analyse(&g, &params, Scope::Full, &bar);

    let sink: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    match args.format {
        Format::Csv => write_csv(sink, &firms, &result.assessments)?,
        Format::Json => write_json(sink, &g, &firms, &result)?,
    }
    let t = result.timings;
    let candidates = result.assessments.iter().filter(|a| a.key_node).count();
    let _ = writeln!(
        std::io::stderr(),
        "analysed {} firms and {} links in {:.1} s (esri {:.1} s on {} threads, dominators {:.2} s, sole suppliers {:.2} s, reach {:.2} s); {candidates} key-node candidates",
        g.node_count(),
        g.edge_count(),
        started.elapsed().as_secs_f64(),
        t.esri,
        params.threads(),
        t.dominators,
        t.sole,
        t.reach
    );
    Ok(ExitCode::SUCCESS)
}

fn write_json(
    mut sink: impl Write,
    g: &linchpin_graph::AnalysisGraph,
    firms: &FirmTable,
    result: &Analysis,
) -> anyhow::Result<()> {
    let name = |v: Node| format!("{} ({})", firms.name(v), firms.uscc(v));
    let industry = |k: u32| g.industry_name(k).to_owned();
    let rows: Vec<serde_json::Value> = result
        .assessments
        .iter()
        .enumerate()
        .map(|(v, a)| {
            let v = v as Node;
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

/// Writes one CSV row per firm.
pub fn write_csv(out: impl Write, firms: &FirmTable, result: &[Assessment]) -> anyhow::Result<()> {
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
    for (v, a) in result.iter().enumerate() {
        let v = v as Node;
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
        ])?;
    }
    w.flush()?;
    Ok(())
}
