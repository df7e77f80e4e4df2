//! The final list, from the ranking to the decision: the ranking's proposal as a CSV the
//! secretariat edits in a spreadsheet (`selection final propose`), and that file read back
//! whole (`selection final record`): every application of the pool exactly once, each
//! outcome one of the three keys, a reason wherever the decision differs from the proposal.
//! A file with any problem is refused with all of them, each naming its file, line and
//! column, and nothing is stored.

use std::collections::HashMap;

use content_model::{Quota, Selection};
use store::{Category, FinalList, Outcome, Placed};

use crate::pool::{Excluded, Pool};
use crate::ranking::Ranking;
use crate::{one_line, write_csv};

/// One application as the ranking proposes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposed {
    pub code: String,
    pub category: Category,
    /// `None` for an application not ranked yet (not every member scored it).
    pub place: Option<usize>,
    pub mean: Option<f64>,
    pub outcome: Outcome,
    /// Shares its mean with another across an edge: the commission settles it.
    pub tie: bool,
}

fn quota(selection: &Selection, category: Category) -> Quota {
    match category {
        Category::AgedTwentyEightAndOver => selection.quotas.aged_28_and_over,
        Category::UnderTwentyEight => selection.quotas.under_28,
    }
}

/// The proposal for every application of the pool: within the quota, selected; the next
/// `reserve` of the age group (with a tie at the quota's edge, and everyone sharing the last
/// reserve's place), reserve; the rest, and those not ranked yet, not selected.
pub fn propose(selection: &Selection, ranking: &Ranking, pool: &Pool) -> Vec<Proposed> {
    let mut proposed = Vec::new();
    for (category, list) in &ranking.groups {
        let reserve = quota(selection, *category).reserve;
        let mut reserved = 0;
        let mut last_reserve_place = None;
        for ranked in list {
            let outcome = if ranked.proposed {
                Outcome::Selected
            } else if ranked.tie_at_cut || reserved < reserve || last_reserve_place == Some(ranked.place) {
                reserved += 1;
                last_reserve_place = Some(ranked.place);
                Outcome::Reserve
            } else {
                Outcome::NotSelected
            };
            let tie_at_reserve_edge =
                outcome == Outcome::Reserve && reserved > reserve && last_reserve_place == Some(ranked.place);
            proposed.push(Proposed {
                code: ranked.code.clone(),
                category: *category,
                place: Some(ranked.place),
                mean: Some(ranked.mean),
                outcome,
                tie: ranked.tie_at_cut || tie_at_reserve_edge,
            });
        }
    }
    // Everyone sharing a place with a tie marked at the reserve's edge shares the mark.
    let tied: Vec<(Category, Option<usize>)> = proposed
        .iter()
        .filter(|line| line.tie && line.outcome == Outcome::Reserve)
        .map(|line| (line.category, line.place))
        .collect();
    for line in &mut proposed {
        if line.outcome == Outcome::Reserve && tied.contains(&(line.category, line.place)) {
            line.tie = true;
        }
    }
    for candidate in &pool.candidates {
        if !proposed.iter().any(|line| line.code == candidate.answers.code) {
            proposed.push(Proposed {
                code: candidate.answers.code.clone(),
                category: candidate.answers.category,
                place: None,
                mean: None,
                outcome: Outcome::NotSelected,
                tie: false,
            });
        }
    }
    proposed
}

/// The four columns `record` reads, by their `[text]` keys, in the file's order.
const CODE: &str = "code";
const PROPOSED: &str = "final_proposed";
const OUTCOME: &str = "final_outcome";
const REASON: &str = "final_reason";

/// The proposal as the secretariat's CSV, in `lang`: code, age group, place, mean, proposed
/// outcome, outcome (prefilled with the proposal), reason (empty), and marks (a tie, not
/// ranked yet) that `record` does not read.
pub fn proposal_csv(selection: &Selection, proposal: &[Proposed], lang: &str) -> Vec<u8> {
    let text = |key: &str| selection.text(key, lang, &[]);
    let mut rows = vec![vec![
        text(CODE),
        text("category"),
        text("place"),
        text("mean"),
        text(PROPOSED),
        text(OUTCOME),
        text(REASON),
        text("flags"),
    ]];
    for line in proposal {
        let mut flags = Vec::new();
        if line.tie {
            flags.push(text("flag_tie"));
        }
        if line.place.is_none() {
            flags.push(text("final_flag_not_ranked"));
        }
        rows.push(vec![
            line.code.clone(),
            text(&format!("category_{}", line.category.key())),
            line.place.map(|place| place.to_string()).unwrap_or_default(),
            line.mean.map(|mean| format!("{mean:.1}")).unwrap_or_default(),
            line.outcome.key().to_string(),
            line.outcome.key().to_string(),
            String::new(),
            flags.join("; "),
        ]);
    }
    write_csv(&rows)
}

/// How many of each outcome: (selected, reserve, not selected).
pub fn counts<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> (usize, usize, usize) {
    outcomes.into_iter().fold((0, 0, 0), |(s, r, n), outcome| match outcome {
        Outcome::Selected => (s + 1, r, n),
        Outcome::Reserve => (s, r + 1, n),
        Outcome::NotSelected => (s, r, n + 1),
    })
}

/// Why `code` has no place in the final list, in `lang`: the words the sheets' import uses.
fn not_listed(selection: &Selection, code: &str, excluded: Option<&Excluded>, lang: &str) -> String {
    let code = one_line(code);
    match excluded {
        None => selection.text("final_unknown_code", lang, &[("code", &code)]),
        Some(Excluded::Withdrawn) => selection.text("import_withdrawn", lang, &[("code", &code)]),
        Some(Excluded::Ineligible) => selection.text("import_ineligible", lang, &[("code", &code)]),
        Some(Excluded::Duplicate { of }) => {
            selection.text("import_duplicate", lang, &[("code", &code), ("of", &one_line(of))])
        }
    }
}

/// An outcome cell as a spreadsheet may have saved it.
fn cell_outcome(cell: &str) -> Option<Outcome> {
    Outcome::from_key(&cell.trim().to_lowercase())
}

/// Reads the secretariat's edited file `csv` (named `file` in problems) against the current
/// `proposal` and `pool`: the lines to record, or every problem found, each naming its line
/// and column, in `lang`.
pub fn read_final_csv(
    selection: &Selection,
    proposal: &[Proposed],
    pool: &Pool,
    csv: &[u8],
    file: &str,
    lang: &str,
) -> Result<Vec<Placed>, Vec<String>> {
    let text = |key: &str, values: &[(&str, &str)]| selection.text(key, lang, values);
    let csv = csv.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(csv);
    // The columns are named in the language the file was proposed in: accept any of them.
    let names = |key: &str| -> Vec<String> {
        selection.text.get(key).map(|names| names.values().map(str::to_string).collect()).unwrap_or_default()
    };
    let keys = [CODE, PROPOSED, OUTCOME, REASON];
    let header_of = |delimiter: u8| {
        csv::ReaderBuilder::new().flexible(true).delimiter(delimiter).from_reader(csv).headers().map(|header| {
            header.iter().map(|cell| cell.trim().trim_start_matches('\'').trim().to_string()).collect::<Vec<_>>()
        })
    };
    let columns = |header: &[String]| -> Vec<Option<usize>> {
        keys.iter().map(|key| header.iter().position(|cell| names(key).iter().any(|name| name == cell))).collect()
    };
    // Written with commas; a spreadsheet in Kyrgyz or Russian saves semicolons, or tabs.
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .map(|delimiter| (header_of(delimiter).map_or(0, |h| columns(&h).iter().flatten().count()), delimiter))
        .rev()
        .max_by_key(|(found, _)| *found)
        .map_or(b',', |(_, delimiter)| delimiter);
    let at = |line: u64, column: usize, name: &str, problem: String| {
        let place = text(
            "final_at",
            &[("file", file), ("line", &line.to_string()), ("column", &(column + 1).to_string()), ("name", name)],
        );
        format!("{place}: {problem}")
    };
    let header = header_of(delimiter)
        .map_err(|err| vec![format!("{file}: {}", text("import_not_csv", &[("error", &err.to_string())]))])?;
    let found = columns(&header);
    let mut problems = Vec::new();
    let mut index = [0usize; 4];
    for ((key, found), slot) in keys.iter().zip(&found).zip(&mut index) {
        match found {
            Some(column) => *slot = *column,
            None => problems.push(format!("{file}: {}", text("final_no_column", &[("column", &text(key, &[]))]))),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let [code_at, proposed_at, outcome_at, reason_at] = index;
    let column_name = |column: usize| header.get(column).cloned().unwrap_or_default();
    let proposed: HashMap<&str, &Proposed> = proposal.iter().map(|line| (line.code.as_str(), line)).collect();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut placed = Vec::new();
    let mut reader = csv::ReaderBuilder::new().flexible(true).delimiter(delimiter).from_reader(csv);
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map_or(0, csv::Position::line);
                problems
                    .push(format!("{file}: {}", text("import_unreadable", &[("error", &format!("{line}: {err}"))])));
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        let cell = |i: usize| record.get(i).unwrap_or("").trim().trim_start_matches('\'').trim();
        let code = cell(code_at).to_string();
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let Some(proposal) = proposed.get(code.as_str()) else {
            problems.push(at(
                line,
                code_at,
                &column_name(code_at),
                not_listed(selection, &code, pool.excluded(&code), lang),
            ));
            continue;
        };
        if let Some(first) = seen.insert(code.clone(), line) {
            problems.push(at(
                line,
                code_at,
                &column_name(code_at),
                text("final_twice", &[("code", &one_line(&code)), ("line", &first.to_string())]),
            ));
            continue;
        }
        let file_proposed = cell(proposed_at);
        match cell_outcome(file_proposed) {
            Some(outcome) if outcome == proposal.outcome => {}
            _ => problems.push(at(
                line,
                proposed_at,
                &column_name(proposed_at),
                text(
                    "final_stale_proposal",
                    &[
                        ("code", &one_line(&code)),
                        ("now", proposal.outcome.key()),
                        ("file_says", &one_line(file_proposed)),
                    ],
                ),
            )),
        }
        let outcome = match cell_outcome(cell(outcome_at)) {
            Some(outcome) => outcome,
            None => {
                problems.push(at(
                    line,
                    outcome_at,
                    &column_name(outcome_at),
                    text("final_bad_outcome", &[("value", &one_line(cell(outcome_at)))]),
                ));
                continue;
            }
        };
        let reason = cell(reason_at);
        if reason.chars().any(|c| c.is_control() || store::is_invisible(c)) {
            problems.push(at(
                line,
                reason_at,
                &column_name(reason_at),
                text("final_bad_reason", &[("code", &one_line(&code)), ("reason", &one_line(reason))]),
            ));
            continue;
        }
        if outcome != proposal.outcome && reason.is_empty() {
            problems.push(at(
                line,
                reason_at,
                &column_name(reason_at),
                text(
                    "final_no_reason",
                    &[("code", &one_line(&code)), ("proposed", proposal.outcome.key()), ("outcome", outcome.key())],
                ),
            ));
            continue;
        }
        placed.push(Placed {
            code,
            outcome,
            proposed: proposal.outcome,
            reason: (!reason.is_empty()).then(|| reason.to_string()),
        });
    }
    for line in proposal {
        if !seen.contains_key(&line.code) {
            problems.push(format!("{file}: {}", text("final_missing", &[("code", &one_line(&line.code))])));
        }
    }
    if problems.is_empty() {
        Ok(placed)
    } else {
        Err(problems)
    }
}

/// What changed in the pool since `list` was recorded, in `lang`: codes no longer in it
/// (withdrawn or set aside since) and codes of the pool it lacks. Empty when it still fits.
fn stale(selection: &Selection, list: &FinalList, pool: &Pool, lang: &str) -> Vec<String> {
    let mut problems: Vec<String> = list
        .placed
        .iter()
        .filter(|placed| !pool.contains(&placed.code))
        .map(|placed| not_listed(selection, &placed.code, pool.excluded(&placed.code), lang))
        .collect();
    for candidate in &pool.candidates {
        let code = &candidate.answers.code;
        if !list.placed.iter().any(|placed| &placed.code == code) {
            problems.push(selection.text("final_missing", lang, &[("code", &one_line(code))]));
        }
    }
    problems
}

/// Why `list` cannot be frozen as it stands, in `lang`: one paragraph for each kind of
/// problem, naming its codes; empty when it can be. A list is frozen only when it still fits
/// the pool (`stale`), still records the ranking's proposal (scores imported since change
/// it: propose and record again), and every application on it was checked by the
/// secretariat and, if the commission could not rank it (not every member scored it), was
/// given its outcome with a reason.
pub fn freeze_refusals(
    selection: &Selection,
    list: &FinalList,
    pool: &Pool,
    ranking: &Ranking,
    lang: &str,
) -> Vec<String> {
    let text = |key: &str, values: &[(&str, &str)]| selection.text(key, lang, values);
    let mut refusals = Vec::new();
    let stale = stale(selection, list, pool, lang);
    if !stale.is_empty() {
        refusals.push(text("final_freeze_stale", &[("problems", &stale.join("; "))]));
    }
    let proposal = propose(selection, ranking, pool);
    let now: HashMap<&str, Outcome> = proposal.iter().map(|line| (line.code.as_str(), line.outcome)).collect();
    let in_pool = || list.placed.iter().filter(|placed| pool.contains(&placed.code));
    let rescored: Vec<String> = in_pool()
        .filter_map(|placed| {
            let now = now.get(placed.code.as_str()).filter(|now| **now != placed.proposed)?;
            Some(text(
                "final_freeze_proposal_changed",
                &[("code", &one_line(&placed.code)), ("recorded", placed.proposed.key()), ("now", now.key())],
            ))
        })
        .collect();
    if !rescored.is_empty() {
        refusals.push(text("final_freeze_rescored", &[("problems", &rescored.join("; "))]));
    }
    let codes = |lines: Vec<&Placed>| lines.iter().map(|placed| one_line(&placed.code)).collect::<Vec<_>>().join(", ");
    let unchecked: Vec<&Placed> = in_pool()
        .filter(|placed| pool.candidates.iter().any(|c| c.answers.code == placed.code && !c.checked))
        .collect();
    if !unchecked.is_empty() {
        refusals.push(text("final_freeze_unchecked", &[("codes", &codes(unchecked))]));
    }
    let unranked: Vec<&Placed> = in_pool()
        .filter(|placed| placed.reason.is_none() && ranking.incomplete.iter().any(|(code, _)| code == &placed.code))
        .collect();
    if !unranked.is_empty() {
        refusals.push(text("final_freeze_unranked", &[("codes", &codes(unranked))]));
    }
    refusals
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use content_model::Selection;
    use store::{Category, Outcome, StoredAnswers};

    use super::{freeze_refusals, proposal_csv, propose, read_final_csv};
    use crate::pool::Pool;
    use crate::ranking::{Ranked, Ranking};

    fn selection(max: usize, reserve: usize) -> Selection {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/site/content/selection.toml");
        let mut selection =
            Selection::parse(&file, &std::fs::read_to_string(&file).unwrap(), &["ky".into(), "ru".into()]).unwrap();
        selection.quotas.under_28.max = max;
        selection.quotas.under_28.reserve = reserve;
        selection
    }

    fn ranked(code: &str, place: usize, mean: f64, proposed: bool, tie: bool) -> Ranked {
        Ranked {
            code: code.into(),
            category: Category::UnderTwentyEight,
            place,
            totals: vec![],
            mean,
            recused: vec![],
            checked: true,
            disagreement: false,
            proposed,
            tie_at_cut: tie,
        }
    }

    fn pool(codes: &[&str]) -> Pool {
        checked_pool(codes, &[])
    }

    /// A pool of `codes`, those in `eligible` checked by the secretariat.
    fn checked_pool(codes: &[&str], eligible: &[&str]) -> Pool {
        let decisions: Vec<store::Decision> = eligible
            .iter()
            .map(|code| store::Decision {
                code: code.to_string(),
                verdict: store::Verdict::Eligible,
                by: "Айнура".into(),
                at: chrono::DateTime::UNIX_EPOCH,
            })
            .collect();
        let answers = codes
            .iter()
            .map(|code| StoredAnswers {
                code: code.to_string(),
                lang: "ru".into(),
                category: Category::UnderTwentyEight,
                received_at: "2020-12-01T08:00:00Z".into(),
                answers: BTreeMap::new(),
                channel: Default::default(),
                entered_by: None,
            })
            .collect();
        Pool::new(answers, &decisions, &[], &[])
    }

    #[test]
    fn the_quota_is_selected_the_next_are_reserve_with_ties_and_the_rest_not_selected() {
        // Quota 2, reserve 2: a, b selected; c, d reserve, and e too (tied with d); f not
        // selected; g, not ranked, not selected.
        let ranking = Ranking {
            groups: vec![(
                Category::UnderTwentyEight,
                vec![
                    ranked("a", 1, 90.0, true, false),
                    ranked("b", 2, 80.0, true, false),
                    ranked("c", 3, 70.0, false, false),
                    ranked("d", 4, 60.0, false, false),
                    ranked("e", 4, 60.0, false, false),
                    ranked("f", 6, 50.0, false, false),
                ],
            )],
            ..Ranking::default()
        };
        let proposal = propose(&selection(2, 2), &ranking, &pool(&["a", "b", "c", "d", "e", "f", "g"]));
        let outcomes: Vec<(&str, Outcome, bool)> =
            proposal.iter().map(|line| (line.code.as_str(), line.outcome, line.tie)).collect();
        assert_eq!(
            outcomes,
            [
                ("a", Outcome::Selected, false),
                ("b", Outcome::Selected, false),
                ("c", Outcome::Reserve, false),
                ("d", Outcome::Reserve, true),
                ("e", Outcome::Reserve, true),
                ("f", Outcome::NotSelected, false),
                ("g", Outcome::NotSelected, false),
            ]
        );
        assert_eq!(proposal[6].place, None);
    }

    #[test]
    fn a_tie_at_the_quotas_edge_is_proposed_reserve_and_marked() {
        let ranking = Ranking {
            groups: vec![(
                Category::UnderTwentyEight,
                vec![
                    ranked("a", 1, 90.0, true, false),
                    ranked("b", 2, 80.0, false, true),
                    ranked("c", 2, 80.0, false, true),
                    ranked("d", 4, 60.0, false, false),
                ],
            )],
            ..Ranking::default()
        };
        let proposal = propose(&selection(2, 1), &ranking, &pool(&["a", "b", "c", "d"]));
        let csv = String::from_utf8(proposal_csv(&selection(2, 1), &proposal, "ru")).unwrap();
        let b = csv.lines().find(|line| line.contains("\"b\"")).unwrap();
        assert!(b.contains("\"reserve\",\"reserve\",\"\",\"равный балл на границе квоты"), "{b}");
        assert_eq!(proposal[3].outcome, Outcome::NotSelected, "the tie took the reserve's places");
    }

    #[test]
    fn a_file_read_back_unchanged_places_everyone_as_proposed() {
        let ranking = Ranking {
            groups: vec![(Category::UnderTwentyEight, vec![ranked("a", 1, 90.0, true, false)])],
            ..Ranking::default()
        };
        let selection = selection(1, 0);
        let pool = pool(&["a", "b"]);
        let proposal = propose(&selection, &ranking, &pool);
        let csv = proposal_csv(&selection, &proposal, "ky");
        let placed = read_final_csv(&selection, &proposal, &pool, &csv, "final.csv", "ky").unwrap();
        assert_eq!(placed.len(), 2);
        assert!(placed.iter().all(|placed| placed.outcome == placed.proposed && placed.reason.is_none()));
    }

    fn list(placed: Vec<store::Placed>) -> store::FinalList {
        store::FinalList {
            placed,
            recorded_by: "Айнура".into(),
            recorded_at: chrono::DateTime::UNIX_EPOCH,
            frozen: None,
        }
    }

    fn line(code: &str, outcome: Outcome, reason: Option<&str>) -> store::Placed {
        store::Placed { code: code.into(), outcome, proposed: outcome, reason: reason.map(str::to_string) }
    }

    #[test]
    fn a_list_is_frozen_only_checked_ranked_or_decided_with_a_reason_and_as_the_ranking_proposes() {
        // Quota 1, no reserve: a ranked first, b second; c not scored by every member.
        let ranking = |first: &str, second: &str| Ranking {
            groups: vec![(
                Category::UnderTwentyEight,
                vec![ranked(first, 1, 90.0, true, false), ranked(second, 2, 80.0, false, false)],
            )],
            incomplete: vec![("c".into(), vec!["union".into()])],
            ..Ranking::default()
        };
        let selection = selection(1, 0);
        let recorded = list(vec![
            line("a", Outcome::Selected, None),
            line("b", Outcome::NotSelected, None),
            line("c", Outcome::NotSelected, None),
        ]);

        // c not checked by the secretariat, and not ranked with no reason for its outcome.
        let pool = checked_pool(&["a", "b", "c"], &["a", "b"]);
        let refusals = freeze_refusals(&selection, &recorded, &pool, &ranking("a", "b"), "ru");
        assert_eq!(refusals.len(), 2, "{refusals:?}");
        assert!(refusals[0].starts_with("Эти заявки секретариат ещё не проверил: c."), "{refusals:?}");
        assert!(refusals[1].starts_with("Эти заявки оценили не все члены"), "{refusals:?}");
        assert!(refusals[1].contains("нет причины: c."), "{refusals:?}");

        // Checked, and its outcome decided with a reason: it may be frozen.
        let pool = checked_pool(&["a", "b", "c"], &["a", "b", "c"]);
        let mut decided = recorded.clone();
        decided.placed[2].reason = Some("a member fell ill; the commission agreed".into());
        assert_eq!(freeze_refusals(&selection, &decided, &pool, &ranking("a", "b"), "ru"), Vec::<String>::new());

        // Scores imported since the list was recorded put b first: propose and record again.
        let refusals = freeze_refusals(&selection, &decided, &pool, &ranking("b", "a"), "ky");
        assert_eq!(refusals.len(), 1, "{refusals:?}");
        assert!(
            refusals[0].contains("a: тизмеде сунуш selected, рейтинг азыр not_selected деп сунуштайт"),
            "{refusals:?}"
        );
        assert!(
            refusals[0].contains("b: тизмеде сунуш not_selected, рейтинг азыр selected деп сунуштайт"),
            "{refusals:?}"
        );
        assert!(refusals[0].contains("selection final propose, selection final record"), "{refusals:?}");
    }
}
