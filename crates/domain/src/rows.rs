//! Rows of the interchange files (firms.csv, links.csv and their XLSX twins) as the rest of the
//! system sees them: validated domain values with the line they came from, and the error of a row
//! that failed. Shared by the offline commands, the bulk import of the store and the API's
//! uploads, so none of them depends on another to name a row.
use crate::error::ErrorCode;
use crate::firm::FirmDraft;
use crate::link::LinkDraft;

/// A validated firm row and the line it came from.
#[derive(Debug, Clone)]
pub struct FirmRow {
    /// 1-based line (CSV) or row (XLSX) number, the header being line 1.
    pub line: usize,
    /// The firm.
    pub firm: FirmDraft,
}

/// A validated link row and the line it came from.
#[derive(Debug, Clone)]
pub struct LinkRow {
    /// 1-based line number.
    pub line: usize,
    /// The link.
    pub link: LinkDraft,
}

/// One row of a supplier list: the uploading customer buys `product` from `supplier`.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplierRow {
    /// 1-based line (the header is line 1).
    pub line: usize,
    /// The supplier's USCC.
    pub supplier: crate::Uscc,
    /// Its name (used when it is not yet registered).
    pub name: crate::FirmName,
    /// Its region (GB/T 2260).
    pub region: crate::RegionCode,
    /// Its industry (GB/T 4754).
    pub industry: crate::IndustryCode,
    /// What the customer buys.
    pub product: crate::Product,
    /// Annual value in 10,000 CNY, > 0.
    pub value: crate::Value10kCny,
    /// How the customer depends on it.
    pub essentiality: crate::Essentiality,
}

/// A row that cannot be used, with where it is and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Which file: `firms`, `links` or `suppliers`.
    pub file: &'static str,
    /// 1-based line number.
    pub line: usize,
    /// Column, when one is to blame.
    pub column: Option<String>,
    /// Stable code.
    pub code: ErrorCode,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} line {}", self.file, self.line)?;
        if let Some(c) = &self.column {
            write!(f, ", column {c}")?;
        }
        write!(f, ": {} ({})", self.message, self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_error_names_file_line_column_and_code() {
        let e = RowError {
            file: "links",
            line: 7,
            column: Some("essential".into()),
            code: ErrorCode::InvalidValue,
            message: "essential must be `true`, `false` or `negligible`, got `yes`".into(),
        };
        assert_eq!(
            e.to_string(),
            "links line 7, column essential: essential must be `true`, `false` or `negligible`, got `yes` (INVALID_VALUE)"
        );
    }
}
