use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use crate::{ContentError, Localized};

/// `content/form.toml`: the application form of the source, section by section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    /// What the form is called and who fills it in, per language.
    pub title: Localized,
    pub intro: Localized,
    pub section: Vec<Section>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: Localized,
    pub field: Vec<Field>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The source's numbering: `1.1`, `7.4.2`.
    pub id: String,
    pub kind: FieldKind,
    pub label: Localized,
    #[serde(default)]
    pub help: Option<Localized>,
    /// Word limit for long texts (the essay: 1,000).
    #[serde(default)]
    pub max_words: Option<u32>,
}

/// What sort of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldKind {
    Text,
    LongText,
    Date,
    Phone,
    Email,
    YesNo,
    /// An answer the form gives itself (1.2: the applicant is a woman).
    Fixed,
    /// A heading for the answers that follow (7.4 has two online meetings).
    Group,
}

impl FieldKind {
    pub fn key(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::LongText => "long-text",
            FieldKind::Date => "date",
            FieldKind::Phone => "phone",
            FieldKind::Email => "email",
            FieldKind::YesNo => "yes-no",
            FieldKind::Fixed => "fixed",
            FieldKind::Group => "group",
        }
    }
}

impl Form {
    pub fn parse(file: &Path, text: &str, languages: &[String]) -> Result<Self, Vec<ContentError>> {
        let form: Form = toml::from_str(text)
            .map_err(|err| vec![ContentError::from_toml(file, text, 1, &err)])?;
        let mut errors = Vec::new();
        let mut error_near = |needle: &str, message: String| {
            let line = text
                .lines()
                .position(|line| line.contains(needle))
                .map(|i| i + 1);
            errors.push(ContentError {
                file: file.to_path_buf(),
                line,
                message,
            });
        };
        for lang in form
            .title
            .missing(languages)
            .into_iter()
            .chain(form.intro.missing(languages))
        {
            error_near("title", format!("the form has no `{lang}` title or intro"));
        }
        let mut seen = HashSet::new();
        for section in &form.section {
            for lang in section.title.missing(languages) {
                error_near(
                    &format!("\"{}\"", section.id),
                    format!("section {} has no `{lang}` title", section.id),
                );
            }
            for field in &section.field {
                let needle = format!("\"{}\"", field.id);
                if !seen.insert(field.id.as_str()) {
                    error_near(&needle, format!("question {} appears twice", field.id));
                }
                let help_missing = field
                    .help
                    .as_ref()
                    .map(|help| help.missing(languages))
                    .unwrap_or_default();
                for lang in field
                    .label
                    .missing(languages)
                    .into_iter()
                    .chain(help_missing)
                {
                    error_near(
                        &needle,
                        format!("question {} has no `{lang}` label or help", field.id),
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(form)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_kind_is_refused_with_its_line() {
        let text = "title.ky = \"Ф\"\ntitle.ru = \"Ф\"\nintro.ky = \"и\"\nintro.ru = \"и\"\n[[section]]\nid = \"1\"\ntitle.ky = \"т\"\ntitle.ru = \"т\"\n[[section.field]]\nid = \"1.1\"\nkind = \"number\"\nlabel.ky = \"а\"\nlabel.ru = \"а\"\n";
        let errors = Form::parse(
            Path::new("content/form.toml"),
            text,
            &["ky".into(), "ru".into()],
        )
        .unwrap_err();
        assert_eq!(errors[0].line, Some(11), "{}", errors[0]);
        assert!(errors[0].message.contains("number"), "{}", errors[0]);
    }
}
