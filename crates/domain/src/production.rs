//! Production status (复工达产): what a firm reports about its capacity and staff, and how a chain's
//! resumption is summed up from the latest reports. Pure.
use crate::access::{Role, Viewer};
use crate::error::{ErrorCode, ValidationError};
use crate::firm::FirmId;
use crate::region::RegionCode;
use crate::text::TextRule;

/// A note with a report (0 to 500 characters).
pub const NOTE: TextRule = TextRule { what: "note", min_chars: 0, max_chars: 500, multiline: true };
/// Most staff one firm reports.
pub const MAX_STAFF: i32 = 10_000_000;

/// A checked production report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Share of normal capacity running now, 0 to 100.
    pub capacity_percent: i32,
    /// Staff at work on site.
    pub staff_on_site: i32,
    /// Staff in total.
    pub staff_total: i32,
    /// Free text.
    pub note: String,
}

/// Checks a report; every problem with its field name.
pub fn check_report(
    capacity_percent: i32,
    staff_on_site: i32,
    staff_total: i32,
    note: Option<&str>,
) -> Result<Report, Vec<(&'static str, ValidationError)>> {
    let mut errors = Vec::new();
    if !(0..=100).contains(&capacity_percent) {
        errors
            .push(("capacityPercent", ValidationError::new(ErrorCode::OutOfRange, "capacityPercent must be 0 to 100")));
    }
    if !(0..=MAX_STAFF).contains(&staff_total) {
        errors.push((
            "staffTotal",
            ValidationError::new(ErrorCode::OutOfRange, format!("staffTotal must be 0 to {MAX_STAFF}")),
        ));
    }
    if !(0..=MAX_STAFF).contains(&staff_on_site) || staff_on_site > staff_total {
        errors
            .push(("staffOnSite", ValidationError::new(ErrorCode::OutOfRange, "staffOnSite must be 0 to staffTotal")));
    }
    let note = match NOTE.clean(note.unwrap_or("")) {
        Ok(n) => Some(n),
        Err(e) => {
            errors.push(("note", e));
            None
        }
    };
    match note {
        Some(note) if errors.is_empty() => Ok(Report { capacity_percent, staff_on_site, staff_total, note }),
        _ => Err(errors),
    }
}

/// Whether a firm at `capacity_percent` is back at work (复工): anything above zero.
pub fn is_back(capacity_percent: i32) -> bool {
    capacity_percent > 0
}

/// A chain's (or region's) resumption from its firms' latest reports.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Resumption {
    /// Firms in scope.
    pub firms: u64,
    /// Firms that have reported.
    pub reported: u64,
    /// Reporting firms back at work (capacity above zero).
    pub back: u64,
    /// Reporting firms at full capacity (达产, 100%).
    pub at_full_capacity: u64,
    /// `back / reported`; none before any report.
    pub back_share: Option<f64>,
    /// Capacity of the reporting firms weighted by their annual revenue (0 to 1); none when no
    /// reporting firm has a revenue on record.
    pub output_weighted_capacity: Option<f64>,
    /// Staff on site over staff in total, among reporting firms; none without staff.
    pub staff_share: Option<f64>,
}

/// Sums up `firms`: each firm's revenue (10,000 CNY, if known) and latest report (capacity
/// percent, staff on site, staff total), if any.
pub fn resumption(firms: impl IntoIterator<Item = (Option<f64>, Option<(i32, i32, i32)>)>) -> Resumption {
    let mut r = Resumption::default();
    let (mut weighted, mut weight, mut on_site, mut total) = (0.0, 0.0, 0i64, 0i64);
    for (revenue, report) in firms {
        r.firms += 1;
        let Some((capacity, staff_on_site, staff_total)) = report else { continue };
        r.reported += 1;
        if is_back(capacity) {
            r.back += 1;
        }
        if capacity >= 100 {
            r.at_full_capacity += 1;
        }
        if let Some(w) = revenue.filter(|w| w.is_finite() && *w > 0.0) {
            weighted += w * f64::from(capacity) / 100.0;
            weight += w;
        }
        on_site += i64::from(staff_on_site);
        total += i64::from(staff_total);
    }
    r.back_share = (r.reported > 0).then(|| r.back as f64 / r.reported as f64);
    r.output_weighted_capacity = (weight > 0.0).then(|| weighted / weight);
    r.staff_share = (total > 0).then(|| on_site as f64 / total as f64);
    r
}

impl Viewer {
    /// Reporting a firm's production: its own ENTERPRISE account, a BUREAU covering it, or ADMIN
    /// (a COORDINATOR coordinates blockages, it does not speak for a firm's output).
    pub fn can_report_production(&self, firm: FirmId, region: &RegionCode) -> bool {
        match self.role() {
            Role::Admin => true,
            Role::Enterprise => self.binding.firm() == Some(firm),
            Role::Bureau => self.binding.jurisdiction().is_some_and(|j| j.covers(region)),
            Role::Coordinator => false,
        }
    }

    /// Learning the name of a firm `depth` steps upstream of a firm whose bottlenecks the viewer
    /// reads: its direct suppliers, anything for offices covering that upstream firm, everything
    /// for admins. Deeper suppliers of an ENTERPRISE's firm are its suppliers' suppliers: another
    /// firm's supplier list.
    pub fn may_name_upstream(&self, depth: u32, region: &RegionCode) -> bool {
        match self.role() {
            Role::Admin => true,
            Role::Enterprise => depth == 1,
            Role::Bureau | Role::Coordinator => {
                depth == 1 || self.binding.jurisdiction().is_some_and(|j| j.covers(region))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::access::test_viewer as viewer;

    #[test]
    fn who_reports_production_and_who_learns_upstream_names() {
        let hz = RegionCode::parse("330106").unwrap();
        let nb = RegionCode::parse("330203").unwrap();
        let own = viewer(Role::Enterprise, None, Some(7));
        let other = viewer(Role::Enterprise, None, Some(8));
        let bureau = viewer(Role::Bureau, Some("3301"), None);
        let coordinator = viewer(Role::Coordinator, Some("3301"), None);
        let admin = viewer(Role::Admin, None, None);
        for (v, may) in [(&own, true), (&other, false), (&bureau, true), (&coordinator, false), (&admin, true)] {
            assert_eq!(v.can_report_production(FirmId(7), &hz), may, "{:?}", v.binding);
        }
        assert!(!bureau.can_report_production(FirmId(7), &nb), "outside its jurisdiction");
        // (viewer, depth, region of the upstream firm, may name it)
        for (v, depth, region, may) in [
            (&own, 1, &nb, true),
            (&own, 2, &hz, false),
            (&coordinator, 2, &hz, true),
            (&coordinator, 2, &nb, false),
            (&coordinator, 1, &nb, true),
            (&admin, 5, &nb, true),
        ] {
            assert_eq!(v.may_name_upstream(depth, region), may, "{:?} {depth} {region:?}", v.binding);
        }
    }

    #[test]
    fn reports_are_checked_field_by_field() {
        assert_eq!(check_report(80, 90, 100, Some(" 夜班恢复 ")).unwrap().note, "夜班恢复");
        assert!(check_report(0, 0, 0, None).is_ok());
        let errs = check_report(101, 120, 100, Some("\u{202E}x")).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.0).collect();
        assert_eq!(fields, ["capacityPercent", "staffOnSite", "note"]);
        assert_eq!(check_report(-1, 0, -5, None).unwrap_err().len(), 3);
    }

    #[test]
    fn resumption_weighs_capacity_by_revenue_and_counts_only_reporting_firms() {
        let r = resumption([
            (Some(300.0), Some((100, 50, 50))),
            (Some(100.0), Some((0, 0, 40))),
            (None, Some((50, 5, 10))),
            (Some(1_000.0), None),
        ]);
        assert_eq!((r.firms, r.reported, r.back, r.at_full_capacity), (4, 3, 2, 1));
        assert!((r.back_share.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!((r.output_weighted_capacity.unwrap() - 0.75).abs() < 1e-12);
        assert!((r.staff_share.unwrap() - 0.55).abs() < 1e-12);
        let none = resumption([(Some(1.0), None)]);
        assert_eq!((none.back_share, none.output_weighted_capacity, none.staff_share), (None, None, None));
    }
}
