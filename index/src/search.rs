//! Ranked, filtered, faceted, paginated search.

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, EnableScoring};
use tantivy::{DocAddress, DocSet, Order, SeekDangerResult};

use crate::facet::{FacetCountCollector, FacetFilter, FacetKind, FacetTally, Facets, sorted_counts};
use tantivy::query::Query;

use crate::query::{TextQuery, text_query, with_filters};
use crate::snippet::SnippetMaker;
use crate::statistics::RequestStatistics;
use crate::store::{SearchIndex, StoredFields};

/// Below this many documents matching every word, documents matching any word are shown.
const AND_MIN_HITS: usize = 5;

/// Hits whose proximity bonus is computed, at least: the best by the rest of the score. A
/// hit below them cannot climb into the page with the bonus (on NFCorpus the bonus moves a
/// hit a few places, not a hundred).
const PROXIMITY_RESCORED: usize = 100;

/// How much a brand-new document gains over an undated or old one (×1.5), halving every
/// `RECENCY_HALF_LIFE_YEARS`.
const RECENCY_WEIGHT: f32 = 0.5;
const RECENCY_HALF_LIFE_YEARS: f32 = 3.0;

/// The score multiplier of a document published at `published` (seconds), seen at `now`.
fn recency_factor(now: i64, published: i64) -> f32 {
    if published == i64::MIN {
        return 1.0;
    }
    let age_years = ((now - published).max(0) as f32) / (365.25 * 86_400.0);
    1.0 + RECENCY_WEIGHT * (-age_years / RECENCY_HALF_LIFE_YEARS).exp2()
}

/// One collection pass: the page's (score, address) pairs, the total, and facet counts.
type Page = (Vec<(f32, DocAddress)>, usize, FacetTally);

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Best match first (BM25); newest first when there are no query words.
    #[default]
    Relevance,
    /// Newest first; undated documents last.
    Date,
}

/// One search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// The user's words; empty lists every document (placeholder search).
    pub query: String,
    /// Facet filters: OR within one, AND across them.
    pub filters: Vec<FacetFilter>,
    /// 1-based page number.
    pub page: usize,
    /// Hits per page.
    pub per_page: usize,
    /// Ordering.
    pub sort: SortOrder,
    /// Snippet length in characters; 0 skips snippets (evaluation runs).
    pub snippet_chars: usize,
    /// Whether the last word also matches words it begins (search as you type).
    pub prefix_last_word: bool,
    /// Favour recent documents: the time (seconds since the epoch) ages are counted from.
    pub recency_from: Option<i64>,
    /// Language of the query (ISO 639-1), whose stemmed field is searched too.
    pub query_lang: Option<String>,
    /// Whether words naming a glossary concept also search its terms in the other languages
    /// (weighted below the words themselves).
    pub cross_lang: bool,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            filters: Vec::new(),
            page: 1,
            per_page: 10,
            sort: SortOrder::Relevance,
            snippet_chars: 240,
            prefix_last_word: true,
            recency_from: None,
            query_lang: None,
            cross_lang: false,
        }
    }
}

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Document id.
    pub id: String,
    /// Title (plain text; escape it before putting it in HTML).
    pub title: String,
    /// URL of the resource, if known.
    pub url: Option<String>,
    /// HTML-safe snippet: escaped text with `<mark>` around matches.
    pub snippet: String,
    /// Language.
    pub lang: String,
    /// Topic slugs, ancestors included.
    pub topics: Vec<String>,
    /// Country codes.
    pub countries: Vec<String>,
    /// Source format.
    pub kind: String,
    /// Publication date (`2021`, `2021-03` or `2021-03-15`).
    pub published: Option<String>,
    /// Relevance score (0 when ordered by date).
    pub score: f32,
}

/// The answer to a search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// Exact number of matching documents.
    pub total: u64,
    /// The requested page of hits.
    pub hits: Vec<Hit>,
    /// Exact facet counts over all matching documents.
    pub facets: Facets,
}

impl SearchIndex {
    /// Runs `request` against the last committed state of the index.
    ///
    /// Facet counts are disjunctive: the counts of a facet that has a filter are taken over the
    /// documents matching every *other* filter, so that picking one value (`country=ES`) still
    /// shows how many documents the other values (`PT`) would add to an OR selection. Facets
    /// without a filter are counted in the main collection; each filtered facet costs one extra
    /// counting pass.
    pub fn search(&self, request: &SearchRequest) -> crate::Result<SearchResults> {
        let stats = RequestStatistics::new(self.searcher());
        let text = text_query(
            self,
            &stats,
            &request.query,
            request.prefix_last_word,
            request.query_lang.as_deref(),
            request.cross_lang,
        );
        self.search_with(&stats, request, text)
    }

    /// [`SearchIndex::search`] with the text part already built (the benchmark's yardstick
    /// builds it another way).
    pub(crate) fn search_with(
        &self,
        stats: &RequestStatistics,
        request: &SearchRequest,
        text: Option<TextQuery>,
    ) -> crate::Result<SearchResults> {
        let searcher = stats.searcher();
        let by_date = request.sort == SortOrder::Date || text.is_none();
        let filtered = filtered_kinds(&request.filters);
        let unfiltered: Vec<FacetKind> = FacetKind::ALL.into_iter().filter(|k| !filtered.contains(k)).collect();
        // AND first; when every word together finds too little, any word will do (documents
        // with more of the words still rank higher). The AND pass is the real one, so the OR
        // fall-back costs a second pass only when it is taken.
        let offset = request.page.saturating_sub(1).saturating_mul(request.per_page);
        let per_page = request.per_page.max(1);
        let proximity: &[Box<dyn Query>] = match &text {
            Some(t) if !by_date => &t.proximity,
            _ => &[],
        };
        // The proximity bonus needs the words' positions: scoring it for every match was most of
        // the ranking's cost over the foundation's query. The best hits by the rest of the score
        // are collected (the page and as many again, at least `PROXIMITY_RESCORED`), the bonus is
        // added to theirs, and the page is cut after.
        let (limit, skip) = if proximity.is_empty() {
            (per_page, offset)
        } else {
            (offset.saturating_add(per_page).saturating_mul(2).max(PROXIMITY_RESCORED), 0)
        };
        let mut ranked: Option<&dyn Query> = text.as_ref().map(|t| t.all.as_ref());
        let (mut addresses, mut total, mut facet_counts) =
            self.collect_page(stats, request, ranked, &unfiltered, by_date, limit, skip)?;
        if let Some(t) = &text
            && t.clauses >= 2
            && total < AND_MIN_HITS
        {
            ranked = Some(t.any.as_ref());
            (addresses, total, facet_counts) =
                self.collect_page(stats, request, ranked, &unfiltered, by_date, limit, skip)?;
        }
        if !proximity.is_empty() {
            add_proximity(stats, proximity, &mut addresses, request.recency_from)?;
            // Stable: equal scores keep the collector's order.
            addresses.sort_by(|a, b| b.0.total_cmp(&a.0));
            addresses = addresses.into_iter().skip(offset).take(per_page).collect();
        }
        for kind in filtered {
            let others: Vec<FacetFilter> = request.filters.iter().filter(|f| f.kind != kind).cloned().collect();
            let query = with_filters(self, ranked, &others);
            let collector = FacetCountCollector::new(self.facet_tables(), &[kind]);
            facet_counts.extend(searcher.search_with_statistics_provider(&query, &collector, stats)?);
        }

        let snippets = SnippetMaker::new(
            self,
            stats,
            text.as_ref().map(|t| t.highlight.as_ref()),
            &request.query,
            request.snippet_chars,
        );
        let fields = self.fields();
        let mut hits = Vec::with_capacity(addresses.len());
        for (score, address) in addresses {
            let mut doc: StoredFields = searcher.doc(address)?;
            let snippet = snippets.snippet(doc.text(fields.body).unwrap_or_default(), doc.text(fields.description));
            hits.push(Hit {
                id: doc.take_text(fields.id).unwrap_or_default(),
                title: doc.take_text(fields.title).unwrap_or_default(),
                url: doc.take_text(fields.url),
                snippet,
                lang: doc.take_text(fields.lang).unwrap_or_default(),
                topics: doc.facets(fields.topic),
                countries: doc.facets(fields.country),
                kind: doc.take_text(fields.kind).unwrap_or_default(),
                published: doc.take_text(fields.published),
                score,
            });
        }
        Ok(SearchResults { total: total as u64, hits, facets: sorted_counts(facet_counts) })
    }

    /// One pass over the matches of `ranked` under the request's filters: the best `limit`
    /// hits after the first `offset`, the exact total and the counts of the `unfiltered` facets.
    #[allow(clippy::too_many_arguments)]
    fn collect_page(
        &self,
        stats: &RequestStatistics,
        request: &SearchRequest,
        ranked: Option<&dyn Query>,
        unfiltered: &[FacetKind],
        by_date: bool,
        limit: usize,
        offset: usize,
    ) -> crate::Result<Page> {
        let searcher = stats.searcher();
        let query = with_filters(self, ranked, &request.filters);
        let top = TopDocs::with_limit(limit).and_offset(offset);
        let facet_collector = FacetCountCollector::new(self.facet_tables(), unfiltered);
        Ok(if by_date {
            let collector = top.order_by_fast_field::<i64>("published_ts", Order::Desc);
            let (docs, total, facets) =
                searcher.search_with_statistics_provider(&query, &(collector, Count, facet_collector), stats)?;
            (docs.into_iter().map(|(_, address)| (0.0, address)).collect(), total, facets)
        } else if let Some(now) = request.recency_from {
            let collector = top.tweak_score(move |segment: &tantivy::SegmentReader| {
                let published = published_dates(segment);
                move |doc: tantivy::DocId, score: f32| {
                    let ts = published.as_ref().map_or(i64::MIN, |c| c.get_val(doc));
                    score * recency_factor(now, ts)
                }
            });
            searcher.search_with_statistics_provider(&query, &(collector, Count, facet_collector), stats)?
        } else {
            searcher.search_with_statistics_provider(&query, &(top.order_by_score(), Count, facet_collector), stats)?
        })
    }

    /// Exact counts of every value of every facet over the whole index (what
    /// `GET /api/v1/facets` lists).
    pub fn all_facets(&self) -> crate::Result<Facets> {
        let searcher = self.searcher();
        let counts = searcher.search(&AllQuery, &FacetCountCollector::new(self.facet_tables(), &FacetKind::ALL))?;
        Ok(sorted_counts(counts))
    }
}

/// Adds the proximity bonus (`proximity`'s queries, scored as clauses of the query would be) to
/// the score of each hit that matches them, times the hit's recency factor when the ranking
/// favours recent documents (as the collector multiplied the rest of its score).
fn add_proximity(
    stats: &RequestStatistics,
    proximity: &[Box<dyn Query>],
    hits: &mut [(f32, DocAddress)],
    recency_from: Option<i64>,
) -> crate::Result<()> {
    let searcher = stats.searcher();
    let mut weights = Vec::with_capacity(proximity.len());
    for query in proximity {
        weights.push(query.weight(EnableScoring::enabled_from_statistics_provider(stats, searcher))?);
    }
    // Segment by segment, in document order: each phrase scorer only ever moves forward, and
    // starts at the first hit rather than at the first phrase match of the segment.
    let mut order: Vec<(DocAddress, usize)> = hits.iter().enumerate().map(|(i, hit)| (hit.1, i)).collect();
    order.sort_unstable();
    for group in order.chunk_by(|a, b| a.0.segment_ord == b.0.segment_ord) {
        let segment = searcher.segment_reader(group[0].0.segment_ord);
        let published = recency_from.and_then(|_| published_dates(segment));
        for weight in &weights {
            let (first, mut scorer) = weight.scorer_danger(segment, group[0].0.doc_id, 1.0)?;
            // Below this document, the scorer has nothing (it must not be sought below it).
            let mut bound = 0;
            for (n, &(address, i)) in group.iter().enumerate() {
                let doc = address.doc_id;
                let found = match n {
                    0 => first,
                    _ if doc < bound => continue,
                    _ => scorer.seek_danger(doc),
                };
                if let SeekDangerResult::SeekLowerBound(next) = found {
                    bound = next;
                } else {
                    let factor = match (recency_from, &published) {
                        (Some(now), Some(column)) => recency_factor(now, column.get_val(doc)),
                        _ => 1.0,
                    };
                    hits[i].0 += scorer.score() * factor;
                }
            }
        }
    }
    Ok(())
}

/// A segment's publication timestamps by document (`i64::MIN` for undated ones), which the
/// recency factor reads.
fn published_dates(
    segment: &tantivy::SegmentReader,
) -> Option<std::sync::Arc<dyn tantivy::columnar::ColumnValues<i64>>> {
    segment.fast_fields().i64("published_ts").ok().map(|column| column.first_or_default_col(i64::MIN))
}

/// The facets that have a non-empty filter, each once.
fn filtered_kinds(filters: &[FacetFilter]) -> Vec<FacetKind> {
    let mut kinds: Vec<FacetKind> = filters.iter().filter(|f| !f.values.is_empty()).map(|f| f.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::writer::IndexDocument;

    fn doc(
        id: &str,
        title: &str,
        body: &str,
        lang: &str,
        countries: &[&str],
        topics: &[&str],
        year: Option<u16>,
    ) -> IndexDocument {
        IndexDocument {
            id: id.to_owned(),
            title: title.to_owned(),
            body: body.to_owned(),
            lang: lang.to_owned(),
            kind: if id.ends_with(".pdf") { "pdf" } else { "html" }.to_owned(),
            countries: countries.iter().map(|s| s.to_string()).collect(),
            topics: topics.iter().map(|s| s.to_string()).collect(),
            published: year.map(|y| y.to_string()),
            published_ts: year.map(|y| (i64::from(y) - 1970) * 31_557_600),
            year,
            content_hash: format!("hash-{id}"),
            fingerprint: format!("fp-{id}"),
            extractor_version: 1,
            ..IndexDocument::default()
        }
    }

    fn sample_index() -> SearchIndex {
        let index = SearchIndex::create_in_ram(1).unwrap();
        let mut batch = index.batch().unwrap();
        for d in [
            doc(
                "a.pdf",
                "Telemonitoring in Portugal",
                "COPD telemonitoring reduced admissions in Portugal.",
                "en",
                &["PT"],
                &["evidence/real-world", "chronic-disease/respiratory"],
                Some(2021),
            ),
            doc(
                "b.html",
                "Remboursement des applications",
                "Le remboursement des applications de santé en France.",
                "fr",
                &["FR"],
                &["reimbursement/schemes"],
                Some(2023),
            ),
            doc(
                "c.html",
                "DiGA fast track",
                "Erstattung digitaler Gesundheitsanwendungen in Deutschland.",
                "de",
                &["DE"],
                &["reimbursement/schemes", "assessment"],
                Some(2020),
            ),
            doc(
                "d.pdf",
                "Iberian comparison",
                "Telemonitoring programmes in Spain and Portugal compared.",
                "en",
                &["ES", "PT"],
                &["evidence"],
                None,
            ),
            doc(
                "e.html",
                "Security guide",
                "Never render <script>alert(1)</script> from documents & escape it.",
                "en",
                &[],
                &["app-quality"],
                Some(2019),
            ),
        ] {
            batch.upsert(&d).unwrap();
        }
        batch.commit().unwrap();
        index
    }

    fn ids(results: &SearchResults) -> Vec<&str> {
        results.hits.iter().map(|h| h.id.as_str()).collect()
    }

    fn request(query: &str) -> SearchRequest {
        SearchRequest { query: query.to_owned(), ..SearchRequest::default() }
    }

    #[test]
    fn ranks_title_matches_first_and_folds_diacritics() {
        let index = sample_index();
        let results = index.search(&request("telemonitoring")).unwrap();
        assert_eq!(ids(&results), ["a.pdf", "d.pdf"]);
        assert!(results.hits[0].score > results.hits[1].score);
        assert_eq!(ids(&index.search(&request("sante")).unwrap()), ["b.html"]);
    }

    #[test]
    fn filters_are_or_within_and_across_facets() {
        let index = sample_index();
        let filter =
            |kind, values: &[&str]| FacetFilter { kind, values: values.iter().map(|s| s.to_string()).collect() };
        let mut req = request("");
        req.filters = vec![filter(FacetKind::Country, &["PT", "FR"])];
        let mut got = ids(&index.search(&req).unwrap()).into_iter().map(str::to_owned).collect::<Vec<_>>();
        got.sort();
        assert_eq!(got, ["a.pdf", "b.html", "d.pdf"]);
        req.filters.push(filter(FacetKind::Topic, &["evidence"]));
        let results = index.search(&req).unwrap();
        assert_eq!(results.total, 2, "topic parent matches its subtree");
        req.filters.push(filter(FacetKind::Kind, &["html"]));
        assert_eq!(index.search(&req).unwrap().total, 0);
    }

    #[test]
    fn facet_counts_are_exact_and_hierarchical() {
        let index = sample_index();
        let results = index.search(&request("")).unwrap();
        assert_eq!(results.total, 5);
        let count = |kind, value: &str| results.facets.get(kind).iter().find(|c| c.value == value).map(|c| c.count);
        assert_eq!(count(FacetKind::Country, "PT"), Some(2));
        assert_eq!(count(FacetKind::Topic, "reimbursement"), Some(2));
        assert_eq!(count(FacetKind::Topic, "reimbursement/schemes"), Some(2));
        assert_eq!(count(FacetKind::Topic, "evidence"), Some(2));
        assert_eq!(count(FacetKind::Year, "2021"), Some(1));
        let kinds: u64 = results.facets.get(FacetKind::Kind).iter().map(|c| c.count).sum();
        assert_eq!(kinds, results.total, "every document has exactly one kind");
    }

    #[test]
    fn facet_counts_follow_deletes_and_new_segments() {
        let index = sample_index();
        let count = |facets: &Facets, kind, value: &str| {
            facets.get(kind).iter().find(|c| c.value == value).map_or(0, |c| c.count)
        };
        let before = index.all_facets().unwrap();
        assert_eq!(count(&before, FacetKind::Country, "PT"), 2);
        assert_eq!(count(&before, FacetKind::Topic, "evidence"), 2);
        let mut batch = index.batch().unwrap();
        batch.delete("a.pdf");
        batch
            .upsert(&doc("f.html", "Nordic", "Telemonitoring in Norway.", "en", &["NO"], &["evidence"], Some(2022)))
            .unwrap();
        batch.commit().unwrap();
        let after = index.all_facets().unwrap();
        assert_eq!(count(&after, FacetKind::Country, "PT"), 1, "the deleted document is not counted");
        assert_eq!(count(&after, FacetKind::Country, "NO"), 1, "the new segment is counted");
        assert_eq!(count(&after, FacetKind::Topic, "evidence"), 2);
        assert_eq!(count(&after, FacetKind::Topic, "evidence/real-world"), 0);
        assert_eq!(count(&after, FacetKind::Year, "2022"), 1);
        let segments = index.searcher().segment_readers().len();
        assert_eq!(index.facet_tables().len(), segments, "one table per live segment");
        let results = index.search(&request("telemonitoring")).unwrap();
        assert_eq!(count(&results.facets, FacetKind::Country, "NO"), 1);
        assert_eq!(count(&results.facets, FacetKind::Country, "PT"), 1);
    }

    #[test]
    fn placeholder_search_lists_newest_first_and_paginates() {
        let index = sample_index();
        let mut req = request("   ");
        req.per_page = 2;
        assert_eq!(ids(&index.search(&req).unwrap()), ["b.html", "a.pdf"]);
        req.page = 3;
        assert_eq!(ids(&index.search(&req).unwrap()), ["d.pdf"], "undated last");
        req.page = 4;
        let empty = index.search(&req).unwrap();
        assert!(empty.hits.is_empty());
        assert_eq!(empty.total, 5);
    }

    #[test]
    fn snippets_mark_matches_and_escape_document_text() {
        let index = sample_index();
        let results = index.search(&request("script render")).unwrap();
        let snippet = &results.hits[0].snippet;
        assert!(snippet.contains("<mark>"), "{snippet}");
        assert!(snippet.contains("&lt;"), "{snippet}");
        let stripped = snippet.replace("<mark>", "").replace("</mark>", "");
        assert!(!stripped.contains('<'), "unescaped markup in {snippet}");
    }

    #[test]
    fn recency_boost_favours_newer_documents_among_similar_ones() {
        let index = SearchIndex::create_in_ram(1).unwrap();
        let mut batch = index.batch().unwrap();
        batch
            .upsert(&doc(
                "old.html",
                "Telehealth report",
                "telehealth telehealth evaluation",
                "en",
                &[],
                &[],
                Some(2005),
            ))
            .unwrap();
        batch
            .upsert(&doc("new.html", "Telehealth report", "telehealth evaluation", "en", &[], &[], Some(2024)))
            .unwrap();
        batch.commit().unwrap();
        let mut req = request("telehealth");
        assert_eq!(ids(&index.search(&req).unwrap()), ["old.html", "new.html"], "more mentions win on BM25 alone");
        req.recency_from = Some((2025 - 1970) * 31_557_600);
        let boosted = index.search(&req).unwrap();
        assert_eq!(ids(&boosted), ["new.html", "old.html"]);
        assert!(recency_factor(0, i64::MIN) == 1.0 && recency_factor(0, 0) == 1.5);
    }

    #[test]
    fn a_mixed_language_document_is_stemmed_in_each_of_its_languages() {
        let index = SearchIndex::create_in_ram(1).unwrap();
        let mut batch = index.batch().unwrap();
        let mut mixed = doc(
            "mixed.pdf",
            "Annual report",
            "Evaluation of telemedicine. Оценка телемедицинских услуг.",
            "en",
            &[],
            &[],
            None,
        );
        mixed.other_langs = vec!["ru".to_owned()];
        batch.upsert(&mixed).unwrap();
        batch.upsert(&doc("en.pdf", "Other report", "Оценка телемедицинских услуг.", "en", &[], &[], None)).unwrap();
        batch.commit().unwrap();
        // "телемедицинская" shares the Russian stem with "телемедицинских"; both documents also
        // match it as a two-letter typo, but only the one with a Russian section has the stem.
        let mut req = request("телемедицинская");
        req.query_lang = Some("ru".to_owned());
        req.prefix_last_word = false;
        let results = index.search(&req).unwrap();
        assert_eq!(ids(&results), ["mixed.pdf", "en.pdf"]);
        assert!(results.hits[0].score > results.hits[1].score * 1.5, "{:?}", results.hits);
    }

    #[test]
    fn the_proximity_bonus_on_the_best_hits_scores_as_a_clause_of_the_query_would() {
        let index = SearchIndex::create_in_ram(1).unwrap();
        let far = "heart rate and sleep were measured, and later the failure of the pump";
        let filler = "one two three four five six seven eight nine";
        // Two commits, two segments: the bonus is added segment by segment.
        for part in [0, 1] {
            let mut batch = index.batch().unwrap();
            for n in 0..6 {
                let body = match n % 3 {
                    0 => "remote monitoring of heart failure at home".to_owned(),
                    1 => format!("{far}. {filler} heart heart {filler}. {far}"),
                    _ => far.to_owned(),
                };
                batch.upsert(&doc(&format!("{part}-{n}.html"), "report", &body, "en", &[], &[], None)).unwrap();
            }
            batch.upsert(&doc(&format!("{part}-heart.html"), "heart", "heart only", "en", &[], &[], None)).unwrap();
            batch.commit().unwrap();
        }
        assert_eq!(index.searcher().segment_readers().len(), 2);
        let stats = RequestStatistics::new(index.searcher());
        let text = crate::query::text_query(&index, &stats, "heart failure", false, None, false).unwrap();
        assert_eq!(text.proximity.len(), 2, "title and body");
        // The bonus as the clauses it used to be, scored over every match.
        let mut clauses = vec![(tantivy::query::Occur::Must, text.all.box_clone())];
        clauses.extend(text.proximity.iter().map(|q| (tantivy::query::Occur::Should, q.box_clone())));
        let reference = stats
            .searcher()
            .search(&tantivy::query::BooleanQuery::new(clauses), &TopDocs::with_limit(20).order_by_score())
            .unwrap();
        let mut req = request("heart failure");
        req.prefix_last_word = false;
        req.per_page = 20;
        let results = index.search(&req).unwrap();
        assert_eq!(results.total, 12);
        assert_eq!(results.hits.len(), reference.len());
        for (hit, (score, _)) in results.hits.iter().zip(&reference) {
            assert!((hit.score - score).abs() < 1e-4, "{} scored {} instead of {score}", hit.id, hit.score);
        }
        let order = |hits: &[Hit]| {
            hits.iter().map(|h| h.id.ends_with("-0.html") || h.id.ends_with("-3.html")).collect::<Vec<_>>()
        };
        assert_eq!(&order(&results.hits)[..4], [true; 4], "close together outranks more mentions far apart");
        // Pages are cut after the bonus: page 2 of 3 is the reference's hits 4 and 5.
        req.per_page = 3;
        req.page = 2;
        let page = index.search(&req).unwrap();
        let scores: Vec<f32> = page.hits.iter().map(|h| h.score).collect();
        let expected: Vec<f32> = reference[3..6].iter().map(|(s, _)| *s).collect();
        assert!(scores.iter().zip(&expected).all(|(a, b)| (a - b).abs() < 1e-4), "{scores:?} vs {expected:?}");
    }

    #[test]
    fn terms_absent_from_a_field_are_not_searched_yet_an_absent_word_still_blocks_and() {
        let index = sample_index();
        let stats = RequestStatistics::new(index.searcher());
        let terms = |query: &str, lang: Option<&str>| {
            let text = crate::query::text_query(&index, &stats, query, false, lang, false).unwrap();
            let mut terms = Vec::new();
            text.all.query_terms(&mut |term, _| terms.push(term.clone()));
            terms
        };
        // Language unknown: the neutral title and body hold the word, the description does not,
        // and of the 16 stemmed fields only English holds its stem.
        let searched = terms("telemonitoring", None);
        assert_eq!(searched.len(), 3, "{searched:?}");
        assert!(searched.iter().any(|t| t.field() == index.fields().stemmed_field("en").unwrap()));
        // A word found nowhere leaves an empty clause: AND finds nothing, so OR is taken.
        assert!(terms("zzqxwv", Some("en")).is_empty());
        let mut req = request("telemonitoring zzqxwv");
        req.prefix_last_word = false;
        assert_eq!(ids(&index.search(&req).unwrap()), ["a.pdf", "d.pdf"]);
    }

    #[test]
    fn user_syntax_errors_degrade_to_words() {
        let index = sample_index();
        for query in [
            "\"unbalanced telemonitoring",
            "telemonitoring AND",
            "(( ]] -",
            "title:",
            "*",
            "-",
            "a:b:c",
            // Found by the query fuzz target: an exists-query on a field that is not there.
            "acontent_has\0D :*",
            "nosuchfield:*",
        ] {
            index.search(&request(query)).unwrap_or_else(|e| panic!("{query}: {e}"));
        }
        assert!(index.search(&request("\"unbalanced telemonitoring")).unwrap().total >= 1);
    }

    #[test]
    fn upsert_replaces_and_delete_removes() {
        let index = sample_index();
        let mut batch = index.batch().unwrap();
        batch.upsert(&doc("a.pdf", "Replaced title", "new words only", "en", &[], &[], None)).unwrap();
        batch.delete("b.html");
        batch.commit().unwrap();
        assert_eq!(index.num_docs(), 4);
        assert_eq!(index.search(&request("telemonitoring")).unwrap().total, 1);
        assert_eq!(ids(&index.search(&request("replaced")).unwrap()), ["a.pdf"]);
        let states = index.indexed_states().unwrap();
        assert_eq!(states.len(), 4);
        assert_eq!(states["a.pdf"].content_hash, "hash-a.pdf");
        assert_eq!(states["c.html"].fingerprint, "fp-c.html");
        assert!(index.get("b.html").unwrap().is_none());
        assert_eq!(index.get("c.html").unwrap().unwrap().countries, ["DE"]);
    }

    #[test]
    fn an_abandoned_batch_changes_nothing() {
        let index = sample_index();
        {
            let mut batch = index.batch().unwrap();
            batch.delete("a.pdf");
            batch.upsert(&doc("z.html", "Ghost", "ghost", "en", &[], &[], None)).unwrap();
        }
        let mut batch = index.batch().unwrap();
        batch.upsert(&doc("y.html", "Kept", "kept", "en", &[], &[], None)).unwrap();
        batch.commit().unwrap();
        assert_eq!(index.num_docs(), 6);
        assert_eq!(index.search(&request("ghost")).unwrap().total, 0);
    }

    #[test]
    fn facet_counts_are_disjunctive() {
        let index = sample_index();
        let mut req = request("");
        req.filters = vec![FacetFilter { kind: FacetKind::Country, values: vec!["ES".into()] }];
        let results = index.search(&req).unwrap();
        assert_eq!(results.total, 1);
        let count = |kind, value: &str| results.facets.get(kind).iter().find(|c| c.value == value).map(|c| c.count);
        // Choosing Spain leaves the other countries' counts as if no country were chosen...
        assert_eq!(count(FacetKind::Country, "PT"), Some(2));
        assert_eq!(count(FacetKind::Country, "FR"), Some(1));
        // ...while the other facets count the filtered result.
        assert_eq!(count(FacetKind::Topic, "evidence"), Some(1));
        assert_eq!(count(FacetKind::Topic, "reimbursement"), None);
        assert_eq!(index.all_facets().unwrap(), index.search(&request("")).unwrap().facets);
    }

    /// Everything a generated document needs for a brute-force count.
    type GenDoc = (Vec<&'static str>, Vec<&'static str>, bool);

    /// Whether `doc` passes the country and topic filters (a topic filter matches its subtree).
    fn passes(doc: &GenDoc, countries: &[&str], topics: &[&str]) -> bool {
        let (c, t, has_word) = doc;
        *has_word
            && (countries.is_empty() || c.iter().any(|c| countries.contains(c)))
            && (topics.is_empty() || t.iter().any(|t| topics.iter().any(|f| t == f || t.starts_with(&format!("{f}/")))))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn facet_counts_match_a_brute_force_count(
            docs in prop::collection::vec((prop::sample::subsequence(vec!["PT", "ES", "FR", "DE"], 0..=3),
                                           prop::sample::subsequence(vec!["evidence", "evidence/real-world", "policy", "policy/governance"], 0..=2),
                                           prop::bool::ANY), 1..30),
            filter_country in prop::sample::subsequence(vec!["PT", "ES", "FR"], 0..=2),
            filter_topic in prop::sample::subsequence(vec!["evidence", "policy/governance"], 0..=1),
        ) {
            let index = SearchIndex::create_in_ram(1).unwrap();
            let mut batch = index.batch().unwrap();
            for (i, (countries, topics, has_word)) in docs.iter().enumerate() {
                let body = if *has_word { "telehealth report" } else { "other report" };
                batch.upsert(&doc(&format!("{i}.html"), "t", body, "en", countries, topics, None)).unwrap();
            }
            batch.commit().unwrap();
            let mut req = request("telehealth");
            req.per_page = 100;
            let to_filter = |kind, values: &[&str]| FacetFilter { kind, values: values.iter().map(|s| s.to_string()).collect() };
            if !filter_country.is_empty() {
                req.filters.push(to_filter(FacetKind::Country, &filter_country));
            }
            if !filter_topic.is_empty() {
                req.filters.push(to_filter(FacetKind::Topic, &filter_topic));
            }
            let results = index.search(&req).unwrap();
            let total = docs.iter().filter(|d| passes(d, &filter_country, &filter_topic)).count() as u64;
            prop_assert_eq!(results.total, total);
            prop_assert_eq!(results.hits.len() as u64, total);
            // Country counts ignore the country filter but honour the topic filter.
            let country_base: Vec<&GenDoc> = docs.iter().filter(|d| passes(d, &[], &filter_topic)).collect();
            for country in ["PT", "ES", "FR", "DE"] {
                let expected = country_base.iter().filter(|(c, _, _)| c.contains(&country)).count() as u64;
                let got = results.facets.get(FacetKind::Country).iter().find(|c| c.value == country).map_or(0, |c| c.count);
                prop_assert_eq!(got, expected, "country {}", country);
            }
            // Topic counts (at every level) ignore the topic filter but honour the country filter.
            let topic_base: Vec<&GenDoc> = docs.iter().filter(|d| passes(d, &filter_country, &[])).collect();
            for topic in ["evidence", "evidence/real-world", "policy", "policy/governance"] {
                let expected = topic_base.iter().filter(|d| passes(d, &[], &[topic])).count() as u64;
                let got = results.facets.get(FacetKind::Topic).iter().find(|c| c.value == topic).map_or(0, |c| c.count);
                prop_assert_eq!(got, expected, "topic {}", topic);
            }
            // Unfiltered facets count the result itself: every hit has exactly one kind.
            let kinds: u64 = results.facets.get(FacetKind::Kind).iter().map(|c| c.count).sum();
            prop_assert_eq!(kinds, total);
        }
    }
}
