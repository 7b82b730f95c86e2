use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use linchpin_domain::{ChainCode, FirmDraft, FirmName, Indicators, IndustryCode, RegionCode, Role, Uscc};
use linchpin_store::{TransactionTrait, firms};
use tracing::instrument;

use super::Errors;
use crate::audit_log::{self, Change};
use crate::error::{ApiError, UserError, UserErrorCode};
use crate::events::{NetworkEvent, NetworkEventKind};
use crate::guard::{self, require};
use crate::ids::{self, Kind};
use crate::schema::ApiState;
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

fn chains(errors: &mut Errors, list: &[String]) -> Option<Vec<ChainCode>> {
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
    errors: &mut Errors,
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
    async fn register_firm(&self, ctx: &Context<'_>, input: RegisterFirmInput) -> Result<RegisterFirmPayload> {
        let viewer = guard::viewer(ctx)?;
        require(matches!(viewer.role(), Role::Admin | Role::Bureau))?;
        let state = ctx.data::<ApiState>()?;
        let mut errors = Errors::default();
        let uscc = errors.take("uscc", Uscc::parse(&input.uscc));
        let name = errors.take("name", FirmName::parse(&input.name));
        let region = errors.take("regionCode", RegionCode::parse(&input.region_code));
        let industry = errors.take("industryCode", IndustryCode::parse(&input.industry_code));
        let indicators = indicators(&mut errors, input.employees, input.revenue_10k_cny, input.assets_10k_cny);
        let chains = chains(&mut errors, &input.chains);
        let (Some(uscc), Some(name), Some(region), Some(industry), Some(indicators), Some(chains), true) =
            (uscc, name, region, industry, indicators, chains, errors.0.is_empty())
        else {
            return Ok(RegisterFirmPayload { firm: None, user_errors: errors.0 });
        };
        let draft = FirmDraft { uscc, name, region, industry, indicators, chains };
        require(viewer.can_write_firm(&draft.region))?;
        let txn = state.store.db().begin().await.map_err(ApiError::from)?;
        let record = match firms::insert(&txn, &draft).await {
            Ok(r) => r,
            Err(e) => {
                let mut ue = UserError::from_store(e)?;
                if ue.code == UserErrorCode::Duplicate {
                    ue.field = vec!["input".into(), "uscc".into()];
                }
                return Ok(RegisterFirmPayload { firm: None, user_errors: vec![ue] });
            }
        };
        let change = Change {
            action: "firm.register",
            object_type: "firm",
            object_id: ids::encode(Kind::Firm, record.id.0).0,
            regions: vec![record.firm.region.as_str().to_owned()],
            before: None::<&()>,
            after: Some(&record),
        };
        audit_log::record(&txn, ctx, viewer, change).await?;
        txn.commit().await.map_err(ApiError::from)?;
        state
            .announce(NetworkEvent::now(NetworkEventKind::FirmRegistered, Some(ids::encode(Kind::Firm, record.id.0))))
            .await;
        Ok(RegisterFirmPayload { firm: Some(Firm(record)), user_errors: vec![] })
    }

    /// Changes a firm's fields if `version` is still current. Fails with NOT_FOUND,
    /// VERSION_CONFLICT or the validation codes of `registerFirm`.
    #[instrument(skip_all)]
    async fn update_firm(&self, ctx: &Context<'_>, input: UpdateFirmInput) -> Result<UpdateFirmPayload> {
        let viewer = guard::viewer(ctx)?;
        require(matches!(viewer.role(), Role::Admin | Role::Bureau))?;
        let state = ctx.data::<ApiState>()?;
        let mut errors = Errors::default();
        let Some(uscc) = errors.take("uscc", Uscc::parse(&input.uscc)) else {
            return Ok(UpdateFirmPayload { firm: None, user_errors: errors.0 });
        };
        let Some(current) = firms::find_by_uscc(state.store.db(), uscc.as_str()).await.map_err(ApiError::from)? else {
            let e = UserError {
                field: vec!["input".into(), "uscc".into()],
                message: format!("no firm with USCC {uscc} is registered"),
                code: UserErrorCode::NotFound,
            };
            return Ok(UpdateFirmPayload { firm: None, user_errors: vec![e] });
        };
        require(viewer.can_write_firm(&current.firm.region))?;
        let old = &current.firm;
        let name = match &input.name {
            Some(n) => errors.take("name", FirmName::parse(n)),
            None => Some(old.name.clone()),
        };
        let region = match &input.region_code {
            Some(r) => errors.take("regionCode", RegionCode::parse(r)),
            None => Some(old.region.clone()),
        };
        let industry = match &input.industry_code {
            Some(i) => errors.take("industryCode", IndustryCode::parse(i)),
            None => Some(old.industry.clone()),
        };
        let indicators = indicators(
            &mut errors,
            merge(&input.employees, old.indicators.employees.map(i64::from)),
            merge(&input.revenue_10k_cny, old.indicators.revenue_10k_cny),
            merge(&input.assets_10k_cny, old.indicators.assets_10k_cny),
        );
        let chains = match &input.chains {
            Some(list) => chains(&mut errors, list),
            None => Some(old.chains.clone()),
        };
        let (Some(name), Some(region), Some(industry), Some(indicators), Some(chains), true) =
            (name, region, industry, indicators, chains, errors.0.is_empty())
        else {
            return Ok(UpdateFirmPayload { firm: None, user_errors: errors.0 });
        };
        let draft = FirmDraft { uscc, name, region, industry, indicators, chains };
        require(viewer.can_write_firm(&draft.region))?;
        let txn = state.store.db().begin().await.map_err(ApiError::from)?;
        let record = match firms::update(&txn, current.id, input.version, &draft).await {
            Ok(r) => r,
            Err(e) => {
                return Ok(UpdateFirmPayload { firm: None, user_errors: vec![UserError::from_store(e)?] });
            }
        };
        let mut regions = vec![current.firm.region.as_str().to_owned()];
        if record.firm.region != current.firm.region {
            regions.push(record.firm.region.as_str().to_owned());
        }
        let change = Change {
            action: "firm.update",
            object_type: "firm",
            object_id: ids::encode(Kind::Firm, record.id.0).0,
            regions,
            before: Some(&current),
            after: Some(&record),
        };
        audit_log::record(&txn, ctx, viewer, change).await?;
        txn.commit().await.map_err(ApiError::from)?;
        state
            .announce(NetworkEvent::now(NetworkEventKind::FirmUpdated, Some(ids::encode(Kind::Firm, record.id.0))))
            .await;
        Ok(UpdateFirmPayload { firm: Some(Firm(record)), user_errors: vec![] })
    }
}
