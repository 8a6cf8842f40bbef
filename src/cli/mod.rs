//! The command line: `serve`, `ingest`, `extract`, `search`, `detect-lang`.

mod detect_lang;
mod extract;
mod ingest;
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
        /// Configuration file (default: ./hubsearch.toml if present).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Files to extract.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
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
        Command::Extract { json, config, paths } => {
            let config = Config::load(config.as_deref())?;
            init_logging(config.log_format, "error");
            extract::run(&config, &paths, json)
        }
        Command::Search { common, json, lang, topic, country, page, per_page, query } => {
            let config = common.load()?;
            init_logging(config.log_format, "warn");
            let mut pairs = vec![("q".to_owned(), query.join(" "))];
            pairs.extend(lang.into_iter().map(|v| ("lang".to_owned(), v)));
            pairs.extend(topic.into_iter().map(|v| ("topic".to_owned(), v)));
            pairs.extend(country.into_iter().map(|v| ("country".to_owned(), v)));
            pairs.extend(page.map(|v| ("page".to_owned(), v.to_string())));
            pairs.extend(per_page.map(|v| ("per_page".to_owned(), v.to_string())));
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
