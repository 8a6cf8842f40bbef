//! What elements are: never text (scripts, navigation, forms, hidden), boilerplate by their
//! class or id (cookie banners, share bars, sidebars), blocks that break lines, and the text
//! statistics of a subtree that content scoring and block filtering use.

use scraper::node::Element;
use scraper::{ElementRef, Node};

/// Elements whose content is never page text.
const SKIPPED_ELEMENTS: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "nav", "header", "footer",
    "form", "button", "select", "textarea", "input", "aside", "dialog", "head", "menu", "title", "math", "video",
    "audio", "map",
];

/// Class or id fragments that mark boilerplate blocks, after readability's "unlikely candidates"
/// plus consent and sharing widgets.
const BOILERPLATE_MARKERS: &[&str] = &[
    "cookie",
    "consent",
    "gdpr",
    "share",
    "sharing",
    "social",
    "breadcrumb",
    "navbar",
    "navigation",
    "menu",
    "skip",
    "newsletter",
    "subscribe",
    "banner",
    "sidebar",
    "related",
    "comment",
    "disqus",
    "footer",
    "header",
    "masthead",
    "pagination",
    "pager",
    "popup",
    "modal",
    "sponsor",
    "promo",
    "advert",
    "toolbar",
    "widget",
    "rss",
    "print",
    "tags",
];

/// Class or id fragments that keep a block even if it also has a boilerplate marker
/// (`article-header-menu` no, but `main-content sidebar-aware` yes).
const CONTENT_MARKERS: &[&str] = &["article", "body", "content", "main", "story", "entry", "post-text", "mathjax"];

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
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "address",
    "details",
    "summary",
    "hr",
    "caption",
    "center",
    "body",
    "html",
];

/// How eagerly blocks are judged boilerplate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Whether class and id names (`cookie`, `sidebar`…) mark boilerplate. Off for the second
    /// attempt on pages whose whole content sits in a container with an unlucky name
    /// (`<div class="row site_header"><article>…`).
    pub class_markers: bool,
}

impl Rules {
    /// Tags, roles, hidden elements and class/id names.
    pub const STRICT: Rules = Rules { class_markers: true };
    /// Tags, roles and hidden elements only.
    pub const LENIENT: Rules = Rules { class_markers: false };
}

/// Whether an element and everything inside it are not page text.
pub fn is_boilerplate(element: &Element, rules: Rules) -> bool {
    let name = element.name();
    if SKIPPED_ELEMENTS.contains(&name) || element.attr("hidden").is_some() {
        return true;
    }
    if element.attr("aria-hidden") == Some("true")
        || matches!(element.attr("role"), Some("navigation" | "banner" | "contentinfo" | "complementary" | "dialog"))
    {
        return true;
    }
    if element.attr("style").is_some_and(|s| {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    }) {
        return true;
    }
    if !rules.class_markers || matches!(name, "html" | "body" | "main" | "article" | "a" | "td" | "th" | "tr" | "table")
    {
        return false;
    }
    let tokens =
        || element.attr("class").into_iter().chain(element.attr("id")).flat_map(|v| v.split_ascii_whitespace());
    let has = |markers: &[&str]| {
        tokens().any(|token| {
            let token = token.to_ascii_lowercase();
            markers.iter().any(|m| token.contains(m))
        })
    };
    has(BOILERPLATE_MARKERS) && !has(CONTENT_MARKERS)
}

/// Whether an element breaks the flow of text into a new block.
pub fn is_block(name: &str) -> bool {
    BLOCK_ELEMENTS.contains(&name)
}

/// Whether an element is a heading.
pub fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// Text statistics of a subtree, boilerplate left out.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextStats {
    /// Characters of text, white space runs counted as one.
    pub chars: usize,
    /// Of which inside links.
    pub link_chars: usize,
    /// Commas (of several scripts), a sign of prose.
    pub commas: usize,
}

impl TextStats {
    /// Share of the text that is link text.
    pub fn link_density(&self) -> f64 {
        if self.chars == 0 { 0.0 } else { self.link_chars as f64 / self.chars as f64 }
    }
}

/// The text statistics of `element`'s content.
pub fn text_stats(element: ElementRef<'_>, rules: Rules) -> TextStats {
    let mut stats = TextStats::default();
    add_stats(element, false, rules, &mut stats);
    stats
}

fn add_stats(element: ElementRef<'_>, in_link: bool, rules: Rules, stats: &mut TextStats) {
    for child in element.children() {
        match child.value() {
            Node::Text(text) => {
                let (chars, commas) = count_text(text);
                stats.chars += chars;
                stats.commas += commas;
                if in_link {
                    stats.link_chars += chars;
                }
            }
            Node::Element(el) if !is_boilerplate(el, rules) => {
                if let Some(child) = ElementRef::wrap(child) {
                    add_stats(child, in_link || el.name() == "a", rules, stats);
                }
            }
            _ => {}
        }
    }
}

/// Characters (white-space runs as one) and commas of a text node.
pub fn count_text(text: &str) -> (usize, usize) {
    let mut chars = 0;
    let mut commas = 0;
    let mut in_space = true;
    for c in text.chars() {
        if c.is_whitespace() {
            if !in_space {
                chars += 1;
            }
            in_space = true;
        } else {
            chars += 1;
            in_space = false;
            if matches!(c, ',' | '，' | '、' | '،') {
                commas += 1;
            }
        }
    }
    (chars, commas)
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    fn first<'a>(html: &'a Html, selector: &str) -> ElementRef<'a> {
        html.select(&Selector::parse(selector).unwrap()).next().unwrap()
    }

    #[test]
    fn boilerplate_by_tag_class_and_style_but_content_markers_win() {
        let html = Html::parse_fragment(
            r#"<div id="a" class="cookie-consent">x</div><div id="b" class="main-content has-sidebar">y</div>
<div id="c" style="display: none">z</div><div id="d" class="intro">w</div><nav id="e">n</nav>"#,
        );
        let verdict = |id: &str| is_boilerplate(first(&html, &format!("#{id}")).value(), Rules::STRICT);
        assert!(verdict("a"));
        assert!(!verdict("b"));
        assert!(verdict("c"));
        assert!(!verdict("d"));
        assert!(verdict("e"));
        let lenient = |id: &str| is_boilerplate(first(&html, &format!("#{id}")).value(), Rules::LENIENT);
        assert!(!lenient("a"));
        assert!(lenient("c"));
        assert!(lenient("e"));
    }

    #[test]
    fn stats_count_links_and_commas_without_boilerplate() {
        let html = Html::parse_fragment(
            r#"<div id="x">Un, deux,   trois <a href="/">lien</a><script>var a, b;</script><span class="share">share</span></div>"#,
        );
        let stats = text_stats(first(&html, "#x"), Rules::STRICT);
        assert_eq!(stats.chars, "Un, deux, trois lien".len());
        assert_eq!(stats.link_chars, 4);
        assert_eq!(stats.commas, 2);
    }
}
