//! Readable ASCII URL segments from Kyrgyz and Russian titles.

/// `Өтүнмө берүү` → `otunmo-beruu`; `Кеңеш` → `kengesh` (ң becomes `ng`, not `n'`).
pub(crate) fn slugify(text: &str) -> String {
    let ascii = any_ascii::any_ascii(text);
    let mut slug = String::with_capacity(ascii.len());
    for c in ascii.chars().filter(|c| *c != '\'' && *c != '’') {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// Whether an editor's own `slug = "…"` is already a clean URL segment.
pub(crate) fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kyrgyz_letters_become_readable_ascii() {
        assert_eq!(slugify("Жергиликтүү кеңештин депутаты"), "zhergiliktuu-kengeshtin-deputaty");
        assert_eq!(slugify("Өтүнмө берүү"), "otunmo-beruu");
    }

    #[test]
    fn russian_soft_signs_do_not_split_words() {
        assert_eq!(slugify("Школа будущего депутата: этапы"), "shkola-budushchego-deputata-etapy");
        assert_eq!(slugify("Объявление"), "obyavlenie");
    }

    #[test]
    fn editor_slugs_are_checked() {
        assert!(is_valid_slug("etap-iii"));
        assert!(!is_valid_slug("Этап"));
        assert!(!is_valid_slug("a b"));
    }
}
