//! `Firm`: identity, industry, size, analysis and supply links.
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Object};
use linchpin_domain::FirmRecord;
use linchpin_store::firms::ChainsNotRead;
use linchpin_store::links::{self, Side};

use crate::connection::{IdCursor, connection, page_args};
use crate::error::ApiError;
use crate::guard;
use crate::ids::{self, Kind};
use crate::types::link::SupplyLink;

/// Enterprise size class under 《中小企业划型标准规定》(工信部联企业〔2011〕300号).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "linchpin_domain::SizeClass")]
pub enum SizeClass {
    /// 微型企业 (micro).
    Micro,
    /// 小型企业 (small).
    Small,
    /// 中型企业 (medium).
    Medium,
    /// 大型企业 (large).
    Large,
    /// An indicator the firm's industry needs is missing, so the class cannot be decided.
    Unknown,
}

/// Whether a bureau stands behind a firm's registration.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "linchpin_domain::Verification")]
pub enum Verification {
    /// Registered or verified by a bureau or an operator.
    Verified,
    /// Created from a customer's supplier list; visible to the firms linked to it and to the
    /// bureaus and coordinators of its region until a bureau verifies it (`verifyFirm`) or merges
    /// it into a registered firm (`mergeFirm`).
    Pending,
}

/// A firm registered in Linchpin, and whether its record holds its chains.
#[derive(Debug, Clone)]
pub struct Firm(pub FirmRecord, ChainsRead);

/// Whether a [`Firm`]'s record was read with its chains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChainsRead {
    /// `firm.chains` holds them.
    Yes,
    /// The list that read the record left them out (the query did not ask for them, as far as
    /// its look-ahead could tell); `Firm.chains` loads them through the request's loader.
    No,
}

impl Firm {
    /// A firm whose record was read with its chains.
    pub fn of(record: FirmRecord) -> Self {
        Self(record, ChainsRead::Yes)
    }

    /// A firm read by a statement that left its chains out.
    pub fn without_chains(record: ChainsNotRead) -> Self {
        Self(record.into_record_without_chains(), ChainsRead::No)
    }

    fn details(&self, ctx: &Context<'_>) -> Result<bool, ApiError> {
        Ok(guard::viewer(ctx)?.can_see_firm_details(self.0.id, &self.0.firm.region))
    }
}

/// A page of supply links.
pub type SupplyLinkConnection = Connection<IdCursor, SupplyLink>;

async fn links_page(
    ctx: &Context<'_>,
    firm: &FirmRecord,
    side: Side,
    first: Option<i32>,
    after: Option<String>,
) -> Result<SupplyLinkConnection, ApiError> {
    let viewer = guard::viewer(ctx)?;
    let (limit, after) = page_args(first, after)?;
    let key = crate::loaders::LinkPageKey { firm: firm.id, side, scope: viewer.link_scope(), after, limit };
    let page = crate::loaders::link_page(ctx, key).await?;
    Ok(connection(page, after.is_some(), |x| IdCursor(x.0.id.0), |(l, f)| SupplyLink(l, Some(std::sync::Arc::new(f)))))
}

/// A firm registered in Linchpin: identity, industry, size and its supply links.
#[Object]
impl Firm {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Firm, self.0.id.0)
    }

    /// Unified social credit code (统一社会信用代码).
    async fn uscc(&self) -> &str {
        self.0.firm.uscc.as_str()
    }

    /// Registered name.
    async fn name(&self) -> &str {
        self.0.firm.name.as_str()
    }

    /// GB/T 2260 region code where the firm is registered.
    async fn region_code(&self) -> &str {
        self.0.firm.region.as_str()
    }

    /// GB/T 4754-2017 industry code.
    async fn industry_code(&self) -> &str {
        self.0.firm.industry.as_str()
    }

    /// Employees (从业人员), if known; null unless the viewer may see the firm's details (its
    /// own account, bureaus and coordinators covering its region, admins).
    async fn employees(&self, ctx: &Context<'_>) -> Result<Option<u32>, ApiError> {
        Ok(self.details(ctx)?.then_some(self.0.firm.indicators.employees).flatten())
    }

    /// Annual revenue (营业收入) in 10,000 CNY, if known; null unless the viewer may see details.
    #[graphql(name = "revenue10kCny")]
    async fn revenue_10k_cny(&self, ctx: &Context<'_>) -> Result<Option<f64>, ApiError> {
        Ok(self.details(ctx)?.then_some(self.0.firm.indicators.revenue_10k_cny).flatten())
    }

    /// Total assets (资产总额) in 10,000 CNY, if known; null unless the viewer may see details.
    #[graphql(name = "assets10kCny")]
    async fn assets_10k_cny(&self, ctx: &Context<'_>) -> Result<Option<f64>, ApiError> {
        Ok(self.details(ctx)?.then_some(self.0.firm.indicators.assets_10k_cny).flatten())
    }

    /// Size class derived from industry, employees, revenue and assets.
    async fn size_class(&self) -> SizeClass {
        self.0.size_class.into()
    }

    /// VERIFIED, or PENDING for a firm created from a customer's supplier list that no bureau
    /// has verified yet (it and its links stay out of every analysis until then).
    async fn verification(&self) -> Verification {
        self.0.verification.into()
    }

    /// Codes of the key industrial chains the firm belongs to.
    async fn chains(&self, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
        let text = |chains: &[linchpin_domain::ChainCode]| chains.iter().map(|c| c.as_str().to_owned()).collect();
        Ok(match self.1 {
            ChainsRead::Yes => text(&self.0.firm.chains),
            ChainsRead::No => text(&crate::loaders::chains(ctx, self.0.id).await?),
        })
    }

    /// Optimistic-concurrency version: pass it back to `updateFirm`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// What the latest analysis run says about this firm; null before the first run, or when the
    /// viewer may not see the firm's details (its own account, bureaus and coordinators covering
    /// its region, admins may).
    async fn assessment(&self, ctx: &Context<'_>) -> Result<Option<crate::types::assessment::Assessment>, ApiError> {
        if !self.details(ctx)? {
            return Ok(None);
        }
        let loader = ctx
            .data_opt::<async_graphql::dataloader::DataLoader<crate::loaders::AssessmentLoader>>()
            .ok_or(ApiError::Internal)?;
        let found = loader.load_one(self.0.id.0).await.map_err(|e| ApiError::clone(&e))?;
        Ok(found.map(|(record, run)| crate::types::assessment::Assessment::of(record, run)))
    }

    /// The firm's own supply base: link counts by status, the share of its essential input whose
    /// suppliers have confirmed, per industry, and the essential inputs that come from one
    /// supplier. Null unless the viewer may see the firm's details (its own account, bureaus and
    /// coordinators covering its region, admins).
    #[graphql(complexity = 20)]
    async fn supplier_coverage(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::types::coverage::SupplierCoverage>, ApiError> {
        if !self.details(ctx)? {
            return Ok(None);
        }
        let state = guard::state(ctx)?;
        let inputs = links::supply_inputs(state.store.db(), self.0.id).await?;
        let level = state.analysis.industry_level;
        let sole_share = state.analysis.thresholds.sole_share;
        let coverage = linchpin_domain::coverage::supplier_coverage(&inputs, level, sole_share);
        Ok(Some(crate::types::coverage::SupplierCoverage { coverage, level: level.as_str(), sole_share }))
    }

    /// The firm's whitelist entries the viewer may see (one per chain it was nominated for, open
    /// or closed), oldest first.
    async fn whitelist(&self, ctx: &Context<'_>) -> Result<Vec<crate::whitelist::WhitelistEntry>, ApiError> {
        crate::whitelist::of_firm(ctx, self.0.id).await
    }

    /// The firm's latest production report (复工达产); null before its first report or unless the
    /// viewer may see the firm's details.
    async fn production_status(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::production::ProductionStatus>, ApiError> {
        Ok(crate::production::of_firm(ctx, &self.0, 1).await?.and_then(|mut v| v.pop()))
    }

    /// The firm's production reports, newest first (`last` 1 to 100); null unless the viewer may
    /// see the firm's details.
    #[graphql(complexity = "last.max(1).min(100) as usize * child_complexity + 1")]
    async fn production_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] last: i32,
    ) -> Result<Option<Vec<crate::production::ProductionStatus>>, ApiError> {
        crate::production::of_firm(ctx, &self.0, last).await
    }

    /// The firm's blockages the viewer may see (as the affected firm or a freight counterpart):
    /// the open ones by priority unless `filter.status` says otherwise.
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn blockages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<crate::blockage::BlockageFilter>,
    ) -> Result<crate::blockage::BlockageConnection, ApiError> {
        let order = crate::blockage::BlockageOrder::Priority;
        crate::blockage::list(ctx, first, after, filter.unwrap_or_default(), order, Some(self.0.id)).await
    }

    /// Links on which this firm buys, ordered by link; only those the viewer may see; `first` at
    /// most 100.
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn suppliers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SupplyLinkConnection, ApiError> {
        links_page(ctx, &self.0, Side::Suppliers, first, after).await
    }

    /// Links on which this firm sells, ordered by link; only those the viewer may see; `first` at
    /// most 100.
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SupplyLinkConnection, ApiError> {
        links_page(ctx, &self.0, Side::Customers, first, after).await
    }
}
