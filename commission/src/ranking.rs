//! The weighted ranking: each member's total is Σ weight × score / 5 (all fives give 100),
//! the application's total is the members' mean; applications are ranked within their age
//! group, ties share a place and are shown, and the quotas propose the participants.

use std::collections::BTreeMap;

use content_model::{Quota, Selection};

use store::{Category, Scores, StoredAnswers};

/// One ranked application.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub code: String,
    pub category: Category,
    /// Place within the age group; tied applications share it (1, 2, 2, 4).
    pub place: usize,
    /// Each member's weighted total, in the commission's order.
    pub totals: Vec<f64>,
    pub mean: f64,
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
    /// Applications not yet scored by every member, with the members still missing.
    pub incomplete: Vec<(String, Vec<String>)>,
    /// What the output must say about the rules used.
    pub disagreement_rule: u32,
    /// Age groups with fewer proposed participants than their quota's minimum: (group,
    /// proposed, minimum).
    pub short: Vec<(Category, usize, usize)>,
}

/// Weighted total of one member's scores: Σ weight × score / 5, as the integer Σ weight × score
/// (exact; divide by 5 to show).
fn weighted(selection: &Selection, scores: &[u8]) -> u32 {
    selection.criteria.iter().zip(scores).map(|(criterion, &score)| criterion.weight * u32::from(score)).sum()
}

pub fn rank(selection: &Selection, applications: &[StoredAnswers], scores: &[Scores]) -> Ranking {
    let members: Vec<&str> = selection.members.iter().map(|m| m.id.as_str()).collect();
    let mut by_code: BTreeMap<&str, BTreeMap<&str, &Scores>> = BTreeMap::new();
    for score in scores {
        by_code.entry(&score.code).or_default().insert(&score.member, score);
    }
    let mut incomplete = Vec::new();
    let mut scored: BTreeMap<Category, Vec<(u32, Ranked)>> = BTreeMap::new();
    for application in applications {
        let given = by_code.get(application.code.as_str());
        let mut sums = Vec::with_capacity(members.len());
        let mut missing = Vec::new();
        for member in &members {
            match given.and_then(|given| given.get(member)) {
                Some(scores) => sums.push(weighted(selection, &scores.scores)),
                None => missing.push(member.to_string()),
            }
        }
        // With no member at all nothing is ranked: the content check refuses such a file.
        if !missing.is_empty() || sums.is_empty() {
            incomplete.push((application.code.clone(), missing));
            continue;
        }
        let sum: u32 = sums.iter().sum();
        let totals: Vec<f64> = sums.iter().map(|&s| f64::from(s) / 5.0).collect();
        let spread = totals.iter().cloned().fold(f64::MIN, f64::max) - totals.iter().cloned().fold(f64::MAX, f64::min);
        scored.entry(application.category).or_default().push((
            sum,
            Ranked {
                code: application.code.clone(),
                category: application.category,
                place: 0,
                mean: f64::from(sum) / 5.0 / sums.len() as f64,
                totals,
                disagreement: spread > f64::from(selection.disagreement),
                proposed: false,
                tie_at_cut: false,
            },
        ));
    }
    let mut groups = Vec::new();
    for (category, mut list) in scored {
        // Ties are compared exactly, on the integer sum of every member's Σ weight × score.
        list.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.code.cmp(&b.1.code)));
        let mut previous: Option<(u32, usize)> = None;
        for (index, (sum, ranked)) in list.iter_mut().enumerate() {
            ranked.place = match previous {
                Some((previous_sum, place)) if previous_sum == *sum => place,
                _ => index + 1,
            };
            previous = Some((*sum, ranked.place));
        }
        let quota: Quota = match category {
            Category::AgedTwentyEightAndOver => selection.quotas.aged_28_and_over,
            Category::UnderTwentyEight => selection.quotas.under_28,
        };
        let cut = quota.max.min(list.len());
        // The sums on both sides of the quota's edge: equal ones are a tie the commission settles.
        let last_in = cut.checked_sub(1).and_then(|i| list.get(i)).map(|(sum, _)| *sum);
        let first_out = list.get(cut).map(|(sum, _)| *sum);
        let edge = last_in.filter(|sum| Some(*sum) == first_out);
        for (index, (sum, ranked)) in list.iter_mut().enumerate() {
            ranked.proposed = index < cut && Some(*sum) != edge;
            ranked.tie_at_cut = Some(*sum) == edge;
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
    Ranking { groups, incomplete, disagreement_rule: selection.disagreement, short }
}
