//! Boilerplate that repeats across the pages of one site (a disclaimer, a "contact us" block, a
//! site-wide notice that class names did not give away): blocks seen on many pages of the same
//! site are not content. Pages are grouped by the host of their canonical URL, else by their
//! directory in the library.

use std::collections::{HashMap, HashSet};

use scraper::Html;

use crate::fold::fold;
use crate::html::{HttpHints, charset, content_blocks, metadata};

/// Fewest pages of a site before repetition means anything.
const MIN_PAGES: usize = 3;

/// Share of a site's pages a block must appear on to be boilerplate.
const MIN_SHARE: f64 = 0.5;

/// Blocks and on how many pages of one site each was seen.
#[derive(Debug, Clone, Default)]
pub struct RepeatedBlocks {
    counts: HashMap<u64, usize>,
    pages: usize,
}

impl RepeatedBlocks {
    /// Records the blocks of one page (each block counts once per page).
    pub fn add_page<'a>(&mut self, blocks: impl IntoIterator<Item = &'a str>) {
        self.pages += 1;
        let unique: HashSet<u64> = blocks.into_iter().map(block_key).collect();
        for key in unique {
            *self.counts.entry(key).or_default() += 1;
        }
    }

    /// Whether `block` is on enough of the site's pages to be boilerplate.
    pub fn is_repeated(&self, block: &str) -> bool {
        if self.pages < MIN_PAGES {
            return false;
        }
        let needed = ((self.pages as f64 * MIN_SHARE).ceil() as usize).max(MIN_PAGES);
        self.counts.get(&block_key(block)).is_some_and(|&n| n >= needed)
    }

    /// Pages recorded.
    pub fn pages(&self) -> usize {
        self.pages
    }
}

/// Repeated blocks of every site of a library.
#[derive(Debug, Clone, Default)]
pub struct SiteBoilerplate {
    sites: HashMap<String, RepeatedBlocks>,
}

impl SiteBoilerplate {
    /// Learns from pages given as their bytes and the directory they are in.
    pub fn learn<'a>(pages: impl IntoIterator<Item = (&'a [u8], &'a str)>) -> Self {
        let mut learned = SiteBoilerplate::default();
        for (bytes, directory) in pages {
            learned.learn_page(bytes, directory);
        }
        learned
    }

    /// Learns from one more page, given as its bytes and the directory it is in.
    pub fn learn_page(&mut self, bytes: &[u8], directory: &str) {
        let document = Html::parse_document(&charset::decode_html(bytes, None).text);
        let site = site_key(metadata::read(&document).url.as_deref(), directory);
        let blocks = content_blocks(&document);
        self.sites.entry(site).or_default().add_page(blocks.iter().map(|b| b.text.as_str()));
    }

    /// Adds what `other` learned from other pages: learning from two halves of a library and
    /// merging is learning from the whole.
    pub fn merge(&mut self, other: SiteBoilerplate) {
        for (site, theirs) in other.sites {
            let mine = self.sites.entry(site).or_default();
            mine.pages += theirs.pages;
            for (key, pages) in theirs.counts {
                *mine.counts.entry(key).or_default() += pages;
            }
        }
    }

    /// The repeated blocks of the site of a page with this canonical URL in this directory.
    pub fn for_site(&self, url: Option<&str>, directory: &str) -> Option<&RepeatedBlocks> {
        self.sites.get(&site_key(url, directory))
    }

    /// Extracts a page with the blocks of its site that repeat left out.
    pub fn extract(&self, bytes: &[u8], hints: &HttpHints, directory: &str) -> crate::Extraction {
        crate::html::HtmlExtractor::extract_for_site(bytes, hints, |url| {
            self.for_site(url, directory).filter(|repeated| repeated.pages() >= MIN_PAGES)
        })
    }
}

/// The host of an absolute URL (without `www.`), else the directory.
fn site_key(url: Option<&str>, directory: &str) -> String {
    url.and_then(|u| u.split_once("://"))
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or("").to_ascii_lowercase())
        .filter(|host| !host.is_empty())
        .map(|host| format!("host:{}", host.trim_start_matches("www.")))
        .unwrap_or_else(|| format!("dir:{directory}"))
}

/// The block's words, folded, hashed: blocks that differ in case, accents or spacing only are
/// the same block.
fn block_key(block: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    // Word by word, so that the ASCII words of a block with one accented letter still take
    // `fold`'s fast path; folding adds and removes no white space, so the words are those of
    // the folded block (a word of combining marks alone folds to nothing and is skipped).
    for word in block.split_whitespace() {
        let folded = fold(word);
        if !folded.is_empty() {
            folded.hash(&mut hasher);
        }
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html::HtmlExtractor;

    fn page(n: usize) -> String {
        format!(
            r#"<html><head><link rel="canonical" href="https://www.sante.example/p{n}"></head><body><main>
<h1>Page {n}</h1><p>Article number {n} explains, in some detail, how remote monitoring works in clinic {n}.</p>
<p>Les informations de ce site ne remplacent pas l'avis d'un médecin, consultez votre praticien.</p></main></body></html>"#
        )
    }

    #[test]
    fn a_block_is_keyed_by_its_folded_words_as_the_whole_folded_block_is_split() {
        let by_block = |block: &str| {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            fold(block).split_whitespace().for_each(|w| w.hash(&mut hasher));
            hasher.finish()
        };
        for block in [
            "Les informations de ce site ne remplacent pas l'avis d'un médecin.",
            "  ÉCOUTER\u{a0}la   Straße \u{301} Łódź\tΕλλάδα\n Здоровьё ",
            "",
            "\u{2000}a\u{2000}b",
        ] {
            assert_eq!(block_key(block), by_block(block), "{block:?}");
        }
        assert_eq!(block_key("Avis d'un MÉDECIN"), block_key("avis  d'un medecin"));
    }

    #[test]
    fn learning_from_two_halves_and_merging_is_learning_from_all() {
        let pages: Vec<String> = (0..7).map(page).collect();
        let all = SiteBoilerplate::learn(pages.iter().map(|p| (p.as_bytes(), "web")));
        let mut halves = SiteBoilerplate::learn(pages[..3].iter().map(|p| (p.as_bytes(), "web")));
        halves.merge(SiteBoilerplate::learn(pages[3..].iter().map(|p| (p.as_bytes(), "web"))));
        let site = |l: &SiteBoilerplate| {
            let r = l.for_site(Some("https://www.sante.example/p0"), "web").unwrap().clone();
            let mut counts: Vec<(u64, usize)> = r.counts.into_iter().collect();
            counts.sort_unstable();
            (r.pages, counts)
        };
        assert_eq!(site(&halves), site(&all));
        assert_eq!(site(&all).0, 7);
    }

    #[test]
    fn blocks_on_most_pages_of_a_site_are_dropped() {
        let pages: Vec<String> = (0..4).map(page).collect();
        let learned = SiteBoilerplate::learn(pages.iter().map(|p| (p.as_bytes(), "web")));
        let e = learned.extract(pages[0].as_bytes(), &HttpHints::default(), "elsewhere");
        assert!(e.text.contains("Article number 0"), "{}", e.text);
        assert!(!e.text.contains("avis d'un médecin"), "{}", e.text);
        // Without learning, or for another site, the block stays.
        assert!(HtmlExtractor::extract(pages[0].as_bytes()).text.contains("avis d'un médecin"));
        let other = page(9).replace("sante.example", "other.example");
        assert!(learned.extract(other.as_bytes(), &HttpHints::default(), "web").text.contains("avis d'un médecin"));
    }

    #[test]
    fn too_few_pages_say_nothing() {
        let mut repeated = RepeatedBlocks::default();
        repeated.add_page(["a", "b"]);
        repeated.add_page(["a"]);
        assert!(!repeated.is_repeated("a"));
        repeated.add_page(["A", "c"]);
        assert!(repeated.is_repeated("a"));
        assert!(!repeated.is_repeated("b"));
    }

    #[test]
    fn site_keys() {
        assert_eq!(site_key(Some("https://www.Example.org/a?b"), "d"), "host:example.org");
        assert_eq!(site_key(Some("/relative"), "web/x"), "dir:web/x");
        assert_eq!(site_key(None, "web"), "dir:web");
    }
}
