//! The index's vocabulary: expanding a word to the indexed terms within an edit distance or
//! with a prefix, ranked by document frequency. Used to highlight typo-tolerant and prefix
//! matches, to suggest completions and to offer "did you mean".

use std::collections::HashMap;
use std::sync::OnceLock;

use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder};
use tantivy::Searcher;
use tantivy::schema::Field;
use tantivy_fst::Automaton;

/// Adapts a Levenshtein DFA to the term dictionary's automaton interface.
struct Levenshtein<'a>(&'a DFA);

impl Automaton for Levenshtein<'_> {
    type State = u32;

    fn start(&self) -> u32 {
        self.0.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != levenshtein_automata::SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// The edit distance a word of this many characters tolerates: none below 5, 1 from 5, 2 from 9.
pub fn typo_distance(chars: usize) -> u8 {
    match chars {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// The automaton builder for `distance` (at most 2), made once: building the tables for
/// distance 2 costs more than a search.
fn builder(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static BUILDERS: [OnceLock<LevenshteinAutomatonBuilder>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let distance = distance.min(2);
    BUILDERS[usize::from(distance)].get_or_init(|| LevenshteinAutomatonBuilder::new(distance, true))
}

/// Indexed terms of `field` within `distance` edits of `word` (or starting with `word`, or
/// within `distance` of one of its prefixes when `prefix`), with their document frequency
/// summed over segments, most frequent first, at most `limit`.
pub fn expand(
    searcher: &Searcher,
    field: Field,
    word: &str,
    distance: u8,
    prefix: bool,
    limit: usize,
) -> Vec<(String, u64)> {
    let builder = builder(distance);
    let dfa = if prefix { builder.build_prefix_dfa(word) } else { builder.build_dfa(word) };
    let mut found: HashMap<String, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(field) else { continue };
        let Ok(mut stream) = inverted.terms().search(Levenshtein(&dfa)).into_stream() else { continue };
        // Bound the work for very short prefixes in large vocabularies.
        let mut budget = 20_000;
        while budget > 0 && stream.advance() {
            budget -= 1;
            if let Ok(term) = std::str::from_utf8(stream.key()) {
                *found.entry(term.to_owned()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut terms: Vec<(String, u64)> = found.into_iter().collect();
    terms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    terms.truncate(limit);
    terms
}

/// Document frequency of `term` in `field`, summed over segments.
pub fn doc_freq(searcher: &Searcher, field: Field, term: &str) -> u64 {
    let term = tantivy::Term::from_field_text(field, term);
    searcher.doc_freq(&term).unwrap_or(0)
}
