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

/// The facet values of every document of one segment, read once from its facet columns into
/// flat arrays. Counting a hit is then a few array reads; through tantivy's `FacetReader` it was
/// a search in each column's sparse optional index per hit (15 % of a search's CPU at 100k
/// documents), and turning ordinals into strings per segment and per search another 7 %.
pub(crate) struct SegmentFacets {
    /// By facet, in `FacetKind::ALL` order.
    columns: Vec<FacetColumn>,
}

/// One facet column of one segment.
struct FacetColumn {
    /// `ords[starts[doc]..starts[doc + 1]]` are the values of `doc`.
    starts: Vec<u32>,
    /// Value ordinals: indexes into `values`.
    ords: Vec<u32>,
    /// Each ordinal's value as the API shows it (`assessment/cost-effectiveness`, `PT`).
    values: Vec<String>,
}

impl SegmentFacets {
    fn build(segment: &SegmentReader) -> tantivy::Result<Self> {
        let mut columns = Vec::with_capacity(FacetKind::ALL.len());
        for kind in FacetKind::ALL {
            let reader = segment.facet_reader(kind.schema_name())?;
            let mut values = Vec::with_capacity(reader.num_facets());
            let mut facet = Facet::root();
            for ord in 0..reader.num_facets() as u64 {
                reader.facet_from_ord(ord, &mut facet)?;
                values.push(facet.to_path_string().trim_start_matches('/').to_owned());
            }
            let max_doc = segment.max_doc();
            let mut starts = Vec::with_capacity(max_doc as usize + 1);
            let mut ords = Vec::with_capacity(max_doc as usize);
            for doc in 0..max_doc {
                starts.push(ords.len() as u32);
                ords.extend(reader.facet_ords(doc).map(|ord| ord as u32));
            }
            starts.push(ords.len() as u32);
            columns.push(FacetColumn { starts, ords, values });
        }
        Ok(SegmentFacets { columns })
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
    /// Per counted facet: its index in `table.columns` and a count per ordinal.
    counts: Vec<(FacetKind, usize, Vec<u32>)>,
}

impl Collector for FacetCountCollector<'_> {
    type Fruit = HashMap<FacetKind, HashMap<String, u64>>;
    type Child = FacetCountSegment;

    fn for_segment(&self, _ord: u32, segment: &SegmentReader) -> tantivy::Result<Self::Child> {
        let table = self.tables.get(segment)?;
        let counts = self
            .kinds
            .iter()
            .map(|&kind| {
                let column = FacetKind::ALL.iter().position(|&k| k == kind).unwrap_or_default();
                (kind, column, vec![0u32; table.columns[column].values.len()])
            })
            .collect();
        Ok(FacetCountSegment { table, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut merged: Self::Fruit = HashMap::new();
        for fruit in fruits {
            for (kind, counts) in fruit {
                let target = merged.entry(kind).or_default();
                for (value, count) in counts {
                    *target.entry(value).or_default() += count;
                }
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for FacetCountSegment {
    type Fruit = HashMap<FacetKind, HashMap<String, u64>>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (_, column, counts) in &mut self.counts {
            let column = &self.table.columns[*column];
            let (start, end) = (column.starts[doc as usize], column.starts[doc as usize + 1]);
            for &ord in &column.ords[start as usize..end as usize] {
                counts[ord as usize] += 1;
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut fruit = HashMap::new();
        for (kind, column, counts) in self.counts {
            let values = &self.table.columns[column].values;
            let counted: HashMap<String, u64> = counts
                .into_iter()
                .enumerate()
                .filter(|&(_, count)| count > 0)
                .map(|(ord, count)| (values[ord].clone(), u64::from(count)))
                .collect();
            fruit.insert(kind, counted);
        }
        fruit
    }
}

/// Orders raw counts for the response: most frequent first, then by value.
pub(crate) fn sorted_counts(raw: HashMap<FacetKind, HashMap<String, u64>>) -> Facets {
    let mut counts = Vec::new();
    for kind in FacetKind::ALL {
        let mut values: Vec<FacetCount> = raw
            .get(&kind)
            .map(|m| m.iter().map(|(value, &count)| FacetCount { value: value.clone(), count }).collect())
            .unwrap_or_default();
        values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        counts.push((kind, values));
    }
    Facets { counts }
}
