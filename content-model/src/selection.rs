use std::path::Path;

use serde::Deserialize;

use crate::{ContentError, Localized};

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
}

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
}

fn default_disagreement() -> u32 {
    25
}

impl Selection {
    pub fn parse(file: &Path, text: &str, languages: &[String]) -> Result<Self, Vec<ContentError>> {
        let raw: RawSelection =
            toml::from_str(text).map_err(|err| vec![ContentError::from_toml(file, text, 1, &err)])?;
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
                    errors.push(ContentError::new(file, format!("criterion {number} has no `{lang}` {name}")));
                }
            }
        }
        let total: u32 = raw.criterion.iter().map(|c| c.weight).sum();
        if total != 100 {
            errors.push(ContentError::new(file, format!("the criteria's weights add up to {total}, not 100")));
        }
        for member in &raw.member {
            if member.id.is_empty()
                || !member.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                errors.push(ContentError::new(
                    file,
                    format!("member id `{}` must be lowercase latin letters, digits and -", member.id),
                ));
            }
            for lang in member.name.missing(languages) {
                errors.push(ContentError::new(file, format!("member `{}` has no `{lang}` name", member.id)));
            }
        }
        for (name, quota) in [("aged_28_and_over", raw.quotas.aged_28_and_over), ("under_28", raw.quotas.under_28)] {
            if quota.min > quota.max {
                errors.push(ContentError::new(
                    file,
                    format!("quota {name}: min {} is more than max {}", quota.min, quota.max),
                ));
            }
        }
        if errors.is_empty() {
            Ok(Selection {
                criteria: raw.criterion,
                members: raw.member,
                quotas: raw.quotas,
                disagreement: raw.disagreement,
            })
        } else {
            Err(errors)
        }
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

    #[test]
    fn weights_must_add_up_to_one_hundred() {
        let languages = vec!["ky".to_string(), "ru".to_string()];
        let good = criterion(60) + &criterion(40);
        assert_eq!(Selection::parse(Path::new("s.toml"), &good, &languages).unwrap().criteria.len(), 2);
        let bad = criterion(60) + &criterion(30);
        let errors = Selection::parse(Path::new("s.toml"), &bad, &languages).unwrap_err();
        assert_eq!(errors[0].to_string(), "s.toml: the criteria's weights add up to 90, not 100");
    }
}
