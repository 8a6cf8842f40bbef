//! Saved web pages: charset decoding, main-content text and page metadata with scraper.

use scraper::{ElementRef, Html, Node, Selector};

use crate::PublishedDate;
use crate::extract::{Extraction, clean_value};

/// Extracts the readable text and metadata of an HTML page.
pub struct HtmlExtractor;

/// Elements whose content is never page text.
const SKIPPED_ELEMENTS: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "nav", "header", "footer",
    "form", "button", "select", "textarea", "aside", "dialog", "head", "menu",
];

/// Class or id fragments that mark boilerplate blocks (cookie banners, share bars, menus).
const BOILERPLATE_MARKERS: &[&str] =
    &["cookie", "consent", "share", "social", "breadcrumb", "navbar", "menu", "skip-link", "newsletter", "banner"];

/// Elements that end a paragraph or line.
const BLOCK_ELEMENTS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "address",
    "details",
    "summary",
    "hr",
    "br",
    "caption",
];

impl HtmlExtractor {
    /// Decodes `bytes` with the page's declared charset and extracts main text and metadata.
    pub fn extract(bytes: &[u8]) -> Extraction {
        let html = decode_html(bytes);
        let document = Html::parse_document(&html);

        let meta = |selector: &str| -> Option<String> {
            let selector = Selector::parse(selector).ok()?;
            document.select(&selector).filter_map(|e| e.value().attr("content")).find_map(clean_value)
        };
        let first_text = |selector: &str| -> Option<String> {
            let selector = Selector::parse(selector).ok()?;
            document.select(&selector).find_map(|e| clean_value(&e.text().collect::<String>()))
        };

        let title = meta(r#"meta[property="og:title"]"#)
            .or_else(|| first_text("title").map(|t| trim_site_name(&t, first_text("h1").as_deref())))
            .or_else(|| first_text("h1"));
        let lang_hint = select_first(&document, "html")
            .and_then(|e| e.value().attr("lang").or_else(|| e.value().attr("xml:lang")))
            .and_then(clean_value)
            .or_else(|| meta(r#"meta[http-equiv="content-language" i]"#));
        let published = [
            r#"meta[property="article:published_time"]"#,
            r#"meta[name="dcterms.date" i]"#,
            r#"meta[name="dc.date" i]"#,
            r#"meta[name="date" i]"#,
            r#"meta[itemprop="datePublished"]"#,
        ]
        .iter()
        .find_map(|s| meta(s).and_then(|d| PublishedDate::parse_iso(&d)))
        .or_else(|| json_ld_date(&document))
        .or_else(|| {
            let selector = Selector::parse("time[datetime]").ok()?;
            document.select(&selector).find_map(|e| PublishedDate::parse_iso(e.value().attr("datetime")?))
        });
        let url = select_first(&document, r#"link[rel="canonical"]"#)
            .and_then(|e| e.value().attr("href"))
            .and_then(clean_value)
            .or_else(|| meta(r#"meta[property="og:url"]"#));
        let keywords = meta(r#"meta[name="keywords" i]"#)
            .map(|k| k.split([',', ';']).filter_map(clean_value).collect())
            .unwrap_or_default();

        let root = ["main", "article", "[role=main]", "body"]
            .iter()
            .find_map(|s| select_first(&document, s))
            .unwrap_or_else(|| document.root_element());
        let mut text = TextBuilder::default();
        let mut headings = Vec::new();
        collect_text(root, &mut text, &mut headings);

        Extraction {
            title,
            text: text.finish(),
            headings,
            lang_hint,
            published,
            description: meta(r#"meta[name="description" i]"#).or_else(|| meta(r#"meta[property="og:description"]"#)),
            author: meta(r#"meta[name="author" i]"#),
            keywords,
            url,
            ..Extraction::default()
        }
    }
}

fn select_first<'a>(document: &'a Html, selector: &str) -> Option<ElementRef<'a>> {
    let selector = Selector::parse(selector).ok()?;
    document.select(&selector).next()
}

fn json_ld_date(document: &Html) -> Option<PublishedDate> {
    let selector = Selector::parse(r#"script[type="application/ld+json"]"#).ok()?;
    document.select(&selector).find_map(|script| {
        let json: String = script.text().collect();
        let start = json.find("\"datePublished\"")? + "\"datePublished\"".len();
        let rest = json[start..].trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
        PublishedDate::parse_iso(&rest[..rest.find('"')?])
    })
}

/// Drops a trailing " | Site name" (or " – ", " — ", " - ") from a page title: when the page's
/// `<h1>` is the part before it, or when that part is at least as long as the suffix, as it is
/// for article pages.
fn trim_site_name(title: &str, h1: Option<&str>) -> String {
    for separator in [" | ", " – ", " — ", " - ", " :: "] {
        if let Some((head, tail)) = title.rsplit_once(separator) {
            let head_is_h1 = h1.is_some_and(|h1| crate::fold::fold(h1) == crate::fold::fold(head.trim()));
            if head_is_h1 || head.chars().count() >= tail.chars().count() {
                return head.trim().to_owned();
            }
        }
    }
    title.to_owned()
}

fn is_boilerplate(element: &scraper::node::Element) -> bool {
    if SKIPPED_ELEMENTS.contains(&element.name()) || element.attr("hidden").is_some() {
        return true;
    }
    if element.attr("aria-hidden") == Some("true") || element.attr("role") == Some("navigation") {
        return true;
    }
    let marks = |value: Option<&str>| {
        value.is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            BOILERPLATE_MARKERS.iter().any(|m| v.contains(m))
        })
    };
    marks(element.attr("class")) || marks(element.attr("id"))
}

fn collect_text(element: ElementRef<'_>, out: &mut TextBuilder, headings: &mut Vec<String>) {
    for child in element.children() {
        match child.value() {
            Node::Text(text) => out.push_text(text),
            Node::Element(el) => {
                if is_boilerplate(el) {
                    continue;
                }
                let Some(child_ref) = ElementRef::wrap(child) else { continue };
                let name = el.name();
                let block = BLOCK_ELEMENTS.contains(&name);
                if block {
                    out.break_paragraph(matches!(name, "li" | "tr" | "br" | "dt" | "dd"));
                }
                if matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
                    && let Some(heading) = clean_value(&child_ref.text().collect::<String>())
                {
                    headings.push(heading);
                }
                collect_text(child_ref, out, headings);
                if block {
                    out.break_paragraph(matches!(name, "li" | "tr" | "dt" | "dd"));
                } else if matches!(name, "td" | "th") {
                    out.soft_space();
                }
            }
            _ => {}
        }
    }
}

/// Accumulates text with HTML white-space rules: runs collapse to one space, blocks break lines.
#[derive(Default)]
struct TextBuilder {
    text: String,
    pending_space: bool,
}

impl TextBuilder {
    fn push_text(&mut self, text: &str) {
        for (i, word) in text.split_whitespace().enumerate() {
            let space_before = i > 0 || text.starts_with(char::is_whitespace);
            if (space_before || self.pending_space) && !self.text.is_empty() && !self.text.ends_with('\n') {
                self.text.push(' ');
            }
            self.pending_space = false;
            self.text.push_str(word);
        }
        if text.ends_with(char::is_whitespace) && !text.trim().is_empty() {
            self.pending_space = true;
        }
    }

    /// Separates what comes next from what came before by a space (table cells).
    fn soft_space(&mut self) {
        self.pending_space = true;
    }

    /// Ends the current line (`line_only`) or paragraph.
    fn break_paragraph(&mut self, line_only: bool) {
        self.pending_space = false;
        let trimmed = self.text.trim_end_matches(' ').len();
        self.text.truncate(trimmed);
        if self.text.is_empty() {
            return;
        }
        let wanted = if line_only { "\n" } else { "\n\n" };
        if !self.text.ends_with(wanted) {
            if self.text.ends_with('\n') && !line_only {
                self.text.push('\n');
            } else if !self.text.ends_with('\n') {
                self.text.push_str(wanted);
            }
        }
    }

    fn finish(self) -> String {
        self.text.trim().to_owned()
    }
}

/// Decodes an HTML page: a byte-order mark wins, then a `<meta charset>` or `http-equiv`
/// declaration in the first 4 kB, then UTF-8 if the bytes are valid UTF-8, else windows-1252.
pub fn decode_html(bytes: &[u8]) -> String {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding.decode_without_bom_handling(&bytes[bom_len..]).0.into_owned();
    }
    let declared = declared_charset(&bytes[..bytes.len().min(4096)]).and_then(encoding_rs::Encoding::for_label);
    // A page that declares UTF-16 but has no BOM is almost always really ASCII-compatible.
    let declared = declared.map(|e| e.output_encoding());
    match declared {
        Some(encoding) => encoding.decode_without_bom_handling(bytes).0.into_owned(),
        None => crate::text::decode_text(bytes),
    }
}

fn declared_charset(head: &[u8]) -> Option<&[u8]> {
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"charset") {
        let mut i = from + pos + b"charset".len();
        while i < lower.len() && lower[i].is_ascii_whitespace() {
            i += 1;
        }
        if lower.get(i) == Some(&b'=') {
            i += 1;
            while i < lower.len() && (lower[i].is_ascii_whitespace() || lower[i] == b'"' || lower[i] == b'\'') {
                i += 1;
            }
            let start = i;
            while i < lower.len() && (lower[i].is_ascii_alphanumeric() || b"-_:.".contains(&lower[i])) {
                i += 1;
            }
            if i > start {
                return Some(&head[start..i]);
            }
        }
        from += pos + 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r##"<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Guide de l'évaluation | Ministère de la Santé</title>
<meta name="description" content="Un guide  pratique.">
<meta property="article:published_time" content="2022-06-01T08:00:00Z">
<link rel="canonical" href="https://sante.example.fr/guide">
<style>p { color: red }</style><script>var tracking = 1;</script></head>
<body><header><nav><a href="/">Accueil</a></nav></header>
<div class="cookie-banner">Nous utilisons des cookies</div>
<main><h1>Guide de l'évaluation</h1><p>Premier   paragraphe avec <b>gras</b> et <a href="#">lien</a>.</p>
<ul><li>un</li><li>deux</li></ul><table><tr><td>a</td><td>b</td></tr></table>
<p>Le texte &lt;script&gt; reste du texte.</p></main>
<footer>© Ministère</footer></body></html>"##;

    #[test]
    fn extracts_main_text_and_metadata() {
        let e = HtmlExtractor::extract(PAGE.as_bytes());
        assert_eq!(e.title.as_deref(), Some("Guide de l'évaluation"));
        assert_eq!(e.lang_hint.as_deref(), Some("fr"));
        assert_eq!(e.description.as_deref(), Some("Un guide pratique."));
        assert_eq!(e.published.map(|d| d.to_string()).as_deref(), Some("2022-06-01"));
        assert_eq!(e.url.as_deref(), Some("https://sante.example.fr/guide"));
        assert_eq!(e.headings, ["Guide de l'évaluation"]);
        assert_eq!(
            e.text,
            "Guide de l'évaluation\n\nPremier paragraphe avec gras et lien.\n\nun\ndeux\n\na b\n\nLe texte <script> reste du texte."
        );
        for boilerplate in ["Accueil", "cookies", "tracking", "color", "©"] {
            assert!(!e.text.contains(boilerplate), "{boilerplate} leaked into {:?}", e.text);
        }
    }

    #[test]
    fn decodes_declared_legacy_charsets() {
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251
            .encode("<html><head><meta charset=\"windows-1251\"></head><body><p>Здоровье</p></body></html>");
        assert_eq!(HtmlExtractor::extract(&cp1251).text, "Здоровье");
        let (latin2, _, _) = encoding_rs::ISO_8859_2.encode(
            "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-2\"></head><body>Zdrowie łódź</body></html>",
        );
        assert_eq!(HtmlExtractor::extract(&latin2).text, "Zdrowie łódź");
        assert_eq!(HtmlExtractor::extract(b"<p>caf\xE9</p>").text, "café");
    }

    #[test]
    fn site_suffixes_are_trimmed_only_when_shorter() {
        assert_eq!(trim_site_name("Annual report 2021 | WHO", None), "Annual report 2021");
        assert_eq!(trim_site_name("WHO | Annual report on everything", None), "WHO | Annual report on everything");
        assert_eq!(trim_site_name("Apps | Ministry of Health", Some("Apps")), "Apps");
    }
}
