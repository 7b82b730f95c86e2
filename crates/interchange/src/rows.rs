//! The rows of firms.csv and links.csv: their columns, the parser of one row, and whole-file
//! readers that return every good row and an error for every bad one.
use std::collections::HashMap;
use std::path::Path;

use linchpin_domain::{
    ChainCode, ErrorCode, Essentiality, FirmDraft, FirmName, FirmRow, Indicators, IndustryCode, LinkDraft, LinkRow,
    Product, RegionCode, RowError, Uscc, ValidationError, Value10kCny,
};

use crate::read::{FileError, Layout, RowView, parse_row, read_rows, row_error};

/// Columns of firms.csv; `assets_10k_cny` is optional (needed to size construction, real
/// estate and leasing firms).
pub const FIRM_COLUMNS: [&str; 7] =
    ["uscc", "name", "region_code", "industry_code", "employees", "revenue_10k_cny", "chains"];
/// Optional extra column of firms.csv.
pub const FIRM_OPTIONAL: [&str; 1] = ["assets_10k_cny"];
/// Columns of links.csv.
pub const LINK_COLUMNS: [&str; 5] = ["supplier_uscc", "customer_uscc", "product", "annual_value_10k_cny", "essential"];

pub(crate) const FIRMS: Layout = Layout { file: "firms", required: &FIRM_COLUMNS, optional: &FIRM_OPTIONAL };
pub(crate) const LINKS: Layout = Layout { file: "links", required: &LINK_COLUMNS, optional: &[] };

pub(crate) fn optional_number<T: std::str::FromStr>(text: &str, what: &str) -> Result<Option<T>, ValidationError> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<T>()
        .map(Some)
        .map_err(|_| ValidationError::new(ErrorCode::OutOfRange, format!("{what} `{text}` is not a number")))
}

/// An annual value in 10,000 CNY as written in a file.
pub(crate) fn value(text: &str) -> Result<Value10kCny, ValidationError> {
    text.parse::<f64>()
        .map_err(|_| {
            ValidationError::new(ErrorCode::OutOfRange, format!("annual_value_10k_cny `{text}` is not a number"))
        })
        .and_then(Value10kCny::new)
}

/// One firm row.
pub(crate) fn firm_row(r: &RowView<'_>) -> Result<FirmDraft, RowError> {
    let amount = |col: &'static str| {
        r.parse(col, |t| optional_number::<f64>(t, col).and_then(|v| Indicators::check_amount(col, v)))
    };
    Ok(FirmDraft {
        uscc: r.parse("uscc", Uscc::parse)?,
        name: r.parse("name", FirmName::parse)?,
        region: r.parse("region_code", RegionCode::parse)?,
        industry: r.parse("industry_code", IndustryCode::parse)?,
        indicators: Indicators {
            employees: r
                .parse("employees", |t| optional_number::<i64>(t, "employees").and_then(Indicators::check_employees))?,
            revenue_10k_cny: amount("revenue_10k_cny")?,
            assets_10k_cny: amount("assets_10k_cny")?,
        },
        chains: r.parse("chains", ChainCode::parse_list)?,
    })
}

/// One link row.
pub(crate) fn link_row(r: &RowView<'_>) -> Result<LinkDraft, RowError> {
    let supplier = r.parse("supplier_uscc", Uscc::parse)?;
    let customer = r.parse("customer_uscc", Uscc::parse)?;
    let product = r.parse("product", Product::parse)?;
    let value = r.parse("annual_value_10k_cny", value)?;
    let essential = r.parse("essential", Essentiality::parse_csv)?;
    r.parse("customer_uscc", |_| LinkDraft::new(supplier, customer, product, value, essential))
}

/// The message of a link row that repeats an earlier one.
pub(crate) fn repeated_link(first_line: usize) -> ValidationError {
    ValidationError::new(
        ErrorCode::Duplicate,
        format!("the same supplier, customer and product already appear on line {first_line}"),
    )
}

/// The message of a firm row that repeats an earlier USCC.
pub(crate) fn repeated_firm(uscc: &Uscc, first_line: usize) -> ValidationError {
    ValidationError::new(ErrorCode::Duplicate, format!("USCC {uscc} already appears on line {first_line}"))
}

/// Good rows with their lines, and the errors of the bad ones (sorted by line).
type Parsed<T> = (Vec<(usize, T)>, Vec<RowError>);

/// What a whole-file reader returns: the good rows and the errors of the bad ones, or why the file
/// could not be read at all.
pub type FileRows<T> = Result<(Vec<T>, Vec<RowError>), FileError>;

/// The loop whole-file readers share: row parsing, and repeats of a natural key (reported on
/// their second line, blamed on `key_column` when there is one).
fn parse_rows<T, K: std::hash::Hash + Eq>(
    path: &Path,
    layout: Layout,
    parse: impl Fn(&RowView<'_>) -> Result<T, RowError>,
    key: impl Fn(&T) -> K,
    repeated: impl Fn(&T, usize) -> ValidationError,
    key_column: Option<&'static str>,
) -> Result<Parsed<T>, FileError> {
    let mut good = Vec::new();
    let mut bad: Vec<RowError> = Vec::new();
    let mut first_line: HashMap<K, usize> = HashMap::new();
    read_rows(path, layout, |header, line, row| match parse_row(header, layout.file, line, row, &parse) {
        Ok(item) => match first_line.get(&key(&item)) {
            Some(&prev) => bad.push(row_error(layout.file, line, key_column, repeated(&item, prev))),
            None => {
                first_line.insert(key(&item), line);
                good.push((line, item));
            }
        },
        Err(e) => bad.push(e),
    })?;
    bad.sort_by_key(|e| e.line);
    Ok((good, bad))
}

/// Reads and validates a firms file. Returns the good rows and an error for every bad one (a
/// USCC appearing twice is an error on its second line); fails when the file cannot be read or
/// its header is wrong.
pub fn parse_firms(path: &Path) -> FileRows<FirmRow> {
    let key = |f: &FirmDraft| f.uscc.as_str().to_owned();
    let (good, bad) = parse_rows(path, FIRMS, firm_row, key, |f, prev| repeated_firm(&f.uscc, prev), Some("uscc"))?;
    Ok((good.into_iter().map(|(line, firm)| FirmRow { line, firm }).collect(), bad))
}

/// Reads and validates a links file: USCCs, self-links, product, value > 0, essentiality, and
/// repeats of (supplier, customer, product) within the file.
pub fn parse_links(path: &Path) -> FileRows<LinkRow> {
    let key = |l: &LinkDraft| {
        (l.supplier().as_str().to_owned(), l.customer().as_str().to_owned(), l.product.as_str().to_owned())
    };
    let (good, bad) = parse_rows(path, LINKS, link_row, key, |_, prev| repeated_link(prev), None)?;
    Ok((good.into_iter().map(|(line, link)| LinkRow { line, link }).collect(), bad))
}
