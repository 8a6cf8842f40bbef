//! Search parameters as the API and the CLI take them, validated into an index request, and
//! the JSON answer of the contract.

use std::fmt;

use index::{FacetFilter, FacetKind, SearchRequest, SearchResults, SortOrder};
use serde::Serialize;

use crate::config::SearchConfig;
use crate::labels::FacetLabels;

/// A parameter the caller got wrong, named so the error can say which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidParameter {
    /// The parameter's name.
    pub parameter: String,
    /// What is wrong with it, in words.
    pub detail: String,
}

impl fmt::Display for InvalidParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.detail)
    }
}

impl std::error::Error for InvalidParameter {}

fn invalid(parameter: &str, detail: impl Into<String>) -> InvalidParameter {
    InvalidParameter { parameter: parameter.to_owned(), detail: detail.into() }
}

/// Most values one facet filter may list.
const MAX_FILTER_VALUES: usize = 50;

/// A validated search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchParams {
    /// The request for the index.
    pub request: SearchRequest,
    /// Language of facet labels (`ui_lang=`, default English).
    pub ui_lang: String,
    /// A partner's public key (`key=`), checked and applied by [`crate::partners`].
    pub key: Option<String>,
}

impl SearchParams {
    /// Validates decoded query-string pairs. Unknown parameters are refused, so a misspelt
    /// filter (`contry=ES`) is an error rather than a silently unfiltered search; empty values
    /// are ignored, as HTML forms send them.
    pub fn from_pairs(pairs: &[(String, String)], limits: &SearchConfig) -> Result<Self, InvalidParameter> {
        let mut request = SearchRequest {
            per_page: limits.default_per_page,
            snippet_chars: limits.snippet_chars,
            cross_lang: limits.cross_lang_default,
            ..SearchRequest::default()
        };
        let mut ui_lang = "en".to_owned();
        let mut key = None;
        let mut seen_single: Vec<&str> = Vec::new();
        for (name, value) in pairs {
            let value = value.trim();
            let name = name.as_str();
            if name.is_empty() && !value.is_empty() {
                // `?=x`: there is no name to report, so the error names the query string.
                return Err(invalid("query string", "a parameter has a value but no name"));
            }
            if ["q", "page", "per_page", "sort", "ui_lang", "key", "recency", "cross_lang"].contains(&name) {
                if seen_single.contains(&name) {
                    return Err(invalid(name, format!("{name} is given more than once")));
                }
                seen_single.push(name);
            }
            if value.is_empty() {
                continue;
            }
            match name {
                "q" => {
                    let chars = value.chars().count();
                    if chars > limits.max_query_chars {
                        return Err(invalid(
                            "q",
                            format!("q is {chars} characters long; the limit is {}", limits.max_query_chars),
                        ));
                    }
                    request.query = value.to_owned();
                }
                "page" => request.page = bounded_number("page", value, limits.max_page)?,
                "per_page" => request.per_page = bounded_number("per_page", value, limits.max_per_page)?,
                "sort" => {
                    request.sort = match value {
                        "relevance" => SortOrder::Relevance,
                        "date" => SortOrder::Date,
                        _ => return Err(invalid("sort", "sort must be \"relevance\" or \"date\"")),
                    }
                }
                "recency" => {
                    request.recency_from = match value {
                        "true" | "1" => Some(now_unix_seconds()),
                        "false" | "0" => None,
                        _ => return Err(invalid("recency", "recency must be true or false")),
                    }
                }
                "cross_lang" => {
                    request.cross_lang = match value {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => return Err(invalid("cross_lang", "cross_lang must be true or false")),
                    }
                }
                "ui_lang" => ui_lang = language_code("ui_lang", value)?,
                "key" => key = Some(partner_key(value)?),
                "lang" => add_filter(&mut request, FacetKind::Lang, language_code("lang", value)?)?,
                "country" => add_filter(&mut request, FacetKind::Country, country_code(value)?)?,
                "topic" => add_filter(&mut request, FacetKind::Topic, topic_slug(value)?)?,
                "kind" => {
                    if !["pdf", "html", "text"].contains(&value) {
                        return Err(invalid("kind", "kind must be pdf, html or text"));
                    }
                    add_filter(&mut request, FacetKind::Kind, value.to_owned())?
                }
                "year" => add_filter(&mut request, FacetKind::Year, year(value)?)?,
                other => {
                    return Err(invalid(
                        other,
                        format!(
                            "unknown parameter {other:?}; accepted: q, lang, topic, country, kind, year, page, per_page, sort, recency, cross_lang, ui_lang, key"
                        ),
                    ));
                }
            }
        }
        Ok(SearchParams { request, ui_lang, key })
    }

    /// Parses a raw query string (`q=a&country=PT`).
    pub fn from_query_string(raw: &str, limits: &SearchConfig) -> Result<Self, InvalidParameter> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw)
            .map_err(|err| invalid("query string", format!("the query string is not valid URL encoding: {err}")))?;
        Self::from_pairs(&pairs, limits)
    }
}

/// Sets the language whose stemmed analysis the query also uses: the `lang` filter when it
/// names exactly one language, else the language the query is written in, if it can be told.
pub fn route_query_language(request: &mut SearchRequest, detector: &ingest::LanguageDetector) {
    let filtered: Option<&Vec<String>> = request.filters.iter().find(|f| f.kind == FacetKind::Lang).map(|f| &f.values);
    request.query_lang = match filtered {
        Some(values) if values.len() == 1 => Some(values[0].clone()),
        _ => detector.detect_query(&request.query),
    };
}

fn now_unix_seconds() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Validates the query string of `GET /api/v1/facets`: only `ui_lang` is accepted.
pub fn ui_lang_from_query_string(raw: &str) -> Result<String, InvalidParameter> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw)
        .map_err(|err| invalid("query string", format!("the query string is not valid URL encoding: {err}")))?;
    let mut ui_lang = None;
    for (name, value) in &pairs {
        if name != "ui_lang" {
            return Err(invalid(name, format!("unknown parameter {name:?}; accepted: ui_lang")));
        }
        if ui_lang.is_some() {
            return Err(invalid("ui_lang", "ui_lang is given more than once"));
        }
        ui_lang = Some(value.trim());
    }
    match ui_lang {
        Some(value) if !value.is_empty() => language_code("ui_lang", value),
        _ => Ok("en".to_owned()),
    }
}

fn add_filter(request: &mut SearchRequest, kind: FacetKind, value: String) -> Result<(), InvalidParameter> {
    let position = request.filters.iter().position(|f| f.kind == kind);
    let filter = match position {
        Some(i) => &mut request.filters[i],
        None => {
            request.filters.push(FacetFilter { kind, values: Vec::new() });
            request.filters.last_mut().expect("just pushed")
        }
    };
    if !filter.values.contains(&value) {
        filter.values.push(value);
    }
    if filter.values.len() > MAX_FILTER_VALUES {
        return Err(invalid(
            kind.name(),
            format!("at most {MAX_FILTER_VALUES} values of {} may be given", kind.name()),
        ));
    }
    Ok(())
}

fn bounded_number(name: &str, value: &str, max: usize) -> Result<usize, InvalidParameter> {
    match value.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(invalid(name, format!("{name} must be a whole number from 1 to {max}, not {value:?}"))),
    }
}

/// A partner key's shape: short, and only characters that need no escaping anywhere.
fn partner_key(value: &str) -> Result<String, InvalidParameter> {
    if value.len() <= 100 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return Ok(value.to_owned());
    }
    Err(invalid("key", "key must be a partner key such as \"pk_…\" (letters, digits, '_' and '-')"))
}

pub(crate) fn language_code(name: &str, value: &str) -> Result<String, InvalidParameter> {
    let lower = value.to_ascii_lowercase();
    if lower == "und" || (lower.len() == 2 && lower.bytes().all(|b| b.is_ascii_lowercase())) {
        return Ok(lower);
    }
    Err(invalid(name, format!("{name} must be an ISO 639-1 code such as \"fr\", not {value:?}")))
}

pub(crate) fn country_code(value: &str) -> Result<String, InvalidParameter> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Ok(value.to_ascii_uppercase());
    }
    Err(invalid(
        "country",
        format!("country must be an ISO 3166-1 alpha-2 code such as \"PT\" (or \"EU\"), not {value:?}"),
    ))
}

pub(crate) fn topic_slug(value: &str) -> Result<String, InvalidParameter> {
    let lower = value.to_ascii_lowercase();
    let valid = lower.len() <= 100
        && lower.split('/').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    if valid {
        return Ok(lower);
    }
    Err(invalid(
        "topic",
        format!("topic must be a taxonomy slug such as \"assessment/cost-effectiveness\", not {value:?}"),
    ))
}

fn year(value: &str) -> Result<String, InvalidParameter> {
    match value.parse::<u16>() {
        Ok(y) if (1900..=2100).contains(&y) && value.len() == 4 => Ok(value.to_owned()),
        _ => Err(invalid("year", format!("year must be a four-digit year, not {value:?}"))),
    }
}

/// The contract's search answer.
#[derive(Debug, Serialize)]
pub struct SearchResponse {
    /// The query as understood.
    pub query: String,
    /// Number of matching documents.
    pub total: u64,
    /// Time spent searching, in milliseconds.
    pub took_ms: u64,
    /// Page number.
    pub page: usize,
    /// Hits per page.
    pub per_page: usize,
    /// The page of hits.
    pub hits: Vec<HitJson>,
    /// Facet counts with labels.
    pub facets: FacetsJson,
    /// A corrected query, when this one found nothing and a close spelling would.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<String>,
}

/// One hit in the contract's shape.
#[derive(Debug, Serialize)]
pub struct HitJson {
    /// Document id.
    pub id: String,
    /// Title, plain text.
    pub title: String,
    /// Source URL, if known.
    pub url: Option<String>,
    /// HTML-safe snippet: escaped text, `<mark>` around matches.
    pub snippet: String,
    /// Language code.
    pub lang: String,
    /// Topic slugs.
    pub topics: Vec<String>,
    /// Country codes.
    pub countries: Vec<String>,
    /// `pdf`, `html` or `text`.
    pub kind: String,
    /// Publication date, if known.
    pub published: Option<String>,
    /// Relevance score.
    pub score: f32,
}

/// One facet value with its label and count.
#[derive(Debug, Serialize)]
pub struct FacetValueJson {
    /// The value to filter by.
    pub value: String,
    /// Human-readable label.
    pub label: String,
    /// Matching documents with this value.
    pub count: u64,
    /// For a topic below the top level, its parent's slug (the tree of the topic facet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

impl FacetValueJson {
    /// A value of facet `kind` with its label in `ui_lang`.
    pub fn new(kind: FacetKind, value: &str, count: u64, ui_lang: &str, labels: &FacetLabels<'_>) -> Self {
        let parent = match kind {
            FacetKind::Topic => value.rsplit_once('/').map(|(parent, _)| parent.to_owned()),
            _ => None,
        };
        FacetValueJson { label: labels.label(kind, value, ui_lang), value: value.to_owned(), count, parent }
    }
}

/// Every facet's counts.
#[derive(Debug, Serialize)]
pub struct FacetsJson {
    /// Topics (hierarchical slugs, parents and children).
    pub topic: Vec<FacetValueJson>,
    /// Countries.
    pub country: Vec<FacetValueJson>,
    /// Languages.
    pub lang: Vec<FacetValueJson>,
    /// Formats.
    pub kind: Vec<FacetValueJson>,
    /// Years.
    pub year: Vec<FacetValueJson>,
}

impl SearchResponse {
    /// Shapes index results for the API.
    pub fn new(params: &SearchParams, results: SearchResults, took_ms: u64, labels: &FacetLabels<'_>) -> Self {
        let facet = |kind: FacetKind| -> Vec<FacetValueJson> {
            results
                .facets
                .get(kind)
                .iter()
                .map(|c| FacetValueJson::new(kind, &c.value, c.count, &params.ui_lang, labels))
                .collect()
        };
        let facets = FacetsJson {
            topic: facet(FacetKind::Topic),
            country: facet(FacetKind::Country),
            lang: facet(FacetKind::Lang),
            kind: facet(FacetKind::Kind),
            year: facet(FacetKind::Year),
        };
        let hits = results
            .hits
            .into_iter()
            .map(|h| HitJson {
                id: h.id,
                title: h.title,
                url: h.url,
                snippet: h.snippet,
                lang: h.lang,
                topics: h.topics,
                countries: h.countries,
                kind: h.kind,
                published: h.published,
                score: h.score,
            })
            .collect();
        SearchResponse {
            query: params.request.query.clone(),
            total: results.total,
            took_ms,
            page: params.request.page,
            per_page: params.request.per_page,
            hits,
            facets,
            did_you_mean: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<SearchParams, InvalidParameter> {
        SearchParams::from_query_string(raw, &SearchConfig::default())
    }

    #[test]
    fn repeated_filters_are_or_and_values_are_normalised() {
        let params = parse("q=telehealth&country=es&country=PT&topic=Assessment/cost-effectiveness&lang=FR&page=2&per_page=5&sort=date").unwrap();
        let r = &params.request;
        assert_eq!(r.query, "telehealth");
        assert_eq!((r.page, r.per_page, r.sort), (2, 5, SortOrder::Date));
        assert_eq!(r.filters[0], FacetFilter { kind: FacetKind::Country, values: vec!["ES".into(), "PT".into()] });
        assert_eq!(r.filters[1].values, ["assessment/cost-effectiveness"]);
        assert_eq!(r.filters[2].values, ["fr"]);
    }

    #[test]
    fn bad_values_name_their_parameter() {
        for (raw, parameter) in [
            ("page=-1", "page"),
            ("page=0", "page"),
            ("per_page=100000", "per_page"),
            ("per_page=ten", "per_page"),
            ("country=Spain", "country"),
            ("topic=../etc", "topic"),
            ("year=21", "year"),
            ("kind=docx", "kind"),
            ("sort=best", "sort"),
            ("recency=soon", "recency"),
            ("cross_lang=yes", "cross_lang"),
            ("contry=ES", "contry"),
            ("q=a&q=b", "q"),
            ("key=pk_a&key=pk_b", "key"),
            ("key=pk%20a", "key"),
        ] {
            assert_eq!(parse(raw).unwrap_err().parameter, parameter, "{raw}");
        }
        let long = format!("q={}", "a".repeat(20_000));
        let err = parse(&long).unwrap_err();
        assert_eq!(err.parameter, "q");
        assert!(err.detail.contains("20000"), "{}", err.detail);
    }

    #[test]
    fn cross_lang_defaults_to_the_configuration() {
        assert!(!parse("q=x").unwrap().request.cross_lang);
        assert!(parse("q=x&cross_lang=true").unwrap().request.cross_lang);
        let on = SearchConfig { cross_lang_default: true, ..SearchConfig::default() };
        assert!(SearchParams::from_query_string("q=x", &on).unwrap().request.cross_lang);
        assert!(!SearchParams::from_query_string("q=x&cross_lang=0", &on).unwrap().request.cross_lang);
        assert_eq!(parse("cross_lang=true&cross_lang=false").unwrap_err().parameter, "cross_lang");
    }

    #[test]
    fn the_facets_listing_takes_only_a_ui_language() {
        assert_eq!(ui_lang_from_query_string("").unwrap(), "en");
        assert_eq!(ui_lang_from_query_string("ui_lang=FR").unwrap(), "fr");
        assert_eq!(ui_lang_from_query_string("ui_lang=").unwrap(), "en");
        for (raw, parameter) in
            [("ui_lang=french", "ui_lang"), ("country=PT", "country"), ("ui_lang=fr&ui_lang=de", "ui_lang")]
        {
            assert_eq!(ui_lang_from_query_string(raw).unwrap_err().parameter, parameter, "{raw}");
        }
    }

    #[test]
    fn empty_values_are_ignored() {
        let params = parse("q=&country=&page=").unwrap();
        assert_eq!(params.request, SearchRequest { snippet_chars: 240, ..SearchRequest::default() });
        assert_eq!(params.key, None);
        assert_eq!(parse("key=pk_es-1").unwrap().key.as_deref(), Some("pk_es-1"));
        // Found by the property test below: a nameless parameter used to be refused with an
        // empty `parameter`.
        assert_eq!(parse("q=a&=%E0%AE%99").unwrap_err().parameter, "query string");
    }

    proptest::proptest! {
        /// Any query string (hostile bytes, traversal text, huge numbers, repeated names) is
        /// either a named parameter error or a request within the configured limits; the same
        /// property the `search_params` fuzz target checks, on every CI run.
        #[test]
        fn any_query_string_is_an_error_or_a_bounded_request(
            pairs in proptest::collection::vec(
                (
                    proptest::prop_oneof![
                        proptest::strategy::Just("q".to_owned()),
                        proptest::strategy::Just("page".to_owned()),
                        proptest::strategy::Just("per_page".to_owned()),
                        proptest::strategy::Just("country".to_owned()),
                        proptest::strategy::Just("topic".to_owned()),
                        proptest::strategy::Just("key".to_owned()),
                        "[a-z_%.]{0,8}",
                    ],
                    "(\\PC|%[0-9A-Fa-f]{2}|\\.\\./|[0-9]{1,25}){0,40}",
                ),
                0..12,
            )
        ) {
            let raw = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
            let limits = SearchConfig::default();
            match SearchParams::from_query_string(&raw, &limits) {
                Ok(params) => {
                    proptest::prop_assert!(params.request.query.chars().count() <= limits.max_query_chars);
                    proptest::prop_assert!((1..=limits.max_page).contains(&params.request.page));
                    proptest::prop_assert!((1..=limits.max_per_page).contains(&params.request.per_page));
                    proptest::prop_assert!(params.request.filters.iter().all(|f| (1..=50).contains(&f.values.len())));
                }
                Err(err) => proptest::prop_assert!(!err.parameter.is_empty() && !err.detail.is_empty()),
            }
        }
    }
}
