//! The root of every query: firms, supply links, chains, `node`, the audit trail, the key-node
//! candidates and disruption simulations.
use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object};
use linchpin_domain::{ChainCode, End, FirmId, Jurisdiction, LinkId, Role, SupplyLinkRecord, Uscc, Viewer};
use linchpin_store::audit::{self, AuditFilter};
use linchpin_store::firms::{self, FirmFilter as StoreFirmFilter};
use linchpin_store::{Store, StoreError, chains, links};
use tracing::instrument;

use crate::candidates::{BudgetInput, CandidateCursor, CandidateFilter, CandidateOrderBy, ListRequest};
use crate::connection::{IdCursor, connection, page_args};
use crate::error::ApiError;
use crate::guard::{self, require};
use crate::ids::{self, Kind};
use crate::simulate::{DisruptionSimulation, SimulateDisruptionInput};
use crate::types::assessment::Assessment;
use crate::types::audit::AuditEvent;
use crate::types::chain::Chain;
use crate::types::firm::{Firm, SizeClass, SupplyLinkConnection};
use crate::types::link::SupplyLink;
use crate::types::node::Node;
use crate::types::viewer::ViewerInfo;

/// Filters of `firms`; every given filter must hold.
#[derive(InputObject, Debug, Default)]
pub struct FirmFilter {
    /// GB/T 2260 prefix of 2 (province), 4 (city) or 6 (county) digits.
    pub region_prefix: Option<String>,
    /// Chain code the firm belongs to.
    pub chain: Option<String>,
    /// Size class.
    pub size_class: Option<SizeClass>,
    /// Text the firm's name contains (at most 100 characters; ASCII letters match either case).
    pub name_contains: Option<String>,
}

impl FirmFilter {
    fn into_store(self) -> Result<StoreFirmFilter, ApiError> {
        let invalid = |e: linchpin_domain::ValidationError| ApiError::Validation(e.message);
        if self.name_contains.as_ref().is_some_and(|n| n.chars().count() > 100) {
            return Err(ApiError::Validation("`nameContains` must be at most 100 characters".into()));
        }
        Ok(StoreFirmFilter {
            region_prefix: self.region_prefix.as_deref().map(Jurisdiction::parse).transpose().map_err(invalid)?,
            chain: self.chain.as_deref().map(ChainCode::parse).transpose().map_err(invalid)?,
            size_class: self.size_class.map(Into::into),
            name_contains: self.name_contains,
            pending: None,
        })
    }
}

/// Filters of `auditEvents`; every given filter must hold.
#[derive(InputObject, Debug, Default)]
pub struct AuditEventFilter {
    /// Exact action, e.g. `firm.update`.
    pub action: Option<String>,
    /// Exact object type, e.g. `supply_link`.
    pub object_type: Option<String>,
    /// Global id of the object.
    pub object_id: Option<String>,
    /// Exact acting username.
    pub actor: Option<String>,
}

/// Whether `viewer` may see `link`: looks up the regions of both ends.
pub(crate) async fn link_visible(store: &Store, viewer: &Viewer, link: &SupplyLinkRecord) -> Result<bool, ApiError> {
    let ends = firms::get_many(store.db(), &[link.supplier_id, link.customer_id]).await?;
    let (Some(s), Some(c)) = (ends.get(&link.supplier_id), ends.get(&link.customer_id)) else {
        return Ok(false);
    };
    Ok(viewer.can_see_link(End { firm: s.id, region: &s.firm.region }, End { firm: c.id, region: &c.firm.region }))
}

/// Whether `viewer` may see `firm`: every VERIFIED firm; a PENDING one only as
/// [`Viewer::can_see_firm`] says (an ENTERPRISE must be linked to it).
pub(crate) async fn firm_visible(
    conn: &impl linchpin_store::ConnectionTrait,
    viewer: &Viewer,
    firm: &linchpin_domain::FirmRecord,
) -> Result<bool, ApiError> {
    if firm.verification == linchpin_domain::Verification::Verified {
        return Ok(true);
    }
    let linked = match viewer.binding.firm() {
        Some(own) => own == firm.id || firms::linked(conn, own, firm.id).await?,
        None => false,
    };
    Ok(viewer.can_see_firm(firm.verification, &firm.firm.region, linked))
}

/// The root of every query.
#[derive(Default)]
pub struct QueryRoot;

/// A page of firms.
pub type FirmConnection = Connection<IdCursor, Firm>;
/// A page of audit events.
pub type AuditEventConnection = Connection<IdCursor, AuditEvent>;

/// Read access to firms, supply links, chains and the audit trail. Every field needs a signed-in
/// account (UNAUTHENTICATED otherwise); supply links are filtered to what the viewer may see.
#[Object(name = "Query")]
impl QueryRoot {
    /// The signed-in account.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<ViewerInfo, ApiError> {
        Ok(ViewerInfo(guard::viewer(ctx)?.clone()))
    }

    /// The firm with this unified social credit code, or null when none is registered.
    #[instrument(skip(self, ctx))]
    async fn firm(&self, ctx: &Context<'_>, uscc: String) -> Result<Option<Firm>, ApiError> {
        let viewer = guard::viewer(ctx)?;
        let state = guard::state(ctx)?;
        let uscc = Uscc::parse(&uscc).map_err(|e| ApiError::Validation(e.message))?;
        let Some(f) = firms::find_by_uscc(state.store.db(), uscc.as_str()).await? else { return Ok(None) };
        Ok(firm_visible(state.store.db(), viewer, &f).await?.then_some(Firm::of(f)))
    }

    /// Registered firms in registration order; `first` at most 100.
    #[instrument(skip(self, ctx))]
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn firms(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<FirmFilter>,
    ) -> Result<FirmConnection, ApiError> {
        let viewer = guard::viewer(ctx)?;
        let state = guard::state(ctx)?;
        let (limit, after) = page_args(first, after)?;
        let mut filter = filter.unwrap_or_default().into_store()?;
        filter.pending = Some(viewer.link_scope());
        let (db, after) = (state.store.db(), after.map(FirmId));
        // the chain sub-select is a fifth of a page's cost: read it only for a query that shows
        // chains (a firm read without them loads them after all should the look-ahead miss one)
        let ahead = ctx.look_ahead();
        if ahead.field("nodes").field("chains").exists() || ahead.field("edges").field("node").field("chains").exists()
        {
            let page = firms::list(db, &filter, after, limit).await?;
            Ok(connection(page, after.is_some(), |x| IdCursor(x.id.0), Firm::of))
        } else {
            let page = firms::list_without_chains(db, &filter, after, limit).await?;
            Ok(connection(page, after.is_some(), |x| IdCursor(x.id().0), Firm::without_chains))
        }
    }

    /// Supply links the viewer may see, in declaration order; `first` at most 100.
    #[instrument(skip(self, ctx))]
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn supply_links(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SupplyLinkConnection, ApiError> {
        let viewer = guard::viewer(ctx)?;
        let state = guard::state(ctx)?;
        let (limit, after) = page_args(first, after)?;
        let page = links::list(state.store.db(), &viewer.link_scope(), after.map(LinkId), limit).await?;
        Ok(connection(page, after.is_some(), |x| IdCursor(x.id.0), SupplyLink::of))
    }

    /// Every key industrial chain with its number of firms (chains are few).
    async fn chains(&self, ctx: &Context<'_>) -> Result<Vec<Chain>, ApiError> {
        guard::viewer(ctx)?;
        let state = guard::state(ctx)?;
        Ok(chains::list(state.store.db()).await?.into_iter().map(Chain::from).collect())
    }

    /// Any object by its global id, or null when there is none or the viewer may not see it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>, ApiError> {
        let viewer = guard::viewer(ctx)?;
        let state = guard::state(ctx)?;
        let db = state.store.db();
        let absent = |e: StoreError| match e {
            StoreError::NotFound(_) => Ok(None),
            other => Err(ApiError::from(other)),
        };
        // Runs carry only counts and parameters: any signed-in account may read one (each
        // assessment it can see already names its run).
        Ok(match ids::decode_any(&id) {
            Some((Kind::Firm, n)) => match firms::get(db, FirmId(n)).await {
                Ok(f) if firm_visible(db, viewer, &f).await? => Some(Node::Firm(Firm::of(f))),
                Ok(_) => None,
                Err(e) => absent(e)?,
            },
            Some((Kind::SupplyLink, n)) => match links::get(db, LinkId(n)).await {
                Ok(l) if link_visible(&state.store, viewer, &l).await? => Some(Node::SupplyLink(SupplyLink::of(l))),
                Ok(_) => None,
                Err(e) => absent(e)?,
            },
            Some((Kind::AnalysisRun, n)) => {
                linchpin_store::analysis::run(db, n).await?.map(|r| Node::AnalysisRun(r.into()))
            }
            Some((Kind::WhitelistEntry, n)) => {
                crate::whitelist::node(state, viewer, n).await?.map(Node::WhitelistEntry)
            }
            Some((Kind::Blockage, n)) => crate::blockage::node(state, viewer, n).await?.map(Node::Blockage),
            Some((Kind::Token | Kind::AuditEvent | Kind::WhitelistBatch, _)) | None => None,
        })
    }

    /// Key-node candidates of the latest analysis run: SMEs ranked by priority score (what their
    /// stoppage puts at stake), cut at a budget (the run's, 2% of the SMEs in scope by default).
    /// Ranked within a chain with `filter.chain`, within a province for a region (the filter's or a
    /// BUREAU's or COORDINATOR's jurisdiction), else in the whole network. ADMIN sees all; BUREAU
    /// and COORDINATOR see firms in their jurisdiction; ENTERPRISE is FORBIDDEN. Empty before the
    /// first run. `first` at most 100.
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn key_node_candidates(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<CandidateFilter>,
        budget: Option<BudgetInput>,
        #[graphql(default)] order_by: CandidateOrderBy,
    ) -> Result<Connection<CandidateCursor, Assessment>, ApiError> {
        let viewer = guard::viewer(ctx)?;
        require(matches!(viewer.role(), Role::Admin | Role::Bureau | Role::Coordinator))?;
        let state = guard::state(ctx)?;
        let req =
            ListRequest { first, after, filter: filter.unwrap_or_default(), budget, order: order_by, unlisted: None };
        crate::candidates::list(state, viewer, req).await
    }

    /// The whitelist (重点产业链供应链"白名单"), by entry: every signed-in account sees published
    /// entries (mutual recognition across regions); nominations, reviews, rejections and approved
    /// entries not yet published only within the jurisdiction that decides them (an enterprise:
    /// those of its firm and those it recommended). `first` at most 100.
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn whitelist(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<crate::whitelist::WhitelistFilter>,
    ) -> Result<crate::whitelist::WhitelistConnection, ApiError> {
        crate::whitelist::list(ctx, first, after, filter.unwrap_or_default()).await
    }

    /// The key-node candidates (as `keyNodeCandidates`, in rank order) that are not yet nominated
    /// or listed: without firms that have an open whitelist entry on `filter.chain`, or on any
    /// chain when no chain is given. ADMIN, BUREAU and COORDINATOR (their jurisdiction).
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn whitelist_candidates(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<CandidateFilter>,
        budget: Option<BudgetInput>,
    ) -> Result<Connection<CandidateCursor, Assessment>, ApiError> {
        crate::whitelist::candidates(ctx, first, after, filter, budget).await
    }

    /// The blockage ledger (人员到厂难、物料运输难): by default the triage queue, the open
    /// blockages (REPORTED, ASSIGNED, IN_PROGRESS, REOPENED) the viewer may see with the most
    /// production at stake first (`orderBy: PRIORITY`; re-ranked when a new analysis lands).
    /// ADMIN sees all; BUREAU and COORDINATOR those concerning their jurisdiction (a freight trip
    /// at either end); ENTERPRISE those of its firm. `first` at most 100.
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn blockages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<crate::blockage::BlockageFilter>,
        #[graphql(default)] order_by: crate::blockage::BlockageOrder,
    ) -> Result<crate::blockage::BlockageConnection, ApiError> {
        crate::blockage::list(ctx, first, after, filter.unwrap_or_default(), order_by, None).await
    }

    /// How far a chain (every chain when absent) in a region is back at work (复工达产), from its
    /// firms' latest production reports. ADMIN anywhere; BUREAU and COORDINATOR within their
    /// jurisdiction (the default prefix); ENTERPRISE is FORBIDDEN.
    async fn chain_resumption(
        &self,
        ctx: &Context<'_>,
        chain: Option<String>,
        region_prefix: Option<String>,
    ) -> Result<crate::production::ChainResumption, ApiError> {
        crate::production::resumption(ctx, chain, region_prefix).await
    }

    /// What holds a LARGE firm back upstream (协同复工达产): the firms on its essential supply paths
    /// that are down, partly down or have open blockages, ranked by how much of its production
    /// their reported capacity holds back (one ESRI cascade each on the live network). The firm's
    /// own ENTERPRISE account (deeper suppliers shown only through the direct supplier they hold
    /// it back through), BUREAU and COORDINATOR covering it, ADMIN.
    // a snapshot of the live network and up to 400 cascades: priced like `simulateDisruption`
    #[graphql(complexity = 300)]
    async fn bottlenecks(&self, ctx: &Context<'_>, uscc: String) -> Result<crate::production::Bottlenecks, ApiError> {
        crate::production::bottlenecks(ctx, uscc).await
    }

    /// Published whitelist batches (第N批), by province and number; of one province when
    /// `provincePrefix` is given. Any signed-in account.
    async fn whitelist_batches(
        &self,
        ctx: &Context<'_>,
        province_prefix: Option<String>,
    ) -> Result<Vec<crate::whitelist::WhitelistBatch>, ApiError> {
        crate::whitelist::batches(ctx, province_prefix).await
    }

    /// What if these firms stop or run at reduced capacity? Runs the ESRI iteration on the current
    /// network (ADMIN, BUREAU, COORDINATOR).
    #[graphql(complexity = "crate::limits::cost::SIMULATION + child_complexity")]
    async fn simulate_disruption(
        &self,
        ctx: &Context<'_>,
        input: SimulateDisruptionInput,
    ) -> Result<DisruptionSimulation, ApiError> {
        crate::simulate::simulate(ctx, input).await
    }

    /// The audit trail, oldest first: everything for ADMIN, events concerning its jurisdiction
    /// for a BUREAU; FORBIDDEN for other roles. `first` at most 100.
    #[instrument(skip(self, ctx))]
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditEventFilter>,
    ) -> Result<AuditEventConnection, ApiError> {
        let viewer = guard::viewer(ctx)?;
        let scope = viewer.audit_scope();
        require(scope.is_some())?;
        let within = scope.flatten();
        let state = guard::state(ctx)?;
        let (limit, after) = page_args(first, after)?;
        let f = filter.unwrap_or_default();
        let filter =
            AuditFilter { action: f.action, object_type: f.object_type, object_id: f.object_id, actor: f.actor };
        let page = audit::list(state.store.db(), within, &filter, after, limit).await?;
        Ok(connection(page, after.is_some(), |x| IdCursor(x.id), AuditEvent::from))
    }
}
