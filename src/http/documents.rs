//! `GET /api/v1/documents/{id}`: one document's metadata.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

use crate::http::problem::Problem;
use crate::state::AppState;

/// A document's metadata.
#[derive(Debug, Serialize)]
pub struct DocumentJson {
    id: String,
    title: String,
    url: Option<String>,
    description: Option<String>,
    lang: String,
    kind: String,
    doc_type: Option<String>,
    topics: Vec<String>,
    countries: Vec<String>,
    published: Option<String>,
    pages: Option<u32>,
    author: Option<String>,
    text_chars: usize,
}

/// Looks a document up by id. The id is only ever a key into the index, never a path on disk.
pub async fn document(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<DocumentJson>, Problem> {
    let lookup_state = state.clone();
    let lookup_id = id.clone();
    let found = tokio::task::spawn_blocking(move || lookup_state.index().get(&lookup_id))
        .await
        .map_err(|err| Problem::internal(&err))?
        .map_err(|err| Problem::internal(&err))?;
    let doc = found.ok_or_else(|| Problem::not_found(format!("no document with id {id:?}")))?;
    Ok(Json(DocumentJson {
        id: doc.id,
        title: doc.title,
        url: doc.url,
        description: doc.description,
        lang: doc.lang,
        kind: doc.kind,
        doc_type: doc.doc_type,
        topics: doc.topics,
        countries: doc.countries,
        published: doc.published,
        pages: doc.pages,
        author: doc.author,
        text_chars: doc.text_chars,
    }))
}
