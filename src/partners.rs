//! Partner keys: which sites may embed the search, from which origins, within which fixed scope
//! (countries, topics, languages) and how often.
//!
//! A key is public (it sits in the partner's HTML), so it is not a secret: it names a partner so
//! that the server can apply that partner's scope and rate limit, and so that browsers on other
//! sites cannot borrow it (CORS answers only the partner's origins, and a keyed request that
//! carries another `Origin` is refused).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use index::{FacetFilter, FacetKind, SearchRequest};
use serde::{Deserialize, Serialize};

use crate::rate_limit::Bucket;
use crate::search_params::{FacetValueJson, FacetsJson, InvalidParameter, country_code, language_code, topic_slug};

/// One partner, as the configuration file lists it under `[[partners]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerConfig {
    /// The public key the partner's page sends as `key=` (`pk_…`).
    pub key: String,
    /// Who the partner is, for logs.
    #[serde(default)]
    pub name: String,
    /// Origins whose pages may use the key (`https://salud.example.es`, no path).
    #[serde(default)]
    pub origins: Vec<String>,
    /// Countries the partner's searches are confined to (empty: no constraint).
    #[serde(default)]
    pub country: Vec<String>,
    /// Topics (and their sub-topics) the partner's searches are confined to.
    #[serde(default)]
    pub topic: Vec<String>,
    /// Document languages the partner's searches are confined to.
    #[serde(default)]
    pub lang: Vec<String>,
    /// Searches a minute the key may make (a bucket that refills continuously).
    #[serde(default = "default_rate_limit")]
    pub rate_limit_per_minute: u32,
    /// A revoked key is refused like an unknown one, but stays in the file for the record.
    #[serde(default)]
    pub revoked: bool,
}

fn default_rate_limit() -> u32 {
    600
}

impl PartnerConfig {
    /// Checks and normalises the entry (upper-case countries, lower-case topics and languages),
    /// naming the key and the field when something is wrong.
    pub fn validate(&mut self) -> anyhow::Result<()> {
        let key = self.key.clone();
        anyhow::ensure!(
            !key.is_empty()
                && key.len() <= 100
                && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
            "partners: key {key:?} must be 1 to 100 letters, digits, '_' or '-'"
        );
        anyhow::ensure!(self.rate_limit_per_minute >= 1, "partners.{key}.rate_limit_per_minute must be at least 1");
        for origin in &self.origins {
            anyhow::ensure!(
                is_origin(origin),
                "partners.{key}.origins: {origin:?} is not an origin like \"https://example.org\""
            );
        }
        let named = |err: InvalidParameter| anyhow::anyhow!("partners.{key}.{}: {}", err.parameter, err.detail);
        self.country = self.country.iter().map(|c| country_code(c)).collect::<Result<_, _>>().map_err(named)?;
        self.topic = self.topic.iter().map(|t| topic_slug(t)).collect::<Result<_, _>>().map_err(named)?;
        self.lang = self.lang.iter().map(|l| language_code("lang", l)).collect::<Result<_, _>>().map_err(named)?;
        Ok(())
    }

    /// The facets this partner is confined to, with their allowed values.
    fn scopes(&self) -> [(FacetKind, &[String]); 3] {
        [(FacetKind::Country, &self.country), (FacetKind::Topic, &self.topic), (FacetKind::Lang, &self.lang)]
    }
}

/// `scheme://host[:port]` and nothing else: what browsers send in `Origin`.
fn is_origin(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once("://") else { return false };
    ["http", "https"].contains(&scheme)
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' '])
        && rest.bytes().all(|b| b.is_ascii_graphic())
}

/// Whether `value` lies within the allowed `scope` values of a facet: equal, or for topics a
/// sub-topic of an allowed topic.
fn within(kind: FacetKind, value: &str, scope: &[String]) -> bool {
    scope.iter().any(|allowed| {
        value == allowed
            || (kind == FacetKind::Topic
                && value.len() > allowed.len()
                && value.starts_with(allowed.as_str())
                && value.as_bytes()[allowed.len()] == b'/')
    })
}

/// Why a keyed request is refused; [`crate::http`] turns each into a problem document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No partner has this key (401).
    UnknownKey,
    /// The key was revoked (401).
    Revoked,
    /// The request came from a page on an origin the key does not list (403).
    OriginNotAllowed(String),
    /// The key has used its searches for now (429); retry after this many seconds.
    RateLimited(u64),
    /// The request asks for a facet value outside the partner's scope (403).
    OutOfScope(InvalidParameter),
}

struct Partner {
    config: PartnerConfig,
    bucket: Mutex<Bucket>,
}

/// Every configured partner, with its rate-limit state. Built once per router.
pub struct Partners {
    by_key: HashMap<String, Partner>,
}

impl Partners {
    /// The registry of `configs` (already validated by [`crate::config::Config::load`]).
    pub fn new(configs: &[PartnerConfig]) -> Self {
        let now = Instant::now();
        let by_key = configs
            .iter()
            .map(|config| {
                let bucket = Bucket::full(config.rate_limit_per_minute, now);
                (config.key.clone(), Partner { config: config.clone(), bucket: Mutex::new(bucket) })
            })
            .collect();
        Partners { by_key }
    }

    /// With no partners configured, public search is open to every origin.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Whether a browser page on `origin` may read the answer to a request carrying `key`.
    /// Without partners every origin may. With partners, an unkeyed request is for the Hub's own
    /// page (same origin, which needs no CORS) or for servers, so other origins are not
    /// answered; a valid key answers its own origins only. An unknown or revoked key is
    /// answered, so that the partner's page can show the 401 rather than a network error.
    pub fn cors_allows(&self, origin: &str, key: Option<&str>) -> bool {
        if self.is_empty() {
            return true;
        }
        match key.and_then(|k| self.by_key.get(k)) {
            None => key.is_some(),
            Some(partner) if partner.config.revoked => true,
            Some(partner) => partner.config.origins.iter().any(|o| o == origin),
        }
    }

    /// Checks a request's key, origin and rate, then confines `request` to the partner's scope.
    /// Returns the partner's configuration, or `None` for an unkeyed (public) request.
    ///
    /// Scope rule: for each facet the partner fixes, a request that names no value of that
    /// facet gets the partner's values; a request that names values must name only values
    /// within the scope (for topics, sub-topics count), or it is refused as out of scope. So
    /// editing the request can narrow a partner's search but never widen it.
    pub fn admit(
        &self,
        key: Option<&str>,
        origin: Option<&str>,
        request: &mut SearchRequest,
        now: Instant,
    ) -> Result<Option<&PartnerConfig>, Refusal> {
        let Some(key) = key else { return Ok(None) };
        let partner = self.by_key.get(key).ok_or(Refusal::UnknownKey)?;
        let config = &partner.config;
        if config.revoked {
            return Err(Refusal::Revoked);
        }
        // Requests without an Origin come from servers or tools, where the key is just a
        // label; a browser always sends one on cross-origin requests.
        if let Some(origin) = origin
            && !config.origins.iter().any(|o| o == origin)
        {
            return Err(Refusal::OriginNotAllowed(origin.to_owned()));
        }
        for (kind, scope) in config.scopes() {
            if scope.is_empty() {
                continue;
            }
            match request.filters.iter_mut().find(|f| f.kind == kind) {
                None => request.filters.push(FacetFilter { kind, values: scope.to_vec() }),
                Some(filter) => {
                    if let Some(outside) = filter.values.iter().find(|v| !within(kind, v, scope)) {
                        return Err(Refusal::OutOfScope(InvalidParameter {
                            parameter: kind.name().to_owned(),
                            detail: format!(
                                "{} {outside:?} is outside this key's scope ({})",
                                kind.name(),
                                scope.join(", ")
                            ),
                        }));
                    }
                }
            }
        }
        let mut bucket = partner.bucket.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        bucket
            .take(config.rate_limit_per_minute, now)
            .map_err(|wait| Refusal::RateLimited((wait.as_millis() as u64).div_ceil(1000).max(1)))?;
        Ok(Some(config))
    }
}

/// Drops facet values outside the partner's scope, so that counts never describe documents the
/// partner's searches cannot reach (whatever way the facets are counted).
pub fn restrict_facets(facets: &mut FacetsJson, partner: &PartnerConfig) {
    for (kind, scope) in partner.scopes() {
        if scope.is_empty() {
            continue;
        }
        let values: &mut Vec<FacetValueJson> = match kind {
            FacetKind::Country => &mut facets.country,
            FacetKind::Topic => &mut facets.topic,
            _ => &mut facets.lang,
        };
        values.retain(|v| within(kind, &v.value, scope));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn partner(key: &str) -> PartnerConfig {
        PartnerConfig {
            key: key.to_owned(),
            name: String::new(),
            origins: vec!["https://salud.example.es".into()],
            country: vec!["ES".into()],
            topic: vec!["assessment".into()],
            lang: vec![],
            rate_limit_per_minute: 2,
            revoked: false,
        }
    }

    fn filters(request: &SearchRequest, kind: FacetKind) -> Vec<String> {
        request.filters.iter().find(|f| f.kind == kind).map(|f| f.values.clone()).unwrap_or_default()
    }

    #[test]
    fn the_scope_is_imposed_and_can_only_be_narrowed() {
        let partners = Partners::new(&[partner("pk_es")]);
        let now = Instant::now();
        let mut request = SearchRequest::default();
        partners.admit(Some("pk_es"), None, &mut request, now).unwrap();
        assert_eq!(filters(&request, FacetKind::Country), ["ES"]);
        assert_eq!(filters(&request, FacetKind::Topic), ["assessment"]);

        let mut request = SearchRequest {
            filters: vec![FacetFilter { kind: FacetKind::Topic, values: vec!["assessment/cost-effectiveness".into()] }],
            ..SearchRequest::default()
        };
        partners.admit(Some("pk_es"), Some("https://salud.example.es"), &mut request, now).unwrap();
        assert_eq!(filters(&request, FacetKind::Topic), ["assessment/cost-effectiveness"]);

        for (kind, value) in
            [(FacetKind::Country, "PT"), (FacetKind::Topic, "assessmentx"), (FacetKind::Topic, "policy")]
        {
            let mut request = SearchRequest {
                filters: vec![FacetFilter { kind, values: vec!["ES".into(), value.into()] }],
                ..SearchRequest::default()
            };
            if kind == FacetKind::Topic {
                request.filters[0].values.remove(0);
            }
            match partners.admit(Some("pk_es"), None, &mut request, now) {
                Err(Refusal::OutOfScope(err)) => assert_eq!(err.parameter, kind.name()),
                other => panic!("{value}: {other:?}"),
            }
        }
    }

    #[test]
    fn keys_origins_and_revocation_are_checked() {
        let mut revoked = partner("pk_old");
        revoked.revoked = true;
        let partners = Partners::new(&[partner("pk_es"), revoked]);
        let now = Instant::now();
        let mut request = SearchRequest::default();
        assert_eq!(partners.admit(None, Some("https://any.example"), &mut request, now).unwrap(), None);
        assert!(request.filters.is_empty(), "an unkeyed request is public and unscoped");
        assert_eq!(partners.admit(Some("pk_nope"), None, &mut request, now), Err(Refusal::UnknownKey));
        assert_eq!(partners.admit(Some("pk_old"), None, &mut request, now), Err(Refusal::Revoked));
        assert_eq!(
            partners.admit(Some("pk_es"), Some("https://evil.example"), &mut request, now),
            Err(Refusal::OriginNotAllowed("https://evil.example".into()))
        );

        assert!(partners.cors_allows("https://salud.example.es", Some("pk_es")));
        assert!(!partners.cors_allows("https://evil.example", Some("pk_es")));
        assert!(!partners.cors_allows("https://evil.example", None));
        assert!(partners.cors_allows("https://evil.example", Some("pk_nope")), "so the 401 can be read");
        assert!(Partners::new(&[]).cors_allows("https://any.example", None));
    }

    #[test]
    fn the_rate_limit_refills_over_time_and_says_when_to_retry() {
        let partners = Partners::new(&[partner("pk_es")]);
        let start = Instant::now();
        let mut request = SearchRequest::default();
        for _ in 0..2 {
            partners.admit(Some("pk_es"), None, &mut request.clone(), start).unwrap();
        }
        // Two a minute: the next token comes 30 s after the bucket ran dry.
        assert_eq!(partners.admit(Some("pk_es"), None, &mut request, start), Err(Refusal::RateLimited(30)));
        let later = start + Duration::from_secs(20);
        assert_eq!(partners.admit(Some("pk_es"), None, &mut request, later), Err(Refusal::RateLimited(10)));
        partners.admit(Some("pk_es"), None, &mut request, start + Duration::from_secs(31)).unwrap();
    }

    proptest::proptest! {
        /// Whatever filters a request carries, an admitted request never reaches outside the
        /// scope, and a refused one is refused for being out of scope.
        #[test]
        fn editing_the_request_never_widens_the_scope(
            countries in proptest::collection::vec("(ES|PT|FR|EU)", 0..4),
            topics in proptest::collection::vec("(assessment|assessment/frameworks|assessments|policy|assessment/x/y)", 0..4),
        ) {
            let partners = Partners::new(&[partner("pk_es")]);
            let mut request = SearchRequest::default();
            if !countries.is_empty() {
                request.filters.push(FacetFilter { kind: FacetKind::Country, values: countries });
            }
            if !topics.is_empty() {
                request.filters.push(FacetFilter { kind: FacetKind::Topic, values: topics });
            }
            match partners.admit(Some("pk_es"), None, &mut request, Instant::now()) {
                Ok(_) => {
                    let countries = filters(&request, FacetKind::Country);
                    proptest::prop_assert!(!countries.is_empty() && countries.iter().all(|c| c == "ES"));
                    let topics = filters(&request, FacetKind::Topic);
                    proptest::prop_assert!(!topics.is_empty());
                    proptest::prop_assert!(topics.iter().all(|t| t == "assessment" || t.starts_with("assessment/")));
                }
                Err(Refusal::OutOfScope(_)) => {}
                Err(other) => proptest::prop_assert!(false, "{other:?}"),
            }
        }
    }

    #[test]
    fn bad_entries_are_named() {
        let mut bad = partner("pk es");
        assert!(bad.validate().unwrap_err().to_string().contains("pk es"));
        let mut bad = partner("pk_es");
        bad.origins = vec!["https://salud.example.es/widget".into()];
        assert!(bad.validate().unwrap_err().to_string().contains("origins"));
        let mut bad = partner("pk_es");
        bad.country = vec!["Spain".into()];
        assert!(bad.validate().unwrap_err().to_string().contains("partners.pk_es.country"));
        let mut good = partner("pk_es");
        good.country = vec!["es".into()];
        good.validate().unwrap();
        assert_eq!(good.country, ["ES"]);
    }
}
