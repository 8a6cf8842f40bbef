//! RFC 9457 problem documents: every error the API answers, in one format.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::search_params::InvalidParameter;

/// An error answer: `application/problem+json` with a stable `type` per kind of problem.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// URI naming the kind of problem (`urn:hubsearch:problem:invalid-parameter`).
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What went wrong in this request.
    pub detail: String,
    /// The offending parameter, for invalid-parameter problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

impl Problem {
    /// A problem of kind `code` (`invalid-parameter`) with the given status, title and detail.
    pub fn new(status: StatusCode, code: &str, title: &str, detail: impl Into<String>) -> Self {
        Problem {
            type_uri: format!("urn:hubsearch:problem:{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            parameter: None,
        }
    }

    /// 404 Not Found.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    /// 500: the detail is logged, never sent, so internals do not leak.
    pub fn internal(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "the server failed to answer; the error has been logged",
        )
    }
}

impl From<InvalidParameter> for Problem {
    fn from(err: InvalidParameter) -> Self {
        let mut problem = Problem::new(StatusCode::BAD_REQUEST, "invalid-parameter", "Invalid parameter", err.detail);
        problem.parameter = Some(err.parameter);
        problem
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(self)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response
    }
}

/// Turns a handler panic into a 500 problem document instead of a dropped connection.
pub fn panic_response(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = ingest::pipeline::panic_message(&payload);
    Problem::internal(&format!("handler panicked: {message}")).into_response()
}
