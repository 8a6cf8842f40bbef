//! Turning one file into a [`Document`]: read, hash, extract, apply the sidecar, detect the
//! language, classify.

use std::path::Path;
use std::sync::{Arc, RwLock};

use crate::PublishedDate;
use crate::country::{CountryGazetteer, CountrySettings};
use crate::document::{DocId, DocKind, Document};
use crate::error::{ExtractError, IngestError};
use crate::extract::{Extraction, clean_value, extract};
use crate::html::{HtmlExtractor, HttpHints, SiteBoilerplate};
use crate::isolation::{InProcess, Isolation, is_risky};
use crate::language::{DocumentLanguages, LanguageDetector, REGION_LANGUAGES, normalise_code};
use crate::sidecar::Sidecar;
use crate::topic::{Taxonomy, TopicClassifier, TopicSettings};

/// Tunables of document processing.
#[derive(Debug, Clone)]
pub struct ProcessorSettings {
    /// Languages detection may answer (ISO 639-1).
    pub languages: Vec<String>,
    /// whatlang confidence below which an undeclared language is `und`.
    pub min_language_confidence: f64,
    /// Share of a text's character 3- and 4-grams the language model must know before the
    /// text's language is guessed (see [`LanguageDetector::with_min_known_ngrams`]).
    pub min_language_known_ngrams: f64,
    /// Topic classifier thresholds.
    pub topics: TopicSettings,
    /// Country detector thresholds.
    pub countries: CountrySettings,
    /// Whether curated sidecars are read (off only to measure detection on its own).
    pub read_sidecars: bool,
}

impl Default for ProcessorSettings {
    fn default() -> Self {
        ProcessorSettings {
            languages: REGION_LANGUAGES.iter().map(|s| (*s).to_owned()).collect(),
            min_language_confidence: 0.5,
            min_language_known_ngrams: crate::language::DEFAULT_MIN_KNOWN_NGRAMS,
            topics: TopicSettings::default(),
            countries: CountrySettings::default(),
            read_sidecars: true,
        }
    }
}

/// Builds documents from files. Cheap to share between worker threads.
pub struct DocumentProcessor {
    taxonomy: Taxonomy,
    topics: TopicClassifier,
    countries: CountryGazetteer,
    languages: LanguageDetector,
    read_sidecars: bool,
    isolation: Arc<dyn Isolation>,
    /// Blocks repeated across the pages of each site, learned before a run (see
    /// [`DocumentProcessor::set_site_boilerplate`]).
    site_boilerplate: RwLock<Option<Arc<SiteBoilerplate>>>,
}

impl DocumentProcessor {
    /// A processor with the built-in taxonomy and gazetteer.
    pub fn new(settings: ProcessorSettings) -> Result<Self, IngestError> {
        let taxonomy = Taxonomy::builtin()?;
        Ok(DocumentProcessor {
            topics: TopicClassifier::new(&taxonomy, settings.topics),
            countries: CountryGazetteer::builtin(settings.countries)?,
            languages: LanguageDetector::new(&settings.languages, settings.min_language_confidence)
                .with_min_known_ngrams(settings.min_language_known_ngrams),
            read_sidecars: settings.read_sidecars,
            site_boilerplate: RwLock::new(None),
            taxonomy,
            isolation: Arc::new(InProcess),
        })
    }

    /// Runs risky extractions (PDF) through `isolation` instead of in process.
    pub fn with_isolation(mut self, isolation: Arc<dyn Isolation>) -> Self {
        self.isolation = isolation;
        self
    }

    /// The taxonomy, for topic labels.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// The language detector, for routing queries to their language's analysis.
    pub fn language_detector(&self) -> &LanguageDetector {
        &self.languages
    }

    /// The gazetteer, for country labels.
    pub fn gazetteer(&self) -> &CountryGazetteer {
        &self.countries
    }

    /// Sets the blocks known to repeat across the pages of each site, which HTML extraction
    /// then leaves out (`None` forgets them).
    pub fn set_site_boilerplate(&self, learned: Option<SiteBoilerplate>) {
        *self.site_boilerplate.write().unwrap_or_else(|e| e.into_inner()) = learned.map(Arc::new);
    }

    /// Reads and processes the file at `path` as a document with the given id.
    pub fn process_path(&self, id: DocId, path: &Path) -> Result<Document, ExtractError> {
        let kind = DocKind::from_path(path).ok_or_else(|| {
            ExtractError::Unsupported(path.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default())
        })?;
        let bytes = std::fs::read(path).map_err(|source| ExtractError::Read { path: path.to_path_buf(), source })?;
        self.process_bytes(id, kind, path, &bytes)
    }

    /// Processes `bytes`, the content of the file at `path` (used to find its sidecar).
    pub fn process_bytes(&self, id: DocId, kind: DocKind, path: &Path, bytes: &[u8]) -> Result<Document, ExtractError> {
        let content_hash = content_hash(bytes);
        let extraction = match kind {
            DocKind::Html => {
                // A fetched page's response headers are saved beside it (charset, language).
                let hints = HttpHints::load_for(path);
                let learned = self.site_boilerplate.read().unwrap_or_else(|e| e.into_inner()).clone();
                match learned {
                    Some(learned) => {
                        let directory = path.parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
                        learned.extract(bytes, &hints, &directory)
                    }
                    None => HtmlExtractor::extract_with(bytes, &hints, None),
                }
            }
            _ if is_risky(kind) => self.isolation.extract(kind, bytes)?,
            _ => extract(kind, bytes)?,
        };
        let mut warnings = extraction.warnings.clone();
        let sidecar = if self.read_sidecars {
            Sidecar::load_for(path).unwrap_or_else(|err| {
                warnings.push(err);
                None
            })
        } else {
            None
        };
        Ok(self.build(id, kind, content_hash, extraction, sidecar.unwrap_or_default(), warnings, path))
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        &self,
        id: DocId,
        kind: DocKind,
        content_hash: String,
        extraction: Extraction,
        sidecar: Sidecar,
        mut warnings: Vec<String>,
        path: &Path,
    ) -> Document {
        let title = sidecar
            .title
            .as_deref()
            .and_then(clean_value)
            .or(extraction.title.clone())
            .unwrap_or_else(|| title_from_file_name(path));
        let given = match sidecar.lang.as_deref().map(|l| (l, normalise_code(l))) {
            Some((_, Some(code))) => Some(code),
            Some((given, None)) => {
                warnings.push(format!("sidecar lang {given:?} is not an ISO 639-1 code; detected instead"));
                None
            }
            None => None,
        };
        let DocumentLanguages { lang, other_langs } =
            self.languages.document(&extraction.text, extraction.lang_hint.as_deref(), given.as_deref());
        let topics = match sidecar.topics {
            Some(topics) => {
                let (known, unknown): (Vec<String>, Vec<String>) =
                    topics.into_iter().partition(|t| self.taxonomy.contains(t));
                if !unknown.is_empty() {
                    warnings.push(format!("sidecar topics not in the taxonomy, ignored: {}", unknown.join(", ")));
                }
                known
            }
            None => self.topics.classify(&lang, &title, &extraction.headings, &extraction.text),
        };
        let countries = match sidecar.countries {
            Some(countries) => {
                let (known, unknown): (Vec<String>, Vec<String>) = countries
                    .into_iter()
                    .map(|c| c.trim().to_ascii_uppercase())
                    .partition(|c| self.countries.contains(c));
                if !unknown.is_empty() {
                    warnings.push(format!("sidecar countries not in the gazetteer, ignored: {}", unknown.join(", ")));
                }
                known
            }
            None => {
                // The author's own summary (description, keywords) names what the document is
                // about as surely as its body does, so its mentions count as body mentions.
                let mut text = String::new();
                for part in extraction.description.iter().chain(&extraction.keywords) {
                    text.push_str(part);
                    text.push_str(" .\n");
                }
                text.push_str(&extraction.text);
                self.countries.detect(&lang, &title, &text)
            }
        };
        let published = match sidecar.published.as_deref() {
            Some(given) => PublishedDate::parse_iso(given).or_else(|| {
                warnings.push(format!("sidecar published {given:?} is not YYYY, YYYY-MM or YYYY-MM-DD"));
                extraction.published
            }),
            None => extraction.published,
        };
        Document {
            id,
            kind,
            title,
            lang,
            other_langs,
            topics,
            countries,
            published,
            modified: extraction.modified,
            url: sidecar.url.or(extraction.url),
            description: sidecar.description.or(extraction.description),
            author: sidecar.author.or(extraction.author),
            keywords: sidecar.keywords.unwrap_or(extraction.keywords),
            doc_type: sidecar.doc_type,
            pages: extraction.pages,
            page_starts: extraction.page_starts,
            text: extraction.text,
            content_hash,
            warnings,
        }
    }
}

/// BLAKE3 of a file's bytes, hex-encoded.
pub fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// "pt-copd-telemonitoring_2021.pdf" → "pt copd telemonitoring 2021": better than nothing.
fn title_from_file_name(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let words: Vec<&str> = stem.split(['-', '_', ' ', '.']).filter(|w| !w.is_empty()).collect();
    if words.is_empty() { stem } else { words.join(" ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_metadata_beats_detection_and_bad_values_warn() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("note.txt");
        std::fs::write(&path, "Telemonitoring in Portugal\n\nPortugal evaluated telemonitoring for COPD in Portugal. The programme reduced admissions.").unwrap();
        let processor = DocumentProcessor::new(ProcessorSettings::default()).unwrap();

        let plain = processor.process_path(DocId::from_stored("note.txt"), &path).unwrap();
        assert_eq!(plain.title, "Telemonitoring in Portugal");
        assert_eq!(plain.lang, "en");
        assert_eq!(plain.countries, ["PT"]);
        assert_eq!(plain.kind, DocKind::Text);
        assert_eq!(plain.content_hash.len(), 64);

        std::fs::write(
            Sidecar::path_for(&path),
            "title = \"Curated title\"\nlang = \"pt\"\ncountries = [\"es\", \"XX\"]\ntopics = [\"evidence\", \"nope\"]\npublished = \"2021-02\"\n",
        )
        .unwrap();
        let curated = processor.process_path(DocId::from_stored("note.txt"), &path).unwrap();
        assert_eq!(curated.title, "Curated title");
        assert_eq!(curated.lang, "pt");
        assert_eq!(curated.countries, ["ES"]);
        assert_eq!(curated.topics, ["evidence"]);
        assert_eq!(curated.published.unwrap().to_string(), "2021-02");
        assert_eq!(curated.warnings.len(), 2, "{:?}", curated.warnings);
        assert!(curated.warnings.iter().any(|w| w.contains("XX")));
    }

    #[test]
    fn a_country_in_the_description_counts_with_one_in_the_body() {
        let processor = DocumentProcessor::new(ProcessorSettings::default()).unwrap();
        let page = |description: &str| {
            format!(
                "<html lang=\"de\"><head><title>Gesundheits-Apps: Worauf achten?</title>\
                 <meta name=\"description\" content=\"{description}\"></head><body><main>\
                 <p>Qualitätskriterien helfen Patientinnen und Fachpersonen bei der Wahl einer App. \
                 Die Empfehlungen gelten für Hersteller in der Schweiz und werden regelmässig \
                 überprüft.</p></main></body></html>"
            )
        };
        let process = |html: String| {
            processor.process_bytes(DocId::from_stored("a.html"), DocKind::Html, Path::new("a.html"), html.as_bytes())
        };
        let with = process(page("Qualitätskriterien für Gesundheits-Apps in der Schweiz.")).unwrap();
        assert_eq!(with.countries, ["CH"]);
        let without = process(page("Qualitätskriterien für Gesundheits-Apps.")).unwrap();
        assert!(without.countries.is_empty(), "{:?}", without.countries);
    }

    #[test]
    fn file_name_is_the_last_resort_title() {
        assert_eq!(title_from_file_name(Path::new("a/pt-copd_2021.pdf")), "pt copd 2021");
    }
}
