//! A member's filled sheet read back: every problem found, each with its row, and the sheet
//! stored whole or not at all.

use std::collections::HashSet;
use std::fmt;

use content_model::Selection;

use super::criterion_column;
use crate::application::Scores;
use crate::store::{ScoresError, Store};

/// Why a sheet was refused; nothing of it was stored.
#[derive(Debug)]
pub enum ImportError {
    /// Problems in the sheet itself, each naming its row (as a spreadsheet numbers them).
    Sheet(Vec<String>),
    /// The store said no.
    Scores(ScoresError),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Sheet(problems) => {
                for problem in problems {
                    writeln!(f, "{problem}")?;
                }
                write!(f, "the sheet was not imported: nothing changed")
            }
            ImportError::Scores(ScoresError::WouldOverwrite(codes)) => write!(
                f,
                "{} already have scores from this member: import again with --overwrite to replace them; nothing changed",
                codes.join(", ")
            ),
            ImportError::Scores(ScoresError::UnknownCode(code)) => write!(f, "no application has the code {code}; nothing changed"),
            ImportError::Scores(ScoresError::Store(err)) => write!(f, "{err}; nothing changed"),
        }
    }
}

/// Reads `sheet` (CSV, as `sheet_csv` wrote it and a spreadsheet saved it) for `member` and
/// stores it. `known_codes` are the applications in the store.
pub async fn import_sheet(
    store: &impl Store,
    selection: &Selection,
    member: &str,
    sheet: &[u8],
    known_codes: &HashSet<String>,
    overwrite: bool,
) -> Result<usize, ImportError> {
    let mut problems = Vec::new();
    if !selection.members.iter().any(|known| known.id == member) {
        let ids: Vec<&str> = selection.members.iter().map(|m| m.id.as_str()).collect();
        return Err(ImportError::Sheet(vec![format!(
            "`{member}` is not a member of the commission ({})",
            ids.join(", ")
        )]));
    }
    let sheet = sheet.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(sheet);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(sheet);
    let header: Vec<String> = match reader.headers() {
        Ok(header) => header.iter().map(str::to_string).collect(),
        Err(err) => return Err(ImportError::Sheet(vec![format!("row 1: not a CSV sheet: {err}")])),
    };
    let column =
        |prefix: &str| header.iter().position(|cell| cell == prefix || cell.starts_with(&format!("{prefix} ")));
    let Some(code_column) = column("code") else {
        return Err(ImportError::Sheet(vec!["row 1: there is no `code` column".into()]));
    };
    let mut criteria = Vec::new();
    for number in 1..=selection.criteria.len() {
        match column(&criterion_column(number)) {
            Some(index) => criteria.push(index),
            None => problems.push(format!(
                "row 1: there is no column for criterion {} ({}…)",
                number,
                criterion_column(number)
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
                problems.push(format!("row {row}: cannot be read: {err}"));
                continue;
            }
        };
        let cell = |i: usize| record.get(i).unwrap_or("").trim().trim_start_matches('\'');
        let code = cell(code_column).to_string();
        if code.is_empty() && criteria.iter().all(|&i| cell(i).is_empty()) {
            continue;
        }
        if !known_codes.contains(&code) {
            problems.push(format!("row {row}: no application has the code `{code}`"));
            continue;
        }
        if !seen.insert(code.clone()) {
            problems.push(format!("row {row}: {code} appears twice"));
            continue;
        }
        let mut scores = Vec::new();
        for (number, &i) in criteria.iter().enumerate() {
            let title = selection.criteria[number].title.get("ru");
            match cell(i).parse::<u8>() {
                Ok(score @ 1..=5) => scores.push(score),
                _ if cell(i).is_empty() => {
                    problems.push(format!("row {row}: {code} has no score for criterion {} ({title})", number + 1))
                }
                _ => problems.push(format!(
                    "row {row}: {code}, criterion {} ({title}): `{}` is not a score from 1 to 5",
                    number + 1,
                    cell(i)
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
