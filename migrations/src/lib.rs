//! Database migrations of Linchpin. Each migration lives in its own file named
//! `mYYYYMMDD_NNNNNN_name.rs` (the name `DeriveMigrationName` records) and has a `down`.
//! The same migrations run on SQLite and PostgreSQL; they run on `linchpin serve` and from
//! `linchpin migrate`. Demo data is never a migration.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_firms;
mod m20261128_000002_create_supply_links;
mod m20261128_000003_create_accounts;
mod m20261128_000004_create_audit_events;
mod m20261128_000005_link_declared_by;
mod m20261128_000006_create_analysis_runs;
mod m20261129_000007_ranked_candidates;
mod m20261129_000008_whitelist;
mod m20261129_000009_link_rejection;
mod m20261129_000010_firm_verification;
mod m20261129_000011_blockages;
mod m20261129_000012_access_path_indexes;
mod m20261129_000013_firm_region_order;

/// All migrations, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_firms::Migration),
            Box::new(m20261128_000002_create_supply_links::Migration),
            Box::new(m20261128_000003_create_accounts::Migration),
            Box::new(m20261128_000004_create_audit_events::Migration),
            Box::new(m20261128_000005_link_declared_by::Migration),
            Box::new(m20261128_000006_create_analysis_runs::Migration),
            Box::new(m20261129_000007_ranked_candidates::Migration),
            Box::new(m20261129_000008_whitelist::Migration),
            Box::new(m20261129_000009_link_rejection::Migration),
            Box::new(m20261129_000010_firm_verification::Migration),
            Box::new(m20261129_000011_blockages::Migration),
            Box::new(m20261129_000012_access_path_indexes::Migration),
            Box::new(m20261129_000013_firm_region_order::Migration),
        ]
    }
}
