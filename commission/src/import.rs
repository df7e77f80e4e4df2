//! A member's filled sheet read back: every problem found, each with its row, in the
//! commission's language, and the sheet stored whole or not at all.

use std::collections::HashSet;

use content_model::Selection;
use store::{CommissionStore, Scores, ScoresError};

use crate::criterion_column;

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
                vec![text("import_would_overwrite", &[("codes", &codes.join(", "))])]
            }
            ImportError::Scores(ScoresError::UnknownCode(code)) => vec![text("import_unknown_code", &[("code", code)])],
            ImportError::Scores(ScoresError::Store(err)) => vec![text("import_store", &[("error", &err.to_string())])],
        };
        lines.push(text("import_nothing_changed", &[]));
        lines.join("\n")
    }
}

/// Reads `sheet` (CSV, as `sheet_csv` wrote it and a spreadsheet saved it) for `member` and
/// stores it. `known_codes` are the applications in the store. Problems are written in `lang`.
pub async fn import_sheet(
    store: &impl CommissionStore,
    selection: &Selection,
    member: &str,
    sheet: &[u8],
    known_codes: &HashSet<String>,
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
    let sheet = sheet.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(sheet);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(sheet);
    let header: Vec<String> = match reader.headers() {
        Ok(header) => header.iter().map(|cell| cell.trim().to_string()).collect(),
        Err(err) => {
            return Err(ImportError::Sheet(vec![at(1, text("import_not_csv", &[("error", &err.to_string())]))]))
        }
    };
    let column =
        |prefix: &str| header.iter().position(|cell| cell == prefix || cell.starts_with(&format!("{prefix} ")));
    // The code column is named in the language the sheet was made in: accept any of them.
    let code_names: Vec<&str> = selection.text.get("code").map(|names| names.values().collect()).unwrap_or_default();
    let Some(code_column) = code_names.iter().chain(&["code"]).find_map(|name| column(name)) else {
        return Err(ImportError::Sheet(vec![at(1, text("import_no_code_column", &[("column", &text("code", &[]))]))]));
    };
    let mut problems = Vec::new();
    let mut criteria = Vec::new();
    for number in 1..=selection.criteria.len() {
        match column(&criterion_column(number)) {
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
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                problems.push(at(row, text("import_unreadable", &[("error", &err.to_string())])));
                continue;
            }
        };
        let cell = |i: usize| record.get(i).unwrap_or("").trim().trim_start_matches('\'');
        let code = cell(code_column).to_string();
        if code.is_empty() && criteria.iter().all(|&i| cell(i).is_empty()) {
            continue;
        }
        if !known_codes.contains(&code) {
            problems.push(at(row, text("import_unknown_code", &[("code", &code)])));
            continue;
        }
        if !seen.insert(code.clone()) {
            problems.push(at(row, text("import_twice", &[("code", &code)])));
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
                        &[("code", &code), ("number", &number), ("title", title), ("value", cell(i))],
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
    store.save_scores(member, &rows, overwrite).await.map_err(ImportError::Scores)?;
    Ok(rows.len())
}
