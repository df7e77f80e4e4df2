//! What the intake knows about the site: the form, the languages, the deadline and the clock,
//! read from the same `content/` files as the generator.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};
use content_model::{ContentError, DatePatterns, Form, Message, Schedule, SiteConfig, Translation};
use sha2::{Digest, Sha256};

/// The texts of the content files the intake reads, so that the Lambda can carry them
/// inside its binary and the preview can read them from disk.
pub struct IntakeTexts {
    pub config: String,
    pub schedule: String,
    pub form: String,
    /// `(language, text of content/i18n/<language>.toml)`.
    pub translations: Vec<(String, String)>,
}

impl IntakeTexts {
    /// Reads the files below a `content/` folder.
    pub fn read(content_dir: &Path) -> Result<Self, Vec<ContentError>> {
        let read = |name: &str| content_model::read_content_file(content_dir, name);
        let config = read("config.toml")?;
        let translations = content_model::read_translations(content_dir, &config)?;
        Ok(Self { config, schedule: read("schedule.toml")?, form: read("form.toml")?, translations })
    }
}

/// Which moment the intake lives in: now, or a fixed moment for previews and tests.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Fixed(DateTime<FixedOffset>),
}

impl Clock {
    pub fn now(self) -> DateTime<FixedOffset> {
        match self {
            Clock::System => Utc::now().fixed_offset(),
            Clock::Fixed(at) => at,
        }
    }
}

/// Everything the handler needs besides the store.
pub struct Intake {
    pub(crate) form: Form,
    pub(crate) languages: Vec<String>,
    pub(crate) translations: BTreeMap<String, Translation>,
    pub(crate) deadline: Option<DateTime<FixedOffset>>,
    /// When the call opened: the first day of the schedule's first stage, at midnight in the
    /// deadline's time zone. Nothing can have been received before it.
    pub(crate) opened: Option<DateTime<FixedOffset>>,
    /// `https://host` of the site: the only origin allowed to post from another origin.
    pub(crate) site_origin: String,
    /// Where the form posts: `/api/applications`.
    pub(crate) path: String,
    pub(crate) clock: Clock,
    /// The SHA-256 of the header value CloudFront adds to every request it passes on
    /// (`X-Origin-Verify`), when the function may only be reached through the distribution.
    /// Only the digest is kept: comparing digests takes as long whatever the guess.
    pub(crate) origin_secret: Option<[u8; 32]>,
}

impl Intake {
    pub fn from_texts(texts: &IntakeTexts, clock: Clock) -> Result<Self, Vec<ContentError>> {
        let config = SiteConfig::parse(Path::new("content/config.toml"), &texts.config)?;
        let schedule = Schedule::parse(Path::new("content/schedule.toml"), &texts.schedule, &config.languages)?;
        let form = Form::parse(Path::new("content/form.toml"), &texts.form, &config.languages)?;
        let mut translations = BTreeMap::new();
        for (lang, text) in &texts.translations {
            let file = format!("content/i18n/{lang}.toml");
            translations.insert(lang.clone(), Translation::parse(Path::new(&file), text).map_err(|e| vec![e])?);
        }
        if let Some(lang) = config.languages.iter().find(|lang| !translations.contains_key(*lang)) {
            return Err(vec![ContentError::new(
                format!("content/i18n/{lang}.toml"),
                Message::MissingTranslationFile { lang: lang.clone() },
            )]);
        }
        let site_origin = config.base_url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
        Ok(Self {
            form,
            languages: config.languages.clone(),
            translations,
            deadline: schedule.deadline.as_ref().map(|deadline| deadline.at),
            opened: schedule.stages.iter().map(|stage| stage.period.first_day()).min().and_then(|day| {
                let zone =
                    schedule.deadline.as_ref().map_or(FixedOffset::east_opt(0)?, |deadline| *deadline.at.offset());
                day.and_hms_opt(0, 0, 0)?.and_local_timezone(zone).single()
            }),
            site_origin,
            path: config.intake_path().to_string(),
            clock,
            origin_secret: None,
        })
    }

    /// Refuses, before anything else, every request whose `X-Origin-Verify` header is not
    /// `secret`: the Lambda's API has a public address of its own, and only CloudFront, which
    /// adds the header, may use it. `None` (the preview, the tests) checks nothing.
    pub fn with_origin_secret(mut self, secret: Option<&str>) -> Self {
        self.origin_secret = secret.map(|secret| Sha256::digest(secret.as_bytes()).into());
        self
    }

    pub fn load(content_dir: &Path, clock: Clock) -> Result<Self, Vec<ContentError>> {
        let texts = IntakeTexts::read(content_dir)?;
        Self::from_texts(&texts, clock)
    }

    /// The path the form posts to, e.g. `/api/applications`.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn form(&self) -> &Form {
        &self.form
    }

    /// The intake's moment: the clock's, or the one it was fixed at.
    pub fn now(&self) -> DateTime<FixedOffset> {
        self.clock.now()
    }

    /// When the call opened, from the schedule's first day.
    pub fn opened(&self) -> Option<DateTime<FixedOffset>> {
        self.opened
    }

    /// When applications stop being accepted, from the schedule.
    pub fn deadline(&self) -> Option<DateTime<FixedOffset>> {
        self.deadline
    }

    /// The site's languages, the default first.
    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    /// How `lang` writes dates, when the site has that language.
    pub fn dates(&self, lang: &str) -> Option<&DatePatterns> {
        self.translations.get(lang).map(|translation| &translation.dates)
    }

    /// The language's name in itself (`Кыргызча`), when the site has that language.
    pub fn language_name(&self, lang: &str) -> Option<&str> {
        self.translations.get(lang).map(|translation| translation.name.as_str())
    }

    /// Whether applications are still accepted: until the deadline, exclusive.
    pub fn is_open(&self) -> bool {
        self.deadline.is_none_or(|deadline| self.now() < deadline)
    }

    /// `lang` when the site has it, the default language otherwise.
    pub(crate) fn language<'a>(&'a self, lang: Option<&'a str>) -> &'a str {
        // The site's languages are never empty: configuration refuses that at load.
        self.known_language(lang).or_else(|| self.languages.first().map(String::as_str)).unwrap_or_default()
    }

    /// `lang` when the site has it.
    pub(crate) fn known_language<'a>(&self, lang: Option<&'a str>) -> Option<&'a str> {
        lang.filter(|lang| self.languages.iter().any(|known| known == lang))
    }

    pub(crate) fn text(&self, key: &str, lang: &str) -> String {
        self.form.message(key, lang, &[])
    }

    /// The deadline as people write it in `lang`.
    pub(crate) fn deadline_text(&self, lang: &str) -> String {
        match self.deadline {
            Some(at) => self.translations.get(lang).map(|t| t.dates.date_time(at)).unwrap_or_default(),
            None => String::new(),
        }
    }

    pub(crate) fn date_text(&self, date: chrono::NaiveDate, lang: &str) -> String {
        self.translations.get(lang).map(|t| t.dates.date(date)).unwrap_or_default()
    }

    pub(crate) fn site_title(&self, lang: &str) -> &str {
        self.translations.get(lang).map_or("", |t| t.get("site_title"))
    }
}
