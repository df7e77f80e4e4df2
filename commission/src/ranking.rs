//! The weighted ranking: each member's total is Σ weight × score / 5 (all fives give 100),
//! the application's total is the mean of the members who score it (a member who recused
//! does not, and the ranking says so); applications are ranked within their age group, ties
//! share a place and are shown, and the quotas propose the participants. Only the pool's
//! applications are ranked: nothing set aside or withdrawn.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use content_model::{Quota, Selection};

use store::{Category, Scores};

use crate::pool::{Pool, SetAside};

/// One ranked application.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub code: String,
    pub category: Category,
    /// Place within the age group; tied applications share it (1, 2, 2, 4).
    pub place: usize,
    /// Each member's weighted total, in the commission's order; `None` for a member who
    /// recused from this application.
    pub totals: Vec<Option<f64>>,
    /// The mean of the totals given.
    pub mean: f64,
    /// Members (ids, in the commission's order) who recused: the mean is the others'.
    pub recused: Vec<String>,
    /// Whether the secretariat found it eligible; false while it is not checked yet.
    pub checked: bool,
    /// Members' totals differ by more than the rule allows.
    pub disagreement: bool,
    /// Within the quota.
    pub proposed: bool,
    /// Shares its total with another application across the quota's edge: the commission decides.
    pub tie_at_cut: bool,
}

/// The whole result.
#[derive(Debug, Clone, Default)]
pub struct Ranking {
    /// Per age group, best first.
    pub groups: Vec<(Category, Vec<Ranked>)>,
    /// Applications not yet scored by every member who scores them, with the members still
    /// missing; none missing when every member recused, so that nobody can score it.
    pub incomplete: Vec<(String, Vec<String>)>,
    /// What the output must say about the rules used.
    pub disagreement_rule: u32,
    /// Age groups with fewer proposed participants than their quota's minimum: (group,
    /// proposed, minimum).
    pub short: Vec<(Category, usize, usize)>,
    /// Applications the secretariat set aside or that were withdrawn: never ranked.
    pub set_aside: SetAside,
    /// Applications in the ranking or in `incomplete` that nobody has checked yet.
    pub unchecked: usize,
}

/// Weighted total of one member's scores: Σ weight × score / 5, as the integer Σ weight × score
/// (exact; divide by 5 to show).
fn weighted(selection: &Selection, scores: &[u8]) -> u32 {
    selection.criteria.iter().zip(scores).map(|(criterion, &score)| criterion.weight * u32::from(score)).sum()
}

/// An application's mean kept exact, as the sum of its members' Σ weight × score and how
/// many members gave them, so that means of two and of three members compare without
/// rounding: a/m against b/n is a·n against b·m.
#[derive(Debug, Clone, Copy)]
struct Exact {
    sum: u32,
    members: u32,
}

impl Ord for Exact {
    fn cmp(&self, other: &Exact) -> Ordering {
        (u64::from(self.sum) * u64::from(other.members)).cmp(&(u64::from(other.sum) * u64::from(self.members)))
    }
}

impl PartialOrd for Exact {
    fn partial_cmp(&self, other: &Exact) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Exact {
    fn eq(&self, other: &Exact) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Exact {}

pub fn rank(selection: &Selection, pool: &Pool, scores: &[Scores]) -> Ranking {
    let members: Vec<&str> = selection.members.iter().map(|m| m.id.as_str()).collect();
    let mut by_code: BTreeMap<&str, BTreeMap<&str, &Scores>> = BTreeMap::new();
    for score in scores {
        by_code.entry(&score.code).or_default().insert(&score.member, score);
    }
    let mut incomplete = Vec::new();
    let mut scored: BTreeMap<Category, Vec<(Exact, Ranked)>> = BTreeMap::new();
    for candidate in &pool.candidates {
        let application = &candidate.answers;
        let given = by_code.get(application.code.as_str());
        let mut sums = Vec::with_capacity(members.len());
        let mut missing = Vec::new();
        let mut recused = Vec::new();
        for member in &members {
            // A recusal wins over scores a store still holds: she does not score it.
            if pool.is_recused(member, &application.code) {
                sums.push(None);
                recused.push(member.to_string());
                continue;
            }
            match given.and_then(|given| given.get(member)) {
                Some(scores) => sums.push(Some(weighted(selection, &scores.scores))),
                None => missing.push(member.to_string()),
            }
        }
        let given: Vec<u32> = sums.iter().flatten().copied().collect();
        // With no member scoring it nothing is ranked: every one recused, or the content
        // check's refusal of a commission without members was bypassed.
        if !missing.is_empty() || given.is_empty() {
            incomplete.push((application.code.clone(), missing));
            continue;
        }
        let exact = Exact { sum: given.iter().sum(), members: given.len() as u32 };
        let totals: Vec<Option<f64>> = sums.iter().map(|sum| sum.map(|s| f64::from(s) / 5.0)).collect();
        let shown: Vec<f64> = totals.iter().flatten().copied().collect();
        let spread = shown.iter().cloned().fold(f64::MIN, f64::max) - shown.iter().cloned().fold(f64::MAX, f64::min);
        scored.entry(application.category).or_default().push((
            exact,
            Ranked {
                code: application.code.clone(),
                category: application.category,
                place: 0,
                mean: f64::from(exact.sum) / 5.0 / f64::from(exact.members),
                totals,
                recused,
                checked: candidate.checked,
                disagreement: spread > f64::from(selection.disagreement),
                proposed: false,
                tie_at_cut: false,
            },
        ));
    }
    let mut groups = Vec::new();
    for (category, mut list) in scored {
        // Ties are compared exactly, on the members' sums and how many members gave them.
        list.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.code.cmp(&b.1.code)));
        let mut previous: Option<(Exact, usize)> = None;
        for (index, (exact, ranked)) in list.iter_mut().enumerate() {
            ranked.place = match previous {
                Some((previous_exact, place)) if previous_exact == *exact => place,
                _ => index + 1,
            };
            previous = Some((*exact, ranked.place));
        }
        let quota: Quota = match category {
            Category::AgedTwentyEightAndOver => selection.quotas.aged_28_and_over,
            Category::UnderTwentyEight => selection.quotas.under_28,
        };
        let cut = quota.max.min(list.len());
        // The means on both sides of the quota's edge: equal ones are a tie the commission settles.
        let last_in = cut.checked_sub(1).and_then(|i| list.get(i)).map(|(exact, _)| *exact);
        let first_out = list.get(cut).map(|(exact, _)| *exact);
        let edge = last_in.filter(|last| first_out == Some(*last));
        for (index, (exact, ranked)) in list.iter_mut().enumerate() {
            let at_edge = edge == Some(*exact);
            ranked.proposed = index < cut && !at_edge;
            ranked.tie_at_cut = at_edge;
        }
        groups.push((category, list.into_iter().map(|(_, ranked)| ranked).collect::<Vec<Ranked>>()));
    }
    let short = [
        (Category::AgedTwentyEightAndOver, selection.quotas.aged_28_and_over),
        (Category::UnderTwentyEight, selection.quotas.under_28),
    ]
    .into_iter()
    .filter_map(|(category, quota)| {
        let proposed = groups
            .iter()
            .find(|(c, _)| *c == category)
            .map_or(0, |(_, list)| list.iter().filter(|r: &&Ranked| r.proposed).count());
        (proposed < quota.min).then_some((category, proposed, quota.min))
    })
    .collect();
    Ranking {
        groups,
        incomplete,
        disagreement_rule: selection.disagreement,
        short,
        set_aside: pool.set_aside,
        unchecked: pool.unchecked(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use chrono::{TimeZone, Utc};
    use content_model::Selection;
    use store::{Category, Decision, Recusal, Scores, StoredAnswers, Verdict};

    use super::rank;
    use crate::pool::{Pool, SetAside};

    fn selection() -> Selection {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/site/content/selection.toml");
        Selection::parse(&file, &std::fs::read_to_string(&file).unwrap(), &["ky".into(), "ru".into()]).unwrap()
    }

    fn answers(code: &str) -> StoredAnswers {
        StoredAnswers {
            code: code.into(),
            lang: "ru".into(),
            category: Category::UnderTwentyEight,
            received_at: "2020-12-01T08:00:00Z".into(),
            answers: BTreeMap::new(),
            channel: Default::default(),
            entered_by: None,
        }
    }

    fn scores(code: &str, member: &str, scores: [u8; 7]) -> Scores {
        Scores { code: code.into(), member: member.into(), scores: scores.to_vec() }
    }

    #[test]
    fn a_recusal_ranks_on_the_other_members_mean_and_ties_exactly() {
        let at = Utc.with_ymd_and_hms(2020, 12, 14, 9, 0, 0).unwrap();
        let pool = Pool::new(
            vec![answers("x"), answers("y")],
            &[Decision { code: "y".into(), verdict: Verdict::Eligible, by: "Бермет".into(), at }],
            &[],
            &[Recusal { member: "union".into(), code: "x".into(), reason: "кошунасы".into(), at }],
        );
        // Weights 15 15 10 10 20 10 20: x gets 100 and 80 from the two members who score
        // it, mean 90; y gets 90 from all three ((60+60+40+40+100+50+100)/5), a tie.
        let given = [
            scores("x", "gamsumo", [5; 7]),
            // Scores a store still held from before her recusal do not count.
            scores("x", "union", [1; 7]),
            scores("x", "project", [4; 7]),
            scores("y", "gamsumo", [4, 4, 4, 4, 5, 5, 5]),
            scores("y", "union", [4, 4, 4, 4, 5, 5, 5]),
            scores("y", "project", [4, 4, 4, 4, 5, 5, 5]),
        ];
        let ranking = rank(&selection(), &pool, &given);
        let list = &ranking.groups[0].1;
        let x = list.iter().find(|ranked| ranked.code == "x").unwrap();
        assert_eq!(x.totals, [Some(100.0), None, Some(80.0)]);
        assert_eq!((x.mean, x.recused.clone(), x.checked), (90.0, vec!["union".to_string()], false));
        let y = list.iter().find(|ranked| ranked.code == "y").unwrap();
        assert_eq!((y.mean, y.recused.len(), y.checked), (90.0, 0, true));
        assert_eq!((x.place, y.place), (1, 1), "a mean of two and one of three that are equal tie");
        assert!(ranking.incomplete.is_empty());
        assert_eq!((ranking.set_aside, ranking.unchecked), (SetAside::default(), 1));
    }

    #[test]
    fn an_application_every_member_recused_from_is_not_ranked() {
        let at = Utc.with_ymd_and_hms(2020, 12, 14, 9, 0, 0).unwrap();
        let recusals: Vec<Recusal> = ["gamsumo", "union", "project"]
            .into_iter()
            .map(|member| Recusal { member: member.into(), code: "x".into(), reason: "туугандар".into(), at })
            .collect();
        let ranking = rank(&selection(), &Pool::new(vec![answers("x")], &[], &[], &recusals), &[]);
        assert!(ranking.groups.is_empty());
        assert_eq!(ranking.incomplete, [("x".to_string(), Vec::<String>::new())]);
    }
}
