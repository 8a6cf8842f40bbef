//! The one typed configuration: defaults that work with no file, then `hubsearch.toml` (or
//! `--config FILE`), then `HUBSEARCH_*` environment variables, then command-line flags.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::partners::PartnerConfig;
pub use crate::secret::Secret;

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
    /// Worker threads for extraction, and `serve`'s async workers, which run the searches; 0
    /// means one per core.
    pub workers: usize,
    /// Whether `serve` ingests what is new or changed in the library when it starts.
    pub ingest_on_start: bool,
    /// Log output: `text` or `json`.
    pub log_format: LogFormat,
    /// Searches a minute one client address may make (`HUBSEARCH_RATE_LIMIT_PER_MINUTE`); 0
    /// turns the limit off. Partner keys have their own limit on top of this one.
    pub rate_limit_per_minute: u32,
    /// Bearer token of the admin API (`HUBSEARCH_ADMIN_TOKEN`); none: the admin API is off.
    /// Never printed: `Debug` and serialisation show `[redacted]`.
    pub admin_token: Option<Secret>,
    /// Search limits and defaults.
    pub search: SearchConfig,
    /// Language detection.
    pub languages: LanguageConfig,
    /// Topic and country classification thresholds.
    pub classify: ClassifyConfig,
    /// HTTP server limits.
    pub http: HttpConfig,
    /// Partner sites that embed the widget (`[[partners]]`); none means public search is open
    /// to every origin.
    pub partners: Vec<PartnerConfig>,
    /// Whether `serve` watches the library and re-ingests what changes.
    pub watch: bool,
    /// Quiet time, in milliseconds, after the last change in the library before the watcher
    /// re-ingests (changes arriving meanwhile join the same job).
    pub watch_debounce_ms: u64,
    /// Isolation of PDF extraction.
    pub extract: ExtractConfig,
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
    /// Whether a search without `cross_lang=` also searches the glossary's translations of its
    /// words (the widget always says `cross_lang=true` unless told otherwise).
    pub cross_lang_default: bool,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            max_query_chars: 512,
            default_per_page: 10,
            max_per_page: 100,
            max_page: 500,
            snippet_chars: 240,
            cross_lang_default: false,
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
    /// Reliability floor: share of a text's character 3- and 4-grams the language model must
    /// know before the text's language is guessed; garbled text (wrong font encodings,
    /// mojibake) below it is `und` unless the file declares a language. 0 turns it off.
    pub min_known_ngrams: f64,
}

impl Default for LanguageConfig {
    fn default() -> Self {
        let defaults = ingest::ProcessorSettings::default();
        LanguageConfig {
            allowlist: defaults.languages,
            min_confidence: defaults.min_language_confidence,
            min_known_ngrams: defaults.min_language_known_ngrams,
        }
    }
}

impl LanguageConfig {
    /// The language detector these settings describe.
    pub fn detector(&self) -> ingest::LanguageDetector {
        ingest::LanguageDetector::new(&self.allowlist, self.min_confidence).with_min_known_ngrams(self.min_known_ngrams)
    }
}

/// Classification thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClassifyConfig {
    /// Evidence that makes a country a subject of a document: a body reference counts 1 (an
    /// ambiguous one 0.5) and a title mention this much, so a title mention always does.
    pub country_min_mentions: f32,
    /// Evidence added to the country of a document's national language when it is mentioned.
    pub country_language_prior: f32,
    /// Fraction of the main country's evidence a country not in the title needs.
    pub country_min_share: f32,
    /// Mentions of one country this many words apart or closer count once.
    pub country_merge_window: usize,
    /// Minimum weighted term score for a topic.
    pub topic_min_score: f32,
    /// Most topic branches per document (topics naming a section heading come on top).
    pub max_topics: usize,
}

impl Default for ClassifyConfig {
    fn default() -> Self {
        let defaults = ingest::ProcessorSettings::default();
        ClassifyConfig {
            country_min_mentions: defaults.countries.min_body_mentions,
            country_language_prior: defaults.countries.language_prior,
            country_min_share: defaults.countries.min_share,
            country_merge_window: defaults.countries.merge_window,
            topic_min_score: defaults.topics.min_score,
            max_topics: defaults.topics.max_topics,
        }
    }
}

/// Where and under which limits PDFs are extracted (`[extract]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExtractConfig {
    /// `process`: in worker processes with the limits below; `in-process`: in the ingest
    /// threads, panics caught but no time or memory limit.
    pub isolation: IsolationMode,
    /// Seconds one PDF may take before its worker is killed.
    pub timeout_secs: u64,
    /// Address-space limit of a worker process, in MiB.
    pub max_memory_mb: u64,
}

impl Default for ExtractConfig {
    fn default() -> Self {
        ExtractConfig { isolation: IsolationMode::Process, timeout_secs: 60, max_memory_mb: 2048 }
    }
}

/// How PDF extraction is isolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IsolationMode {
    /// Worker processes under a time limit and an address-space limit.
    Process,
    /// The calling thread (panics caught only).
    InProcess,
}

/// HTTP server limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Seconds a request may take before it is answered with 503.
    pub request_timeout_secs: u64,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Requests handled at once; more are answered at once with 503 and `Retry-After`.
    pub max_concurrent_requests: usize,
    /// Connections open at once; more wait in the kernel's backlog until one closes.
    pub max_connections: usize,
    /// Seconds a connection may stay silent (nothing read or written) before it is closed.
    pub idle_timeout_secs: u64,
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed when finding the
    /// client of a request (for rate limiting). Empty: the peer address is the client.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            request_timeout_secs: 10,
            max_body_bytes: 64 * 1024,
            max_concurrent_requests: 512,
            max_connections: 4096,
            idle_timeout_secs: 60,
            trusted_proxies: Vec::new(),
        }
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
            rate_limit_per_minute: 300,
            admin_token: None,
            search: SearchConfig::default(),
            languages: LanguageConfig::default(),
            classify: ClassifyConfig::default(),
            http: HttpConfig::default(),
            partners: Vec::new(),
            watch: true,
            watch_debounce_ms: 300,
            extract: ExtractConfig::default(),
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
        let mut figment = figment.merge(Env::prefixed("HUBSEARCH_").split("__").ignore(&["admin_token"]));
        // Taken verbatim: figment would parse a token such as `12345` as a number.
        if let Ok(token) = std::env::var("HUBSEARCH_ADMIN_TOKEN") {
            figment = figment.merge(Serialized::default("admin_token", token));
        }
        let mut config: Config = figment.extract().context("invalid configuration")?;
        for partner in &mut config.partners {
            partner.validate()?;
        }
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
        anyhow::ensure!(self.http.max_concurrent_requests >= 1, "http.max_concurrent_requests must be at least 1");
        anyhow::ensure!(self.http.request_timeout_secs >= 1, "http.request_timeout_secs must be at least 1");
        anyhow::ensure!(self.http.max_connections >= 1, "http.max_connections must be at least 1");
        anyhow::ensure!(self.http.idle_timeout_secs >= 1, "http.idle_timeout_secs must be at least 1");
        let mut keys: Vec<&str> = self.partners.iter().map(|p| p.key.as_str()).collect();
        keys.sort_unstable();
        if let Some(pair) = keys.windows(2).find(|pair| pair[0] == pair[1]) {
            anyhow::bail!("partners: key {:?} is listed twice", pair[0]);
        }
        anyhow::ensure!(
            self.admin_token.as_ref().is_none_or(|t| !t.expose().trim().is_empty()),
            "admin_token must not be empty (leave it out to disable the admin API)"
        );
        anyhow::ensure!(self.web.timeout_secs >= 1, "web.timeout_secs must be at least 1");
        anyhow::ensure!(self.web.max_bytes >= 1024, "web.max_bytes must be at least 1024");
        anyhow::ensure!(!self.web.user_agent.trim().is_empty(), "web.user_agent must not be empty");
        anyhow::ensure!(
            (0.0..=1.0).contains(&self.languages.min_known_ngrams),
            "languages.min_known_ngrams must be between 0 and 1 (a share of character n-grams)"
        );
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
            min_language_known_ngrams: self.languages.min_known_ngrams,
            topics: ingest::topic::TopicSettings {
                min_score: self.classify.topic_min_score,
                max_topics: self.classify.max_topics,
                ..defaults.topics
            },
            countries: ingest::country::CountrySettings {
                min_body_mentions: self.classify.country_min_mentions,
                language_prior: self.classify.country_language_prior,
                min_share: self.classify.country_min_share,
                merge_window: self.classify.country_merge_window,
            },
            ..defaults
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
    fn the_language_reliability_floor_is_configurable_and_checked() {
        figment::Jail::expect_with(|jail| {
            let garbled = "abc defghdei jfkefclm jcfj hnf bho phqgic bceifb errigsefghdj ekc ejjcjjct qcuhkc";
            let config = Config::load(None).expect("defaults");
            assert_eq!(config.languages.min_known_ngrams, ingest::language::DEFAULT_MIN_KNOWN_NGRAMS);
            assert_eq!(config.languages.detector().detect_sample(garbled), "und");
            jail.create_file("hubsearch.toml", "[languages]\nmin_known_ngrams = 0.0\n")?;
            let config = Config::load(None).expect("floor off");
            assert_eq!(config.languages.min_known_ngrams, 0.0);
            assert_ne!(config.languages.detector().detect_sample(garbled), "und");
            assert_eq!(config.processor_settings().min_language_known_ngrams, 0.0);
            jail.set_env("HUBSEARCH_LANGUAGES__MIN_KNOWN_NGRAMS", "1.5");
            let err = format!("{:#}", Config::load(None).unwrap_err());
            assert!(err.contains("languages.min_known_ngrams"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn the_admin_token_comes_from_the_environment_and_is_never_shown() {
        figment::Jail::expect_with(|jail| {
            assert_eq!(Config::load(None).expect("defaults").admin_token, None);
            jail.set_env("HUBSEARCH_ADMIN_TOKEN", "s3cret-token-value");
            let config = Config::load(None).expect("token");
            let token = config.admin_token.as_ref().expect("token set");
            assert!(token.matches("s3cret-token-value"));
            assert!(!token.matches("s3cret-token-valu"));
            assert!(!token.matches(""));
            let shown = format!("{config:?}");
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(shown.contains("[redacted]"), "{shown}");

            // Environment values that look like numbers are still tokens.
            jail.set_env("HUBSEARCH_ADMIN_TOKEN", "12345");
            let config = Config::load(None).expect("numeric token");
            assert!(config.admin_token.unwrap().matches("12345"));

            jail.set_env("HUBSEARCH_ADMIN_TOKEN", " ");
            let err = format!("{:#}", Config::load(None).unwrap_err());
            assert!(err.contains("admin_token"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn secrets_and_limits_come_from_the_environment_and_secrets_are_never_printed() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("HUBSEARCH_ADMIN_TOKEN", "tok-5ecret-value");
            jail.set_env("HUBSEARCH_RATE_LIMIT_PER_MINUTE", "0");
            jail.set_env("HUBSEARCH_HTTP__TRUSTED_PROXIES", "[\"10.0.0.1\", \"::1\"]");
            let config = Config::load(None).expect("config");
            assert_eq!(config.admin_token.as_ref().map(Secret::expose), Some("tok-5ecret-value"));
            assert_eq!(config.rate_limit_per_minute, 0);
            assert_eq!(config.http.trusted_proxies.len(), 2);
            let dumps = [format!("{config:?}"), format!("{config:#?}"), serde_json::to_string(&config).unwrap()];
            for dump in dumps {
                assert!(!dump.contains("5ecret"), "{dump}");
                assert!(dump.contains("redacted"), "{dump}");
            }
            // An error elsewhere in the configuration does not carry the token along.
            jail.set_env("HUBSEARCH_SEARCH__MAX_PER_PAGE", "lots");
            let err = format!("{:#} {:?}", Config::load(None).unwrap_err(), Config::load(None).unwrap_err());
            assert!(err.to_lowercase().contains("max_per_page") && !err.contains("5ecret"), "{err}");
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

            jail.set_env("HUBSEARCH_SEARCH__DEFAULT_PER_PAGE", "10");
            jail.create_file(
                "partners.toml",
                "[[partners]]\nkey = \"pk_es\"\norigins = [\"https://salud.example.es\"]\ncountry = [\"es\"]\n",
            )?;
            let config = Config::load(Some(Path::new("partners.toml"))).expect("partners");
            assert_eq!(config.partners[0].country, ["ES"], "values are normalised");
            assert_eq!(config.partners[0].rate_limit_per_minute, 600);
            jail.create_file("partners.toml", "[[partners]]\nkey = \"pk_es\"\n[[partners]]\nkey = \"pk_es\"\n")?;
            let err = format!("{:#}", Config::load(Some(Path::new("partners.toml"))).unwrap_err());
            assert!(err.contains("pk_es") && err.contains("twice"), "{err}");
            jail.create_file("partners.toml", "[[partners]]\nkey = \"pk_es\"\ncountri = [\"ES\"]\n")?;
            let err = format!("{:#}", Config::load(Some(Path::new("partners.toml"))).unwrap_err());
            assert!(err.contains("countri"), "{err}");

            let err = format!("{:#}", Config::load(Some(Path::new("missing.toml"))).unwrap_err());
            assert!(err.contains("missing.toml"), "{err}");
            Ok(())
        });
    }
}
