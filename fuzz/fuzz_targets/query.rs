//! Fuzz target: any text as a search query. User input must never fail the query parser
//! (syntax errors degrade to plain words), panic, or produce an answer outside the request's
//! page bounds.
#![no_main]

use std::sync::OnceLock;

use index::{IndexDocument, SearchIndex, SearchRequest, SortOrder};
use libfuzzer_sys::fuzz_target;

/// A small index with documents in several languages and scripts, built once per process.
fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let index = SearchIndex::create_in_ram(1).expect("index");
        let mut batch = index.batch().expect("batch");
        let docs = [
            ("a.pdf", "en", "Telemonitoring of heart failure", "Remote monitoring of chronic heart failure patients."),
            ("b.html", "de", "DiGA Erstattung", "Digitale Gesundheitsanwendungen: das Fast-Track-Verfahren."),
            ("c.txt", "ru", "Телемедицина в Казахстане", "Обзор регулирования телемедицины."),
            ("d.pdf", "fr", "Mon espace santé", "Guide d'intégration pour les éditeurs de logiciels."),
            ("e.html", "el", "Ψηφιακή υγεία", "Στρατηγική για την ψηφιακή υγεία 2020-2025."),
        ];
        for (i, (id, lang, title, body)) in docs.into_iter().enumerate() {
            batch
                .upsert(&IndexDocument {
                    id: id.to_owned(),
                    title: title.to_owned(),
                    body: body.to_owned(),
                    lang: lang.to_owned(),
                    kind: id.rsplit('.').next().unwrap().to_owned(),
                    topics: vec!["policy/national-strategy".to_owned()],
                    countries: vec!["DE".to_owned(), "KZ".to_owned()],
                    year: Some(2018 + i as u16),
                    ..IndexDocument::default()
                })
                .expect("upsert");
        }
        batch.commit().expect("commit");
        index
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if text.chars().count() > 512 {
        return; // the API refuses longer queries before they reach the index
    }
    for sort in [SortOrder::Relevance, SortOrder::Date] {
        let request = SearchRequest { query: text.to_owned(), sort, per_page: 3, ..SearchRequest::default() };
        let results = index().search(&request).unwrap_or_else(|err| panic!("query {text:?} failed: {err}"));
        assert!(results.hits.len() <= 3);
        assert!(results.total as usize >= results.hits.len());
    }
});
