//! HTML-safe snippets: document text escaped, only `<mark>` added around matched words.

use std::collections::BTreeMap;

use tantivy::TantivyDocument;
use tantivy::query::Query;
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;

use crate::store::{SearchIndex, first_text};

/// Makes the snippet of each hit for one query.
pub(crate) struct SnippetMaker {
    generator: Option<(SnippetGenerator, BTreeMap<String, f32>)>,
    max_chars: usize,
}

impl SnippetMaker {
    pub(crate) fn new(
        index: &SearchIndex,
        searcher: &tantivy::Searcher,
        query: Option<&dyn Query>,
        max_chars: usize,
    ) -> Self {
        let generator = query.filter(|_| max_chars > 0).and_then(|q| {
            // As `SnippetGenerator::create` does, but keeping the terms for `match_window`.
            let field = index.fields().body;
            let mut terms = std::collections::BTreeSet::new();
            q.query_terms(&mut |term, _| {
                if term.field() == field {
                    terms.insert(term.clone());
                }
            });
            let mut terms_text = BTreeMap::new();
            for term in terms {
                let value = term.value();
                let Some(text) = value.as_str() else { continue };
                let doc_freq = searcher.doc_freq(&term).ok()?;
                if doc_freq > 0 {
                    terms_text.insert(text.to_owned(), 1.0 / (1.0 + doc_freq as f32));
                }
            }
            let tokenizer = searcher.index().tokenizer_for_field(field).ok()?;
            Some((SnippetGenerator::new(terms_text.clone(), tokenizer, field, max_chars), terms_text))
        });
        SnippetMaker { generator, max_chars }
    }

    /// The snippet of `doc`: the best fragment of the body with matches marked, or, when the
    /// body has no match (title-only hit, placeholder search), the start of the description or
    /// body, escaped.
    pub(crate) fn snippet(&self, index: &SearchIndex, doc: &TantivyDocument) -> String {
        if self.max_chars == 0 {
            return String::new();
        }
        let fields = index.fields();
        let body = doc.get_first(fields.body).and_then(|v| v.as_str()).unwrap_or_default();
        if let Some((generator, terms)) = &self.generator {
            // Tokenizing a whole body for every hit was half of a search's CPU (and grows with
            // the document): tokenize only the region where the matches are when a cheap scan
            // finds it, and the whole body only when it cannot.
            let window = match_window(body, terms, self.max_chars);
            let snippet = generator.snippet(window.clone().map_or(body, |w| &body[w]));
            if !snippet.highlighted().is_empty() {
                return marked_html(snippet.fragment(), snippet.highlighted());
            }
            if window.is_some() {
                let snippet = generator.snippet(body);
                if !snippet.highlighted().is_empty() {
                    return marked_html(snippet.fragment(), snippet.highlighted());
                }
            }
        }
        let source = first_text(doc, fields.description).unwrap_or_else(|| body.to_owned());
        escape_html(&leading_text(&source, self.max_chars))
    }
}

/// The byte range of `text` around its best cluster of query terms, found by an ASCII
/// case-insensitive scan: the `max_chars`-wide stretch holding the highest total score of
/// distinct terms, widened by `max_chars` on each side (so the snippet generator still chooses
/// the fragment and cuts it at tokens). `None` when the text is short, a term is not ASCII, or
/// no term is found verbatim (a folded match such as `sante` for `santé`): then the whole text
/// must be tokenized.
fn match_window(text: &str, terms: &BTreeMap<String, f32>, max_chars: usize) -> Option<std::ops::Range<usize>> {
    /// Occurrences looked at per term: enough to find a dense cluster in a long document.
    const MAX_OCCURRENCES: usize = 64;
    if text.len() <= 4 * max_chars || terms.is_empty() || !terms.keys().all(|t| t.is_ascii()) {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let mut hits: Vec<(usize, usize)> = Vec::new();
    for (term_index, term) in terms.keys().enumerate() {
        let found = lower.match_indices(term.as_str()).take(MAX_OCCURRENCES).map(|(at, _)| (at, term_index));
        hits.extend(found);
    }
    if hits.is_empty() {
        return None;
    }
    hits.sort_unstable();
    let scores: Vec<f32> = terms.values().copied().collect();
    let mut best = (f32::MIN, 0);
    for (i, &(start, _)) in hits.iter().enumerate() {
        let mut seen = Vec::new();
        let mut score = 0.0;
        for &(at, term) in hits[i..].iter().take_while(|(at, _)| *at < start + max_chars) {
            let _ = at;
            if !seen.contains(&term) {
                seen.push(term);
                score += scores[term];
            }
        }
        if score > best.0 {
            best = (score, start);
        }
    }
    let mut start = best.1.saturating_sub(max_chars);
    let mut end = (best.1 + 2 * max_chars).min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    Some(start..end)
}

/// The first `max_chars` characters of `text`, cut at a word boundary, with "…" when cut.
fn leading_text(text: &str, max_chars: usize) -> String {
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max_chars {
        return collapsed;
    }
    let cut: String = collapsed.chars().take(max_chars).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > max_chars / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    format!("{cut}…")
}

/// Escapes `fragment` and wraps the highlighted byte ranges in `<mark>`.
fn marked_html(fragment: &str, highlighted: &[std::ops::Range<usize>]) -> String {
    let mut ranges: Vec<std::ops::Range<usize>> = highlighted.to_vec();
    ranges.sort_by_key(|r| r.start);
    // Line breaks inside a fragment mean nothing on a results page; same byte length, so the
    // highlight ranges stay valid.
    let fragment = &fragment.replace(['\n', '\r', '\t'], " ");
    let mut html = String::with_capacity(fragment.len() + 16 * ranges.len());
    let mut done = 0;
    for range in ranges {
        let start = range.start.max(done);
        let end = range.end.min(fragment.len());
        if start >= end || !fragment.is_char_boundary(start) || !fragment.is_char_boundary(end) {
            continue;
        }
        html.push_str(&escape_html(&fragment[done..start]));
        html.push_str("<mark>");
        html.push_str(&escape_html(&fragment[start..end]));
        html.push_str("</mark>");
        done = end;
    }
    html.push_str(&escape_html(&fragment[done..]));
    html
}

/// Escapes the five HTML-significant characters.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_match_window_surrounds_the_densest_cluster_of_terms() {
        let terms: BTreeMap<String, f32> =
            [("heart".to_owned(), 1.0), ("failure".to_owned(), 2.0)].into_iter().collect();
        let filler = "Lorem ipsum dolor sit amet. ".repeat(40);
        let text = format!("{filler}Heart rate alone. {filler}Heart FAILURE clinics. {filler}");
        let window = match_window(&text, &terms, 100).unwrap();
        let cluster = text.find("Heart FAILURE").unwrap();
        assert!(window.start <= cluster && cluster + 13 <= window.end, "{window:?} misses {cluster}");
        assert!(window.len() <= 300);
        assert_eq!(match_window("short text with heart", &terms, 100), None, "short texts are tokenized whole");
        let accented = format!("{filler}résumé{filler}");
        let resume: BTreeMap<String, f32> = [("resume".to_owned(), 1.0)].into_iter().collect();
        assert_eq!(match_window(&accented, &resume, 100), None, "folded matches need the tokenizer");
        let greek: BTreeMap<String, f32> = [("υγεία".to_owned(), 1.0)].into_iter().collect();
        assert_eq!(match_window(&format!("{filler}υγεία"), &greek, 100), None);
        let multibyte = format!("{}heart ééé{}", "é".repeat(300), "é".repeat(300));
        let window = match_window(&multibyte, &terms, 100).unwrap();
        assert!(multibyte.is_char_boundary(window.start) && multibyte.is_char_boundary(window.end));
    }

    #[test]
    fn leading_text_cuts_at_words_and_escape_covers_markup() {
        assert_eq!(leading_text("one two   three four", 9), "one two…");
        assert_eq!(leading_text("short", 10), "short");
        assert_eq!(marked_html("a <b> c", &[2..5, 3..4, 6..7]), "a <mark>&lt;b&gt;</mark> <mark>c</mark>");
        assert_eq!(
            escape_html("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }
}
