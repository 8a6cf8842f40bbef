//! PDF text and metadata extraction on lopdf's parser: loading (with decryption and xref
//! recovery), the content-stream interpreter, font decoding, layout, running-line removal
//! and metadata.
//!
//! [`PdfExtractor::extract`] works in process and never panics outward (a panic becomes
//! [`ExtractError::Panic`]); time and memory limits need a child process, which the binary
//! provides (see ARCHITECTURE.md, "PDF isolation").

mod cff;
mod cmap;
mod collections;
mod columns;
mod content;
mod decipher;
mod encoding;
mod font;
mod glyphs;
mod headings;
mod layout;
mod metadata;
mod objects;
mod predefined;
mod running;
mod truetype;

pub use cmap::CMap;
pub use metadata::decode_text_string;

use std::panic::{AssertUnwindSafe, catch_unwind};

use lopdf::{Document, LoadOptions, Object, ObjectId};
use unicode_normalization::UnicodeNormalization;

use crate::PublishedDate;
use crate::error::ExtractError;
use crate::extract::{Extraction, clean_value};
use content::{FontCache, Interpreter, page_content, page_resources};
use layout::{Block, Line, block_text, layout};
use objects::{MAX_STREAM_BYTES, deref, number};

/// Extracts text and metadata from PDF bytes.
pub struct PdfExtractor;

impl PdfExtractor {
    /// Extracts every page's text (pages separated by blank lines, their starts in
    /// `page_starts`) and the metadata. A document without any text is
    /// [`ExtractError::NoTextLayer`]; a panic in a parser becomes [`ExtractError::Panic`].
    pub fn extract(bytes: &[u8]) -> Result<Extraction, ExtractError> {
        catch_unwind(AssertUnwindSafe(|| extract(bytes))).unwrap_or_else(|payload| {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(ExtractError::Panic(message))
        })
    }
}

/// The extraction without the panic guard, for the fuzz target (a panic must surface there).
#[doc(hidden)]
pub fn extract_unguarded(bytes: &[u8]) -> Result<Extraction, ExtractError> {
    extract(bytes)
}

fn load(bytes: &[u8]) -> Result<Document, ExtractError> {
    // lopdf tries the empty user password itself; a file that needs another one stays
    // encrypted.
    let options = LoadOptions { max_decompressed_size: Some(MAX_STREAM_BYTES), ..LoadOptions::default() };
    let document = Document::load_mem_with_options(bytes, options).map_err(|err| match err {
        lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => ExtractError::Encrypted,
        other => ExtractError::Pdf(other.to_string()),
    })?;
    if document.is_encrypted() {
        return Err(ExtractError::Encrypted);
    }
    Ok(document)
}

fn extract(bytes: &[u8]) -> Result<Extraction, ExtractError> {
    let doc = load(bytes)?;
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(ExtractError::Pdf("no pages found (damaged or truncated file?)".to_owned()));
    }
    let page_count = u32::try_from(pages.len()).unwrap_or(u32::MAX);
    let mut fonts = FontCache::default();
    let mut laid_out: Vec<(Vec<Block>, [f32; 4])> = Vec::with_capacity(pages.len());
    let mut warnings = Vec::new();
    for (&number, &page_id) in &pages {
        let (content, undecodable) = page_content(&doc, page_id);
        if undecodable {
            warnings.push(format!("page {number}: a content stream could not be decoded; its text is missing"));
        }
        let resources = page_resources(&doc, page_id);
        let mut interpreter = Interpreter::new(&doc, &mut fonts);
        interpreter.run_page(&content, &resources);
        if let Ok(page) = doc.get_dictionary(page_id) {
            interpreter.run_annotations(page, &resources);
        }
        let glyphs = interpreter.finish();
        warnings.extend(glyphs.problems.iter().map(|p| format!("page {number}: {p}")));
        let page_box = page_box(&doc, page_id);
        laid_out.push((layout(&glyphs, page_box), page_box));
    }
    let running =
        if laid_out.len() >= 3 { running::running_lines(&laid_out) } else { vec![Vec::new(); laid_out.len()] };

    let mut text = String::new();
    let mut page_starts = Vec::with_capacity(laid_out.len().saturating_sub(1));
    for (index, ((blocks, _), skip)) in laid_out.iter().zip(&running).enumerate() {
        if index > 0 {
            if !text.is_empty() && !text.ends_with("\n\n") {
                text.push_str("\n\n");
            }
            page_starts.push(text.len());
        }
        let page_text = page_text(blocks, skip);
        text.push_str(&page_text);
    }
    let key = (!fonts.ciphers.is_empty()).then(|| fonts.ciphers.key(&text));
    if let Some(key) = &key {
        (text, page_starts) = decode_pages(key, &text, &page_starts);
        if let Some(language) = &key.language {
            warnings.push(format!(
                "fonts without character codes: their glyphs were read as a cipher of {language} text; some letters may be wrong"
            ));
        }
    }
    // Empty last pages leave no trailing separator; their starts point at the end.
    text.truncate(text.trim_end().len());
    for start in &mut page_starts {
        *start = (*start).min(text.len());
    }
    if !text.chars().any(char::is_alphanumeric) {
        return Err(ExtractError::NoTextLayer { pages: page_count });
    }

    let meta = metadata::read(&doc);
    let title = meta
        .title
        .as_deref()
        .and_then(clean_value)
        .filter(|t| !looks_like_file_name(t))
        .or_else(|| laid_out.first().and_then(|(blocks, _)| largest_text(blocks)));
    let pages: Vec<&[Block]> = laid_out.iter().map(|(blocks, _)| blocks.as_slice()).collect();
    let mut headings = headings::headings(&pages, &running, title.as_deref());
    let title = match &key {
        Some(key) => {
            headings = headings.iter().map(|h| key.apply(h)).filter(|h| !h.trim().is_empty()).collect();
            title.map(|t| key.apply(&t)).filter(|t| !t.trim().is_empty())
        }
        None => title,
    };
    Ok(Extraction {
        title,
        text,
        headings,
        pages: Some(page_count),
        page_starts,
        lang_hint: meta.lang,
        published: meta
            .created
            .as_deref()
            .and_then(|d| PublishedDate::parse_pdf(d).or_else(|| PublishedDate::parse_iso(d.get(..10).unwrap_or(d)))),
        modified: meta
            .modified
            .as_deref()
            .and_then(|d| PublishedDate::parse_pdf(d).or_else(|| PublishedDate::parse_iso(d.get(..10).unwrap_or(d)))),
        description: meta.subject.as_deref().and_then(clean_value),
        author: meta.author.as_deref().and_then(clean_value),
        keywords: meta.keywords.map(|k| k.split([',', ';']).filter_map(clean_value).collect()).unwrap_or_default(),
        url: None,
        warnings,
    })
}

/// `text` with its cipher symbols decoded, page by page, and the new starts of the pages.
fn decode_pages(key: &decipher::Key, text: &str, page_starts: &[usize]) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut starts = Vec::with_capacity(page_starts.len());
    let mut from = 0;
    for &start in page_starts {
        out.push_str(&key.apply(&text[from..start]));
        starts.push(out.len());
        from = start;
    }
    out.push_str(&key.apply(&text[from..]));
    (out, starts)
}

/// The text of one page: blocks separated by blank lines, running lines left out, ligatures
/// expanded, Unicode in NFC.
fn page_text(blocks: &[Block], skip: &[(usize, usize)]) -> String {
    let mut out = String::new();
    for (b, block) in blocks.iter().enumerate() {
        let lines: Vec<&Line> =
            block.lines.iter().enumerate().filter(|(l, _)| !skip.contains(&(b, *l))).map(|(_, line)| line).collect();
        if lines.is_empty() {
            continue;
        }
        let text = block_text(&lines);
        if text.trim().is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(text.trim());
    }
    expand_ligatures(&out).nfc().collect()
}

fn expand_ligatures(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{FB00}' => out.push_str("ff"),
            '\u{FB01}' => out.push_str("fi"),
            '\u{FB02}' => out.push_str("fl"),
            '\u{FB03}' => out.push_str("ffi"),
            '\u{FB04}' => out.push_str("ffl"),
            '\u{FB05}' | '\u{FB06}' => out.push_str("st"),
            c => out.push(c),
        }
    }
    out
}

/// The first page's largest text, as a title of last resort: it must stand out from the body.
fn largest_text(blocks: &[Block]) -> Option<String> {
    let lines: Vec<&Line> = blocks.iter().flat_map(|b| &b.lines).filter(|l| l.is_horizontal()).collect();
    let largest = lines.iter().map(|l| l.size).fold(0.0f32, f32::max);
    let mut sizes: Vec<f32> = lines.iter().map(|l| l.size).collect();
    sizes.sort_by(f32::total_cmp);
    let median = *sizes.get(sizes.len() / 2)?;
    if largest < median * 1.2 {
        return None;
    }
    let title: Vec<&str> = lines.iter().filter(|l| l.size > largest - 0.5).map(|l| l.text.as_str()).take(4).collect();
    let title = clean_value(&expand_ligatures(&title.join(" ")))?;
    (title.chars().filter(|c| c.is_alphabetic()).count() >= 3 && title.len() <= 250).then_some(title)
}

/// The area of a page whose text counts: the (inherited) MediaBox, `[x0, y0, x1, y1]`, as
/// pdftotext uses by default (printers' marks outside the CropBox are text too).
fn page_box(doc: &Document, page: ObjectId) -> [f32; 4] {
    let read = |key: &[u8]| -> Option<[f32; 4]> {
        let mut dict = doc.get_dictionary(page).ok()?;
        for _ in 0..32 {
            if let Ok(Object::Array(a)) = dict.get(key).map(|o| deref(doc, o)) {
                let n: Vec<f64> = a.iter().filter_map(|o| number(doc, o)).collect();
                if n.len() == 4 {
                    let (x0, x1) = (n[0].min(n[2]) as f32, n[0].max(n[2]) as f32);
                    let (y0, y1) = (n[1].min(n[3]) as f32, n[1].max(n[3]) as f32);
                    return Some([x0, y0, x1, y1]);
                }
            }
            dict = deref(doc, dict.get(b"Parent").ok()?).as_dict().ok()?;
        }
        None
    };
    read(b"MediaBox").filter(|b| b[2] - b[0] > 1.0 && b[3] - b[1] > 1.0).unwrap_or([0.0, 0.0, 612.0, 792.0])
}

fn looks_like_file_name(title: &str) -> bool {
    let lower = title.to_ascii_lowercase();
    [".doc", ".docx", ".odt", ".pdf", ".indd", ".tex", ".dvi"].iter().any(|ext| lower.ends_with(ext))
        || lower.starts_with("microsoft word - ")
        || lower == "untitled"
}

#[cfg(test)]
mod tests;
