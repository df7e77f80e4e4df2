//! Markdown to HTML: footnotes, tables, heading anchors, and `@/path.md` links between pages,
//! through the sanitiser (`sanitize.rs`), which refuses raw HTML it would drop at its line.

use std::collections::HashSet;
use std::path::Path;

use content_model::{escape_html, ContentError, Message};
use pulldown_cmark::{Alignment, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::fingerprint::Fingerprints;
use crate::images::Pictures;
use crate::sanitize::{self, Refusal};
use crate::slug::slugify;

/// The Markdown extensions editors may use. `tests/markdown_constructs.rs` builds a page with
/// everything each of them writes: pulldown-cmark's HTML must pass the site's
/// Content-Security-Policy, which is why table alignment is rewritten below.
const OPTIONS: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_FOOTNOTES)
    .union(Options::ENABLE_HEADING_ATTRIBUTES)
    .union(Options::ENABLE_SMART_PUNCTUATION)
    .union(Options::ENABLE_STRIKETHROUGH);

/// What a page's Markdown may point at besides other pages.
pub(crate) struct Assets<'a> {
    /// The `content/` folder: `![…](/images/a.jpg)` is `content/images/a.jpg`.
    pub(crate) content_dir: &'a Path,
    /// The names images and other assets are published under (`/images/a.5e0c81d2.jpg`).
    pub(crate) fingerprints: &'a Fingerprints,
    /// Photos and other raster pictures, in the widths and formats they are published in.
    pub(crate) pictures: &'a Pictures,
}

/// Renders `body` (which starts on file line `body_line`) to HTML. `resolve` turns the
/// content path of an internal link (`stages/iii.md`) into the URL of that page in the
/// same language, or `None` when there is no such page. Images must be files of the site,
/// with alt text; they get their width and height, load lazily, and point at the file's
/// fingerprinted name, as do links to such files. Raw HTML, heading attributes and link
/// addresses the sanitiser would drop are refused at their line; the HTML returned is the
/// sanitiser's, which pages and feeds carry alike.
pub(crate) fn render(
    path: &Path,
    body: &str,
    body_line: usize,
    assets: &Assets,
    resolve: impl Fn(&str) -> Option<String>,
) -> Result<String, Vec<ContentError>> {
    let line_at = |offset: usize| body_line + body.bytes().take(offset).filter(|&byte| byte == b'\n').count();
    let mut errors = Vec::new();
    let mut refused = Refused::default();
    let mut events: Vec<Event> = Vec::new();
    let mut offsets: Vec<usize> = Vec::new();
    // The lines of the HTML block being read, each with its offset: checked as one piece.
    let mut block: Option<Vec<(CowStr, usize)>> = None;
    for (event, range) in Parser::new_ext(body, OPTIONS).into_offset_iter() {
        match &event {
            Event::Start(Tag::HtmlBlock) => block = Some(Vec::new()),
            Event::End(TagEnd::HtmlBlock) => {
                let lines = block.take().unwrap_or_default();
                let parts: Vec<&str> = lines.iter().map(|(html, _)| html.as_ref()).collect();
                for (index, refusal) in sanitize::refusals_in_parts(&parts) {
                    let offset = lines.get(index).map_or(range.start, |(_, offset)| *offset);
                    refused.add(line_at(offset), refusal);
                }
            }
            Event::Html(html) if block.is_some() => {
                if let Some(lines) = &mut block {
                    lines.push((html.clone(), range.start));
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                refused.extend(line_at(range.start), sanitize::refusals(html))
            }
            // Attributes written after a heading (`## Title {#id .class key=value}`) are HTML too.
            Event::Start(Tag::Heading { level, id, classes, attrs }) if !attrs.is_empty() => {
                refused.extend(line_at(range.start), sanitize::refusals(&heading_tag(*level, id, classes, attrs)));
            }
            _ => {}
        }
        let event = match event {
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                let dest_url = resolve_link(&dest_url, &resolve).unwrap_or_else(|message| {
                    errors.push(ContentError::at_line(path, line_at(range.start), message));
                    dest_url
                });
                let dest_url = match assets.fingerprints.url(&dest_url) {
                    Some(published) => published.to_string().into(),
                    None => dest_url,
                };
                if let Some(refusal) = sanitize::link_refusal(&dest_url) {
                    refused.add(line_at(range.start), refusal);
                }
                Event::Start(Tag::Link { link_type, dest_url, title, id })
            }
            other => other,
        };
        events.push(event);
        offsets.push(range.start);
    }
    errors.extend(refused.errors(path));
    add_heading_ids(&mut events);
    // Images first, while each event still has its own offset (anchors add events).
    let events = replace_images(events.into_iter().zip(offsets), assets, line_at, path, &mut errors);
    let events = add_heading_anchors(events);
    let events = align_table_cells(events);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut html = String::with_capacity(body.len() * 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    // The last line of defence: the whole body, as pages and feeds will carry it. What the
    // pieces above passed can only be refused here if they combine into something else.
    sanitize::clean(&html)
        .map_err(|refusals| refusals.iter().map(|refusal| ContentError::new(path, refusal.message())).collect())
}

/// Why the picture at `url`, which a page shows, cannot be published.
fn image_refused(url: &str, refusal: &photos::Refusal) -> Message {
    let url = url.to_string();
    match refusal {
        photos::Refusal::TooManyPixels { width, height } => Message::ImageTooLarge {
            url,
            width: width.to_string(),
            height: height.to_string(),
            megapixels: photos::megapixels(*width, *height).to_string(),
            limit: photos::MAX_MEGAPIXELS.to_string(),
        },
        photos::Refusal::Unreadable(error) => Message::ImageUndecodable { url, error: error.clone() },
    }
}

/// Why a picture that no page shows cannot be published, said at its own file.
pub(crate) fn picture_refused(refusal: &photos::Refusal) -> Message {
    match refusal {
        photos::Refusal::TooManyPixels { width, height } => Message::PictureTooLarge {
            width: width.to_string(),
            height: height.to_string(),
            megapixels: photos::megapixels(*width, *height).to_string(),
            limit: photos::MAX_MEGAPIXELS.to_string(),
        },
        photos::Refusal::Unreadable(error) => Message::PictureUndecodable { error: error.clone() },
    }
}

/// What the sanitiser refuses in a page's raw HTML, each once per line, in the order found.
#[derive(Default)]
struct Refused {
    found: Vec<(usize, Refusal)>,
}

impl Refused {
    fn add(&mut self, line: usize, refusal: Refusal) {
        if !self.found.iter().any(|(at, known)| *at == line && *known == refusal) {
            self.found.push((line, refusal));
        }
    }

    fn extend(&mut self, line: usize, refusals: Vec<Refusal>) {
        for refusal in refusals {
            self.add(line, refusal);
        }
    }

    fn errors(self, path: &Path) -> impl Iterator<Item = ContentError> + '_ {
        self.found.into_iter().map(move |(line, refusal)| ContentError::at_line(path, line, refusal.message()))
    }
}

/// A heading's opening tag with the id, classes and attributes written after its text, as
/// the HTML writer will write it.
fn heading_tag(
    level: HeadingLevel,
    id: &Option<CowStr>,
    classes: &[CowStr],
    attrs: &[(CowStr, Option<CowStr>)],
) -> String {
    let mut tag = format!("<{level}");
    if let Some(id) = id {
        tag.push_str(&format!(" id=\"{}\"", escape_html(id)));
    }
    if !classes.is_empty() {
        tag.push_str(&format!(" class=\"{}\"", escape_html(&classes.join(" "))));
    }
    for (name, value) in attrs {
        tag.push_str(&format!(" {}=\"{}\"", escape_html(name), escape_html(value.as_deref().unwrap_or_default())));
    }
    tag.push('>');
    tag
}

/// Writes each table cell itself, its column's alignment as a class (`<td class="align-right">`,
/// styled in style.css). pulldown-cmark writes alignment as a `style` attribute, which the
/// site's Content-Security-Policy blocks and the build therefore refuses: a table with
/// `|---:|`, the usual column of numbers, would stop the build.
fn align_table_cells(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut out = Vec::with_capacity(events.len());
    let mut alignments: Vec<Alignment> = Vec::new();
    let mut in_head = false;
    let mut column = 0;
    for event in events {
        match event {
            Event::Start(Tag::Table(columns)) => {
                alignments = columns;
                // With no alignments, the HTML writer adds no `style` of its own.
                out.push(Event::Start(Tag::Table(Vec::new())));
            }
            Event::Start(Tag::TableHead) => {
                in_head = true;
                column = 0;
                out.push(Event::Start(Tag::TableHead));
            }
            Event::End(TagEnd::TableHead) => {
                in_head = false;
                out.push(Event::End(TagEnd::TableHead));
            }
            Event::Start(Tag::TableRow) => {
                column = 0;
                out.push(Event::Start(Tag::TableRow));
            }
            Event::Start(Tag::TableCell) => {
                let name = if in_head { "th" } else { "td" };
                let class = match alignments.get(column) {
                    Some(Alignment::Left) => " class=\"align-left\"",
                    Some(Alignment::Center) => " class=\"align-center\"",
                    Some(Alignment::Right) => " class=\"align-right\"",
                    Some(Alignment::None) | None => "",
                };
                out.push(Event::InlineHtml(format!("<{name}{class}>").into()));
            }
            Event::End(TagEnd::TableCell) => {
                out.push(Event::InlineHtml(if in_head { "</th>" } else { "</td>" }.into()));
                column += 1;
            }
            other => out.push(other),
        }
    }
    out
}

/// Ends each heading with a small `#` link to itself, so a reader can share a section.
fn add_heading_anchors(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut out = Vec::with_capacity(events.len());
    let mut current: Option<String> = None;
    for event in events {
        match &event {
            Event::Start(Tag::Heading { id, .. }) => current = id.as_ref().map(|id| id.to_string()),
            Event::End(TagEnd::Heading(_)) => {
                if let Some(id) = current.take() {
                    out.push(Event::InlineHtml(
                        format!(" <a class=\"anchor\" href=\"#{}\">#</a>", escape_html(&id)).into(),
                    ));
                }
            }
            _ => {}
        }
        out.push(event);
    }
    out
}

/// Turns each image into an `<img>` with its size, `loading="lazy"` and its alt text, which
/// must not be empty; the file must be part of the site. A photo becomes a `<picture>` with
/// its published widths (see `images`). Each event comes with its offset in
/// the body, which `line_of` turns into a file line.
fn replace_images<'a>(
    events: impl ExactSizeIterator<Item = (Event<'a>, usize)>,
    assets: &Assets,
    line_of: impl Fn(usize) -> usize,
    path: &Path,
    errors: &mut Vec<ContentError>,
) -> Vec<Event<'a>> {
    let mut out = Vec::with_capacity(events.len());
    let mut events = events;
    while let Some((event, offset)) = events.next() {
        let Event::Start(Tag::Image { dest_url, title, .. }) = event else {
            out.push(event);
            continue;
        };
        let line = line_of(offset);
        let mut alt = String::new();
        for (inner, _) in events.by_ref() {
            match inner {
                Event::End(TagEnd::Image) => break,
                Event::Text(text) | Event::Code(text) => alt.push_str(&text),
                _ => {}
            }
        }
        let src = dest_url.to_string();
        if alt.trim().is_empty() {
            errors.push(ContentError::at_line(path, line, Message::ImageWithoutAlt { url: src.clone() }));
        }
        match assets.pictures.get(&src) {
            Some(Ok(picture)) => {
                out.push(Event::InlineHtml(picture.html(alt.trim(), &title).into()));
                continue;
            }
            Some(Err(refusal)) => {
                errors.push(ContentError::at_line(path, line, image_refused(&src, refusal)));
                continue;
            }
            None => {}
        }
        let size = if src.contains("://") || src.starts_with("//") {
            errors.push(ContentError::at_line(path, line, Message::ImageElsewhere { url: src.clone() }));
            None
        } else if let Some(relative) = src.strip_prefix('/') {
            let file = assets.content_dir.join(relative);
            match imagesize::size(&file) {
                Ok(size) => Some(size),
                // Vector images scale to their box; they have no pixel size to give.
                Err(_) if file.exists() && src.ends_with(".svg") => None,
                Err(_) if !file.exists() => {
                    errors.push(ContentError::at_line(
                        path,
                        line,
                        Message::ImageMissing { url: src.clone(), file: file.display().to_string() },
                    ));
                    None
                }
                Err(err) => {
                    errors.push(ContentError::at_line(
                        path,
                        line,
                        Message::ImageUnreadable { url: src.clone(), error: err.to_string() },
                    ));
                    None
                }
            }
        } else {
            errors.push(ContentError::at_line(path, line, Message::ImagePath { url: src.clone() }));
            None
        };
        let published = assets.fingerprints.url(&src).unwrap_or(&src);
        let mut html = format!("<img src=\"{}\" alt=\"{}\"", escape_html(published), escape_html(alt.trim()));
        if let Some(size) = size {
            html.push_str(&format!(" width=\"{}\" height=\"{}\"", size.width, size.height));
        }
        if !title.is_empty() {
            html.push_str(&format!(" title=\"{}\"", escape_html(&title)));
        }
        html.push_str(" loading=\"lazy\" decoding=\"async\">");
        out.push(Event::InlineHtml(html.into()));
    }
    out
}

fn resolve_link<'a>(
    dest: &CowStr<'a>,
    resolve: &impl Fn(&str) -> Option<String>,
) -> Result<CowStr<'a>, content_model::Message> {
    let Some(target) = dest.strip_prefix("@/") else {
        return Ok(dest.clone());
    };
    let (file, fragment) = match target.split_once('#') {
        Some((file, fragment)) => (file, Some(fragment)),
        None => (target, None),
    };
    match resolve(file) {
        Some(url) => Ok(match fragment {
            Some(fragment) => format!("{url}#{fragment}").into(),
            None => url.into(),
        }),
        None => Err(Message::BrokenInternalLink { link: dest.to_string(), file: file.to_string() }),
    }
}

/// A meta description runs to about this many characters; search engines cut longer ones.
const DESCRIPTION_MAX: usize = 160;
/// A first paragraph shorter than this (a line that introduces a list) takes what follows.
const DESCRIPTION_MIN: usize = 100;

/// A page's description for search engines and link previews when its front matter gives
/// none: the plain text of its first paragraph (with what follows while that is short), cut
/// at a word boundary near 160 characters. Headings, tables, footnotes and code are left out.
pub(crate) fn description(body: &str) -> Option<String> {
    let mut text = String::new();
    // How deep we are inside something that is not running text.
    let mut skipped = 0usize;
    for event in Parser::new_ext(body, OPTIONS) {
        match event {
            Event::Start(
                Tag::Heading { .. }
                | Tag::Table(_)
                | Tag::FootnoteDefinition(_)
                | Tag::CodeBlock(_)
                | Tag::HtmlBlock
                | Tag::Image { .. },
            ) => skipped += 1,
            Event::End(
                TagEnd::Heading(_)
                | TagEnd::Table
                | TagEnd::FootnoteDefinition
                | TagEnd::CodeBlock
                | TagEnd::HtmlBlock
                | TagEnd::Image,
            ) => skipped = skipped.saturating_sub(1),
            Event::End(TagEnd::Paragraph | TagEnd::Item) if skipped == 0 => {
                if text.split_whitespace().map(|word| word.chars().count() + 1).sum::<usize>() >= DESCRIPTION_MIN {
                    break;
                }
                text.push(' ');
            }
            Event::Text(part) | Event::Code(part) if skipped == 0 => text.push_str(&part),
            Event::SoftBreak | Event::HardBreak if skipped == 0 => text.push(' '),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return None;
    }
    // A sentence that breaks off (in a list, or where it is cut) ends in an ellipsis.
    let unfinished =
        |text: &str| format!("{}…", text.trim_end_matches(|c: char| c.is_whitespace() || ",;:–—-(".contains(c)));
    if text.chars().count() <= DESCRIPTION_MAX {
        return Some(if text.ends_with([',', ';', ':']) { unfinished(&text) } else { text });
    }
    let cut: String = text.chars().take(DESCRIPTION_MAX).collect();
    Some(unfinished(cut.rsplit_once(' ').map_or(cut.as_str(), |(kept, _)| kept)))
}

/// Gives each heading without `{#id}` an id made from its text, unique within the page.
fn add_heading_ids(events: &mut [Event]) {
    let mut used: HashSet<String> = events
        .iter()
        .filter_map(|event| match event {
            Event::Start(Tag::Heading { id: Some(id), .. }) => Some(id.to_string()),
            _ => None,
        })
        .collect();
    // The id slot of the heading being read, and its text so far (headings do not nest).
    let mut open: Option<(&mut Option<CowStr>, String)> = None;
    for event in events.iter_mut() {
        match event {
            Event::Start(Tag::Heading { id: slot @ None, .. }) => open = Some((slot, String::new())),
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, heading)) = &mut open {
                    heading.push_str(text);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((slot, text)) = open.take() {
                    let base = match slugify(&text) {
                        slug if slug.is_empty() => "section".to_string(),
                        slug => slug,
                    };
                    let mut id = base.clone();
                    let mut n = 2;
                    while !used.insert(id.clone()) {
                        id = format!("{base}-{n}");
                        n += 1;
                    }
                    *slot = Some(id.into());
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The messages say in English what the photos crate's `Display` says, which developers read.
    #[test]
    fn photo_refusals_keep_the_photos_crates_english() {
        for refusal in [
            photos::Refusal::TooManyPixels { width: 20_000, height: 20_000 },
            photos::Refusal::TooManyPixels { width: 12_001, height: 10_000 },
            photos::Refusal::Unreadable("The image format could not be determined".into()),
        ] {
            assert_eq!(
                image_refused("/images/a.jpg", &refusal).to_string(),
                format!("the image `/images/a.jpg` {refusal}")
            );
            assert_eq!(picture_refused(&refusal).to_string(), format!("this picture {refusal}"));
        }
    }

    /// Assets with no fingerprinted files and no pictures, for tests that render Markdown.
    pub(crate) fn assets() -> Assets<'static> {
        static NONE: std::sync::LazyLock<Fingerprints> = std::sync::LazyLock::new(Fingerprints::default);
        static NO_PICTURES: std::sync::LazyLock<Pictures> = std::sync::LazyLock::new(Pictures::default);
        Assets {
            content_dir: Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../content")),
            fingerprints: &NONE,
            pictures: &NO_PICTURES,
        }
    }

    fn resolve(file: &str) -> Option<String> {
        (file == "stages/iii.md").then(|| "/ky/etaptar/iii/".to_string())
    }

    #[test]
    fn internal_links_resolve_per_language() {
        let html = render(Path::new("a.ky.md"), "See [III](@/stages/iii.md#plan).", 5, &assets(), resolve).unwrap();
        assert!(html.contains(r#"<a href="/ky/etaptar/iii/#plan">III</a>"#), "{html}");
    }

    #[test]
    fn broken_internal_link_names_file_and_line() {
        let errors =
            render(Path::new("content/a.ky.md"), "Text\n\n[x](@/nowhere.md)\n", 5, &assets(), resolve).unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "content/a.ky.md:7: broken internal link `@/nowhere.md`: there is no page `content/nowhere.md` in this language"
        );
    }

    #[test]
    fn headings_get_readable_unique_ids() {
        let html =
            render(Path::new("a"), "## Максаты\n\n## Максаты\n\n## Кириш {#intro}\n", 1, &assets(), resolve).unwrap();
        assert!(html.contains(r#"<h2 id="maksaty">"#), "{html}");
        assert!(html.contains(r#"<h2 id="maksaty-2">"#), "{html}");
        assert!(html.contains(r##"<h2 id="intro">Кириш <a class="anchor" href="#intro">#</a></h2>"##), "{html}");
    }

    #[test]
    fn images_need_alt_text_and_a_local_file() {
        let errors = render(
            Path::new("r.ky.md"),
            "Text\n\n![](/images/none.png)\n\n![Logo](https://cdn.example/x.png)\n",
            3,
            &assets(),
            resolve,
        )
        .unwrap_err();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(shown[0].starts_with("r.ky.md:5: the image `/images/none.png` has no alt text"), "{shown:?}");
        assert!(shown[1].starts_with("r.ky.md:5: the image `/images/none.png` is missing"), "{shown:?}");
        assert!(
            shown[2].starts_with("r.ky.md:7: the image `https://cdn.example/x.png` is on another site"),
            "{shown:?}"
        );
    }

    #[test]
    fn an_image_after_headings_is_reported_on_its_own_line() {
        // Heading anchors add events; the image's line must still come from its own offset.
        let errors =
            render(Path::new("r.ky.md"), "# A\n# B\n# C\n![](/images/none.png)", 1, &assets(), resolve).unwrap_err();
        assert!(
            errors[0].to_string().starts_with("r.ky.md:4: the image `/images/none.png` has no alt text"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_description_is_the_first_paragraph_cut_at_a_word() {
        let body = "## Кириш {#intro}\n\nМектеп [айылдык](@/a.md) аялдар үчүн[^1]. ".to_string()
            + &"Сөз ".repeat(60)
            + "\n\nЭкинчи абзац.\n\n[^1]: Эскертүү.\n";
        let text = description(&body).unwrap();
        assert!(text.starts_with("Мектеп айылдык аялдар үчүн. Сөз Сөз"), "{text}");
        assert!(text.ends_with("Сөз…") && text.chars().count() <= 161, "{text}");
        assert!(!text.contains("Кириш") && !text.contains("Экинчи") && !text.contains("Эскертүү"), "{text}");
    }

    #[test]
    fn a_short_first_paragraph_takes_the_list_after_it() {
        let text =
            description("Окуу бир нече багытта өтөт:\n\n1. лидерлик;\n2. шайлоо процесси.\n\n| a |\n|---|\n| b |\n")
                .unwrap();
        assert_eq!(text, "Окуу бир нече багытта өтөт: лидерлик; шайлоо процесси.");
        assert_eq!(description("\n\n## Аталыш\n"), None);
    }

    #[test]
    fn footnotes_and_tables_render() {
        let html = render(
            Path::new("a"),
            "Text[^1].\n\n[^1]: Note.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
            1,
            &assets(),
            resolve,
        )
        .unwrap();
        // The marker links to the note, which holds its text.
        assert!(html.contains("<sup class=\"footnote-reference\"><a href=\"#1\">1</a></sup>"), "{html}");
        let note = html.split("<div class=\"footnote-definition\" id=\"1\">").nth(1).expect(&html);
        assert!(note.split("</div>").next().unwrap().contains("Note."), "{html}");
        // Header cells in the head, the row's cells in order in the body, without styles.
        assert!(html.contains("<thead><tr><th>a</th><th>b</th></tr></thead>"), "{html}");
        assert!(html.contains("<tbody>\n<tr><td>1</td><td>2</td></tr>"), "{html}");
        // A right-aligned column gets its class, never a style attribute.
        let aligned = render(Path::new("a"), "| n |\n|--:|\n| 7 |\n", 1, &assets(), resolve).unwrap();
        assert!(aligned.contains("<th class=\"align-right\">n</th>"), "{aligned}");
        assert!(aligned.contains("<td class=\"align-right\">7</td>"), "{aligned}");
        assert!(!aligned.contains("style="), "{aligned}");
    }

    /// Markdown an editor might write, with the constructs that make trouble likely:
    /// images (with and without alt, local and remote), links of every kind, headings,
    /// tables, footnotes, HTML and stray brackets, in Cyrillic and not.
    fn markdown() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            any::<String>(),
            Just("# Кириш\n".to_string()),
            Just("## Максаты {#plan}\n".to_string()),
            Just("![сүрөт](/images/meeting.png)".to_string()),
            Just("![](/images/meeting.png)".to_string()),
            Just("![x](https://example.org/a.png)".to_string()),
            Just("![x](/images/missing.png)".to_string()),
            Just("[III](@/stages/iii.md#plan)".to_string()),
            Just("[x](@/nowhere.md)".to_string()),
            Just("[x](/style.css)".to_string()),
            Just("| a | b |\n|---|---|\n| ө | ү |\n".to_string()),
            Just("Текст[^1]\n\n[^1]: Эскертүү\n".to_string()),
            Just("<script>alert(1)</script>".to_string()),
            Just("<iframe src=\"https://x.example/\"></iframe>".to_string()),
            Just("<img src=x onerror=alert(1)>".to_string()),
            Just("<!-- x --!>".to_string()),
            Just("<details>\n<summary>a</summary>\n".to_string()),
            Just("</details>\n".to_string()),
            Just("<div title=\"".to_string()),
            Just("\">".to_string()),
            Just(" {data-pagefind-body}\n".to_string()),
            Just("[x](javascript:alert(1))".to_string()),
            Just("\n\n".to_string()),
            Just("[".to_string()),
            Just("](".to_string()),
            Just("`code`".to_string()),
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2000),
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Any body renders or is refused with errors that name the file and a line inside
        /// it; nothing panics. `PROPTEST_CASES=50000 cargo test -p generator --lib
        /// any_markdown` runs longer.
        #[test]
        fn any_markdown_renders_or_names_its_line(body in markdown(), body_line in 1usize..50) {
            let lines = body.lines().count().max(1);
            match render(Path::new("content/a.ky.md"), &body, body_line, &assets(), resolve) {
                Ok(html) => proptest::prop_assert!(
                    !["<script", "<iframe", " onerror=\"", "href=\"javascript:", " data-pagefind-body=\""]
                        .iter()
                        .any(|bad| html.contains(bad)),
                    "raw HTML passes through escaped, sanitised or not at all: {html}"
                ),
                Err(errors) => {
                    proptest::prop_assert!(!errors.is_empty());
                    for error in errors {
                        let line = error.line.unwrap_or(0);
                        proptest::prop_assert!(
                            (body_line..=body_line + lines).contains(&line),
                            "line {line} is outside the body ({body_line}..={}): {error}",
                            body_line + lines
                        );
                    }
                }
            }
        }

        /// Whatever a content file holds, splitting it into front matter and body answers
        /// with a document or an error naming the file, never a panic.
        #[test]
        fn any_file_is_split_or_refused(text in proptest::prelude::any::<String>(), front in markdown()) {
            let _ = crate::front_matter::parse_document(Path::new("a.ky.md"), &text);
            let file = format!("+++\ntitle = \"A\"\n{front}\n+++\n{text}");
            if let Err(error) = crate::front_matter::parse_document(Path::new("a.ky.md"), &file) {
                proptest::prop_assert!(error.to_string().starts_with("a.ky.md"), "{error}");
            }
        }
    }
}
