//! `sitemap.xml` with hreflang alternates, and `robots.txt` pointing at it.

use std::collections::BTreeMap;

use content_model::escape_html as escape;

use crate::load::Site;

pub(crate) fn sitemap(site: &Site) -> String {
    let base = &site.config.base_url;
    let mut by_canonical: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for page in &site.pages {
        by_canonical.entry(&page.canonical).or_default().push((&page.lang, &page.url));
    }
    let default = site.config.default_language();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for lang in &site.config.languages {
        for versions in by_canonical.values() {
            let Some((_, url)) = versions.iter().find(|(l, _)| l == lang) else {
                continue;
            };
            xml.push_str(&format!("  <url>\n    <loc>{}</loc>\n", escape(&format!("{base}{url}"))));
            for (other, other_url) in versions {
                xml.push_str(&format!(
                    "    <xhtml:link rel=\"alternate\" hreflang=\"{other}\" href=\"{}\"/>\n",
                    escape(&format!("{base}{other_url}"))
                ));
            }
            if let Some((_, default_url)) = versions.iter().find(|(l, _)| *l == default) {
                xml.push_str(&format!(
                    "    <xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"{}\"/>\n",
                    escape(&format!("{base}{default_url}"))
                ));
            }
            xml.push_str("  </url>\n");
        }
    }
    xml.push_str("</urlset>\n");
    xml
}

pub(crate) fn robots(site: &Site) -> String {
    format!("User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n", site.config.base_url)
}
