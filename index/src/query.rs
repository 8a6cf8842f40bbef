//! Turning the user's words into a tantivy query. User text never fails to parse: syntax errors
//! degrade to plain words.

use tantivy::query::{AllQuery, BooleanQuery, EnableScoring, Occur, Query, QueryParser};

use crate::facet::FacetFilter;
use crate::store::SearchIndex;

/// Field boosts: a word in the title says more about a document than one in its body.
const TITLE_BOOST: f32 = 3.0;
const DESCRIPTION_BOOST: f32 = 1.5;

/// The text part of a search: `None` when the query has no words (placeholder search).
pub(crate) fn text_query(index: &SearchIndex, text: &str) -> Option<Box<dyn Query>> {
    if text.trim().is_empty() {
        return None;
    }
    let fields = index.fields();
    let mut parser = QueryParser::for_index(index.index(), vec![fields.title, fields.description, fields.body]);
    parser.set_field_boost(fields.title, TITLE_BOOST);
    parser.set_field_boost(fields.description, DESCRIPTION_BOOST);
    let (query, errors) = parser.parse_query_lenient(text);
    // A query can parse and still be unusable: `x\0y :*` asks whether a field named "x y"
    // exists, which fails only when the search runs (found by `fuzz/fuzz_targets/query.rs`).
    // Building its weight checks every field it names.
    let usable = query.weight(EnableScoring::disabled_from_schema(&index.index().schema())).is_ok();
    if errors.is_empty() && usable {
        return Some(query);
    }
    // The lenient parser drops what it cannot read ("\"unbalanced words" loses its words);
    // the user meant words, so search the words.
    let words: String = text.chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    if words.trim().is_empty() {
        return None;
    }
    Some(parser.parse_query_lenient(&words).0)
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
