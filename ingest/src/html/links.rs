//! The links of a page (`<a href>` and `<base href>`), as written, for crawlers to resolve.

use scraper::{Html, Selector};

/// The link targets of a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageLinks {
    /// `<base href>`, if the page has one.
    pub base: Option<String>,
    /// Every `<a href>`, trimmed, in page order.
    pub hrefs: Vec<String>,
}

/// Reads the links of an HTML page.
pub fn page_links(html: &str) -> PageLinks {
    let document = Html::parse_document(html);
    let attr = |selector: &str| -> Vec<String> {
        let Ok(selector) = Selector::parse(selector) else { return Vec::new() };
        document.select(&selector).filter_map(|e| e.value().attr("href")).map(|h| h.trim().to_owned()).collect()
    };
    PageLinks { base: attr("base[href]").into_iter().next(), hrefs: attr("a[href]") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_and_anchors_in_order() {
        let links = page_links(
            "<head><base href='https://b.example/'></head><a href=' x.pdf '>x</a><a>none</a><a href='/y'>y</a>",
        );
        assert_eq!(links.base.as_deref(), Some("https://b.example/"));
        assert_eq!(links.hrefs, ["x.pdf", "/y"]);
    }
}
