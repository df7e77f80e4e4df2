//! A member's filled sheet read back: every problem found, each with its row, in the
//! commission's language, and the sheet stored whole or not at all. Only the applications
//! on her sheet may be scored: a code set aside, withdrawn or that she recused from refuses
//! the sheet, whether the sheet had it or it changed in the store while she scored.

use std::collections::HashMap;

use content_model::Selection;
use store::{CommissionStore, Scores, ScoresError};

use crate::pool::{Excluded, Pool};
use crate::{criterion_column, one_line};

/// Why `code` may not be scored by this member, in `lang`.
fn not_scored(selection: &Selection, code: &str, excluded: Option<&Excluded>, recused: bool, lang: &str) -> String {
    let code = one_line(code);
    let code = code.as_ref();
    match excluded {
        Some(Excluded::Ineligible) => selection.text("import_ineligible", lang, &[("code", code)]),
        Some(Excluded::Duplicate { of }) => {
            selection.text("import_duplicate", lang, &[("code", code), ("of", &one_line(of))])
        }
        Some(Excluded::Withdrawn) => selection.text("import_withdrawn", lang, &[("code", code)]),
        None if recused => selection.text("import_recused", lang, &[("code", code)]),
        None => selection.text("import_unknown_code", lang, &[("code", code)]),
    }
}

/// Why a sheet was refused; nothing of it was stored.
#[derive(Debug)]
pub enum ImportError {
    /// Problems in the sheet itself, each already written out in the sheet's language and
    /// naming its row (as a spreadsheet numbers them).
    Sheet(Vec<String>),
    /// The store said no.
    Scores(ScoresError),
}

impl ImportError {
    /// Every problem, one a line, then that nothing changed: in `lang`.
    pub fn message(&self, selection: &Selection, lang: &str) -> String {
        let text = |key: &str, values: &[(&str, &str)]| selection.text(key, lang, values);
        let mut lines = match self {
            ImportError::Sheet(problems) => problems.clone(),
            ImportError::Scores(ScoresError::WouldOverwrite(codes)) => {
                vec![text("import_would_overwrite", &[("codes", &one_line(&codes.join(", ")))])]
            }
            ImportError::Scores(ScoresError::UnknownCode(code)) => {
                vec![not_scored(selection, code, None, false, lang)]
            }
            ImportError::Scores(ScoresError::Withdrawn(code)) => {
                vec![not_scored(selection, code, Some(&Excluded::Withdrawn), false, lang)]
            }
            ImportError::Scores(ScoresError::Recused(code)) => vec![not_scored(selection, code, None, true, lang)],
            ImportError::Scores(ScoresError::Store(err)) => vec![text("import_store", &[("error", &err.to_string())])],
        };
        lines.push(text("import_nothing_changed", &[]));
        lines.join("\n")
    }
}

/// Reads `sheet` (CSV, as `sheet_csv` wrote it and a spreadsheet saved it: with commas,
/// semicolons or tabs, quoted or not, apostrophes before values or not) for `member` and
/// stores it. Its codes must be on her sheet as the store has it now (see [`Pool`]).
/// Problems are written in `lang`.
pub async fn import_sheet(
    store: &impl CommissionStore,
    selection: &Selection,
    member: &str,
    sheet: &[u8],
    overwrite: bool,
    lang: &str,
) -> Result<usize, ImportError> {
    let text = |key: &str, values: &[(&str, &str)]| selection.text(key, lang, values);
    let at = |row: usize, problem: String| format!("{}: {problem}", text("import_row", &[("row", &row.to_string())]));
    if !selection.members.iter().any(|known| known.id == member) {
        let ids: Vec<&str> = selection.members.iter().map(|m| m.id.as_str()).collect();
        return Err(ImportError::Sheet(vec![text(
            "import_not_member",
            &[("member", member), ("members", &ids.join(", "))],
        )]));
    }
    let pool = Pool::load(store).await.map_err(|err| ImportError::Scores(ScoresError::Store(err)))?;
    let sheet = sheet.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(sheet);
    // The code column is named in the language the sheet was made in: accept any of them.
    let code_names: Vec<&str> = selection.text.get("code").map(|names| names.values().collect()).unwrap_or_default();
    let columns = |header: &[String]| {
        let column =
            |prefix: &str| header.iter().position(|cell| cell == prefix || cell.starts_with(&format!("{prefix} ")));
        let code = code_names.iter().chain(&["code"]).find_map(|name| column(name));
        let criteria: Vec<Option<usize>> =
            (1..=selection.criteria.len()).map(|number| column(&criterion_column(number))).collect();
        (code, criteria)
    };
    let header_of = |delimiter: u8| {
        let mut reader = csv::ReaderBuilder::new().flexible(true).delimiter(delimiter).from_reader(sheet);
        reader.headers().map(|header| {
            header.iter().map(|cell| cell.trim().trim_start_matches('\'').to_string()).collect::<Vec<_>>()
        })
    };
    // We write commas; a spreadsheet in Kyrgyz or Russian saves semicolons, and one saving
    // "text" tabs. The separator whose header finds the most of our columns is the sheet's.
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .map(|delimiter| {
            let found = header_of(delimiter).map_or(0, |header| {
                let (code, criteria) = columns(&header);
                usize::from(code.is_some()) + criteria.iter().flatten().count()
            });
            (found, delimiter)
        })
        .rev()
        .max_by_key(|(found, _)| *found)
        .map_or(b',', |(_, delimiter)| delimiter);
    let header = match header_of(delimiter) {
        Ok(header) => header,
        Err(err) => {
            return Err(ImportError::Sheet(vec![at(1, text("import_not_csv", &[("error", &err.to_string())]))]))
        }
    };
    let (code_column, criterion_columns) = columns(&header);
    let Some(code_column) = code_column else {
        return Err(ImportError::Sheet(vec![at(1, text("import_no_code_column", &[("column", &text("code", &[]))]))]));
    };
    let mut problems = Vec::new();
    let mut criteria = Vec::new();
    for (index, found) in criterion_columns.into_iter().enumerate() {
        let number = index + 1;
        match found {
            Some(index) => criteria.push(index),
            None => problems.push(at(
                1,
                text(
                    "import_no_criterion_column",
                    &[("number", &number.to_string()), ("column", &criterion_column(number))],
                ),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(ImportError::Sheet(problems));
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).delimiter(delimiter).from_reader(sheet);
    let mut rows = Vec::new();
    // The row of each code, to name it when the store refuses the sheet for that code.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                problems.push(at(row, text("import_unreadable", &[("error", &err.to_string())])));
                continue;
            }
        };
        // A spreadsheet may keep the apostrophe our neutralising wrote, or add its own.
        let cell = |i: usize| record.get(i).unwrap_or("").trim().trim_start_matches('\'').trim();
        let code = cell(code_column).to_string();
        if code.is_empty() && criteria.iter().all(|&i| cell(i).is_empty()) {
            continue;
        }
        let recused = pool.is_recused(member, &code);
        if !pool.contains(&code) || recused {
            problems.push(at(row, not_scored(selection, &code, pool.excluded(&code), recused, lang)));
            continue;
        }
        if seen.insert(code.clone(), row).is_some() {
            problems.push(at(row, text("import_twice", &[("code", &one_line(&code))])));
            continue;
        }
        let mut scores = Vec::new();
        for (index, (criterion, &i)) in selection.criteria.iter().zip(&criteria).enumerate() {
            let number = (index + 1).to_string();
            let title = criterion.title.get(lang);
            match cell(i).parse::<u8>() {
                Ok(score @ 1..=5) => scores.push(score),
                _ if cell(i).is_empty() => problems.push(at(
                    row,
                    text("import_missing_score", &[("code", &code), ("number", &number), ("title", title)]),
                )),
                _ => problems.push(at(
                    row,
                    text(
                        "import_bad_score",
                        &[("code", &code), ("number", &number), ("title", title), ("value", &one_line(cell(i)))],
                    ),
                )),
            }
        }
        if scores.len() == criteria.len() {
            rows.push(Scores { code, member: member.to_string(), scores });
        }
    }
    if !problems.is_empty() {
        return Err(ImportError::Sheet(problems));
    }
    // Checked above against the pool as it was read; a withdrawal or a recusal since then
    // is the store's refusal, named by its row as every other one.
    let refused = |code: &str, why: String| match seen.get(code) {
        Some(&row) => ImportError::Sheet(vec![at(row, why)]),
        None => ImportError::Sheet(vec![why]),
    };
    match store.save_scores(member, &rows, overwrite).await {
        Ok(()) => Ok(rows.len()),
        Err(ScoresError::UnknownCode(code)) => Err(refused(&code, not_scored(selection, &code, None, false, lang))),
        Err(ScoresError::Withdrawn(code)) => {
            Err(refused(&code, not_scored(selection, &code, Some(&Excluded::Withdrawn), false, lang)))
        }
        Err(ScoresError::Recused(code)) => Err(refused(&code, not_scored(selection, &code, None, true, lang))),
        Err(err) => Err(ImportError::Scores(err)),
    }
}
