//! `SizeClass` under 《中小企业划型标准规定》, table-tested at every bound.
use crate::industry::IndustryCode;

/// Enterprise size class under 《中小企业划型标准规定》(工信部联企业〔2011〕300号).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SizeClass {
    /// 微型企业.
    Micro,
    /// 小型企业.
    Small,
    /// 中型企业.
    Medium,
    /// 大型企业.
    Large,
    /// An indicator the firm's industry row needs is missing.
    Unknown,
}

impl SizeClass {
    /// The stable wire name, e.g. `SMALL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Micro => "MICRO",
            Self::Small => "SMALL",
            Self::Medium => "MEDIUM",
            Self::Large => "LARGE",
            Self::Unknown => "UNKNOWN",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(s: &str) -> Option<Self> {
        [Self::Micro, Self::Small, Self::Medium, Self::Large, Self::Unknown].into_iter().find(|c| c.as_str() == s)
    }

    /// The Chinese name, e.g. `小型企业`.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Micro => "微型企业",
            Self::Small => "小型企业",
            Self::Medium => "中型企业",
            Self::Large => "大型企业",
            Self::Unknown => "未划型",
        }
    }

    /// Whether the class is a small or medium enterprise (MICRO, SMALL or MEDIUM).
    pub fn is_sme(self) -> bool {
        matches!(self, Self::Micro | Self::Small | Self::Medium)
    }

    /// Classifies a firm. Each industry row names one or two indicators; a class is reached only
    /// when every indicator of the row meets that class's lower bound, otherwise the firm drops
    /// to the next class; below SMALL it is MICRO. A missing indicator the row needs gives
    /// `Unknown`. Revenue and assets are in 10,000 CNY.
    pub fn classify(
        industry: &IndustryCode,
        employees: Option<u32>,
        revenue_10k_cny: Option<f64>,
        assets_10k_cny: Option<f64>,
    ) -> Self {
        let row = row_for(industry);
        let values: [Option<f64>; 2] = [row.indicators[0], row.indicators[1]].map(|ind| match ind {
            Some(Indicator::Employees) => employees.map(f64::from),
            Some(Indicator::Revenue) => revenue_10k_cny,
            Some(Indicator::Assets) => assets_10k_cny,
            None => Some(f64::INFINITY),
        });
        let [Some(a), Some(b)] = values else {
            return Self::Unknown;
        };
        let meets = |bounds: [f64; 2]| a >= bounds[0] && b >= bounds[1];
        if meets(row.large) {
            Self::Large
        } else if meets(row.medium) {
            Self::Medium
        } else if meets(row.small) {
            Self::Small
        } else {
            Self::Micro
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Indicator {
    Employees,
    Revenue,
    Assets,
}

/// One row of the standard: up to two indicators and each class's lower bounds on them.
struct Row {
    indicators: [Option<Indicator>; 2],
    large: [f64; 2],
    medium: [f64; 2],
    small: [f64; 2],
}

const fn two(a: Indicator, b: Indicator, large: [f64; 2], medium: [f64; 2], small: [f64; 2]) -> Row {
    Row { indicators: [Some(a), Some(b)], large, medium, small }
}

const fn one(a: Indicator, large: f64, medium: f64, small: f64) -> Row {
    // The unused second indicator counts as always met.
    Row { indicators: [Some(a), None], large: [large, 0.0], medium: [medium, 0.0], small: [small, 0.0] }
}

fn row_for(industry: &IndustryCode) -> Row {
    use Indicator::{Assets, Employees as Emp, Revenue as Rev};
    let code = industry.as_str();
    match (industry.section(), industry.division()) {
        ('A', _) => one(Rev, 20000.0, 500.0, 50.0),
        ('B' | 'C' | 'D', _) => two(Emp, Rev, [1000.0, 40000.0], [300.0, 2000.0], [20.0, 300.0]),
        ('E', _) => two(Rev, Assets, [80000.0, 80000.0], [6000.0, 5000.0], [300.0, 300.0]),
        ('F', 51) => two(Emp, Rev, [200.0, 40000.0], [20.0, 5000.0], [5.0, 1000.0]),
        ('F', 52) => two(Emp, Rev, [300.0, 20000.0], [50.0, 500.0], [10.0, 100.0]),
        ('G', 53..=58) => two(Emp, Rev, [1000.0, 30000.0], [300.0, 3000.0], [20.0, 200.0]),
        ('G', 59) => two(Emp, Rev, [200.0, 30000.0], [100.0, 1000.0], [20.0, 100.0]),
        ('G', 60) => two(Emp, Rev, [1000.0, 30000.0], [300.0, 2000.0], [20.0, 100.0]),
        ('H', _) => two(Emp, Rev, [300.0, 10000.0], [100.0, 2000.0], [10.0, 100.0]),
        ('I', 63 | 64) => two(Emp, Rev, [2000.0, 100000.0], [100.0, 1000.0], [10.0, 100.0]),
        ('I', 65) => two(Emp, Rev, [300.0, 10000.0], [100.0, 1000.0], [10.0, 50.0]),
        ('K', _) if code.starts_with("K701") => {
            two(Rev, Assets, [200000.0, 10000.0], [1000.0, 5000.0], [100.0, 2000.0])
        }
        ('K', _) if code.starts_with("K702") => two(Emp, Rev, [1000.0, 5000.0], [300.0, 1000.0], [100.0, 500.0]),
        ('L', _) => two(Emp, Assets, [300.0, 120000.0], [100.0, 8000.0], [10.0, 100.0]),
        _ => one(Emp, 300.0, 100.0, 10.0),
    }
}

#[cfg(test)]
mod tests {
    use super::SizeClass::{self, *};
    use crate::IndustryCode;

    fn class(code: &str, emp: Option<u32>, rev: Option<f64>, assets: Option<f64>) -> SizeClass {
        SizeClass::classify(&IndustryCode::parse(code).unwrap(), emp, rev, assets)
    }

    /// (industry, employees, revenue, assets, expected): each row sits on or just below a bound.
    #[test]
    fn classes_switch_exactly_at_every_bound() {
        type Case = (&'static str, Option<u32>, Option<f64>, Option<f64>, SizeClass);
        let cases: &[Case] = &[
            // agriculture: revenue only
            ("A01", None, Some(20000.0), None, Large),
            ("A01", None, Some(19999.99), None, Medium),
            ("A01", None, Some(500.0), None, Medium),
            ("A01", None, Some(499.0), None, Small),
            ("A01", None, Some(50.0), None, Small),
            ("A01", None, Some(49.9), None, Micro),
            ("A01", None, None, None, Unknown),
            // industry B-D: employees and revenue
            ("C36", Some(1000), Some(40000.0), None, Large),
            ("C36", Some(999), Some(40000.0), None, Medium),
            ("C36", Some(1000), Some(39999.0), None, Medium),
            ("C36", Some(300), Some(2000.0), None, Medium),
            ("C36", Some(299), Some(2000.0), None, Small),
            ("C36", Some(300), Some(1999.0), None, Small),
            ("C36", Some(20), Some(300.0), None, Small),
            ("C36", Some(19), Some(300.0), None, Micro),
            ("C36", Some(20), Some(299.0), None, Micro),
            ("C36", Some(5000), Some(100.0), None, Micro),
            ("B06", Some(1000), Some(40000.0), None, Large),
            ("D44", Some(20), Some(300.0), None, Small),
            ("C36", None, Some(300.0), None, Unknown),
            ("C36", Some(20), None, None, Unknown),
            // construction: revenue and assets
            ("E47", None, Some(80000.0), Some(80000.0), Large),
            ("E47", None, Some(80000.0), Some(79999.0), Medium),
            ("E47", None, Some(6000.0), Some(5000.0), Medium),
            ("E47", None, Some(5999.0), Some(5000.0), Small),
            ("E47", None, Some(300.0), Some(300.0), Small),
            ("E47", None, Some(300.0), Some(299.0), Micro),
            ("E47", Some(10000), Some(300.0), None, Unknown),
            // wholesale
            ("F51", Some(200), Some(40000.0), None, Large),
            ("F51", Some(199), Some(40000.0), None, Medium),
            ("F51", Some(20), Some(5000.0), None, Medium),
            ("F51", Some(20), Some(4999.0), None, Small),
            ("F51", Some(5), Some(1000.0), None, Small),
            ("F51", Some(4), Some(1000.0), None, Micro),
            // retail
            ("F52", Some(300), Some(20000.0), None, Large),
            ("F52", Some(300), Some(19999.0), None, Medium),
            ("F52", Some(50), Some(500.0), None, Medium),
            ("F52", Some(49), Some(500.0), None, Small),
            ("F52", Some(10), Some(100.0), None, Small),
            ("F52", Some(10), Some(99.0), None, Micro),
            // transport G53-58
            ("G54", Some(1000), Some(30000.0), None, Large),
            ("G58", Some(999), Some(30000.0), None, Medium),
            ("G53", Some(300), Some(3000.0), None, Medium),
            ("G53", Some(300), Some(2999.0), None, Small),
            ("G55", Some(20), Some(200.0), None, Small),
            ("G55", Some(20), Some(199.0), None, Micro),
            // warehousing G59
            ("G59", Some(200), Some(30000.0), None, Large),
            ("G59", Some(199), Some(30000.0), None, Medium),
            ("G59", Some(100), Some(1000.0), None, Medium),
            ("G59", Some(99), Some(1000.0), None, Small),
            ("G59", Some(20), Some(100.0), None, Small),
            ("G59", Some(19), Some(100.0), None, Micro),
            // postal G60
            ("G60", Some(1000), Some(30000.0), None, Large),
            ("G60", Some(300), Some(2000.0), None, Medium),
            ("G60", Some(300), Some(1999.0), None, Small),
            ("G60", Some(20), Some(100.0), None, Small),
            ("G60", Some(20), Some(99.0), None, Micro),
            // accommodation and catering
            ("H61", Some(300), Some(10000.0), None, Large),
            ("H62", Some(300), Some(9999.0), None, Medium),
            ("H61", Some(100), Some(2000.0), None, Medium),
            ("H61", Some(99), Some(2000.0), None, Small),
            ("H61", Some(10), Some(100.0), None, Small),
            ("H61", Some(9), Some(100.0), None, Micro),
            // telecom and internet I63-64
            ("I63", Some(2000), Some(100000.0), None, Large),
            ("I64", Some(1999), Some(100000.0), None, Medium),
            ("I63", Some(100), Some(1000.0), None, Medium),
            ("I63", Some(100), Some(999.0), None, Small),
            ("I64", Some(10), Some(100.0), None, Small),
            ("I64", Some(10), Some(99.0), None, Micro),
            // software and IT I65
            ("I65", Some(300), Some(10000.0), None, Large),
            ("I65", Some(300), Some(9999.0), None, Medium),
            ("I65", Some(100), Some(1000.0), None, Medium),
            ("I65", Some(99), Some(1000.0), None, Small),
            ("I65", Some(10), Some(50.0), None, Small),
            ("I65", Some(10), Some(49.0), None, Micro),
            // real-estate development K7010: revenue and assets
            ("K7010", None, Some(200000.0), Some(10000.0), Large),
            ("K7010", None, Some(199999.0), Some(10000.0), Medium),
            ("K7010", None, Some(1000.0), Some(5000.0), Medium),
            ("K7010", None, Some(1000.0), Some(4999.0), Small),
            ("K7010", None, Some(100.0), Some(2000.0), Small),
            ("K7010", None, Some(99.0), Some(2000.0), Micro),
            ("K7010", Some(5), Some(100.0), None, Unknown),
            // property management K7020
            ("K7020", Some(1000), Some(5000.0), None, Large),
            ("K7020", Some(1000), Some(4999.0), None, Medium),
            ("K7020", Some(300), Some(1000.0), None, Medium),
            ("K7020", Some(299), Some(1000.0), None, Small),
            ("K7020", Some(100), Some(500.0), None, Small),
            ("K7020", Some(100), Some(499.0), None, Micro),
            // leasing and business services: employees and assets
            ("L72", Some(300), None, Some(120000.0), Large),
            ("L71", Some(300), None, Some(119999.0), Medium),
            ("L72", Some(100), None, Some(8000.0), Medium),
            ("L72", Some(99), None, Some(8000.0), Small),
            ("L72", Some(10), None, Some(100.0), Small),
            ("L72", Some(10), None, Some(99.0), Micro),
            ("L72", Some(10), Some(1e9), None, Unknown),
            // anything else: employees only
            ("M73", Some(300), None, None, Large),
            ("M73", Some(299), None, None, Medium),
            ("P83", Some(100), None, None, Medium),
            ("Q84", Some(99), None, None, Small),
            ("R86", Some(10), None, None, Small),
            ("S91", Some(9), None, None, Micro),
            ("K7090", Some(300), None, None, Large),
            ("K70", Some(99), None, None, Small),
            ("J66", None, Some(1e9), None, Unknown),
        ];
        for &(code, emp, rev, assets, want) in cases {
            assert_eq!(class(code, emp, rev, assets), want, "{code} {emp:?} {rev:?} {assets:?}");
        }
    }

    #[test]
    fn wire_names_round_trip_and_sme_means_micro_small_or_medium() {
        for c in [Micro, Small, Medium, Large, Unknown] {
            assert_eq!(SizeClass::from_wire(c.as_str()), Some(c));
        }
        assert!(Micro.is_sme() && Small.is_sme() && Medium.is_sme());
        assert!(!Large.is_sme() && !Unknown.is_sme());
    }
}
