//! The HTML a page's text may hold: an allow-list (ammonia) that every rendered body goes
//! through before it reaches a page or a feed, and the refusals that tell an editor what the
//! allow-list would drop, and why.
//!
//! ammonia drops what its policy does not allow and says nothing, so an editor whose
//! `<iframe>` vanished would not know why. The build refuses instead: [`refusals`] cleans a
//! piece of HTML with the policy and compares the result with the same HTML merely parsed
//! and written out again (comments left out: they are dropped silently, a reader never sees
//! them). Only when the two differ does it walk the parsed HTML against the same allow-list
//! to name each element and attribute that went; a difference the walk cannot name is
//! refused in general words. What is published is ammonia's output, exactly what was checked.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use ammonia::url::{ParseError, Url};
use content_model::Message;
use html5ever::serialize::{serialize, SerializeOpts};
use html5ever::tendril::TendrilSink;
use html5ever::{local_name, ns, QualName};
use markup5ever_rcdom::{Handle, NodeData, RcDom, SerializableHandle};

/// The elements content may hold: what Markdown writes (paragraphs, headings, lists, links,
/// tables, footnotes, code, images) and what editors add by hand, phrasing and
/// `<details>`, and the site's responsive images (`<picture>` with `<source>`). Anything
/// that loads another site, runs a script, styles the page, sends a form or changes the
/// page's head is missing on purpose.
const ELEMENTS: &[&str] = &[
    // Markdown's own.
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
    // By hand.
    "abbr",
    "b",
    "bdi",
    "bdo",
    "caption",
    "cite",
    "dd",
    "details",
    "dfn",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "i",
    "ins",
    "kbd",
    "mark",
    "picture",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "small",
    "source",
    "span",
    "sub",
    "summary",
    "tfoot",
    "time",
    "u",
    "var",
    "wbr",
];

/// Attributes any allowed element may have.
const EVERY_ELEMENT: &[&str] = &["title", "lang", "dir"];

/// Attributes particular elements may have besides. Ids go where Markdown writes them
/// (`## Title {#id}`, footnotes) and on links, for anchors; classes only where Markdown or
/// the generator writes them, with the values [`class_allowed`] lists.
const PER_ELEMENT: &[(&str, &[&str])] = &[
    ("a", &["href", "id", "class"]),
    ("img", &["src", "alt", "width", "height", "loading", "decoding", "srcset", "sizes"]),
    ("source", &["type", "srcset", "sizes"]),
    ("h1", &["id", "class"]),
    ("h2", &["id", "class"]),
    ("h3", &["id", "class"]),
    ("h4", &["id", "class"]),
    ("h5", &["id", "class"]),
    ("h6", &["id", "class"]),
    ("div", &["id", "class"]),
    ("sup", &["class"]),
    ("code", &["class"]),
    ("td", &["class", "colspan", "rowspan"]),
    ("th", &["class", "colspan", "rowspan", "scope"]),
    ("ol", &["start"]),
    ("details", &["open"]),
    ("time", &["datetime"]),
    ("del", &["datetime"]),
    ("ins", &["datetime"]),
];

/// Address schemes a link may use; images take none (they are files of the site).
const LINK_SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];

/// Elements ammonia removes with everything inside, not only their tags.
const REMOVED_WITH_CONTENT: &[&str] = &["script", "style"];

/// The policy, built once. Links keep exactly their attributes: ammonia would add
/// `rel="noopener noreferrer"` to every link, internal ones and footnotes included, but
/// `noopener` only matters for a link that opens a new window (`target`), which content
/// cannot write, and the site wants no referrer hidden from the School's own pages.
fn policy() -> &'static ammonia::Builder<'static> {
    static POLICY: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    POLICY.get_or_init(|| {
        let mut builder = ammonia::Builder::empty();
        builder
            .tags(ELEMENTS.iter().copied().collect())
            .clean_content_tags(REMOVED_WITH_CONTENT.iter().copied().collect())
            .generic_attributes(EVERY_ELEMENT.iter().copied().collect())
            .tag_attributes(
                PER_ELEMENT.iter().map(|(element, names)| (*element, names.iter().copied().collect())).collect(),
            )
            .url_schemes(LINK_SCHEMES.iter().copied().collect())
            .url_relative(ammonia::UrlRelative::PassThrough)
            .link_rel(None)
            .strip_comments(true)
            .attribute_filter(keep_value);
        builder
    })
}

/// ammonia's filter of attribute values: the same rule the refusals name.
fn keep_value<'a>(element: &str, attribute: &str, value: &'a str) -> Option<Cow<'a, str>> {
    value_allowed(element, attribute, value).then_some(Cow::Borrowed(value))
}

/// Whether an allowed attribute may have this value: addresses and classes are checked.
fn value_allowed(element: &str, attribute: &str, value: &str) -> bool {
    match (element, attribute) {
        ("a", "href") => link_allowed(value),
        ("img", "src") => same_site(value),
        ("img" | "source", "srcset") => {
            value.split(',').all(|candidate| same_site(candidate.split_whitespace().next().unwrap_or_default()))
        }
        (_, "class") => value.split_whitespace().all(|class| class_allowed(element, class)),
        _ => true,
    }
}

/// The classes Markdown and the generator write; any class on a heading (`## Title {.wide}`).
fn class_allowed(element: &str, class: &str) -> bool {
    match element {
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => true,
        "td" | "th" => matches!(class, "align-left" | "align-center" | "align-right"),
        "sup" => matches!(class, "footnote-reference" | "footnote-definition-label"),
        "div" => class == "footnote-definition",
        "a" => class == "anchor",
        // A fenced code block's language, ```` ```toml ````.
        "code" => class.strip_prefix("language-").is_some_and(|language| !language.is_empty()),
        _ => false,
    }
}

/// A link goes to the site or to an address of an allowed scheme.
fn link_allowed(url: &str) -> bool {
    same_site(url) || Url::parse(url).is_ok_and(|url| LINK_SCHEMES.contains(&url.scheme()))
}

/// An address on the site itself: no scheme, and not `//host/…` (nor a browser's spellings
/// of it with backslashes, tabs or newlines, which URL parsers drop).
fn same_site(url: &str) -> bool {
    let cleaned: String = url.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let cleaned = cleaned.trim_start_matches(|c: char| c <= ' ');
    let mut start = cleaned.chars();
    let host_relative = matches!((start.next(), start.next()), (Some('/' | '\\'), Some('/' | '\\')));
    !host_relative && Url::parse(cleaned) == Err(ParseError::RelativeUrlWithoutBase)
}

/// Something the policy drops from a piece of HTML.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Refusal {
    /// An element that is not allowed, by name.
    Element(String),
    /// An `<svg>` or `<math>` element: pictures and formulas written in HTML.
    Foreign(String),
    /// An attribute an element may not have.
    Attribute { element: String, attribute: String },
    /// An allowed attribute with a value that is not: an address or a class.
    Value { element: String, attribute: String, value: String },
    /// A tag that an HTML block leaves open at its end, which would swallow what follows.
    Unfinished(String),
    /// A change the walk could not name, with the HTML near it.
    Changed(String),
}

impl Refusal {
    /// What an editor reads: what is refused, why, and what to write instead. Every message
    /// of the sanitiser is made here; its texts are in content-model's list of messages.
    pub(crate) fn message(&self) -> Message {
        match self {
            Refusal::Element(name) => element_message(name),
            Refusal::Foreign(name) if name == "svg" => Message::HtmlSvg {},
            Refusal::Foreign(name) => Message::HtmlMath { element: name.clone() },
            Refusal::Attribute { attribute, .. } if attribute == "data-pagefind-body" => Message::HtmlPagefindBody {},
            Refusal::Attribute { attribute, .. } if attribute.starts_with("data-pagefind") => {
                Message::HtmlPagefind { attribute: attribute.clone() }
            }
            Refusal::Attribute { attribute, .. } if attribute.starts_with("data-") => {
                Message::HtmlData { attribute: attribute.clone() }
            }
            Refusal::Attribute { element, attribute } if attribute.starts_with("on") => {
                Message::HtmlHandler { element: element.clone(), attribute: attribute.clone() }
            }
            Refusal::Attribute { element, attribute } if attribute == "style" => {
                Message::HtmlStyleAttribute { element: element.clone() }
            }
            Refusal::Attribute { element, attribute } => {
                let allowed = allowed_attributes(element).map(|name| format!("`{name}`")).collect::<Vec<_>>();
                Message::HtmlAttribute {
                    element: element.clone(),
                    attribute: attribute.clone(),
                    allowed: allowed.join(", "),
                }
            }
            Refusal::Value { element, attribute, value } if attribute == "class" => {
                Message::HtmlClass { element: element.clone(), value: value.clone() }
            }
            Refusal::Value { element, value, .. } if element == "a" => Message::HtmlLink { value: value.clone() },
            Refusal::Value { element, attribute, value } => Message::HtmlImageAddress {
                element: element.clone(),
                attribute: attribute.clone(),
                value: value.clone(),
            },
            Refusal::Unfinished(tag) => Message::HtmlUnfinished { tag: tag.clone() },
            Refusal::Changed(near) => Message::HtmlChanged { near: near.clone() },
        }
    }
}

/// Why an element is refused, by what it does.
fn element_message(name: &str) -> Message {
    let element = name.to_string();
    match name {
        "iframe" | "object" | "embed" | "frame" | "frameset" | "applet" | "portal" | "fencedframe" | "video"
        | "audio" | "track" | "canvas" => Message::HtmlEmbed { element },
        "script" => Message::HtmlScript {},
        "noscript" => Message::HtmlNoscript {},
        "style" => Message::HtmlStyle {},
        "meta" => Message::HtmlMeta {},
        "base" => Message::HtmlBase {},
        "link" | "head" | "title" | "html" | "body" => Message::HtmlHead { element },
        "form" | "input" | "button" | "textarea" | "select" | "option" | "optgroup" | "label" | "fieldset"
        | "legend" | "output" | "datalist" => Message::HtmlForm { element },
        _ => Message::HtmlElement { element },
    }
}

/// The attributes `element` may have, in a stable order.
fn allowed_attributes(element: &str) -> impl Iterator<Item = &'static str> + '_ {
    let own = PER_ELEMENT.iter().filter(move |(name, _)| *name == element).flat_map(|(_, names)| names.iter());
    own.chain(EVERY_ELEMENT.iter()).copied()
}

/// What the policy would drop from `html`, one refusal per element or attribute, in the
/// order they come; nothing when it would drop nothing.
pub(crate) fn refusals(html: &str) -> Vec<Refusal> {
    match clean(html) {
        Ok(_) => Vec::new(),
        Err(refusals) => refusals,
    }
}

/// What the policy would drop from a link to `url`: the link itself, if anything.
pub(crate) fn link_refusal(url: &str) -> Option<Refusal> {
    (!link_allowed(url)).then(|| Refusal::Value { element: "a".into(), attribute: "href".into(), value: url.into() })
}

/// For HTML given in parts (the lines of an HTML block), each refusal with the index of the
/// part in which it appears: the first part whose addition to those before makes it appear.
/// A block that ends inside a tag is refused too, at the part where that tag begins: the
/// tag alone would be dropped unseen, but on the page it would take in the HTML after it.
pub(crate) fn refusals_in_parts(parts: &[&str]) -> Vec<(usize, Refusal)> {
    let whole = parts.concat();
    let mut located = Vec::new();
    if !finished(&whole) {
        let begins = (0..parts.len()).rev().find(|&end| finished(&parts.get(..end).unwrap_or_default().concat()));
        let tag = whole.rfind('<').map_or(whole.as_str(), |at| whole.get(at..).unwrap_or_default());
        let tag: String = tag.trim_end().chars().take(60).collect();
        located.push((begins.unwrap_or_default(), Refusal::Unfinished(tag)));
    }
    let all = refusals(&whole);
    if all.is_empty() {
        return located;
    }
    let mut before: HashMap<Refusal, usize> = HashMap::new();
    let mut prefix = String::new();
    for (index, part) in parts.iter().enumerate() {
        prefix.push_str(part);
        let mut now: HashMap<Refusal, usize> = HashMap::new();
        for refusal in walk(&parse(&prefix)) {
            let seen = now.entry(refusal.clone()).or_default();
            *seen += 1;
            if *seen > before.get(&refusal).copied().unwrap_or(0) {
                located.push((index, refusal));
            }
        }
        before = now;
    }
    // What only the whole shows (a change the walk cannot name) belongs to its first part.
    for refusal in all {
        if !located.iter().any(|(_, found)| *found == refusal) {
            located.push((0, refusal));
        }
    }
    located
}

/// A page's body as the site publishes it: `html` cleaned by the policy, or what the policy
/// would drop from it.
pub(crate) fn clean(html: &str) -> Result<String, Vec<Refusal>> {
    let cleaned = policy().clean(html).to_string();
    // Most bodies come out exactly as they went in; only the others are parsed again, to tell
    // what ammonia dropped from how html5ever writes what it kept (`<br>` for `<br />`).
    if cleaned == html {
        return Ok(cleaned);
    }
    let dom = parse(html);
    let parsed = serialized(&dom, true);
    if cleaned == parsed {
        return Ok(cleaned);
    }
    let mut named = walk(&dom);
    if named.is_empty() {
        named.push(Refusal::Changed(near_difference(&parsed, &cleaned)));
    }
    let mut seen = HashSet::new();
    named.retain(|refusal| seen.insert(refusal.clone()));
    Err(named)
}

/// Whether `html` ends outside any tag: text written after it would be read as text (or
/// inside a comment, which hides it from readers either way).
fn finished(html: &str) -> bool {
    const AFTER: &str = "\u{E000}after\u{E000}";
    let dom = parse(&format!("{html}{AFTER}"));
    let mut stack = vec![dom.document.clone()];
    while let Some(node) = stack.pop() {
        match &node.data {
            NodeData::Text { contents } if contents.borrow().contains(AFTER) => return true,
            NodeData::Comment { contents } if contents.contains(AFTER) => return true,
            _ => stack.extend(node.children.borrow().iter().cloned()),
        }
    }
    false
}

/// `html` parsed as ammonia parses it: a fragment inside a `<div>`, scripting off.
fn parse(html: &str) -> RcDom {
    html5ever::driver::parse_fragment(
        RcDom::default(),
        html5ever::driver::ParseOpts::default(),
        QualName::new(None, ns!(html), local_name!("div")),
        Vec::new(),
        false,
    )
    .one(html)
}

/// The fragment written out as ammonia writes its output, without comments if asked.
fn serialized(dom: &RcDom, without_comments: bool) -> String {
    let Some(root) = dom.document.children.borrow().first().cloned() else {
        return String::new();
    };
    if without_comments {
        let mut stack = vec![root.clone()];
        while let Some(node) = stack.pop() {
            node.children.borrow_mut().retain(|child| !matches!(child.data, NodeData::Comment { .. }));
            stack.extend(node.children.borrow().iter().cloned());
        }
    }
    let mut bytes = Vec::new();
    let handle: SerializableHandle = root.into();
    // Writing into memory does not fail; an empty result would be refused as a change.
    let _ = serialize(&mut bytes, &handle, SerializeOpts::default());
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Every element and attribute of the parsed fragment that the allow-list refuses.
fn walk(dom: &RcDom) -> Vec<Refusal> {
    let mut refusals = Vec::new();
    let mut stack: Vec<Handle> = match dom.document.children.borrow().first() {
        Some(root) => root.children.borrow().iter().rev().cloned().collect(),
        None => Vec::new(),
    };
    while let Some(node) = stack.pop() {
        let NodeData::Element { name, attrs, .. } = &node.data else {
            continue;
        };
        let element = name.local.to_string();
        if name.ns != ns!(html) {
            // ammonia removes what is inside too, so the outermost one says it all.
            refusals.push(Refusal::Foreign(element));
            continue;
        }
        if !ELEMENTS.contains(&element.as_str()) {
            let removed = REMOVED_WITH_CONTENT.contains(&element.as_str());
            refusals.push(Refusal::Element(element));
            if removed {
                continue;
            }
        } else {
            for attribute in attrs.borrow().iter() {
                let attribute_name = attribute.name.local.to_string();
                if !allowed_attributes(&element).any(|allowed| allowed == attribute_name) {
                    refusals.push(Refusal::Attribute { element: element.clone(), attribute: attribute_name });
                } else if !value_allowed(&element, &attribute_name, &attribute.value) {
                    refusals.push(Refusal::Value {
                        element: element.clone(),
                        attribute: attribute_name,
                        value: attribute.value.to_string(),
                    });
                }
            }
        }
        stack.extend(node.children.borrow().iter().rev().cloned());
    }
    refusals
}

/// A few characters of `parsed` from about where `cleaned` starts to differ from it.
fn near_difference(parsed: &str, cleaned: &str) -> String {
    let same = parsed.bytes().zip(cleaned.bytes()).take_while(|(a, b)| a == b).count();
    let start = (0..=same.saturating_sub(20)).rev().find(|&at| parsed.is_char_boundary(at)).unwrap_or(0);
    parsed.get(start..).unwrap_or_default().chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(html: &str) -> Vec<String> {
        refusals(html).iter().map(|refusal| refusal.message().to_string()).collect()
    }

    #[test]
    fn what_editors_write_passes_unchanged() {
        for html in [
            "<details><summary>Программа</summary><p>Биринчи күн.</p></details>",
            "<abbr title=\"Жергиликтүү өз алдынча башкаруу\">ЖӨБ</abbr> H<sub>2</sub>O, 10<sup>3</sup>",
            "<kbd>Ctrl</kbd>+<kbd>P</kbd><br>кийинки сап",
            "<a href=\"https://example.org/\" title=\"Сайт\">шилтеме</a> <a href=\"mailto:a@b.kg\">кат</a> \
             <a href=\"tel:+996312000000\">телефон</a> <a href=\"#note\">эскертүү</a>",
            "<picture><source type=\"image/webp\" srcset=\"/images/a.480.webp 480w, /images/a.webp 960w\" \
             sizes=\"(max-width: 40em) 100vw, 40em\"><img src=\"/images/a.jpg\" alt=\"Жолугушуу\" width=\"960\" \
             height=\"640\" loading=\"lazy\" decoding=\"async\" srcset=\"/images/a.480.jpg 480w\" \
             sizes=\"100vw\"></picture>",
            "<h2 id=\"budget\" class=\"wide\">Бюджет <a class=\"anchor\" href=\"#budget\">#</a></h2>",
            "<table><thead><tr><th class=\"align-right\">n</th></tr></thead><tbody><tr><td class=\"align-center\">7\
             </td></tr></tbody></table>",
            "<sup class=\"footnote-reference\"><a href=\"#1\">1</a></sup><div class=\"footnote-definition\" \
             id=\"1\"><sup class=\"footnote-definition-label\">1</sup><p>Эскертүү.</p></div>",
            "<pre><code class=\"language-toml\">a = 1\n</code></pre><!-- a note for editors -->",
        ] {
            assert_eq!(messages(html), Vec::<String>::new(), "{html}");
            assert!(clean(html).is_ok(), "{html}");
        }
        // Comments go without a word: readers never see them.
        assert_eq!(clean("<p>a<!-- b -->c</p>").unwrap(), "<p>ac</p>");
    }

    #[test]
    fn links_keep_their_attributes_and_get_no_rel() {
        let html = "<a href=\"/ky/etaptar/iii/#plan\" title=\"III\">III</a>";
        assert_eq!(clean(html).unwrap(), html);
    }

    #[test]
    fn every_probe_of_the_issue_is_named() {
        for (html, expected) in [
            (
                "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">",
                "`<meta>` is not allowed in content: it can send readers to another site",
            ),
            ("<iframe src=\"https://www.youtube.com/embed/x\"></iframe>", "`<iframe>` is not allowed in content"),
            ("<object data=\"x.swf\"></object>", "`<object>` is not allowed in content: it loads another site"),
            ("<embed src=\"x.swf\">", "`<embed>` is not allowed in content"),
            ("<form action=\"https://evil.example/\"><p>x</p></form>", "`<form>` is not allowed in content"),
            ("<base href=\"https://evil.example/\">", "`<base>` is not allowed in content"),
            ("<!-- x --!><img src=x onerror=alert(1)>", "the attribute `onerror` on `<img>` is not allowed"),
            (
                "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
                "`<noscript>` is not allowed in content",
            ),
            ("<ScRiPt>alert(1)</sCrIpT>", "`<script>` is not allowed in content"),
            ("<a href=\"javascript:alert(1)\">x</a>", "the link `javascript:alert(1)` is not allowed"),
            ("<a href=\"JaVa&#x09;Script:alert(1)\">x</a>", "the link `JaVa\tScript:alert(1)` is not allowed"),
            ("<p style=\"color:red\">x</p>", "the attribute `style` on `<p>` is not allowed"),
            ("<style>p { color: red }</style>", "`<style>` is not allowed in content"),
            ("<div data-pagefind-body>x</div>", "a `data-pagefind-body` attribute is not allowed"),
            ("<span data-Pagefind-meta=\"title\">x</span>", "a `data-pagefind-meta` attribute"),
            ("<svg><a href=\"javascript:x\">x</a></svg>", "`<svg>` is not allowed in content"),
            ("<a href=\"//evil.example/\">x</a>", "the link `//evil.example/` is not allowed"),
            ("<a href=\"/\\evil.example/\">x</a>", "the link `/\\evil.example/` is not allowed"),
            ("<img src=\"https://evil.example/a.png\" alt=\"a\">", "the address `https://evil.example/a.png`"),
            ("<span class=\"visually-hidden\">x</span>", "the attribute `class` on `<span>` is not allowed"),
            ("<td>x</td><table><tr><td class=\"x\">y</td></tr></table>", "the class `x` on `<td>`"),
            ("<x-widget>x</x-widget>", "`<x-widget>` is not allowed in content"),
        ] {
            let found = messages(html);
            assert!(found.iter().any(|message| message.starts_with(expected)), "{html}: {found:#?}");
            assert!(clean(html).is_err(), "{html}");
        }
    }

    #[test]
    fn the_cleaned_html_holds_none_of_it() {
        let html = "<p onclick=\"x()\" title=\"t\">a<iframe src=\"x\"></iframe><script>b()</script></p>";
        let cleaned = policy().clean(html).to_string();
        assert_eq!(cleaned, "<p title=\"t\">a</p>");
        assert_eq!(
            refusals(html),
            [
                Refusal::Attribute { element: "p".into(), attribute: "onclick".into() },
                Refusal::Element("iframe".into()),
                Refusal::Element("script".into()),
            ]
        );
    }

    #[test]
    fn a_refusal_in_a_block_belongs_to_the_line_that_completes_it() {
        let lines =
            ["<div>\n", "<p>fine</p>\n", "<iframe\n", "src=x></iframe>\n", "<img src=x onerror=y>\n", "</div>\n"];
        let located = refusals_in_parts(&lines);
        assert_eq!(
            located,
            [
                (3, Refusal::Element("iframe".into())),
                (4, Refusal::Attribute { element: "img".into(), attribute: "onerror".into() }),
            ]
        );
        assert!(refusals_in_parts(&["<div>\n", "<p>fine</p>\n", "</div>\n"]).is_empty());
    }

    #[test]
    fn a_block_that_ends_inside_a_tag_is_refused_where_the_tag_begins() {
        let located = refusals_in_parts(&["<div>\n", "<p title=\"a\">b</p>\n", "<div title=\"Текст\n", "эки\n"]);
        assert_eq!(located, [(2, Refusal::Unfinished("<div title=\"Текст\nэки".into()))]);
        assert!(located[0].1.message().to_string().starts_with("the tag `<div title=\"Текст\nэки` is not finished"));
        for finished in [&["<div>\n", "a < b\n"][..], &["<!-- a note\n", "that runs on\n"], &["<p>a</p>\n"]] {
            assert_eq!(refusals_in_parts(finished), [], "{finished:?}");
        }
        assert_eq!(refusals_in_parts(&["<br\n"]), [(0, Refusal::Unfinished("<br".into()))]);
    }

    /// Each probe of issue 23 written in a page, alone after an opening paragraph: refused
    /// with its message at the line it is on (the body starts on line 5, the probe is on 7).
    #[test]
    fn every_probe_of_the_issue_is_refused_at_its_line() {
        use crate::markdown::render;
        use std::path::Path;
        let assets = crate::markdown::tests::assets();
        for (probe, expected) in [
            (
                "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">",
                "`<meta>` is not allowed in content: it can send readers to another site",
            ),
            (
                "<iframe src=\"https://www.youtube.com/embed/x\"></iframe>",
                "`<iframe>` is not allowed in content: it loads another site, a plugin or a player into the page",
            ),
            ("<object data=\"x.swf\"></object>", "`<object>` is not allowed in content: it loads another site"),
            ("<embed src=\"x.swf\">", "`<embed>` is not allowed in content: it loads another site"),
            (
                "<form action=\"https://evil.example/\"><p>Send</p></form>",
                "`<form>` is not allowed in content: a form in a page could send what readers type anywhere",
            ),
            ("<base href=\"https://evil.example/\">", "`<base>` is not allowed in content: it changes where"),
            (
                "<!-- x --!><img src=x onerror=alert(1)>",
                "the attribute `onerror` on `<img>` is not allowed in content: it runs a script",
            ),
            (
                "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
                "`<noscript>` is not allowed in content: browsers read what is inside it differently",
            ),
            ("## x {data-pagefind-body}", "a `data-pagefind-body` attribute is not allowed in content"),
            ("## x {onclick=alert(1)}", "the attribute `onclick` on `<h2>` is not allowed in content"),
            ("<SCRIPT>alert(1)</SCRIPT>", "`<script>` is not allowed in content: the site runs only its own"),
            ("Text <sCrIpT>alert(1)</script> text.", "`<script>` is not allowed in content"),
            ("[x](javascript:alert(1))", "the link `javascript:alert(1)` is not allowed in content"),
            ("<a href=\"javascript:alert(1)\">x</a>", "the link `javascript:alert(1)` is not allowed in content"),
            ("<p style=\"color: red\">x</p>", "the attribute `style` on `<p>` is not allowed in content"),
            ("<style>p { color: red }</style>", "`<style>` is not allowed in content"),
            ("Text <span data-Pagefind-meta=\"title\">x</span>.", "a `data-pagefind-meta` attribute is not allowed"),
        ] {
            let body = format!("Кириш.\n\n{probe}\n\nАягы.\n");
            let errors = render(Path::new("a.ky.md"), &body, 5, &assets, |_| None).unwrap_err();
            let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
            assert_eq!(shown.len(), 1, "{probe}: {shown:#?}");
            assert!(shown[0].starts_with(&format!("a.ky.md:7: {expected}")), "{probe}: {shown:#?}");
        }
    }

    #[test]
    fn a_refusal_deep_in_an_html_block_is_reported_at_its_own_line() {
        use crate::markdown::render;
        use std::path::Path;
        let assets = crate::markdown::tests::assets();
        let body = "<div>\n<p>Бир.</p>\n<p>Эки.</p>\n<iframe src=\"https://x.example/\"></iframe>\n</div>\n";
        let errors = render(Path::new("a.ky.md"), body, 1, &assets, |_| None).unwrap_err();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 1, "{shown:#?}");
        assert!(shown[0].starts_with("a.ky.md:4: `<iframe>` is not allowed"), "{shown:#?}");
    }
}
