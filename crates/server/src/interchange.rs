//! The interchange files of DESIGN.md: firms and links as CSV (UTF-8, header row) or XLSX with
//! the same columns. Reading validates every row and reports each bad one with its line number;
//! nothing here writes.
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};
use linchpin_domain::{
    ChainCode, ErrorCode, Essentiality, FirmDraft, FirmName, Indicators, IndustryCode, LinkDraft, Product, RegionCode,
    Uscc, ValidationError, Value10kCny,
};
use linchpin_store::import::{FirmRow, LinkRow, RowError};

/// Columns of firms.csv; `assets_10k_cny` is optional (needed to size construction, real
/// estate and leasing firms).
pub const FIRM_COLUMNS: [&str; 7] =
    ["uscc", "name", "region_code", "industry_code", "employees", "revenue_10k_cny", "chains"];
/// Optional extra column of firms.csv.
pub const FIRM_OPTIONAL: [&str; 1] = ["assets_10k_cny"];
/// Columns of links.csv.
pub const LINK_COLUMNS: [&str; 5] = ["supplier_uscc", "customer_uscc", "product", "annual_value_10k_cny", "essential"];
/// Largest file accepted, so a mistaken path cannot exhaust memory.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Why a file could not be read at all (as opposed to bad rows).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// The file cannot be opened or read.
    #[error("cannot read {path}: {reason}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The header row lacks columns or has unknown ones.
    #[error("{path}: {reason}")]
    BadHeader {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

/// The checked header of a file: column positions by name.
struct Header {
    columns: HashMap<String, usize>,
    width: usize,
}

impl Header {
    /// A row with fewer fields than the header, or with text beyond the last column, is
    /// malformed (a shifted column would otherwise be read as the wrong field).
    fn shape_error(&self, row: &[&str]) -> Option<String> {
        let extra = row.iter().skip(self.width).any(|c| !c.trim().is_empty());
        (row.len() < self.width || extra).then(|| {
            let n = if extra { row.iter().rposition(|c| !c.trim().is_empty()).map_or(0, |i| i + 1) } else { row.len() };
            format!("row has {n} fields; the header has {}", self.width)
        })
    }

    fn get<'a>(&self, row: &[&'a str], col: &str) -> &'a str {
        self.columns.get(col).and_then(|&i| row.get(i)).map_or("", |s| s.trim())
    }
}

fn unreadable(path: &Path, e: impl std::fmt::Display) -> FileError {
    FileError::Unreadable { path: path.display().to_string(), reason: e.to_string() }
}

fn check_header(
    path: &Path,
    mut header: Vec<String>,
    required: &[&str],
    optional: &[&str],
) -> Result<Header, FileError> {
    let bad = |reason: String| FileError::BadHeader { path: path.display().to_string(), reason };
    // A sheet's used range can be wider than its header; empty trailing header cells are not columns.
    while header.last().is_some_and(|h| h.trim().is_empty()) {
        header.pop();
    }
    let mut columns = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let name = h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
        if !required.contains(&name.as_str()) && !optional.contains(&name.as_str()) {
            return Err(bad(format!("unknown column `{name}`; expected {}", required.join(","))));
        }
        if columns.insert(name.clone(), i).is_some() {
            return Err(bad(format!("column `{name}` appears twice")));
        }
    }
    let missing: Vec<&str> = required.iter().copied().filter(|c| !columns.contains_key(*c)).collect();
    if !missing.is_empty() {
        return Err(bad(format!("missing column(s) {}; expected header {}", missing.join(", "), required.join(","))));
    }
    Ok(Header { columns, width: header.len() })
}

/// A row as read: its fields, or why it could not be split into fields (bad UTF-8).
type RawRow<'a> = Result<&'a [&'a str], String>;

/// Reads a CSV or XLSX (by extension `.xlsx`/`.xlsm`/`.xls`/`.ods`) file row by row after
/// checking its header; `each` gets the header, the 1-based line (the header is line 1) and the
/// row. Empty rows are skipped. CSV rows are streamed, never all held as text.
fn read_rows(
    path: &Path,
    required: &[&str],
    optional: &[&str],
    mut each: impl FnMut(&Header, usize, RawRow<'_>),
) -> Result<(), FileError> {
    let meta = std::fs::metadata(path).map_err(|e| unreadable(path, e))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(unreadable(path, format!("file is larger than {MAX_FILE_BYTES} bytes")));
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "ods") {
        let mut wb = open_workbook_auto(path).map_err(|e| unreadable(path, e))?;
        let range = wb
            .worksheet_range_at(0)
            .ok_or_else(|| unreadable(path, "workbook has no sheet"))?
            .map_err(|e| unreadable(path, e))?;
        let mut rows = range.rows();
        let raw: Vec<String> = rows.next().map(|r| r.iter().map(cell_text).collect()).unwrap_or_default();
        let header = check_header(path, raw, required, optional)?;
        // Sheet rows are numbered from the range's first row (1-based, header included).
        let first = range.start().map_or(1, |(r, _)| r as usize + 1);
        for (i, r) in rows.enumerate() {
            let cells: Vec<String> = r.iter().map(cell_text).collect();
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let fields: Vec<&str> = cells.iter().map(String::as_str).collect();
            each(&header, first + 1 + i, Ok(&fields));
        }
        return Ok(());
    }
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).has_headers(true).from_path(path).map_err(|e| unreadable(path, e))?;
    let raw: Vec<String> = reader.headers().map_err(|e| unreadable(path, e))?.iter().map(str::to_owned).collect();
    let header = check_header(path, raw, required, optional)?;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                let line = record.position().map_or(0, |p| p.line() as usize);
                let fields: Vec<&str> = record.iter().collect();
                each(&header, line, Ok(&fields));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => each(&header, line, Err("row is not valid UTF-8".to_owned())),
                    csv::ErrorKind::Io(_) => return Err(unreadable(path, e)),
                    _ => each(&header, line, Err(format!("row cannot be read: {e}"))),
                }
            }
        }
    }
    Ok(())
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

fn row_error(file: &'static str, line: usize, column: Option<&str>, e: ValidationError) -> RowError {
    RowError { file, line, column: column.map(str::to_owned), code: e.code, message: e.message }
}

fn optional_number<T: std::str::FromStr>(text: &str, what: &str) -> Result<Option<T>, ValidationError> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<T>()
        .map(Some)
        .map_err(|_| ValidationError::new(ErrorCode::OutOfRange, format!("{what} `{text}` is not a number")))
}

/// A row as seen by a row parser: its fields by column name, and a way to blame a column.
struct RowView<'a> {
    header: &'a Header,
    row: &'a [&'a str],
    file: &'static str,
    line: usize,
}

impl RowView<'_> {
    fn field(&self, col: &str) -> &str {
        self.header.get(self.row, col)
    }

    /// Parses column `col` with `parse`, blaming that column on failure.
    fn parse<T>(
        &self,
        col: &'static str,
        parse: impl FnOnce(&str) -> Result<T, ValidationError>,
    ) -> Result<T, RowError> {
        parse(self.field(col)).map_err(|e| row_error(self.file, self.line, Some(col), e))
    }
}

/// Good rows with their lines, and the errors of the bad ones.
type Parsed<T> = (Vec<(usize, T)>, Vec<RowError>);

/// The loop every file shares: malformed rows, row parsing, and duplicates of a natural key
/// (reported on their second line, blamed on `key_column` when there is one). `key` gives an
/// item's key and the start of the sentence reporting a repeat.
#[allow(clippy::too_many_arguments)]
fn parse_rows<T, K: std::hash::Hash + Eq>(
    path: &Path,
    required: &[&str],
    optional: &[&str],
    file: &'static str,
    parse: impl Fn(&RowView<'_>) -> Result<T, RowError>,
    key: impl Fn(&T) -> (K, String),
    key_column: Option<&'static str>,
) -> Result<Parsed<T>, FileError> {
    let invalid =
        |line: usize, why: String| row_error(file, line, None, ValidationError::new(ErrorCode::InvalidValue, why));
    let mut good = Vec::new();
    let mut bad: Vec<RowError> = Vec::new();
    let mut first_line: HashMap<K, usize> = HashMap::new();
    read_rows(path, required, optional, |header, line, row| {
        let row = match row {
            Ok(r) => r,
            Err(why) => return bad.push(invalid(line, why)),
        };
        if let Some(why) = header.shape_error(row) {
            return bad.push(invalid(line, why));
        }
        match parse(&RowView { header, row, file, line }) {
            Ok(item) => {
                let (k, what) = key(&item);
                match first_line.get(&k) {
                    Some(&prev) => bad.push(row_error(
                        file,
                        line,
                        key_column,
                        ValidationError::new(ErrorCode::Duplicate, format!("{what} on line {prev}")),
                    )),
                    None => {
                        first_line.insert(k, line);
                        good.push((line, item));
                    }
                }
            }
            Err(e) => bad.push(e),
        }
    })?;
    bad.sort_by_key(|e| e.line);
    Ok((good, bad))
}

/// Reads and validates a firms file. Returns the good rows and an error for every bad one (a
/// USCC appearing twice is an error on its second line); fails when the file cannot be read or
/// its header is wrong.
pub fn parse_firms(path: &Path) -> Result<(Vec<FirmRow>, Vec<RowError>), FileError> {
    let parse = |r: &RowView<'_>| -> Result<FirmDraft, RowError> {
        let amount = |col: &'static str| {
            r.parse(col, |t| optional_number::<f64>(t, col).and_then(|v| Indicators::check_amount(col, v)))
        };
        Ok(FirmDraft {
            uscc: r.parse("uscc", Uscc::parse)?,
            name: r.parse("name", FirmName::parse)?,
            region: r.parse("region_code", RegionCode::parse)?,
            industry: r.parse("industry_code", IndustryCode::parse)?,
            indicators: Indicators {
                employees: r.parse("employees", |t| {
                    optional_number::<i64>(t, "employees").and_then(Indicators::check_employees)
                })?,
                revenue_10k_cny: amount("revenue_10k_cny")?,
                assets_10k_cny: amount("assets_10k_cny")?,
            },
            chains: r.parse("chains", ChainCode::parse_list)?,
        })
    };
    let key = |f: &FirmDraft| (f.uscc.as_str().to_owned(), format!("USCC {} already appears", f.uscc));
    let (good, bad) = parse_rows(path, &FIRM_COLUMNS, &FIRM_OPTIONAL, "firms", parse, key, Some("uscc"))?;
    Ok((good.into_iter().map(|(line, firm)| FirmRow { line, firm }).collect(), bad))
}

/// Reads and validates a links file: USCCs, self-links, product, value > 0, essentiality, and
/// duplicates of (supplier, customer, product) within the file.
pub fn parse_links(path: &Path) -> Result<(Vec<LinkRow>, Vec<RowError>), FileError> {
    let parse = |r: &RowView<'_>| -> Result<LinkDraft, RowError> {
        let supplier = r.parse("supplier_uscc", Uscc::parse)?;
        let customer = r.parse("customer_uscc", Uscc::parse)?;
        let product = r.parse("product", Product::parse)?;
        let value = r.parse("annual_value_10k_cny", |t| {
            t.parse::<f64>()
                .map_err(|_| {
                    ValidationError::new(ErrorCode::OutOfRange, format!("annual_value_10k_cny `{t}` is not a number"))
                })
                .and_then(Value10kCny::new)
        })?;
        let essential = r.parse("essential", Essentiality::parse_csv)?;
        r.parse("customer_uscc", |_| LinkDraft::new(supplier, customer, product, value, essential))
    };
    let key = |l: &LinkDraft| {
        let k = (l.supplier().as_str().to_owned(), l.customer().as_str().to_owned(), l.product.as_str().to_owned());
        (k, "the same supplier, customer and product already appear".to_owned())
    };
    let (good, bad) = parse_rows(path, &LINK_COLUMNS, &[], "links", parse, key, None)?;
    Ok((good.into_iter().map(|(line, link)| LinkRow { line, link }).collect(), bad))
}

/// Writes firms in the firms.csv format.
pub fn write_firms_csv(out: impl Write, firms: &[FirmDraft]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<&str> = FIRM_COLUMNS.to_vec();
    header.extend(FIRM_OPTIONAL);
    w.write_record(&header)?;
    for f in firms {
        let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        let chains: Vec<&str> = f.chains.iter().map(ChainCode::as_str).collect();
        w.write_record([
            f.uscc.as_str().to_owned(),
            f.name.as_str().to_owned(),
            f.region.as_str().to_owned(),
            f.industry.as_str().to_owned(),
            f.indicators.employees.map(|e| e.to_string()).unwrap_or_default(),
            opt(f.indicators.revenue_10k_cny),
            chains.join(";"),
            opt(f.indicators.assets_10k_cny),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes links in the links.csv format.
pub fn write_links_csv(out: impl Write, links: &[LinkDraft]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(LINK_COLUMNS)?;
    for l in links {
        w.write_record([
            l.supplier().as_str(),
            l.customer().as_str(),
            l.product.as_str(),
            &l.annual_value.get().to_string(),
            l.essentiality.csv_str(),
        ])?;
    }
    w.flush()?;
    Ok(())
}
