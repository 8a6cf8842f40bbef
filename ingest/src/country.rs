//! Countries of the WHO European Region (and `EU`) recognised in text, from a gazetteer of names,
//! native names and adjectives in the Region's languages (`data/countries.tsv`, generated from
//! Debian's iso-codes translations plus curated adjective forms), curated context
//! (`data/country-context.tsv`: places and institutions that point to a country, and phrases
//! that look like a country but are not one), and rules against street and person names.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use crate::error::IngestError;
use crate::terms::{TermMatcher, Token, tokenize};

const BUILTIN_GAZETTEER: &str = include_str!("../data/countries.tsv");
const BUILTIN_CONTEXT: &str = include_str!("../data/country-context.tsv");
const BUILTIN_LABELS: &str = include_str!("../data/country-labels.tsv");

/// Thresholds of the country detector.
#[derive(Debug, Clone)]
pub struct CountrySettings {
    /// Evidence that makes a country a subject of the document: one unambiguous body reference
    /// counts 1 (an ambiguous one 0.5), a title mention counts this much (so a title mention
    /// alone is enough).
    pub min_body_mentions: f32,
    /// Evidence added to the country whose national language the document is written in, when
    /// the document mentions that country at all (a Polish report naming Poland twice is about
    /// Poland). Only for languages spoken as a national language in one country of the Region.
    pub language_prior: f32,
    /// A country not named in the title also needs at least this fraction of the evidence of
    /// the document's main country: a report on Austria that compares it with Germany three
    /// times is still not about Germany.
    pub min_share: f32,
    /// Mentions of one country this many words apart or closer are one reference ("au
    /// Royaume-Uni, le NHS", "in Frankreich hat die Haute Autorité de santé"); 0 counts each.
    pub merge_window: usize,
}

impl Default for CountrySettings {
    fn default() -> Self {
        // Tuned on the labelled set of tools/eval (see BENCHMARKS.md).
        CountrySettings { min_body_mentions: 1.5, language_prior: 1.0, min_share: 0.5, merge_window: 2 }
    }
}

/// What a matched form stands for: evidence for a country, or a phrase that only looks like one.
#[derive(Debug, Clone, Copy)]
struct Form {
    /// Index into `codes`; `None` for an exclusion ("New Spain", "Georgia State University").
    country: Option<usize>,
    weight: f32,
    /// A form that is also a person's given name ("Georgia"): not a country when followed by a
    /// capitalised word that is not a country form.
    given_name: bool,
    /// A veto: its presence voids the country's ambiguous forms and the language prior
    /// ("Atlanta" or "Medicaid" make "Georgia" the US state; "Brasil" makes Portuguese text
    /// Brazilian).
    veto: bool,
}

/// Names of the Region's countries in many languages, and the detector built on them.
pub struct CountryGazetteer {
    codes: Vec<String>,
    labels: HashMap<String, BTreeMap<String, String>>,
    matcher: TermMatcher,
    forms: Vec<Form>,
    settings: CountrySettings,
}

/// Weight of an ambiguous form ("Georgia", "Macedonia"): it needs corroboration.
const AMBIGUOUS_WEIGHT: f32 = 0.5;

/// Languages that are a national language of exactly one country of the Region.
const LANGUAGE_HOME: &[(&str, &str)] = &[
    ("pl", "PL"),
    ("cs", "CZ"),
    ("sk", "SK"),
    ("sl", "SI"),
    ("hr", "HR"),
    ("hu", "HU"),
    ("bg", "BG"),
    ("sv", "SE"),
    ("da", "DK"),
    ("fi", "FI"),
    ("et", "EE"),
    ("lv", "LV"),
    ("lt", "LT"),
    ("is", "IS"),
    ("mt", "MT"),
    ("lb", "LU"),
    ("nl", "NL"),
    ("pt", "PT"),
    ("it", "IT"),
    ("kk", "KZ"),
    ("ky", "KG"),
    ("uz", "UZ"),
    ("tg", "TJ"),
    ("tk", "TM"),
    ("hy", "AM"),
    ("ka", "GE"),
    ("az", "AZ"),
    ("be", "BY"),
    ("uk", "UA"),
    ("mk", "MK"),
    ("sq", "AL"),
    ("sr", "RS"),
    ("bs", "BA"),
    ("he", "IL"),
    ("tr", "TR"),
    ("ro", "RO"),
    ("el", "GR"),
    ("no", "NO"),
    ("nb", "NO"),
    ("nn", "NO"),
];

/// Words that name a street when they come right before a name ("rue de Belgique", "calle
/// Portugal", "ulica Polska"); those marked `true` only with a linking word ("place de").
const STREET_BEFORE: &[(&str, bool)] = &[
    ("rue", false),
    ("calle", false),
    ("avenida", false),
    ("rua", false),
    ("ulica", false),
    ("ul", false),
    ("aleja", false),
    ("viale", false),
    ("piazza", false),
    ("corso", false),
    ("strada", false),
    ("bulevardul", false),
    ("plaza", false),
    ("paseo", false),
    ("boulevard", false),
    ("quai", false),
    ("praca", false),
    ("largo", true),
    ("place", true),
    ("avenue", true),
    ("via", true),
    ("square", true),
];
/// Linking words between a street word and a name.
const STREET_LINKS: &[&str] = &["de", "du", "des", "d", "la", "del", "della", "di", "da", "do", "dos", "das"];
/// Capitalised words that make a name a street when they follow it ("Denmark Street").
const STREET_AFTER: &[&str] = &[
    "Street", "St", "Road", "Rd", "Avenue", "Ave", "Lane", "Square", "Place", "Gardens", "Terrace", "Straße",
    "Strasse", "Gasse", "Platz", "Allee", "Weg", "Ring", "Ulica",
];
/// Titles before a person's name ("Dr Holland", "Mrs Georgia Smith").
const HONORIFICS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Miss", "Dr", "Prof", "Sir", "Lady", "Lord", "Mme", "Mlle", "Herr", "Frau", "Sr", "Sra", "Don",
    "Doña", "Signor", "Signora", "Pan", "Pani",
];
/// Capitalised words after a given name that do not make it a person's name.
const NOT_SURNAMES: &[&str] = &["The", "In", "And", "Is", "Has", "Was", "Of", "To", "For", "On", "A", "An"];

impl CountryGazetteer {
    /// The gazetteer shipped with the code.
    pub fn builtin(settings: CountrySettings) -> Result<Self, IngestError> {
        Self::parse(BUILTIN_GAZETTEER, BUILTIN_CONTEXT, settings)?.with_labels(BUILTIN_LABELS)
    }

    /// Replaces the labels taken from the gazetteer's first `name` rows (which may be a
    /// colloquial form such as "Holland") with standard display names: a TSV `code lang label`
    /// (`data/country-labels.tsv`, generated from CLDR by `tools/data/make-country-labels.py`).
    pub fn with_labels(mut self, labels_tsv: &str) -> Result<Self, IngestError> {
        for (line_no, line) in labels_tsv.lines().enumerate().skip(1) {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let [code, lang, label] = line.split('\t').collect::<Vec<_>>()[..] else {
                return Err(IngestError::Data {
                    name: "country-labels.tsv",
                    reason: format!("line {}: expected 3 columns", line_no + 1),
                });
            };
            if self.contains(code) {
                self.labels.entry(code.to_owned()).or_default().insert(lang.to_owned(), label.to_owned());
            }
        }
        Ok(self)
    }

    /// Parses a gazetteer TSV (header `code lang term kind flags`, then one form per line) and a
    /// context TSV in the same format, whose kinds are `place` and `institution` (evidence for
    /// the country, weight from a `w=0.5` flag, default 1) and `exclude` (a phrase that cancels
    /// the country forms it covers; code `*`).
    pub fn parse(tsv: &str, context_tsv: &str, settings: CountrySettings) -> Result<Self, IngestError> {
        let mut gazetteer = CountryGazetteer {
            codes: Vec::new(),
            labels: HashMap::new(),
            matcher: TermMatcher::default(),
            forms: Vec::new(),
            settings,
        };
        let base = parse_rows("countries.tsv", tsv)?;
        let context = parse_rows("country-context.tsv", context_tsv)?;
        // A context row of a gazetteer kind that names an existing form replaces its flags
        // (Icelandic "Ísland" must keep its capital, or it matches every English "island").
        let key = |row: &Row<'_>| (row.code.to_owned(), row.term.to_owned());
        let overrides: HashMap<(String, String), &Row<'_>> =
            context.iter().filter(|row| GAZETTEER_KINDS.contains(&row.kind)).map(|row| (key(row), row)).collect();
        let mut rows: Vec<&Row<'_>> = Vec::with_capacity(base.len() + context.len());
        let mut overridden = std::collections::HashSet::new();
        for row in &base {
            let key = key(row);
            rows.push(overrides.get(&key).copied().unwrap_or(row));
            overridden.insert(key);
        }
        // Context rows of a gazetteer kind that override nothing are new forms.
        rows.extend(
            context.iter().filter(|row| !GAZETTEER_KINDS.contains(&row.kind) || !overridden.contains(&key(row))),
        );

        let mut seen = std::collections::HashSet::new();
        for row in rows {
            let country = (row.kind != "exclude").then(|| gazetteer.code_index(row.code));
            let veto = row.kind == "veto";
            if row.kind == "name" {
                gazetteer
                    .labels
                    .entry(row.code.to_owned())
                    .or_default()
                    .entry(row.lang.to_owned())
                    .or_insert_with(|| row.term.to_owned());
            }
            // The same form often appears in several languages ("Portugal"): match it once.
            let folded = if row.case_sensitive { row.term.to_owned() } else { crate::fold::fold(row.term) };
            if seen.insert((country, folded, row.case_sensitive)) {
                gazetteer.matcher.add(row.term, gazetteer.forms.len(), row.weight, row.case_sensitive);
                gazetteer.forms.push(Form { country, weight: row.weight, given_name: row.given_name, veto });
            }
        }
        Ok(gazetteer)
    }

    fn code_index(&mut self, code: &str) -> usize {
        match self.codes.iter().position(|c| c == code) {
            Some(index) => index,
            None => {
                self.codes.push(code.to_owned());
                self.codes.len() - 1
            }
        }
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

    /// The countries a document in `lang` is about: named in its title, or mentioned
    /// repeatedly in its body and not dwarfed by the main country. Strongest evidence first.
    pub fn detect(&self, lang: &str, title: &str, body: &str) -> Vec<String> {
        let scores = self.scores(lang, title, body);
        // The share rule only applies when the strongest country is in the title: a report on
        // one country, where the others are comparisons. A comparative report names none or
        // several in its title, and every country it discusses repeatedly is a subject.
        let best = scores.iter().filter(|s| s.2).map(|s| s.1).fold(0f32, f32::max);
        let mut found: Vec<(usize, f32)> = scores
            .into_iter()
            .filter(|&(_, e, titled)| {
                e >= self.settings.min_body_mentions && (titled || e >= best * self.settings.min_share)
            })
            .map(|(i, e, _)| (i, e))
            .collect();
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| self.codes[a.0].cmp(&self.codes[b.0])));
        found.into_iter().map(|(i, _)| self.codes[i].clone()).collect()
    }

    /// The evidence for every country with any: the weights of its mentions (title mentions
    /// weigh `min_body_mentions`), plus the language prior. For explaining and tuning [`detect`].
    ///
    /// [`detect`]: CountryGazetteer::detect
    pub fn evidence(&self, lang: &str, title: &str, body: &str) -> Vec<(String, f32)> {
        self.scores(lang, title, body).into_iter().map(|(i, e, _)| (self.codes[i].clone(), e)).collect()
    }

    /// (country index, evidence, named in the title) for every country with evidence.
    fn scores(&self, lang: &str, title: &str, body: &str) -> Vec<(usize, f32, bool)> {
        let mut evidence = vec![0f32; self.codes.len()];
        let mut weak = vec![0f32; self.codes.len()];
        let mut vetoed = vec![false; self.codes.len()];
        let mut titled = vec![false; self.codes.len()];
        for (text, scale, in_title) in [(title, self.settings.min_body_mentions, true), (body, 1.0, false)] {
            let tokens = tokenize(text);
            // (end of the first mention of the current reference, its weight so far) by country:
            // the window does not slide, so a dense paragraph is not one long reference
            let mut last: HashMap<usize, (usize, f32)> = HashMap::new();
            for (country, span, form) in self.mentions(&tokens) {
                if form.veto {
                    vetoed[country] = true;
                    continue;
                }
                let mut weight = form.weight;
                if let Some((end, previous)) = last.get(&country).copied()
                    && span.start <= end + self.settings.merge_window
                    && self.settings.merge_window > 0
                {
                    // The same reference: it counts as its strongest form.
                    weight = (weight - previous).max(0.0);
                    last.insert(country, (end, previous + weight));
                } else {
                    last.insert(country, (span.end, weight));
                }
                if form.weight <= AMBIGUOUS_WEIGHT {
                    weak[country] += weight * scale;
                }
                evidence[country] += weight * scale;
                // Only a full-weight form makes the title about a country ("GDPR" does not).
                titled[country] |= in_title && form.weight >= 1.0;
            }
        }
        for country in (0..evidence.len()).filter(|&c| vetoed[c]) {
            evidence[country] -= weak[country];
        }
        if let Some((_, home)) = LANGUAGE_HOME.iter().find(|(l, _)| *l == lang)
            && let Some(index) = self.codes.iter().position(|c| c == home)
            && evidence[index] > 0.0
            && !vetoed[index]
        {
            evidence[index] += self.settings.language_prior;
        }
        evidence.into_iter().enumerate().filter(|&(_, e)| e > 0.001).map(|(i, e)| (i, e, titled[i])).collect()
    }

    /// The country mentions in `tokens` with their weights. Overlapping forms are one mention
    /// and the longest wins, so "Northern Ireland" is not Ireland, "Bosnia and Herzegovina" is one
    /// mention and an exclusion ("New Spain") silences the name inside it.
    fn mentions(&self, tokens: &[Token<'_>]) -> Vec<(usize, Range<usize>, Form)> {
        let mut spans: Vec<(Range<usize>, usize)> = Vec::new();
        self.matcher.find(tokens, |form, _, span| spans.push((span, form)));
        spans.sort_by(|a, b| a.0.start.cmp(&b.0.start).then(b.0.end.cmp(&a.0.end)));
        let mut kept: Vec<(Range<usize>, Form)> = Vec::new();
        let mut last_end = 0;
        for (span, form) in spans {
            if span.start < last_end {
                continue;
            }
            last_end = span.end;
            kept.push((span, self.forms[form]));
        }
        let is_country_at =
            |position: usize| kept.iter().any(|(span, form)| span.start == position && form.country.is_some());
        kept.iter()
            .filter_map(|(span, form)| {
                let country = form.country?;
                if is_street(tokens, span) || is_person(tokens, span, form.given_name, &is_country_at) {
                    return None;
                }
                Some((country, span.clone(), *form))
            })
            .collect()
    }
}

/// Kinds of countries.tsv; a context row of one of these kinds overrides the gazetteer's flags.
const GAZETTEER_KINDS: &[&str] = &["name", "official", "adjective", "inflection"];

/// One row of a gazetteer or context TSV.
struct Row<'a> {
    code: &'a str,
    lang: &'a str,
    term: &'a str,
    kind: &'a str,
    case_sensitive: bool,
    weight: f32,
    given_name: bool,
}

/// Parses the rows of a TSV whose first line is a header; `#` lines are comments.
fn parse_rows<'a>(name: &'static str, text: &'a str) -> Result<Vec<Row<'a>>, IngestError> {
    let mut rows = Vec::new();
    for (line_no, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let error = |reason: String| IngestError::Data { name, reason: format!("line {}: {reason}", line_no + 1) };
        let cols: Vec<&str> = line.split('\t').collect();
        let [code, lang, term, kind, rest @ ..] = cols.as_slice() else {
            return Err(error("expected at least 4 columns".to_owned()));
        };
        if !GAZETTEER_KINDS.contains(kind) && !["place", "institution", "exclude", "veto"].contains(kind) {
            return Err(error(format!("unknown kind {kind:?}")));
        }
        let flags: Vec<&str> = rest.first().copied().unwrap_or("").split(',').map(str::trim).collect();
        let mut weight = if flags.contains(&"ambiguous") { AMBIGUOUS_WEIGHT } else { 1.0 };
        if let Some(w) = flags.iter().find_map(|f| f.strip_prefix("w=")) {
            weight = w.parse().map_err(|_| error(format!("bad weight {w:?}")))?;
        }
        rows.push(Row {
            code,
            lang,
            term,
            kind,
            case_sensitive: flags.contains(&"case"),
            weight,
            given_name: flags.contains(&"given-name"),
        });
    }
    Ok(rows)
}

/// "rue de Belgique", "calle Portugal", "Denmark Street".
fn is_street(tokens: &[Token<'_>], span: &Range<usize>) -> bool {
    let before = |back: usize| span.start.checked_sub(back).map(|i| tokens[i].folded());
    let street_before = |word: Option<&str>, linked: bool| {
        word.is_some_and(|w| STREET_BEFORE.iter().any(|&(s, needs_link)| s == w && (linked || !needs_link)))
    };
    let linked = before(1).is_some_and(|w| STREET_LINKS.contains(&w));
    if street_before(before(1), false) || (linked && street_before(before(2), true)) {
        return true;
    }
    tokens.get(span.end).is_some_and(|next| STREET_AFTER.contains(&next.original()))
}

/// "Dr Holland", "Georgia Smith": a title before the name, or a given-name form followed by a
/// capitalised word that is neither a country nor a function word.
fn is_person(
    tokens: &[Token<'_>],
    span: &Range<usize>,
    given_name: bool,
    is_country_at: &dyn Fn(usize) -> bool,
) -> bool {
    if span.start > 0 && HONORIFICS.contains(&tokens[span.start - 1].original()) {
        return true;
    }
    given_name
        && tokens.get(span.end).is_some_and(|next| {
            next.is_capitalised() && !NOT_SURNAMES.contains(&next.original()) && !is_country_at(span.end)
        })
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
IE\ten\tIreland\tname\t
GB\ten\tNorthern Ireland\tname\t
ES\ten\tSpain\tname\t
BE\tfr\tBelgique\tname\t
DK\ten\tDenmark\tname\t
PL\tpl\tPolska\tname\t
";

    const CONTEXT: &str = "code\tlang\tterm\tkind\tflags
GE\ten\tTbilisi\tplace\t
GE\ten\tGeorgia\tname\tcase,ambiguous,given-name
*\ten\tNew Spain\texclude\t
*\ten\tAtlanta Georgia\texclude\t
*\ten\troast turkey\texclude\t
PT\ten\tLisbon\tplace\tw=0.5
";

    fn gazetteer() -> CountryGazetteer {
        CountryGazetteer::parse(SMALL, CONTEXT, CountrySettings::default()).unwrap()
    }

    #[test]
    fn a_title_mention_or_repeated_body_mentions_make_a_subject() {
        let g = gazetteer();
        assert_eq!(g.detect("en", "Telemonitoring in Portugal", "A short body."), ["PT"]);
        let body = "Portugal has a national health service. Ten years later the Portuguese programme grew.";
        assert_eq!(g.detect("en", "A report", body), ["PT"]);
        assert!(g.detect("en", "A report", "As in Portugal and Türkiye.").is_empty());
        // Mentions a few words apart are one reference.
        assert!(g.detect("en", "A report", "Portugal, the Portuguese NHS.").is_empty());
    }

    #[test]
    fn the_national_language_tips_a_repeated_mention() {
        let g = gazetteer();
        assert_eq!(g.detect("pl", "Raport", "Polska i Polska."), ["PL"]);
        assert!(g.detect("en", "Report", "Polska i Polska.").is_empty());
        assert!(g.detect("pl", "Raport", "Nothing here.").is_empty(), "the prior needs a mention");
    }

    #[test]
    fn case_sensitive_and_ambiguous_forms() {
        let g = gazetteer();
        assert!(g.detect("en", "Roast turkey recipes", "turkey turkey turkey").is_empty());
        assert!(g.detect("en", "Roast Turkey Recipes", "").is_empty());
        assert_eq!(g.detect("en", "Health apps in Turkey", ""), ["TR"]);
        // Georgia alone is weak evidence: could be the US state.
        let far = |word: &str, times: usize| vec![format!("{word} and then some other words here."); times].concat();
        assert!(g.detect("en", "A report", &far("Georgia", 2)).is_empty());
        assert_eq!(g.detect("en", "A report", &far("Georgia", 3)), ["GE"]);
        assert_eq!(g.detect("en", "Georgia", "Tbilisi, Tbilisi."), ["GE"]);
    }

    #[test]
    fn look_alikes_are_not_countries() {
        let g = gazetteer();
        let none = |title: &str, body: &str| assert!(g.detect("en", title, body).is_empty(), "{title} / {body}");
        none("Clinics in Atlanta, Georgia", "");
        none("The economy of New Spain", "New Spain, New Spain and New Spain.");
        none("Un café rue de Belgique", "");
        none("Guitar shops of Denmark Street", "");
        none("An interview with Dr Georgia", "");
        none("Georgia Smith on telehealth", "");
        assert_eq!(g.detect("en", "Georgia and Armenia", "Tbilisi and Tbilisi"), ["GE"]);
        assert_eq!(g.detect("en", "Telehealth in Northern Ireland", ""), ["GB"]);
        assert_eq!(g.detect("en", "Telehealth in Spain", ""), ["ES"]);
    }

    #[test]
    fn context_rows_override_gazetteer_flags() {
        let base = "code\tlang\tterm\tkind\tflags\nIS\tis\tÍsland\tname\t\n";
        let context = "code\tlang\tterm\tkind\tflags\nIS\tis\tÍsland\tname\tcase\n";
        let loose = CountryGazetteer::parse(base, "code\n", CountrySettings::default()).unwrap();
        assert_eq!(loose.detect("en", "An island", ""), ["IS"]);
        let fixed = CountryGazetteer::parse(base, context, CountrySettings::default()).unwrap();
        assert!(fixed.detect("en", "An island", "island, island, island").is_empty());
        assert_eq!(fixed.detect("is", "Ísland", ""), ["IS"]);
        let builtin = CountryGazetteer::builtin(CountrySettings::default()).unwrap();
        assert!(builtin.detect("en", "On the island", "island island island island").is_empty());
    }

    #[test]
    fn overlapping_forms_count_once() {
        let g = gazetteer();
        assert!(g.detect("en", "A", "Bosnia and Herzegovina and Bosnia and Herzegovina").is_empty());
        // Near each other, a city and the country are one reference, worth its strongest form.
        assert_eq!(g.evidence("en", "", "Lisbon and Portugal"), [("PT".to_owned(), 1.0)]);
        let apart = "Lisbon hospitals took part. Several months later the rest of Portugal joined.";
        assert_eq!(g.evidence("en", "", apart), [("PT".to_owned(), 1.5)]);
        assert_eq!(g.label("PT", "pt"), "Portugal");
        assert_eq!(g.label("XX", "pt"), "XX");
    }

    #[test]
    fn bad_context_rows_name_their_line() {
        let bad = "code\tlang\tterm\tkind\tflags\nPT\ten\tLisbon\tcity\t\n";
        let err = CountryGazetteer::parse(SMALL, bad, CountrySettings::default()).err().unwrap().to_string();
        assert!(err.contains("country-context.tsv") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn builtin_context_rejects_the_known_look_alikes() {
        let g = CountryGazetteer::builtin(CountrySettings::default()).unwrap();
        let none = |lang: &str, title: &str, body: &str| {
            assert_eq!(g.detect(lang, title, body), Vec::<String>::new(), "{title} / {body}")
        };
        none("en", "Telehealth in rural Georgia", "Clinics in Atlanta, Georgia bill Medicaid. Georgia Medicaid pays.");
        none("en", "Roast Turkey Recipes", "A turkey breast salad. Smoked turkey slices. Ground turkey burgers.");
        none("en", "Pilots in New Jersey and on Jersey", "The island of Jersey. New Jersey hospitals.");
        none("en", "From Paris Hilton to Denmark Street", "A shop on Denmark Street. A billboard on rue de Belgique.");
        none("es", "La telemedicina en México", "En la Nueva España. En la Nueva España los protomédicos.");
        none("pt", "Saúde digital no Brasil", "O SUS no Brasil. Inspirado em Portugal.");
        none("en", "A trial protocol", "Follow the Declaration of Helsinki. The Declaration of Helsinki applies.");
        none("en", "From the Spanish flu to apps", "The Spanish flu of 1918. The Spanish flu spread.");
        none("en", "Island health services", "Every island has a clinic. The island hospital and the island nurses.");
        // Ambiguous Georgia needs corroboration: the capital and a second reference.
        let body =
            "Clinics in Tbilisi took part in the study. Later, Yerevan joined. The Georgian nurses sent reminders.";
        assert_eq!(g.detect("en", "Mobile health in Georgia and Armenia", body), ["AM", "GE"]);
        assert_eq!(g.detect("en", "Mobile health in Georgia and Armenia", "Yerevan clinics."), ["AM"]);
        assert_eq!(
            g.detect("en", "Apps on prescription", "Germany's DiGA list grew. The BfArM lists each DiGA."),
            ["DE"]
        );
    }

    #[test]
    fn builtin_gazetteer_has_the_region() {
        let g = CountryGazetteer::builtin(CountrySettings::default()).unwrap();
        assert_eq!(g.codes().len(), 54, "53 member states and EU");
        assert_eq!(g.detect("en", "Mobile health in Poland", ""), ["PL"]);
        assert_eq!(g.detect("ru", "Телемедицина в Казахстане", ""), ["KZ"]);
        assert_eq!(g.label("DE", "fr"), "Allemagne");
        // Standard names, not the first form the gazetteer recognises.
        for (code, lang, label) in [
            ("GB", "en", "United Kingdom"),
            ("GB", "de", "Vereinigtes Königreich"),
            ("NL", "fr", "Pays-Bas"),
            ("MK", "en", "North Macedonia"),
            ("RU", "ru", "Россия"),
            ("EU", "es", "Unión Europea"),
        ] {
            assert_eq!(g.label(code, lang), label);
        }
        for code in g.codes() {
            for lang in ["en", "fr", "de", "es", "ru", "it", "pt", "pl"] {
                assert_ne!(g.label(code, lang), code, "{code} has no {lang} label");
            }
        }
    }
}
