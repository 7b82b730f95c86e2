//! The candidate list: SMEs ranked by priority score, cut at a budget.
//!
//! A province puts hundreds to a few thousand firms on its whitelist out of hundreds of thousands,
//! so the list is short by construction: by default 2% of the SMEs in scope ([`Budget::DEFAULT`]),
//! never fewer than one when any SME has impact. Only SMEs with a positive score are ranked (a firm
//! whose stoppage loses nothing beyond itself is not a key node). Ties on the score go to the firm
//! with more structural findings, then to the lower node, so the order is total and reproducible.
//! The same function ranks any scope: the whole network, a province, a chain.
use crate::assess::Assessment;
use crate::csr::Node;

/// How long the list is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    /// This share of the SMEs in scope, in (0, 1].
    Share(f64),
    /// Exactly this many (at most the SMEs with impact).
    Count(usize),
}

impl Budget {
    /// 2% of the SMEs in scope.
    pub const DEFAULT: Self = Self::Share(0.02);

    /// The list length for a scope with `smes` SMEs: the share rounded down (so the list never
    /// exceeds it), but at least one when the scope has SMEs.
    pub fn size(self, smes: usize) -> usize {
        match self {
            Self::Share(s) => {
                let n = (s.clamp(0.0, 1.0) * smes as f64).floor() as usize;
                if smes > 0 { n.max(1) } else { 0 }
            }
            Self::Count(n) => n,
        }
    }

    /// Parses `N` (a count) or `P%` / a share in (0, 1) like `0.02`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let bad =
            || format!("`{t}` is not a budget: give a count like 500, a percentage like 2%, or a share like 0.02");
        if let Some(p) = t.strip_suffix('%') {
            let v: f64 = p.trim().parse().map_err(|_| bad())?;
            return if v > 0.0 && v <= 100.0 { Ok(Self::Share(v / 100.0)) } else { Err(bad()) };
        }
        if let Ok(n) = t.parse::<usize>() {
            return if n > 0 { Ok(Self::Count(n)) } else { Err(bad()) };
        }
        let v: f64 = t.parse().map_err(|_| bad())?;
        if v > 0.0 && v < 1.0 { Ok(Self::Share(v)) } else { Err(bad()) }
    }
}

/// The ranked SMEs of one scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// SMEs with a positive score, best first.
    pub order: Vec<Node>,
    /// SMEs in scope (with or without impact): the base of the budget and the percentiles.
    pub smes: usize,
    /// The list length (the budget, at most `order.len()`).
    pub size: usize,
}

impl Ranking {
    /// The list: the first `size` of the order.
    pub fn list(&self) -> &[Node] {
        &self.order[..self.size.min(self.order.len())]
    }

    /// Percentile of the firm at 1-based `rank`: the share of the scope's SMEs ranked at or below it.
    pub fn percentile(&self, rank: u32) -> f64 {
        if self.smes == 0 {
            return 0.0;
        }
        100.0 * (1.0 - f64::from(rank.saturating_sub(1)) / self.smes as f64)
    }
}

/// Ranks the SMEs among `members` by priority score (ties: more structural findings, then lower
/// node) and cuts the list at `budget`. `is_sme` says which firms are SMEs.
pub fn rank(
    members: impl IntoIterator<Item = Node>,
    a: &[Assessment],
    is_sme: impl Fn(Node) -> bool,
    budget: Budget,
) -> Ranking {
    let mut smes = 0usize;
    let mut order: Vec<Node> = Vec::new();
    for v in members {
        if !is_sme(v) {
            continue;
        }
        smes += 1;
        if a[v as usize].priority_score > 0.0 {
            order.push(v);
        }
    }
    order.sort_by(|&x, &y| {
        let (ax, ay) = (&a[x as usize], &a[y as usize]);
        ay.priority_score
            .total_cmp(&ax.priority_score)
            .then(ay.structural_findings().cmp(&ax.structural_findings()))
            .then(x.cmp(&y))
    });
    let size = budget.size(smes).min(order.len());
    Ranking { order, smes, size }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_read_counts_percentages_and_shares_and_never_exceed_their_share() {
        assert_eq!(Budget::parse("500"), Ok(Budget::Count(500)));
        assert_eq!(Budget::parse("2%"), Ok(Budget::Share(0.02)));
        assert_eq!(Budget::parse("0.05"), Ok(Budget::Share(0.05)));
        for bad in ["0", "-1", "0%", "150%", "1.5", "two"] {
            assert!(Budget::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Budget::DEFAULT.size(97_273), 1_945, "2% of 97,273 rounded down");
        assert_eq!(Budget::DEFAULT.size(3), 1, "a small scope still lists its first firm");
        assert_eq!(Budget::DEFAULT.size(0), 0);
    }
}
