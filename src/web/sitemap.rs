//! Sitemaps (sitemaps.org): the page URLs of a `<urlset>` or the child sitemaps of a
//! `<sitemapindex>`. A tolerant scan for `<loc>` elements rather than an XML parser: sitemaps in
//! the wild carry namespaces, comments and stray markup, and only the locations matter.

/// What a sitemap lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sitemap {
    /// Page URLs.
    Pages(Vec<String>),
    /// Other sitemaps.
    Index(Vec<String>),
}

/// Reads a sitemap document.
pub fn parse(xml: &str) -> Sitemap {
    let mut locations = Vec::new();
    let mut rest = xml;
    while let Some(start) = find_tag(rest, "<loc") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else { break };
        let body = &after[open_end + 1..];
        let Some(close) = find_tag(body, "</loc") else { break };
        let value = unescape(strip_cdata(body[..close].trim()));
        if !value.is_empty() {
            locations.push(value);
        }
        rest = &body[close..];
    }
    if find_tag(xml, "<sitemapindex").is_some() { Sitemap::Index(locations) } else { Sitemap::Pages(locations) }
}

/// Position of a tag name, case-insensitively, ignoring a namespace prefix (`<sm:loc>`).
fn find_tag(haystack: &str, tag: &str) -> Option<usize> {
    let lower = haystack.to_ascii_lowercase();
    let name = tag.trim_start_matches(['<', '/']);
    let opener = &tag[..tag.len() - name.len()];
    let mut from = 0;
    while let Some(pos) = lower[from..].find(opener) {
        let at = from + pos;
        let after = &lower[at + opener.len()..];
        let local = after
            .split_once(':')
            .filter(|(prefix, _)| prefix.chars().all(|c| c.is_ascii_alphanumeric()))
            .map_or(after, |(_, l)| l);
        if local.starts_with(name) && local[name.len()..].starts_with(|c: char| c == '>' || c.is_whitespace()) {
            return Some(at);
        }
        from = at + opener.len();
    }
    None
}

fn strip_cdata(value: &str) -> &str {
    value.strip_prefix("<![CDATA[").and_then(|v| v.strip_suffix("]]>")).unwrap_or(value)
}

fn unescape(value: &str) -> String {
    value.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn url_sets_and_indexes() {
        let urlset = r#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc> https://example.org/a?x=1&amp;y=2 </loc><lastmod>2024-01-01</lastmod></url>
<!-- a comment --><url><LOC><![CDATA[https://example.org/b]]></LOC></url><url><sm:loc>https://example.org/c</sm:loc></url></urlset>"#;
        assert_eq!(
            parse(urlset),
            Sitemap::Pages(vec![
                "https://example.org/a?x=1&y=2".into(),
                "https://example.org/b".into(),
                "https://example.org/c".into()
            ])
        );
        let index = "<sitemapindex><sitemap><loc>https://example.org/s1.xml</loc></sitemap><location>no</location></sitemapindex>";
        assert_eq!(parse(index), Sitemap::Index(vec!["https://example.org/s1.xml".into()]));
        assert_eq!(parse("<urlset><loc>unterminated"), Sitemap::Pages(vec![]));
    }

    proptest! {
        #[test]
        fn never_panics(xml in "(<loc>|</loc>|<sm:loc |<sitemapindex>|[a-zé: /<>])*") {
            let _ = parse(&xml);
        }
    }
}
