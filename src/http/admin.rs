//! The admin API (re-ingestion jobs, behind a bearer token) and the admin page's static assets.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::problem::Problem;
use crate::jobs::{JobId, JobStatus, JobTrigger};
use crate::state::AppState;

/// Least time between two progress events of one stream: enough for a progress bar, and a
/// job over 100,000 files does not send 100,000 events.
const EVENT_INTERVAL: Duration = Duration::from_millis(200);

/// Proof that the request carries the admin token. Without a configured token the admin API
/// is disabled and every request is refused with 403 `admin-disabled`; a missing token is 401
/// `unauthorized`, a wrong one 401 `invalid-token` (both with `WWW-Authenticate: Bearer`).
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(token) = &state.config().admin_token else {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                "admin-disabled",
                "Admin API disabled",
                "no admin token is configured on the server (set admin_token or HUBSEARCH_ADMIN_TOKEN)",
            )
            .into_response());
        };
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        match presented {
            Some(candidate) if token.matches(candidate) => Ok(Admin),
            Some(_) => Err(unauthorized(
                "invalid-token",
                "Invalid token",
                "the bearer token is not the admin token",
                r#"Bearer realm="hubsearch-admin", error="invalid_token""#,
            )),
            None => Err(unauthorized(
                "unauthorized",
                "Authentication required",
                "send the admin token as `Authorization: Bearer <token>`",
                r#"Bearer realm="hubsearch-admin""#,
            )),
        }
    }
}

fn unauthorized(code: &str, title: &str, detail: &str, challenge: &'static str) -> Response {
    let mut response = Problem::new(StatusCode::UNAUTHORIZED, code, title, detail).into_response();
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
    response
}

/// Body of `POST /admin/reingest`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReingestRequest {
    #[serde(default)]
    full: bool,
}

/// `POST /api/v1/admin/reingest` with an optional `{"full": bool}`: 202 `{"job_id"}`, the
/// running (or queued) job's id if there is one.
pub async fn reingest(_: Admin, State(state): State<AppState>, body: Bytes) -> Response {
    let request = if body.iter().all(u8::is_ascii_whitespace) {
        ReingestRequest::default()
    } else {
        // Through `Value` so that only an object is accepted (serde would take `[true]` too).
        let parsed = serde_json::from_slice::<Value>(&body).and_then(|value| match value {
            Value::Object(_) => serde_json::from_value::<ReingestRequest>(value),
            _ => Err(serde::de::Error::custom("the body is not a JSON object")),
        });
        match parsed {
            Ok(request) => request,
            Err(err) => {
                return Problem::new(
                    StatusCode::BAD_REQUEST,
                    "invalid-body",
                    "Invalid request body",
                    format!("expected {{\"full\": true|false}}: {err}"),
                )
                .into_response();
            }
        }
    };
    let submitted = state.jobs().submit(JobTrigger::Admin, request.full);
    let location = format!("/api/v1/admin/jobs/{}", submitted.id);
    let mut response =
        (StatusCode::ACCEPTED, Json(json!({ "job_id": submitted.id, "created": submitted.created }))).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `GET /api/v1/admin/jobs`: the jobs kept, newest first.
pub async fn jobs(_: Admin, State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "jobs": state.jobs().list() }))
}

fn job_id(raw: &str) -> Result<JobId, Problem> {
    raw.parse().map_err(|_| Problem::not_found(format!("no job {raw:?}")))
}

/// `GET /api/v1/admin/jobs/{id}`.
pub async fn job(_: Admin, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<JobStatus>, Problem> {
    let id = job_id(&id)?;
    state.jobs().get(id).map(Json).ok_or_else(|| Problem::not_found(format!("no job {id}")))
}

/// `GET /api/v1/admin/jobs/{id}/events`: Server-Sent Events, one `progress` event with the
/// job's status whenever it changes (at most every 200 ms), and a last `end` event when the job
/// is done or failed, after which the stream closes.
pub async fn events(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    let id = job_id(&id)?;
    let receiver = state.jobs().subscribe(id).ok_or_else(|| Problem::not_found(format!("no job {id}")))?;
    let stream = futures_util::stream::unfold(Some((receiver, true)), |next| async move {
        let (mut receiver, first) = next?;
        if !first {
            tokio::time::sleep(EVENT_INTERVAL).await;
            // An error means the job was forgotten: send what is known and end.
            let _ = receiver.changed().await;
        }
        let status = receiver.borrow_and_update().clone();
        let end = status.state.is_terminal() || receiver.has_changed().is_err();
        let event = Event::default()
            .event(if end { "end" } else { "progress" })
            .json_data(&status)
            .unwrap_or_else(|_| Event::default().event("end").data("{}"));
        Some((Ok(event), (!end).then_some((receiver, false))))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// The admin page's content security policy: no inline scripts or styles, no other origins.
const ADMIN_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                         img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(ADMIN_CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /admin`: the admin page (public; everything it shows needs the token).
pub async fn page() -> Response {
    asset("text/html; charset=utf-8", include_str!("assets/admin.html"))
}

/// `GET /admin/admin.js`.
pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("assets/admin.js"))
}

/// `GET /admin/admin.css`.
pub async fn style() -> Response {
    asset("text/css; charset=utf-8", include_str!("assets/admin.css"))
}
