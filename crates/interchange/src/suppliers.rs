//! A customer's supplier list (携手行动): one row per (supplier, product) that the uploading firm
//! buys, with enough about each supplier to register it as PENDING when no bureau has yet. The
//! same reader, checks and error reports as firms.csv and links.csv.
use std::collections::HashMap;
use std::path::Path;

use linchpin_domain::{
    ErrorCode, Essentiality, FirmName, IndustryCode, Product, RegionCode, RowError, SupplierRow, Uscc, ValidationError,
};

use crate::read::{Layout, RowView, parse_row, read_rows, row_error};
use crate::rows::{FileRows, repeated_link, value};

/// Columns of a supplier list.
pub const SUPPLIER_COLUMNS: [&str; 7] =
    ["supplier_uscc", "supplier_name", "region_code", "industry_code", "product", "annual_value_10k_cny", "essential"];

const SUPPLIERS: Layout = Layout { file: "suppliers", required: &SUPPLIER_COLUMNS, optional: &[] };

fn supplier_row(r: &RowView<'_>, line: usize, customer: &Uscc) -> Result<SupplierRow, RowError> {
    let supplier = r.parse("supplier_uscc", Uscc::parse)?;
    if &supplier == customer {
        return Err(row_error(
            "suppliers",
            line,
            Some("supplier_uscc"),
            ValidationError::new(ErrorCode::SelfLink, "a firm cannot supply itself"),
        ));
    }
    Ok(SupplierRow {
        line,
        supplier,
        name: r.parse("supplier_name", FirmName::parse)?,
        region: r.parse("region_code", RegionCode::parse)?,
        industry: r.parse("industry_code", IndustryCode::parse)?,
        product: r.parse("product", Product::parse)?,
        value: r.parse("annual_value_10k_cny", value)?,
        essentiality: r.parse("essential", Essentiality::parse_csv)?,
    })
}

/// Reads and validates the supplier list of `customer`: every column as in firms.csv and
/// links.csv, no row naming the customer itself, no (supplier, product) twice, and one name,
/// region and industry per supplier. Returns the good rows and an error for every bad one (sorted
/// by line); fails when the file cannot be read or its header is wrong. CSV or XLSX by extension.
pub fn parse_supplier_list(path: &Path, customer: &Uscc) -> FileRows<SupplierRow> {
    let mut good: Vec<SupplierRow> = Vec::new();
    let mut bad: Vec<RowError> = Vec::new();
    let mut first_link: HashMap<(String, String), usize> = HashMap::new();
    let mut first_firm: HashMap<String, usize> = HashMap::new();
    read_rows(path, SUPPLIERS, |header, line, row| {
        let parsed = parse_row(header, SUPPLIERS.file, line, row, |r| supplier_row(r, line, customer));
        let row = match parsed {
            Ok(row) => row,
            Err(e) => return bad.push(e),
        };
        let key = (row.supplier.as_str().to_owned(), row.product.as_str().to_owned());
        if let Some(&prev) = first_link.get(&key) {
            return bad.push(row_error(SUPPLIERS.file, line, Some("product"), repeated_link(prev)));
        }
        if let Some(&i) = first_firm.get(row.supplier.as_str()) {
            let first: &SupplierRow = &good[i];
            let differs = [
                ("supplier_name", first.name != row.name),
                ("region_code", first.region != row.region),
                ("industry_code", first.industry != row.industry),
            ];
            if let Some((col, _)) = differs.iter().find(|(_, d)| *d) {
                let e = ValidationError::new(
                    ErrorCode::InvalidValue,
                    format!("supplier {} has another {col} on line {}", row.supplier, first.line),
                );
                return bad.push(row_error(SUPPLIERS.file, line, Some(col), e));
            }
        } else {
            first_firm.insert(row.supplier.as_str().to_owned(), good.len());
        }
        first_link.insert(key, line);
        good.push(row);
    })?;
    bad.sort_by_key(|e| e.line);
    Ok((good, bad))
}
