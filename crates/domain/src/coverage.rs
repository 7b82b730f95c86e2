//! A firm's own view of its supply base: how much of what it declared its suppliers have
//! confirmed, and which essential inputs hang on one supplier. Pure; the API feeds it the firm's
//! links.
use std::collections::BTreeMap;

use crate::{Essentiality, FirmId, IndustryCode, IndustryLevel, LinkStatus, Verification};

/// One of the firm's supplier links, as coverage needs it.
#[derive(Debug, Clone)]
pub struct SupplyInput {
    /// The supplier.
    pub supplier: FirmId,
    /// Its industry.
    pub industry: IndustryCode,
    /// Whether a bureau stands behind the supplier.
    pub verification: Verification,
    /// Annual value, 10k CNY.
    pub value: f64,
    /// How the firm depends on it.
    pub essentiality: Essentiality,
    /// Declared, confirmed or rejected.
    pub status: LinkStatus,
}

/// Essential input of one industry.
#[derive(Debug, Clone, PartialEq)]
pub struct IndustryCoverage {
    /// Industry code at the substitution level.
    pub industry: String,
    /// Essential value bought from it (rejected links left out).
    pub essential_value: f64,
    /// Of which suppliers have confirmed.
    pub confirmed_value: f64,
    /// Distinct suppliers.
    pub suppliers: u32,
}

impl IndustryCoverage {
    /// Share of the industry's essential value whose suppliers have confirmed.
    pub fn confirmed_share(&self) -> f64 {
        if self.essential_value > 0.0 { self.confirmed_value / self.essential_value } else { 0.0 }
    }
}

/// An essential input that comes (almost) all from one supplier.
#[derive(Debug, Clone, PartialEq)]
pub struct SingleSource {
    /// Industry code at the substitution level.
    pub industry: String,
    /// The supplier.
    pub supplier: FirmId,
    /// Its share of the industry's essential value, in [threshold, 1].
    pub share: f64,
}

/// The coverage of a firm's supply base.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Coverage {
    /// Links still DECLARED (waiting for a confirmation).
    pub declared: u32,
    /// Links CONFIRMED.
    pub confirmed: u32,
    /// Links REJECTED by the supplier.
    pub rejected: u32,
    /// Links to PENDING suppliers (any status).
    pub pending: u32,
    /// Essential value of non-rejected links.
    pub essential_value: f64,
    /// Of which confirmed.
    pub confirmed_essential_value: f64,
    /// Per industry, by code.
    pub by_industry: Vec<IndustryCoverage>,
    /// Single sources, largest share first.
    pub single_sources: Vec<SingleSource>,
}

impl Coverage {
    /// Share of the essential input whose suppliers have confirmed; `None` without essential input.
    pub fn confirmed_share(&self) -> Option<f64> {
        (self.essential_value > 0.0).then(|| self.confirmed_essential_value / self.essential_value)
    }
}

/// Counts the links, and groups essential input by the suppliers' industry at `level` (the level
/// at which the analysis treats suppliers as substitutes). A supplier providing at least
/// `sole_share` of an industry's essential value is a single source (the analysis's rule for a
/// sole essential supplier, seen from the customer). Rejected links are no input.
pub fn supplier_coverage(links: &[SupplyInput], level: IndustryLevel, sole_share: f64) -> Coverage {
    let mut c = Coverage::default();
    // industry -> supplier -> (essential value, confirmed essential value)
    let mut groups: BTreeMap<String, BTreeMap<FirmId, (f64, f64)>> = BTreeMap::new();
    for l in links {
        match l.status {
            LinkStatus::Declared => c.declared += 1,
            LinkStatus::Confirmed => c.confirmed += 1,
            LinkStatus::Rejected => c.rejected += 1,
        }
        if l.verification == Verification::Pending {
            c.pending += 1;
        }
        if l.status == LinkStatus::Rejected || l.essentiality != Essentiality::Essential {
            continue;
        }
        let confirmed = if l.status == LinkStatus::Confirmed { l.value } else { 0.0 };
        let e = groups.entry(level.key(&l.industry).to_owned()).or_default().entry(l.supplier).or_default();
        e.0 += l.value;
        e.1 += confirmed;
    }
    for (industry, suppliers) in groups {
        let total: f64 = suppliers.values().map(|v| v.0).sum();
        let confirmed: f64 = suppliers.values().map(|v| v.1).sum();
        c.essential_value += total;
        c.confirmed_essential_value += confirmed;
        for (&supplier, &(v, _)) in &suppliers {
            let share = if total > 0.0 { v / total } else { 0.0 };
            if share >= sole_share {
                c.single_sources.push(SingleSource { industry: industry.clone(), supplier, share });
            }
        }
        c.by_industry.push(IndustryCoverage {
            industry,
            essential_value: total,
            confirmed_value: confirmed,
            suppliers: u32::try_from(suppliers.len()).unwrap_or(u32::MAX),
        });
    }
    c.single_sources.sort_by(|a, b| b.share.total_cmp(&a.share).then_with(|| a.industry.cmp(&b.industry)));
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(s: i64, ind: &str, value: f64, e: Essentiality, status: LinkStatus) -> SupplyInput {
        SupplyInput {
            supplier: FirmId(s),
            industry: IndustryCode::parse(ind).unwrap(),
            verification: if s >= 100 { Verification::Pending } else { Verification::Verified },
            value,
            essentiality: e,
            status,
        }
    }

    #[test]
    fn counts_shares_and_single_sources_are_known_by_construction() {
        use Essentiality::{Essential as E, NonEssential as N};
        use LinkStatus::{Confirmed as C, Declared as D, Rejected as R};
        let links = [
            // C38 at division level: 1 confirmed 90, 2 declared 10 -> supplier 1 is a single source (0.9)
            input(1, "C3831", 90.0, E, C),
            input(2, "C3832", 10.0, E, D),
            // C36: two suppliers 50/50, one confirmed -> no single source
            input(3, "C3670", 50.0, E, C),
            input(100, "C3660", 50.0, E, D),
            // non-essential and rejected input counts in the tallies only
            input(4, "C34", 500.0, N, C),
            input(5, "C35", 70.0, E, R),
        ];
        let c = supplier_coverage(&links, IndustryLevel::Division, 0.8);
        assert_eq!((c.declared, c.confirmed, c.rejected, c.pending), (2, 3, 1, 1));
        assert_eq!(c.essential_value, 200.0);
        assert_eq!(c.confirmed_essential_value, 140.0);
        assert_eq!(c.confirmed_share(), Some(0.7));
        assert_eq!(c.by_industry.iter().map(|i| i.industry.as_str()).collect::<Vec<_>>(), ["C36", "C38"]);
        assert_eq!(c.by_industry[0].suppliers, 2);
        assert_eq!(c.single_sources, vec![SingleSource { industry: "C38".into(), supplier: FirmId(1), share: 0.9 }]);
        // at class level C3831 and C3832 are different inputs: both are single sources (share 1)
        let fine = supplier_coverage(&links, IndustryLevel::Class, 0.8);
        let singles: Vec<(String, i64)> =
            fine.single_sources.iter().map(|s| (s.industry.clone(), s.supplier.0)).collect();
        assert_eq!(singles.len(), 4, "{singles:?}");
        assert!(singles.contains(&("C3832".into(), 2)));
        // nothing essential: no share
        assert_eq!(supplier_coverage(&links[4..5], IndustryLevel::Class, 0.8).confirmed_share(), None);
    }
}
