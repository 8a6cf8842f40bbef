//! HTML-safe snippets: document text escaped, only `<mark>` added around matched words.

use std::collections::BTreeMap;

use aho_corasick::AhoCorasick;

use tantivy::TantivyDocument;
use tantivy::query::{Bm25StatisticsProvider, Query};
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;

use crate::statistics::RequestStatistics;
use crate::store::{SearchIndex, first_text};

/// Makes the snippet of each hit for one query.
pub(crate) struct SnippetMaker {
    generator: Option<(SnippetGenerator, MatchFinder)>,
    max_chars: usize,
}

impl SnippetMaker {
    /// `query` gives the body terms to mark; `user_text` is what the user typed, whose words
    /// (before folding) help find where the matches are.
    pub(crate) fn new(
        index: &SearchIndex,
        stats: &RequestStatistics,
        query: Option<&dyn Query>,
        user_text: &str,
        max_chars: usize,
    ) -> Self {
        let generator = query.filter(|_| max_chars > 0).and_then(|q| {
            // As `SnippetGenerator::create` does, but keeping the terms for the match finder.
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
                let doc_freq = stats.doc_freq(&term).ok()?;
                if doc_freq > 0 {
                    terms_text.insert(text.to_owned(), 1.0 / (1.0 + doc_freq as f32));
                }
            }
            // No body term in the index: nothing to mark in any body (a title-only query).
            if terms_text.is_empty() {
                return None;
            }
            let tokenizer = stats.searcher().index().tokenizer_for_field(field).ok()?;
            let finder = MatchFinder::new(&terms_text, user_text);
            Some((SnippetGenerator::new(terms_text, tokenizer, field, max_chars), finder))
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
        if let Some((generator, finder)) = &self.generator {
            // Tokenizing a whole body for every hit was half of a search's CPU (and grows with
            // the document): tokenize only the region where the matches are when a cheap scan
            // finds it, and the whole body only when it cannot.
            let window = finder.window(body, self.max_chars);
            // Without a hint, only the tokenizer's folding can still find a match, in a word
            // with a non-ASCII letter (`évaluation` for `evaluation`): a text without one has
            // no match to mark (a title-only or stem-only hit), and tokenizing it is wasted.
            let tokenize = match &window {
                Hint::NotFound => has_non_ascii_letter(body),
                Hint::TokenizeWhole | Hint::Around(_) => true,
            };
            if tokenize {
                let snippet = generator.snippet(match &window {
                    Hint::Around(range) => &body[range.clone()],
                    _ => body,
                });
                if !snippet.highlighted().is_empty() {
                    return marked_html(snippet.fragment(), snippet.highlighted());
                }
            }
            if let Hint::Around(_) = window {
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

/// Finds where in a text the query's terms are, in one pass, without tokenizing it: an
/// Aho-Corasick automaton over the indexed terms (folded, lower-case) and the words the user
/// typed (as typed, lower-case and capitalised), matched ASCII-case-insensitively. A match is
/// a hint (it may sit inside a longer word); the snippet generator decides what is marked.
struct MatchFinder {
    automaton: Option<AhoCorasick>,
    /// For each pattern, the index of the indexed term it stands for.
    pattern_term: Vec<usize>,
    /// Each indexed term's weight (rarer terms weigh more).
    scores: Vec<f32>,
}

impl MatchFinder {
    fn new(terms: &BTreeMap<String, f32>, user_text: &str) -> MatchFinder {
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_term = Vec::new();
        for (index, term) in terms.keys().enumerate() {
            patterns.push(term.clone());
            pattern_term.push(index);
        }
        // A folded term (`evaluacion`) is not in the text as such (`evaluación`), nor is a
        // non-ASCII word at the start of a sentence in lower case: the user's own spelling is.
        for word in user_text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
            let Some(index) = crate::query::analyse(word).first().and_then(|t| terms.keys().position(|k| k == t))
            else {
                continue;
            };
            let lower = word.to_lowercase();
            let mut chars = lower.chars();
            let capitalised: Option<String> =
                chars.next().filter(|c| !c.is_ascii()).map(|first| first.to_uppercase().chain(chars).collect());
            for form in std::iter::once(lower).chain(capitalised) {
                if !patterns.contains(&form) {
                    patterns.push(form);
                    pattern_term.push(index);
                }
            }
        }
        let automaton = AhoCorasick::builder().ascii_case_insensitive(true).build(&patterns).ok();
        MatchFinder { automaton, pattern_term, scores: terms.values().copied().collect() }
    }

    /// Where in `text` the snippet should be looked for: around its best cluster of query
    /// terms (the `max_chars`-wide stretch holding the highest total weight of distinct terms,
    /// widened by `max_chars` on each side, so that the snippet generator still chooses the
    /// fragment and cuts it at tokens), or nowhere in particular.
    fn window(&self, text: &str, max_chars: usize) -> Hint {
        /// Occurrences looked at per term: enough to find a dense cluster in a long document.
        const MAX_OCCURRENCES: usize = 64;
        let Some(automaton) = self.automaton.as_ref() else { return Hint::TokenizeWhole };
        if text.len() <= 4 * max_chars {
            return Hint::TokenizeWhole;
        }
        let mut seen_per_term = vec![0usize; self.scores.len()];
        let mut hits: Vec<(usize, usize)> = Vec::new();
        for found in automaton.find_overlapping_iter(text) {
            let term = self.pattern_term[found.pattern().as_usize()];
            if seen_per_term[term] < MAX_OCCURRENCES {
                seen_per_term[term] += 1;
                hits.push((found.start(), term));
            }
        }
        if hits.is_empty() {
            return Hint::NotFound;
        }
        let mut best = (f32::MIN, 0);
        let mut seen = Vec::new();
        for (i, &(start, _)) in hits.iter().enumerate() {
            seen.clear();
            let mut score = 0.0;
            for &(_, term) in hits[i..].iter().take_while(|(at, _)| *at < start + max_chars) {
                if !seen.contains(&term) {
                    seen.push(term);
                    score += self.scores[term];
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
        Hint::Around(start..end)
    }
}

/// What a [`MatchFinder`] scan says about a text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Hint {
    /// The text is short enough to tokenize whole (or the terms could not be scanned for).
    TokenizeWhole,
    /// No term is in the text as such.
    NotFound,
    /// The byte range around the best cluster of terms.
    Around(std::ops::Range<usize>),
}

/// Whether `text` has a letter or digit outside ASCII (one the tokenizer may fold).
fn has_non_ascii_letter(text: &str) -> bool {
    !text.is_ascii() && text.chars().any(|c| !c.is_ascii() && c.is_alphanumeric())
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

    fn around(hint: Hint) -> std::ops::Range<usize> {
        match hint {
            Hint::Around(range) => range,
            other => panic!("no window: {other:?}"),
        }
    }

    #[test]
    fn the_match_window_surrounds_the_densest_cluster_of_terms() {
        let terms: BTreeMap<String, f32> =
            [("heart".to_owned(), 1.0), ("failure".to_owned(), 2.0)].into_iter().collect();
        let finder = MatchFinder::new(&terms, "heart failure");
        let filler = "Lorem ipsum dolor sit amet. ".repeat(40);
        let text = format!("{filler}Heart rate alone. {filler}Heart FAILURE clinics. {filler}");
        let window = around(finder.window(&text, 100));
        let cluster = text.find("Heart FAILURE").unwrap();
        assert!(window.start <= cluster && cluster + 13 <= window.end, "{window:?} misses {cluster}");
        assert!(window.len() <= 300);
        assert_eq!(finder.window("short text with heart", 100), Hint::TokenizeWhole, "short texts are tokenized whole");
        assert_eq!(finder.window(&filler.repeat(2), 100), Hint::NotFound);
        let multibyte = format!("{}heart ééé{}", "é".repeat(300), "é".repeat(300));
        let window = around(finder.window(&multibyte, 100));
        assert!(multibyte.is_char_boundary(window.start) && multibyte.is_char_boundary(window.end));
    }

    #[test]
    fn folded_and_non_latin_terms_are_found_through_the_words_the_user_typed() {
        let filler = "Lorem ipsum dolor sit amet. ".repeat(40);
        let accented = format!("{filler}La evaluación de apps. {filler}");
        let folded: BTreeMap<String, f32> = [("evaluacion".to_owned(), 1.0)].into_iter().collect();
        assert_eq!(MatchFinder::new(&folded, "evaluacion").window(&accented, 100), Hint::NotFound);
        assert!(has_non_ascii_letter(&accented), "so the tokenizer, which folds, still looks");
        let window = around(MatchFinder::new(&folded, "Evaluación").window(&accented, 100));
        assert!(window.contains(&accented.find("evaluación").unwrap()));
        let greek_text = format!("{filler}Η Υγεία για όλους. {filler}");
        let greek: BTreeMap<String, f32> = crate::query::analyse("υγεία").into_iter().map(|t| (t, 1.0)).collect();
        let window = around(MatchFinder::new(&greek, "υγεία").window(&greek_text, 100));
        assert!(window.contains(&greek_text.find("Υγεία").unwrap()), "capitalised at the start of a sentence");
        let words: BTreeMap<String, f32> = [("other".to_owned(), 1.0)].into_iter().collect();
        assert_eq!(MatchFinder::new(&words, "υγεία").window(&greek_text, 100), Hint::NotFound);
        assert!(!has_non_ascii_letter("“Quoted” – dashes and 10 € are not letters"));
    }

    #[test]
    fn snippets_mark_folded_matches_and_fall_back_to_the_leading_text() {
        let filler = "Lorem ipsum dolor sit amet. ".repeat(20);
        let index = SearchIndex::with_english_texts(&[
            ("accented", "Un informe", &format!("{filler}La evaluación de apps móviles. {filler}")),
            ("ascii", "Evaluacion in the title only", &format!("Plain text first. {filler}")),
        ]);
        let stats = RequestStatistics::new(index.searcher());
        let query = crate::query::text_query(&index, &stats, "evaluacion", false, None, false).unwrap();
        let maker = SnippetMaker::new(&index, &stats, Some(query.highlight.as_ref()), "evaluacion", 120);
        let searcher = index.searcher();
        let snippet_of = |id: &str| {
            let found = searcher
                .search(
                    &tantivy::query::TermQuery::new(
                        tantivy::Term::from_field_text(index.fields().id, id),
                        tantivy::schema::IndexRecordOption::Basic,
                    ),
                    &tantivy::collector::TopDocs::with_limit(1).order_by_score(),
                )
                .unwrap();
            let doc: TantivyDocument = searcher.doc(found[0].1).unwrap();
            maker.snippet(&index, &doc)
        };
        assert!(snippet_of("accented").contains("<mark>evaluación</mark>"), "{}", snippet_of("accented"));
        let ascii = snippet_of("ascii");
        assert!(ascii.starts_with("Plain text first.") && !ascii.contains("<mark>"), "{ascii}");
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
