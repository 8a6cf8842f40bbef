//! HTML-safe snippets: document text escaped, only `<mark>` added around matched words.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::Range;

use tantivy::query::{Bm25StatisticsProvider, Query};
use tantivy::tokenizer::TextAnalyzer;

use crate::statistics::RequestStatistics;
use crate::store::SearchIndex;

/// Makes the snippet of each hit for one query.
pub(crate) struct SnippetMaker {
    generator: Option<(FragmentFinder, MatchFinder)>,
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
            let schema = stats.searcher().index().schema();
            let neutral = match schema.get_field_entry(field).field_type() {
                tantivy::schema::FieldType::Str(options) => {
                    options.get_indexing_options().is_some_and(|i| i.tokenizer() == crate::analyzer::NEUTRAL)
                }
                _ => false,
            };
            let finder = MatchFinder::new(&terms_text, user_text);
            Some((FragmentFinder::new(terms_text, tokenizer, neutral, max_chars), finder))
        });
        SnippetMaker { generator, max_chars }
    }

    /// The snippet of a hit whose stored text is `body`: the best fragment of it with matches
    /// marked, or, when it has no match (title-only hit, placeholder search), the start of the
    /// `description` or body, escaped.
    pub(crate) fn snippet(&self, body: &str, description: Option<&str>) -> String {
        if self.max_chars == 0 {
            return String::new();
        }
        if let Some((fragments, finder)) = &self.generator {
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
                let text = match &window {
                    Hint::Around(range) => &body[range.clone()],
                    _ => body,
                };
                if let Some(html) = fragments.best_html(text) {
                    return html;
                }
            }
            if let Hint::Around(_) = window
                && let Some(html) = fragments.best_html(body)
            {
                return html;
            }
        }
        escape_html(&leading_text(description.unwrap_or(body), self.max_chars))
    }
}

/// The best fragment of a text, as tantivy's `SnippetGenerator` chooses it (the same
/// fragments, scores and ties), without its per-token and per-fragment allocations: tokens
/// already in lower case are looked up as they are, only the best fragment so far keeps its
/// highlights, and the tokenizer is built once per query rather than once per hit.
struct FragmentFinder {
    /// Each body term's weight (rarer terms weigh more).
    terms: BTreeMap<String, f32>,
    tokenizer: RefCell<TextAnalyzer>,
    /// Whether `tokenizer` is the neutral analyzer, whose tokens of a text without non-ASCII
    /// letters [`ascii_tokens`] yields much faster.
    ascii_words: bool,
    max_chars: usize,
}

/// A fragment being built or kept: its byte range in the text, score and highlighted ranges.
#[derive(Debug, Default)]
struct Fragment {
    score: f32,
    start: usize,
    stop: usize,
    highlighted: Vec<Range<usize>>,
}

impl Fragment {
    fn restart(&mut self, start: usize) {
        self.score = 0.0;
        self.start = start;
        self.stop = start;
        self.highlighted.clear();
    }

    /// Whether `self` beats `best` as `select_best_fragment_combination` ranks fragments: a
    /// higher score, or an equal one earlier in the text (and, as `Iterator::max_by`, a later
    /// fragment ranked equal wins).
    fn beats(&self, best: &Fragment) -> bool {
        let by_score = self.score.partial_cmp(&best.score).unwrap_or(std::cmp::Ordering::Equal);
        let order = if by_score == std::cmp::Ordering::Equal {
            (best.start, best.stop).cmp(&(self.start, self.stop))
        } else {
            by_score
        };
        order != std::cmp::Ordering::Less
    }
}

impl FragmentFinder {
    fn new(terms: BTreeMap<String, f32>, tokenizer: TextAnalyzer, ascii_words: bool, max_chars: usize) -> Self {
        FragmentFinder { terms, tokenizer: RefCell::new(tokenizer), ascii_words, max_chars }
    }

    /// The best-scoring fragment of `text` (tantivy's `search_fragments` then
    /// `select_best_fragment_combination`), with its highlighted ranges relative to its start;
    /// `None` when no fragment has a match.
    fn best(&self, text: &str) -> Option<Fragment> {
        let mut cuts = Cuts { terms: &self.terms, max_chars: self.max_chars, current: Fragment::default(), best: None };
        if self.ascii_words && !has_non_ascii_letter(text) {
            ascii_tokens(text, |from, to, key| cuts.token(from, to, key));
        } else {
            let mut tokenizer = self.tokenizer.borrow_mut();
            let mut stream = tokenizer.token_stream(text);
            while let Some(token) = stream.next() {
                // tantivy lower-cases every token before the look-up (an allocation per
                // token); the analyzer's tokens are nearly always lower-case ASCII already.
                let lowered;
                let key = if token.text.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
                    token.text.as_str()
                } else {
                    lowered = token.text.to_lowercase();
                    lowered.as_str()
                };
                cuts.token(token.offset_from, token.offset_to, key);
            }
        }
        cuts.finish()
    }

    /// The best fragment of `text` as HTML with its matches marked, if it has any.
    fn best_html(&self, text: &str) -> Option<String> {
        let fragment = self.best(text)?;
        (!fragment.highlighted.is_empty())
            .then(|| marked_html(&text[fragment.start..fragment.stop], &fragment.highlighted))
    }
}

/// The fragments of one text being cut from its tokens in order (tantivy's `search_fragments`):
/// a fragment ends before the token that would take it past `max_chars` bytes, and only the
/// best scoring one so far is kept.
struct Cuts<'a> {
    terms: &'a BTreeMap<String, f32>,
    max_chars: usize,
    current: Fragment,
    best: Option<Fragment>,
}

impl Cuts<'_> {
    /// The next token: bytes `from..to` of the text, analysed (lower case) as `key`.
    fn token(&mut self, from: usize, to: usize, key: &str) {
        if to - self.current.start > self.max_chars {
            self.close();
            self.current.restart(from);
        }
        self.current.stop = to;
        if let Some(score) = self.terms.get(key) {
            self.current.score += score;
            self.current.highlighted.push(from..to);
        }
    }

    fn close(&mut self) {
        if self.current.score > 0.0 && self.best.as_ref().is_none_or(|b| self.current.beats(b)) {
            let kept = self.best.get_or_insert_with(Fragment::default);
            std::mem::swap(kept, &mut self.current);
        }
    }

    /// The best fragment, its highlighted ranges relative to its start.
    fn finish(mut self) -> Option<Fragment> {
        self.close();
        self.best.map(|mut fragment| {
            for range in &mut fragment.highlighted {
                *range = range.start - fragment.start..range.end - fragment.start;
            }
            fragment
        })
    }
}

/// Tokens the neutral analyzer drops: this long or longer (its `RemoveLongFilter`).
const LONG_TOKEN_BYTES: usize = 40;

/// The neutral analyzer's tokens of a text that has no non-ASCII letter or digit, without
/// running it: its tokenizer's runs of letters and digits are then runs of ASCII letters and
/// digits (every other character separates), lower-casing is ASCII and folding changes nothing.
/// `each` gets each token's byte range and lower-case text.
fn ascii_tokens(text: &str, mut each: impl FnMut(usize, usize, &str)) {
    let bytes = text.as_bytes();
    let mut lowered = [0u8; LONG_TOKEN_BYTES];
    let mut at = 0;
    while at < bytes.len() {
        if !bytes[at].is_ascii_alphanumeric() {
            at += 1;
            continue;
        }
        let start = at;
        while at < bytes.len() && bytes[at].is_ascii_alphanumeric() {
            at += 1;
        }
        if at - start < LONG_TOKEN_BYTES {
            let key = &mut lowered[..at - start];
            key.copy_from_slice(&bytes[start..at]);
            key.make_ascii_lowercase();
            if let Ok(key) = std::str::from_utf8(key) {
                each(start, at, key);
            }
        }
    }
}

/// Finds where in a text the query's terms are, in one pass per pattern, without tokenizing
/// it: the indexed terms (folded, lower-case) and the words the user typed (as typed,
/// lower-case and capitalised) are sought ASCII-case-insensitively, with a vectorised
/// substring search over the text in ASCII lower case. A match is a hint (it may sit inside a
/// longer word); the fragment finder decides what is marked.
struct MatchFinder {
    /// Each pattern (ASCII lower case) and the index of the indexed term it stands for.
    patterns: Vec<(memchr::memmem::Finder<'static>, usize)>,
    /// Each indexed term's weight (rarer terms weigh more).
    scores: Vec<f32>,
    /// The text being scanned, in ASCII lower case (kept between hits to reuse its memory).
    lowered: RefCell<Vec<u8>>,
}

/// Occurrences looked at per term: enough to find a dense cluster in a long document.
const MAX_OCCURRENCES: usize = 64;

/// The patterns sought for the query's terms: each indexed term, then the words the user typed
/// that analyse to one of them (lower-case, and capitalised when they begin with a non-ASCII
/// letter), each with the index of its term; no pattern twice.
fn match_patterns(terms: &BTreeMap<String, f32>, user_text: &str) -> Vec<(String, usize)> {
    let mut patterns: Vec<(String, usize)> = terms.keys().cloned().enumerate().map(|(i, t)| (t, i)).collect();
    // A folded term (`evaluacion`) is not in the text as such (`evaluación`), nor is a
    // non-ASCII word at the start of a sentence in lower case: the user's own spelling is.
    for word in user_text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let Some(index) = crate::query::analyse(word).first().and_then(|t| terms.keys().position(|k| k == t)) else {
            continue;
        };
        let lower = word.to_lowercase();
        let mut chars = lower.chars();
        let capitalised: Option<String> =
            chars.next().filter(|c| !c.is_ascii()).map(|first| first.to_uppercase().chain(chars).collect());
        for form in std::iter::once(lower).chain(capitalised) {
            if !patterns.iter().any(|(p, _)| *p == form) {
                patterns.push((form, index));
            }
        }
    }
    patterns
}

impl MatchFinder {
    fn new(terms: &BTreeMap<String, f32>, user_text: &str) -> MatchFinder {
        let patterns = match_patterns(terms, user_text)
            .into_iter()
            // An empty pattern (never an analysed term nor a typed word) would match everywhere.
            .filter(|(pattern, _)| !pattern.is_empty())
            .map(|(pattern, term)| {
                (memchr::memmem::Finder::new(pattern.to_ascii_lowercase().as_bytes()).into_owned(), term)
            })
            .collect();
        MatchFinder { patterns, scores: terms.values().copied().collect(), lowered: RefCell::new(Vec::new()) }
    }

    /// The first occurrences of the terms in `text`, as `(start, term)` in the order an
    /// overlapping Aho-Corasick scan reports them (by end, then longest first, then pattern
    /// order), at most [`MAX_OCCURRENCES`] per term.
    fn occurrences(&self, text: &str) -> Vec<(usize, usize)> {
        let mut lowered = self.lowered.borrow_mut();
        lowered.clear();
        lowered.extend(text.bytes().map(|b| b.to_ascii_lowercase()));
        // (end, start, pattern): a term's first occurrences in scan order are among the first
        // of each of its patterns, so no pattern needs more than the cap.
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        for (n, (finder, _)) in self.patterns.iter().enumerate() {
            let length = finder.needle().len();
            let mut from = 0;
            for _ in 0..MAX_OCCURRENCES {
                let Some(at) = finder.find(&lowered[from..]) else { break };
                let start = from + at;
                found.push((start + length, start, n));
                // Occurrences of one pattern may overlap ("aa" twice in "aaa").
                from = start + 1;
            }
        }
        found.sort_unstable();
        let mut seen_per_term = vec![0usize; self.scores.len()];
        let mut hits = Vec::with_capacity(found.len());
        for (_, start, n) in found {
            let term = self.patterns[n].1;
            if seen_per_term[term] < MAX_OCCURRENCES {
                seen_per_term[term] += 1;
                hits.push((start, term));
            }
        }
        hits
    }

    /// Where in `text` the snippet should be looked for: around its best cluster of query
    /// terms (the `max_chars`-wide stretch holding the highest total weight of distinct terms,
    /// widened by `max_chars` on each side, so that the fragment finder still chooses the
    /// fragment and cuts it at tokens), or nowhere in particular.
    fn window(&self, text: &str, max_chars: usize) -> Hint {
        if text.len() <= 4 * max_chars {
            return Hint::TokenizeWhole;
        }
        best_window(&self.occurrences(text), &self.scores, text, max_chars)
    }
}

/// The window around the best cluster of `hits` (`(start, term)` in scan order) in `text`.
fn best_window(hits: &[(usize, usize)], scores: &[f32], text: &str, max_chars: usize) -> Hint {
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
    Hint::Around(start..end)
}

/// What a [`MatchFinder`] scan says about a text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Hint {
    /// The text is short enough to tokenize whole.
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

/// Escapes `fragment` and wraps the highlighted byte ranges in `<mark>`; line breaks and tabs
/// become spaces (they mean nothing on a results page).
fn marked_html(fragment: &str, highlighted: &[Range<usize>]) -> String {
    let mut ranges: Vec<Range<usize>> = highlighted.to_vec();
    ranges.sort_by_key(|r| r.start);
    let mut html = String::with_capacity(fragment.len() + 16 * ranges.len());
    let mut done = 0;
    for range in ranges {
        let start = range.start.max(done);
        let end = range.end.min(fragment.len());
        if start >= end || !fragment.is_char_boundary(start) || !fragment.is_char_boundary(end) {
            continue;
        }
        escape_into(&mut html, &fragment[done..start], true);
        html.push_str("<mark>");
        escape_into(&mut html, &fragment[start..end], true);
        html.push_str("</mark>");
        done = end;
    }
    escape_into(&mut html, &fragment[done..], true);
    html
}

/// Escapes the five HTML-significant characters.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text, false);
    out
}

/// Appends `text` to `out` with the five HTML-significant characters escaped and, when
/// `blank_breaks`, line breaks and tabs as spaces. The characters replaced are ASCII, so the
/// text between them is copied in runs.
fn escape_into(out: &mut String, text: &str, blank_breaks: bool) {
    let mut run = 0;
    for (at, byte) in text.bytes().enumerate() {
        let replacement = match byte {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            b'\n' | b'\r' | b'\t' if blank_breaks => " ",
            _ => continue,
        };
        out.push_str(&text[run..at]);
        out.push_str(replacement);
        run = at + 1;
    }
    out.push_str(&text[run..]);
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

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
            let doc: crate::store::StoredFields = searcher.doc(found[0].1).unwrap();
            maker.snippet(doc.text(index.fields().body).unwrap_or_default(), doc.text(index.fields().description))
        };
        assert!(snippet_of("accented").contains("<mark>evaluación</mark>"), "{}", snippet_of("accented"));
        let ascii = snippet_of("ascii");
        assert!(ascii.starts_with("Plain text first.") && !ascii.contains("<mark>"), "{ascii}");
    }

    /// The window as the Aho-Corasick scan found it before the substring search replaced it.
    fn reference_window(terms: &BTreeMap<String, f32>, user_text: &str, text: &str, max_chars: usize) -> Hint {
        let patterns: Vec<(String, usize)> = match_patterns(terms, user_text);
        let automaton = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(patterns.iter().map(|(p, _)| p))
            .unwrap();
        if text.len() <= 4 * max_chars {
            return Hint::TokenizeWhole;
        }
        let mut seen_per_term = vec![0usize; terms.len()];
        let mut hits: Vec<(usize, usize)> = Vec::new();
        for found in automaton.find_overlapping_iter(text) {
            let term = patterns[found.pattern().as_usize()].1;
            if seen_per_term[term] < MAX_OCCURRENCES {
                seen_per_term[term] += 1;
                hits.push((found.start(), term));
            }
        }
        let scores: Vec<f32> = terms.values().copied().collect();
        best_window(&hits, &scores, text, max_chars)
    }

    /// `marked_html` and `escape_html` as they were before they escaped in runs.
    fn reference_marked_html(fragment: &str, highlighted: &[Range<usize>]) -> String {
        fn escape(text: &str) -> String {
            let mut out = String::new();
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
        let mut ranges: Vec<Range<usize>> = highlighted.to_vec();
        ranges.sort_by_key(|r| r.start);
        let fragment = &fragment.replace(['\n', '\r', '\t'], " ");
        let mut html = String::new();
        let mut done = 0;
        for range in ranges {
            let start = range.start.max(done);
            let end = range.end.min(fragment.len());
            if start >= end || !fragment.is_char_boundary(start) || !fragment.is_char_boundary(end) {
                continue;
            }
            html.push_str(&escape(&fragment[done..start]));
            html.push_str("<mark>");
            html.push_str(&escape(&fragment[start..end]));
            html.push_str("</mark>");
            done = end;
        }
        html.push_str(&escape(&fragment[done..]));
        html
    }

    /// Words both text strategies draw from: a word in three cases, words that are prefixes of
    /// others, one-letter and repeated-letter words, markup to escape, a line break.
    const SHARED_WORDS: &[&str] = &[
        "heart", "Heart", "HEART", "hearth", "failure", "fail", "aa", "aaa", "a", "x<y", "&", "\n", "ab", "bab",
        "ipsum",
    ];

    /// Text of words from a small mixed vocabulary (repeats, case, accents, Greek, markup,
    /// line breaks), so that terms occur often, overlap and straddle multibyte characters.
    fn text_strategy(max_words: usize) -> impl Strategy<Value = String> {
        let words = [
            SHARED_WORDS,
            &["évaluation", "Évaluation", "evaluation", "υγεία", "Υγεία", "'q'", "\t", "é", "eé", "lorem"],
        ]
        .concat();
        text_from(words, vec![" ", " ", " ", "", ", ", ".\n", "-"], max_words)
    }

    /// Text without non-ASCII letters (but with non-ASCII punctuation and tokens around the
    /// analyzer's length limit), which the fragment finder tokenizes by hand.
    fn ascii_text_strategy(max_words: usize) -> impl Strategy<Value = String> {
        let words = [
            SHARED_WORDS,
            &[
                "Ipsum2024",
                "“quoted”",
                "–",
                "€",
                "ab_ba",
                "l'heart",
                "x9",
                "e",
                "abcdefghijabcdefghijabcdefghijabcdefghi",
                "abcdefghijabcdefghijabcdefghijabcdefghij",
                "Heartabcdefghijabcdefghijabcdefghijabcdefghij",
            ],
        ]
        .concat();
        text_from(words, vec![" ", " ", "", ", ", ".\n", "-", "\u{a0}"], max_words)
    }

    /// Up to `max_words` of `words`, each followed by one of `separators`.
    fn text_from(
        words: Vec<&'static str>,
        separators: Vec<&'static str>,
        max_words: usize,
    ) -> impl Strategy<Value = String> {
        prop::collection::vec((prop::sample::select(words), prop::sample::select(separators)), 0..max_words)
            .prop_map(|parts| parts.into_iter().flat_map(|(w, s)| [w, s]).collect())
    }

    fn terms_strategy() -> impl Strategy<Value = BTreeMap<String, f32>> {
        let term = prop::sample::select(vec![
            "heart",
            "failure",
            "aa",
            "a",
            "evaluation",
            "υγεια",
            "ab",
            "bab",
            "e",
            "ipsum",
            "x",
            "hearth",
        ]);
        prop::collection::btree_map(term.prop_map(str::to_owned), 0.01f32..1.0, 1..5)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn the_substring_scan_finds_the_window_the_automaton_found(
            text in text_strategy(400),
            terms in terms_strategy(),
            user_text in prop::sample::select(vec!["", "heart failure", "Évaluation", "Υγεία", "aa ab", "HEART"]),
            max_chars in prop::sample::select(vec![10usize, 40, 120, 240]),
        ) {
            let finder = MatchFinder::new(&terms, user_text);
            prop_assert_eq!(finder.window(&text, max_chars), reference_window(&terms, user_text, &text, max_chars));
        }

        #[test]
        fn the_fragment_finder_picks_tantivys_fragment(
            text in prop_oneof![text_strategy(200), ascii_text_strategy(200)],
            terms in terms_strategy(),
            ascii_words in any::<bool>(),
            max_chars in prop::sample::select(vec![10usize, 40, 120, 240]),
        ) {
            let field = tantivy::schema::Schema::builder().add_text_field("body", tantivy::schema::TEXT);
            let reference =
                tantivy::snippet::SnippetGenerator::new(terms.clone(), crate::analyzer::neutral(), field, max_chars)
                    .snippet(&text);
            let found = FragmentFinder::new(terms, crate::analyzer::neutral(), ascii_words, max_chars).best(&text);
            match found {
                None => prop_assert!(reference.highlighted().is_empty()),
                Some(fragment) => {
                    prop_assert_eq!(fragment.start..fragment.stop, reference.fragment_range());
                    prop_assert_eq!(&fragment.highlighted[..], reference.highlighted());
                }
            }
        }

        #[test]
        fn marking_escapes_as_before(
            fragment in text_strategy(30),
            ranges in prop::collection::vec((0usize..120, 0usize..20), 0..6),
        ) {
            let ranges: Vec<Range<usize>> = ranges.into_iter().map(|(start, len)| start..start + len).collect();
            prop_assert_eq!(marked_html(&fragment, &ranges), reference_marked_html(&fragment, &ranges));
        }
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
