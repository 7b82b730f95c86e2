//! `linchpin gen-network`, and the generator behind it: realistic synthetic supply networks for the
//! demo, the tests and the benchmarks.
//!
//! Firms sit on tiers from raw materials to final assemblers; each supplier sells to firms of the
//! next tiers, mostly on its own chain, with a power-law out-degree (exponent 2.3, mean about 8,
//! capped at 128). Employees and revenue are heavy-tailed; regions cluster in the industrial
//! provinces; a few links run backwards to make cycles. The same seed gives the same network.
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use linchpin_domain::{
    ChainCode, Essentiality, FirmDraft, FirmName, Indicators, IndustryCode, LinkDraft, Product, RegionCode, Uscc,
    Value10kCny,
};
use linchpin_graph::{AnalysisGraph, EdgeSpec, GraphBuilder};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Arguments of `gen-network`.
#[derive(clap::Args, Debug)]
pub struct GenArgs {
    /// Number of firms.
    #[arg(long, env = "LINCHPIN_GEN_FIRMS", default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(8..=5_000_000))]
    pub firms: u64,
    /// Random seed; the same seed gives the same network.
    #[arg(long, env = "LINCHPIN_GEN_SEED", default_value_t = 42)]
    pub seed: u64,
    /// Mean out-degree of suppliers (8 gives about 8 links per firm).
    #[arg(long, env = "LINCHPIN_GEN_MEAN_DEGREE", default_value_t = 8.0, value_parser = mean_degree)]
    pub mean_degree: f64,
    /// Output directory (created if missing).
    #[arg(long, env = "LINCHPIN_GEN_OUT")]
    pub out: PathBuf,
}

fn mean_degree(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.5..=64.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a mean degree between 0.5 and 64")),
    }
}

/// Runs `linchpin gen-network`: writes firms.csv and links.csv into the output directory.
pub fn run(args: GenArgs) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let net = generate_with_degree(args.firms as usize, args.seed, args.mean_degree);
    let firms_path = args.out.join("firms.csv");
    let links_path = args.out.join("links.csv");
    let f = std::io::BufWriter::new(
        std::fs::File::create(&firms_path).with_context(|| format!("cannot write {}", firms_path.display()))?,
    );
    linchpin_interchange::write_firms_csv(f, &net.firms)?;
    let l = std::io::BufWriter::new(
        std::fs::File::create(&links_path).with_context(|| format!("cannot write {}", links_path.display()))?,
    );
    linchpin_interchange::write_links_csv(l, &net.links)?;
    writeln!(
        std::io::stdout(),
        "wrote {} firms to {} and {} links to {}",
        net.firms.len(),
        firms_path.display(),
        net.links.len(),
        links_path.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The chains of the generated network: code, name, and industries per tier (raw -> final).
pub const CHAINS: [(&str, &str, [&[&str]; 4]); 3] = [
    ("NEV", "新能源汽车", [&["B09", "C26", "C31", "C32"], &["C33", "C38", "C29"], &["C34", "C38", "C39"], &["C36"]]),
    ("IC", "集成电路", [&["C26", "C30", "C32"], &["C39", "C26"], &["C39", "C35"], &["C39"]]),
    ("PV", "光伏", [&["B10", "C26", "C30"], &["C38", "C30", "C32"], &["C38", "C33"], &["C38"]]),
];

const REGIONS: [&str; 12] = [
    "330106", "330203", "330602", "320583", "320211", "440305", "440604", "370202", "340104", "420106", "510107",
    "310115",
];
const PRODUCTS: [&str; 12] =
    ["钢材", "铝型材", "化工原料", "电子元件", "轴承", "线束", "电池模组", "传感器", "注塑件", "芯片", "玻璃", "电机"];
const NAME_PARTS: [&str; 12] =
    ["精密", "新材", "华鑫", "恒通", "瑞丰", "宏达", "中科", "天成", "东方", "永盛", "凯泰", "博远"];
const NAME_KINDS: [&str; 6] = ["机械", "电子", "材料", "科技", "零部件", "制造"];
/// Share of firms on each tier, raw to final.
const TIER_SHARE: [f64; 4] = [0.40, 0.30, 0.20, 0.10];
const USCC_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A generated network.
#[derive(Debug, Default)]
pub struct Network {
    /// Firms.
    pub firms: Vec<FirmDraft>,
    /// Links.
    pub links: Vec<LinkDraft>,
}

impl Network {
    /// The analysis graph of the network (node `i` is firm `i`), as `linchpin analyze` would build
    /// it from the written files.
    pub fn graph(&self) -> AnalysisGraph {
        let mut b = GraphBuilder::with_capacity(self.firms.len(), self.links.len());
        let mut index: HashMap<&str, u32> = HashMap::with_capacity(self.firms.len());
        for f in &self.firms {
            let v = b.add_node(f.industry.as_str(), f.size_class(), f.indicators.employees.unwrap_or(0));
            index.insert(f.uscc.as_str(), v);
        }
        for l in &self.links {
            if let (Some(&supplier), Some(&customer)) =
                (index.get(l.supplier().as_str()), index.get(l.customer().as_str()))
            {
                let e = EdgeSpec { supplier, customer, value: l.annual_value.get(), essentiality: l.essentiality };
                // generated links are valid by construction; an invalid one is simply left out
                let _ = b.add_edge(e);
            }
        }
        b.build()
    }
}

/// A valid USCC for firm number `n` in `region` (deterministic).
pub fn uscc_for(region: &str, n: u64) -> Option<Uscc> {
    let mut body = format!("91{region}");
    let mut x = n.wrapping_mul(2_654_435_761) ^ 0x5bd1_e995;
    for _ in 0..9 {
        body.push(USCC_ALPHABET[(x % 31) as usize] as char);
        x /= 31;
    }
    let check = Uscc::check_char(&body)?;
    Uscc::parse(&format!("{body}{check}")).ok()
}

fn province_name(region: &str) -> &'static str {
    match &region[..2] {
        "31" => "上海",
        "32" => "江苏",
        "33" => "浙江",
        "34" => "安徽",
        "37" => "山东",
        "42" => "湖北",
        "44" => "广东",
        "51" => "四川",
        _ => "中国",
    }
}

fn pareto(rng: &mut StdRng, x_min: f64, alpha: f64) -> f64 {
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    x_min * u.powf(-1.0 / (alpha - 1.0))
}

/// Generates a network of `n` firms (at least 8) from `seed`, with a mean out-degree of about 8.
pub fn generate(n: usize, seed: u64) -> Network {
    generate_with_degree(n, seed, 8.0)
}

/// Generates a network whose suppliers have a mean out-degree of about `mean_degree`.
pub fn generate_with_degree(n: usize, seed: u64, mean_degree: f64) -> Network {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = n.max(8);
    let mut net = Network::default();
    // tier and chain of every firm
    let mut place: Vec<(usize, usize)> = Vec::with_capacity(n);
    let mut by_tier_chain: Vec<Vec<Vec<usize>>> = vec![vec![Vec::new(); CHAINS.len()]; 4];
    let mut used = HashSet::new();
    let mut serial: u64 = 0;
    for i in 0..n {
        let frac = i as f64 / n as f64;
        let mut acc = 0.0;
        let tier = TIER_SHARE.iter().position(|s| {
            acc += s;
            frac < acc
        });
        let tier = tier.unwrap_or(3);
        let chain = rng.random_range(0..CHAINS.len());
        let (code, _, industries) = CHAINS[chain];
        let industry = industries[tier][rng.random_range(0..industries[tier].len())];
        let region = REGIONS[rng.random_range(0..REGIONS.len())];
        let uscc = loop {
            serial += 1;
            if let Some(u) = uscc_for(region, serial)
                && used.insert(u.clone())
            {
                break u;
            }
        };
        // Assemblers are big; suppliers mostly small, with a heavy tail.
        let base = if tier == 3 { 300.0 } else { 8.0 };
        let employees = pareto(&mut rng, base, 2.1).min(200_000.0) as i64;
        let revenue = (employees as f64 * rng.random_range(15.0..90.0) * 10.0).round() / 10.0;
        let name = format!(
            "{}{}{}{}有限公司",
            province_name(region),
            NAME_PARTS[rng.random_range(0..NAME_PARTS.len())],
            NAME_KINDS[rng.random_range(0..NAME_KINDS.len())],
            i + 1
        );
        let mut chains = vec![code];
        if rng.random_bool(0.05) {
            let other = CHAINS[(chain + 1) % CHAINS.len()].0;
            chains.push(other);
        }
        let (Ok(name), Ok(region), Ok(industry), Ok(indicators)) = (
            FirmName::parse(&name),
            RegionCode::parse(region),
            IndustryCode::parse(industry),
            Indicators::new(Some(employees), Some(revenue), None),
        ) else {
            continue;
        };
        let chains = chains.into_iter().filter_map(|c| ChainCode::parse(c).ok()).collect();
        by_tier_chain[tier][chain].push(net.firms.len());
        place.push((tier, chain));
        net.firms.push(FirmDraft { uscc, name, region, industry, indicators, chains });
    }

    let mut seen: HashSet<(usize, usize, usize)> = HashSet::new();
    for (s, &(tier, chain)) in place.iter().enumerate() {
        if tier == 3 {
            continue;
        }
        // x_min 2.85 gives a mean near 8 for exponent 2.3 after flooring, capping and dropping
        // repeats; other means scale it.
        let degree = (pareto(&mut rng, 2.85 * mean_degree / 8.0, 2.3).floor() as usize).clamp(1, 128);
        for _ in 0..degree {
            let backwards = tier > 0 && rng.random_bool(0.01);
            let target_tier = if backwards {
                tier - 1
            } else if tier + 2 <= 3 && rng.random_bool(0.2) {
                tier + 2
            } else {
                tier + 1
            };
            let target_chain = if rng.random_bool(0.9) { chain } else { rng.random_range(0..CHAINS.len()) };
            let pool = &by_tier_chain[target_tier][target_chain];
            if pool.is_empty() {
                continue;
            }
            let c = pool[rng.random_range(0..pool.len())];
            let product = rng.random_range(0..PRODUCTS.len());
            if c == s || !seen.insert((s, c, product)) {
                continue;
            }
            let value = (pareto(&mut rng, 5.0, 2.0).min(1e6) * 10.0).round() / 10.0;
            let essentiality = match rng.random_range(0..10) {
                0..=4 => Essentiality::Essential,
                5..=8 => Essentiality::NonEssential,
                _ => Essentiality::Negligible,
            };
            let (Ok(product), Ok(value)) = (Product::parse(PRODUCTS[product]), Value10kCny::new(value)) else {
                continue;
            };
            if let Ok(link) =
                LinkDraft::new(net.firms[s].uscc.clone(), net.firms[c].uscc.clone(), product, value, essentiality)
            {
                net.links.push(link);
            }
        }
    }
    net
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_valid_network() {
        let a = generate(500, 7);
        let b = generate(500, 7);
        assert_eq!(a.firms, b.firms);
        assert_eq!(a.links, b.links);
        assert_eq!(a.firms.len(), 500);
        let usccs: HashSet<_> = a.firms.iter().map(|f| f.uscc.clone()).collect();
        assert_eq!(usccs.len(), 500, "USCCs are unique");
        let mean = a.links.len() as f64 / (a.firms.len() as f64 * 0.9);
        assert!((3.0..16.0).contains(&mean), "mean out-degree {mean}");
        assert!(a.links.iter().all(|l| usccs.contains(l.supplier()) && usccs.contains(l.customer())));
        let chains: HashSet<&str> = a.firms.iter().flat_map(|f| f.chains.iter().map(|c| c.as_str())).collect();
        assert_eq!(chains.len(), 3);
    }
}
