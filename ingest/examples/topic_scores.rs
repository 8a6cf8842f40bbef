//! Prints each topic's evidence (title, headings, body) in documents, for tuning the term
//! lists: `cargo run -p hubsearch-ingest --example topic_scores -- FILE...`.

use std::path::Path;

use ingest::terms::{TermMatcher, tokenize};
use ingest::topic::{INFLECTING, TopicSettings};
use ingest::{DocKind, LanguageDetector, Taxonomy, TopicClassifier};

fn main() {
    let taxonomy = Taxonomy::builtin().expect("taxonomy");
    let classifier = TopicClassifier::new(&taxonomy, TopicSettings::default());
    let detector = LanguageDetector::new(&[], 0.0);
    for arg in std::env::args().skip(1) {
        let path = Path::new(&arg);
        let Some(kind) = DocKind::from_path(path) else { continue };
        let bytes = std::fs::read(path).expect("readable file");
        let extraction = match ingest::extract::extract(kind, &bytes) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("{arg}: {e}");
                continue;
            }
        };
        let title = extraction
            .title
            .clone()
            .unwrap_or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
        let lang = detector.detect(&extraction.text, extraction.lang_hint.as_deref());
        let parts = classifier.score_parts(&lang, &title, &extraction.headings, &extraction.text);
        let mut ranked: Vec<(usize, f32)> = parts.iter().map(|p| p.total()).enumerate().filter(|p| p.1 > 0.0).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let chosen = classifier.classify(&lang, &title, &extraction.headings, &extraction.text);
        println!("{arg} [{lang}] words={} {title:?}\n  chosen {chosen:?}", extraction.text.split_whitespace().count());
        if std::env::var_os("HEADINGS").is_some() {
            for heading in &extraction.headings {
                println!("  heading: {heading}");
            }
        }
        for (topic, total) in ranked.into_iter().take(if std::env::var_os("ALL").is_some() { usize::MAX } else { 7 }) {
            let p = parts[topic];
            println!(
                "  {:<42} {total:6.2}  title {:.4} headings {:.4} body {:.4}",
                classifier.slugs()[topic],
                p.title,
                p.headings,
                p.body
            );
            if std::env::var_os("TERMS").is_some() {
                let text = format!("{title}\n{}\n{}", extraction.headings.join("\n"), extraction.text);
                println!("      {}", matched_terms(&taxonomy, topic, &lang, &text).join("; "));
            }
        }
    }
}

/// The words of `text` matched by a topic's terms in `lang` and English, with their counts.
fn matched_terms(taxonomy: &Taxonomy, topic: usize, lang: &str, text: &str) -> Vec<String> {
    let mut matcher = TermMatcher::default();
    let mut patterns = Vec::new();
    for (l, terms) in &taxonomy.topics()[topic].terms {
        if l != lang && l != "en" {
            continue;
        }
        for term in terms {
            let pattern = term.rsplit_once('|').map_or(term.as_str(), |(p, _)| p);
            if INFLECTING.contains(&l.as_str()) {
                matcher.add_inflected(pattern, patterns.len(), 1.0);
            } else {
                matcher.add(pattern, patterns.len(), 1.0, false);
            }
            patterns.push(term.clone());
        }
    }
    let tokens = tokenize(text);
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    matcher.find(&tokens, |target, _, span| {
        let words: Vec<&str> = tokens[span].iter().map(|t| t.original()).collect();
        *counts.entry(format!("{} <{}>", words.join(" "), patterns[target])).or_default() += 1;
    });
    counts.into_iter().map(|(k, n)| format!("{k} x{n}")).collect()
}
