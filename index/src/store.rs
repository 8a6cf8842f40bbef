//! Opening, creating and reading the on-disk index.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use tantivy::collector::TopDocs;
use tantivy::indexer::NoMergePolicy;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, OwnedValue};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};

use crate::analyzer;
use crate::completions::Completions;
use crate::directory::IndexDirectory;
use crate::error::IndexError;
use crate::facet::FacetTables;
use crate::schema::{self, Fields, SCHEMA_VERSION};
use crate::writer::{IndexDocument, IndexWriteBatch};

/// Name of the file beside the index that records the schema version it was built with.
const VERSION_FILE: &str = "hubsearch-schema-version";

/// Bytes of stored documents (before compression) per block of the document store. A hit's
/// stored fields are read by decompressing its whole block: with tantivy's 16 kB, three or four
/// documents of the library's typical 5 kB for each hit shown. At 4 kB a block holds one such
/// document: 12 % less CPU a search (10k documents, in process), a store 4 % larger (see
/// BENCHMARKS.md, issue 10, fifth session).
const DOCSTORE_BLOCK_BYTES: usize = 4096;

/// The settings a new index is created with.
fn index_settings() -> tantivy::IndexSettings {
    tantivy::IndexSettings { docstore_blocksize: DOCSTORE_BLOCK_BYTES, ..tantivy::IndexSettings::default() }
}

/// Heap the writer may use before flushing a segment, shared by its threads.
const WRITER_HEAP_BYTES: usize = 100_000_000;

/// What the index holds for a document, for change detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedState {
    /// Source fingerprint (size and mtime) when it was indexed.
    pub fingerprint: String,
    /// Content hash of the source when it was indexed.
    pub content_hash: String,
    /// Extractor version that produced it.
    pub extractor_version: u32,
}

/// One stored document's metadata (no body), as `GET /documents/{id}` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDocument {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// URL, if known.
    pub url: Option<String>,
    /// Description, if known.
    pub description: Option<String>,
    /// Language.
    pub lang: String,
    /// Format.
    pub kind: String,
    /// Curated type.
    pub doc_type: Option<String>,
    /// Topic slugs, ancestors included.
    pub topics: Vec<String>,
    /// Country codes.
    pub countries: Vec<String>,
    /// Publication date.
    pub published: Option<String>,
    /// Page count.
    pub pages: Option<u32>,
    /// Author.
    pub author: Option<String>,
    /// Length of the indexed text in characters.
    pub text_chars: usize,
}

/// The search index: a tantivy index, its reader, and (for the process that writes) its writer.
pub struct SearchIndex {
    pub(crate) index: Index,
    reader: IndexReader,
    fields: Fields,
    writer: Mutex<Option<IndexWriter>>,
    writer_threads: usize,
    /// Completion table of the current searcher generation, built on first use.
    completions: Mutex<Option<Arc<Completions>>>,
    facet_tables: FacetTables,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it if there is none. An index built with another
    /// schema version is deleted and created anew (the library is the source of truth, so a
    /// re-ingest restores it); the second value says whether that happened.
    pub fn open_or_create(dir: &Path, writer_threads: usize) -> crate::Result<(Self, bool)> {
        std::fs::create_dir_all(dir).map_err(|source| IndexError::Directory { path: dir.to_path_buf(), source })?;
        let (schema, fields) = schema::build();
        let version_path = dir.join(VERSION_FILE);
        let has_index = dir.join("meta.json").is_file();
        let version_matches =
            std::fs::read_to_string(&version_path).ok().is_some_and(|v| v.trim() == SCHEMA_VERSION.to_string());
        let mut rebuilt = false;
        if has_index && !version_matches {
            clear_dir(dir)?;
            rebuilt = true;
        }
        let directory = IndexDirectory::open(dir).map_err(|e| IndexError::Directory {
            path: dir.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
        // An index keeps the settings it was created with (they are in its meta.json).
        let index = Index::builder().schema(schema).settings(index_settings()).open_or_create(directory)?;
        if !version_matches {
            write_atomically(&version_path, SCHEMA_VERSION.to_string().as_bytes())?;
        }
        Ok((Self::from_index(index, fields, writer_threads)?, rebuilt))
    }

    /// Opens an existing index in `dir` for searching only.
    pub fn open_read_only(dir: &Path) -> crate::Result<Self> {
        let version = std::fs::read_to_string(dir.join(VERSION_FILE)).ok();
        if !dir.join("meta.json").is_file() {
            return Err(IndexError::Directory {
                path: dir.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no index here"),
            });
        }
        if version.as_deref().map(str::trim) != Some(SCHEMA_VERSION.to_string().as_str()) {
            return Err(IndexError::SchemaMismatch(dir.to_path_buf()));
        }
        let (_, fields) = schema::build();
        let directory = IndexDirectory::open(dir).map_err(|e| IndexError::Directory {
            path: dir.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let index = Index::open(directory)?;
        Self::from_index(index, fields, 1)
    }

    /// A fresh index in memory (evaluation, tests).
    pub fn create_in_ram(writer_threads: usize) -> crate::Result<Self> {
        let (schema, fields) = schema::build();
        let index = Index::builder().schema(schema).settings(index_settings()).create_in_ram()?;
        Self::from_index(index, fields, writer_threads)
    }

    fn from_index(index: Index, fields: Fields, writer_threads: usize) -> crate::Result<Self> {
        index.tokenizers().register(analyzer::NEUTRAL, analyzer::neutral());
        for (code, language) in analyzer::STEMMED_LANGUAGES {
            index.tokenizers().register(&analyzer::stemmed_name(code), analyzer::stemmed(*language));
        }
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            fields,
            writer: Mutex::new(None),
            writer_threads: writer_threads.max(1),
            completions: Mutex::new(None),
            facet_tables: FacetTables::default(),
        })
    }

    pub(crate) fn fields(&self) -> &Fields {
        &self.fields
    }

    pub(crate) fn searcher(&self) -> tantivy::Searcher {
        self.reader.searcher()
    }

    pub(crate) fn facet_tables(&self) -> &FacetTables {
        &self.facet_tables
    }

    /// Makes the last commit visible, with the facet tables of its segments built before the
    /// first search needs them.
    pub(crate) fn reload(&self) -> crate::Result<()> {
        self.reader.reload()?;
        self.facet_tables.warm(&self.reader.searcher())?;
        // A process that completes words rebuilds the table now rather than on a keystroke.
        let serves_completions = self.completions.lock().unwrap_or_else(|e| e.into_inner()).is_some();
        if serves_completions {
            self.completions()?;
        }
        Ok(())
    }

    /// The completion table of the current searcher generation.
    pub(crate) fn completions(&self) -> crate::Result<Arc<Completions>> {
        let searcher = self.searcher();
        let mut cached = self.completions.lock().unwrap_or_else(|e| e.into_inner());
        match cached.as_ref() {
            Some(table) if table.generation() == searcher.generation().generation_id() => Ok(Arc::clone(table)),
            _ => {
                let table = Arc::new(Completions::build(&searcher, &[self.fields.title, self.fields.body])?);
                *cached = Some(Arc::clone(&table));
                Ok(table)
            }
        }
    }

    /// Starts a batch of changes. Only one batch exists at a time: this waits for the previous
    /// one to end. Fails when another process holds the index's write lock.
    pub fn batch(&self) -> crate::Result<IndexWriteBatch<'_>> {
        Ok(IndexWriteBatch::new(self, self.open_writer()?))
    }

    /// The writer, opened if it is not yet, held until the guard is dropped.
    pub(crate) fn open_writer(&self) -> crate::Result<MutexGuard<'_, Option<IndexWriter>>> {
        let mut guard = self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if guard.is_none() {
            let writer = self
                .index
                .writer_with_num_threads(self.writer_threads, WRITER_HEAP_BYTES * self.writer_threads)
                .map_err(|err| match err {
                    tantivy::TantivyError::LockFailure(_, msg) => IndexError::Locked(msg.unwrap_or_default()),
                    other => IndexError::Tantivy(other),
                })?;
            // Segments are merged only by `compact`, after a commit (see `compaction`).
            writer.set_merge_policy(Box::new(NoMergePolicy));
            *guard = Some(writer);
        }
        Ok(guard)
    }

    /// Number of documents visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The change-detection state of every indexed document, by id, read from fast fields in
    /// one pass (no stored-document access).
    pub fn indexed_states(&self) -> crate::Result<HashMap<String, IndexedState>> {
        let searcher = self.reader.searcher();
        let mut states = HashMap::with_capacity(searcher.num_docs() as usize);
        let (mut id, mut fingerprint, mut hash) = (String::new(), String::new(), String::new());
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let ids = fast.str("id")?.ok_or_else(|| missing_column("id"))?;
            let fingerprints = fast.str("fingerprint")?.ok_or_else(|| missing_column("fingerprint"))?;
            let hashes = fast.str("content_hash")?.ok_or_else(|| missing_column("content_hash"))?;
            let versions = fast.u64("extractor_version")?;
            for doc in segment.doc_ids_alive() {
                let read = |column: &tantivy::columnar::StrColumn, out: &mut String| -> crate::Result<()> {
                    out.clear();
                    if let Some(ord) = column.term_ords(doc).next() {
                        column.ord_to_str(ord, out).map_err(|e| IndexError::Tantivy(e.into()))?;
                    }
                    Ok(())
                };
                read(&ids, &mut id)?;
                read(&fingerprints, &mut fingerprint)?;
                read(&hashes, &mut hash)?;
                let extractor_version = versions.first(doc).unwrap_or(0) as u32;
                states.insert(
                    id.clone(),
                    IndexedState { fingerprint: fingerprint.clone(), content_hash: hash.clone(), extractor_version },
                );
            }
        }
        Ok(states)
    }

    /// Document `id` as it was indexed, rebuilt from its stored fields, with the
    /// change-detection values of `state` (which are not stored). Lets a caller re-index a
    /// document whose source bytes did not change (to record a new fingerprint) without
    /// extracting it again.
    pub fn indexed_document(&self, id: &str, state: &IndexedState) -> crate::Result<Option<IndexDocument>> {
        let Some(mut doc) = self.stored_by_id(id)? else { return Ok(None) };
        let f = &self.fields;
        let published = doc.take_text(f.published);
        Ok(Some(IndexDocument {
            id: doc.take_text(f.id).unwrap_or_default(),
            title: doc.take_text(f.title).unwrap_or_default(),
            body: doc.take_text(f.body).unwrap_or_default(),
            description: doc.take_text(f.description),
            url: doc.take_text(f.url),
            lang: doc.take_text(f.lang).unwrap_or_default(),
            other_langs: doc.texts(f.other_langs),
            kind: doc.take_text(f.kind).unwrap_or_default(),
            doc_type: doc.take_text(f.doc_type),
            topics: doc.facets(f.topic),
            countries: doc.facets(f.country),
            // The year facet is not stored; it is the year of the publication date.
            year: published.as_deref().and_then(|p| p.get(..4)).and_then(|y| y.parse().ok()),
            published,
            published_ts: doc.i64(f.published_ts).filter(|&ts| ts != i64::MIN),
            pages: doc.u64(f.pages).map(|p| p as u32),
            author: doc.take_text(f.author),
            content_hash: state.content_hash.clone(),
            fingerprint: state.fingerprint.clone(),
            extractor_version: state.extractor_version,
        }))
    }

    /// The stored fields of document `id`, if it is indexed.
    fn stored_by_id(&self, id: &str) -> crate::Result<Option<StoredFields>> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(Term::from_field_text(self.fields.id, id), IndexRecordOption::Basic);
        match searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?.into_iter().next() {
            Some((_, address)) => Ok(Some(searcher.doc(address)?)),
            None => Ok(None),
        }
    }

    /// The stored metadata of document `id`.
    pub fn get(&self, id: &str) -> crate::Result<Option<StoredDocument>> {
        let Some(mut doc) = self.stored_by_id(id)? else { return Ok(None) };
        let f = &self.fields;
        Ok(Some(StoredDocument {
            id: doc.take_text(f.id).unwrap_or_default(),
            title: doc.take_text(f.title).unwrap_or_default(),
            url: doc.take_text(f.url),
            description: doc.take_text(f.description),
            lang: doc.take_text(f.lang).unwrap_or_default(),
            kind: doc.take_text(f.kind).unwrap_or_default(),
            doc_type: doc.take_text(f.doc_type),
            topics: doc.facets(f.topic),
            countries: doc.facets(f.country),
            published: doc.take_text(f.published),
            pages: doc.u64(f.pages).map(|p| p as u32),
            author: doc.take_text(f.author),
            text_chars: doc.text(f.body).map_or(0, |b| b.chars().count()),
        }))
    }
}

fn missing_column(name: &str) -> IndexError {
    IndexError::Tantivy(tantivy::TantivyError::SchemaError(format!("fast field {name} is missing")))
}

/// A document's stored fields as they come out of the store, in order: the values are moved
/// out, not copied (tantivy's `TantivyDocument` copies every value into its own buffer, and
/// reading a field from it copies it again; a hit's body is read for each search that shows it).
#[derive(Debug, Default)]
pub(crate) struct StoredFields {
    values: Vec<(tantivy::schema::Field, OwnedValue)>,
}

impl tantivy::schema::document::DocumentDeserialize for StoredFields {
    fn deserialize<'de, D>(mut deserializer: D) -> Result<Self, tantivy::schema::document::DeserializeError>
    where
        D: tantivy::schema::document::DocumentDeserializer<'de>,
    {
        let mut values = Vec::with_capacity(deserializer.size_hint());
        while let Some(entry) = deserializer.next_field::<OwnedValue>()? {
            values.push(entry);
        }
        Ok(StoredFields { values })
    }
}

impl StoredFields {
    /// The first value of `field`.
    fn value(&self, field: tantivy::schema::Field) -> Option<&OwnedValue> {
        self.values.iter().find(|(f, _)| *f == field).map(|(_, value)| value)
    }

    /// The first value of `field`, if it is a signed integer.
    pub(crate) fn i64(&self, field: tantivy::schema::Field) -> Option<i64> {
        match self.value(field) {
            Some(OwnedValue::I64(n)) => Some(*n),
            _ => None,
        }
    }

    /// The first value of `field`, if it is an unsigned integer.
    pub(crate) fn u64(&self, field: tantivy::schema::Field) -> Option<u64> {
        match self.value(field) {
            Some(OwnedValue::U64(n)) => Some(*n),
            _ => None,
        }
    }

    /// The first value of `field`, if it is text.
    pub(crate) fn text(&self, field: tantivy::schema::Field) -> Option<&str> {
        match self.value(field) {
            Some(OwnedValue::Str(text)) => Some(text),
            _ => None,
        }
    }

    /// Every text value of `field`, in order.
    pub(crate) fn texts(&self, field: tantivy::schema::Field) -> Vec<String> {
        self.values
            .iter()
            .filter(|(f, _)| *f == field)
            .filter_map(|(_, value)| match value {
                OwnedValue::Str(text) => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    /// [`StoredFields::text`], moved out (the field then reads as absent).
    pub(crate) fn take_text(&mut self, field: tantivy::schema::Field) -> Option<String> {
        match self.values.iter_mut().find(|(f, _)| *f == field) {
            Some((_, value @ OwnedValue::Str(_))) => match std::mem::replace(value, OwnedValue::Null) {
                OwnedValue::Str(text) => Some(text),
                _ => None,
            },
            _ => None,
        }
    }

    /// The facet values of `field` as slugs without the leading `/` (`assessment/cost-effectiveness`).
    pub(crate) fn facets(&self, field: tantivy::schema::Field) -> Vec<String> {
        self.values
            .iter()
            .filter(|(f, _)| *f == field)
            .filter_map(|(_, value)| match value {
                OwnedValue::Facet(facet) => Some(facet.to_path_string().trim_start_matches('/').to_owned()),
                _ => None,
            })
            .collect()
    }
}

/// Writes `path` so that a crash leaves either the old or the new content, never a torn file.
fn write_atomically(path: &Path, content: &[u8]) -> crate::Result<()> {
    let tmp = path.with_extension("tmp");
    let result = std::fs::File::create(&tmp)
        .and_then(|mut file| {
            std::io::Write::write_all(&mut file, content)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    result.map_err(|source| IndexError::Directory { path: path.to_path_buf(), source })
}

fn clear_dir(dir: &Path) -> crate::Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| IndexError::Directory { path: dir.to_path_buf(), source })?;
    for entry in entries.flatten() {
        let path: PathBuf = entry.path();
        let result = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        result.map_err(|source| IndexError::Directory { path, source })?;
    }
    Ok(())
}

#[cfg(test)]
impl SearchIndex {
    /// The unit tests' fixture: a committed in-RAM index of English text documents given as
    /// `(id, title, body)`.
    pub(crate) fn with_english_texts(documents: &[(&str, &str, &str)]) -> SearchIndex {
        let index = SearchIndex::create_in_ram(1).unwrap();
        let mut batch = index.batch().unwrap();
        for (id, title, body) in documents {
            let document = IndexDocument {
                id: (*id).into(),
                title: (*title).into(),
                body: (*body).into(),
                lang: "en".into(),
                kind: "text".into(),
                ..IndexDocument::default()
            };
            batch.upsert(&document).unwrap();
        }
        batch.commit().unwrap();
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_indexes_store_documents_in_small_blocks_and_keep_them() {
        let dir = tempfile::tempdir().unwrap();
        let (index, _) = SearchIndex::open_or_create(dir.path(), 1).unwrap();
        assert_eq!(index.index.settings().docstore_blocksize, DOCSTORE_BLOCK_BYTES);
        let mut batch = index.batch().unwrap();
        let body = "five kilobytes of text ".repeat(220);
        for n in 0..6 {
            let document =
                IndexDocument { id: format!("{n}"), title: "t".into(), body: body.clone(), ..IndexDocument::default() };
            batch.upsert(&document).unwrap();
        }
        batch.commit().unwrap();
        drop(index);
        let reopened = SearchIndex::open_read_only(dir.path()).unwrap();
        assert_eq!(reopened.index.settings().docstore_blocksize, DOCSTORE_BLOCK_BYTES);
        assert_eq!(reopened.get("3").unwrap().unwrap().text_chars, body.len());
        assert_eq!(SearchIndex::create_in_ram(1).unwrap().index.settings().docstore_blocksize, DOCSTORE_BLOCK_BYTES);
    }

    #[test]
    fn an_indexed_document_is_rebuilt_as_it_was_written() {
        let index = SearchIndex::create_in_ram(1).unwrap();
        let original = IndexDocument {
            id: "reports/a.pdf".to_owned(),
            title: "Telemonitoring in Portugal".to_owned(),
            body: "Body text about heart failure.".to_owned(),
            description: Some("An evaluation".to_owned()),
            url: Some("https://example.org/a".to_owned()),
            lang: "pt".to_owned(),
            other_langs: vec!["en".to_owned()],
            kind: "pdf".to_owned(),
            doc_type: Some("report".to_owned()),
            topics: vec!["chronic-disease".to_owned(), "chronic-disease/cardiovascular".to_owned()],
            countries: vec!["PT".to_owned()],
            published: Some("2021-03".to_owned()),
            published_ts: Some(1_614_556_800),
            year: Some(2021),
            pages: Some(12),
            author: Some("SPMS".to_owned()),
            content_hash: "hash".to_owned(),
            fingerprint: "1:2:-".to_owned(),
            extractor_version: 3,
        };
        let mut batch = index.batch().unwrap();
        batch.upsert(&original).unwrap();
        batch.commit().unwrap();

        let state = index.indexed_states().unwrap().remove("reports/a.pdf").unwrap();
        let rebuilt = index.indexed_document("reports/a.pdf", &state).unwrap().unwrap();
        assert_eq!(rebuilt, original);
        assert_eq!(index.indexed_document("missing.pdf", &state).unwrap(), None);
    }
}
