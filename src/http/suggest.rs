//! `GET /api/v1/suggest?q=`: completions for every keystroke.

use axum::Json;
use axum::extract::{RawQuery, State};
use index::SuggestionKind;
use serde::Serialize;

use crate::http::problem::Problem;
use crate::search_params::InvalidParameter;
use crate::state::AppState;

/// Most completions a request may ask for.
const MAX_LIMIT: usize = 20;
const DEFAULT_LIMIT: usize = 8;

/// The answer.
#[derive(Debug, Serialize)]
pub struct SuggestResponse {
    query: String,
    suggestions: Vec<SuggestionJson>,
}

#[derive(Debug, Serialize)]
struct SuggestionJson {
    text: String,
    /// `title` (a document's title; `id` says which) or `query` (completed words).
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
}

fn invalid(parameter: &str, detail: String) -> Problem {
    Problem::from(InvalidParameter { parameter: parameter.to_owned(), detail })
}

/// Titles and word completions for the text typed so far.
pub async fn suggest(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Json<SuggestResponse>, Problem> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|err| invalid("query string", format!("the query string is not valid URL encoding: {err}")))?;
    let (mut query, mut limit) = (String::new(), DEFAULT_LIMIT);
    for (name, value) in pairs {
        match name.as_str() {
            "q" => query = value,
            "limit" => {
                limit =
                    value.parse().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
                        invalid("limit", format!("limit must be a whole number from 1 to {MAX_LIMIT}"))
                    })?
            }
            "key" | "lang" => {} // Accepted for symmetry with search; completions are not scoped.
            other => return Err(invalid(other, format!("unknown parameter {other:?}; accepted: q, limit"))),
        }
    }
    let max_chars = state.config().search.max_query_chars;
    let chars = query.chars().count();
    if chars > max_chars {
        return Err(invalid("q", format!("q is {chars} characters long; the limit is {max_chars}")));
    }
    // Directly on the async worker: a completion costs less than a hand-off to a blocking
    // thread, and should not wait behind the searches in their queue.
    let suggestions = state.index().suggest(&query, limit).map_err(|err| Problem::internal(&err))?;
    Ok(Json(SuggestResponse {
        query,
        suggestions: suggestions
            .into_iter()
            .map(|s| SuggestionJson {
                text: s.text,
                kind: match s.kind {
                    SuggestionKind::Title => "title",
                    SuggestionKind::Query => "query",
                },
                id: s.id,
            })
            .collect(),
    }))
}
