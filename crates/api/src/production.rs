//! Production status (复工达产): `reportProductionStatus`, `Firm.productionStatus`,
//! `chainResumption`, `bottlenecks` and the `productionStatusChanged` subscription. The rules are
//! `linchpin_domain::production`; the cascade behind `bottlenecks` is the ESRI scenario of
//! `linchpin_graph`.
use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use linchpin_domain::production::{self as rules, check_report};
use linchpin_domain::{ChainCode, ErrorCode, FirmId, Jurisdiction, Reach, Role, SizeClass, Uscc, ValidationError};
use linchpin_graph::{Esri, Node, essential_upstream, held_back};
use linchpin_store::production::{self as repo, ReportRecord};
use linchpin_store::whitelist::Actor;
use linchpin_store::{blockage, firms};
use serde::Serialize;
use tracing::instrument;

use crate::audit_log::Change;
use crate::error::{ApiError, UserError};
use crate::events::{NetworkEvent, NetworkEventKind, ProductionNote};
use crate::guard::{self, require};
use crate::ids::{self, Kind};
use crate::mutations::{FieldErrors, Outcome, Write, payload, respond};
use crate::types::firm::Firm;

/// What a firm reported about its production.
#[derive(Debug, Clone)]
pub struct ProductionStatus(pub ReportRecord);

/// What a firm reported about its production (复工达产), as of `reportedAt`.
#[Object]
impl ProductionStatus {
    /// Share of normal capacity running, 0 to 100.
    async fn capacity_percent(&self) -> i32 {
        self.0.report.capacity_percent
    }

    /// Back at work (复工): capacity above zero.
    async fn back(&self) -> bool {
        rules::is_back(self.0.report.capacity_percent)
    }

    /// Staff at work on site.
    async fn staff_on_site(&self) -> i32 {
        self.0.report.staff_on_site
    }

    /// Staff in total.
    async fn staff_total(&self) -> i32 {
        self.0.report.staff_total
    }

    /// The reporter's note.
    async fn note(&self) -> &str {
        &self.0.report.note
    }

    /// When it was reported.
    async fn reported_at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// The reporting account.
    async fn reported_by(&self) -> &str {
        &self.0.actor.name
    }
}

/// Most reports `Firm.productionHistory` returns.
pub const MAX_HISTORY: i32 = 100;

/// `Firm.productionStatus` and `Firm.productionHistory`: for those who may see the firm's
/// details.
pub(crate) async fn of_firm(
    ctx: &Context<'_>,
    firm: &linchpin_domain::FirmRecord,
    last: i32,
) -> Result<Option<Vec<ProductionStatus>>, ApiError> {
    let viewer = guard::viewer(ctx)?;
    if !viewer.can_see_firm_details(firm.id, &firm.firm.region) {
        return Ok(None);
    }
    if !(1..=MAX_HISTORY).contains(&last) {
        return Err(ApiError::Validation(format!("`last` must be 1 to {MAX_HISTORY}")));
    }
    if last == 1 {
        // the latest report of every firm of a list in one statement
        return Ok(Some(
            crate::loaders::latest_production(ctx, firm.id).await?.into_iter().map(ProductionStatus).collect(),
        ));
    }
    let state = guard::state(ctx)?;
    let found = repo::history(state.store.db(), firm.id, last as u64).await?;
    Ok(Some(found.into_iter().map(ProductionStatus).collect()))
}

/// A firm's production report.
#[derive(InputObject, Debug)]
pub struct ReportProductionStatusInput {
    /// USCC of the firm.
    pub uscc: String,
    /// Share of normal capacity running now, 0 to 100.
    pub capacity_percent: i32,
    /// Staff at work on site (at most `staffTotal`).
    pub staff_on_site: i32,
    /// Staff in total (0 to 10,000,000).
    pub staff_total: i32,
    /// A note (at most 500 characters).
    pub note: Option<String>,
}

/// Result of `reportProductionStatus`.
#[derive(SimpleObject, Default)]
pub struct ProductionStatusPayload {
    /// The report as stored.
    pub status: Option<ProductionStatus>,
    /// Why it was not stored; empty on success.
    pub user_errors: Vec<UserError>,
}

payload!(ProductionStatusPayload, status: ProductionStatus);

async fn report(ctx: &Context<'_>, input: ReportProductionStatusInput) -> Outcome<ProductionStatus> {
    let viewer = guard::viewer(ctx)?;
    require(matches!(viewer.role(), Role::Admin | Role::Bureau | Role::Enterprise))?;
    let state = guard::state(ctx)?;
    let mut errors = FieldErrors::default();
    let uscc = errors.take("uscc", Uscc::parse(&input.uscc));
    let report =
        match check_report(input.capacity_percent, input.staff_on_site, input.staff_total, input.note.as_deref()) {
            Ok(r) => Some(r),
            Err(list) => {
                errors.0.extend(list.into_iter().map(|(f, e)| UserError::on(f, e)));
                None
            }
        };
    let (Some(uscc), Some(report)) = (uscc, report) else { return Err(errors.into()) };
    let now = state.clock.now();
    let w = Write::begin(ctx).await?;
    let Some(firm) = firms::find_by_uscc(w.txn(), uscc.as_str()).await? else {
        return Err(UserError::unknown_firm("uscc", &uscc).into());
    };
    if !viewer.can_report_production(firm.id, &firm.firm.region) {
        return Err(UserError::on(
            "uscc",
            ValidationError::new(
                ErrorCode::NotInJurisdiction,
                "production is reported by the firm itself or by a bureau covering it",
            ),
        )
        .into());
    }
    let stored = repo::insert(w.txn(), firm.id, &report, &Actor::of(viewer), now).await?;
    #[derive(Serialize)]
    struct Reported<'a> {
        capacity_percent: i32,
        staff_on_site: i32,
        staff_total: i32,
        note: &'a str,
    }
    let after = Reported {
        capacity_percent: report.capacity_percent,
        staff_on_site: report.staff_on_site,
        staff_total: report.staff_total,
        note: &report.note,
    };
    let audit = Change {
        action: "production.report",
        object_type: "firm",
        object_id: ids::encode(Kind::Firm, firm.id.0).0,
        regions: vec![firm.firm.region.as_str().to_owned()],
        before: None::<&()>,
        after: Some(&after),
    };
    let mut ev = NetworkEvent::now(NetworkEventKind::ProductionStatusChanged, Some(ids::encode(Kind::Firm, firm.id.0)));
    ev.production = Some(ProductionNote {
        report: stored.id,
        firm: firm.id.0,
        region: firm.firm.region.as_str().to_owned(),
        chains: firm.firm.chains.iter().map(|c| c.as_str().to_owned()).collect(),
    });
    w.commit(viewer, audit, Some(ev)).await?;
    Ok(ProductionStatus(stored))
}

/// Production reports.
#[derive(Default)]
pub struct ProductionMutations;

/// Production reports (复工达产).
#[Object]
impl ProductionMutations {
    /// Records a firm's production status (capacity, staff on site), kept as a history: the firm's
    /// own ENTERPRISE account, a BUREAU covering it, or ADMIN (COORDINATOR gets FORBIDDEN). Refusals:
    /// NOT_IN_JURISDICTION, NOT_FOUND, OUT_OF_RANGE, INVALID_TEXT, INVALID_USCC.
    #[instrument(skip_all)]
    async fn report_production_status(
        &self,
        ctx: &Context<'_>,
        input: ReportProductionStatusInput,
    ) -> Result<ProductionStatusPayload, ApiError> {
        respond(report(ctx, input).await)
    }
}

/// How far a chain (in a region) is back at work, from its firms' latest reports.
#[derive(SimpleObject, Debug)]
pub struct ChainResumption {
    /// The chain (null for every chain).
    pub chain: Option<String>,
    /// The region prefix (null for everywhere the viewer may see).
    pub region_prefix: Option<String>,
    /// Registered firms in scope.
    pub firms: i64,
    /// Firms that have reported.
    pub reported: i64,
    /// Reporting firms back at work (复工: capacity above zero).
    pub back: i64,
    /// Reporting firms at full capacity (达产: 100%).
    pub at_full_capacity: i64,
    /// `back / reported`; null before any report.
    pub back_share: Option<f64>,
    /// Capacity of the reporting firms weighted by annual revenue (0 to 1); null when none has a
    /// revenue on record.
    pub output_weighted_capacity: Option<f64>,
    /// Staff on site over staff in total, among reporting firms.
    pub staff_share: Option<f64>,
}

/// `chainResumption`: ADMIN anywhere; BUREAU and COORDINATOR within their jurisdiction (the
/// prefix defaults to it and must lie inside it).
pub(crate) async fn resumption(
    ctx: &Context<'_>,
    chain: Option<String>,
    region_prefix: Option<String>,
) -> Result<ChainResumption, ApiError> {
    let viewer = guard::viewer(ctx)?;
    require(matches!(viewer.role(), Role::Admin | Role::Bureau | Role::Coordinator))?;
    let state = guard::state(ctx)?;
    let invalid = |e: ValidationError| ApiError::Validation(e.message);
    let chain = chain.as_deref().map(ChainCode::parse).transpose().map_err(invalid)?;
    let wanted = region_prefix.as_deref().map(Jurisdiction::parse).transpose().map_err(invalid)?;
    let prefix = match Jurisdiction::reach(viewer.binding.jurisdiction(), wanted) {
        Reach::Within(w) => w,
        Reach::Wider(_) | Reach::Disjoint => return Err(ApiError::Forbidden),
    };
    let db = state.store.db();
    let scope = repo::firms_in_scope(db, chain.as_ref().map(ChainCode::as_str), prefix.as_ref()).await?;
    let ids: Vec<FirmId> = scope.iter().map(|(f, _)| *f).collect();
    let latest = repo::latest(db, &ids).await?;
    let r = rules::resumption(scope.iter().map(|(f, revenue)| {
        let rep = latest.get(f).map(|r| (r.report.capacity_percent, r.report.staff_on_site, r.report.staff_total));
        (*revenue, rep)
    }));
    let n = |x: u64| i64::try_from(x).unwrap_or(i64::MAX);
    Ok(ChainResumption {
        chain: chain.map(|c| c.as_str().to_owned()),
        region_prefix: prefix.map(|j| j.as_str().to_owned()),
        firms: n(r.firms),
        reported: n(r.reported),
        back: n(r.back),
        at_full_capacity: n(r.at_full_capacity),
        back_share: r.back_share,
        output_weighted_capacity: r.output_weighted_capacity,
        staff_share: r.staff_share,
    })
}

/// Why a firm upstream holds the firm back.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BottleneckState {
    /// Reported at 0% capacity.
    Down,
    /// Reported below 100%.
    PartlyDown,
    /// Reported at full capacity (or not reported) but with open blockages.
    Blocked,
}

/// A firm upstream on an essential supply path that is down, partly down or blocked.
#[derive(SimpleObject)]
pub struct Bottleneck {
    /// The firm; null when the viewer may not learn who supplies its suppliers (a firm's own
    /// account sees its direct suppliers by name, and deeper ones only through `via`).
    pub firm: Option<Firm>,
    /// The firm's own direct supplier through which this one holds it back.
    pub via: Firm,
    /// Steps upstream: 1 for a direct supplier.
    pub depth: i32,
    /// Why it is listed.
    pub state: BottleneckState,
    /// Its latest reported capacity (null when it has not reported).
    pub capacity_percent: Option<i32>,
    /// Its open blockages.
    pub open_blockages: i32,
    /// Share of the firm's production its reported capacity holds back (0 to 1): the ESRI cascade
    /// of that one firm at that capacity on the live network.
    pub held_back: f64,
    /// Share it would hold back if it stopped entirely.
    pub held_back_if_stopped: f64,
}

/// What holds a LARGE firm's production back upstream.
#[derive(SimpleObject)]
pub struct Bottlenecks {
    /// The firm.
    pub firm: Firm,
    /// Share of its production held back by all listed firms together at their reported
    /// capacities (one cascade).
    pub held_back: f64,
    /// Firms upstream on its essential supply paths examined.
    pub upstream_firms: i32,
    /// The bottlenecks, most held back first (then if stopped, then nearest).
    pub items: Vec<Bottleneck>,
}

/// Deepest supply path `bottlenecks` follows.
const MAX_DEPTH: u32 = 6;
/// Most upstream firms it examines.
const MAX_UPSTREAM: usize = 20_000;
/// Most bottlenecks it computes cascades for (nearest first).
const MAX_ITEMS: usize = 200;

/// `bottlenecks(uscc)`.
pub(crate) async fn bottlenecks(ctx: &Context<'_>, uscc: String) -> Result<Bottlenecks, ApiError> {
    let viewer = guard::viewer(ctx)?;
    let state = guard::state(ctx)?;
    let uscc = Uscc::parse(&uscc).map_err(|e| ApiError::Validation(e.message))?;
    let db = state.store.db();
    let Some(target) = firms::find_by_uscc(db, uscc.as_str()).await? else {
        return Err(ApiError::Validation(format!("no firm with USCC {uscc} is registered")));
    };
    require(viewer.can_see_firm_details(target.id, &target.firm.region))?;
    if target.size_class != SizeClass::Large {
        return Err(ApiError::Validation("bottlenecks are listed for LARGE firms".into()));
    }
    let loaded = crate::analysis::load(state, false, state.analysis.industry_level, state.link_trust).await?;
    let Some(&t) = loaded.index.get(&target.id) else {
        return Ok(Bottlenecks { firm: Firm::of(target), held_back: 0.0, upstream_firms: 0, items: Vec::new() });
    };
    let upstream = essential_upstream(loaded.graph(), t, MAX_DEPTH, MAX_UPSTREAM);
    let up_ids: Vec<FirmId> = upstream.iter().map(|u| loaded.id(u.node)).collect();
    let latest = repo::latest(db, &up_ids).await?;
    let open = blockage::open_counts(db, &up_ids).await?;
    // the listed ones: reported below full capacity, or with open blockages (nearest first)
    let mut listed: Vec<(linchpin_graph::Upstream, Option<i32>, u64)> = upstream
        .iter()
        .filter_map(|u| {
            let id = loaded.id(u.node);
            let cap = latest.get(&id).map(|r| r.report.capacity_percent);
            let n = open.get(&id).copied().unwrap_or(0);
            (cap.is_some_and(|c| c < 100) || n > 0).then_some((*u, cap, n))
        })
        .collect();
    listed.truncate(MAX_ITEMS);
    let params = state.analysis.esri;
    let closures: Vec<(Node, Option<i32>)> = listed.iter().map(|(u, c, _)| (u.node, *c)).collect();
    let (together, each) = tokio::task::spawn_blocking(move || {
        let g = loaded.graph();
        let esri = Esri::new(g, params);
        let at = |c: Option<i32>| f64::from(c.unwrap_or(100).clamp(0, 100)) / 100.0;
        let all: Vec<(Node, f64)> = closures.iter().map(|&(v, c)| (v, at(c))).filter(|(_, c)| *c < 1.0).collect();
        let together = held_back(&esri, t, &all);
        let each: Result<Vec<(f64, f64)>, _> = closures
            .iter()
            .map(|&(v, c)| {
                let now = if at(c) < 1.0 { held_back(&esri, t, &[(v, at(c))])? } else { 0.0 };
                Ok((now, held_back(&esri, t, &[(v, 0.0)])?))
            })
            .collect();
        (together, each.map(|e| (e, loaded)))
    })
    .await
    .map_err(|e| ApiError::internal(&e))?;
    let together = together.map_err(|e| ApiError::Validation(e.to_string()))?;
    let (each, loaded) = each.map_err(|e: linchpin_graph::GraphError| ApiError::Validation(e.to_string()))?;
    let mut wanted: Vec<FirmId> = listed.iter().flat_map(|(u, _, _)| [loaded.id(u.node), loaded.id(u.via)]).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let found = firms::get_many(db, &wanted).await?;
    let mut items = Vec::with_capacity(listed.len());
    for ((u, cap, n), (now, stopped)) in listed.iter().zip(each) {
        let (Some(f), Some(via)) = (found.get(&loaded.id(u.node)), found.get(&loaded.id(u.via))) else { continue };
        let named = viewer.may_name_upstream(u.depth, &f.firm.region);
        items.push(Bottleneck {
            firm: named.then(|| Firm::of(f.clone())),
            via: Firm::of(via.clone()),
            depth: i32::try_from(u.depth).unwrap_or(i32::MAX),
            state: match cap {
                Some(0) => BottleneckState::Down,
                Some(c) if *c < 100 => BottleneckState::PartlyDown,
                _ => BottleneckState::Blocked,
            },
            capacity_percent: *cap,
            open_blockages: i32::try_from(*n).unwrap_or(i32::MAX),
            held_back: now,
            held_back_if_stopped: stopped,
        });
    }
    items.sort_by(|a, b| {
        b.held_back
            .total_cmp(&a.held_back)
            .then(b.held_back_if_stopped.total_cmp(&a.held_back_if_stopped))
            .then(a.depth.cmp(&b.depth))
    });
    Ok(Bottlenecks {
        firm: Firm::of(target),
        held_back: together,
        upstream_firms: i32::try_from(upstream.len()).unwrap_or(i32::MAX),
        items,
    })
}

/// A production report as a subscriber receives it.
pub struct ProductionStatusChange {
    note: ProductionNote,
}

/// A firm reported its production status.
#[Object]
impl ProductionStatusChange {
    /// The firm.
    async fn firm(&self, ctx: &Context<'_>) -> Result<Firm, ApiError> {
        crate::loaders::firm(ctx, FirmId(self.note.firm)).await
    }

    /// The report.
    async fn status(&self, ctx: &Context<'_>) -> Result<Option<ProductionStatus>, ApiError> {
        let state = guard::state(ctx)?;
        Ok(repo::get(state.store.db(), self.note.report).await?.map(ProductionStatus))
    }
}

/// The `productionStatusChanged` stream of the caller: reports of firms whose details it may see,
/// on `chain` if given.
pub(crate) fn changes(
    ctx: &Context<'_>,
    chain: Option<String>,
) -> Result<impl Stream<Item = ProductionStatusChange> + use<>, ApiError> {
    let viewer = guard::viewer(ctx)?.clone();
    let state = guard::state(ctx)?;
    let chain = chain
        .as_deref()
        .map(ChainCode::parse)
        .transpose()
        .map_err(|e| ApiError::Validation(e.message))?
        .map(|c| c.as_str().to_owned());
    Ok(state.events.subscribe().filter_map(move |e| {
        let visible = e.visible_to(&viewer);
        let note = e.production.filter(|n| visible && chain.as_ref().is_none_or(|c| n.chains.contains(c)));
        std::future::ready(note.map(|note| ProductionStatusChange { note }))
    }))
}
