//! `generator new report`: the two (or more) files of a new report, with their front matter
//! filled in, so an editor only writes the text.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use content_model::{ContentError, FrontMatter, Message, Schedule, SiteConfig, Translation};

use crate::slug::slugify;

/// What the editor said on the command line.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// The stage the report is about: `III`.
    pub stage: String,
    pub title: String,
    pub tags: Vec<String>,
    pub date: NaiveDate,
    /// The section folder under `content/`: `reports`.
    pub section: String,
    /// Write only this language (the report then says `languages = [...]`).
    pub only: Option<String>,
}

/// Everything that stopped a report from being written, each with its file.
#[derive(Debug)]
pub struct Problems(pub Vec<ContentError>);

impl From<ContentError> for Problems {
    fn from(error: ContentError) -> Self {
        Problems(vec![error])
    }
}

impl From<Vec<ContentError>> for Problems {
    fn from(errors: Vec<ContentError>) -> Self {
        Problems(errors)
    }
}

/// Writes `content/<section>/<slug>.<lang>.md` for each language and returns their paths.
/// Nothing is written when anything is wrong, or when a file would be overwritten.
pub fn new_report(content_dir: &Path, report: &NewReport) -> Result<Vec<PathBuf>, Problems> {
    let read = |name: &str| {
        let file = content_dir.join(name);
        std::fs::read_to_string(&file)
            .map(|text| (file.clone(), text))
            .map_err(|err| ContentError::new(&file, Message::CannotRead { error: err.to_string() }))
    };
    let (config_file, config_text) = read("config.toml")?;
    let config = SiteConfig::parse(&config_file, &config_text)?;
    let (schedule_file, schedule_text) = read("schedule.toml")?;
    let schedule = Schedule::parse(&schedule_file, &schedule_text, &config.languages)?;
    if schedule.stage(&report.stage).is_none() {
        let known: Vec<&str> = schedule.stages.iter().map(|stage| stage.id.as_str()).collect();
        return Err(ContentError::new(
            &schedule_file,
            Message::NoSuchStage { stage: report.stage.clone(), known: known.join(", ") },
        )
        .into());
    }
    let languages: Vec<String> = match &report.only {
        Some(lang) if config.languages.contains(lang) => vec![lang.clone()],
        Some(lang) => {
            return Err(ContentError::new(
                &config_file,
                Message::NotASiteLanguage { lang: lang.clone(), languages: config.languages.join(", ") },
            )
            .into())
        }
        None => config.languages.clone(),
    };
    let slug = slugify(&report.title);
    if slug.is_empty() {
        return Err(ContentError::new(content_dir, Message::TitleWithoutLetters {}).into());
    }
    let folder = content_dir.join(&report.section);
    if !folder.join(format!("_index.{}.md", config.default_language())).exists() {
        return Err(ContentError::new(&folder, Message::NotASection {}).into());
    }
    let files: Vec<PathBuf> = languages.iter().map(|lang| folder.join(format!("{slug}.{lang}.md"))).collect();
    if let Some(taken) = files.iter().find(|file| file.exists()) {
        return Err(ContentError::new(taken, Message::AlreadyExists {}).into());
    }
    let front = FrontMatter {
        title: report.title.clone(),
        slug: Some(slug),
        date: Some(FrontMatter::day(report.date)),
        stage: Some(report.stage.clone()),
        tags: report.tags.clone(),
        summary: Some(String::new()),
        draft: true,
        languages: report.only.is_some().then(|| languages.clone()),
        ..FrontMatter::default()
    };
    for (lang, file) in languages.iter().zip(&files) {
        let (translation_file, translation_text) = read(&format!("i18n/{lang}.toml"))?;
        let translation = Translation::parse(&translation_file, &translation_text)?;
        let text = front.to_document(&format!("{}\n", translation.get("new_report_body")));
        std::fs::write(file, text)
            .map_err(|err| ContentError::new(file, Message::CannotWrite { error: err.to_string() }))?;
    }
    Ok(files)
}
