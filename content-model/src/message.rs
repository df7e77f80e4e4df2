//! What the generator tells editors, as data: a [`Message`] names one kind of mistake and
//! carries its values (a file, a field, a URL); [`Catalogue`] turns it into Kyrgyz or Russian
//! from `content/i18n/messages.toml`, where each message has a `[key]` table with a `ky` and
//! a `ru` text, the values written as `{name}`. The English text stays here, in the list
//! below: developers and tests read it (`ContentError`'s `Display`).
//!
//! Adding a message (also to convert a plain `format!` text after a merge, which no longer
//! compiles where a `Message` is wanted):
//! 1. add a line to `messages!` below: `Variant { value, … } = "key" => "English, {value}";`
//! 2. build it where the mistake is found: `Message::Variant { value: x.to_string() }`;
//! 3. add `[key]` with `ky = "…"` and `ru = "…"`, using the same `{value}`s, to
//!    `content/i18n/messages.toml` and to its frozen copy in `tests/fixtures/site/content/`.
//!
//! `cargo test -p generator --test editor_messages` names what is missing, and the
//! expected texts of `generator/tests/fixtures/broken/` mark a message still in English
//! `(in English only)`. Only what editors cannot act on (a template engine's internals, a
//! disk that failed) is `Message::Untranslated`, and stays English.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::ContentError;

/// One message of the list: its key in the catalogue, its English text, and the names of
/// the values it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub key: &'static str,
    pub english: &'static str,
    pub values: &'static [&'static str],
}

macro_rules! messages {
    ($( $(#[doc = $doc:literal])* $variant:ident { $($value:ident),* } = $key:literal => $english:literal; )*) => {
        /// An editor's mistake (or a word the tools print around them), with its values.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Message {
            $( $(#[doc = $doc])* $variant { $($value: String),* }, )*
            /// For developers only; never translated.
            Untranslated(String),
        }

        impl Message {
            /// Every message that has a key, in the order of the list.
            pub const ALL: &'static [Entry] =
                &[$(Entry { key: $key, english: $english, values: &[$(stringify!($value)),*] }),*];

            /// The key in the catalogue; `None` for an untranslated message.
            pub fn key(&self) -> Option<&'static str> {
                match self {
                    $(Self::$variant { .. } => Some($key),)*
                    Self::Untranslated(_) => None,
                }
            }

            fn english_text(&self) -> &str {
                match self {
                    $(Self::$variant { .. } => $english,)*
                    Self::Untranslated(text) => text,
                }
            }

            /// The values by name, to fill in `{name}`.
            pub fn values(&self) -> Vec<(&'static str, &str)> {
                match self {
                    $(Self::$variant { $($value),* } => vec![$((stringify!($value), $value.as_str())),*],)*
                    Self::Untranslated(_) => Vec::new(),
                }
            }
        }
    };
}

messages! {
    // Reading files and front matter.
    CannotRead { error } = "cannot_read" => "cannot be read: {error}";
    CannotWrite { error } = "cannot_write" => "cannot be written: {error}";
    NoFrontMatter {} = "no_front_matter" => "the file must start with front matter between two `+++` lines";
    UnclosedFrontMatter {} = "unclosed_front_matter"
        => "the front matter opened with `+++` is never closed by another `+++` line";
    EmptyTitle {} = "empty_title" => "`title` must not be empty";
    ContentFileName {} = "content_file_name"
        => "a content file must be named `<name>.<language>.md`, for example `about.ky.md`";
    FileLanguageUnknown { lang, languages } = "file_language_unknown"
        => "`{lang}` is not one of the site's languages ({languages}) in content/config.toml";

    // TOML syntax, said in plain words: toml's own words name its grammar.
    TomlTextAfterValue {} = "toml_text_after_value"
        => "after the value on this line there is more text: put each `key = value` on a line of its own, and a whole text in quotes";
    TomlUnquotedText {} = "toml_unquoted_text" => "the text on this line needs quotes around it: `key = \"text\"`";
    TomlTypographicQuotes {} = "toml_typographic_quotes"
        => "put the text between straight quotes `\"…\"`: «…» and “…” can stand inside a text, but do not close it";
    TomlMissingValue {} = "toml_missing_value" => "the value after `=` on this line is missing: write it, a text in quotes";
    TomlMissingEquals {} = "toml_missing_equals"
        => "there is no `=` after the key on this line: write `key = value`, with `=` (not `:`) and no spaces in the key";
    TomlUnclosedText {} = "toml_unclosed_text"
        => "the text on this line opens a quote and does not close it: put a `\"` at its end (a text of several lines goes between `\"\"\"`)";
    TomlInvisibleCharacter {} = "toml_invisible_character"
        => "the text on this line holds a tab or another invisible character: delete it";
    TomlBackslash {} = "toml_backslash"
        => "a backslash `\\` inside quotes starts a special character: write `\\\\` for a backslash itself";
    TomlDuplicateKey { key } = "toml_duplicate_key" => "`{key}` is written twice: keep one of them";
    TomlUnclosedTableName {} = "toml_unclosed_table_name" => "the table name on this line is not closed: write `[name]` or `[[name]]`";
    TomlUnclosedInlineTable {} = "toml_unclosed_inline_table"
        => "the `{` on this line is not closed: write `{ key = value }` on one line";
    TomlListComma {} = "toml_list_comma"
        => "a list on this line or the one before lacks a comma or its closing `]`: write `[\"a\", \"b\"]`";
    TomlInvalidDate { value } = "toml_invalid_date"
        => "`{value}` is not a day of the calendar: write year-month-day, like `2020-11-09`";
    TomlTrueFalse { value } = "toml_true_false" => "write `true` or `false` in small letters, not `{value}`";
    TomlNumber { value } = "toml_number" => "`{value}` is not a number: write digits only, without a leading 0, like `3`";
    TomlMissingKey {} = "toml_missing_key" => "the line starts with `=`: write the key before it, `key = value`";
    TomlKeyConflict {} = "toml_key_conflict" => "this key is given a value above already: a key cannot be both a value and a table";
    TomlOther { detail } = "toml_other" => "this line cannot be read as TOML: {detail}";

    // Fields: what serde found, in the file's own words.
    UnknownField { field, known } = "unknown_field" => "unknown field `{field}`, expected one of {known}";
    UnknownFieldDidYouMean { field, suggestion } = "unknown_field_did_you_mean"
        => "unknown field `{field}`: did you mean `{suggestion}`?";
    MissingField { field } = "missing_field" => "missing field `{field}`";
    ExpectedWholeNumber { key, value } = "expected_whole_number"
        => "`{key}` must be a whole number, like `{key} = 3`, not `{value}`";
    ExpectedTrueFalse { key, value } = "expected_true_false"
        => "`{key}` must be `true` or `false`, without quotes, not `{value}`";
    ExpectedText { key, value } = "expected_text" => "`{key}` must be a text in quotes, like `{key} = \"…\"`, not `{value}`";
    ExpectedTextItem { key, value } = "expected_text_item"
        => "each item of `{key}` must be a text in quotes, like `{key} = [\"a\", \"b\"]`, not `{value}`";
    ExpectedList { key, value } = "expected_list" => "`{key}` must be a list, like `{key} = [\"a\", \"b\"]`, not `{value}`";
    ExpectedDate { key, value } = "expected_date"
        => "`{key}` must be a day without quotes, like `{key} = 2020-11-09`, not `{value}`";
    UnknownValue { value, known } = "unknown_value" => "unknown variant `{value}`, expected one of {known}";
    InvalidValue { key, detail } = "invalid_value" => "`{key}` cannot take this value: {detail}";

    // Pages.
    DateNotADay {} = "date_not_a_day" => "`date` must be a day, like `date = 2020-11-09`";
    ReportWithoutDate {} = "report_without_date" => "a report needs the day it is published: `date = 2020-11-09`";
    DateOutsideProgramme { date, first, last } = "date_outside_programme"
        => "`date = {date}` is outside the programme ({first} to {last}, `programme` in content/config.toml)";
    UnknownTemplate { template } = "unknown_template" => "there is no template `templates/{template}`";
    UnknownInclude { include } = "unknown_include" => "`{include}` is not a block in templates/includes/";
    UnknownStage { stage, known } = "unknown_stage" => "stage `{stage}` is not in content/schedule.toml (known: {known})";
    InvalidSlug { slug } = "invalid_slug" => "slug `{slug}` may hold only lowercase latin letters, digits and hyphens";
    DuplicateUrl { url, other } = "duplicate_url" => "its URL {url} is already used by {other}: give one of them another `slug`";
    LanguagesUnknown { lang } = "languages_unknown" => "`languages` names `{lang}`, which is not one of the site's languages";
    LanguagesLeavesOut { lang } = "languages_leaves_out" => "`languages` leaves out `{lang}`, the language of this file";
    MissingPageTranslation { lang, missing, only } = "missing_page_translation"
        => "has no `{lang}` translation: {missing} is missing (or say `languages = [\"{only}\"]` if it is written in one language only)";

    // Links and images in Markdown.
    BrokenInternalLink { link, file } = "broken_internal_link"
        => "broken internal link `{link}`: there is no page `content/{file}` in this language";
    ImageWithoutAlt { url } = "image_without_alt"
        => "the image `{url}` has no alt text: write what it shows, `![Participants at the School]({url})`";
    ImageElsewhere { url } = "image_elsewhere"
        => "the image `{url}` is on another site: readers on slow data must not load from elsewhere; put it in content/images/";
    ImageMissing { url, file } = "image_missing" => "the image `{url}` is missing: there is no {file}";
    ImageUnreadable { url, error } = "image_unreadable" => "the image `{url}` cannot be read: {error}";
    ImagePath { url } = "image_path" => "write the image as `/images/{url}` and put the file in content/images/";
    ImageTooLarge { url, width, height, megapixels, limit } = "image_too_large"
        => "the image `{url}` is {width}×{height} pixels ({megapixels} megapixels), more than the {limit} the site takes: save it smaller (e.g. 4000 pixels wide) and put it back";
    ImageUndecodable { url, error } = "image_undecodable"
        => "the image `{url}` cannot be read as an image ({error}): save it again as JPEG or PNG";
    /// A picture in content/ that no page shows, reported at its own file.
    PictureTooLarge { width, height, megapixels, limit } = "picture_too_large"
        => "this picture is {width}×{height} pixels ({megapixels} megapixels), more than the {limit} the site takes: save it smaller (e.g. 4000 pixels wide) and put it back";
    PictureUndecodable { error } = "picture_undecodable"
        => "this picture cannot be read as an image ({error}): save it again as JPEG or PNG";

    // HTML in a page that the site's sanitiser refuses (generator/src/sanitize.rs).
    HtmlEmbed { element } = "html_embed"
        => "`<{element}>` is not allowed in content: it loads another site, a plugin or a player into the page, which the site's security policy blocks and readers on slow data pay for; link to it instead, `[Watch the video](https://…)`";
    HtmlScript {} = "html_script"
        => "`<script>` is not allowed in content: the site runs only its own scripts; describe what it should do and ask a developer";
    HtmlNoscript {} = "html_noscript"
        => "`<noscript>` is not allowed in content: browsers read what is inside it differently from the build, which can hide a script; write the text without it";
    HtmlStyle {} = "html_style"
        => "`<style>` is not allowed in content: the site's security policy blocks inline styles; the site's look is in templates/static/style.css (ask for a class there)";
    HtmlMeta {} = "html_meta"
        => "`<meta>` is not allowed in content: it can send readers to another site or change how browsers treat the page; the template writes the page's head";
    HtmlBase {} = "html_base"
        => "`<base>` is not allowed in content: it changes where every link and image of the page points; link with Markdown, `[text](@/page.md)`";
    HtmlHead { element } = "html_head"
        => "`<{element}>` is not allowed in content: the template writes the page's head and frame; write only the page's text";
    HtmlForm { element } = "html_form"
        => "`<{element}>` is not allowed in content: a form in a page could send what readers type anywhere; the site's only form is the application form, link to it with `[the application form](@/form.md)`";
    HtmlElement { element } = "html_element"
        => "`<{element}>` is not allowed in content: write it in Markdown, or with the HTML the site allows (README, “HTML in content”)";
    HtmlSvg {} = "html_svg"
        => "`<svg>` is not allowed in content: put the picture in content/images/ and show it with `![what it shows](/images/picture.svg)`";
    HtmlMath { element } = "html_math"
        => "`<{element}>` is not allowed in content: write the formula as text, or put a picture of it in content/images/ and show it with `![the formula in words](/images/formula.svg)`";
    HtmlPagefindBody {} = "html_pagefind_body"
        => "a `data-pagefind-body` attribute is not allowed in content: it tells the site's search to index only the parts marked with it, which would hide every other page of the language from search; remove it";
    HtmlPagefind { attribute } = "html_pagefind"
        => "a `{attribute}` attribute is not allowed in content: `data-pagefind-…` attributes steer the site's search and could hide pages from it or retitle them; remove it";
    HtmlData { attribute } = "html_data"
        => "a `{attribute}` attribute is not allowed in content: `data-…` attributes are for the site's own scripts and search; remove it";
    HtmlHandler { element, attribute } = "html_handler"
        => "the attribute `{attribute}` on `<{element}>` is not allowed in content: it runs a script, and the site runs only its own; remove it";
    HtmlStyleAttribute { element } = "html_style_attribute"
        => "the attribute `style` on `<{element}>` is not allowed in content: the site's security policy blocks inline styles; write it in Markdown, or ask for a class in templates/static/style.css";
    HtmlAttribute { element, attribute, allowed } = "html_attribute"
        => "the attribute `{attribute}` on `<{element}>` is not allowed in content: remove it; `<{element}>` may have {allowed}";
    HtmlClass { element, value } = "html_class"
        => "the class `{value}` on `<{element}>` is not allowed in content: the site's stylesheet knows only the classes Markdown writes; give a heading a class with `## Title {.name}`";
    HtmlLink { value } = "html_link"
        => "the link `{value}` is not allowed in content: a link goes to a page or file of the site (`@/stages/iii.md`, `/images/plan.pdf`) or to an `https://`, `http://`, `mailto:` or `tel:` address";
    HtmlImageAddress { element, attribute, value } = "html_image_address"
        => "the address `{value}` in `<{element} {attribute}>` is not allowed in content: images are files of the site; put the file in content/images/ and show it with `![what it shows](/images/name.jpg)`";
    HtmlUnfinished { tag } = "html_unfinished"
        => "the tag `{tag}` is not finished: what follows it would be read as part of the tag; close it with `>` (and close any quote it opens)";
    HtmlChanged { near } = "html_changed"
        => "the site's sanitiser would change this HTML near `{near}`: write it in Markdown, or with the HTML the site allows (README, “HTML in content”)";

    // What the site's Content-Security-Policy would block, in raw HTML or a template.
    CspStyleAttribute { element, page } = "csp_style_attribute"
        => "a `style` attribute on <{element}> (put the rule in style.css): the site's Content-Security-Policy blocks it (on /{page})";
    CspHandler { attribute, element, page } = "csp_handler"
        => "an `{attribute}` handler on <{element}> (use a script): the site's Content-Security-Policy blocks it (on /{page})";
    CspJavascriptUrl { element, attribute, page } = "csp_javascript_url"
        => "a `javascript:` URL in <{element} {attribute}>: the site's Content-Security-Policy blocks it (on /{page})";
    CspStyleElement { page } = "csp_style_element"
        => "a <style> element (put the rules in style.css): the site's Content-Security-Policy blocks it (on /{page})";

    // Links in the built pages.
    LinkPublishedAs { link, published, file, page } = "link_published_as"
        => "links to {link}, which is published as {published}: write it as Markdown, `![…](/{file})` or `[…](/{file})`, so that the link follows the file (on /{page})";
    LinkNotOnSite { link, page } = "link_not_on_site" => "links to {link}, which is not part of the site (on /{page})";
    LinkMissingAnchor { link, fragment, page } = "link_missing_anchor"
        => "links to {link}, but that page has no `#{fragment}` (on /{page})";

    // Translation files (content/i18n/<lang>.toml).
    MissingTranslationFile { lang } = "missing_translation_file"
        => "missing: every language needs a translation file, and `{lang}` is in content/config.toml";
    MissingTranslationKey { key, default_file } = "missing_translation_key"
        => "missing translation of `{key}` (it is in {default_file})";
    UnknownTranslationKey { key, default_file } = "unknown_translation_key" => "`{key}` is not a key of {default_file}: a typo?";
    MonthCount { name, count } = "month_count" => "[dates] {name} must list 12 months, not {count}";

    // content/config.toml.
    NoLanguages {} = "no_languages" => "`languages` must name at least one language";
    LanguageCode { lang } = "language_code" => "language code `{lang}` must be lowercase letters, like `ky`";
    BaseUrl { url } = "base_url" => "`base_url` must be an absolute http(s) URL without a trailing slash, not `{url}`";
    IntakePath {} = "intake_path" => "`intake_path` must start with / and not end with one, like `/api/applications`";
    Programme { programme } = "programme" => "`programme` must be two days like `2020-11-01/2021-12-31`, not `{programme}`";
    SearchIndexPages {} = "search_index_pages" => "`search_index_pages` must be at least 1";
    Timezone { timezone } = "timezone" => "`timezone` must be a UTC offset like `+06:00`, not `{timezone}`";
    ContactText { key, lang } = "contact_text" => "contact.{key} has no `{lang}` text";

    // content/schedule.toml.
    DeadlineText { lang } = "deadline_text" => "the deadline has no `{lang}` title or summary";
    DeadlineMoment { at } = "deadline_moment"
        => "deadline `{at}` needs a date, a time and a UTC offset, like 2020-12-11T17:00:00+06:00";
    DuplicateId { id } = "duplicate_id" => "stage or event id `{id}` is used twice";
    MissingTitle { id, lang } = "missing_title" => "`{id}` has no `{lang}` title";
    TitleLanguageUnknown { id, lang } = "title_language_unknown"
        => "`{id}` has a title in `{lang}`, which is not one of the site's languages";
    NotAPeriod { text } = "not_a_period"
        => "`{text}` is not a date or period: write `2021-03-04`, `2021-01-25/2021-01-29`, `2021-04` or `2021-05/2021-08`";
    DaysBackwards { text } = "days_backwards" => "`{text}` ends before or on the day it starts";
    MonthsBackwards { text } = "months_backwards" => "`{text}` ends before or in the month it starts";

    // content/form.toml.
    FormTitle { lang } = "form_title" => "the form has no `{lang}` title or intro";
    FormMissingMessage { key } = "form_missing_message" => "[messages] has no `{key}`, which the validator needs";
    FormMissingText { key } = "form_missing_text" => "[text] has no `{key}`, which the intake's answers need";
    FormMissingPaperText { key } = "form_missing_paper_text" => "[text] has no `{key}`, which the printed form needs";
    FormTextLanguage { table, key, lang } = "form_text_language" => "[{table}] `{key}` has no `{lang}` text";
    SectionTitle { id, lang } = "section_title" => "section {id} has no `{lang}` title";
    QuestionTwice { id } = "question_twice" => "question {id} appears twice";
    QuestionLabel { id, lang } = "question_label" => "question {id} has no `{lang}` label or help";
    QuestionNeedsName { id } = "question_needs_name" => "question {id} needs a `name` to be posted under";
    QuestionName { id, name, reserved } = "question_name"
        => "question {id}: `{name}` must be lowercase latin letters, digits and _, and not one of {reserved}";
    QuestionNameTwice { id, name } = "question_name_twice" => "question {id}: the name `{name}` is used twice";
    QuestionTakesNoName { id, kind } = "question_takes_no_name" => "question {id} is a {kind} and takes no `name`";
    RequiredWhen { id, when } = "required_when" => "question {id}: `required_when = \"{when}\"` names no yes/no question";
    AgeField { field } = "age_field" => "[age] field `{field}` is not a date question of the form";
    AgeRequired { field } = "age_required"
        => "[age] field `{field}` must be `required = true` (without `required_when`): every application needs an age group";

    // `generator new report`.
    NoSuchStage { stage, known } = "no_such_stage" => "there is no stage `{stage}` (known: {known})";
    NotASiteLanguage { lang, languages } = "not_a_site_language"
        => "`{lang}` is not one of the site's languages ({languages})";
    TitleWithoutLetters {} = "title_without_letters" => "the title needs at least one letter or digit";
    NotASection {} = "not_a_section" => "is not a section of the site (it has no _index page)";
    AlreadyExists {} = "already_exists" => "already exists: choose another title";
    ReportCreated { file } = "report_created" => "created {file}";
    ReportIsADraft {} = "report_is_a_draft"
        => "It is a draft: `generator serve` shows it, `generator build` leaves it out until you delete `draft = true`.";

    // What the terminal and the preview print around the messages.
    ErrorLabel {} = "error_label" => "error";
    WarningLabel {} = "warning_label" => "warning";
    ProblemsFound { count } = "problems_found" => "problems found: {count}; nothing was written";
    NoProblems { pages } = "no_problems" => "no problems: {pages} pages would be built";
}

impl Message {
    /// The message in English, its values filled in.
    pub fn english(&self) -> String {
        fill(self.english_text(), &self.values())
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english())
    }
}

/// `template` with each `{name}` whose name is in `values` replaced by its value, in one
/// pass: a value that holds `{…}` stays as it is.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (before, from_brace) = rest.split_at(open);
        out.push_str(before);
        let value = placeholder_at(from_brace)
            .and_then(|name| values.iter().find(|(known, _)| *known == name).map(|(_, value)| (name, *value)));
        match value {
            Some((name, value)) => {
                out.push_str(value);
                rest = from_brace.get(name.len() + 2..).unwrap_or("");
            }
            None => {
                out.push('{');
                rest = from_brace.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

/// The name of a `{name}` placeholder at the start of `text`: lowercase letters and `_`.
fn placeholder_at(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('{')?;
    let end = inner.find('}')?;
    let name = inner.get(..end)?;
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')).then_some(name)
}

/// The names of the `{name}` placeholders in `text`.
fn placeholders(text: &str) -> BTreeSet<&str> {
    text.match_indices('{').filter_map(|(at, _)| text.get(at..).and_then(placeholder_at)).collect()
}

/// Every message in one language, read from the catalogue file and checked whole when it is
/// loaded: what is wrong with the file itself is said in English, since it cannot say it.
#[derive(Debug, Clone)]
pub struct Catalogue {
    file: PathBuf,
    lang: String,
    texts: HashMap<&'static str, String>,
}

impl Catalogue {
    /// Reads the `lang` texts of the catalogue `text` (the file `file`). Every message needs
    /// one; every text, in any language, must have the placeholders of its message.
    pub fn parse(file: &Path, text: &str, lang: &str) -> Result<Self, Vec<ContentError>> {
        let table: toml::Table =
            toml::from_str(text).map_err(|err| vec![ContentError::from_toml(file, text, 1, &err)])?;
        let untranslated = |line: Option<usize>, message: String| ContentError {
            file: file.to_path_buf(),
            line,
            message: Box::new(Message::Untranslated(message)),
        };
        let mut errors = Vec::new();
        let mut texts = HashMap::new();
        for (key, entry) in &table {
            let line = line_of_table(text, key);
            let Some(known) = Message::ALL.iter().find(|known| known.key == key) else {
                errors.push(untranslated(
                    line,
                    format!(
                        "`[{key}]` is not a message of the generator (they are listed in content-model/src/message.rs)"
                    ),
                ));
                continue;
            };
            let Some(entry) = entry.as_table() else {
                errors
                    .push(untranslated(line, format!("`{key}` must be a table, `[{key}]`, with a text per language")));
                continue;
            };
            let wanted: BTreeSet<&str> = known.values.iter().copied().collect();
            for (entry_lang, said) in entry {
                let at = line.map(|line| line + line_of_key_below(text, line, entry_lang));
                let Some(said) = said.as_str() else {
                    errors
                        .push(untranslated(at, format!("the `{entry_lang}` text of `{key}` must be a text in quotes")));
                    continue;
                };
                let found = placeholders(said);
                if found != wanted {
                    errors.push(untranslated(
                        at,
                        format!(
                            "the `{entry_lang}` text of `{key}` has the placeholders {}, but the message gives {} (its English: \"{}\")",
                            braces(&found),
                            braces(&wanted),
                            known.english
                        ),
                    ));
                }
                if entry_lang == lang {
                    texts.insert(known.key, said.to_string());
                }
            }
        }
        let has_language = table.values().any(|entry| entry.as_table().is_some_and(|entry| entry.contains_key(lang)));
        if !has_language {
            let languages: BTreeSet<&str> = table
                .values()
                .filter_map(toml::Value::as_table)
                .flat_map(|entry| entry.keys())
                .map(String::as_str)
                .collect();
            let languages: Vec<&str> = languages.into_iter().collect();
            return Err(vec![untranslated(
                None,
                format!("has no `{lang}` texts: choose one of its languages with --lang ({})", languages.join(", ")),
            )]);
        }
        for known in Message::ALL {
            // An entry that is not a table is reported above.
            if !texts.contains_key(known.key) && table.get(known.key).is_none_or(toml::Value::is_table) {
                errors.push(untranslated(
                    line_of_table(text, known.key),
                    format!("`[{}]` has no `{lang}` text (its English: \"{}\")", known.key, known.english),
                ));
            }
        }
        if errors.is_empty() {
            Ok(Self { file: file.to_path_buf(), lang: lang.to_string(), texts })
        } else {
            Err(errors)
        }
    }

    /// The language of the texts.
    pub fn lang(&self) -> &str {
        &self.lang
    }

    /// The file the texts were read from.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// `message` in the catalogue's language; an untranslated message in English.
    pub fn text(&self, message: &Message) -> String {
        let template = message.key().and_then(|key| self.texts.get(key));
        match template {
            Some(template) => fill(template, &message.values()),
            None => message.english(),
        }
    }

    /// `error` as an editor reads it: `file:line: message`, in the catalogue's language.
    pub fn located(&self, error: &ContentError) -> String {
        let text = self.text(&error.message);
        match error.line {
            Some(line) => format!("{}:{line}: {text}", error.file.display()),
            None => format!("{}: {text}", error.file.display()),
        }
    }

    /// `error: file:line: message`, the label in the catalogue's language too.
    pub fn error(&self, error: &ContentError) -> String {
        format!("{}: {}", self.text(&Message::ErrorLabel {}), self.located(error))
    }

    /// `warning: file:line: message`, the label in the catalogue's language too.
    pub fn warning(&self, warning: &ContentError) -> String {
        format!("{}: {}", self.text(&Message::WarningLabel {}), self.located(warning))
    }
}

fn braces(names: &BTreeSet<&str>) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.iter().map(|name| format!("{{{name}}}")).collect::<Vec<_>>().join(", ")
    }
}

/// The line of `[key]` in a TOML text.
fn line_of_table(text: &str, key: &str) -> Option<usize> {
    let header = format!("[{key}]");
    text.lines().position(|line| line.trim() == header).map(|at| at + 1)
}

/// How many lines below the table header on line `from` (1-based) its `key = ` is written,
/// or 0 when it is not found before the next table.
fn line_of_key_below(text: &str, from: usize, key: &str) -> usize {
    text.lines()
        .skip(from)
        .take_while(|line| !line.trim_start().starts_with('['))
        .position(|line| crate::line_of_key(line, key).is_some())
        .map_or(0, |at| at + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_english_text_has_exactly_its_values_as_placeholders() {
        let mut keys = BTreeSet::new();
        for entry in Message::ALL {
            assert!(keys.insert(entry.key), "`{}` is listed twice", entry.key);
            assert!(entry.key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "`{}`", entry.key);
            let wanted: BTreeSet<&str> = entry.values.iter().copied().collect();
            assert_eq!(placeholders(entry.english), wanted, "{}", entry.key);
        }
    }

    #[test]
    fn values_are_filled_in_once_and_other_braces_stay() {
        let message = Message::ImageWithoutAlt { url: "/images/{url}.png".into() };
        assert_eq!(
            message.to_string(),
            "the image `/images/{url}.png` has no alt text: write what it shows, `![Participants at the School](/images/{url}.png)`"
        );
        assert!(Message::TomlUnclosedInlineTable {}.to_string().contains("`{ key = value }`"));
    }
}
