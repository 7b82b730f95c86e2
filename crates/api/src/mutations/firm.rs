//! `registerFirm` and `updateFirm`: ADMIN anywhere, a BUREAU within its jurisdiction.
use async_graphql::{Context, InputObject, MaybeUndefined, Object, SimpleObject};
use linchpin_domain::{
    ChainCode, FirmDraft, FirmName, FirmRecord, Indicators, IndustryCode, RegionCode, Role, Uscc, Verification,
};
use linchpin_store::firms;
use tracing::instrument;

use super::{FieldErrors, Outcome, Refusal, Write, payload, respond};
use crate::audit_log::Change;
use crate::error::{ApiError, UserError, UserErrorCode};
use crate::events::{NetworkEvent, NetworkEventKind};
use crate::guard::{self, require};
use crate::ids::{self, Kind};
use crate::types::firm::Firm;

/// A firm to register.
#[derive(InputObject, Debug)]
pub struct RegisterFirmInput {
    /// Unified social credit code (18 characters, valid check digit).
    pub uscc: String,
    /// Registered name (1 to 200 characters).
    pub name: String,
    /// Six-digit GB/T 2260 region code.
    pub region_code: String,
    /// GB/T 4754-2017 industry code, e.g. `C36` or `C3670`.
    pub industry_code: String,
    /// Employees, 0 to 10,000,000.
    pub employees: Option<i64>,
    /// Annual revenue in 10,000 CNY, 0 to 1e10.
    #[graphql(name = "revenue10kCny")]
    pub revenue_10k_cny: Option<f64>,
    /// Total assets in 10,000 CNY, 0 to 1e10 (needed for construction, real estate, leasing).
    #[graphql(name = "assets10kCny")]
    pub assets_10k_cny: Option<f64>,
    /// Chain codes the firm belongs to.
    #[graphql(default)]
    pub chains: Vec<String>,
}

/// Result of `registerFirm`.
#[derive(SimpleObject, Debug, Default)]
pub struct RegisterFirmPayload {
    /// The new firm, when registered.
    pub firm: Option<Firm>,
    /// Why the firm was not registered; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Changes to a firm. Omitted fields keep their value; `null` clears an optional indicator.
#[derive(InputObject, Debug)]
pub struct UpdateFirmInput {
    /// USCC of the firm to change (the USCC itself never changes).
    pub uscc: String,
    /// The version the caller read; the update fails with VERSION_CONFLICT if it moved on.
    pub version: i32,
    /// New name.
    pub name: Option<String>,
    /// New region code.
    pub region_code: Option<String>,
    /// New industry code.
    pub industry_code: Option<String>,
    /// New employees, or null for unknown.
    pub employees: MaybeUndefined<i64>,
    /// New revenue in 10,000 CNY, or null for unknown.
    #[graphql(name = "revenue10kCny")]
    pub revenue_10k_cny: MaybeUndefined<f64>,
    /// New assets in 10,000 CNY, or null for unknown.
    #[graphql(name = "assets10kCny")]
    pub assets_10k_cny: MaybeUndefined<f64>,
    /// New chain memberships (replacing the old ones).
    pub chains: Option<Vec<String>>,
}

/// Result of `updateFirm`.
#[derive(SimpleObject, Debug, Default)]
pub struct UpdateFirmPayload {
    /// The firm after the change.
    pub firm: Option<Firm>,
    /// Why the firm was not changed; empty on success.
    pub user_errors: Vec<UserError>,
}

/// A PENDING firm to fold into the registered firm it really is (the supplier list had a typo).
#[derive(InputObject, Debug)]
pub struct MergeFirmInput {
    /// USCC of the PENDING firm.
    pub pending_uscc: String,
    /// USCC of the registered (VERIFIED) firm that takes over its links.
    pub into_uscc: String,
}

/// Result of `mergeFirm`.
#[derive(SimpleObject, Debug, Default)]
pub struct MergeFirmPayload {
    /// The registered firm, now holding the links.
    pub firm: Option<Firm>,
    /// Why nothing was merged; empty on success.
    pub user_errors: Vec<UserError>,
}

payload!(RegisterFirmPayload, firm: Firm);
payload!(UpdateFirmPayload, firm: Firm);
payload!(MergeFirmPayload, firm: Firm);

fn chains(errors: &mut FieldErrors, list: &[String]) -> Option<Vec<ChainCode>> {
    if list.len() > 50 {
        errors.0.push(UserError::general(UserErrorCode::OutOfRange, "a firm belongs to at most 50 chains"));
        return None;
    }
    let mut out: Vec<ChainCode> = Vec::new();
    for c in list {
        let code = errors.take("chains", ChainCode::parse(c))?;
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Some(out)
}

/// Validates each indicator against its own field.
fn indicators(
    errors: &mut FieldErrors,
    employees: Option<i64>,
    revenue: Option<f64>,
    assets: Option<f64>,
) -> Option<Indicators> {
    let employees = errors.take("employees", Indicators::check_employees(employees));
    let revenue = errors.take("revenue10kCny", Indicators::check_amount("revenue10kCny", revenue));
    let assets = errors.take("assets10kCny", Indicators::check_amount("assets10kCny", assets));
    Some(Indicators { employees: employees?, revenue_10k_cny: revenue?, assets_10k_cny: assets? })
}

fn merge<T: Copy>(patch: &MaybeUndefined<T>, current: Option<T>) -> Option<T> {
    match patch {
        MaybeUndefined::Undefined => current,
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(v) => Some(*v),
    }
}

impl RegisterFirmInput {
    /// The firm to register, or every field error.
    fn parse(&self) -> Result<FirmDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let uscc = errors.take("uscc", Uscc::parse(&self.uscc));
        let name = errors.take("name", FirmName::parse(&self.name));
        let region = errors.take("regionCode", RegionCode::parse(&self.region_code));
        let industry = errors.take("industryCode", IndustryCode::parse(&self.industry_code));
        let indicators = indicators(&mut errors, self.employees, self.revenue_10k_cny, self.assets_10k_cny);
        let chains = chains(&mut errors, &self.chains);
        match (uscc, name, region, industry, indicators, chains) {
            (Some(uscc), Some(name), Some(region), Some(industry), Some(indicators), Some(chains))
                if errors.0.is_empty() =>
            {
                Ok(FirmDraft { uscc, name, region, industry, indicators, chains })
            }
            _ => Err(errors),
        }
    }
}

impl UpdateFirmInput {
    /// The firm after applying this patch to `old`, or every field error.
    fn apply_to(&self, uscc: Uscc, old: &FirmDraft) -> Result<FirmDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = match &self.name {
            Some(n) => errors.take("name", FirmName::parse(n)),
            None => Some(old.name.clone()),
        };
        let region = match &self.region_code {
            Some(r) => errors.take("regionCode", RegionCode::parse(r)),
            None => Some(old.region.clone()),
        };
        let industry = match &self.industry_code {
            Some(i) => errors.take("industryCode", IndustryCode::parse(i)),
            None => Some(old.industry.clone()),
        };
        let indicators = indicators(
            &mut errors,
            merge(&self.employees, old.indicators.employees.map(i64::from)),
            merge(&self.revenue_10k_cny, old.indicators.revenue_10k_cny),
            merge(&self.assets_10k_cny, old.indicators.assets_10k_cny),
        );
        let chains = match &self.chains {
            Some(list) => chains(&mut errors, list),
            None => Some(old.chains.clone()),
        };
        match (name, region, industry, indicators, chains) {
            (Some(name), Some(region), Some(industry), Some(indicators), Some(chains)) if errors.0.is_empty() => {
                Ok(FirmDraft { uscc, name, region, industry, indicators, chains })
            }
            _ => Err(errors),
        }
    }
}

fn firm_event(kind: NetworkEventKind, f: &FirmRecord) -> NetworkEvent {
    NetworkEvent::now(kind, Some(ids::encode(Kind::Firm, f.id.0)))
}

async fn register_firm(ctx: &Context<'_>, input: RegisterFirmInput) -> Outcome<Firm> {
    let viewer = guard::viewer(ctx)?;
    require(matches!(viewer.role(), Role::Admin | Role::Bureau))?;
    let draft = input.parse()?;
    require(viewer.can_write_firm(&draft.region))?;
    let w = Write::begin(ctx).await?;
    let record =
        firms::insert(w.txn(), &draft).await.map_err(|e| Refusal::from(e).blame(UserErrorCode::Duplicate, "uscc"))?;
    let change = Change {
        action: "firm.register",
        object_type: "firm",
        object_id: ids::encode(Kind::Firm, record.id.0).0,
        regions: vec![record.firm.region.as_str().to_owned()],
        before: None::<&()>,
        after: Some(&record),
    };
    w.commit(viewer, change, Some(firm_event(NetworkEventKind::FirmRegistered, &record))).await?;
    Ok(Firm::of(record))
}

/// What a write of an existing firm does besides changing its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edit {
    /// `updateFirm`.
    Update,
    /// `verifyFirm`: the firm must be PENDING and becomes VERIFIED.
    Verify,
}

async fn update_firm(ctx: &Context<'_>, input: UpdateFirmInput, edit: Edit) -> Outcome<Firm> {
    let viewer = guard::viewer(ctx)?;
    require(matches!(viewer.role(), Role::Admin | Role::Bureau))?;
    let uscc = Uscc::parse(&input.uscc).map_err(|e| UserError::on("uscc", e))?;
    let w = Write::begin(ctx).await?;
    let found = firms::find_by_uscc(w.txn(), uscc.as_str()).await?;
    // a PENDING firm outside the caller's reach is as unknown as a missing one
    let Some(current) = found.filter(|f| viewer.can_see_firm(f.verification, &f.firm.region, false)) else {
        return Err(UserError::unknown_firm("uscc", &uscc).into());
    };
    require(viewer.can_write_firm(&current.firm.region))?;
    if edit == Edit::Verify && current.verification != Verification::Pending {
        return Err(UserError::general(UserErrorCode::InvalidState, "the firm is already verified").into());
    }
    let draft = input.apply_to(uscc, &current.firm)?;
    require(viewer.can_write_firm(&draft.region))?;
    let mut record = firms::update(w.txn(), current.id, input.version, &draft).await?;
    if edit == Edit::Verify {
        record = firms::set_verified(w.txn(), record.id).await?;
    }
    let mut regions = vec![current.firm.region.as_str().to_owned()];
    if record.firm.region != current.firm.region {
        regions.push(record.firm.region.as_str().to_owned());
    }
    let change = Change {
        action: if edit == Edit::Verify { "firm.verify" } else { "firm.update" },
        object_type: "firm",
        object_id: ids::encode(Kind::Firm, record.id.0).0,
        regions,
        before: Some(&current),
        after: Some(&record),
    };
    w.commit(viewer, change, Some(firm_event(NetworkEventKind::FirmUpdated, &record))).await?;
    Ok(Firm::of(record))
}

async fn merge_firm(ctx: &Context<'_>, input: MergeFirmInput) -> Outcome<Firm> {
    let viewer = guard::viewer(ctx)?;
    require(matches!(viewer.role(), Role::Admin | Role::Bureau))?;
    let mut errors = FieldErrors::default();
    let pending_uscc = errors.take("pendingUscc", Uscc::parse(&input.pending_uscc));
    let into_uscc = errors.take("intoUscc", Uscc::parse(&input.into_uscc));
    let (Some(pending_uscc), Some(into_uscc)) = (pending_uscc, into_uscc) else { return Err(errors.into()) };
    let w = Write::begin(ctx).await?;
    let pending = firms::find_by_uscc(w.txn(), pending_uscc.as_str())
        .await?
        .filter(|f| viewer.can_see_firm(f.verification, &f.firm.region, false))
        .ok_or_else(|| UserError::unknown_firm("pendingUscc", &pending_uscc))?;
    require(viewer.can_write_firm(&pending.firm.region))?;
    if pending.verification != Verification::Pending {
        let e = linchpin_domain::ValidationError::new(
            linchpin_domain::ErrorCode::InvalidState,
            "only a PENDING firm can be merged into another",
        );
        return Err(UserError::on("pendingUscc", e).into());
    }
    let into = firms::find_by_uscc(w.txn(), into_uscc.as_str())
        .await?
        .filter(|f| f.verification == Verification::Verified && f.id != pending.id)
        .ok_or_else(|| UserError::unknown_firm("intoUscc", &into_uscc))?;
    let merged = linchpin_store::supplier_list::merge_pending(w.txn(), pending.id, into.id).await?;
    let after = serde_json::json!({"into": into.firm.uscc.as_str(), "movedLinks": merged.moved, "droppedLinks": merged.dropped});
    let change = Change {
        action: "firm.merge",
        object_type: "firm",
        object_id: ids::encode(Kind::Firm, pending.id.0).0,
        regions: vec![pending.firm.region.as_str().to_owned(), into.firm.region.as_str().to_owned()],
        before: Some(&pending),
        after: Some(&after),
    };
    // the links changed ends: every replica reloads its network
    w.commit(viewer, change, Some(NetworkEvent::now(NetworkEventKind::Imported, None))).await?;
    Ok(Firm::of(into))
}

/// Mutations of firms.
#[derive(Default)]
pub struct FirmMutations;

/// Mutations of firms: ADMIN anywhere, a BUREAU within its jurisdiction; other roles get
/// FORBIDDEN.
#[Object]
impl FirmMutations {
    /// Registers a firm. Fails with INVALID_USCC, INVALID_REGION, INVALID_INDUSTRY, OUT_OF_RANGE,
    /// INVALID_TEXT, INVALID_CHAIN or DUPLICATE (the USCC is taken).
    #[instrument(skip_all)]
    async fn register_firm(
        &self,
        ctx: &Context<'_>,
        input: RegisterFirmInput,
    ) -> Result<RegisterFirmPayload, ApiError> {
        respond(register_firm(ctx, input).await)
    }

    /// Changes a firm's fields if `version` is still current. Fails with NOT_FOUND,
    /// VERSION_CONFLICT or the validation codes of `registerFirm`.
    #[instrument(skip_all)]
    async fn update_firm(&self, ctx: &Context<'_>, input: UpdateFirmInput) -> Result<UpdateFirmPayload, ApiError> {
        respond(update_firm(ctx, input, Edit::Update).await)
    }

    /// Completes a PENDING firm (one a customer's supplier list created) and verifies it: the same
    /// input and rules as `updateFirm` (a BUREAU whose jurisdiction covers the firm, or ADMIN;
    /// typically adding employees, revenue and chains), after which the firm and its links enter
    /// the next analysis. Fails with INVALID_STATE for a firm that is already verified.
    #[instrument(skip_all)]
    async fn verify_firm(&self, ctx: &Context<'_>, input: UpdateFirmInput) -> Result<UpdateFirmPayload, ApiError> {
        respond(update_firm(ctx, input, Edit::Verify).await)
    }

    /// Folds a PENDING firm into the registered firm it really is, when a supplier list named it
    /// under a mistyped USCC: its links move to `intoUscc` (a link the registered firm already
    /// has is dropped) and the PENDING firm is deleted. A BUREAU whose jurisdiction covers the
    /// PENDING firm, or ADMIN. Fails with NOT_FOUND or INVALID_STATE (the firm is not PENDING).
    #[instrument(skip_all)]
    async fn merge_firm(&self, ctx: &Context<'_>, input: MergeFirmInput) -> Result<MergeFirmPayload, ApiError> {
        respond(merge_firm(ctx, input).await)
    }
}
