use std::path::Path;

use serde::Deserialize;

use crate::{ContentError, Localized};

/// `content/selection.toml`: the criteria the commission scores, with their weights.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub criteria: Vec<Criterion>,
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
        if errors.is_empty() {
            Ok(Selection { criteria: raw.criterion })
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
