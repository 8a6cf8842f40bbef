//! The command line: `serve`, `ingest`, `extract`, `search`, `reingest`, `detect-lang`, `eval`,
//! `bench`.

mod bench;
mod detect_lang;
mod eval;
mod extract;
mod ingest;
mod reingest;
mod search;
mod serve;

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};

/// hubsearch: search service for the European mHealth Hub resource library.
#[derive(Debug, Parser)]
#[command(name = "hubsearch", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the search API; ingests what is new or changed in the background.
    Serve {
        /// Common options.
        #[command(flatten)]
        common: CommonArgs,
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Ingest the library into the index once, then exit.
    Ingest {
        /// Common options.
        #[command(flatten)]
        common: CommonArgs,
        /// Re-extract every document, changed or not.
        #[arg(long)]
        full: bool,
    },
    /// Extract text and metadata from files, without indexing.
    Extract {
        /// Print one JSON object per input path, one per line.
        #[arg(long)]
        json: bool,
        /// Ignore sidecars: show what detection alone finds (to evaluate it).
        #[arg(long)]
        no_sidecars: bool,
        /// Configuration file (default: ./hubsearch.toml if present).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Files to extract.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Evaluate retrieval quality on a test collection.
    Eval {
        /// Which kind of collection.
        #[command(subcommand)]
        collection: EvalCollection,
    },
    /// Ask a running server to re-ingest the library, and follow the job to its end.
    Reingest {
        /// Base URL of the server (default: http:// and the configured listen address).
        #[arg(long)]
        server: Option<String>,
        /// Admin token (default: HUBSEARCH_ADMIN_TOKEN, then the configuration's admin_token).
        #[arg(long)]
        token: Option<String>,
        /// Re-extract every document, changed or not.
        #[arg(long)]
        full: bool,
        /// Configuration file (default: ./hubsearch.toml if present).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Benchmarks: generate a library, or measure extraction, indexing, ingest, serve and
    /// search at one or more library sizes.
    Bench {
        /// Generate or run.
        #[command(subcommand)]
        action: BenchAction,
    },
    /// Internal: serve PDF extraction requests on stdin/stdout (the isolation worker).
    #[command(hide = true)]
    ExtractWorker {
        /// Address-space limit in MiB (0: none).
        #[arg(long, default_value_t = 0)]
        max_memory_mb: u64,
    },
    /// Search the index from the command line.
    Search {
        /// Common options.
        #[command(flatten)]
        common: CommonArgs,
        /// Print the API's JSON answer.
        #[arg(long)]
        json: bool,
        /// Filter by language (ISO 639-1); may repeat.
        #[arg(long)]
        lang: Vec<String>,
        /// Filter by topic slug; may repeat.
        #[arg(long)]
        topic: Vec<String>,
        /// Filter by country code; may repeat.
        #[arg(long)]
        country: Vec<String>,
        /// Page number.
        #[arg(long)]
        page: Option<usize>,
        /// Hits per page.
        #[arg(long)]
        per_page: Option<usize>,
        /// Also search the glossary's translations of the query's words (`cross_lang=`; the
        /// default is `search.cross_lang_default`).
        #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
        cross_lang: Option<bool>,
        /// The query (words may be given unquoted).
        query: Vec<String>,
    },
    /// Detect the language of each line of standard input; print one ISO 639-1 code (or
    /// `und`) per line, in order.
    DetectLang {
        /// Configuration file (default: ./hubsearch.toml if present).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// Test collections `eval` reads.
#[derive(Debug, Subcommand)]
pub enum EvalCollection {
    /// A BEIR-format directory: corpus.jsonl, queries.jsonl, qrels/<split>.tsv.
    Beir {
        /// The collection directory.
        dir: PathBuf,
        /// Which qrels split to evaluate.
        #[arg(long, default_value = "test")]
        split: String,
        /// Write a TREC run file (qid Q0 docid rank score tag, 100 hits a query).
        #[arg(long)]
        run_out: Option<PathBuf>,
        /// Also score plain tantivy BM25 on the same collection, for comparison.
        #[arg(long)]
        baseline: bool,
        /// Configuration file (default: ./hubsearch.toml if present).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// What `bench` does.
#[derive(Debug, Subcommand)]
pub enum BenchAction {
    /// Write a generated library (70 % HTML, 30 % PDF, about 5 kB of text each) and its query
    /// mix.
    Generate {
        /// Number of documents.
        #[arg(long, default_value_t = 10_000)]
        docs: usize,
        /// Library directory to write.
        #[arg(long)]
        out: PathBuf,
        /// Query file to write (one API query string a line).
        #[arg(long)]
        queries: PathBuf,
        /// Seed: the same seed and sources give the same files.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Directories of real text to cut documents from (default: /work/shared/corpus/real
        /// if present, else ./library); may repeat.
        #[arg(long)]
        source: Vec<PathBuf>,
    },
    /// The cost of ranking in process: generated documents indexed in memory, p50/p99 of
    /// search (beside the foundation's query on the same index) and of suggest per keystroke.
    Query {
        /// Index sizes in documents; may repeat.
        #[arg(long, default_values_t = [10_000])]
        docs: Vec<usize>,
        /// Passes over the query mix; medians of the passes' percentiles are reported.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Generator seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Directories of real text (default as for `generate`); may repeat.
        #[arg(long)]
        source: Vec<PathBuf>,
    },
    /// Run the whole benchmark and print the figures.
    Run {
        /// Library sizes in documents; may repeat (growth between the first and last is shown).
        #[arg(long, default_values_t = [10_000])]
        docs: Vec<usize>,
        /// Working directory for libraries and indexes (kept, so a second run skips generation).
        #[arg(long, default_value = "target/bench")]
        work: PathBuf,
        /// Generator seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Directories of real text (default as for `generate`); may repeat.
        #[arg(long)]
        source: Vec<PathBuf>,
        /// Real PDFs (`pdf/`) and web pages (`html/`) for the extraction figures; `none` skips.
        #[arg(long, default_value = "/work/shared/corpus/real")]
        corpus: PathBuf,
        /// Concurrent HTTP connections.
        #[arg(long, default_value_t = 64)]
        connections: usize,
        /// Seconds per load run.
        #[arg(long, default_value_t = 10.0)]
        duration: f64,
        /// Repetitions of each timed measurement; medians are reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Fail when the HTTP p99 exceeds this many milliseconds.
        #[arg(long)]
        max_p99_ms: Option<f64>,
        /// Fail when an HTTP search costs the server more CPU than in-process search divided by
        /// this fraction (CPU, not wall-clock, so that a shared machine does not fail it).
        #[arg(long)]
        min_http_fraction: Option<f64>,
    },
}

/// Options shared by the commands that use the library and the index.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Configuration file (default: ./hubsearch.toml if present).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Library directory (default ./library).
    #[arg(long)]
    pub library: Option<PathBuf>,
    /// Data directory holding the index (default ./data).
    #[arg(long)]
    pub data: Option<PathBuf>,
}

impl CommonArgs {
    fn load(&self) -> anyhow::Result<Config> {
        let mut config = Config::load(self.config.as_deref())?;
        if let Some(library) = &self.library {
            config.library = library.clone();
        }
        if let Some(data) = &self.data {
            config.data = data.clone();
        }
        Ok(config)
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve { common, listen } => {
            let mut config = common.load()?;
            if let Some(listen) = listen {
                config.listen = listen;
            }
            init_logging(config.log_format, "info");
            serve::run(config)
        }
        Command::Ingest { common, full } => {
            let config = common.load()?;
            init_logging(config.log_format, "warn");
            ingest::run(&config, full)
        }
        Command::Extract { json, no_sidecars, config, paths } => {
            let config = Config::load(config.as_deref())?;
            init_logging(config.log_format, "error");
            extract::run(&config, &paths, json, !no_sidecars)
        }
        Command::Eval { collection: EvalCollection::Beir { dir, split, run_out, baseline, config } } => {
            let config = Config::load(config.as_deref())?;
            init_logging(config.log_format, "warn");
            eval::run(&config, &dir, &split, run_out.as_deref(), baseline)
        }
        Command::Reingest { server, token, full, config } => {
            let config = Config::load(config.as_deref())?;
            init_logging(config.log_format, "warn");
            let token = token
                .or_else(|| config.admin_token.as_ref().map(|t| t.expose().to_owned()))
                .ok_or_else(|| anyhow::anyhow!("no admin token: pass --token or set HUBSEARCH_ADMIN_TOKEN"))?;
            let server = server.unwrap_or_else(|| format!("http://{}", config.listen));
            reingest::run(&reingest::ReingestArgs { server, token, full })
        }
        Command::Bench { action: BenchAction::Generate { docs, out, queries, seed, source } } => {
            init_logging(LogFormat::Text, "warn");
            let sources = if source.is_empty() { bench::default_sources() } else { source };
            bench::generate(docs, &out, &queries, seed, &sources)
        }
        Command::Bench { action: BenchAction::Query { docs, rounds, seed, source } } => {
            init_logging(LogFormat::Text, "warn");
            let sources = if source.is_empty() { bench::default_sources() } else { source };
            bench::query(&docs, rounds, seed, &sources)
        }
        Command::Bench {
            action:
                BenchAction::Run {
                    docs,
                    work,
                    seed,
                    source,
                    corpus,
                    connections,
                    duration,
                    runs,
                    max_p99_ms,
                    min_http_fraction,
                },
        } => {
            // Extraction of the real corpus warns about many odd fonts; the figures are the output.
            init_logging(LogFormat::Text, "error");
            let options = crate::bench::BenchOptions {
                sizes: docs,
                work,
                seed,
                sources: if source.is_empty() { bench::default_sources() } else { source },
                corpus: (corpus.as_os_str() != "none").then_some(corpus),
                connections,
                duration: bench::seconds(duration),
                runs: runs.max(1),
                binary: PathBuf::new(),
            };
            bench::run(options, &bench::Bounds { max_p99_ms, min_http_fraction })
        }
        Command::ExtractWorker { max_memory_mb } => {
            crate::isolation::worker::run(max_memory_mb)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Search { common, json, lang, topic, country, page, per_page, cross_lang, query } => {
            let config = common.load()?;
            init_logging(config.log_format, "warn");
            let mut pairs = vec![("q".to_owned(), query.join(" "))];
            pairs.extend(lang.into_iter().map(|v| ("lang".to_owned(), v)));
            pairs.extend(topic.into_iter().map(|v| ("topic".to_owned(), v)));
            pairs.extend(country.into_iter().map(|v| ("country".to_owned(), v)));
            pairs.extend(page.map(|v| ("page".to_owned(), v.to_string())));
            pairs.extend(per_page.map(|v| ("per_page".to_owned(), v.to_string())));
            pairs.extend(cross_lang.map(|v| ("cross_lang".to_owned(), v.to_string())));
            search::run(&config, &pairs, json)
        }
        Command::DetectLang { config } => {
            let config = Config::load(config.as_deref())?;
            init_logging(config.log_format, "error");
            detect_lang::run(&config)
        }
    }
}

/// Logs go to stderr, so that `--json` output on stdout stays clean. `RUST_LOG` overrides the
/// default level.
fn init_logging(format: LogFormat, default_level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
