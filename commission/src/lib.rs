//! Stage II, for the secretariat and the selection commission: what the intake stored,
//! scoring sheets for each member (answers and essays, never personal data), their filled
//! sheets read back, the weighted ranking within each age group with the quotas, and the
//! results. Everything a member reads is in the language asked for, from the commission's
//! own words in `content/selection.toml`.
//!
//! The store is the intake's ([`store::CommissionStore`]): the embedded SQLite file that
//! `generator serve` writes, or the production DynamoDB tables.

pub mod checking;
mod content;
pub mod dossier;
pub mod entry;
mod final_list;
mod import;
pub mod notify;
mod pool;
mod ranking;
mod results;
mod sheet;

pub use content::CommissionContent;
pub use final_list::{counts, freeze_refusals, proposal_csv, propose, read_final_csv, Proposed};
pub use import::{import_sheet, ImportError};
pub use pool::{Candidate, Excluded, Pool, SetAside};
pub use ranking::{rank, Ranked, Ranking};
pub use results::{ranked_marks, ranking_json, results_csv, results_markdown, set_aside_line, Audience};
pub use sheet::{sheet_csv, sheet_html, SheetError};

use std::borrow::Cow;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

/// Where a spreadsheet may start a new cell inside one of ours: the list separators it may
/// split on (`,`; `;` in Kyrgyz and Russian locales; tab when pasted) and line breaks (a
/// spreadsheet that reads quotes differently may start a row there).
fn separates(c: char) -> bool {
    matches!(c, ',' | ';' | '\t' | '\r' | '\n')
}

/// What makes a spreadsheet read a cell as a formula (OWASP's CSV injection list), with the
/// full-width forms some spreadsheets read as the same signs.
fn triggers(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\u{FF1D}' | '\u{FF0B}' | '\u{FF0D}' | '\u{FF20}')
}

/// A cell no spreadsheet runs as a formula, however it splits it. Every piece a spreadsheet
/// could take as a cell of its own (the text after a separator, see [`separates`]) that
/// starts with a formula sign, after blanks and double quotes, gets an apostrophe before that
/// sign, and so does a tab or carriage return that starts a piece (OWASP's list), or a line
/// break that starts the cell. `Айгуль;=2+2` becomes `Айгуль;'=2+2`, and a phone `+996 …`
/// becomes `'+996 …`: an apostrophe shown is the price of a cell that can never compute.
pub(crate) fn neutralise(cell: &str) -> String {
    let mut neutral = String::with_capacity(cell.len() + 2);
    // A line break first is OWASP's too; later ones only separate paragraphs of an essay.
    if cell.starts_with('\n') {
        neutral.push('\'');
    }
    // Whether we are still before the first visible character of a piece.
    let mut at_start = true;
    for c in cell.chars() {
        if at_start && (triggers(c) || matches!(c, '\t' | '\r')) {
            neutral.push('\'');
        }
        if separates(c) {
            at_start = true;
        } else if !(c.is_whitespace() || c == '"') {
            at_start = false;
        }
        neutral.push(c);
    }
    neutral
}

/// CSV that opens in a spreadsheet in Kyrgyz or Russian without mojibake: UTF-8 with a byte
/// order mark, lines ending in CRLF, every cell quoted (so that a separator in a cell stays
/// in it for a reader that honours quotes), shown with its invisible characters written out
/// ([`store::printable`]) and neutralised ([`neutralise`]).
pub(crate) fn write_csv(rows: &[Vec<String>]) -> Vec<u8> {
    // Flexible, so that rows of any length are written as they are; the only other failure
    // is the writer's I/O, and a Vec in memory has none: the expects below cannot fire.
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .quote_style(csv::QuoteStyle::Always)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        #[allow(clippy::expect_used)]
        writer.write_record(row.iter().map(|cell| neutralise(&store::printable(cell)))).expect("writing to memory");
    }
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    #[allow(clippy::expect_used)]
    bytes.extend(writer.into_inner().expect("writing to memory"));
    bytes
}

/// Stored text for a listing of one line per row: invisible characters written out as
/// [`store::printable`] does, and line breaks and tabs too, so that a value can neither hide
/// part of itself nor start a row of its own.
pub fn one_line(text: &str) -> Cow<'_, str> {
    match store::printable(text) {
        Cow::Borrowed(text) if !text.contains(['\n', '\t']) => Cow::Borrowed(text),
        shown => Cow::Owned(shown.replace('\n', "<U+000A>").replace('\t', "<U+0009>")),
    }
}

/// JSON text (as serde_json writes it) with every invisible character escaped as `\uXXXX`:
/// a script reads the very value stored, a terminal shows the escape instead of obeying it.
/// Outside strings serde_json writes only ASCII, so every such character is inside one.
pub fn json_visible(json: &str) -> Cow<'_, str> {
    if !json.chars().any(store::is_invisible) {
        return Cow::Borrowed(json);
    }
    let mut shown = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if store::is_invisible(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                shown.push_str(&format!("\\u{unit:04X}"));
            }
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

/// Writes `bytes` to `path` readable by its owner only (0600), for files with names and
/// contacts: written to a new file of that mode in the same folder, then renamed over
/// `path`, so that no reader ever sees a half-written file or one with a wider mode, and a
/// file that was there before, with whatever mode, is replaced, not reused.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    // tempfile creates its files with mode 0600 on Unix.
    let mut file = tempfile::Builder::new().prefix(".mektep-").tempfile_in(folder)?;
    file.as_file().set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|err| err.error)?;
    Ok(())
}

/// `page` through the template `(name, text)` built into the binary, escaped as the site's
/// pages are (content_model::escape_html): the printable sheet and the dossier.
pub(crate) fn render_html((name, text): (&str, &str), page: &impl serde::Serialize) -> Result<String, tera::Error> {
    let mut tera = tera::Tera::default();
    tera.set_escape_fn(content_model::escape_html);
    tera.add_raw_template(name, text)?;
    tera.render(name, &tera::Context::from_serialize(page)?)
}

/// The column of criterion `number` (1-based) in sheets: `C1`, … — what `import` reads.
pub(crate) fn criterion_column(number: usize) -> String {
    format!("C{number}")
}

#[cfg(test)]
mod tests {
    use super::{json_visible, neutralise, one_line};

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@cmd"), "'@cmd");
        assert_eq!(neutralise("Айыл"), "Айыл");
    }

    #[test]
    fn every_piece_a_spreadsheet_could_split_off_is_neutralised() {
        assert_eq!(neutralise("Айгуль;=2+2"), "Айгуль;'=2+2");
        assert_eq!(neutralise("x\t=3+3"), "x\t'=3+3");
        assert_eq!(neutralise("a, @SUM(1)"), "a, '@SUM(1)");
        assert_eq!(neutralise("line\r\n-1+1"), "line\r\n'-1+1");
        assert_eq!(neutralise("a; \"=1\""), "a; \"'=1\"");
        assert_eq!(
            neutralise("\u{FF1D}1+1;\u{FF0B}1;\u{FF0D}1;\u{FF20}a"),
            "'\u{FF1D}1+1;'\u{FF0B}1;'\u{FF0D}1;'\u{FF20}a"
        );
        assert_eq!(neutralise("\tfoo"), "'\tfoo");
        assert_eq!(neutralise("a;\t+1"), "a;'\t'+1");
        assert_eq!(neutralise("абзац\n\nабзац"), "абзац\n\nабзац");
        assert_eq!(neutralise("\nfoo"), "'\nfoo");
        assert_eq!(neutralise("+996 770 771 156"), "'+996 770 771 156");
        // Signs inside a piece are text: only a piece's first character makes a formula.
        for text in ["1988-02-03", "Жаңы-Жол айылы", "a=b", "secret@example.kg", "'=1", "100.0", ""] {
            assert_eq!(neutralise(text), text);
        }
    }

    #[test]
    fn a_listing_keeps_each_value_on_its_line() {
        assert_eq!(one_line("Нарын\nобл.\tө"), "Нарын<U+000A>обл.<U+0009>ө");
        assert_eq!(one_line("Айгуль \u{202E}gnp.exe"), "Айгуль <U+202E>gnp.exe");
        assert_eq!(one_line("Айгүл Төлөгөнова"), "Айгүл Төлөгөнова");
    }

    #[test]
    fn json_escapes_invisible_characters_and_keeps_the_value() {
        let value = serde_json::json!({ "code": "a\u{202E}b\u{E0041}", "name": "Айгүл" });
        let shown = json_visible(&value.to_string()).into_owned();
        assert_eq!(shown, r#"{"code":"a\u202Eb\uDB40\uDC41","name":"Айгүл"}"#);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&shown).unwrap(), value);
    }
}
