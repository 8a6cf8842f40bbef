//! The benchmark library generator: a seeded, reproducible library of real HTML pages and PDFs
//! (70/30) whose text is cut from real multilingual sources on the machine, and the query mix
//! the benchmark runs against it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use ingest::{DocKind, LanguageDetector};

use super::pdf::write_pdf;
use super::rng::Rng;

/// Share of generated documents that are PDFs; the rest are HTML pages.
const PDF_SHARE: f64 = 0.3;
/// Text length of a generated document, in bytes: uniform in this range (about 5 kB).
const TEXT_BYTES: std::ops::Range<usize> = 4_000..6_000;
/// Documents per sub-directory, so no directory holds 100k entries.
const DOCS_PER_DIR: usize = 1_000;
/// Queries in the generated mix.
const QUERIES: usize = 500;

/// One body of real text to cut documents from (one source file).
#[derive(Debug, Clone)]
pub struct TextPool {
    /// Where it came from.
    pub source: PathBuf,
    /// Detected language (ISO 639-1 or `und`).
    pub lang: String,
    /// Clean lines of running text.
    pub lines: Vec<String>,
    /// Whether every line can be written with a standard PDF font (WinAnsi encoding).
    pub win_ansi: bool,
}

/// A generated document, before it is written as a file.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedDoc {
    /// Path inside the library (`d003/doc-003141.html`): the document's id.
    pub id: String,
    /// PDF or HTML.
    pub kind: DocKind,
    /// Title.
    pub title: String,
    /// Paragraphs of body text.
    pub paragraphs: Vec<String>,
    /// Language of the source text.
    pub lang: String,
    /// Publication year.
    pub year: u16,
}

impl GeneratedDoc {
    /// The body as one string (paragraphs separated by blank lines).
    pub fn text(&self) -> String {
        self.paragraphs.join("\n\n")
    }
}

/// Loads the text sources: every `*.txt` under each directory (a `*.ref.txt` reference text
/// stands for the document beside it), and documents without such a text, extracted.
pub fn load_pools(sources: &[PathBuf], detector: &LanguageDetector) -> anyhow::Result<Vec<TextPool>> {
    let mut files = Vec::new();
    for source in sources {
        for entry in walkdir::WalkDir::new(source).sort_by_file_name() {
            let entry = entry.with_context(|| format!("cannot read {}", source.display()))?;
            if entry.file_type().is_file() {
                files.push(entry.into_path());
            }
        }
    }
    let mut pools = Vec::new();
    for path in &files {
        let name = path.to_string_lossy();
        let text = if name.ends_with(".txt") {
            std::fs::read(path).ok().map(|b| String::from_utf8_lossy(&b).into_owned())
        } else if let Some(kind) = DocKind::from_path(path).filter(|_| !Path::new(&format!("{name}.ref.txt")).exists())
        {
            std::fs::read(path).ok().and_then(|bytes| ingest::extract::extract(kind, &bytes).ok()).map(|e| e.text)
        } else {
            None
        };
        let Some(text) = text else { continue };
        let lines = clean_lines(&text);
        if lines.iter().map(String::len).sum::<usize>() < 2_000 {
            continue;
        }
        let lang = detector.detect(&lines.join(" "), None);
        let win_ansi = lines.iter().all(|l| encode_win_ansi(l).is_some());
        let win_ansi_lines: Vec<String> = lines.iter().filter(|l| encode_win_ansi(l).is_some()).cloned().collect();
        // A mostly Latin-script source still makes PDFs from its encodable lines.
        let pdf_ready = win_ansi || win_ansi_lines.len() * 10 >= lines.len() * 9;
        pools.push(TextPool {
            source: path.clone(),
            lang,
            lines: if pdf_ready { win_ansi_lines } else { lines },
            win_ansi: pdf_ready,
        });
    }
    anyhow::ensure!(!pools.is_empty(), "no usable text (2 kB or more) under {sources:?}");
    anyhow::ensure!(pools.iter().any(|p| p.win_ansi), "no source text can be written into a PDF (WinAnsi)");
    Ok(pools)
}

/// Lines of running text: white space collapsed, short or mostly non-letter lines (tables of
/// contents, page numbers, code) dropped.
fn clean_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| {
            let chars = line.chars().count();
            let letters = line.chars().filter(|c| c.is_alphabetic() || *c == ' ').count();
            chars >= 30 && letters * 10 >= chars * 8 && !line.contains("...")
        })
        .collect()
}

/// `text` in the WinAnsi (Windows-1252) encoding of the standard PDF fonts, or `None` when a
/// character has no code there.
pub fn encode_win_ansi(text: &str) -> Option<Vec<u8>> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    (!unmappable).then(|| bytes.into_owned())
}

/// The deterministic generator of documents and queries.
pub struct Generator {
    pools: Vec<TextPool>,
    pdf_pools: Vec<usize>,
    seed: u64,
}

impl Generator {
    /// A generator over `pools` with `seed`.
    pub fn new(pools: Vec<TextPool>, seed: u64) -> Self {
        let pdf_pools = pools.iter().enumerate().filter(|(_, p)| p.win_ansi).map(|(i, _)| i).collect();
        Generator { pools, pdf_pools, seed }
    }

    /// The text sources.
    pub fn pools(&self) -> &[TextPool] {
        &self.pools
    }

    /// Document number `n`; the same `n` and seed always give the same document.
    pub fn document(&self, n: usize) -> GeneratedDoc {
        let mut rng = Rng::new(self.seed ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let kind = if rng.chance(PDF_SHARE) { DocKind::Pdf } else { DocKind::Html };
        let pool = match kind {
            DocKind::Pdf => &self.pools[self.pdf_pools[rng.below(self.pdf_pools.len())]],
            _ => &self.pools[rng.below(self.pools.len())],
        };
        let target = TEXT_BYTES.start + rng.below(TEXT_BYTES.end - TEXT_BYTES.start);
        let mut line = rng.below(pool.lines.len());
        let title = title_from(&pool.lines[rng.below(pool.lines.len())]);
        let (mut paragraphs, mut paragraph, mut bytes) = (Vec::new(), String::new(), 0);
        let mut paragraph_lines = 2 + rng.below(5);
        while bytes < target {
            let text = &pool.lines[line % pool.lines.len()];
            line += 1;
            if !paragraph.is_empty() {
                paragraph.push(' ');
            }
            paragraph.push_str(text);
            bytes += text.len() + 1;
            paragraph_lines -= 1;
            if paragraph_lines == 0 {
                paragraphs.push(std::mem::take(&mut paragraph));
                paragraph_lines = 2 + rng.below(5);
            }
        }
        if !paragraph.is_empty() {
            paragraphs.push(paragraph);
        }
        let extension = if kind == DocKind::Pdf { "pdf" } else { "html" };
        GeneratedDoc {
            id: format!("d{:03}/doc-{n:06}.{extension}", n / DOCS_PER_DIR),
            kind,
            title,
            paragraphs,
            lang: pool.lang.clone(),
            year: 2005 + rng.below(21) as u16,
        }
    }

    /// The query mix over the first `docs` documents, as API query strings (`q=...&lang=de`):
    /// 1, 2 or 3 words (45/30/10 %) or a quoted two-word phrase (15 %) from a document's text,
    /// a quarter of them with a facet filter the document satisfies (kind, language or year).
    pub fn queries(&self, docs: usize) -> Vec<String> {
        let mut rng = Rng::new(self.seed ^ 0x5155_4552_5953);
        let mut queries = Vec::with_capacity(QUERIES);
        while queries.len() < QUERIES {
            let doc = self.document(rng.below(docs.max(1)));
            let text = doc.text();
            let words: Vec<&str> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() >= 4 && w.chars().all(char::is_alphabetic))
                .collect();
            if words.len() < 10 {
                continue;
            }
            let start = rng.below(words.len() - 3);
            let roll = rng.unit();
            let q = if roll < 0.45 {
                words[start].to_owned()
            } else if roll < 0.75 {
                format!("{} {}", words[start], words[rng.below(words.len())])
            } else if roll < 0.85 {
                format!("{} {} {}", words[start], words[rng.below(words.len())], words[rng.below(words.len())])
            } else {
                format!("\"{} {}\"", words[start], words[start + 1])
            };
            let mut line = format!("q={}", encode_component(&q.to_lowercase()));
            if rng.chance(0.25) {
                let roll = rng.unit();
                if roll < 0.4 {
                    let _ = write!(line, "&kind={}", doc.kind.as_str());
                } else if roll < 0.8 && doc.lang != "und" {
                    let _ = write!(line, "&lang={}", doc.lang);
                } else {
                    let _ = write!(line, "&year={}", doc.year);
                }
            }
            queries.push(line);
        }
        queries
    }

    /// Writes documents `0..docs` under `library` (HTML pages and PDFs), with `workers`
    /// threads, and the query mix to `queries`. Returns the bytes written.
    pub fn write_library(&self, library: &Path, docs: usize, queries: &Path, workers: usize) -> anyhow::Result<u64> {
        std::fs::create_dir_all(library).with_context(|| format!("cannot create {}", library.display()))?;
        for dir in 0..docs.div_ceil(DOCS_PER_DIR) {
            let path = library.join(format!("d{dir:03}"));
            std::fs::create_dir_all(&path).with_context(|| format!("cannot create {}", path.display()))?;
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        let written = std::sync::atomic::AtomicU64::new(0);
        std::thread::scope(|scope| -> anyhow::Result<()> {
            let handles: Vec<_> = (0..workers.max(1))
                .map(|_| {
                    scope.spawn(|| -> anyhow::Result<()> {
                        loop {
                            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            if n >= docs {
                                return Ok(());
                            }
                            let doc = self.document(n);
                            let bytes = match doc.kind {
                                DocKind::Pdf => write_pdf(&doc)?,
                                _ => render_html(&doc).into_bytes(),
                            };
                            let path = library.join(&doc.id);
                            std::fs::write(&path, &bytes)
                                .with_context(|| format!("cannot write {}", path.display()))?;
                            written.fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.join().map_err(|_| anyhow::anyhow!("a generator thread panicked"))??;
            }
            Ok(())
        })?;
        std::fs::write(queries, self.queries(docs).join("\n") + "\n")
            .with_context(|| format!("cannot write {}", queries.display()))?;
        Ok(written.into_inner())
    }
}

/// A title from a line of text: its first words, at most about 80 characters.
fn title_from(line: &str) -> String {
    let mut title = String::new();
    for word in line.split_whitespace() {
        if title.len() + word.len() > 80 && !title.is_empty() {
            break;
        }
        if !title.is_empty() {
            title.push(' ');
        }
        title.push_str(word);
    }
    title.trim_end_matches(|c: char| !c.is_alphanumeric()).to_owned()
}

/// A web page as a site would publish it: navigation, a header, the article, a footer.
pub fn render_html(doc: &GeneratedDoc) -> String {
    let mut html = String::with_capacity(doc.paragraphs.iter().map(String::len).sum::<usize>() + 1_024);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\n<title>{title} | Resource library</title>\n\
         <meta name=\"date\" content=\"{year}-06-01\">\n<meta name=\"viewport\" content=\"width=device-width\">\n\
         </head><body>\n<nav><a href=\"/\">Home</a> <a href=\"/library\">Library</a> <a href=\"/about\">About</a></nav>\n\
         <main><article><h1>{title}</h1>\n",
        lang = doc.lang,
        title = escape(&doc.title),
        year = doc.year,
    );
    for paragraph in &doc.paragraphs {
        let _ = writeln!(html, "<p>{}</p>", escape(paragraph));
    }
    html.push_str(
        "</article></main>\n<footer>© Resource library · <a href=\"/contact\">Contact</a></footer>\n</body></html>\n",
    );
    html
}

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Percent-encodes a query-string value.
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pools() -> Vec<TextPool> {
        let english =
            "Remote monitoring of patients with chronic heart failure reduced hospital admissions in the pilot regions";
        let german = "Die digitale Gesundheitsanwendung wurde in einer randomisierten Studie über zwölf Monate geprüft und erstattet";
        let greek =
            "Η τηλεϊατρική υπηρεσία αξιολογήθηκε σε τρία νοσοκομεία της χώρας με θετικά αποτελέσματα για τους ασθενείς";
        let lines = |base: &str| (0..40).map(|i| format!("{base}, number {i}.")).collect::<Vec<_>>();
        vec![
            TextPool { source: "en.txt".into(), lang: "en".into(), lines: lines(english), win_ansi: true },
            TextPool { source: "de.txt".into(), lang: "de".into(), lines: lines(german), win_ansi: true },
            TextPool { source: "el.txt".into(), lang: "el".into(), lines: lines(greek), win_ansi: false },
        ]
    }

    #[test]
    fn documents_are_fixed_by_seed_and_number_and_sized_as_asked() {
        let generator = Generator::new(pools(), 42);
        assert_eq!(generator.document(17), generator.document(17));
        assert_ne!(generator.document(17), Generator::new(pools(), 43).document(17));
        let docs: Vec<GeneratedDoc> = (0..400).map(|n| generator.document(n)).collect();
        let pdfs = docs.iter().filter(|d| d.kind == DocKind::Pdf).count();
        assert!((90..150).contains(&pdfs), "{pdfs} PDFs out of 400");
        for doc in &docs {
            let bytes = doc.text().len();
            assert!((4_000..6_500).contains(&bytes), "{} has {bytes} bytes", doc.id);
            if doc.kind == DocKind::Pdf {
                assert_ne!(doc.lang, "el", "PDFs only get text the standard fonts can encode");
            }
        }
        assert_eq!(
            docs[1_usize].id,
            "d000/doc-000001.".to_owned() + if docs[1].kind == DocKind::Pdf { "pdf" } else { "html" }
        );
    }

    #[test]
    fn html_pages_read_back_through_the_real_extractor() {
        let generator = Generator::new(pools(), 1);
        let doc = (0..).map(|n| generator.document(n)).find(|d| d.kind == DocKind::Html && d.lang == "el").unwrap();
        let extraction = ingest::extract::extract(DocKind::Html, render_html(&doc).as_bytes()).unwrap();
        assert_eq!(extraction.title.as_deref(), Some(doc.title.as_str()));
        assert_eq!(extraction.published.map(|d| d.year), Some(doc.year));
        assert!(extraction.text.contains(&doc.paragraphs[0]), "{}", extraction.text);
        assert!(!extraction.text.contains("Contact"), "the footer is boilerplate");
    }

    #[test]
    fn the_query_mix_has_words_phrases_and_filters_from_the_documents() {
        let generator = Generator::new(pools(), 7);
        let queries = generator.queries(100);
        assert_eq!(queries, generator.queries(100));
        assert_eq!(queries.len(), QUERIES);
        assert!(queries.iter().all(|q| q.starts_with("q=")));
        let phrases = queries.iter().filter(|q| q.starts_with("q=%22")).count();
        let filtered = queries.iter().filter(|q| q.contains('&')).count();
        assert!((40..120).contains(&phrases), "{phrases} phrases");
        assert!((80..180).contains(&filtered), "{filtered} filtered");
        assert!(queries.iter().any(|q| q.contains("&lang=de")));
        assert!(queries.iter().any(|q| q.contains("&kind=pdf")));
        assert_eq!(encode_component("\"a b\"é"), "%22a%20b%22%C3%A9");
    }

    #[test]
    fn only_lines_of_running_text_are_kept() {
        let text = "Contents\n1.2 Installing ........ 7\nThis is a full sentence of running text, long enough to keep.\n   spaced    out   words that also form a long enough line here  \n";
        assert_eq!(
            clean_lines(text),
            [
                "This is a full sentence of running text, long enough to keep.",
                "spaced out words that also form a long enough line here"
            ]
        );
        assert_eq!(encode_win_ansi("Zürich €"), Some(b"Z\xfcrich \x80".to_vec()));
        assert_eq!(encode_win_ansi("Київ"), None);
    }
}
