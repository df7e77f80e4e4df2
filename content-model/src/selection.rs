use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use crate::{ContentError, Localized, Message};

/// `content/selection.toml`: the commission, the criteria it scores with their weights,
/// the quotas of the two age groups, and when members disagree.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub criteria: Vec<Criterion>,
    pub members: Vec<Member>,
    pub quotas: Quotas,
    /// Members disagree on an application when their weighted totals (out of 100) differ by
    /// more than this many points.
    pub disagreement: u32,
    /// The commission's own words (`[text]`), by key.
    pub text: BTreeMap<String, Localized>,
}

/// The keys of `[text]` the commission's tools print; each must be there in every language.
pub const COMMISSION_TEXT_KEYS: &[&str] = &[
    "yes",
    "no",
    "category",
    "category_aged_28_and_over",
    "category_under_28",
    "sheet_title",
    "sheet_member",
    "place",
    "code",
    "mean",
    "proposed",
    "flags",
    "flag_disagreement",
    "flag_tie",
    "member_totals",
    "rank_rule",
    "not_ranked",
    "imported",
    "sheets_written",
    "results_title",
    "results_tag",
    "results_summary",
    "results_intro",
    "results_rules",
    "results_incomplete",
    "results_short",
    "import_row",
    "import_not_member",
    "import_not_csv",
    "import_no_code_column",
    "import_no_criterion_column",
    "import_unreadable",
    "import_unknown_code",
    "import_twice",
    "import_missing_score",
    "import_bad_score",
    "import_would_overwrite",
    "import_store",
    "import_nothing_changed",
    // set aside, unchecked, recusals
    "sheet_checking",
    "checked_eligible",
    "not_checked",
    "flag_unchecked",
    "flag_recused",
    "flag_fewer_members",
    "recused_cell",
    "set_aside_counts",
    "not_ranked_all_recused",
    "sheets_recused",
    "recused",
    "recuse_no_reason",
    "import_recused",
    "import_ineligible",
    "import_duplicate",
    "import_withdrawn",
    // applications enter
    "entry_title",
    "entry_intro",
    "entry_receipt",
    "entry_channel",
    "entry_channel_paper",
    "entry_channel_email",
    "entry_received_at",
    "entry_received_at_help",
    "entry_entered_by",
    "entry_submit",
    "entry_saved_title",
    "entry_saved_code",
    "entry_write_code",
    "entry_next",
    "entry_stored_before",
    "entry_changed",
    "entry_choose_channel",
    "entry_invalid_received_at",
    "entry_received_after_deadline",
    "entry_received_in_future",
    "entry_received_before_call",
    "entry_store_failed",
    "entry_cross_site",
    "entry_wrong_host",
    "entry_no_random",
    // applications check / show
    "channel_online",
    "channel_paper",
    "channel_email",
    "unchecked",
    "verdict_eligible",
    "verdict_ineligible",
    "verdict_duplicate",
    "check_header",
    "check_complete",
    "check_missing",
    "check_personal_erased",
    "check_age",
    "check_under_minimum",
    "check_age_unknown",
    "check_group_differs",
    "check_likely_duplicates",
    "check_no_duplicates",
    "check_same_name",
    "check_same_phone",
    "check_same_email",
    "check_decision",
    "check_summary",
    "dossier_title",
    "dossier_lang",
    "dossier_channel",
    "dossier_received",
    "dossier_entered_by",
    "dossier_entered_online",
    "dossier_decision",
    "dossier_decided",
    "dossier_personal",
    "dossier_personal_erased",
    "dossier_no_answer",
    "dossier_printed",
    // the final list (selection final …)
    "outcome_selected",
    "outcome_reserve",
    "outcome_not_selected",
    "final_proposed",
    "final_outcome",
    "final_reason",
    "final_flag_not_ranked",
    "final_written",
    "final_edit_hint",
    "final_not_ranked",
    "final_at",
    "final_no_column",
    "final_unknown_code",
    "final_twice",
    "final_missing",
    "final_bad_outcome",
    "final_stale_proposal",
    "final_no_reason",
    "final_bad_reason",
    "final_nothing_stored",
    "final_recorded",
    "final_frozen_refused",
    "final_none",
    "final_recorded_by",
    "final_frozen_by",
    "final_not_frozen",
    "final_changed",
    "final_counts",
    "final_no_by",
    "final_freeze_confirm",
    "final_freeze_not_typed",
    "final_freeze_no_terminal",
    "final_freeze_stale",
    "final_freeze_rescored",
    "final_freeze_proposal_changed",
    "final_freeze_unchecked",
    "final_freeze_unranked",
    "final_freeze_shown",
    "final_freeze_changed",
    "final_frozen_now",
    // selection notify
    "notify_not_frozen",
    "notify_to_email",
    "notify_no_address",
    "notify_withdrawn",
    "notify_sent_before",
    "notify_dry_counts",
    "notify_dry_run",
    "notify_result",
    "notify_nothing_new",
    "notify_try_again",
    "notify_given_up",
    "notify_no_mail_from",
];

/// One member of the commission, by the body she represents.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// `gamsumo`, `union`, `project`: used in file names and on the command line.
    pub id: String,
    pub name: Localized,
}

/// How many participants each age group gets: `about 20` and `10 to 20`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quotas {
    pub aged_28_and_over: Quota,
    pub under_28: Quota,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub min: usize,
    pub max: usize,
    /// How many after the quota's last the final list proposes as reserve (`selection final
    /// propose`); ties at either edge are added to the reserve, for the commission to settle.
    #[serde(default)]
    pub reserve: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Share of the total in percent; all weights add up to 100.
    pub weight: u32,
    pub title: Localized,
    pub description: Localized,
    /// Where in the application the evidence for this criterion is.
    pub evidence: Localized,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSelection {
    criterion: Vec<Criterion>,
    #[serde(default)]
    member: Vec<Member>,
    #[serde(default)]
    quotas: Quotas,
    #[serde(default = "default_disagreement")]
    disagreement: u32,
    #[serde(default)]
    text: BTreeMap<String, Localized>,
}

fn default_disagreement() -> u32 {
    25
}

impl Selection {
    pub fn parse(file: &Path, text: &str, languages: &[String]) -> Result<Self, Vec<ContentError>> {
        let raw: RawSelection =
            toml::from_str(text).map_err(|err| vec![ContentError::from_toml(file, text, 1, &err)])?;
        // The commission's tool prints these, in English: its own words are in selection.toml,
        // and the generator's catalogue of editors' messages does not reach it.
        let mut errors = Vec::new();
        for (index, criterion) in raw.criterion.iter().enumerate() {
            let number = index + 1;
            let texts = [
                ("title", &criterion.title),
                ("description", &criterion.description),
                ("evidence", &criterion.evidence),
            ];
            for (name, text) in texts {
                for lang in text.missing(languages) {
                    errors.push(ContentError::new(
                        file,
                        Message::Untranslated(format!("criterion {number} has no `{lang}` {name}")),
                    ));
                }
            }
        }
        if raw.criterion.is_empty() {
            errors.push(ContentError::new(
                file,
                Message::Untranslated("there is no [[criterion]]: the commission needs at least one".into()),
            ));
        }
        // Checked: weights as large as u32 holds would otherwise wrap around to 100.
        match raw.criterion.iter().try_fold(0u32, |total, c| total.checked_add(c.weight)) {
            Some(100) => {}
            Some(total) => errors.push(ContentError::new(
                file,
                Message::Untranslated(format!("the criteria's weights add up to {total}, not 100")),
            )),
            None => errors.push(ContentError::new(
                file,
                Message::Untranslated("the criteria's weights add up to far more than 100".into()),
            )),
        }
        if raw.member.is_empty() {
            errors.push(ContentError::new(
                file,
                Message::Untranslated("there is no [[member]]: the commission needs at least one member".into()),
            ));
        }
        if raw.disagreement > 100 {
            errors.push(ContentError::new(
                file,
                Message::Untranslated(format!(
                    "disagreement = {} can never happen: totals are out of 100",
                    raw.disagreement
                )),
            ));
        }
        let mut ids = HashSet::new();
        for member in &raw.member {
            if !ids.insert(member.id.as_str()) {
                errors.push(ContentError::new(
                    file,
                    Message::Untranslated(format!("member id `{}` is used twice", member.id)),
                ));
            }
            if member.id.is_empty()
                || !member.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                errors.push(ContentError::new(
                    file,
                    Message::Untranslated(format!(
                        "member id `{}` must be lowercase latin letters, digits and -",
                        member.id
                    )),
                ));
            }
            for lang in member.name.missing(languages) {
                errors.push(ContentError::new(
                    file,
                    Message::Untranslated(format!("member `{}` has no `{lang}` name", member.id)),
                ));
            }
        }
        for (name, quota) in [("aged_28_and_over", raw.quotas.aged_28_and_over), ("under_28", raw.quotas.under_28)] {
            if quota.min > quota.max {
                errors.push(ContentError::new(
                    file,
                    Message::Untranslated(format!("quota {name}: min {} is more than max {}", quota.min, quota.max)),
                ));
            }
        }
        if raw.quotas.aged_28_and_over.max == 0 && raw.quotas.under_28.max == 0 {
            errors.push(ContentError::new(
                file,
                Message::Untranslated("[quotas]: both age groups have a maximum of 0: nobody could be proposed".into()),
            ));
        }
        for key in COMMISSION_TEXT_KEYS.iter().filter(|key| !raw.text.contains_key(**key)) {
            errors.push(ContentError::new(
                file,
                Message::Untranslated(format!("[text] has no `{key}`, which the commission's tools print")),
            ));
        }
        for (key, text) in &raw.text {
            for lang in text.missing(languages) {
                errors.push(ContentError::new(
                    file,
                    Message::Untranslated(format!("[text] `{key}` has no `{lang}` text")),
                ));
            }
        }
        if errors.is_empty() {
            Ok(Selection {
                criteria: raw.criterion,
                members: raw.member,
                quotas: raw.quotas,
                disagreement: raw.disagreement,
                text: raw.text,
            })
        } else {
            Err(errors)
        }
    }
}

impl Selection {
    /// The commission's text `key` in `lang`, with its placeholders filled in. Every key the
    /// tools use is checked at load ([`COMMISSION_TEXT_KEYS`]).
    pub fn text(&self, key: &str, lang: &str, values: &[(&str, &str)]) -> String {
        let text = self.text.get(key).map(|text| text.get(lang)).unwrap_or(key);
        values.iter().fold(text.to_string(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criterion(weight: u32) -> String {
        format!(
            "[[criterion]]\nweight = {weight}\ntitle.ky = \"т\"\ntitle.ru = \"т\"\ndescription.ky = \"с\"\ndescription.ru = \"о\"\nevidence.ky = \"дилбаян\"\nevidence.ru = \"эссе\"\n"
        )
    }

    /// A member and every text the tools need, so each test can break one thing.
    fn rest() -> String {
        let mut text = String::from("[[member]]\nid = \"union\"\nname.ky = \"с\"\nname.ru = \"с\"\n[quotas]\naged_28_and_over = { min = 1, max = 2 }\nunder_28 = { min = 1, max = 2 }\n[text]\n");
        for key in COMMISSION_TEXT_KEYS {
            text.push_str(&format!("{key}.ky = \"т\"\n{key}.ru = \"т\"\n"));
        }
        text
    }

    fn parse(text: &str) -> Result<Selection, Vec<String>> {
        let languages = vec!["ky".to_string(), "ru".to_string()];
        Selection::parse(Path::new("s.toml"), text, &languages)
            .map_err(|errors| errors.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn weights_must_add_up_to_one_hundred() {
        let good = criterion(60) + &criterion(40) + &rest();
        assert_eq!(parse(&good).unwrap().criteria.len(), 2);
        let bad = criterion(60) + &criterion(30) + &rest();
        assert_eq!(parse(&bad).unwrap_err(), ["s.toml: the criteria's weights add up to 90, not 100"]);
        // 4294967295 + 101 wraps around to 100 in 32 bits: refused, not accepted.
        let wrapping = criterion(4_294_967_295) + &criterion(101) + &rest();
        assert_eq!(parse(&wrapping).unwrap_err(), ["s.toml: the criteria's weights add up to far more than 100"]);
    }

    #[test]
    fn a_commission_without_members_is_refused_at_load() {
        let text =
            criterion(100) + &rest().replace("[[member]]\nid = \"union\"\nname.ky = \"с\"\nname.ru = \"с\"\n", "");
        assert_eq!(
            parse(&text).unwrap_err(),
            ["s.toml: there is no [[member]]: the commission needs at least one member"]
        );
    }

    #[test]
    fn a_member_id_twice_and_a_missing_text_are_both_named() {
        let text = criterion(100)
            + &rest()
                .replace("[quotas]", "[[member]]\nid = \"union\"\nname.ky = \"а\"\nname.ru = \"а\"\n[quotas]")
                .replace("flag_tie.ru = \"т\"\n", "");
        assert_eq!(
            parse(&text).unwrap_err(),
            ["s.toml: member id `union` is used twice", "s.toml: [text] `flag_tie` has no `ru` text"]
        );
    }
}
