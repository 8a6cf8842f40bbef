//! Finding the main content of a page: a semantic container (`<article>`, `<main>`,
//! `itemprop=articleBody`) when one holds most of the prose, else readability-style scoring:
//! every paragraph scores by its length and commas, the score flows to its ancestors, link-heavy
//! containers are discounted, and the best container is joined by the siblings that look like
//! content too.

use std::collections::HashMap;

use ego_tree::NodeId;
use scraper::{ElementRef, Node, Selector};

use crate::html::dom::{Rules, TextStats, is_block, is_boilerplate, text_stats};

/// Shortest paragraph, in characters, that counts as prose.
const MIN_PARAGRAPH_CHARS: usize = 25;

/// Share of the page's prose a semantic container must hold to be taken as the main content.
const SEMANTIC_SHARE: f64 = 0.6;

/// Elements whose own text makes a paragraph.
const PARAGRAPH_ELEMENTS: &[&str] = &["p", "pre", "td", "blockquote", "dd", "li", "h2", "h3", "h4"];

/// Elements whose presence inside a `<div>` means that the `<div>` is a container, not a
/// paragraph.
const CONTAINER_CHILDREN: &[&str] = &["p", "div", "table", "ul", "ol", "dl", "pre", "blockquote", "section", "article"];

/// Class or id fragments that raise or lower a container's score (readability's weights).
const POSITIVE: &[&str] = &["article", "body", "content", "entry", "main", "page", "post", "text", "blog", "story"];
const NEGATIVE: &[&str] = &[
    "hidden",
    "banner",
    "combx",
    "comment",
    "contact",
    "foot",
    "footer",
    "footnote",
    "masthead",
    "media",
    "meta",
    "outbrain",
    "promo",
    "related",
    "scroll",
    "share",
    "shoutbox",
    "sidebar",
    "skyscraper",
    "sponsor",
    "shopping",
    "tags",
    "tool",
    "widget",
];

/// The elements that hold the main content of the page under `body`, in document order.
pub fn main_content(body: ElementRef<'_>, rules: Rules) -> Vec<ElementRef<'_>> {
    let mut paragraphs = Vec::new();
    collect_paragraphs(body, rules, &mut paragraphs);
    let prose: usize = paragraphs.iter().map(|(_, s)| s.chars - s.link_chars).sum();
    if prose == 0 {
        return vec![body];
    }
    if let Some(semantic) = semantic_container(body, rules, &paragraphs, prose) {
        return vec![semantic];
    }
    scored_content(body, rules, &paragraphs)
}

/// Paragraph-like elements (and containers with only inline content) with enough text.
fn collect_paragraphs<'a>(element: ElementRef<'a>, rules: Rules, out: &mut Vec<(ElementRef<'a>, TextStats)>) {
    for child in element.children() {
        let Node::Element(el) = child.value() else { continue };
        if is_boilerplate(el, rules) {
            continue;
        }
        let Some(child) = ElementRef::wrap(child) else { continue };
        let name = el.name();
        let paragraph = match name {
            "li" | "td" => is_leaf_block(child),
            _ if PARAGRAPH_ELEMENTS.contains(&name) => true,
            "div" | "section" | "span" | "font" | "center" => {
                !child.descendent_elements().skip(1).any(|d| CONTAINER_CHILDREN.contains(&d.value().name()))
            }
            _ => false,
        };
        if paragraph {
            let stats = text_stats(child, rules);
            if stats.chars >= MIN_PARAGRAPH_CHARS {
                out.push((child, stats));
            }
            continue;
        }
        collect_paragraphs(child, rules, out);
    }
}

/// A list item or cell without nested blocks is a paragraph; one with blocks inside is a
/// container whose blocks are the paragraphs.
fn is_leaf_block(element: ElementRef<'_>) -> bool {
    matches!(element.value().name(), "li" | "td")
        && !element.descendent_elements().skip(1).any(|d| is_block(d.value().name()))
}

/// The innermost of `article`, `main`, `[role=main]`, `[itemprop=articleBody]` that holds most
/// of the page's prose.
fn semantic_container<'a>(
    body: ElementRef<'a>,
    rules: Rules,
    paragraphs: &[(ElementRef<'a>, TextStats)],
    prose: usize,
) -> Option<ElementRef<'a>> {
    let selector = Selector::parse(r#"article, main, [role="main"], [itemprop="articleBody"]"#).ok()?;
    let mut best: Option<(ElementRef<'a>, usize)> = None;
    for candidate in body.select(&selector) {
        if candidate.ancestors().filter_map(ElementRef::wrap).any(|a| is_boilerplate(a.value(), rules)) {
            continue;
        }
        let inside: usize = paragraphs
            .iter()
            .filter(|(p, _)| p.ancestors().any(|a| a.id() == candidate.id()))
            .map(|(_, s)| s.chars - s.link_chars)
            .sum();
        if (inside as f64) < SEMANTIC_SHARE * prose as f64 {
            continue;
        }
        // Innermost wins among containers holding about the same prose (`<main><article>`).
        let better = match best {
            None => true,
            Some((current, current_prose)) => {
                let nested = candidate.ancestors().any(|a| a.id() == current.id());
                (nested && inside as f64 >= 0.9 * current_prose as f64) || (!nested && inside > current_prose)
            }
        };
        if better {
            best = Some((candidate, inside));
        }
    }
    best.map(|(element, _)| element)
}

/// Readability's scoring: the best-scored container and the siblings that look like content.
fn scored_content<'a>(
    body: ElementRef<'a>,
    rules: Rules,
    paragraphs: &[(ElementRef<'a>, TextStats)],
) -> Vec<ElementRef<'a>> {
    let mut scores: HashMap<NodeId, f64> = HashMap::new();
    let mut elements: HashMap<NodeId, ElementRef<'a>> = HashMap::new();
    for (paragraph, stats) in paragraphs {
        let score = 1.0 + stats.commas as f64 + (stats.chars as f64 / 100.0).min(3.0);
        for (level, ancestor) in paragraph.ancestors().filter_map(ElementRef::wrap).take(5).enumerate() {
            let divider = match level {
                0 => 1.0,
                1 => 2.0,
                _ => level as f64 * 3.0,
            };
            let entry = scores.entry(ancestor.id()).or_insert_with(|| initial_score(ancestor));
            *entry += score / divider;
            elements.insert(ancestor.id(), ancestor);
            if ancestor.id() == body.id() {
                break;
            }
        }
    }
    let adjusted: HashMap<NodeId, f64> = scores
        .iter()
        .map(|(id, score)| (*id, score * (1.0 - text_stats(elements[id], rules).link_density())))
        .collect();
    let Some((&top_id, &top_score)) = adjusted.iter().max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0))) else {
        return vec![body];
    };
    let mut top = elements[&top_id];
    // An only child is no better than its parent: climbing lets the siblings of the parent
    // (the other rows of a layout table, say) join.
    while let Some(parent) = top.parent().and_then(ElementRef::wrap) {
        if top.id() == body.id()
            || parent.id() == body.id()
            || parent.children().filter_map(ElementRef::wrap).count() != 1
        {
            break;
        }
        top = parent;
    }
    let Some(parent) = top.parent().and_then(ElementRef::wrap) else { return vec![top] };
    if top.id() == body.id() {
        return vec![top];
    }
    let threshold = (top_score * 0.2).max(10.0);
    let top_class = top.value().attr("class").filter(|c| !c.trim().is_empty());
    let mut chosen = Vec::new();
    for sibling in parent.children().filter_map(ElementRef::wrap) {
        if sibling.id() == top.id() {
            chosen.push(sibling);
            continue;
        }
        if is_boilerplate(sibling.value(), rules) {
            continue;
        }
        let bonus =
            if top_class.is_some() && sibling.value().attr("class") == top_class { top_score * 0.2 } else { 0.0 };
        let score = adjusted.get(&sibling.id()).copied().unwrap_or(0.0);
        if score + bonus >= threshold {
            chosen.push(sibling);
        } else if matches!(sibling.value().name(), "p" | "h2" | "h3" | "ul" | "ol" | "table" | "blockquote" | "pre") {
            let stats = text_stats(sibling, rules);
            let density = stats.link_density();
            let text = sibling.text().collect::<String>();
            let sentence = text.trim_end().ends_with(['.', '!', '?', '。', ':']) || text.contains(". ");
            if (stats.chars > 80 && density < 0.25) || (stats.chars > 0 && density == 0.0 && sentence) {
                chosen.push(sibling);
            }
        }
    }
    chosen
}

fn initial_score(element: ElementRef<'_>) -> f64 {
    let tag = match element.value().name() {
        "div" | "article" | "main" | "section" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    };
    tag + class_weight(element)
}

fn class_weight(element: ElementRef<'_>) -> f64 {
    let mut weight = 0.0;
    for value in [element.value().attr("class"), element.value().attr("id")].into_iter().flatten() {
        let value = value.to_ascii_lowercase();
        if NEGATIVE.iter().any(|m| value.contains(m)) {
            weight -= 25.0;
        }
        if POSITIVE.iter().any(|m| value.contains(m)) {
            weight += 25.0;
        }
    }
    weight
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn main_ids(html: &str) -> Vec<String> {
        let document = Html::parse_document(html);
        let body = document.select(&Selector::parse("body").unwrap()).next().unwrap();
        main_content(body, Rules::STRICT)
            .iter()
            .map(|e| e.value().attr("id").unwrap_or(e.value().name()).to_owned())
            .collect()
    }

    const PROSE: &str =
        "Remote monitoring of patients with chronic heart failure, as the evaluation shows, reduced admissions.";

    #[test]
    fn scoring_finds_the_prose_among_link_lists() {
        let links: String =
            (0..30).map(|i| format!("<li><a href='/{i}'>Section number {i} of the site</a></li>")).collect();
        let html = format!(
            "<body><div id='menu-like'><ul>{links}</ul></div><div id='wrap'><div id='story'><p>{PROSE}</p><p>{PROSE}</p><p>{PROSE}</p></div></div><div id='more'><ul>{links}</ul></div></body>"
        );
        // The story is the only child of its wrapper, which stands for it.
        assert_eq!(main_ids(&html), ["wrap"]);
    }

    #[test]
    fn siblings_that_look_like_content_join_the_top_candidate() {
        let html = format!(
            "<body><div id='col'><div id='a'><p>{PROSE}</p><p>{PROSE}</p><p>{PROSE}</p></div><p id='lone'>{PROSE}</p><div id='ads'><a href='/x'>Buy now and save a lot of money today</a></div></div></body>"
        );
        assert_eq!(main_ids(&html), ["a", "lone"]);
    }

    #[test]
    fn rows_of_a_layout_table_join_through_their_only_child_cells() {
        let six = format!("<p>{PROSE}</p>").repeat(6);
        let html = format!(
            "<body><table id='layout'><tr id='r1'><td>{six}</td></tr><tr id='r2'><td><h2>More</h2>{six}</td></tr></table></body>"
        );
        let ids = main_ids(&html);
        assert!(ids.contains(&"r1".to_owned()) && ids.contains(&"r2".to_owned()), "{ids:?}");
    }

    #[test]
    fn a_semantic_container_with_most_prose_wins_innermost() {
        let html = format!(
            "<body><main id='m'><article id='art'><p>{PROSE}</p><p>{PROSE}</p></article><div><p>{PROSE}</p></div></main><div><p>short</p></div></body>"
        );
        assert_eq!(main_ids(&html), ["m"]);
        let html = format!("<body><main id='m'><article id='art'><p>{PROSE}</p><p>{PROSE}</p></article></main></body>");
        assert_eq!(main_ids(&html), ["art"]);
        // An <article> holding a small part of the prose (a teaser) is not the content.
        let html = format!(
            "<body><article id='teaser'><p>{PROSE}</p></article><div id='real'><p>{PROSE}</p><p>{PROSE}</p><p>{PROSE}</p><p>{PROSE}</p></div></body>"
        );
        assert_eq!(main_ids(&html), ["real"]);
    }
}
