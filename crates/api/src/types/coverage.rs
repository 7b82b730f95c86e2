//! `Firm.supplierCoverage`: a firm's own view of its supply base (携手行动).
use async_graphql::{Context, Object, SimpleObject};
use linchpin_domain::coverage::{Coverage, SingleSource};

use crate::error::ApiError;
use crate::types::firm::Firm;

/// How much of a firm's declared supply its suppliers have confirmed, and which essential inputs
/// hang on one supplier. Computed from the firm's links at the moment of the query, grouped at
/// the industry level and with the sole-supplier share that the server's analyses use.
pub struct SupplierCoverage {
    /// The numbers.
    pub coverage: Coverage,
    /// `division`, `group` or `class`.
    pub level: &'static str,
    /// The sole-supplier share.
    pub sole_share: f64,
}

/// Essential input from one industry.
#[derive(SimpleObject, Debug, Clone)]
pub struct IndustryInput {
    /// The suppliers' industry code at the substitution level.
    pub industry: String,
    /// Essential value bought from it, 10k CNY a year (rejected links left out).
    #[graphql(name = "essentialValue10kCny")]
    pub essential_value_10k_cny: f64,
    /// Of which the suppliers have confirmed.
    #[graphql(name = "confirmedValue10kCny")]
    pub confirmed_value_10k_cny: f64,
    /// confirmed / essential.
    pub confirmed_share: f64,
    /// Distinct suppliers.
    pub suppliers: u32,
}

/// An essential input that comes (almost) all from one supplier: the firm's own single point of
/// failure.
pub struct SingleSourceInput(pub SingleSource);

/// An essential input that comes (almost) all from one supplier.
#[Object]
impl SingleSourceInput {
    /// The input's industry code at the substitution level.
    async fn industry(&self) -> &str {
        &self.0.industry
    }

    /// The supplier's share of that input's essential value, at least the sole-supplier share.
    async fn share(&self) -> f64 {
        self.0.share
    }

    /// The supplier.
    async fn supplier(&self, ctx: &Context<'_>) -> Result<Firm, ApiError> {
        crate::loaders::firm(ctx, self.0.supplier).await
    }
}

/// How much of a firm's declared supply its suppliers have confirmed, and which essential inputs
/// hang on one supplier.
#[Object]
impl SupplierCoverage {
    /// Supplier links still DECLARED, waiting for the supplier.
    async fn declared(&self) -> u32 {
        self.coverage.declared
    }

    /// Supplier links CONFIRMED by the supplier.
    async fn confirmed(&self) -> u32 {
        self.coverage.confirmed
    }

    /// Supplier links the supplier REJECTED.
    async fn rejected(&self) -> u32 {
        self.coverage.rejected
    }

    /// Supplier links to PENDING firms (not yet verified by a bureau, so not yet analysed).
    async fn pending(&self) -> u32 {
        self.coverage.pending
    }

    /// Essential input, 10k CNY a year (rejected links left out).
    #[graphql(name = "essentialValue10kCny")]
    async fn essential_value_10k_cny(&self) -> f64 {
        self.coverage.essential_value
    }

    /// Share of the essential input whose suppliers have confirmed; null without essential input.
    async fn confirmed_share(&self) -> Option<f64> {
        self.coverage.confirmed_share()
    }

    /// Essential input per industry, by code.
    async fn by_industry(&self) -> Vec<IndustryInput> {
        self.coverage
            .by_industry
            .iter()
            .map(|i| IndustryInput {
                industry: i.industry.clone(),
                essential_value_10k_cny: i.essential_value,
                confirmed_value_10k_cny: i.confirmed_value,
                confirmed_share: i.confirmed_share(),
                suppliers: i.suppliers,
            })
            .collect()
    }

    /// Essential inputs of which one supplier provides at least `soleSupplierShare`, largest share
    /// first.
    async fn single_sources(&self) -> Vec<SingleSourceInput> {
        self.coverage.single_sources.iter().cloned().map(SingleSourceInput).collect()
    }

    /// The industry level at which suppliers count as substitutes (`division`, `group`, `class`).
    async fn industry_level(&self) -> &str {
        self.level
    }

    /// The share from which one supplier is a single source.
    async fn sole_supplier_share(&self) -> f64 {
        self.sole_share
    }
}
