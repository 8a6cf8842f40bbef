//! Facet filters (OR within a facet, AND across facets) and exact facet counts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{DocId, Score, Searcher, SegmentReader, Term};

use crate::schema::Fields;

/// The facets a search can filter on and count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FacetKind {
    /// Hierarchical topic slugs.
    Topic,
    /// ISO 3166-1 alpha-2 country codes and `EU`.
    Country,
    /// ISO 639-1 language codes.
    Lang,
    /// Source format.
    Kind,
    /// Publication year.
    Year,
}

impl FacetKind {
    /// Every facet, in response order.
    pub const ALL: [FacetKind; 5] =
        [FacetKind::Topic, FacetKind::Country, FacetKind::Lang, FacetKind::Kind, FacetKind::Year];

    /// The API name of the facet.
    pub fn name(self) -> &'static str {
        match self {
            FacetKind::Topic => "topic",
            FacetKind::Country => "country",
            FacetKind::Lang => "lang",
            FacetKind::Kind => "kind",
            FacetKind::Year => "year",
        }
    }

    /// The name of the facet's field in the schema.
    fn schema_name(self) -> &'static str {
        match self {
            FacetKind::Topic => "topic",
            FacetKind::Country => "country",
            FacetKind::Lang => "lang_facet",
            FacetKind::Kind => "kind_facet",
            FacetKind::Year => "year_facet",
        }
    }

    fn field(self, fields: &Fields) -> tantivy::schema::Field {
        match self {
            FacetKind::Topic => fields.topic,
            FacetKind::Country => fields.country,
            FacetKind::Lang => fields.lang_facet,
            FacetKind::Kind => fields.kind_facet,
            FacetKind::Year => fields.year_facet,
        }
    }
}

/// A filter on one facet: a document matches when it has any of `values`. Topic values match
/// their whole subtree (`assessment` matches `assessment/cost-effectiveness`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetFilter {
    /// Which facet.
    pub kind: FacetKind,
    /// Accepted values (OR).
    pub values: Vec<String>,
}

impl FacetFilter {
    pub(crate) fn to_query(&self, fields: &Fields) -> Box<dyn Query> {
        let field = self.kind.field(fields);
        let clauses: Vec<(Occur, Box<dyn Query>)> = self
            .values
            .iter()
            .map(|value| {
                let facet = Facet::from_path(value.split('/').filter(|p| !p.is_empty()));
                let term = Term::from_facet(field, &facet);
                (Occur::Should, Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>)
            })
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }
}

/// The number of matching documents that have one facet value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCount {
    /// The value (`assessment/cost-effectiveness`, `PT`, `pt`, `pdf`, `2021`).
    pub value: String,
    /// Exact number of matching documents with this value.
    pub count: u64,
}

/// Counts for every facet, each list sorted by count (then value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    /// Counts by facet.
    pub counts: Vec<(FacetKind, Vec<FacetCount>)>,
}

impl Facets {
    /// The counts of one facet.
    pub fn get(&self, kind: FacetKind) -> &[FacetCount] {
        self.counts.iter().find(|(k, _)| *k == kind).map(|(_, c)| c.as_slice()).unwrap_or(&[])
    }
}

/// The facet values of every document of one segment, read once from its facet columns, in
/// two shapes: per document (its value ordinals) and per value (a bit set of its documents).
///
/// A search counts its few matches document by document, and its many matches value by
/// value, as the population count of (matches AND the value's documents): a pass over a few
/// hundred words per value instead of a look-up per match and facet. Through tantivy's
/// `FacetReader` a match cost a search in each column's sparse index (15 % of a search's CPU
/// at 100k documents); by document alone, counting was still 12 %.
pub(crate) struct SegmentFacets {
    /// By facet, in `FacetKind::ALL` order.
    columns: Vec<FacetColumn>,
    /// Words of a document bit set of this segment.
    words: usize,
}

/// One facet column of one segment.
struct FacetColumn {
    ords: ColumnOrds,
    /// Each ordinal's value as the API shows it (`assessment/cost-effectiveness`, `PT`).
    values: Vec<String>,
    /// Each ordinal's documents, a bit per document.
    value_docs: Vec<Vec<u64>>,
}

/// Which value ordinals (indexes into [`FacetColumn::values`]) each document has.
enum ColumnOrds {
    /// At most one value per document (language, kind, year), and fewer than [`NO_VALUE`]
    /// values: `ords[doc]`, or [`NO_VALUE`]. A byte per document keeps a segment's columns in
    /// the core's cache: counting a few thousand matches document by document is a read per
    /// match and column, and with four bytes per document those reads missed the cache (4 % of
    /// a search at 100k documents).
    Single(Vec<u8>),
    /// `ords[starts[doc]..starts[doc + 1]]` are the values of `doc` (topics, countries).
    Multi { starts: Vec<u32>, ords: Vec<u32> },
}

/// A document without a value in a [`ColumnOrds::Single`] column.
const NO_VALUE: u8 = u8::MAX;

impl SegmentFacets {
    fn build(segment: &SegmentReader) -> tantivy::Result<Self> {
        let max_doc = segment.max_doc();
        let words = (max_doc as usize).div_ceil(64);
        let mut columns = Vec::with_capacity(FacetKind::ALL.len());
        for kind in FacetKind::ALL {
            let reader = segment.facet_reader(kind.schema_name())?;
            let mut values = Vec::with_capacity(reader.num_facets());
            let mut facet = Facet::root();
            for ord in 0..reader.num_facets() as u64 {
                reader.facet_from_ord(ord, &mut facet)?;
                values.push(facet.to_path_string().trim_start_matches('/').to_owned());
            }
            let mut value_docs = vec![vec![0u64; words]; values.len()];
            let mut starts = Vec::with_capacity(max_doc as usize + 1);
            let mut ords = Vec::with_capacity(max_doc as usize);
            for doc in 0..max_doc {
                starts.push(ords.len() as u32);
                for ord in reader.facet_ords(doc) {
                    ords.push(ord as u32);
                    value_docs[ord as usize][doc as usize / 64] |= 1 << (doc % 64);
                }
            }
            starts.push(ords.len() as u32);
            let single = values.len() < usize::from(NO_VALUE) && starts.windows(2).all(|w| w[1] - w[0] <= 1);
            let ords = if single {
                ColumnOrds::Single(
                    starts.windows(2).map(|w| if w[1] > w[0] { ords[w[0] as usize] as u8 } else { NO_VALUE }).collect(),
                )
            } else {
                ColumnOrds::Multi { starts, ords }
            };
            columns.push(FacetColumn { ords, values, value_docs });
        }
        Ok(SegmentFacets { columns, words })
    }
}

/// The [`SegmentFacets`] of the segments being searched, built on first use (or when a reload
/// warms them) and dropped when their segment is no longer searched.
#[derive(Default)]
pub(crate) struct FacetTables {
    segments: Mutex<HashMap<SegmentId, Arc<SegmentFacets>>>,
}

impl FacetTables {
    fn get(&self, segment: &SegmentReader) -> tantivy::Result<Arc<SegmentFacets>> {
        let id = segment.segment_id();
        if let Some(table) = self.lock().get(&id) {
            return Ok(table.clone());
        }
        // Built outside the lock: a concurrent search of another segment need not wait.
        let table = Arc::new(SegmentFacets::build(segment)?);
        Ok(self.lock().entry(id).or_insert(table).clone())
    }

    /// Builds the tables of `searcher`'s segments and drops those of every other segment.
    pub(crate) fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        let live: Vec<SegmentId> = searcher.segment_readers().iter().map(|s| s.segment_id()).collect();
        self.lock().retain(|id, _| live.contains(id));
        for segment in searcher.segment_readers() {
            self.get(segment)?;
        }
        Ok(())
    }

    /// Number of segments with a table.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SegmentId, Arc<SegmentFacets>>> {
        self.segments.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Collects exact counts of every facet value over the matching documents. Each document's
/// facet column holds each value once (topic ancestors are stored explicitly), so a count is
/// the number of documents, never of mentions.
pub(crate) struct FacetCountCollector<'a> {
    kinds: Vec<FacetKind>,
    tables: &'a FacetTables,
}

impl<'a> FacetCountCollector<'a> {
    pub(crate) fn new(tables: &'a FacetTables, kinds: &[FacetKind]) -> Self {
        FacetCountCollector { kinds: kinds.to_vec(), tables }
    }
}

pub(crate) struct FacetCountSegment {
    table: Arc<SegmentFacets>,
    /// The counted facets, with their index in `FacetKind::ALL`.
    kinds: Vec<(FacetKind, usize)>,
    /// The matching documents, in order.
    docs: Vec<DocId>,
}

/// Raw facet counts of one search: each counted segment's counts by value ordinal, next to the
/// segment's table that names the ordinals.
///
/// Values are named and summed across segments only once, when the counts are sorted for the
/// response: keying each segment's counts by a copy of its value strings, then merging those
/// maps, cost about 3 % of a search at 100k documents (six segments, ~150 values each).
#[derive(Default)]
pub(crate) struct FacetTally {
    parts: Vec<TallyPart>,
}

/// One facet's counts in one segment.
struct TallyPart {
    kind: FacetKind,
    table: Arc<SegmentFacets>,
    /// Index of the facet's column in `table`.
    column: usize,
    /// Matches by value ordinal.
    counts: Vec<u64>,
}

impl FacetTally {
    /// Adds the counts of another pass (of other facets, or of other segments).
    pub(crate) fn extend(&mut self, other: FacetTally) {
        self.parts.extend(other.parts);
    }
}

impl Collector for FacetCountCollector<'_> {
    type Fruit = FacetTally;
    type Child = FacetCountSegment;

    fn for_segment(&self, _ord: u32, segment: &SegmentReader) -> tantivy::Result<Self::Child> {
        let table = self.tables.get(segment)?;
        let kinds = self
            .kinds
            .iter()
            .map(|&kind| (kind, FacetKind::ALL.iter().position(|&k| k == kind).unwrap_or_default()))
            .collect();
        Ok(FacetCountSegment { table, kinds, docs: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut merged = FacetTally::default();
        for fruit in fruits {
            merged.extend(fruit);
        }
        Ok(merged)
    }
}

impl FacetCountSegment {
    /// Counts per ordinal of `column`, match by match.
    fn count_by_document(&self, column: &FacetColumn) -> Vec<u64> {
        let mut counts = vec![0u64; column.values.len()];
        match &column.ords {
            ColumnOrds::Single(ords) => {
                for &doc in &self.docs {
                    let ord = ords[doc as usize];
                    if ord != NO_VALUE {
                        counts[ord as usize] += 1;
                    }
                }
            }
            ColumnOrds::Multi { starts, ords } => {
                for &doc in &self.docs {
                    let (start, end) = (starts[doc as usize], starts[doc as usize + 1]);
                    for &ord in &ords[start as usize..end as usize] {
                        counts[ord as usize] += 1;
                    }
                }
            }
        }
        counts
    }

    /// Counts per ordinal of `column`, value by value, from the matches as a bit set.
    fn count_by_value(column: &FacetColumn, matches: &[u64]) -> Vec<u64> {
        column
            .value_docs
            .iter()
            .map(|docs| docs.iter().zip(matches).map(|(a, b)| u64::from((a & b).count_ones())).sum())
            .collect()
    }
}

impl SegmentCollector for FacetCountSegment {
    type Fruit = FacetTally;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.docs.push(doc);
    }

    fn harvest(self) -> Self::Fruit {
        // Counting by value costs a pass over the bit sets of every value of the counted
        // facets; by document, a look-up per match and facet (a few times a word's AND and
        // population count).
        let values: usize = self.kinds.iter().map(|&(_, column)| self.table.columns[column].values.len()).sum();
        let by_value = self.docs.len() * self.kinds.len() * 4 > values * self.table.words;
        let matches = by_value.then(|| {
            let mut bits = vec![0u64; self.table.words];
            for &doc in &self.docs {
                bits[doc as usize / 64] |= 1 << (doc % 64);
            }
            bits
        });
        let mut parts = Vec::with_capacity(self.kinds.len());
        for &(kind, column) in &self.kinds {
            let counts = match &matches {
                Some(bits) => Self::count_by_value(&self.table.columns[column], bits),
                None => self.count_by_document(&self.table.columns[column]),
            };
            parts.push(TallyPart { kind, table: self.table.clone(), column, counts });
        }
        FacetTally { parts }
    }
}

/// Sums raw counts across segments and orders them for the response: most frequent first,
/// then by value; values no match has are left out.
pub(crate) fn sorted_counts(raw: FacetTally) -> Facets {
    let mut counts = Vec::new();
    for kind in FacetKind::ALL {
        let mut merged: HashMap<&str, u64> = HashMap::new();
        for part in raw.parts.iter().filter(|p| p.kind == kind) {
            let names = &part.table.columns[part.column].values;
            for (name, &count) in names.iter().zip(&part.counts).filter(|&(_, &count)| count > 0) {
                *merged.entry(name.as_str()).or_default() += count;
            }
        }
        let mut values: Vec<FacetCount> =
            merged.into_iter().map(|(value, count)| FacetCount { value: value.to_owned(), count }).collect();
        values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        counts.push((kind, values));
    }
    Facets { counts }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SearchIndex;
    use crate::writer::IndexDocument;

    /// Both ways of counting give the same counts, for every facet and many sets of matches.
    #[test]
    fn counting_by_value_and_by_document_agree() {
        let index = SearchIndex::create_in_ram(1).unwrap();
        let mut batch = index.batch().unwrap();
        let (langs, countries, topics) = (["en", "fr", "de"], ["PT", "ES", "FR", "EU"], ["policy", "evidence/rct"]);
        for n in 0..300usize {
            let year = (n % 7 != 0).then_some(2015 + (n % 5) as u16);
            batch
                .upsert(&IndexDocument {
                    id: format!("doc-{n}.{}", if n % 3 == 0 { "pdf" } else { "html" }),
                    title: format!("document {n}"),
                    body: "text".into(),
                    lang: langs[n % 3].into(),
                    kind: if n % 3 == 0 { "pdf" } else { "html" }.into(),
                    countries: countries
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| n % (i + 2) == 0)
                        .map(|(_, c)| c.to_string())
                        .collect(),
                    topics: topics.iter().take(n % 3).map(|t| t.to_string()).collect(),
                    published: year.map(|y| y.to_string()),
                    year,
                    content_hash: format!("hash-{n}"),
                    ..IndexDocument::default()
                })
                .unwrap();
        }
        batch.commit().unwrap();
        let searcher = index.searcher();
        let segment = &searcher.segment_readers()[0];
        let table = Arc::new(SegmentFacets::build(segment).unwrap());
        let kinds: Vec<(FacetKind, usize)> = FacetKind::ALL.iter().enumerate().map(|(i, &k)| (k, i)).collect();
        for step in [1usize, 2, 3, 7, 50, 299] {
            let docs: Vec<DocId> = (0..segment.max_doc()).step_by(step).collect();
            let mut bits = vec![0u64; table.words];
            for &doc in &docs {
                bits[doc as usize / 64] |= 1 << (doc % 64);
            }
            let collector = FacetCountSegment { table: table.clone(), kinds: kinds.clone(), docs: docs.clone() };
            for column in &table.columns {
                let by_document = collector.count_by_document(column);
                assert_eq!(FacetCountSegment::count_by_value(column, &bits), by_document, "every {step}th document");
            }
            let lang = &table.columns[FacetKind::ALL.iter().position(|&k| k == FacetKind::Lang).unwrap()];
            assert_eq!(collector.count_by_document(lang).iter().sum::<u64>(), docs.len() as u64, "one language each");
        }
        let lang = &table.columns[FacetKind::ALL.iter().position(|&k| k == FacetKind::Lang).unwrap()];
        assert!(matches!(lang.ords, ColumnOrds::Single(_)), "one language per document");
        let country = &table.columns[FacetKind::ALL.iter().position(|&k| k == FacetKind::Country).unwrap()];
        assert!(matches!(country.ords, ColumnOrds::Multi { .. }), "several countries per document");
    }

    /// A single-valued facet with more values than a byte can number is kept as a multi-valued
    /// column, and still counted right.
    #[test]
    fn a_single_valued_facet_with_many_values_is_counted_right() {
        let index = SearchIndex::create_in_ram(1).unwrap();
        let mut batch = index.batch().unwrap();
        for n in 0..600u16 {
            let year = 1500 + n / 2;
            batch
                .upsert(&IndexDocument {
                    id: format!("doc-{n}.html"),
                    title: format!("document {n}"),
                    body: "text".into(),
                    lang: "en".into(),
                    kind: "html".into(),
                    published: Some(year.to_string()),
                    year: Some(year),
                    content_hash: format!("hash-{n}"),
                    ..IndexDocument::default()
                })
                .unwrap();
        }
        batch.commit().unwrap();
        let searcher = index.searcher();
        let table = SegmentFacets::build(&searcher.segment_readers()[0]).unwrap();
        let year = &table.columns[FacetKind::ALL.iter().position(|&k| k == FacetKind::Year).unwrap()];
        assert_eq!(year.values.len(), 300);
        assert!(matches!(year.ords, ColumnOrds::Multi { .. }), "300 years do not fit in a byte");
        let lang = &table.columns[FacetKind::ALL.iter().position(|&k| k == FacetKind::Lang).unwrap()];
        assert!(matches!(lang.ords, ColumnOrds::Single(_)));
        let facets = index.all_facets().unwrap();
        let years = facets.get(FacetKind::Year);
        assert_eq!(years.len(), 300);
        assert!(years.iter().all(|c| c.count == 2), "two documents a year");
        assert_eq!(facets.get(FacetKind::Lang), [FacetCount { value: "en".into(), count: 600 }]);
    }
}
