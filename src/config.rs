//! The one typed configuration: defaults that work with no file, then `hubsearch.toml` (or
//! `--config FILE`), then `HUBSEARCH_*` environment variables, then command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Name of the configuration file looked for in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "hubsearch.toml";

/// Everything the service can be told. Every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The resource library to ingest (`HUBSEARCH_LIBRARY`).
    pub library: PathBuf,
    /// Where the index and service state live (`HUBSEARCH_DATA`).
    pub data: PathBuf,
    /// Address the HTTP server listens on (`HUBSEARCH_LISTEN`).
    pub listen: SocketAddr,
    /// Worker threads for extraction; 0 means one per core.
    pub workers: usize,
    /// Whether `serve` ingests what is new or changed in the library when it starts.
    pub ingest_on_start: bool,
    /// Log output: `text` or `json`.
    pub log_format: LogFormat,
    /// Search limits and defaults.
    pub search: SearchConfig,
    /// Language detection.
    pub languages: LanguageConfig,
    /// Topic and country classification thresholds.
    pub classify: ClassifyConfig,
    /// HTTP server limits.
    pub http: HttpConfig,
    /// Web pages and sitemaps to fetch into the library.
    pub web: WebConfig,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Limits and defaults of search requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchConfig {
    /// Longest accepted query, in characters.
    pub max_query_chars: usize,
    /// Hits per page when the request does not say.
    pub default_per_page: usize,
    /// Most hits per page a request may ask for.
    pub max_per_page: usize,
    /// Deepest page a request may ask for.
    pub max_page: usize,
    /// Snippet length in characters.
    pub snippet_chars: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            max_query_chars: 512,
            default_per_page: 10,
            max_per_page: 100,
            max_page: 500,
            snippet_chars: 240,
        }
    }
}

/// Language detection settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LanguageConfig {
    /// ISO 639-1 codes detection may answer.
    pub allowlist: Vec<String>,
    /// Confidence below which an undeclared language is `und`.
    pub min_confidence: f64,
}

impl Default for LanguageConfig {
    fn default() -> Self {
        let defaults = ingest::ProcessorSettings::default();
        LanguageConfig { allowlist: defaults.languages, min_confidence: defaults.min_language_confidence }
    }
}

/// Classification thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClassifyConfig {
    /// Body mentions that make a country a subject of a document (a title mention always does).
    pub country_min_mentions: f32,
    /// Minimum weighted term score for a topic.
    pub topic_min_score: f32,
    /// Most topics per document.
    pub max_topics: usize,
}

impl Default for ClassifyConfig {
    fn default() -> Self {
        let defaults = ingest::ProcessorSettings::default();
        ClassifyConfig {
            country_min_mentions: defaults.countries.min_body_mentions,
            topic_min_score: defaults.topics.min_score,
            max_topics: defaults.topics.max_topics,
        }
    }
}

/// HTTP server limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Seconds a request may take before it is answered with 503.
    pub request_timeout_secs: u64,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig { request_timeout_secs: 10, max_body_bytes: 64 * 1024 }
    }
}

/// Web sources: pages and sitemaps fetched, kept as snapshots and ingested with the library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebConfig {
    /// Page URLs to fetch.
    pub pages: Vec<String>,
    /// Sitemap URLs whose pages are fetched.
    pub sitemaps: Vec<String>,
    /// A TOML file in the library with more `pages` and `sitemaps` (ignored if absent).
    pub sources_file: PathBuf,
    /// Whether `ingest` and `serve` fetch the web sources before ingesting.
    pub fetch_on_ingest: bool,
    /// User-Agent of requests; its first word is the robots.txt product token.
    pub user_agent: String,
    /// Least time between two requests to the same host, in milliseconds (a robots.txt
    /// `Crawl-delay` can only make it longer).
    pub delay_ms: u64,
    /// Time limit of one request, connection and body included, in seconds.
    pub timeout_secs: u64,
    /// Largest body accepted, in bytes.
    pub max_bytes: u64,
    /// Redirects followed before giving up.
    pub max_redirects: u32,
    /// Most pages taken from the sitemaps, in all.
    pub max_sitemap_pages: usize,
    /// Whether PDFs linked from fetched pages are fetched too.
    pub fetch_linked_pdfs: bool,
    /// Most linked PDFs fetched per page.
    pub max_pdfs_per_page: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            pages: Vec::new(),
            sitemaps: Vec::new(),
            sources_file: PathBuf::from("web-sources.toml"),
            fetch_on_ingest: true,
            user_agent: format!("hubsearch/{} (+https://mhealth-hub.org)", env!("CARGO_PKG_VERSION")),
            delay_ms: 1000,
            timeout_secs: 30,
            max_bytes: 50 * 1024 * 1024,
            max_redirects: 5,
            max_sitemap_pages: 1000,
            fetch_linked_pdfs: false,
            max_pdfs_per_page: 20,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            library: PathBuf::from("library"),
            data: PathBuf::from("data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            workers: 0,
            ingest_on_start: true,
            log_format: LogFormat::Text,
            search: SearchConfig::default(),
            languages: LanguageConfig::default(),
            classify: ClassifyConfig::default(),
            http: HttpConfig::default(),
            web: WebConfig::default(),
        }
    }
}

impl Config {
    /// Loads the configuration: defaults, then `file` (which must exist) or else
    /// `hubsearch.toml` in the working directory if there is one, then `HUBSEARCH_*` variables
    /// (`__` separates nesting: `HUBSEARCH_SEARCH__MAX_PER_PAGE=50`).
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                anyhow::ensure!(path.is_file(), "config file {} does not exist", path.display());
                figment = figment.merge(Toml::file_exact(path));
            }
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                figment = figment.merge(Toml::file_exact(DEFAULT_CONFIG_FILE))
            }
            None => {}
        }
        let figment = figment.merge(Env::prefixed("HUBSEARCH_").split("__"));
        let config: Config = figment.extract().context("invalid configuration")?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        let s = &self.search;
        anyhow::ensure!(s.max_per_page >= 1, "search.max_per_page must be at least 1");
        anyhow::ensure!(
            (1..=s.max_per_page).contains(&s.default_per_page),
            "search.default_per_page must be between 1 and search.max_per_page ({})",
            s.max_per_page
        );
        anyhow::ensure!(s.max_page >= 1, "search.max_page must be at least 1");
        anyhow::ensure!(s.max_query_chars >= 1, "search.max_query_chars must be at least 1");
        anyhow::ensure!(self.web.timeout_secs >= 1, "web.timeout_secs must be at least 1");
        anyhow::ensure!(self.web.max_bytes >= 1024, "web.max_bytes must be at least 1024");
        anyhow::ensure!(!self.web.user_agent.trim().is_empty(), "web.user_agent must not be empty");
        Ok(())
    }

    /// Directory of the search index.
    pub fn index_dir(&self) -> PathBuf {
        self.data.join("index")
    }

    /// Directory of the snapshots of fetched web pages.
    pub fn web_dir(&self) -> PathBuf {
        self.data.join("web")
    }

    /// Number of extraction workers to run.
    pub fn worker_count(&self) -> usize {
        if self.workers > 0 {
            return self.workers;
        }
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
    }

    /// Settings for the document processor.
    pub fn processor_settings(&self) -> ingest::ProcessorSettings {
        let defaults = ingest::ProcessorSettings::default();
        ingest::ProcessorSettings {
            languages: self.languages.allowlist.clone(),
            min_language_confidence: self.languages.min_confidence,
            topics: ingest::topic::TopicSettings {
                min_score: self.classify.topic_min_score,
                max_topics: self.classify.max_topics,
                ..defaults.topics
            },
            countries: ingest::country::CountrySettings { min_body_mentions: self.classify.country_min_mentions },
        }
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment's own error type.
mod tests {
    use super::*;

    // figment::Jail isolates the working directory and the environment for each closure.
    #[test]
    fn defaults_need_no_file_and_layers_override_in_order() {
        figment::Jail::expect_with(|jail| {
            let config = Config::load(None).expect("defaults");
            assert_eq!(config, Config::default());
            assert_eq!(config.listen.to_string(), "127.0.0.1:8080");

            jail.create_file("hubsearch.toml", "library = \"docs\"\n[search]\nmax_per_page = 40\n")?;
            jail.set_env("HUBSEARCH_SEARCH__MAX_PER_PAGE", "30");
            jail.set_env("HUBSEARCH_DATA", "/var/lib/hubsearch");
            let config = Config::load(None).expect("layers");
            assert_eq!(config.library, PathBuf::from("docs"));
            assert_eq!(config.search.max_per_page, 30);
            assert_eq!(config.data, PathBuf::from("/var/lib/hubsearch"));
            Ok(())
        });
    }

    #[test]
    fn web_sources_from_the_file_and_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "hubsearch.toml",
                "[web]\npages = [\"https://example.org/a\"]\nfetch_linked_pdfs = true\n",
            )?;
            jail.set_env("HUBSEARCH_WEB__DELAY_MS", "250");
            let config = Config::load(None).expect("web");
            assert_eq!(config.web.pages, ["https://example.org/a"]);
            assert!(config.web.fetch_linked_pdfs);
            assert_eq!(config.web.delay_ms, 250);
            assert_eq!(config.web_dir(), PathBuf::from("data/web"));

            jail.set_env("HUBSEARCH_WEB__TIMEOUT_SECS", "0");
            let err = format!("{:#}", Config::load(None).unwrap_err());
            assert!(err.contains("web.timeout_secs"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn mistakes_are_reported_by_name() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("hubsearch.toml", "[search]\nmax_per_pag = 40\n")?;
            let err = format!("{:#}", Config::load(None).unwrap_err());
            assert!(err.contains("max_per_pag"), "{err}");

            jail.create_file("hubsearch.toml", "")?;
            jail.set_env("HUBSEARCH_SEARCH__DEFAULT_PER_PAGE", "1000");
            let err = format!("{:#}", Config::load(None).unwrap_err());
            assert!(err.contains("default_per_page"), "{err}");

            let err = format!("{:#}", Config::load(Some(Path::new("missing.toml"))).unwrap_err());
            assert!(err.contains("missing.toml"), "{err}");
            Ok(())
        });
    }
}
