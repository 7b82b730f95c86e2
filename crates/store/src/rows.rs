//! Row <-> domain mapping. Stored rows were validated on the way in; a row that fails to parse
//! here was edited outside Linchpin and is reported as corrupt rather than silently shown.
use linchpin_domain::{
    ChainCode, Essentiality, FirmDraft, FirmId, FirmName, FirmRecord, Indicators, IndustryCode, LinkId, LinkStatus,
    Product, RegionCode, SizeClass, SupplyLinkRecord, Uscc, Value10kCny, Verification,
};

use crate::entity::{firm, supply_link};
use crate::error::{StoreError, corrupt};

pub(crate) fn firm_from_row(m: firm::Model, chains: Vec<ChainCode>) -> Result<FirmRecord, StoreError> {
    let ctx = |field: &str| format!("firm {} {field}", m.id);
    let draft = FirmDraft {
        uscc: Uscc::parse(&m.uscc).map_err(|e| corrupt(&ctx("uscc"), e))?,
        name: FirmName::parse(&m.name).map_err(|e| corrupt(&ctx("name"), e))?,
        region: RegionCode::parse(&m.region_code).map_err(|e| corrupt(&ctx("region_code"), e))?,
        industry: IndustryCode::parse(&m.industry_code).map_err(|e| corrupt(&ctx("industry_code"), e))?,
        indicators: Indicators::new(m.employees, m.revenue_10k_cny, m.assets_10k_cny)
            .map_err(|e| corrupt(&ctx("indicators"), e))?,
        chains,
    };
    let size_class = SizeClass::from_wire(&m.size_class).ok_or_else(|| corrupt(&ctx("size_class"), &m.size_class))?;
    let verification =
        Verification::from_wire(&m.verification).ok_or_else(|| corrupt(&ctx("verification"), &m.verification))?;
    Ok(FirmRecord { id: FirmId(m.id), firm: draft, size_class, version: m.version, verification })
}

pub(crate) fn link_from_row(m: supply_link::Model) -> Result<SupplyLinkRecord, StoreError> {
    let ctx = |field: &str| format!("supply_link {} {field}", m.id);
    Ok(SupplyLinkRecord {
        id: LinkId(m.id),
        supplier_id: FirmId(m.supplier_id),
        customer_id: FirmId(m.customer_id),
        product: Product::parse(&m.product).map_err(|e| corrupt(&ctx("product"), e))?,
        annual_value: Value10kCny::new(m.annual_value_10k_cny).map_err(|e| corrupt(&ctx("annual_value"), e))?,
        essentiality: Essentiality::from_wire(&m.essentiality)
            .ok_or_else(|| corrupt(&ctx("essentiality"), &m.essentiality))?,
        status: LinkStatus::from_wire(&m.status).ok_or_else(|| corrupt(&ctx("status"), &m.status))?,
        version: m.version,
        declared_by: m.declared_by_firm_id.map(FirmId),
        rejection_reason: m.rejection_reason,
    })
}
