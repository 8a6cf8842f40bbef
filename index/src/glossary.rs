//! The multilingual glossary (`data/glossary.tsv`: the Hub's concepts in the languages of the
//! Region) and cross-language query expansion: a query word or phrase that names a concept in
//! one language also searches the concept's terms in the other languages, weighted below the
//! user's own words, so that "refundacja" finds the English report on reimbursement while a
//! Polish document that says "refundacja" still ranks first.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use crate::analyzer::{self, STEMMED_LANGUAGES};
use crate::query::{Analysis, SearchField};
use crate::schema::Fields;
use crate::user_query::{Clause, Scope};

/// The glossary as shipped.
const GLOSSARY_TSV: &str = include_str!("../data/glossary.tsv");

/// Weight of a glossary term relative to the user's own words: low enough that a document in
/// the query's language that matches the words themselves ranks above one found by translation.
const EXPANSION_WEIGHT: f32 = 0.4;
/// Field weight of a translation's match in its language's stemmed field (before
/// [`EXPANSION_WEIGHT`]): the neutral body's weight.
const TRANSLATED_STEM_BOOST: f32 = 1.0;

/// Longest prefix kept of a word of a language without a stemmer, relative to its length: the
/// last two letters are ignored (Polish "refundacja"/"refundacji", Czech "úhrada"/"úhrady").
const LIGHT_STEM_DROP: usize = 2;
/// Words this short are compared whole.
const LIGHT_STEM_MIN: usize = 5;

/// One term of a concept in one language.
#[derive(Debug, Clone)]
struct GlossaryTerm {
    lang: String,
    /// The term as written in the glossary.
    text: String,
    /// Its tokens under the language-neutral analyzer.
    neutral: Vec<String>,
    /// The [`light_forms`] of each token.
    light: Vec<Vec<String>>,
}

impl GlossaryTerm {
    /// Whether the light stems of a query's words match this term word by word.
    fn matches_light(&self, stems: &[String]) -> bool {
        stems.len() == self.light.len() && stems.iter().zip(&self.light).all(|(stem, forms)| forms.contains(stem))
    }
}

/// A concept: its id (a taxonomy slug or a key term) and its terms in every language.
#[derive(Debug, Clone)]
struct Concept {
    id: String,
    terms: Vec<GlossaryTerm>,
}

/// The parsed glossary with its look-up table.
#[derive(Debug)]
pub(crate) struct Glossary {
    concepts: Vec<Concept>,
    /// Stemmed term (see [`Normaliser::key`]) to the concepts it names.
    keys: HashMap<String, Vec<usize>>,
    /// Language and a [`light_forms`] of a term's first word to the concepts and terms it
    /// begins, so that a query word is compared with a few terms only.
    light_index: HashMap<String, Vec<(usize, usize)>>,
    /// Most words in a term, bounding the spans of query words tried.
    max_words: usize,
}

/// An error in the glossary's data (only reachable through the unit test of the shipped file).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct GlossaryError(String);

impl Glossary {
    /// The shipped glossary, parsed once.
    pub(crate) fn builtin() -> &'static Glossary {
        static GLOSSARY: OnceLock<Glossary> = OnceLock::new();
        GLOSSARY.get_or_init(|| Glossary::parse(GLOSSARY_TSV).expect("data/glossary.tsv is checked by its unit test"))
    }

    /// Parses `concept<TAB>language<TAB>term; term` lines; `#` starts a comment line.
    pub(crate) fn parse(tsv: &str) -> Result<Glossary, GlossaryError> {
        let mut concepts: Vec<Concept> = Vec::new();
        for (number, line) in tsv.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let [id, lang, terms] = fields.as_slice() else {
                return Err(GlossaryError(format!("line {}: expected 3 tab-separated fields", number + 1)));
            };
            if concepts.last().is_none_or(|c| c.id != *id) {
                if concepts.iter().any(|c| c.id == *id) {
                    return Err(GlossaryError(format!("line {}: concept {id} is split in two", number + 1)));
                }
                concepts.push(Concept { id: (*id).to_owned(), terms: Vec::new() });
            }
            let concept = concepts.last_mut().expect("pushed above");
            if concept.terms.iter().any(|t| t.lang == *lang) {
                return Err(GlossaryError(format!("line {}: {id} has two lines for {lang}", number + 1)));
            }
            for text in terms.split(';').map(str::trim) {
                let neutral = crate::query::analyse(text);
                if neutral.is_empty() {
                    return Err(GlossaryError(format!("line {}: term {text:?} has no words", number + 1)));
                }
                if concept.terms.iter().any(|t| t.lang == *lang && t.neutral == neutral) {
                    return Err(GlossaryError(format!("line {}: {id} lists {text:?} twice", number + 1)));
                }
                let light = neutral.iter().map(|t| light_forms(t)).collect();
                concept.terms.push(GlossaryTerm { lang: (*lang).to_owned(), text: text.to_owned(), neutral, light });
            }
        }
        let normaliser = Normaliser::new();
        let mut keys: HashMap<String, Vec<usize>> = HashMap::new();
        let mut light_index: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        let mut max_words = 1;
        for (index, concept) in concepts.iter().enumerate() {
            for (number, term) in concept.terms.iter().enumerate() {
                max_words = max_words.max(term.neutral.len());
                for form in &term.light[0] {
                    light_index.entry(format!("{}\u{1}{form}", term.lang)).or_default().push((index, number));
                }
                if let Some(key) = normaliser.key(&term.lang, &term.text) {
                    let named = keys.entry(key).or_default();
                    if !named.contains(&index) {
                        named.push(index);
                    }
                }
            }
        }
        Ok(Glossary { concepts, keys, light_index, max_words })
    }

    /// The concepts a run of query words names in language `lang`: by their stems (`stems`,
    /// for a language with a stemmer), or word by word by their [`light_stem`]s.
    fn lookup(&self, lang: &str, stems: Option<&[String]>, light: &[String]) -> Vec<usize> {
        let mut found: Vec<usize> = Vec::new();
        if let Some(stems) = stems.filter(|s| !s.is_empty()) {
            found.extend(self.keys.get(&format!("{lang}\u{1}{}", stems.join(" "))).into_iter().flatten());
        }
        let Some(first) = light.first() else { return found };
        for &(concept, term) in self.light_index.get(&format!("{lang}\u{1}{first}")).into_iter().flatten() {
            if !found.contains(&concept) && self.concepts[concept].terms[term].matches_light(light) {
                found.push(concept);
            }
        }
        found
    }

    /// Languages the glossary has terms in.
    fn languages(&self) -> Vec<&str> {
        let mut languages: Vec<&str> = Vec::new();
        for term in self.concepts.iter().flat_map(|c| &c.terms) {
            if !languages.contains(&term.lang.as_str()) {
                languages.push(&term.lang);
            }
        }
        languages
    }
}

/// Turns a term of a language with a stemmer into its look-up key, its stems.
struct Normaliser {
    stemmers: Vec<(&'static str, TextAnalyzer)>,
}

impl Normaliser {
    /// One normaliser for every query (building the stop-word lists costs more than a look-up).
    fn shared() -> &'static Normaliser {
        static NORMALISER: OnceLock<Normaliser> = OnceLock::new();
        NORMALISER.get_or_init(Normaliser::new)
    }

    fn new() -> Self {
        Normaliser {
            stemmers: STEMMED_LANGUAGES.iter().map(|(code, language)| (*code, analyzer::stemmed(*language))).collect(),
        }
    }

    fn key(&self, lang: &str, text: &str) -> Option<String> {
        let stems = self.stems(lang, text)?;
        (!stems.is_empty()).then(|| format!("{lang}\u{1}{}", stems.join(" ")))
    }

    /// The stems of `text` in `lang`, if it has a stemmer.
    fn stems(&self, lang: &str, text: &str) -> Option<Vec<String>> {
        let code = if matches!(lang, "nn" | "no") { "nb" } else { lang };
        let (_, stemmer) = self.stemmers.iter().find(|(c, _)| *c == code)?;
        Some(analyzer::tokens(&mut stemmer.clone(), text))
    }
}

/// A query word cut short for comparing with [`light_forms`]: long words lose their last two
/// letters (an inflection ending of a language without a stemmer).
fn light_stem(token: &str) -> String {
    let chars = token.chars().count();
    if chars <= LIGHT_STEM_MIN {
        return token.to_owned();
    }
    token.chars().take((chars - LIGHT_STEM_DROP).max(LIGHT_STEM_MIN)).collect()
}

/// The forms of a glossary word a [`light_stem`] of its inflections may take: the word less
/// none, one or two last letters (Polish "pacjent" meets "pacjenta" and "pacjentów",
/// "refundacja" meets "refundacji").
fn light_forms(token: &str) -> Vec<String> {
    let chars = token.chars().count();
    (0..=LIGHT_STEM_DROP)
        .filter(|drop| *drop == 0 || chars >= LIGHT_STEM_MIN + drop)
        .map(|drop| token.chars().take(chars - drop).collect())
        .collect()
}

/// A run of the query's clauses that names glossary concepts.
#[derive(Debug, PartialEq)]
struct Span {
    /// Index of the first clause of the run in the query's included clauses.
    start: usize,
    /// One past the last.
    end: usize,
    concepts: Vec<usize>,
}

/// Finds, left to right and longest first, the runs of included clauses (words next to each
/// other, or one quoted phrase) that name concepts: in the query's language when it is known
/// and names one, else in any language of the glossary.
fn find_spans(glossary: &Glossary, clauses: &[Clause], query_lang: Option<&str>) -> Vec<Span> {
    let normaliser = Normaliser::shared();
    let languages = glossary.languages();
    let text_of = |clause: &Clause| -> Option<(String, bool)> {
        match clause {
            Clause::Word { text, scope: Scope::Anywhere, .. } => Some((text.clone(), false)),
            Clause::Phrase { words, scope: Scope::Anywhere } => Some((words.join(" "), true)),
            _ => None,
        }
    };
    // Each clause is analysed once per language; a run's words are the concatenation (the
    // analyzers work word by word, so this equals analysing the run's text).
    let texts: Vec<String> = clauses.iter().map(|c| text_of(c).map(|(t, _)| t).unwrap_or_default()).collect();
    let light: Vec<Vec<String>> =
        texts.iter().map(|t| crate::query::analyse(t).iter().map(|w| light_stem(w)).collect()).collect();
    let stems: Vec<(&str, Vec<Vec<String>>)> = languages
        .iter()
        .filter_map(|lang| {
            let per_clause: Option<Vec<Vec<String>>> = texts.iter().map(|t| normaliser.stems(lang, t)).collect();
            per_clause.map(|p| (*lang, p))
        })
        .collect();
    let lookup = |lang: &str, start: usize, end: usize| -> Vec<usize> {
        let run_stems: Option<Vec<String>> =
            stems.iter().find(|(l, _)| *l == lang).map(|(_, per_clause)| per_clause[start..end].concat());
        glossary.lookup(lang, run_stems.as_deref(), &light[start..end].concat())
    };
    let concepts_of = |start: usize, end: usize| -> Vec<usize> {
        if let Some(lang) = query_lang.filter(|l| languages.contains(l)) {
            let found = lookup(lang, start, end);
            if !found.is_empty() {
                return found;
            }
        }
        let mut found: Vec<usize> = Vec::new();
        for lang in &languages {
            for concept in lookup(lang, start, end) {
                if !found.contains(&concept) {
                    found.push(concept);
                }
            }
        }
        found
    };
    let mut spans = Vec::new();
    let mut start = 0;
    while start < clauses.len() {
        let mut matched = None;
        if let Some((_, is_phrase)) = text_of(&clauses[start]) {
            // A phrase stands alone; words join their neighbours, up to the longest term.
            let mut len_max = 1;
            if !is_phrase {
                for clause in clauses[start + 1..].iter().take(glossary.max_words.saturating_sub(1)) {
                    match text_of(clause) {
                        Some((_, false)) => len_max += 1,
                        _ => break,
                    }
                }
            }
            for len in (1..=len_max).rev() {
                let concepts = concepts_of(start, start + len);
                if !concepts.is_empty() {
                    matched = Some(Span { start, end: start + len, concepts });
                    break;
                }
            }
        }
        match matched {
            Some(span) => {
                start = span.end;
                spans.push(span);
            }
            None => start += 1,
        }
    }
    spans
}

/// The query of a span's translations: every term of its concepts other than the user's own
/// words, each over the neutral `fields` and the stemmed field of the term's language.
fn expansion_query(
    glossary: &Glossary,
    span: &Span,
    own_words: &[String],
    fields: &Fields,
    neutral_fields: &[SearchField],
    highlight: &mut Vec<String>,
) -> Option<Box<dyn Query>> {
    let mut seen: HashSet<(Field, Vec<String>)> = HashSet::new();
    let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for term in span.concepts.iter().flat_map(|&c| &glossary.concepts[c].terms) {
        if term.neutral == own_words {
            continue;
        }
        for f in neutral_fields {
            if seen.insert((f.field, term.neutral.clone())) {
                alternatives.push((Occur::Should, weighted(words_query(f.field, &term.neutral), f.boost)));
            }
        }
        if let (Some(field), Some(stems)) =
            (fields.stemmed_field(&term.lang), Normaliser::shared().stems(&term.lang, &term.text))
            && !stems.is_empty()
            && seen.insert((field, stems.clone()))
        {
            // Stemmed fields keep no positions: a term of several words needs all its stems.
            let query: Box<dyn Query> = match stems.as_slice() {
                [stem] => Box::new(TermQuery::new(Term::from_field_text(field, stem), IndexRecordOption::WithFreqs)),
                _ => Box::new(BooleanQuery::new(
                    stems
                        .iter()
                        .map(|s| {
                            let term = Term::from_field_text(field, s);
                            (
                                Occur::Must,
                                Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)) as Box<dyn Query>,
                            )
                        })
                        .collect(),
                )),
            };
            // A translation's stem match weighs what a body word does, not the boost the
            // query's own language gets: a translation must never outrank the user's own words.
            alternatives.push((Occur::Should, weighted(query, TRANSLATED_STEM_BOOST)));
        }
        if let [word] = term.neutral.as_slice()
            && !highlight.contains(word)
        {
            highlight.push(word.clone());
        }
    }
    (!alternatives.is_empty()).then(|| Box::new(BooleanQuery::new(alternatives)) as Box<dyn Query>)
}

fn words_query(field: Field, words: &[String]) -> Box<dyn Query> {
    match words {
        [word] => Box::new(TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::WithFreqs)),
        _ => Box::new(PhraseQuery::new(words.iter().map(|w| Term::from_field_text(field, w)).collect())),
    }
}

fn weighted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, boost * EXPANSION_WEIGHT))
}

/// Widens the required clauses of a query with the glossary: each run of clauses that names a
/// concept becomes one clause, "these words, or (weighted below them) the concept's terms in
/// the other languages". `required` pairs each clause query with its index in `clauses`.
/// Returns the new required clauses and single-word translations worth highlighting.
pub(crate) fn widen(
    clauses: &[Clause],
    required: Vec<(usize, Box<dyn Query>)>,
    fields: &Fields,
    searched: &[SearchField],
    query_lang: Option<&str>,
) -> (Vec<Box<dyn Query>>, Vec<String>) {
    let glossary = Glossary::builtin();
    let spans = find_spans(glossary, clauses, query_lang);
    let neutral_fields: Vec<SearchField> =
        searched.iter().copied().filter(|f| matches!(f.analysis, Analysis::Neutral)).collect();
    let mut highlight = Vec::new();
    let mut widened: Vec<Box<dyn Query>> = Vec::new();
    let mut pending = required.into_iter().peekable();
    for span in &spans {
        while let Some((_, query)) = pending.next_if(|(index, _)| *index < span.start) {
            widened.push(query);
        }
        let mut own: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        while let Some((_, query)) = pending.next_if(|(index, _)| *index < span.end) {
            own.push((Occur::Must, query));
        }
        let own_words: Vec<String> = clauses[span.start..span.end]
            .iter()
            .flat_map(|c| match c {
                Clause::Word { text, .. } => crate::query::analyse(text),
                Clause::Phrase { words, .. } => crate::query::analyse(&words.join(" ")),
            })
            .collect();
        let expansion = expansion_query(glossary, span, &own_words, fields, &neutral_fields, &mut highlight);
        let own: Option<Box<dyn Query>> = match own.len() {
            0 => None,
            1 => own.pop().map(|(_, q)| q),
            _ => Some(Box::new(BooleanQuery::new(own))),
        };
        let alternatives: Vec<(Occur, Box<dyn Query>)> =
            own.into_iter().chain(expansion).map(|q| (Occur::Should, q)).collect();
        if !alternatives.is_empty() {
            widened.push(Box::new(BooleanQuery::new(alternatives)));
        }
    }
    widened.extend(pending.map(|(_, q)| q));
    (widened, highlight)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user_query;

    /// The official languages of the EU.
    const EU: [&str; 24] = [
        "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv", "mt", "nl",
        "pl", "pt", "ro", "sk", "sl", "sv",
    ];

    #[test]
    fn the_shipped_glossary_covers_every_eu_language_russian_and_ukrainian() {
        let glossary = Glossary::parse(GLOSSARY_TSV).expect("the shipped glossary parses");
        assert!(glossary.concepts.len() >= 50, "{} concepts", glossary.concepts.len());
        for concept in &glossary.concepts {
            for lang in EU.iter().chain(&["ru", "uk"]) {
                assert!(concept.terms.iter().any(|t| t.lang == *lang), "{} has no {lang} term", concept.id);
            }
            for term in &concept.terms {
                assert!(!term.neutral.is_empty(), "{} {}: {:?}", concept.id, term.lang, term.text);
                if let Some(language) = analyzer::stemming_language(&term.lang) {
                    let stems = analyzer::tokens(&mut analyzer::stemmed(language), &term.text);
                    assert!(!stems.is_empty(), "{} {}: {:?} is only stop words", concept.id, term.lang, term.text);
                }
            }
        }
        // A term naming two concepts in one language would expand to both: none does.
        let mut owner: HashMap<(String, Vec<String>), &str> = HashMap::new();
        for concept in &glossary.concepts {
            for term in &concept.terms {
                if let Some(other) = owner.insert((term.lang.clone(), term.neutral.clone()), &concept.id) {
                    assert_eq!(other, concept.id, "{} {:?} names {other} and {}", term.lang, term.text, concept.id);
                }
            }
        }
    }

    #[test]
    fn malformed_lines_are_refused_with_their_number() {
        for (tsv, wanted) in [
            ("a\ten\tx\nb\ten", "line 2: expected 3"),
            ("a\ten\tx\na\tfr\ty\nb\ten\tz\na\tde\tw", "line 4: concept a is split"),
            ("a\ten\tx\na\ten\ty", "line 2: a has two lines for en"),
            ("a\ten\tx; ;y", "line 1: term \"\" has no words"),
            ("a\ten\tData protection; data-protection", "line 1: a lists"),
        ] {
            let error = Glossary::parse(tsv).unwrap_err().0;
            assert!(error.starts_with(wanted), "{tsv:?}: {error}");
        }
    }

    fn concept_ids(query: &str, lang: Option<&str>) -> Vec<Vec<&'static str>> {
        let glossary = Glossary::builtin();
        let parsed = user_query::parse(query, false);
        find_spans(glossary, &parsed.include, lang)
            .iter()
            .map(|s| s.concepts.iter().map(|&c| glossary.concepts[c].id.as_str()).collect())
            .collect()
    }

    #[test]
    fn query_words_name_concepts_in_any_language_and_inflection() {
        assert_eq!(concept_ids("refundacja", None), [["reimbursement"]]);
        // Polish has no stemmer: the light stem meets the genitive.
        assert_eq!(concept_ids("refundacji aplikacji", Some("pl")), [vec!["reimbursement"], vec!["app"]]);
        assert_eq!(concept_ids("Возмещения", Some("ru")), [["reimbursement"]]);
        assert_eq!(concept_ids("Erstattungen", None), [["reimbursement"]]);
        assert_eq!(concept_ids("remboursements des applications", Some("fr")), [["reimbursement"]]);
        // Longest first: "data protection" is one concept, not "data" and "protection".
        assert_eq!(concept_ids("ochrona danych pacjenta", Some("pl")), [vec!["data-protection"], vec!["patient"]]);
        assert_eq!(concept_ids("\"electronic health record\" Spain", None), [["integration/ehr"]]);
        assert_eq!(concept_ids("title:telemedicine", None), Vec::<Vec<&str>>::new());
        assert_eq!(concept_ids("zebra crossing", None), Vec::<Vec<&str>>::new());
    }

    #[test]
    fn light_stems_ignore_the_last_two_letters_of_long_words_only() {
        assert_eq!(light_stem("refundacja"), "refundac");
        assert_eq!(light_stem("refundacji"), "refundac");
        assert_eq!(light_stem("zgoda"), "zgoda");
        assert_eq!(light_stem("danych"), "danyc");
        assert_eq!(light_forms("pacjent"), ["pacjent", "pacjen", "pacje"]);
        assert_eq!(light_forms("zgoda"), ["zgoda"]);
    }
}
