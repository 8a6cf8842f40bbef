//! Facet filters (OR within a facet, AND across facets) and exact facet counts.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{DocId, Score, SegmentReader, Term};

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

/// Collects exact counts of every facet value over the matching documents. Each document's
/// facet column holds each value once (topic ancestors are stored explicitly), so a count is
/// the number of documents, never of mentions.
pub(crate) struct FacetCountCollector {
    fields: Vec<(FacetKind, String)>,
}

impl FacetCountCollector {
    pub(crate) fn new(kinds: &[FacetKind]) -> Self {
        let schema_names = |kind: FacetKind| match kind {
            FacetKind::Topic => "topic",
            FacetKind::Country => "country",
            FacetKind::Lang => "lang_facet",
            FacetKind::Kind => "kind_facet",
            FacetKind::Year => "year_facet",
        };
        FacetCountCollector { fields: kinds.iter().map(|&k| (k, schema_names(k).to_owned())).collect() }
    }
}

pub(crate) struct FacetCountSegment {
    readers: Vec<(FacetKind, tantivy::fastfield::FacetReader, Vec<u64>)>,
}

impl Collector for FacetCountCollector {
    type Fruit = HashMap<FacetKind, HashMap<String, u64>>;
    type Child = FacetCountSegment;

    fn for_segment(&self, _ord: u32, segment: &SegmentReader) -> tantivy::Result<Self::Child> {
        let mut readers = Vec::with_capacity(self.fields.len());
        for (kind, name) in &self.fields {
            let reader = segment.facet_reader(name)?;
            let counts = vec![0u64; reader.num_facets()];
            readers.push((*kind, reader, counts));
        }
        Ok(FacetCountSegment { readers })
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
        for (_, reader, counts) in &mut self.readers {
            for ord in reader.facet_ords(doc) {
                counts[ord as usize] += 1;
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut fruit = HashMap::new();
        for (kind, reader, counts) in self.readers {
            let mut values = HashMap::new();
            let mut facet = Facet::root();
            for (ord, count) in counts.into_iter().enumerate() {
                if count > 0 && reader.facet_from_ord(ord as u64, &mut facet).is_ok() {
                    values.insert(facet.to_path_string().trim_start_matches('/').to_owned(), count);
                }
            }
            fruit.insert(kind, values);
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
