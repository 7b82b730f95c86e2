//! `linchpin gen-network`, and the generator behind it: realistic synthetic supply networks for the
//! demo, the tests and the benchmarks.
//!
//! Firms sit on tiers from raw materials to final assemblers; each supplier sells to firms of the
//! next tiers, mostly on its own chain, with a power-law out-degree (exponent 2.3, mean about 8,
//! capped at 128). Employees and revenue are heavy-tailed; regions cluster in the industrial
//! provinces; a few links run backwards to make cycles. Industry codes are registered at mixed
//! levels, as in real registries: about 40% at division (`C36`), 25% at group (`C362`), 35% at
//! class (`C3621`); the level is drawn from a hash of the seed and the firm, so it does not disturb
//! the rest of the network. The same seed gives the same network.
//!
//! With `--plant K`, K SMEs are added whose loss stops a large share of output by construction:
//! each is the only supplier of an essential input (an industry no one else is in) to three LARGE
//! firms, chosen among those that sell the most to other firms. They and their customers are
//! written to `planted.csv`, the known answers the analysis must find.
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use linchpin_domain::{
    ChainCode, Essentiality, FirmDraft, FirmName, Indicators, IndustryCode, IndustryLevel, LinkDraft, Product,
    RegionCode, Uscc, Value10kCny,
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
    /// Plant this many key-node SMEs with known answers (written to planted.csv), at most 20 (each
    /// needs an industry of its own).
    #[arg(long, env = "LINCHPIN_GEN_PLANT", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=20))]
    pub plant: u64,
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
    let mut net = generate_with_degree(args.firms as usize, args.seed, args.mean_degree);
    let planted = plant(&mut net, args.plant as usize, args.seed);
    if !planted.is_empty() {
        let path = args.out.join("planted.csv");
        let mut w = csv::Writer::from_path(&path).with_context(|| format!("cannot write {}", path.display()))?;
        w.write_record(["uscc", "name", "industry_code", "customers"])?;
        for p in &planted {
            let customers: Vec<&str> = p.customers.iter().map(Uscc::as_str).collect();
            w.write_record([
                p.firm.uscc.as_str(),
                p.firm.name.as_str(),
                p.firm.industry.as_str(),
                &customers.join(";"),
            ])?;
        }
        w.flush()?;
        writeln!(std::io::stdout(), "planted {} key-node SMEs, listed in {}", planted.len(), path.display())?;
    }
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
    /// it from the written files, with industries at `level`.
    pub fn graph(&self, level: IndustryLevel) -> AnalysisGraph {
        let mut b = GraphBuilder::with_capacity(self.firms.len(), self.links.len());
        let mut index: HashMap<&str, u32> = HashMap::with_capacity(self.firms.len());
        for f in &self.firms {
            let v = b.add_node(level.key(&f.industry), f.size_class(), f.indicators.employees.unwrap_or(0));
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

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The code a registry would hold for firm `i` of `division`: the division itself, a group or a
/// class below it (module docs).
fn registered_code(division: &str, seed: u64, i: usize) -> String {
    let h = mix(seed ^ (i as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
    let group = 1 + (h >> 8) % 4;
    match h % 100 {
        0..=39 => division.to_owned(),
        40..=64 => format!("{division}{group}"),
        _ => format!("{division}{group}{}", 1 + (h >> 16) % 3),
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
            IndustryCode::parse(&registered_code(industry, seed, i)),
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
    scale_to_revenue(&mut net, seed);
    net
}

/// Scales each supplier's sales so that they add up to between 30% and 90% of its revenue (the
/// rest goes outside the network: consumers, exports): a micro firm cannot sell a hundred billion
/// CNY a year. The heavy-tailed spread of a supplier's sales over its customers is kept. Runs after
/// all random draws, with a hash of its own, so the network's shape is unchanged.
fn scale_to_revenue(net: &mut Network, seed: u64) {
    let index: HashMap<&str, usize> = net.firms.iter().enumerate().map(|(i, f)| (f.uscc.as_str(), i)).collect();
    let supplier: Vec<Option<usize>> = net.links.iter().map(|l| index.get(l.supplier().as_str()).copied()).collect();
    drop(index);
    let mut sales = vec![0f64; net.firms.len()];
    for (l, s) in net.links.iter().zip(&supplier) {
        if let Some(s) = s {
            sales[*s] += l.annual_value.get();
        }
    }
    let factor: Vec<f64> = (0..net.firms.len())
        .map(|i| {
            let revenue = net.firms[i].indicators.revenue_10k_cny.unwrap_or(0.0);
            let share = 0.3
                + 0.6
                    * ((mix(seed ^ 0x5ca1e ^ (i as u64).wrapping_mul(0x9e37_79b9)) >> 11) as f64 / (1u64 << 53) as f64);
            if sales[i] > 0.0 { revenue * share / sales[i] } else { 1.0 }
        })
        .collect();
    for (l, s) in net.links.iter_mut().zip(&supplier) {
        if let Some(s) = s {
            let v = ((l.annual_value.get() * factor[*s]) * 10.0).round().max(1.0) / 10.0;
            if let Ok(v) = Value10kCny::new(v) {
                l.annual_value = v;
            }
        }
    }
}

/// A planted key-node SME and the LARGE firms that depend on it alone.
#[derive(Debug, Clone)]
pub struct Planted {
    /// The planted firm.
    pub firm: FirmDraft,
    /// Its LARGE customers.
    pub customers: Vec<Uscc>,
}

/// The divisions of section C that no generated firm is in. A planted supplier gets one of its
/// own, so at every substitution level it has no substitute (ESRI's rationing also shares an
/// industry's output among all its firms, so two planted firms may not share one either).
pub const PLANTED_DIVISIONS: [&str; 20] = [
    "C13", "C14", "C15", "C16", "C17", "C18", "C19", "C20", "C21", "C22", "C23", "C24", "C25", "C27", "C28", "C37",
    "C40", "C41", "C42", "C43",
];

/// Adds `k` (at most 20) planted key-node SMEs to `net` (module docs), with randomness of their
/// own so the rest of the network is the same with or without them.
pub fn plant(net: &mut Network, k: usize, seed: u64) -> Vec<Planted> {
    if k == 0 {
        return Vec::new();
    }
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0070_6c61_6e74_6564);
    let index: HashMap<&str, usize> = net.firms.iter().enumerate().map(|(i, f)| (f.uscc.as_str(), i)).collect();
    let mut sales = vec![0f64; net.firms.len()];
    for l in &net.links {
        if let Some(&s) = index.get(l.supplier().as_str()) {
            sales[s] += l.annual_value.get();
        }
    }
    drop(index);
    // the LARGE firms that feed the most to others
    let mut large: Vec<usize> = (0..net.firms.len())
        .filter(|&i| net.firms[i].size_class() == linchpin_domain::SizeClass::Large && sales[i] > 0.0)
        .collect();
    large.sort_by(|&a, &b| sales[b].total_cmp(&sales[a]).then(a.cmp(&b)));
    let per = 3usize;
    let mut used: HashSet<Uscc> = net.firms.iter().map(|f| f.uscc.clone()).collect();
    let mut out = Vec::new();
    let mut serial = 9_000_000u64;
    for (j, group) in large.chunks(per).take(k.min(PLANTED_DIVISIONS.len())).enumerate() {
        let region = REGIONS[rng.random_range(0..REGIONS.len())];
        let uscc = loop {
            serial += 1;
            if let Some(u) = uscc_for(region, serial)
                && used.insert(u.clone())
            {
                break u;
            }
        };
        let (Ok(name), Ok(region), Ok(industry), Ok(indicators)) = (
            FirmName::parse(&format!("{}专精特新芯片模组{}有限公司", province_name(region), j + 1)),
            RegionCode::parse(region),
            IndustryCode::parse(&format!("{}01", PLANTED_DIVISIONS[j])),
            Indicators::new(Some(40), Some(800.0), None),
        ) else {
            continue;
        };
        let chains = net.firms[group[0]].chains.clone();
        let firm = FirmDraft { uscc: uscc.clone(), name, region, industry, indicators, chains };
        let mut mine = Vec::new();
        for &c in group {
            let customer = net.firms[c].uscc.clone();
            let (Ok(product), Ok(value)) = (Product::parse("专用控制芯片模组"), Value10kCny::new(50.0)) else {
                continue;
            };
            if let Ok(link) = LinkDraft::new(uscc.clone(), customer.clone(), product, value, Essentiality::Essential) {
                net.links.push(link);
                mine.push(customer);
            }
        }
        net.firms.push(firm.clone());
        out.push(Planted { firm, customers: mine });
    }
    out
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
        let levels: HashSet<usize> = a.firms.iter().map(|f| f.industry.as_str().len()).collect();
        assert_eq!(levels, HashSet::from([3, 4, 5]), "codes at division, group and class level");
    }

    #[test]
    fn planted_firms_are_small_sole_suppliers_of_large_firms_and_leave_the_rest_alone() {
        let base = generate(2_000, 5);
        let mut net = generate(2_000, 5);
        let planted = plant(&mut net, 4, 5);
        // as many as there are LARGE firms that sell, three to a planted firm
        assert!(!planted.is_empty() && planted.len() <= 4);
        assert_eq!(net.firms[..2_000], base.firms[..], "the base network is unchanged");
        for p in &planted {
            assert!(p.firm.size_class().is_sme());
            assert!((1..=3).contains(&p.customers.len()));
            let division = p.firm.industry.division_code();
            assert!(!base.firms.iter().any(|f| f.industry.division_code() == division), "no substitute exists");
        }
    }
}
