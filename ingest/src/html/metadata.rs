//! A page's metadata: title (with site-name suffixes trimmed), description, keywords, author,
//! published and modified dates (meta tags, JSON-LD, `<time>`), canonical URL, declared language.

use scraper::{ElementRef, Html, Selector};

use crate::PublishedDate;
use crate::extract::clean_value;
use crate::fold::fold;

/// What the page says about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageMetadata {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Author.
    pub author: Option<String>,
    /// Publication date.
    pub published: Option<PublishedDate>,
    /// Last modification date.
    pub modified: Option<PublishedDate>,
    /// Canonical URL.
    pub url: Option<String>,
    /// Declared language (`<html lang>`, `xml:lang`, `Content-Language` meta).
    pub lang: Option<String>,
}

/// Reads the metadata of a parsed page.
pub fn read(document: &Html) -> PageMetadata {
    let meta = |selectors: &[&str]| -> Option<String> {
        selectors.iter().find_map(|s| {
            let selector = Selector::parse(s).ok()?;
            document.select(&selector).filter_map(|e| e.value().attr("content")).find_map(clean_value)
        })
    };
    let json_ld = JsonLd::read(document);
    let h1 = first_text(document, "h1");
    let title =
        meta(&[r#"meta[property="og:title"]"#, r#"meta[name="twitter:title" i]"#, r#"meta[name="dc.title" i]"#])
            .or_else(|| json_ld.headline.clone())
            .or_else(|| first_text(document, "title"))
            .map(|t| trim_site_name(&t, h1.as_deref()))
            .or(h1);
    let date =
        |selectors: &[&str]| selectors.iter().find_map(|s| meta(&[s]).and_then(|d| PublishedDate::parse_iso(&d)));
    let published = date(&[
        r#"meta[property="article:published_time"]"#,
        r#"meta[name="dcterms.date" i]"#,
        r#"meta[name="dcterms.issued" i]"#,
        r#"meta[name="dc.date" i]"#,
        r#"meta[name="dc.date.issued" i]"#,
        r#"meta[name="citation_publication_date" i]"#,
        r#"meta[name="date" i]"#,
        r#"meta[itemprop="datePublished"]"#,
    ])
    .or(json_ld.published)
    .or_else(|| time_element(document, true));
    let modified = date(&[
        r#"meta[property="article:modified_time"]"#,
        r#"meta[property="og:updated_time"]"#,
        r#"meta[name="dcterms.modified" i]"#,
        r#"meta[name="last-modified" i]"#,
        r#"meta[itemprop="dateModified"]"#,
    ])
    .or(json_ld.modified)
    .or_else(|| time_element(document, false));
    let url = select_first(document, r#"link[rel~="canonical" i]"#)
        .and_then(|e| e.value().attr("href"))
        .and_then(clean_value)
        .or_else(|| meta(&[r#"meta[property="og:url"]"#]));
    let keywords = meta(&[r#"meta[name="keywords" i]"#, r#"meta[name="news_keywords" i]"#])
        .map(|k| k.split([',', ';', '，', '、']).filter_map(clean_value).collect())
        .unwrap_or_default();
    let author =
        meta(&[r#"meta[name="author" i]"#, r#"meta[property="article:author"]"#, r#"meta[name="dc.creator" i]"#])
            .filter(|a| !a.starts_with("http"))
            .or(json_ld.author);
    let lang = select_first(document, "html")
        .and_then(|e| e.value().attr("lang").or_else(|| e.value().attr("xml:lang")))
        .and_then(clean_value)
        .or_else(|| meta(&[r#"meta[http-equiv="content-language" i]"#, r#"meta[name="language" i]"#]));
    PageMetadata {
        title,
        description: meta(&[
            r#"meta[name="description" i]"#,
            r#"meta[property="og:description"]"#,
            r#"meta[name="dc.description" i]"#,
        ]),
        keywords,
        author,
        published,
        modified,
        url,
        lang,
    }
}

fn select_first<'a>(document: &'a Html, selector: &str) -> Option<ElementRef<'a>> {
    let selector = Selector::parse(selector).ok()?;
    document.select(&selector).next()
}

fn first_text(document: &Html, selector: &str) -> Option<String> {
    let selector = Selector::parse(selector).ok()?;
    document.select(&selector).find_map(|e| clean_value(&e.text().collect::<String>()))
}

/// `<time datetime>`: the one marked `pubdate`/`datePublished` (or `dateModified`), else for
/// publication the first one.
fn time_element(document: &Html, published: bool) -> Option<PublishedDate> {
    let selector = Selector::parse("time[datetime]").ok()?;
    let wanted = if published { "datePublished" } else { "dateModified" };
    let marked = document
        .select(&selector)
        .find(|e| e.value().attr("itemprop") == Some(wanted) || (published && e.value().attr("pubdate").is_some()));
    let chosen = marked.or_else(|| if published { document.select(&selector).next() } else { None })?;
    PublishedDate::parse_iso(chosen.value().attr("datetime")?)
}

/// The fields of schema.org JSON-LD blocks that the page metadata uses.
#[derive(Debug, Default)]
struct JsonLd {
    headline: Option<String>,
    published: Option<PublishedDate>,
    modified: Option<PublishedDate>,
    author: Option<String>,
}

impl JsonLd {
    fn read(document: &Html) -> JsonLd {
        let mut found = JsonLd::default();
        let Ok(selector) = Selector::parse(r#"script[type="application/ld+json" i]"#) else { return found };
        for script in document.select(&selector) {
            let json: String = script.text().collect();
            found.headline = found.headline.or_else(|| json_string(&json, "headline").as_deref().and_then(clean_value));
            found.published = found
                .published
                .or_else(|| json_string(&json, "datePublished").and_then(|d| PublishedDate::parse_iso(&d)));
            found.modified = found
                .modified
                .or_else(|| json_string(&json, "dateModified").and_then(|d| PublishedDate::parse_iso(&d)));
            found.author = found.author.or_else(|| {
                let start = json.find("\"author\"")?;
                json_string(&json[start..], "name").as_deref().and_then(clean_value)
            });
        }
        found
    }
}

/// The first string value of `"key"` in a JSON text. A scan rather than a parse: JSON-LD on real
/// pages is often invalid JSON (trailing commas, raw newlines), and only a few flat fields are
/// needed.
fn json_string(json: &str, key: &str) -> Option<String> {
    let quoted = format!("\"{key}\"");
    let start = json.find(&quoted)? + quoted.len();
    let rest = json[start..].trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    let mut value = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' | 't' | 'r' => value.push(' '),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    value.push(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).unwrap_or(' '));
                }
                other => value.push(other),
            },
            _ => value.push(c),
        }
    }
    None
}

/// Drops a trailing " | Site name" (or " – ", " — ", " - ", " :: ", "_") from a page title: when
/// the page's `<h1>` is the part before it, or when that part is at least as long as the
/// suffix, as it is for article pages.
pub fn trim_site_name(title: &str, h1: Option<&str>) -> String {
    for separator in [" | ", " – ", " — ", " - ", " :: ", " · ", " » ", "_"] {
        if let Some((head, tail)) = title.rsplit_once(separator) {
            let head = head.trim();
            let head_is_h1 = h1.is_some_and(|h1| fold(h1) == fold(head));
            if head_is_h1 || (!head.is_empty() && head.chars().count() >= tail.chars().count()) {
                // "Article | Section | Site": trim the remaining suffixes too.
                return trim_site_name(head, h1);
            }
        }
    }
    title.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_meta_json_ld_and_time() {
        let html = r#"<html xml:lang="de"><head><title>Gesundheits-Apps: Kriterien | BAG | Schweiz</title>
<meta name="author" content="Bundesamt für Gesundheit"><meta name="keywords" content="Apps; Qualität, eHealth">
<meta http-equiv="Content-Language" content="fr">
<link rel="Canonical" href="https://bag.example.ch/apps">
<script type="application/ld+json">{"@type":"Article","dateModified":"2018-03-04T10:00:00+01:00",
"author":{"@type":"Organization","name":"BAG"}}</script></head>
<body><h1>Gesundheits-Apps: Kriterien</h1><time datetime="2017-11-20">20. November</time></body></html>"#;
        let m = read(&Html::parse_document(html));
        assert_eq!(m.title.as_deref(), Some("Gesundheits-Apps: Kriterien"));
        assert_eq!(m.author.as_deref(), Some("Bundesamt für Gesundheit"));
        assert_eq!(m.keywords, ["Apps", "Qualität", "eHealth"]);
        assert_eq!(m.url.as_deref(), Some("https://bag.example.ch/apps"));
        assert_eq!(m.lang.as_deref(), Some("de"));
        assert_eq!(m.published.map(|d| d.to_string()).as_deref(), Some("2017-11-20"));
        assert_eq!(m.modified.map(|d| d.to_string()).as_deref(), Some("2018-03-04"));
    }

    #[test]
    fn json_ld_author_and_headline_and_escapes() {
        let html = r#"<script type="application/ld+json">{"headline":"Sant\u00e9 \"mobile\"","datePublished":"2020-05-01",
"author":[{"@type":"Person","name":"Ana Silva"}]}</script><title>x</title>"#;
        let m = read(&Html::parse_document(html));
        assert_eq!(m.title.as_deref(), Some("Santé \"mobile\""));
        assert_eq!(m.author.as_deref(), Some("Ana Silva"));
        assert_eq!(m.published.map(|d| d.to_string()).as_deref(), Some("2020-05-01"));
        assert_eq!(m.lang, None);
    }

    #[test]
    fn site_suffixes_are_trimmed_only_when_shorter() {
        assert_eq!(trim_site_name("Annual report 2021 | WHO", None), "Annual report 2021");
        assert_eq!(trim_site_name("WHO | Annual report on everything", None), "WHO | Annual report on everything");
        assert_eq!(trim_site_name("Apps | Ministry of Health", Some("Apps")), "Apps");
        assert_eq!(trim_site_name("Long article title here | News | Site", None), "Long article title here");
        assert_eq!(trim_site_name("人工智能迈上新台阶_科技_腾讯网", None), "人工智能迈上新台阶");
    }
}
