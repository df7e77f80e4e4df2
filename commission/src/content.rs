//! What the commission's tools read from `content/`: the site's languages, the form (for
//! the questions a sheet shows) and the selection rules with the commission's own words.

use std::path::Path;

use content_model::{ContentError, Form, Message, Selection, SiteConfig};

pub struct CommissionContent {
    pub form: Form,
    pub selection: Selection,
    pub languages: Vec<String>,
    /// The secretariat's address (`[contact] email` of `config.toml`): the Reply-To of what
    /// applicants are sent.
    pub secretariat: String,
}

impl CommissionContent {
    /// Reads and checks `config.toml`, `form.toml` and `selection.toml` below `dir`; every
    /// problem is reported with its file.
    pub fn load(dir: &Path) -> Result<Self, Vec<ContentError>> {
        let read = |name: &str| {
            let file = dir.join(name);
            std::fs::read_to_string(&file)
                .map(|text| (file.clone(), text))
                .map_err(|err| vec![ContentError::new(&file, Message::CannotRead { error: err.to_string() })])
        };
        let (file, text) = read("config.toml")?;
        let config = SiteConfig::parse(&file, &text)?;
        let (languages, secretariat) = (config.languages, config.contact.email);
        let (file, text) = read("form.toml")?;
        let form = Form::parse(&file, &text, &languages);
        let (file, text) = read("selection.toml")?;
        let selection = Selection::parse(&file, &text, &languages);
        match (form, selection) {
            (Ok(form), Ok(selection)) => Ok(Self { form, selection, languages, secretariat }),
            (form, selection) => Err(form.err().into_iter().chain(selection.err()).flatten().collect()),
        }
    }

    /// `lang` when the site has it; otherwise an error that lists the languages it has.
    pub fn language<'a>(&self, lang: &'a str) -> Result<&'a str, String> {
        if self.languages.iter().any(|known| known == lang) {
            Ok(lang)
        } else {
            Err(format!("`{lang}` is not one of the site's languages ({})", self.languages.join(", ")))
        }
    }
}
