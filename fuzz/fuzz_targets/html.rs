//! The HTML path on arbitrary bytes: charset decoding (with an HTTP charset taken from the
//! input), parsing, metadata, main-content scoring, blocks, and the site-boilerplate filter.
//! Nothing may panic, and the text must be what the block joiner promises.
#![no_main]

use ingest::html::{HtmlExtractor, HttpHints, SiteBoilerplate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks an HTTP charset, so the header path is fuzzed too.
    let (charset, page) = match data.split_first() {
        Some((first, rest)) => (["", "utf-8", "koi8-r", "windows-1251", "iso-8859-2", "utf-16le", "gb2312", "x-bogus"][*first as usize % 8], rest),
        None => ("", data),
    };
    let hints = HttpHints {
        content_type: (!charset.is_empty()).then(|| format!("text/html; charset={charset}")),
        content_language: Some("en".into()),
    };
    let extraction = HtmlExtractor::extract_with(page, &hints, None);
    assert_eq!(extraction.text.trim(), extraction.text, "text is trimmed");
    assert!(!extraction.text.contains("\n\n\n"), "at most one blank line between blocks");

    let learned = SiteBoilerplate::learn([(page, "site"), (page, "site"), (page, "site")]);
    let filtered = learned.extract(page, &hints, "site");
    assert!(filtered.text.len() <= extraction.text.len(), "the site filter only removes");
});
