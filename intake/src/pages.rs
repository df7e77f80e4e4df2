//! The few HTML pages the function itself answers with, for browsers without JavaScript:
//! thanks (with the code), what was wrong, intake closed. They use the site's stylesheet and
//! icon, by the plain names the generator also publishes them under (the function cannot know
//! the hashed ones); without an icon of its own a page makes the browser ask for
//! `/favicon.ico`, which the site has not.

use content_model::escape_html as escape;

use crate::intake::Intake;
use crate::validate::FieldError;

/// A whole page in `lang`; `body` is HTML already escaped.
pub(crate) fn page(intake: &Intake, lang: &str, title: &str, body: &str) -> String {
    let site = escape(intake.site_title(lang));
    let title = escape(title);
    let home = escape(&intake.text("home", lang));
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"robots\" content=\"noindex\">\n<title>{title} · {site}</title>\n<link rel=\"stylesheet\" href=\"/style.css\">\n<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\n</head>\n<body>\n<header class=\"site-header\"><div class=\"wrap\"><a class=\"brand\" href=\"/{lang}/\">{site}</a></div></header>\n<main id=\"main\" class=\"wrap\">\n<h1>{title}</h1>\n{body}\n<p><a href=\"/{lang}/\">{home}</a></p>\n</main>\n</body>\n</html>\n"
    )
}

pub(crate) fn thanks(intake: &Intake, lang: &str, code: &str) -> String {
    let body = format!(
        "<p>{}</p>\n<p class=\"application-code\" id=\"application-code\">{}</p>\n<p>{}</p>",
        escape(&intake.text("thanks_code", lang)),
        escape(code),
        escape(&intake.text("thanks_keep", lang))
    );
    page(intake, lang, &intake.text("thanks_title", lang), &body)
}

/// A retry of an application already stored, with other answers: the code it was stored
/// under, and that changes go through the secretariat (`text` says both).
pub(crate) fn changed(intake: &Intake, lang: &str, code: &str, text: &str) -> String {
    let body =
        format!("<p class=\"application-code\" id=\"application-code\">{}</p>\n<p>{}</p>", escape(code), escape(text));
    page(intake, lang, &intake.text("changed_title", lang), &body)
}

pub(crate) fn errors(intake: &Intake, lang: &str, errors: &[FieldError]) -> String {
    let items: String = errors
        .iter()
        .map(|error| format!("<li><strong>{}</strong> — {}</li>\n", escape(&error.label), escape(&error.message)))
        .collect();
    let body = format!(
        "<p>{}</p>\n<ul class=\"errors\">\n{items}</ul>\n<p>{}</p>",
        escape(&intake.text("errors_summary", lang)),
        escape(&intake.text("errors_back", lang))
    );
    page(intake, lang, &intake.text("errors_title", lang), &body)
}

/// A page with one sentence, for the other answers (closed, too large, store failed).
pub(crate) fn message(intake: &Intake, lang: &str, title_key: &str, text: &str) -> String {
    page(intake, lang, &intake.text(title_key, lang), &format!("<p>{}</p>", escape(text)))
}

/// The same page in every language of the site at once, for a request that did not say
/// which one it reads: each sentence marked with its language.
pub(crate) fn message_in_every_language(intake: &Intake, title_key: &str, text_key: &str) -> String {
    let default = intake.language(None);
    let title: Vec<String> = intake.languages.iter().map(|lang| intake.text(title_key, lang)).collect();
    let body: String = intake
        .languages
        .iter()
        .map(|lang| format!("<p lang=\"{lang}\">{}</p>\n", escape(&intake.text(text_key, lang))))
        .collect();
    page(intake, default, &title.join(" / "), body.trim_end())
}
