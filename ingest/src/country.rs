//! Countries of the WHO European Region (and `EU`) recognised in text, from a gazetteer of names,
//! native names and adjectives in the Region's languages (`data/countries.tsv`, generated from
//! Debian's iso-codes translations plus curated adjective forms).

use std::collections::{BTreeMap, HashMap};

use crate::error::IngestError;
use crate::terms::{TermMatcher, tokenize};

const BUILTIN_GAZETTEER: &str = include_str!("../data/countries.tsv");

/// Thresholds of the country detector.
#[derive(Debug, Clone)]
pub struct CountrySettings {
    /// A country named this many times in the body (without being in the title) is a subject
    /// of the document; fewer mentions are "in passing".
    pub min_body_mentions: f32,
}

impl Default for CountrySettings {
    fn default() -> Self {
        CountrySettings { min_body_mentions: 3.0 }
    }
}

/// Names of the Region's countries in many languages, and the detector built on them.
pub struct CountryGazetteer {
    codes: Vec<String>,
    labels: HashMap<String, BTreeMap<String, String>>,
    matcher: TermMatcher,
    settings: CountrySettings,
}

/// Weight of an ambiguous form ("Georgia", "Macedonia"): it needs corroboration.
const AMBIGUOUS_WEIGHT: f32 = 0.5;

impl CountryGazetteer {
    /// The gazetteer shipped with the code.
    pub fn builtin(settings: CountrySettings) -> Result<Self, IngestError> {
        Self::parse(BUILTIN_GAZETTEER, settings)
    }

    /// Parses a gazetteer TSV: header `code lang term kind flags`, then one form per line.
    pub fn parse(tsv: &str, settings: CountrySettings) -> Result<Self, IngestError> {
        let mut codes: Vec<String> = Vec::new();
        let mut labels: HashMap<String, BTreeMap<String, String>> = HashMap::new();
        let mut matcher = TermMatcher::default();
        let mut seen = std::collections::HashSet::new();
        for (line_no, line) in tsv.lines().enumerate().skip(1) {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let [code, lang, term, kind, rest @ ..] = cols.as_slice() else {
                return Err(IngestError::Data {
                    name: "countries.tsv",
                    reason: format!("line {}: expected at least 4 columns", line_no + 1),
                });
            };
            let flags = rest.first().copied().unwrap_or("");
            let case_sensitive = flags.split(',').any(|f| f.trim() == "case");
            let ambiguous = flags.split(',').any(|f| f.trim() == "ambiguous");
            let index = match codes.iter().position(|c| c == code) {
                Some(index) => index,
                None => {
                    codes.push((*code).to_owned());
                    codes.len() - 1
                }
            };
            if *kind == "name" {
                labels
                    .entry((*code).to_owned())
                    .or_default()
                    .entry((*lang).to_owned())
                    .or_insert_with(|| (*term).to_owned());
            }
            // The same form often appears in several languages ("Portugal"): match it once.
            let key =
                (index, if case_sensitive { (*term).to_owned() } else { crate::fold::fold(term) }, case_sensitive);
            if seen.insert(key) {
                matcher.add(term, index, if ambiguous { AMBIGUOUS_WEIGHT } else { 1.0 }, case_sensitive);
            }
        }
        Ok(CountryGazetteer { codes, labels, matcher, settings })
    }

    /// All country codes, in gazetteer order.
    pub fn codes(&self) -> &[String] {
        &self.codes
    }

    /// The name of `code` in `lang`, falling back to English, then to the code itself.
    pub fn label<'a>(&'a self, code: &'a str, lang: &str) -> &'a str {
        self.labels
            .get(code)
            .and_then(|names| names.get(lang).or_else(|| names.get("en")))
            .map(String::as_str)
            .unwrap_or(code)
    }

    /// Whether `code` is a known country code.
    pub fn contains(&self, code: &str) -> bool {
        self.codes.iter().any(|c| c == code)
    }

    /// The countries a document is about: named in its title, or mentioned repeatedly in its
    /// body. Sorted by strength of evidence, strongest first.
    pub fn detect(&self, title: &str, body: &str) -> Vec<String> {
        let mut evidence = vec![0f32; self.codes.len()];
        for (text, weight) in [(title, self.settings.min_body_mentions), (body, 1.0)] {
            let tokens = tokenize(text);
            // Overlapping forms ("Bosnia", "Bosnia and Herzegovina") are one mention.
            let mut spans: Vec<(usize, std::ops::Range<usize>, f32)> = Vec::new();
            self.matcher.find(&tokens, |code, w, span| spans.push((code, span, w)));
            spans.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.start.cmp(&b.1.start)).then(b.1.end.cmp(&a.1.end)));
            let mut last: Option<(usize, usize)> = None;
            for (code, span, w) in spans {
                if let Some((last_code, last_end)) = last
                    && last_code == code
                    && span.start < last_end
                {
                    continue;
                }
                last = Some((code, span.end));
                evidence[code] += w * weight;
            }
        }
        let mut found: Vec<(usize, f32)> =
            evidence.iter().copied().enumerate().filter(|&(_, e)| e >= self.settings.min_body_mentions).collect();
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        found.into_iter().map(|(i, _)| self.codes[i].clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "code\tlang\tterm\tkind\tflags
PT\ten\tPortugal\tname\t
PT\tpt\tPortugal\tname\t
PT\ten\tPortuguese\tadjective\t
GE\ten\tGeorgia\tname\tcase,ambiguous
TR\ten\tTurkey\tname\tcase
TR\ten\tTürkiye\tname\t
BA\ten\tBosnia and Herzegovina\tname\t
BA\ten\tBosnia\tname\t
";

    fn gazetteer() -> CountryGazetteer {
        CountryGazetteer::parse(SMALL, CountrySettings::default()).unwrap()
    }

    #[test]
    fn a_title_mention_or_repeated_body_mentions_make_a_subject() {
        let g = gazetteer();
        assert_eq!(g.detect("Telemonitoring in Portugal", "A short body."), ["PT"]);
        assert_eq!(g.detect("A report", "Portugal, the Portuguese NHS, and Portugal again."), ["PT"]);
        assert!(g.detect("A report", "As in Portugal and Türkiye.").is_empty());
    }

    #[test]
    fn case_sensitive_and_ambiguous_forms() {
        let g = gazetteer();
        assert!(g.detect("Roast turkey recipes", "turkey turkey turkey").is_empty());
        assert_eq!(g.detect("Health apps in Turkey", ""), ["TR"]);
        // Georgia alone is weak evidence: could be the US state.
        assert!(g.detect("A report", "Georgia, Georgia, Georgia.").is_empty());
        assert_eq!(g.detect("A report", "Georgia Georgia Georgia Georgia Georgia Georgia").len(), 1);
    }

    #[test]
    fn overlapping_forms_count_once() {
        let g = gazetteer();
        assert!(g.detect("A", "Bosnia and Herzegovina and Bosnia and Herzegovina").is_empty());
        assert_eq!(g.label("PT", "pt"), "Portugal");
        assert_eq!(g.label("XX", "pt"), "XX");
    }

    #[test]
    fn builtin_gazetteer_has_the_region() {
        let g = CountryGazetteer::builtin(CountrySettings::default()).unwrap();
        assert_eq!(g.codes().len(), 54, "53 member states and EU");
        assert_eq!(g.detect("Mobile health in Poland", ""), ["PL"]);
        assert_eq!(g.detect("Телемедицина в Казахстане", ""), ["KZ"]);
        assert_eq!(g.label("DE", "fr"), "Allemagne");
    }
}
