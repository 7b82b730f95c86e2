//! The whitelist as a bureau hands it on: one row per entry with Chinese column headers, as CSV
//! (UTF-8 with a byte-order mark, so spreadsheets read the Chinese) or XLSX (a header row, frozen
//! panes, column widths fitted to the text, a filter on the header). No cell is ever a formula: in
//! XLSX every text is a string cell, and one that starts with `=`, `+`, `-` or `@` also carries the
//! quote prefix spreadsheets use for "this is text"; in CSV such a cell gets a leading `'`
//! ([`spreadsheet_safe`]).
//!
//! [`read_whitelist`] reads either file back with the importer's reader, so an export can be
//! checked row for row.
use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, XlsxError};

use crate::read::{FileError, Layout, read_rows};
use crate::write::spreadsheet_safe;

/// The columns of an exported whitelist, in order.
pub const WHITELIST_COLUMNS: [&str; 14] = [
    "序号",
    "统一社会信用代码",
    "企业名称",
    "所在地区代码",
    "产业链",
    "企业规模",
    "状态",
    "批次",
    "批次名称",
    "有效期至",
    "入选理由",
    "优先级得分",
    "全国排名",
    "推荐企业",
];

/// Columns written as numbers (when their text is one).
const NUMERIC: [usize; 3] = [0, 11, 12];

/// One exported entry; every cell as text, as a spreadsheet shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WhitelistRow {
    /// 序号: 1, 2, ...
    pub seq: String,
    /// 统一社会信用代码.
    pub uscc: String,
    /// 企业名称.
    pub name: String,
    /// 所在地区代码 (GB/T 2260).
    pub region_code: String,
    /// 产业链 (chain code).
    pub chain: String,
    /// 企业规模, e.g. 小型企业.
    pub size_class: String,
    /// 状态, e.g. 已入选.
    pub status: String,
    /// 批次, e.g. 第1批 (empty before publication).
    pub batch: String,
    /// 批次名称.
    pub batch_title: String,
    /// 有效期至 (YYYY-MM-DD).
    pub valid_until: String,
    /// 入选理由: the reasons of the analysis behind the entry, in Chinese, separated by `；`.
    pub reasons: String,
    /// 优先级得分 (see [`number_cell`]).
    pub priority_score: String,
    /// 全国排名.
    pub rank: String,
    /// 推荐企业: the chain leader that recommended the firm, if any.
    pub recommended_by: String,
}

impl WhitelistRow {
    fn cells(&self) -> [&str; 14] {
        [
            &self.seq,
            &self.uscc,
            &self.name,
            &self.region_code,
            &self.chain,
            &self.size_class,
            &self.status,
            &self.batch,
            &self.batch_title,
            &self.valid_until,
            &self.reasons,
            &self.priority_score,
            &self.rank,
            &self.recommended_by,
        ]
    }

    fn from_cells(c: [String; 14]) -> Self {
        let [
            seq,
            uscc,
            name,
            region_code,
            chain,
            size_class,
            status,
            batch,
            batch_title,
            valid_until,
            reasons,
            priority_score,
            rank,
            recommended_by,
        ] = c;
        Self {
            seq,
            uscc,
            name,
            region_code,
            chain,
            size_class,
            status,
            batch,
            batch_title,
            valid_until,
            reasons,
            priority_score,
            rank,
            recommended_by,
        }
    }
}

/// A number as the export writes it: rounded to 4 decimals, in the shortest form that reads back
/// as the same number (so a spreadsheet's number and the CSV's text agree).
pub fn number_cell(x: f64) -> String {
    let r = (x * 10_000.0).round() / 10_000.0;
    if r == 0.0 { "0".to_owned() } else { r.to_string() }
}

/// Writes the rows as CSV, with a byte-order mark.
pub fn write_whitelist_csv(mut out: impl Write, rows: &[WhitelistRow]) -> csv::Result<()> {
    out.write_all("\u{feff}".as_bytes())?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(WHITELIST_COLUMNS)?;
    for r in rows {
        w.write_record(r.cells().iter().map(|c| spreadsheet_safe(c).into_owned()))?;
    }
    w.flush()?;
    Ok(())
}

/// Display width of a text in a spreadsheet column: CJK and full-width characters take two.
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 }).sum()
}

/// The rows as an XLSX workbook (one sheet, `白名单`).
pub fn write_whitelist_xlsx(rows: &[WhitelistRow]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.set_name("白名单")?;
    let header =
        Format::new().set_bold().set_background_color(Color::RGB(0xDDEBF7)).set_border_bottom(FormatBorder::Thin);
    let text = Format::new();
    let quoted = Format::new().set_quote_prefix();
    let mut widths: Vec<usize> = WHITELIST_COLUMNS.iter().map(|h| display_width(h)).collect();
    for (c, h) in WHITELIST_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &header)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (c, cell) in r.cells().into_iter().enumerate() {
            let col = c as u16;
            widths[c] = widths[c].max(display_width(cell));
            match cell.parse::<f64>() {
                Ok(x) if NUMERIC.contains(&c) && x.is_finite() => {
                    sheet.write_number(row, col, x)?;
                }
                _ if cell.is_empty() => {}
                _ if matches!(cell.chars().next(), Some('=' | '+' | '-' | '@')) => {
                    sheet.write_string_with_format(row, col, cell, &quoted)?;
                }
                _ => {
                    sheet.write_string_with_format(row, col, cell, &text)?;
                }
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        // a little air, and no column wider than a screen's third (long reasons wrap in the cell)
        sheet.set_column_width(c as u16, (*w as f64 + 2.0).clamp(6.0, 60.0))?;
    }
    sheet.set_freeze_panes(1, 3)?;
    sheet.autofilter(0, 0, rows.len() as u32, (WHITELIST_COLUMNS.len() - 1) as u16)?;
    wb.save_to_buffer()
}

const LAYOUT: Layout = Layout { file: "whitelist", required: &WHITELIST_COLUMNS, optional: &[] };

/// Reads an exported whitelist (CSV or XLSX, by extension) back into rows, in file order. A CSV
/// cell's protective leading `'` is kept, as a spreadsheet would show it.
pub fn read_whitelist(path: &Path) -> Result<Vec<WhitelistRow>, FileError> {
    let mut rows = Vec::new();
    let mut bad = None;
    read_rows(path, LAYOUT, |header, line, row| match row {
        Ok(fields) => {
            let cells = WHITELIST_COLUMNS.map(|c| header.get(fields, &c.to_ascii_lowercase()).to_owned());
            rows.push(WhitelistRow::from_cells(cells));
        }
        Err(reason) => {
            bad.get_or_insert(FileError::Unreadable {
                path: path.display().to_string(),
                reason: format!("line {line}: {reason}"),
            });
        }
    })?;
    match bad {
        Some(e) => Err(e),
        None => Ok(rows),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<WhitelistRow> {
        vec![
            WhitelistRow {
                seq: "1".into(),
                uscc: "91330106MA27XX0001".into(),
                name: "杭州精工轴承有限公司".into(),
                region_code: "330106".into(),
                chain: "NEV".into(),
                size_class: "小型企业".into(),
                status: "已入选".into(),
                batch: "第1批".into(),
                batch_title: "浙江省重点产业链供应链白名单（第一批）".into(),
                valid_until: "2027-11-29".into(),
                reasons: "停产将使 3 家大型企业减产；是 2 家企业的唯一关键供应商".into(),
                priority_score: number_cell(12.345_678),
                rank: "3".into(),
                recommended_by: String::new(),
            },
            WhitelistRow {
                seq: "2".into(),
                uscc: "91330106MA27XX0002".into(),
                name: "=HYPERLINK(\"http://x\")".into(),
                reasons: "-2 lines; @mention +1".into(),
                priority_score: number_cell(0.1),
                rank: String::new(),
                ..WhitelistRow::default()
            },
        ]
    }

    #[test]
    fn an_xlsx_export_reads_back_row_for_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("whitelist.xlsx");
        std::fs::write(&path, write_whitelist_xlsx(&sample()).unwrap()).unwrap();
        assert_eq!(read_whitelist(&path).unwrap(), sample());
    }

    #[test]
    fn a_csv_export_reads_back_with_formulas_defused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("whitelist.csv");
        let mut buf = Vec::new();
        write_whitelist_csv(&mut buf, &sample()).unwrap();
        assert!(buf.starts_with("\u{feff}序号".as_bytes()));
        std::fs::write(&path, &buf).unwrap();
        let back = read_whitelist(&path).unwrap();
        assert_eq!(back[0], sample()[0]);
        assert_eq!(back[1].name, "'=HYPERLINK(\"http://x\")");
        assert_eq!(back[1].reasons, "'-2 lines; @mention +1");
    }

    #[test]
    fn numbers_read_back_as_written() {
        for x in [0.0, 0.1, 12.345_678, 1e-9, 99.99999] {
            let s = number_cell(x);
            assert_eq!(s.parse::<f64>().unwrap().to_string(), s, "{x}");
        }
    }
}
