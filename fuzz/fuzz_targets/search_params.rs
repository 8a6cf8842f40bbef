//! Fuzz target: any bytes as the query string of `GET /api/v1/search`. Validation must answer
//! a request or a named parameter error, never panic; an accepted request stays within the
//! configured limits and can be searched.
#![no_main]

use hubsearch::config::SearchConfig;
use hubsearch::search_params::SearchParams;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    let limits = SearchConfig::default();
    match SearchParams::from_query_string(raw, &limits) {
        Ok(params) => {
            let request = &params.request;
            assert!(request.query.chars().count() <= limits.max_query_chars);
            assert!((1..=limits.max_page).contains(&request.page));
            assert!((1..=limits.max_per_page).contains(&request.per_page));
            assert!(request.filters.iter().all(|f| !f.values.is_empty() && f.values.len() <= 50));
        }
        Err(err) => assert!(!err.parameter.is_empty() && !err.detail.is_empty(), "{err:?}"),
    }
});
