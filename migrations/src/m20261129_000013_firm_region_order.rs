//! Firm lists filtered by a jurisdiction, in id order, from an index (issue #12).
//!
//! A list of a region's firms reads `WHERE <the firm is in the jurisdiction> ORDER BY id LIMIT n`.
//! With only an index on `region_code`, a dense city (a tenth of the firms) meant reading and
//! sorting all its firms for every page on SQLite, whose planner prefers that index to walking the
//! primary key. An index per jurisdiction level, each ending in `id`, hands a page over in order
//! whatever the region's size: the province (`substr(region_code, 1, 2)`), the city
//! (`substr(region_code, 1, 4)`) and the county (`region_code` and `id`, replacing the index on
//! `region_code` alone). The store writes firm filters in these exact forms (`firms::list`).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The prefix levels with an expression index: (index name, prefix length).
const LEVELS: [(&str, usize); 2] = [("idx_firm_province_id", 2), ("idx_firm_city_id", 4)];

/// The county level's index, which replaces `idx_firm_region_code` (region_code alone).
const COUNTY: &str = "idx_firm_county_id";

// Plain SQL, the same on PostgreSQL and SQLite (index names are unique per schema on both).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_firm_region_code").await?;
        db.execute_unprepared(&format!("CREATE INDEX {COUNTY} ON firm (region_code, id)")).await?;
        for (name, len) in LEVELS {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON firm (substr(region_code, 1, {len}), id)")).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in LEVELS {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        db.execute_unprepared(&format!("DROP INDEX {COUNTY}")).await?;
        db.execute_unprepared("CREATE INDEX idx_firm_region_code ON firm (region_code)").await?;
        Ok(())
    }
}
