//! Which applications the commission scores: every stored one the secretariat has not set
//! aside (eligible, or not yet checked and marked so), each member's without the codes she
//! recused from; and how many were set aside, by reason. Sheets, imports and the ranking
//! all read this one pool, so that an application set aside cannot reach one of them alone.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use store::{CommissionStore, Decision, Recusal, StoreError, StoredAnswers, Tombstone, Verdict};

/// An application the commission scores.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub answers: StoredAnswers,
    /// Whether the secretariat found it eligible; false while nobody has checked it yet.
    pub checked: bool,
}

/// How many applications were set aside, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetAside {
    pub ineligible: usize,
    pub duplicate: usize,
    pub withdrawn: usize,
}

/// Why an application is not scored, as a sheet's import explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Excluded {
    Ineligible,
    /// A duplicate of the application with this code, which is the one scored.
    Duplicate {
        of: String,
    },
    Withdrawn,
}

/// The applications the commission scores, oldest first, and what is left out.
#[derive(Debug, Clone, Default)]
pub struct Pool {
    pub candidates: Vec<Candidate>,
    pub set_aside: SetAside,
    /// Codes set aside or withdrawn, and why.
    excluded: HashMap<String, Excluded>,
    /// Member ids by code.
    recused: BTreeMap<String, BTreeSet<String>>,
}

impl Pool {
    /// The pool from what the store holds: `answers` oldest first, the secretariat's current
    /// `decisions`, the `withdrawn` applications' tombstones and the members' `recusals`.
    pub fn new(
        answers: Vec<StoredAnswers>,
        decisions: &[Decision],
        withdrawn: &[Tombstone],
        recusals: &[Recusal],
    ) -> Self {
        let verdicts: HashMap<&str, &Verdict> =
            decisions.iter().map(|decision| (decision.code.as_str(), &decision.verdict)).collect();
        let mut excluded: HashMap<String, Excluded> =
            withdrawn.iter().map(|tombstone| (tombstone.code.clone(), Excluded::Withdrawn)).collect();
        let mut set_aside = SetAside { withdrawn: excluded.len(), ..SetAside::default() };
        let mut candidates = Vec::with_capacity(answers.len());
        for answers in answers {
            // A tombstone wins over answers a store still returned: withdrawn is withdrawn.
            if excluded.contains_key(&answers.code) {
                continue;
            }
            match verdicts.get(answers.code.as_str()) {
                None => candidates.push(Candidate { answers, checked: false }),
                Some(Verdict::Eligible) => candidates.push(Candidate { answers, checked: true }),
                Some(Verdict::Ineligible { .. }) => {
                    set_aside.ineligible += 1;
                    excluded.insert(answers.code, Excluded::Ineligible);
                }
                Some(Verdict::Duplicate { of }) => {
                    set_aside.duplicate += 1;
                    excluded.insert(answers.code, Excluded::Duplicate { of: of.clone() });
                }
            }
        }
        let mut recused: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for recusal in recusals {
            recused.entry(recusal.code.clone()).or_default().insert(recusal.member.clone());
        }
        Pool { candidates, set_aside, excluded, recused }
    }

    /// The pool as the store has it now.
    pub async fn load(store: &impl CommissionStore) -> Result<Self, StoreError> {
        let answers = store.answers().await?;
        let decisions = store.decisions().await?;
        let withdrawn = store.withdrawn().await?;
        let recusals = store.recusals().await?;
        Ok(Pool::new(answers, &decisions, &withdrawn, &recusals))
    }

    /// What `member`'s sheet lists: every candidate but those she recused from.
    pub fn sheet_of<'a>(&'a self, member: &'a str) -> impl Iterator<Item = &'a Candidate> + 'a {
        self.candidates.iter().filter(move |candidate| !self.is_recused(member, &candidate.answers.code))
    }

    /// Candidates nobody has checked yet.
    pub fn unchecked(&self) -> usize {
        self.candidates.iter().filter(|candidate| !candidate.checked).count()
    }

    pub fn is_recused(&self, member: &str, code: &str) -> bool {
        self.recused.get(code).is_some_and(|members| members.contains(member))
    }

    /// Why `code` is not scored, when it was set aside or withdrawn.
    pub fn excluded(&self, code: &str) -> Option<&Excluded> {
        self.excluded.get(code)
    }

    /// Whether `code` is a candidate.
    pub fn contains(&self, code: &str) -> bool {
        self.candidates.iter().any(|candidate| candidate.answers.code == code)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{TimeZone, Utc};
    use store::{Category, Decision, Recusal, StoredAnswers, Tombstone, Verdict};

    use super::{Excluded, Pool, SetAside};

    fn answers(code: &str) -> StoredAnswers {
        StoredAnswers {
            code: code.into(),
            lang: "ky".into(),
            category: Category::UnderTwentyEight,
            received_at: "2020-12-01T08:00:00Z".into(),
            answers: BTreeMap::new(),
            channel: Default::default(),
            entered_by: None,
        }
    }

    fn decision(code: &str, verdict: Verdict) -> Decision {
        Decision {
            code: code.into(),
            verdict,
            by: "Бермет".into(),
            at: Utc.with_ymd_and_hms(2020, 12, 12, 9, 0, 0).unwrap(),
        }
    }

    #[test]
    fn set_aside_and_withdrawn_applications_are_counted_and_left_out() {
        let at = Utc.with_ymd_and_hms(2020, 12, 12, 9, 0, 0).unwrap();
        let pool = Pool::new(
            ["a", "b", "c", "d", "w"].map(answers).to_vec(),
            &[
                decision("a", Verdict::Eligible),
                decision("b", Verdict::Ineligible { reason: "17 жашта".into() }),
                decision("c", Verdict::Duplicate { of: "a".into() }),
            ],
            &[Tombstone {
                code: "w".into(),
                received_at: "2020-12-01T08:00:00Z".into(),
                withdrawn_at: at,
                by: "Айнура".into(),
            }],
            &[Recusal { member: "union".into(), code: "a".into(), reason: "кошунасы".into(), at }],
        );
        let codes: Vec<(&str, bool)> =
            pool.candidates.iter().map(|candidate| (candidate.answers.code.as_str(), candidate.checked)).collect();
        assert_eq!(codes, [("a", true), ("d", false)]);
        assert_eq!(pool.set_aside, SetAside { ineligible: 1, duplicate: 1, withdrawn: 1 });
        assert_eq!(pool.unchecked(), 1);
        assert_eq!(pool.excluded("c"), Some(&Excluded::Duplicate { of: "a".into() }));
        assert_eq!(pool.excluded("w"), Some(&Excluded::Withdrawn));
        assert_eq!(pool.sheet_of("union").map(|c| c.answers.code.as_str()).collect::<Vec<_>>(), ["d"]);
        assert_eq!(pool.sheet_of("project").map(|c| c.answers.code.as_str()).collect::<Vec<_>>(), ["a", "d"]);
    }
}
