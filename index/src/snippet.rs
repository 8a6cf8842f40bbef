//! HTML-safe snippets: document text escaped, only `<mark>` added around matched words.

use tantivy::TantivyDocument;
use tantivy::query::Query;
use tantivy::snippet::SnippetGenerator;

use crate::store::{SearchIndex, first_text};

/// Makes the snippet of each hit for one query.
pub(crate) struct SnippetMaker {
    generator: Option<SnippetGenerator>,
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
            let mut generator = SnippetGenerator::create(searcher, q, index.fields().body).ok()?;
            generator.set_max_num_chars(max_chars);
            Some(generator)
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
        if let Some(generator) = &self.generator {
            let snippet = generator.snippet_from_doc(doc);
            if !snippet.highlighted().is_empty() {
                return marked_html(snippet.fragment(), snippet.highlighted());
            }
        }
        let fields = index.fields();
        let source = first_text(doc, fields.description).or_else(|| first_text(doc, fields.body)).unwrap_or_default();
        escape_html(&leading_text(&source, self.max_chars))
    }
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
