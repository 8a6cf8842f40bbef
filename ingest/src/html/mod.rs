//! Web pages: charset decoding, main-content text and page metadata, with scraper.
//!
//! The page is decoded ([`charset`]), parsed, its metadata read ([`metadata`]), its main
//! content found ([`score`]) and turned into blocks in reading order ([`blocks`]); link-heavy
//! blocks (menus inside the content) are dropped, and so are blocks that a [`RepeatedBlocks`]
//! filter knows from many other pages of the same site.

pub mod blocks;
pub mod charset;
pub mod dom;
pub mod links;
pub mod metadata;
pub mod repeated;
pub mod score;

use std::path::{Path, PathBuf};

use scraper::{Html, Selector};

pub use charset::{CharsetSource, Decoded, charset_from_content_type, decode_html};
pub use repeated::{RepeatedBlocks, SiteBoilerplate};

use crate::extract::Extraction;
use blocks::{Block, BlockKind};
use dom::Rules;

/// Content shorter than this (characters) makes the extractor try again without class and id
/// names.
const MIN_CONTENT_CHARS: usize = 250;

/// A block whose text is more than this share of links is navigation, not content.
const MAX_LINK_DENSITY: f64 = 0.5;

/// What the transport said about a page (for fetched pages; saved files have none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpHints {
    /// The `Content-Type` header value.
    pub content_type: Option<String>,
    /// The `Content-Language` header value.
    pub content_language: Option<String>,
}

impl HttpHints {
    /// Suffix of the file, beside a fetched page, that holds its response headers as
    /// `Name: value` lines.
    pub const SUFFIX: &str = ".headers";

    /// The path of the headers file of the page at `path`.
    pub fn path_for(path: &Path) -> PathBuf {
        let mut name = path.as_os_str().to_owned();
        name.push(Self::SUFFIX);
        PathBuf::from(name)
    }

    /// The hints saved beside the page at `path`; none if there is no such file.
    pub fn load_for(path: &Path) -> HttpHints {
        std::fs::read_to_string(Self::path_for(path)).map(|text| Self::parse(&text)).unwrap_or_default()
    }

    /// Reads `Name: value` header lines (other headers are ignored).
    pub fn parse(text: &str) -> HttpHints {
        let mut hints = HttpHints::default();
        for line in text.lines() {
            let Some((name, value)) = line.split_once(':') else { continue };
            let value = Some(value.trim().to_owned()).filter(|v| !v.is_empty());
            match name.trim().to_ascii_lowercase().as_str() {
                "content-type" => hints.content_type = value,
                "content-language" => hints.content_language = value,
                _ => {}
            }
        }
        hints
    }

    /// The hints as header lines, as [`HttpHints::parse`] reads them.
    pub fn to_header_lines(&self) -> String {
        let mut text = String::new();
        for (name, value) in [("Content-Type", &self.content_type), ("Content-Language", &self.content_language)] {
            if let Some(value) = value {
                text.push_str(&format!("{name}: {}\n", value.replace(['\r', '\n'], " ")));
            }
        }
        text
    }
}

/// Extracts the readable text and metadata of an HTML page.
pub struct HtmlExtractor;

impl HtmlExtractor {
    /// Decodes `bytes` (a saved page) and extracts its main text and metadata.
    pub fn extract(bytes: &[u8]) -> Extraction {
        Self::extract_with(bytes, &HttpHints::default(), None)
    }

    /// Like [`HtmlExtractor::extract`], with what the HTTP response said about the page and,
    /// optionally, the blocks known to repeat across the pages of its site.
    pub fn extract_with(bytes: &[u8], hints: &HttpHints, repeated: Option<&RepeatedBlocks>) -> Extraction {
        Self::extract_for_site(bytes, hints, |_| repeated)
    }

    /// Like [`HtmlExtractor::extract_with`], with the repeated blocks chosen by the page's
    /// canonical URL (`None` if it has none), once the page is parsed: a page is parsed once
    /// whether or not its site turns out to have boilerplate.
    pub fn extract_for_site<'r>(
        bytes: &[u8],
        hints: &HttpHints,
        repeated_for: impl FnOnce(Option<&str>) -> Option<&'r RepeatedBlocks>,
    ) -> Extraction {
        let decoded = decode_html(bytes, hints.content_type.as_deref().and_then(charset_from_content_type));
        let document = Html::parse_document(&decoded.text);
        let meta = metadata::read(&document);
        let repeated = repeated_for(meta.url.as_deref());
        let blocks = content_blocks(&document)
            .into_iter()
            .filter(|b| repeated.is_none_or(|r| !r.is_repeated(&b.text)))
            .collect::<Vec<_>>();
        let headings = blocks.iter().filter(|b| b.kind == BlockKind::Heading).map(|b| b.text.clone()).collect();
        // The page's own declaration is more specific than the server's header, which often is
        // a site-wide default.
        let lang_hint = meta.lang.or_else(|| {
            hints.content_language.as_deref().and_then(|l| l.split(',').next()).map(|l| l.trim().to_owned())
        });
        Extraction {
            title: meta.title,
            text: blocks::join(&blocks),
            headings,
            lang_hint: lang_hint.filter(|l| !l.is_empty()),
            published: meta.published,
            modified: meta.modified,
            description: meta.description,
            author: meta.author,
            keywords: meta.keywords,
            url: meta.url,
            ..Extraction::default()
        }
    }
}

/// The blocks of the page's main content, navigation-like blocks left out. When class and id
/// names leave almost nothing of a page that has text, they are ignored and the page is read
/// again (readability's retry).
pub fn content_blocks(document: &Html) -> Vec<Block> {
    let body = Selector::parse("body").ok().and_then(|s| document.select(&s).next());
    let body = body.unwrap_or_else(|| document.root_element());
    let strict = main_blocks(body, Rules::STRICT);
    let strict_chars: usize = strict.iter().map(|b| b.chars).sum();
    if strict_chars >= MIN_CONTENT_CHARS {
        return strict;
    }
    let lenient = main_blocks(body, Rules::LENIENT);
    let lenient_chars: usize = lenient.iter().map(|b| b.chars).sum();
    if lenient_chars > 2 * strict_chars { lenient } else { strict }
}

fn main_blocks(body: scraper::ElementRef<'_>, rules: Rules) -> Vec<Block> {
    let roots = score::main_content(body, rules);
    blocks::collect(&roots, rules).into_iter().filter(|b| b.link_density() <= MAX_LINK_DENSITY).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the markup, extraction never panics and never invents text: every word of
        /// the output is a word of the input, and nothing from scripts or styles leaks.
        #[test]
        fn extraction_only_keeps_words_of_the_page(parts in proptest::collection::vec(prop_oneof![
            Just("<p>".to_owned()), Just("</p>".to_owned()), Just("<div class='share'>".to_owned()),
            Just("</div>".to_owned()), Just("<table><tr><td>".to_owned()), Just("</td><td>".to_owned()),
            Just("<li><a href='/'>".to_owned()), Just("</a>".to_owned()), Just("<br>".to_owned()),
            Just("<article>".to_owned()), Just("<h2>".to_owned()), Just("<script>secretcode()</script>".to_owned()),
            // Spaces around text: tags that the parser ignores (a stray `<td>`) join their neighbours.
            " [a-zà-ÿ]{1,12}( [a-z]{1,8}){0,12}[.,]? ",
        ], 0..60)) {
            let html = parts.concat();
            let extraction = HtmlExtractor::extract(html.as_bytes());
            let input_words: std::collections::HashSet<&str> =
                html.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
            for word in extraction.text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
                prop_assert!(input_words.contains(word), "{word:?} is not in {html:?}");
            }
            prop_assert!(!extraction.text.contains("secretcode"));
        }
    }

    const PAGE: &str = r##"<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Guide de l'évaluation | Ministère de la Santé</title>
<meta name="description" content="Un guide  pratique.">
<meta property="article:published_time" content="2022-06-01T08:00:00Z">
<meta property="article:modified_time" content="2023-01-15">
<link rel="canonical" href="https://sante.example.fr/guide">
<style>p { color: red }</style><script>var tracking = 1;</script></head>
<body><header><nav><a href="/">Accueil</a></nav></header>
<div class="cookie-banner">Nous utilisons des cookies</div>
<main><h1>Guide de l'évaluation</h1><p>Premier   paragraphe avec <b>gras</b> et <a href="#">lien</a>, assez long pour compter.</p>
<ul><li>un</li><li>deux</li></ul><table><tr><td>a</td><td>b</td></tr></table>
<p>Le texte &lt;script&gt; reste du texte, comme il se doit dans un guide.</p>
<ul class="links"><li><a href="/1">Autre guide</a></li><li><a href="/2">Encore un</a></li></ul></main>
<footer>© Ministère</footer></body></html>"##;

    #[test]
    fn extracts_main_text_and_metadata() {
        let e = HtmlExtractor::extract(PAGE.as_bytes());
        assert_eq!(e.title.as_deref(), Some("Guide de l'évaluation"));
        assert_eq!(e.lang_hint.as_deref(), Some("fr"));
        assert_eq!(e.description.as_deref(), Some("Un guide pratique."));
        assert_eq!(e.published.map(|d| d.to_string()).as_deref(), Some("2022-06-01"));
        assert_eq!(e.modified.map(|d| d.to_string()).as_deref(), Some("2023-01-15"));
        assert_eq!(e.url.as_deref(), Some("https://sante.example.fr/guide"));
        assert_eq!(e.headings, ["Guide de l'évaluation"]);
        assert_eq!(
            e.text,
            "Guide de l'évaluation\n\nPremier paragraphe avec gras et lien, assez long pour compter.\n\nun\ndeux\na | b\n\nLe texte <script> reste du texte, comme il se doit dans un guide."
        );
        for boilerplate in ["Accueil", "cookies", "tracking", "color", "©", "Autre guide"] {
            assert!(!e.text.contains(boilerplate), "{boilerplate} leaked into {:?}", e.text);
        }
    }

    #[test]
    fn http_hints_give_charset_and_language() {
        let koi8 = encoding_rs::KOI8_R.encode("<html><body><p>Здоровье и телемедицина</p></body></html>").0;
        let hints = HttpHints {
            content_type: Some("text/html; charset=koi8-r".into()),
            content_language: Some("ru, en".into()),
        };
        let e = HtmlExtractor::extract_with(&koi8, &hints, None);
        assert_eq!(e.text, "Здоровье и телемедицина");
        assert_eq!(e.lang_hint.as_deref(), Some("ru"));
    }

    #[test]
    fn headers_file_round_trips() {
        let hints = HttpHints { content_type: Some("text/html; charset=koi8-r".into()), content_language: None };
        assert_eq!(HttpHints::parse(&hints.to_header_lines()), hints);
        assert_eq!(
            HttpHints::parse("content-language: de\nX-Other: 1\nbroken"),
            HttpHints { content_type: None, content_language: Some("de".into()) }
        );
        assert_eq!(HttpHints::path_for(Path::new("a/b.html")), Path::new("a/b.html.headers"));
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
}
