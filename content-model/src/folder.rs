//! Reading a `content/` folder's files as text, for the parts that carry them inside a Lambda
//! binary and so parse from `&str` (the intake, the mail): one way to read them, with the
//! file named in every error.

use std::path::Path;

use crate::{ContentError, Message, SiteConfig};

/// The text of `name` below `content_dir`.
pub fn read_content_file(content_dir: &Path, name: &str) -> Result<String, Vec<ContentError>> {
    let file = content_dir.join(name);
    std::fs::read_to_string(&file)
        .map_err(|err| vec![ContentError::new(&file, Message::CannotRead { error: err.to_string() })])
}

/// `(language, text of content/i18n/<language>.toml)` for every language `config` (the text
/// of `content_dir`'s `config.toml`) names.
pub fn read_translations(content_dir: &Path, config: &str) -> Result<Vec<(String, String)>, Vec<ContentError>> {
    let languages = SiteConfig::parse(&content_dir.join("config.toml"), config)?.languages;
    languages
        .iter()
        .map(|lang| Ok((lang.clone(), read_content_file(content_dir, &format!("i18n/{lang}.toml"))?)))
        .collect()
}
