//! Turning the user's words (parsed by [`crate::user_query`]) into tantivy queries: exact terms
//! weighted by field, typo-tolerant and prefix alternatives weighted below them, phrases, a
//! proximity bonus, exclusions, and the facet filters around it all.

use tantivy::Term;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use crate::analyzer::{self, stemming_language};
use crate::completions::Completions;
use crate::facet::FacetFilter;
use crate::glossary;
use crate::schema::Fields;
use crate::statistics::RequestStatistics;
use crate::store::SearchIndex;
use crate::user_query::{self, Clause, Scope, UserQuery};
use crate::vocabulary::{expand, typo_distance};

/// How a field's text was analysed, so the query's words are analysed the same way.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Analysis {
    /// The language-neutral analyzer (positions kept: phrases, typos and prefixes work here).
    Neutral,
    /// A language's stemmer (frequencies only: exact stems).
    Stemmed(tantivy::tokenizer::Language),
}

/// A field searched by default, with its weight: a word in the title says more about a
/// document than one in its body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SearchField {
    pub field: Field,
    pub boost: f32,
    pub analysis: Analysis,
}

/// Weight of a stem match in the query's language, on top of the neutral fields' exact matches.
const STEMMED_BOOST: f32 = 3.0;

/// The fields user text is matched against: the neutral title, description and body, plus the
/// stemmed text of the query's language when it is known, or of every stemmed language when it
/// is not (a few words rarely tell their language; each document has text in only one stemmed
/// field, so the others cost a dictionary look-up each).
pub(crate) fn search_fields(fields: &Fields, query_lang: Option<&str>) -> Vec<SearchField> {
    let neutral = |field, boost| SearchField { field, boost, analysis: Analysis::Neutral };
    let mut searched = vec![
        // Tuned on NFCorpus dev (nDCG@10 0.2776 at 2.0, 0.2800 at 1.5, 0.2797 at 1.0): short
        // titles already weigh much under BM25's length normalisation.
        neutral(fields.title, 1.5),
        neutral(fields.description, 1.5),
        neutral(fields.body, 1.0),
    ];
    match query_lang {
        Some(code) => {
            if let (Some(field), Some(language)) = (fields.stemmed_field(code), stemming_language(code)) {
                searched.push(SearchField { field, boost: STEMMED_BOOST, analysis: Analysis::Stemmed(language) });
            }
        }
        None => {
            for (code, field) in &fields.stemmed {
                if let Some(language) = stemming_language(code) {
                    searched.push(SearchField {
                        field: *field,
                        boost: STEMMED_BOOST,
                        analysis: Analysis::Stemmed(language),
                    });
                }
            }
        }
    }
    searched
}

/// Weight of a typo-tolerant match relative to an exact one (fuzzy matches score a constant).
const FUZZY_WEIGHT: f32 = 0.5;
/// Weight of a prefix match of the word being typed.
const PREFIX_WEIGHT: f32 = 0.5;
/// Bonus when the query's words stand close together, in order.
const PROXIMITY_WEIGHT: f32 = 1.5;
/// Words apart that still count as close.
const PROXIMITY_SLOP: u32 = 6;

/// The queries one piece of user text turns into.
pub(crate) struct TextQuery {
    /// Every clause must match.
    pub all: Box<dyn Query>,
    /// Any clause may match (the fall-back when `all` finds too little).
    pub any: Box<dyn Query>,
    /// Number of clauses the user gave (AND and OR only differ from two on).
    pub clauses: usize,
    /// Plain term queries over the body for every word and its typo/prefix expansions, so
    /// that snippets highlight fuzzy and prefix matches too.
    pub highlight: Box<dyn Query>,
    /// The proximity bonus (the words in order within a few words of each other, in the title
    /// and in the body): scored over the best hits only, not over every match (see
    /// `search::add_proximity`). Empty with fewer than two plain words.
    pub proximity: Vec<Box<dyn Query>>,
}

/// Builds the text queries, or `None` when the text has no words (placeholder search).
pub(crate) fn text_query(
    index: &SearchIndex,
    stats: &RequestStatistics,
    text: &str,
    as_you_type: bool,
    query_lang: Option<&str>,
    cross_lang: bool,
) -> Option<TextQuery> {
    let parsed = user_query::parse(text, as_you_type);
    if parsed.is_empty() {
        return None;
    }
    let fields = index.fields();
    let all_fields = search_fields(fields, query_lang);
    let title_only = [all_fields[0]];
    let scoped = |scope: Scope| -> &[SearchField] {
        match scope {
            Scope::Anywhere => &all_fields,
            Scope::Title => &title_only,
        }
    };

    let typing = parsed.include.iter().any(|c| matches!(c, Clause::Word { prefix: true, .. }));
    let completions = if typing { index.completions().ok() } else { None };
    let mut required: Vec<(usize, Box<dyn Query>)> = Vec::new();
    let mut highlight: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut proximity_tokens: Vec<String> = Vec::new();
    for (position, clause) in parsed.include.iter().enumerate() {
        let (query, tokens, variants) =
            clause_query(stats, fields.body, completions.as_deref(), clause, scoped(clause_scope(clause)), true);
        let Some(query) = query else { continue };
        required.push((position, query));
        if let Clause::Word { prefix: false, .. } = clause
            && tokens.len() == 1
        {
            proximity_tokens.push(tokens[0].clone());
        }
        // Snippets mark the words and the variants that were searched.
        let searched = variants.iter().flat_map(|v| v.fuzzy.iter().chain(&v.completions));
        highlight.extend(tokens.iter().chain(searched).map(|word| {
            let query = TermQuery::new(Term::from_field_text(fields.body, word), IndexRecordOption::WithFreqs);
            (Occur::Should, Box::new(query) as Box<dyn Query>)
        }));
    }
    let required: Vec<Box<dyn Query>> = if cross_lang {
        let (widened, translations) = glossary::widen(&parsed.include, required, fields, &all_fields, query_lang);
        highlight.extend(translations.iter().map(|word| {
            let query = TermQuery::new(Term::from_field_text(fields.body, word), IndexRecordOption::WithFreqs);
            (Occur::Should, Box::new(query) as Box<dyn Query>)
        }));
        widened
    } else {
        required.into_iter().map(|(_, query)| query).collect()
    };
    if required.is_empty() {
        return None;
    }
    let mut proximity: Vec<Box<dyn Query>> = Vec::new();
    if proximity_tokens.len() >= 2 {
        for field in [fields.title, fields.body] {
            let terms: Vec<(usize, Term)> =
                proximity_tokens.iter().enumerate().map(|(i, t)| (i, Term::from_field_text(field, t))).collect();
            let phrase = PhraseQuery::new_with_offset_and_slop(terms, PROXIMITY_SLOP);
            proximity.push(Box::new(BoostQuery::new(Box::new(phrase), PROXIMITY_WEIGHT)));
        }
    }
    let mut extras: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for clause in &parsed.exclude {
        if let (Some(query), _, _) =
            clause_query(stats, fields.body, completions.as_deref(), clause, scoped(clause_scope(clause)), false)
        {
            extras.push((Occur::MustNot, query));
        }
    }
    let combine = |occur: Occur| -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = required.iter().map(|q| (occur, q.box_clone())).collect();
        clauses.extend(extras.iter().map(|(o, q)| (*o, q.box_clone())));
        Box::new(BooleanQuery::new(clauses))
    };
    Some(TextQuery {
        all: combine(Occur::Must),
        any: combine(Occur::Should),
        clauses: required.len(),
        highlight: Box::new(BooleanQuery::new(highlight)),
        proximity,
    })
}

fn clause_scope(clause: &Clause) -> Scope {
    match clause {
        Clause::Word { scope, .. } | Clause::Phrase { scope, .. } => *scope,
    }
}

/// The query of one clause over `fields`, and its neutral tokens. `tolerant` adds
/// typo-tolerant and prefix alternatives (not wanted for exclusions). `completions`, the table
/// of a query being typed, completes a prefix clause and gives the words' statistics.
fn clause_query(
    stats: &RequestStatistics,
    body: Field,
    completions: Option<&Completions>,
    clause: &Clause,
    fields: &[SearchField],
    tolerant: bool,
) -> (Option<Box<dyn Query>>, Vec<String>, Option<Variants>) {
    let (words, prefix, is_phrase): (Vec<&String>, bool, bool) = match clause {
        Clause::Word { text, prefix, .. } => (vec![text], *prefix, false),
        Clause::Phrase { words, .. } => (words.iter().collect(), false, true),
    };
    let text = words.iter().map(|w| w.as_str()).collect::<Vec<_>>().join(" ");
    let neutral_tokens = analyse(&text);
    if let Some(table) = completions {
        for token in &neutral_tokens {
            remember_counts(stats, table, token, table.field_doc_freqs(token));
        }
    }
    let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    // Whether some field was searched, whether or not it holds the terms.
    let mut searched_any = false;
    let variants = match neutral_tokens.as_slice() {
        [token] if tolerant => Some(Variants::of(stats, body, token, completions, prefix)),
        // Exclusions drop the word itself only.
        [_] => Some(Variants::default()),
        _ => None,
    };
    for f in fields {
        match f.analysis {
            Analysis::Neutral => match neutral_tokens.len() {
                0 => {}
                1 => {
                    searched_any = true;
                    alternatives.extend(variant_alternatives(
                        stats,
                        &neutral_tokens[0],
                        variants.as_ref().expect("one token has variants"),
                        f,
                    ));
                }
                _ => alternatives.push((Occur::Should, phrase_query(&neutral_tokens, f))),
            },
            // Stems have no positions: they add recall for single words, phrases stay exact.
            Analysis::Stemmed(language) if !is_phrase => {
                let stems = analyzer::tokens(&mut analyzer::stemmed_shared(language), &text);
                if let [stem] = stems.as_slice() {
                    searched_any = true;
                    if stats.doc_freq_of(f.field, stem) > 0 {
                        let exact = TermQuery::new(Term::from_field_text(f.field, stem), IndexRecordOption::WithFreqs);
                        alternatives.push((Occur::Should, Box::new(BoostQuery::new(Box::new(exact), f.boost))));
                    }
                }
            }
            Analysis::Stemmed(_) => {}
        }
    }
    // A clause whose terms are all absent still matches nothing (so AND falls back to OR), as
    // it did before absent terms were left out.
    let query: Option<Box<dyn Query>> =
        (searched_any || !alternatives.is_empty()).then(|| Box::new(BooleanQuery::new(alternatives)) as Box<dyn Query>);
    (query, neutral_tokens, variants)
}

/// Most typo-tolerant variants of a word searched: the most frequent ones.
const MAX_FUZZY_VARIANTS: usize = 8;
/// Documents a word must be in to be taken as correctly spelt (no typo variants searched).
const KNOWN_WORD_DOCS: u64 = 2;
/// Most completions of the word being typed searched: the most frequent ones. Each is a term
/// scorer in every neutral field; 4 rank NFCorpus dev as 16 did (nDCG@10 0.2997 vs 0.2995) at
/// ~6 % less CPU a search.
const MAX_COMPLETIONS: usize = 4;

/// The indexed words a query word also matches, looked up once in the body's vocabulary (the
/// largest) and searched as plain terms in every field: cheaper than an automaton per field and
/// per pass, and scored by BM25 like the exact word (rare variants weigh more than common ones).
#[derive(Default)]
pub(crate) struct Variants {
    /// Words within the word's typo distance (the word itself left out).
    pub fuzzy: Vec<String>,
    /// Words the word begins, when it is being typed (the word itself left out).
    pub completions: Vec<String>,
}

impl Variants {
    /// The variants of `token`; its completions too when it is a `prefix` and `completions`
    /// is given.
    pub(crate) fn of(
        stats: &RequestStatistics,
        body: Field,
        token: &str,
        completions: Option<&Completions>,
        prefix: bool,
    ) -> Variants {
        // A word the library has in two documents or more is taken as spelt as meant: walking
        // the dictionary for its typo variants is most of the cost of a search.
        let known = stats.doc_freq_of(body, token) >= KNOWN_WORD_DOCS;
        let distance = if known { 0 } else { typo_distance(token.chars().count()) };
        let others = |found: Vec<(String, u64)>| found.into_iter().map(|(t, _)| t).filter(|t| t != token).collect();
        let mut variants = Variants {
            fuzzy: if distance > 0 {
                others(expand(stats.searcher(), body, token, distance, false, MAX_FUZZY_VARIANTS + 1))
            } else {
                Vec::new()
            },
            completions: Vec::new(),
        };
        if let Some(table) = completions {
            for word in &variants.fuzzy {
                remember_counts(stats, table, word, table.field_doc_freqs(word));
            }
            if prefix {
                for word in table.completions(token, MAX_COMPLETIONS + 1).into_iter().filter(|w| w.text() != token) {
                    remember_counts(stats, table, word.text(), word.field_doc_freqs());
                    variants.completions.push(word.text().to_owned());
                }
            }
        }
        variants
    }
}

/// Remembers `word`'s document frequencies in the title and body, `counts`, taken from the
/// completion `table`, when the table was built from the request's searcher: the same counts the
/// dictionaries give, without a look-up in every segment (a word being typed has its
/// completions looked up in every field, most of the query's look-ups).
fn remember_counts(stats: &RequestStatistics, table: &Completions, word: &str, counts: Option<Vec<(Field, u64)>>) {
    if table.generation() != stats.searcher().generation().generation_id() {
        return;
    }
    for (field, doc_freq) in counts.into_iter().flatten() {
        stats.remember(field, word, doc_freq);
    }
}

/// The word and its variants as weighted term queries over `f`, those absent from it left out.
fn variant_alternatives(
    stats: &RequestStatistics,
    token: &str,
    variants: &Variants,
    f: &SearchField,
) -> Vec<(Occur, Box<dyn Query>)> {
    let fuzzy = f.boost * FUZZY_WEIGHT;
    let prefix = f.boost * PREFIX_WEIGHT;
    std::iter::once((token, f.boost))
        .chain(variants.fuzzy.iter().map(|v| (v.as_str(), fuzzy)))
        .chain(variants.completions.iter().map(|v| (v.as_str(), prefix)))
        .filter(|(text, _)| {
            // A term query for an absent term scores nothing, yet costs a dictionary look-up
            // per segment for its statistics and another for its postings; leaving it out
            // changes no score (tantivy does not normalise a query by its clauses).
            stats.doc_freq_of(f.field, text) > 0
        })
        .map(|(text, boost)| {
            let query = TermQuery::new(Term::from_field_text(f.field, text), IndexRecordOption::WithFreqs);
            (Occur::Should, Box::new(BoostQuery::new(Box::new(query), boost)) as Box<dyn Query>)
        })
        .collect()
}

fn phrase_query(tokens: &[String], f: &SearchField) -> Box<dyn Query> {
    let terms: Vec<Term> = tokens.iter().map(|t| Term::from_field_text(f.field, t)).collect();
    Box::new(BoostQuery::new(Box::new(PhraseQuery::new(terms)), f.boost))
}

/// Analyses words the way the neutral fields were analysed.
pub(crate) fn analyse(text: &str) -> Vec<String> {
    analyzer::tokens(&mut analyzer::neutral(), text)
}

/// The full query: the text (or every document) filtered by each facet filter.
pub(crate) fn with_filters(index: &SearchIndex, text: Option<&dyn Query>, filters: &[FacetFilter]) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    match text {
        Some(text) => clauses.push((Occur::Must, text.box_clone())),
        None => clauses.push((Occur::Must, Box::new(AllQuery))),
    }
    for filter in filters.iter().filter(|f| !f.values.is_empty()) {
        clauses.push((Occur::Must, filter.to_query(index.fields())));
    }
    if clauses.len() == 1 {
        return clauses.pop().expect("one clause").1;
    }
    Box::new(BooleanQuery::new(clauses))
}

/// The parsed form of a query, for callers that explain or correct it.
pub(crate) fn parse(text: &str) -> UserQuery {
    user_query::parse(text, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writer::IndexDocument;

    fn doc(id: &str, title: &str, body: &str, lang: &str) -> IndexDocument {
        IndexDocument {
            id: id.into(),
            title: title.into(),
            body: body.into(),
            lang: lang.into(),
            kind: "text".into(),
            ..IndexDocument::default()
        }
    }

    /// Two segments, with a replaced and a deleted document.
    fn two_segments() -> SearchIndex {
        let index = SearchIndex::create_in_ram(1).unwrap();
        let mut batch = index.batch().unwrap();
        batch.upsert(&doc("a", "Telemonitoring of heart failure", "remote telemonitoring at home", "en")).unwrap();
        batch.upsert(&doc("b", "Telehealth", "telehealth and telemedicine services", "en")).unwrap();
        batch.upsert(&doc("c", "Télésurveillance", "télésurveillance des patients", "fr")).unwrap();
        batch.commit().unwrap();
        let mut batch = index.batch().unwrap();
        batch.upsert(&doc("b", "Telehealth apps", "telehealth apps for heart patients", "en")).unwrap();
        batch.upsert(&doc("d", "Heart", "telemonitoring heart telemetry", "en")).unwrap();
        batch.delete("a");
        batch.commit().unwrap();
        assert_eq!(index.searcher().segment_readers().len(), 2);
        index
    }

    #[test]
    fn a_typed_query_takes_title_and_body_counts_from_the_table_and_they_are_the_searchers() {
        let index = two_segments();
        let fields = index.fields();
        let searcher = index.searcher();
        for (query, lang) in [("tele", None), ("heart tele", Some("en")), ("patients tel", None), ("heaart", None)] {
            let stats = RequestStatistics::new(searcher.clone());
            let text = text_query(&index, &stats, query, true, lang, false).unwrap();
            let mut searched = Vec::new();
            text.all.query_terms(&mut |term, _| searched.push(term.clone()));
            assert!(!searched.is_empty(), "{query}");
            // Every count a weight was built from is the searcher's own...
            for (term, count) in stats.remembered() {
                assert_eq!(count, searcher.doc_freq(&term).unwrap(), "{query}: {term:?}");
            }
            // ...and none of the title and body ones was looked up in the dictionaries.
            let looked_up = stats.looked_up();
            assert!(
                looked_up.iter().all(|t| t.field() != fields.title && t.field() != fields.body),
                "{query}: {looked_up:?}"
            );
        }
        // Without the table (the last word typed out), counts are looked up as before.
        let stats = RequestStatistics::new(searcher.clone());
        text_query(&index, &stats, "telehealth", false, Some("en"), false).unwrap();
        assert!(stats.looked_up().iter().any(|t| t.field() == fields.body));
    }

    #[test]
    fn a_table_of_another_generation_is_not_believed() {
        let index = two_segments();
        let stale = index.searcher();
        let table = index.completions().unwrap();
        let mut batch = index.batch().unwrap();
        batch.upsert(&doc("e", "Telemonitoring", "telemonitoring telemonitoring", "en")).unwrap();
        batch.commit().unwrap();
        let stats = RequestStatistics::new(index.searcher());
        assert_ne!(table.generation(), stats.searcher().generation().generation_id());
        let counts = table.field_doc_freqs("telemonitoring");
        remember_counts(&stats, &table, "telemonitoring", counts);
        let body = index.fields().body;
        assert_eq!(stats.doc_freq_of(body, "telemonitoring"), 3, "looked up: a, d and e");
        let stale_count = stale.doc_freq(&Term::from_field_text(body, "telemonitoring")).unwrap();
        assert_eq!(stale_count, 2);
    }
}
