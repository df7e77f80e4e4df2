//! Stage II, for the secretariat and the selection commission: what the intake stored,
//! scoring sheets for each member (answers and essays, never personal data), their filled
//! sheets read back, the weighted ranking within each age group with the quotas, and the
//! results. Everything a member reads is in the language asked for, from the commission's
//! own words in `content/selection.toml`.
//!
//! The store is the intake's ([`store::CommissionStore`]): the embedded SQLite file that
//! `generator serve` writes, or the production DynamoDB tables.

mod content;
mod import;
mod ranking;
mod results;
mod sheet;

pub use content::CommissionContent;
pub use import::{import_sheet, ImportError};
pub use ranking::{rank, Ranked, Ranking};
pub use results::{ranking_json, results_csv, results_markdown};
pub use sheet::{sheet_csv, sheet_html, SheetError};

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage
/// return first) gets a leading apostrophe, so an answer can never act as one.
pub(crate) fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// CSV that opens in a spreadsheet in Kyrgyz or Russian without mojibake: UTF-8 with a byte
/// order mark, lines ending in CRLF, every cell neutralised.
pub(crate) fn write_csv(rows: &[Vec<String>]) -> Vec<u8> {
    // Flexible, so that rows of any length are written as they are; the only other failure
    // is the writer's I/O, and a Vec in memory has none: the expects below cannot fire.
    let mut writer = csv::WriterBuilder::new().flexible(true).terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    for row in rows {
        #[allow(clippy::expect_used)]
        writer.write_record(row.iter().map(|cell| neutralise(cell))).expect("writing to memory");
    }
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    #[allow(clippy::expect_used)]
    bytes.extend(writer.into_inner().expect("writing to memory"));
    bytes
}

/// The column of criterion `number` (1-based) in sheets: `C1`, … — what `import` reads.
pub(crate) fn criterion_column(number: usize) -> String {
    format!("C{number}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(super::neutralise("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(super::neutralise("-1"), "'-1");
        assert_eq!(super::neutralise("@cmd"), "'@cmd");
        assert_eq!(super::neutralise("Айыл"), "Айыл");
    }
}
