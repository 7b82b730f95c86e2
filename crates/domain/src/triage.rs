//! Which blockage first: the priority of a blockage and the service levels (SLAs) that follow
//! from it. Pure; documented with the formulas in docs/blockages.md.
//!
//! A priority is computed, never typed in. Its parts:
//!
//! - **stake** (0 to 60): `60 × p`, where `p` is the firm's rank in the latest analysis by output or
//!   jobs at stake (the ESRI cascade of its closure), as a percentile among every firm assessed:
//!   the share of firms with strictly less at stake, whichever of output and jobs ranks higher. A
//!   rank, not an amount, so it means the same on any network.
//! - **whitelist** (20): the firm has an APPROVED whitelist entry now.
//! - **large customer** (20): the firm supplies an essential input to at least one LARGE firm
//!   through a CONFIRMED link (one the customer stands behind; a supplier cannot raise its own
//!   priority by declaring links nobody confirmed).
//! - **waiting**: one point per [`HOURS_PER_POINT`] hours since the report, so nothing waits
//!   forever behind newer, bigger blockages.
//!
//! The level, which sets the SLA, comes from the rank alone (top 1% of firms CRITICAL, top 10%
//! HIGH, top half MEDIUM, the rest LOW), raised one step for a whitelisted firm or a LARGE firm's
//! essential supplier; waiting does not change the level (breaching the SLA escalates instead).
//!
//! Because the waiting part grows at the same rate for every blockage, the queue order is the order
//! of `base − reported_at / HOURS_PER_POINT`, a number that does not change with time: the store
//! keeps it as the queue key, and an index gives the first page without computing anything.
use crate::blockage::BlockageStatus;

/// Hours of waiting worth one point.
pub const HOURS_PER_POINT: f64 = 6.0;
/// Points for the stake at the top rank.
pub const STAKE_POINTS: f64 = 60.0;
/// Points for an APPROVED whitelist entry.
pub const WHITELIST_POINTS: f64 = 20.0;
/// Points for supplying a LARGE firm's essential input.
pub const LARGE_CUSTOMER_POINTS: f64 = 20.0;

/// Urgency classes, each with its own SLA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PriorityLevel {
    /// Routine.
    Low,
    /// Above the median firm.
    Medium,
    /// Top tenth.
    High,
    /// Top hundredth.
    Critical,
}

impl PriorityLevel {
    /// Every level, lowest first.
    pub const ALL: [Self; 4] = [Self::Low, Self::Medium, Self::High, Self::Critical];

    /// The stable wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// In Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Low => "一般",
            Self::Medium => "较急",
            Self::High => "紧急",
            Self::Critical => "特急",
        }
    }

    fn raised(self) -> Self {
        match self {
            Self::Low => Self::Medium,
            Self::Medium => Self::High,
            Self::High | Self::Critical => Self::Critical,
        }
    }
}

/// What the analysis says is at stake when the firm stops.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stake {
    /// Output at stake as a share of the network's output.
    pub output_share: f64,
    /// Jobs at stake as a share of the network's jobs.
    pub jobs_share: f64,
    /// Share of assessed firms with strictly less output at stake.
    pub output_percentile: f64,
    /// Share of assessed firms with strictly fewer jobs at stake.
    pub jobs_percentile: f64,
}

/// Everything a priority is computed from, except the clock. Kept with the blockage (as JSON) so
/// the explanation can always be rendered from what the score was computed from.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Facts {
    /// The analysis run the stake comes from.
    pub run: Option<i64>,
    /// The stake; none when no analysis has assessed the firm.
    pub stake: Option<Stake>,
    /// An APPROVED whitelist entry now.
    pub whitelisted: bool,
    /// LARGE firms the firm supplies an essential input to through a CONFIRMED link.
    pub large_customers: u32,
}

/// The part of the score that does not depend on the clock, and the level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Base {
    /// Stake, whitelist and large-customer points (0 to 100).
    pub points: f64,
    /// The urgency class.
    pub level: PriorityLevel,
}

/// The higher of the two percentiles (0 without an analysis).
fn rank(f: &Facts) -> f64 {
    f.stake.map_or(0.0, |s| s.output_percentile.max(s.jobs_percentile)).clamp(0.0, 1.0)
}

/// The clock-free part of the priority of a blockage of a firm with these facts.
pub fn base(f: &Facts) -> Base {
    let p = rank(f);
    let mut points = STAKE_POINTS * p;
    if f.whitelisted {
        points += WHITELIST_POINTS;
    }
    if f.large_customers > 0 {
        points += LARGE_CUSTOMER_POINTS;
    }
    let mut level = if f.stake.is_none() {
        PriorityLevel::Low
    } else if p >= 0.99 {
        PriorityLevel::Critical
    } else if p >= 0.90 {
        PriorityLevel::High
    } else if p >= 0.50 {
        PriorityLevel::Medium
    } else {
        PriorityLevel::Low
    };
    if f.whitelisted || f.large_customers > 0 {
        level = level.raised();
    }
    Base { points, level }
}

/// The time-free queue key: higher comes first, and
/// `score(now) = queue_key + now / HOURS_PER_POINT` (times in seconds since the epoch).
pub fn queue_key(points: f64, reported_at_secs: i64) -> f64 {
    points - reported_at_secs as f64 / (HOURS_PER_POINT * 3600.0)
}

/// The score at `now` of a blockage reported at `reported_at` with `points`.
pub fn score(points: f64, reported_at_secs: i64, now_secs: i64) -> f64 {
    points + waited_hours(reported_at_secs, now_secs) / HOURS_PER_POINT
}

/// Hours since the report (0 for a clock behind the report).
pub fn waited_hours(reported_at_secs: i64, now_secs: i64) -> f64 {
    (now_secs - reported_at_secs).max(0) as f64 / 3600.0
}

fn pct(x: f64) -> String {
    let v = x * 100.0;
    if v >= 10.0 {
        format!("{v:.0}%")
    } else if v >= 0.1 {
        format!("{v:.1}%")
    } else {
        format!("{v:.2}%")
    }
}

/// Why a blockage stands where it does, in Chinese and in English, from its facts and its wait.
pub fn explain(f: &Facts, waited_hours: f64) -> (String, String) {
    let b = base(f);
    let mut zh: Vec<String> = Vec::new();
    let mut en: Vec<String> = Vec::new();
    match f.stake {
        Some(s) => {
            let top = 1.0 - rank(f);
            zh.push(format!(
                "该企业停产将波及全网产出的{}、就业的{}，影响程度居全部企业前{}",
                pct(s.output_share),
                pct(s.jobs_share),
                pct(top.max(0.0001))
            ));
            en.push(format!(
                "if the firm stops, {} of the network's output and {} of its jobs are at stake, in the top {} of all firms",
                pct(s.output_share),
                pct(s.jobs_share),
                pct(top.max(0.0001))
            ));
        }
        None => {
            zh.push("尚无供应链分析评估该企业".to_owned());
            en.push("no analysis has assessed the firm yet".to_owned());
        }
    }
    if f.whitelisted {
        zh.push("企业在白名单内".to_owned());
        en.push("the firm is on the whitelist".to_owned());
    }
    if f.large_customers > 0 {
        zh.push(format!("为{}家大型企业供应关键投入品", f.large_customers));
        en.push(format!(
            "it supplies an essential input to {} large firm{}",
            f.large_customers,
            if f.large_customers == 1 { "" } else { "s" }
        ));
    }
    let days = waited_hours / 24.0;
    if waited_hours >= 1.0 {
        zh.push(if days >= 1.0 {
            format!("已等待{days:.1}天")
        } else {
            format!("已等待{waited_hours:.0}小时")
        });
        en.push(if days >= 1.0 {
            format!("waiting for {days:.1} days")
        } else {
            format!("waiting for {waited_hours:.0} hours")
        });
    }
    (format!("{}：{}。", b.level.zh(), zh.join("；")), format!("{}: {}.", b.level.as_str(), en.join("; ")))
}

/// Service levels: hours to assign and hours to resolve, per level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sla {
    /// Hours from report (or escalation, or reopening) to assignment, per level (LOW first).
    pub assign_hours: [u32; 4],
    /// Hours from assignment (or escalation) to resolution, per level (LOW first).
    pub resolve_hours: [u32; 4],
}

impl Default for Sla {
    fn default() -> Self {
        Self { assign_hours: [24, 8, 4, 2], resolve_hours: [168, 72, 48, 24] }
    }
}

/// Longest SLA target, in hours (a year).
pub const MAX_SLA_HOURS: u32 = 8_784;

impl Sla {
    /// Checks that every target is 1 hour to a year, and that more urgent levels are not slower.
    pub fn check(&self) -> Result<(), String> {
        for (what, hours) in [("assign", self.assign_hours), ("resolve", self.resolve_hours)] {
            if hours.iter().any(|h| !(1..=MAX_SLA_HOURS).contains(h)) {
                return Err(format!("every {what} target must be 1 to {MAX_SLA_HOURS} hours"));
            }
            if hours.windows(2).any(|w| w[1] > w[0]) {
                return Err(format!("{what} targets must not grow with urgency (LOW, MEDIUM, HIGH, CRITICAL)"));
            }
        }
        Ok(())
    }

    fn index(level: PriorityLevel) -> usize {
        level as usize
    }

    /// When a blockage in `status` at `level`, whose SLA clock started at `since`, breaches its
    /// SLA; none when no SLA runs (resolved, closed, refused).
    pub fn due(&self, status: BlockageStatus, level: PriorityLevel, since_secs: i64) -> Option<i64> {
        let hours = match status {
            BlockageStatus::Reported | BlockageStatus::Reopened => self.assign_hours[Self::index(level)],
            BlockageStatus::Assigned | BlockageStatus::InProgress => self.resolve_hours[Self::index(level)],
            _ => return None,
        };
        Some(since_secs + i64::from(hours) * 3600)
    }
}

/// Whether a step from `from` to `to` restarts the SLA clock: entering the queue again (reopen)
/// and the first assignment (the resolve clock starts). Handing a blockage on within work does
/// not, so reassigning cannot reset a breach that is due.
pub fn restarts_clock(from: BlockageStatus, to: BlockageStatus) -> bool {
    use BlockageStatus as S;
    matches!((from, to), (S::Reported | S::Reopened, S::Assigned) | (_, S::Reopened))
}

/// Percentile of `x` among `sorted` values (ascending): the share strictly below it.
pub fn percentile(sorted: &[f64], x: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted.partition_point(|v| *v < x) as f64 / sorted.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(p: f64, whitelisted: bool, large: u32) -> Facts {
        Facts {
            run: Some(1),
            stake: Some(Stake {
                output_share: p / 10.0,
                jobs_share: p / 20.0,
                output_percentile: p,
                jobs_percentile: 0.0,
            }),
            whitelisted,
            large_customers: large,
        }
    }

    #[test]
    fn points_add_up_and_levels_follow_the_rank_raised_once() {
        use PriorityLevel as L;
        let cases = [
            (facts(0.995, false, 0), 59.7, L::Critical),
            (facts(0.95, false, 0), 57.0, L::High),
            (facts(0.6, false, 0), 36.0, L::Medium),
            (facts(0.2, false, 0), 12.0, L::Low),
            (facts(0.2, true, 0), 32.0, L::Medium),
            (facts(0.2, false, 3), 32.0, L::Medium),
            (facts(0.2, true, 3), 52.0, L::Medium),
            (facts(0.95, true, 1), 97.0, L::Critical),
            (facts(0.995, true, 1), 99.7, L::Critical),
            (Facts::default(), 0.0, L::Low),
            (Facts { whitelisted: true, ..Facts::default() }, 20.0, L::Medium),
        ];
        for (f, points, level) in cases {
            let b = base(&f);
            assert!((b.points - points).abs() < 1e-9, "{f:?}: {}", b.points);
            assert_eq!(b.level, level, "{f:?}");
        }
        // jobs rank counts when it is the higher one
        let jobs = Facts {
            stake: Some(Stake { output_share: 0.0, jobs_share: 0.1, output_percentile: 0.1, jobs_percentile: 0.92 }),
            ..Facts::default()
        };
        assert_eq!(base(&jobs).level, L::High);
    }

    #[test]
    fn the_queue_key_orders_as_the_score_does_at_any_time() {
        let a = (50.0, 1_000_000i64); // bigger, newer
        let b = (40.0, 1_000_000 - 30 * 3600); // smaller, waited 30 hours longer: +5 points
        let c = (45.0, 1_000_000 - 60 * 3600); // waited 60 hours longer: +10 points
        for now in [1_000_000i64, 1_100_000, 5_000_000] {
            let mut by_score = [a, b, c];
            by_score.sort_by(|x, y| score(y.0, y.1, now).total_cmp(&score(x.0, x.1, now)));
            let mut by_key = [a, b, c];
            by_key.sort_by(|x, y| queue_key(y.0, y.1).total_cmp(&queue_key(x.0, x.1)));
            assert_eq!(by_score, by_key);
            for x in [a, b, c] {
                let s = queue_key(x.0, x.1) + now as f64 / (HOURS_PER_POINT * 3600.0);
                assert!((s - score(x.0, x.1, now)).abs() < 1e-6);
            }
        }
        assert_eq!(score(50.0, 100, 50), 50.0, "a clock behind the report adds nothing");
        // c (45 + 10) outranks a (50) once both are compared at the same time
        assert!(queue_key(c.0, c.1) > queue_key(a.0, a.1));
        assert!(queue_key(a.0, a.1) > queue_key(b.0, b.1) - 1e-9);
    }

    #[test]
    fn explanations_name_the_reasons_in_both_languages() {
        let (zh, en) = explain(&facts(0.995, true, 2), 30.0);
        assert!(zh.starts_with("特急："), "{zh}");
        assert!(zh.contains("白名单") && zh.contains("2家大型企业") && zh.contains("1.2天"), "{zh}");
        assert!(en.starts_with("CRITICAL: "), "{en}");
        assert!(en.contains("whitelist") && en.contains("2 large firms") && en.contains("1.2 days"), "{en}");
        assert!(en.contains("% of the network's output") && en.contains("top 0.5% of all firms"), "{en}");
        let (zh, en) = explain(&Facts::default(), 0.2);
        assert_eq!(zh, "一般：尚无供应链分析评估该企业。");
        assert_eq!(en, "LOW: no analysis has assessed the firm yet.");
    }

    #[test]
    fn sla_due_times_by_status_and_level_and_clock_restarts() {
        use BlockageStatus as S;
        use PriorityLevel as L;
        let sla = Sla::default();
        assert!(sla.check().is_ok());
        assert_eq!(sla.due(S::Reported, L::Critical, 0), Some(2 * 3600));
        assert_eq!(sla.due(S::Reopened, L::Low, 10), Some(10 + 24 * 3600));
        assert_eq!(sla.due(S::InProgress, L::High, 0), Some(48 * 3600));
        for s in [S::Resolved, S::Closed, S::Rejected, S::Duplicate] {
            assert_eq!(sla.due(s, L::Critical, 0), None);
        }
        assert!(Sla { assign_hours: [1, 2, 3, 4], ..sla }.check().is_err(), "faster for LOW than CRITICAL");
        assert!(Sla { assign_hours: [0, 0, 0, 0], ..sla }.check().is_err());
        assert!(restarts_clock(S::Reported, S::Assigned));
        assert!(!restarts_clock(S::Assigned, S::Assigned), "handing on does not reset the clock");
        assert!(!restarts_clock(S::InProgress, S::Assigned));
        assert!(restarts_clock(S::Closed, S::Reopened));
        assert!(!restarts_clock(S::Assigned, S::InProgress));
    }

    #[test]
    fn percentiles_count_strictly_lower_values() {
        let v = [0.0, 0.0, 1.0, 2.0, 3.0];
        assert_eq!(percentile(&v, 0.0), 0.0);
        assert_eq!(percentile(&v, 2.0), 0.6);
        assert_eq!(percentile(&v, 9.0), 1.0);
        assert_eq!(percentile(&[], 1.0), 0.0);
    }
}
