//! The catalogue of the messages editors read (`content/i18n/messages.toml`, see
//! [`content_model::Message`]), in the language `--lang` names or else the site's default
//! language. The commands load it before they build, so that a catalogue that cannot be used
//! stops them at once, in English.

use std::path::Path;

use content_model::{Catalogue, ContentError, Message};

/// Where the catalogue is, below the content folder.
pub const CATALOGUE: &str = "i18n/messages.toml";

/// The language when content/config.toml cannot say which is the default (it does not parse):
/// the programme's.
const FALLBACK_LANGUAGE: &str = "ky";

/// The catalogue of `content_dir` in `lang`, or in the site's default language. Its problems
/// are in English: a broken catalogue cannot translate them.
pub fn load_catalogue(content_dir: &Path, lang: Option<&str>) -> Result<Catalogue, Vec<ContentError>> {
    let lang = lang.map_or_else(|| default_language(content_dir), str::to_string);
    let file = content_dir.join(CATALOGUE);
    let text = std::fs::read_to_string(&file)
        .map_err(|err| vec![ContentError::new(&file, Message::Untranslated(format!("cannot be read: {err}")))])?;
    Catalogue::parse(&file, &text, &lang)
}

/// The first of `languages` in content/config.toml, read leniently: the build reports what
/// else is wrong with the file, in that language.
pub fn default_language(content_dir: &Path) -> String {
    std::fs::read_to_string(content_dir.join("config.toml"))
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .and_then(|config| config.get("languages")?.as_array()?.first()?.as_str().map(str::to_string))
        .unwrap_or_else(|| FALLBACK_LANGUAGE.to_string())
}
