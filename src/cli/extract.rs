//! `hubsearch extract`: extraction only, one result per input path, in input order.

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ingest::{DocId, DocKind, Document, DocumentProcessor};
use serde::Serialize;

use crate::config::Config;

/// One line of `extract --json`.
#[derive(Debug, Serialize)]
struct ExtractJson {
    path: String,
    kind: Option<&'static str>,
    title: Option<String>,
    text: Option<String>,
    lang: Option<String>,
    topics: Vec<String>,
    countries: Vec<String>,
    pages: Option<u32>,
    page_starts: Vec<usize>,
    published: Option<String>,
    modified: Option<String>,
    description: Option<String>,
    author: Option<String>,
    keywords: Vec<String>,
    url: Option<String>,
    content_hash: Option<String>,
    warnings: Vec<String>,
    error: Option<String>,
}

pub fn run(config: &Config, paths: &[PathBuf], json: bool, read_sidecars: bool) -> anyhow::Result<ExitCode> {
    let processor = DocumentProcessor::new(ingest::ProcessorSettings { read_sidecars, ..config.processor_settings() })?
        .with_isolation(crate::isolation::from_config(config));
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failures = 0;
    for path in paths {
        let result = extract_one(&processor, path);
        failures += usize::from(result.is_err());
        if json {
            serde_json::to_writer(&mut out, &to_json(path, result))?;
            writeln!(out)?;
        } else {
            print_text(&mut out, path, result)?;
        }
        out.flush()?;
    }
    // Like other batch tools: the command ran, but say so in the exit code if some file failed.
    Ok(if failures == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn extract_one(processor: &DocumentProcessor, path: &Path) -> Result<Document, String> {
    let id = DocId::from_stored(path.to_string_lossy());
    catch_unwind(AssertUnwindSafe(|| processor.process_path(id, path)))
        .map_err(|_| "extractor panicked".to_owned())?
        .map_err(|err| err.to_string())
}

fn to_json(path: &Path, result: Result<Document, String>) -> ExtractJson {
    let path_str = path.to_string_lossy().into_owned();
    match result {
        Ok(doc) => ExtractJson {
            path: path_str,
            kind: Some(doc.kind.as_str()),
            title: Some(doc.title),
            text: Some(doc.text),
            lang: Some(doc.lang),
            topics: doc.topics,
            countries: doc.countries,
            pages: doc.pages,
            page_starts: doc.page_starts,
            published: doc.published.map(|d| d.to_string()),
            modified: doc.modified.map(|d| d.to_string()),
            description: doc.description,
            author: doc.author,
            keywords: doc.keywords,
            url: doc.url,
            content_hash: Some(doc.content_hash),
            warnings: doc.warnings,
            error: None,
        },
        Err(error) => ExtractJson {
            path: path_str,
            kind: DocKind::from_path(path).map(DocKind::as_str),
            title: None,
            text: None,
            lang: None,
            topics: Vec::new(),
            countries: Vec::new(),
            pages: None,
            page_starts: Vec::new(),
            published: None,
            modified: None,
            description: None,
            author: None,
            keywords: Vec::new(),
            url: None,
            content_hash: None,
            warnings: Vec::new(),
            error: Some(error),
        },
    }
}

fn print_text(out: &mut impl Write, path: &Path, result: Result<Document, String>) -> std::io::Result<()> {
    match result {
        Ok(doc) => {
            writeln!(
                out,
                "== {} ({}, {}{})",
                path.display(),
                doc.kind,
                doc.lang,
                doc.pages.map(|p| format!(", {p} pages")).unwrap_or_default()
            )?;
            writeln!(out, "title: {}", doc.title)?;
            writeln!(out, "topics: {}", doc.topics.join(", "))?;
            writeln!(out, "countries: {}", doc.countries.join(", "))?;
            writeln!(out)?;
            writeln!(out, "{}", doc.text)?;
            writeln!(out)
        }
        Err(error) => writeln!(out, "== {}\nerror: {error}\n", path.display()),
    }
}
