//! Language detection: the n-gram model of [`crate::langid`] for Latin, Cyrillic and Greek text
//! and whatlang for the other scripts, both restricted to an allowlist, fused with the
//! language a file declares, answering an ISO 639-1 code or `und`; per section for documents
//! written in several languages.

use std::borrow::Cow;

use whatlang::{Detector, Lang};

use crate::langid::{self, Script, Tally};

/// What whatlang reads of a document in a script the n-gram model does not cover (Arabic, CJK…):
/// 20 kB tell as much as the whole book. The n-gram model reads the sections instead.
const SAMPLE_BYTES: usize = 20_000;

/// Below this many letters a document's language is not guessed from its text alone. A word
/// counts once however often it is repeated (`ab ba abba` over and over is three words).
const SHORT_TEXT_LETTERS: usize = 40;

/// The same floor for one sample (a line of `detect-lang`): the shortest lines that tell their
/// language have a dozen letters (two or three words).
const SHORT_SAMPLE_LETTERS: usize = 10;

/// Default of [`LanguageDetector::with_min_known_ngrams`]: the share of a text's character 3-
/// and 4-grams that the model must know before the text's language is guessed. Real text scores
/// above 0.6 (long samples of all 38 languages of the evaluation set) and above 0.5 in all but 3
/// of 14,839 short lines; the text of PDFs whose fonts renumber their glyphs scores 0.26–0.43.
pub const DEFAULT_MIN_KNOWN_NGRAMS: f64 = 0.5;

/// Words must average this many letters: below, letters stand alone among symbols (a garbled
/// extraction such as `!$% V 071)/+) 2) 8%,/+'`), not in words. Real lines average 2.9 letters
/// a word or more (99.9 % of the short samples), long texts 3.9.
const MIN_LETTERS_PER_WORD: f32 = 2.5;

/// A declared language that the text does not contradict gets this bonus (log10 odds): enough
/// to settle close neighbours (Croatian/Bosnian, Bokmål/Nynorsk), not to overrule clear text.
const DECLARED_BONUS: f32 = 3.0;

/// Confidence from which a query's language is trusted.
const QUERY_MIN_CONFIDENCE: f64 = 0.5;

/// Sections of a document are at least this long (bytes) before their language is detected.
const SECTION_BYTES: usize = 600;

/// At most this many sections (evenly spread) are examined in one document.
const MAX_SECTIONS: usize = 48;

/// What is read of each section (characters): a hundred words tell a section's language, and
/// the feature look-ups of the rest were a fifth of an ingestion's CPU.
const SECTION_SAMPLE_CHARS: usize = 900;

/// A secondary language must cover this share of the examined letters, and this many letters.
const SECONDARY_SHARE: f64 = 0.12;
const SECONDARY_LETTERS: usize = 400;

/// Detects document languages.
pub struct LanguageDetector {
    whatlang: Detector,
    /// Which model languages are allowed (indexed like `langid::model().languages()`).
    allowed: Vec<bool>,
    min_confidence: f64,
    min_known_ngrams: f32,
}

/// One detection: a language and how sure the detector is.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// ISO 639-1 code.
    pub lang: String,
    /// Confidence in 0..=1.
    pub confidence: f64,
}

impl LanguageDetector {
    /// A detector restricted to `allowlist` (ISO 639-1 codes; unknown codes are ignored, an
    /// empty list allows every language known). Answers below `min_confidence` are `und`
    /// unless the file declared a language.
    pub fn new(allowlist: &[String], min_confidence: f64) -> Self {
        let allow = |code: &str| allowlist.is_empty() || allowlist.iter().any(|a| a.eq_ignore_ascii_case(code));
        let langs: Vec<Lang> = allowlist.iter().filter_map(|code| lang_from_iso639_1(code)).collect();
        let whatlang = if langs.is_empty() { Detector::new() } else { Detector::with_allowlist(langs) };
        let allowed = langid::model().languages().iter().map(|l| allow(&l.code)).collect();
        LanguageDetector { whatlang, allowed, min_confidence, min_known_ngrams: DEFAULT_MIN_KNOWN_NGRAMS as f32 }
    }

    /// Sets the reliability floor: text in Latin, Cyrillic or Greek letters of which fewer than
    /// `share` of the character 3- and 4-grams are known to the model (or whose letters stand
    /// alone among symbols) is not read as any language: garbled extraction gives `und` (or the
    /// declared language) rather than a guess. 0 turns the n-gram part of the floor off.
    pub fn with_min_known_ngrams(mut self, share: f64) -> Self {
        self.min_known_ngrams = share as f32;
        self
    }

    /// Whether the words of `script` in `tally` read as language at all (see
    /// [`Self::with_min_known_ngrams`]); text in other scripts is whatlang's to judge.
    fn reads_as_language(&self, tally: &Tally, script: Script) -> bool {
        match tally.fit(script) {
            Some(fit) => fit.known_ngrams >= self.min_known_ngrams && fit.letters_per_word >= MIN_LETTERS_PER_WORD,
            None => script == Script::Other,
        }
    }

    /// The likeliest language of `text` and the detector's confidence, `declared` (a normalised
    /// ISO 639-1 code) tipping close calls; `None` when the text has no letters, when no allowed
    /// language writes its script, or when it does not read as language at all (garbled text:
    /// see [`Self::with_min_known_ngrams`]).
    pub fn classify(&self, text: &str, declared: Option<&str>) -> Option<Detection> {
        self.classify_tally(&langid::model().tally(text), text, declared)
    }

    /// [`Self::classify`] from the tally of `text` (whatlang reads `text` itself when its
    /// script is not one of the n-gram model's).
    fn classify_tally(&self, tally: &Tally, text: &str, declared: Option<&str>) -> Option<Detection> {
        let (script, letters) = tally.dominant();
        if letters == 0 {
            return None;
        }
        if script == Script::Other {
            let info = self.whatlang.detect(text)?;
            let lang = iso639_1(info.lang()).to_owned();
            let confidence = if declared == Some(lang.as_str()) { 1.0 } else { info.confidence() };
            return Some(Detection { lang, confidence });
        }
        if !self.reads_as_language(tally, script) {
            return None;
        }
        let model = langid::model();
        let considered: Vec<bool> =
            model.languages().iter().zip(&self.allowed).map(|(l, allowed)| *allowed && l.script == script).collect();
        let mut scores = tally.costs(model, script, &considered);
        if let Some(declared) = declared {
            for (cost, language) in scores.costs.iter_mut().zip(model.languages()) {
                if language.code == declared {
                    *cost -= DECLARED_BONUS;
                }
            }
        }
        let (best, confidence) = scores.best()?;
        Some(Detection { lang: model.languages()[best].code.clone(), confidence: f64::from(confidence) })
    }

    /// The language of one short sample (a line, a query): the best guess, or `und` when the
    /// detector is less sure than the configured minimum, the text does not read as language,
    /// or it has too few letters to tell.
    pub fn detect_sample(&self, text: &str) -> String {
        if distinct_word_letters(text, SHORT_SAMPLE_LETTERS) < SHORT_SAMPLE_LETTERS {
            return "und".to_owned();
        }
        match self.classify(text, None) {
            Some(d) if d.confidence >= self.min_confidence => d.lang,
            _ => "und".to_owned(),
        }
    }

    /// The language of a search query, only when detection is confident: a few words rarely
    /// tell their language, and a query of unknown language is matched in every language.
    pub fn detect_query(&self, text: &str) -> Option<String> {
        if text.chars().filter(|c| c.is_alphabetic()).count() < 3 {
            return None;
        }
        self.classify(text, None).filter(|d| d.confidence >= QUERY_MIN_CONFIDENCE).map(|d| d.lang)
    }

    /// The language of `text`, using `declared` (an `<html lang>`, PDF `/Lang`, XMP
    /// `dc:language` or sidecar value such as `fr-BE`) to settle close calls and when the text
    /// is too short to tell.
    pub fn detect(&self, text: &str, declared: Option<&str>) -> String {
        self.document(text, declared, None).lang
    }

    /// The languages other than `main` that `text` is also written in: sections (runs of
    /// paragraphs) are detected one by one, and a language that covers a fair share of the text
    /// is listed, most used first (a report with an English body and a Russian summary, main
    /// language `en`, gives `["ru"]`).
    pub fn other_languages(&self, text: &str, main: &str) -> Vec<String> {
        self.document(text, None, Some(main)).other_langs
    }

    /// A document's main language (`main` when already known, e.g. from a sidecar; else
    /// detected as by [`Self::detect`]) and its other languages (as by
    /// [`Self::other_languages`]), reading the text once: each section is scored once, and the
    /// document's scores are the sum of its sections' (the n-gram costs add up over words).
    /// Lines of code (BibTeX entries, TeX commands, `key = value` lines) are not read when the
    /// rest has enough letters: they are in no natural language and drown a manual's prose.
    pub fn document(&self, text: &str, declared: Option<&str>, main: Option<&str>) -> DocumentLanguages {
        let prose = prose(text);
        let (mut tally, mut per_section) = self.read_sections(&prose);
        let mut sample_text = prefix(&prose, SAMPLE_BYTES);
        if matches!(prose, Cow::Owned(_)) && tally.dominant().1 < SHORT_TEXT_LETTERS {
            (tally, per_section) = self.read_sections(text);
            sample_text = prefix(text, SAMPLE_BYTES);
        }
        let lang = match main {
            Some(main) => main.to_owned(),
            None => {
                let declared = declared.and_then(normalise_code);
                let detected = if tally.dominant().1 < SHORT_TEXT_LETTERS
                    || distinct_word_letters(sample_text, SHORT_TEXT_LETTERS) < SHORT_TEXT_LETTERS
                {
                    None
                } else {
                    self.classify_tally(&tally, sample_text, declared.as_deref())
                };
                match (detected, declared) {
                    (Some(d), _) if d.confidence >= self.min_confidence => d.lang,
                    (_, Some(declared)) => declared,
                    _ => "und".to_owned(),
                }
            }
        };
        let total: usize = per_section.iter().map(|(_, letters)| letters).sum();
        let mut letters_by_lang: Vec<(String, usize)> = Vec::new();
        for (section_lang, letters) in per_section {
            let Some(section_lang) = section_lang else { continue };
            match letters_by_lang.iter_mut().find(|(l, _)| *l == section_lang) {
                Some((_, n)) => *n += letters,
                None => letters_by_lang.push((section_lang, letters)),
            }
        }
        letters_by_lang.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let other_langs = letters_by_lang
            .into_iter()
            .filter(|(l, letters)| {
                let share = *letters as f64 / total.max(1) as f64;
                *l != lang && *letters >= SECONDARY_LETTERS && share >= SECONDARY_SHARE
            })
            .map(|(l, _)| l)
            .collect();
        DocumentLanguages { lang, other_langs }
    }

    /// Scores the sections of `text` (at most [`MAX_SECTIONS`], evenly spread): the sum of the
    /// tallies of those that read as language (of all of them when those have too few letters),
    /// and each section's confident language (if any) with its letters. A garbled section (a
    /// page set in a font that does not say which letters its glyphs are) neither adds a
    /// language to the document nor blurs the language of the rest.
    fn read_sections(&self, text: &str) -> (Tally, Vec<(Option<String>, usize)>) {
        let model = langid::model();
        let sections = sections(text);
        let step = sections.len().div_ceil(MAX_SECTIONS).max(1);
        let mut all = Tally::empty(model);
        let mut readable = Tally::empty(model);
        let mut per_section = Vec::with_capacity(sections.len().min(MAX_SECTIONS));
        for section in sections.iter().step_by(step) {
            let sample = words_prefix(section, SECTION_SAMPLE_CHARS);
            let tally = model.tally(sample);
            let (script, sampled_letters) = tally.dominant();
            let lang = self
                .classify_tally(&tally, sample, None)
                .filter(|d| d.confidence >= self.min_confidence)
                .map(|d| d.lang);
            // A language's share of the document counts all of its sections' letters.
            let letters = if sample.len() == section.len() {
                sampled_letters
            } else {
                section.chars().filter(|c| c.is_alphabetic()).count()
            };
            per_section.push((lang, letters));
            all.add(&tally);
            if self.reads_as_language(&tally, script) {
                readable.add(&tally);
            }
        }
        let total = if readable.dominant().1 >= SHORT_TEXT_LETTERS { readable } else { all };
        (total, per_section)
    }
}

/// The languages of one document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentLanguages {
    /// Main language: ISO 639-1 code or `und`.
    pub lang: String,
    /// Other languages a fair share of the text is written in, most used first.
    pub other_langs: Vec<String>,
}

/// `text` without its lines of code (borrowed when it has none). A line is code when it opens a
/// BibTeX entry (`@article{`), starts with a TeX command or `=`, assigns to a bare key
/// (`author = {…},`), or is dense in `\ { } =`; a lone key word followed by a line starting
/// with `=` (how PDF layout splits `title = {…}`) is code too.
fn prose(text: &str) -> Cow<'_, str> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut code: Vec<bool> = lines.iter().map(|l| is_code_line(l)).collect();
    if !code.iter().any(|&c| c) {
        return Cow::Borrowed(text);
    }
    let mut previous: Option<usize> = None;
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if t.starts_with('=')
            && let Some(p) = previous
            && is_bare_key(lines[p].trim())
        {
            code[p] = true;
        }
        previous = Some(i);
    }
    let mut out = String::with_capacity(text.len());
    for (line, is_code) in lines.iter().zip(code) {
        if !is_code {
            out.push_str(line);
        }
        out.push('\n');
    }
    Cow::Owned(out)
}

fn is_bare_key(t: &str) -> bool {
    !t.is_empty()
        && t.bytes().any(|b| b.is_ascii_alphabetic())
        && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b':')
}

fn is_code_line(line: &str) -> bool {
    let t = line.trim();
    let Some(first) = t.bytes().next() else { return false };
    if first == b'\\' || first == b'=' || (first == b'@' && t.contains('{')) {
        return true;
    }
    if let Some(eq) = t.find('=')
        && is_bare_key(t[..eq].trim())
    {
        return true;
    }
    let specials = t.bytes().filter(|b| matches!(b, b'\\' | b'{' | b'}' | b'=')).count();
    let visible = t.chars().filter(|c| !c.is_whitespace()).count();
    specials >= 3 && specials * 10 >= visible
}

/// Runs of paragraphs of at least [`SECTION_BYTES`] (the last one may be shorter); a run longer
/// than a few kilobytes is cut into even pieces at spaces, so that the sections cover the text.
fn sections(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut offset = 0;
    for para in text.split("\n\n") {
        let begin = offset;
        offset += para.len() + 2;
        if para.trim().is_empty() {
            continue;
        }
        let s = *start.get_or_insert(begin);
        let end = (begin + para.len()).min(text.len());
        if end - s >= SECTION_BYTES {
            push_pieces(&mut out, &text[s..end]);
            start = None;
        }
    }
    if let Some(s) = start
        && s < text.len()
    {
        push_pieces(&mut out, &text[s..]);
    }
    out
}

/// Pushes `run` cut into pieces of at most three sections' length, cut at whitespace.
fn push_pieces<'a>(out: &mut Vec<&'a str>, mut run: &'a str) {
    const CAP: usize = 3 * SECTION_BYTES;
    let pieces = run.len().div_ceil(CAP);
    for left in (1..=pieces).rev() {
        if left == 1 || run.len() <= CAP {
            out.push(run);
            return;
        }
        let mut cut = (run.len() / left).max(1);
        while !run.is_char_boundary(cut) {
            cut += 1;
        }
        // Cut after the next space (within the cap) so no word is split.
        if let Some(space) = run[cut..].find(char::is_whitespace).filter(|&i| cut + i < CAP) {
            cut += space;
        }
        let (piece, rest) = run.split_at(cut);
        out.push(piece);
        run = rest;
    }
}

/// The letters of the distinct words of `text` (each word counted once), counted up to `enough`.
fn distinct_word_letters(text: &str, enough: usize) -> usize {
    let mut seen = std::collections::HashSet::new();
    let mut letters = 0;
    for word in langid::words_of(text) {
        if seen.insert(word) {
            letters += word.chars().filter(|c| c.is_alphabetic()).count();
            if letters >= enough {
                break;
            }
        }
    }
    letters
}

fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The words of `text` within its first `max_chars` characters (a word cut by the limit is
/// left out).
fn words_prefix(text: &str, max_chars: usize) -> &str {
    let Some((end, _)) = text.char_indices().nth(max_chars) else { return text };
    let cut = &text[..end];
    cut.rfind(char::is_whitespace).map_or(cut, |space| &cut[..space])
}

/// Reduces a declared language tag (`pt-BR`, `EN_gb`, `ru-RU`) to its lower-case primary
/// subtag when that is a two-letter code.
pub fn normalise_code(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    (primary.len() == 2 && primary.bytes().all(|b| b.is_ascii_lowercase())).then_some(primary)
}

/// Maps whatlang's languages to ISO 639-1 (whatlang speaks ISO 639-3).
pub fn iso639_1(lang: Lang) -> &'static str {
    LANG_CODES.iter().find(|(l, _)| *l == lang).map(|(_, code)| *code).unwrap_or("und")
}

/// The English name of an ISO 639-1 code that detection can answer (`pt` → `Portuguese`).
pub fn language_name(code: &str) -> Option<&'static str> {
    if code == "und" {
        return Some("Undetermined");
    }
    lang_from_iso639_1(code)
        .map(|lang| lang.eng_name())
        .or_else(|| EXTRA_NAMES.iter().find(|(c, _)| *c == code).map(|(_, name)| *name))
}

/// Languages the n-gram model answers that whatlang does not know.
const EXTRA_NAMES: &[(&str, &str)] = &[
    ("bs", "Bosnian"),
    ("eu", "Basque"),
    ("ga", "Irish"),
    ("gl", "Galician"),
    ("is", "Icelandic"),
    ("kk", "Kazakh"),
    ("ky", "Kyrgyz"),
    ("lb", "Luxembourgish"),
    ("mt", "Maltese"),
    ("nn", "Norwegian Nynorsk"),
    ("sq", "Albanian"),
    ("tg", "Tajik"),
];

fn lang_from_iso639_1(code: &str) -> Option<Lang> {
    LANG_CODES.iter().find(|(_, c)| *c == code).map(|(l, _)| *l)
}

const LANG_CODES: &[(Lang, &str)] = &[
    (Lang::Afr, "af"),
    (Lang::Aka, "ak"),
    (Lang::Amh, "am"),
    (Lang::Ara, "ar"),
    (Lang::Aze, "az"),
    (Lang::Bel, "be"),
    (Lang::Ben, "bn"),
    (Lang::Bul, "bg"),
    (Lang::Cat, "ca"),
    (Lang::Ces, "cs"),
    (Lang::Cmn, "zh"),
    (Lang::Cym, "cy"),
    (Lang::Dan, "da"),
    (Lang::Deu, "de"),
    (Lang::Ell, "el"),
    (Lang::Eng, "en"),
    (Lang::Epo, "eo"),
    (Lang::Est, "et"),
    (Lang::Fin, "fi"),
    (Lang::Fra, "fr"),
    (Lang::Guj, "gu"),
    (Lang::Heb, "he"),
    (Lang::Hin, "hi"),
    (Lang::Hrv, "hr"),
    (Lang::Hun, "hu"),
    (Lang::Hye, "hy"),
    (Lang::Ind, "id"),
    (Lang::Ita, "it"),
    (Lang::Jav, "jv"),
    (Lang::Jpn, "ja"),
    (Lang::Kan, "kn"),
    (Lang::Kat, "ka"),
    (Lang::Khm, "km"),
    (Lang::Kor, "ko"),
    (Lang::Lat, "la"),
    (Lang::Lav, "lv"),
    (Lang::Lit, "lt"),
    (Lang::Mal, "ml"),
    (Lang::Mar, "mr"),
    (Lang::Mkd, "mk"),
    (Lang::Mya, "my"),
    (Lang::Nep, "ne"),
    (Lang::Nld, "nl"),
    (Lang::Nob, "nb"),
    (Lang::Ori, "or"),
    (Lang::Pan, "pa"),
    (Lang::Pes, "fa"),
    (Lang::Pol, "pl"),
    (Lang::Por, "pt"),
    (Lang::Ron, "ro"),
    (Lang::Rus, "ru"),
    (Lang::Sin, "si"),
    (Lang::Slk, "sk"),
    (Lang::Slv, "sl"),
    (Lang::Sna, "sn"),
    (Lang::Spa, "es"),
    (Lang::Srp, "sr"),
    (Lang::Swe, "sv"),
    (Lang::Tam, "ta"),
    (Lang::Tel, "te"),
    (Lang::Tgl, "tl"),
    (Lang::Tha, "th"),
    (Lang::Tuk, "tk"),
    (Lang::Tur, "tr"),
    (Lang::Ukr, "uk"),
    (Lang::Urd, "ur"),
    (Lang::Uzb, "uz"),
    (Lang::Vie, "vi"),
    (Lang::Yid, "yi"),
    (Lang::Zul, "zu"),
];

/// The default allowlist: the languages of the WHO European Region (official and widely used
/// ones), Latin (old medical and academic texts), and the international languages reports of
/// the Hub's partners also come in (Arabic, Chinese, Japanese, Vietnamese).
pub const REGION_LANGUAGES: &[&str] = &[
    "en", "fr", "de", "es", "it", "pt", "ru", "pl", "uk", "nl", "sv", "da", "nb", "nn", "fi", "et", "lv", "lt", "cs",
    "sk", "sl", "hr", "bs", "sr", "hu", "ro", "bg", "el", "ga", "mt", "sq", "mk", "eu", "ca", "gl", "cy", "is", "lb",
    "tr", "az", "hy", "ka", "he", "be", "kk", "ky", "tg", "tk", "uz", "la", "ar", "zh", "ja", "vi",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> LanguageDetector {
        let allow: Vec<String> = REGION_LANGUAGES.iter().map(|s| s.to_string()).collect();
        LanguageDetector::new(&allow, 0.5)
    }

    #[test]
    fn every_whatlang_language_has_a_code() {
        for lang in Lang::all() {
            assert_ne!(iso639_1(*lang), "und", "{lang:?} has no ISO 639-1 mapping");
        }
    }

    #[test]
    fn detects_common_languages_of_the_region() {
        let d = detector();
        let samples = [
            ("en", "The national strategy sets out how mobile health applications are assessed before reimbursement."),
            (
                "fr",
                "La stratégie nationale précise comment les applications de santé mobile sont évaluées avant leur remboursement.",
            ),
            (
                "de",
                "Die nationale Strategie legt fest, wie mobile Gesundheitsanwendungen vor der Erstattung bewertet werden.",
            ),
            (
                "ru",
                "Национальная стратегия определяет, как мобильные приложения для здоровья оцениваются перед возмещением.",
            ),
            (
                "pl",
                "Strategia krajowa określa, w jaki sposób aplikacje zdrowotne są oceniane przed refundacją przez płatnika.",
            ),
        ];
        for (want, text) in samples {
            assert_eq!(d.detect(text, None), want, "{text}");
        }
    }

    #[test]
    fn short_text_falls_back_to_the_declared_language_or_und() {
        let d = detector();
        assert_eq!(d.detect("mHealth", Some("pt-PT")), "pt");
        assert_eq!(d.detect("mHealth", None), "und");
        assert_eq!(d.detect("", Some("not a tag")), "und");
    }

    #[test]
    fn a_russian_summary_in_an_english_report_is_a_second_language() {
        let d = detector();
        let english = "This report reviews how mobile health applications are assessed before public payers \
            reimburse them. It compares the national frameworks of several member states, describes the \
            evidence each one asks for, and sets out the costs and benefits observed in pilot programmes. \
            Clinicians, payers and app makers were interviewed about the barriers they meet in practice.";
        let russian = "В докладе рассматривается, как оцениваются мобильные приложения для здоровья перед \
            тем, как государственные плательщики начинают их возмещать. Сравниваются национальные подходы \
            нескольких государств, описываются требования к доказательствам и приводятся данные о расходах \
            и пользе, полученные в пилотных программах. Врачи и разработчики рассказали о препятствиях.";
        let text = format!("{english}\n\n{english}\n\n{english}\n\n{russian}\n\n{russian}");
        let main = d.detect(&text, None);
        assert_eq!(main, "en");
        assert_eq!(d.other_languages(&text, &main), ["ru"]);
        assert!(d.other_languages(&format!("{english}\n\n{english}"), "en").is_empty());
    }

    #[test]
    fn a_declared_language_settles_close_calls_but_not_clear_text() {
        let d = detector();
        // A French text that declares English stays French.
        let french = "La stratégie nationale précise comment les applications de santé mobile sont évaluées \
            avant leur remboursement par l'assurance maladie.";
        assert_eq!(d.detect(french, Some("en")), "fr");
        // The whatlang gap languages are answered.
        assert_eq!(
            d.detect("Is é an tseirbhís sláinte atá freagrach as an aip nua a sholáthar do na hothair.", None),
            "ga"
        );
    }

    #[test]
    fn code_lines_are_not_read_as_language() {
        let d = detector();
        // A Russian bibliography manual: a short Russian entry, then its BibTeX source (Latin
        // keys, English values) as PDF layout splits it.
        let entry = "Основы создания гибких автоматизированных производств / Пономаренко Л. А. и \
            Гридасов А. Е. ; под ред. Тимофеева Б. Б. — Киев : Техника, 1986. — 144 с.";
        let bibtex = "@BOOK{Ponomarenko86,\ntitle\n\n= {Osnovy sozdaniya},\n\nauthor\n\n= {Ponomarenko and \
            Gridasov},\npublisher = {Tekhnika},\nyear\n\n= {1986},\nlanguage = {russian},\nnote = {English \
            notes about the book and the series where it was published},\n}\n\\bibliographystyle{gost2008}";
        let text = format!("{entry}\n\n{bibtex}\n\n{entry}\n\n{bibtex}\n\n{bibtex}");
        assert_eq!(d.detect(&text, None), "ru");
        let prose = prose(&text);
        assert!(!prose.contains("publisher") && !prose.contains("@BOOK") && !prose.contains("title"), "{prose}");
        assert!(prose.contains("Пономаренко"));
        // Prose with an equals sign or a brace stays.
        let plain = "The sample size was n = 120 per arm, as planned.\nThe app {beta} was tested.";
        assert!(matches!(super::prose(plain), Cow::Borrowed(_)));
        // Code alone is still read, for want of anything else.
        assert_ne!(
            d.detect("author = {Smith and Jones},\ntitle = {Mobile health applications in practice},", None),
            "und"
        );
    }

    #[test]
    fn a_section_is_read_up_to_a_whole_word() {
        assert_eq!(words_prefix("short text", 900), "short text");
        assert_eq!(words_prefix("évaluation des applications", 14), "évaluation");
        let long = "слово ".repeat(200);
        let read = words_prefix(&long, SECTION_SAMPLE_CHARS);
        let chars = read.chars().count();
        assert!(chars <= SECTION_SAMPLE_CHARS && chars > SECTION_SAMPLE_CHARS - 6 && read.ends_with("слово"), "{read}");
    }

    #[test]
    fn sections_cover_long_paragraphs_in_pieces() {
        let long = "word ".repeat(1_000);
        let pieces = sections(&long);
        assert!(pieces.len() >= 3, "{}", pieces.len());
        assert_eq!(pieces.concat(), long);
        assert!(pieces.iter().all(|p| p.len() <= 3 * SECTION_BYTES && !p.ends_with("wor")));
    }

    // Text written for these tests (not from any training or evaluation text).
    const FRENCH: &str = "La stratégie nationale précise comment les applications de santé mobile sont \
        évaluées avant leur remboursement par l'assurance maladie. Les médecins, les patients et les \
        éditeurs d'applications ont été interrogés sur les obstacles qu'ils rencontrent au quotidien.";
    const GREEK: &str = "Η εθνική στρατηγική ορίζει πώς αξιολογούνται οι εφαρμογές κινητής υγείας πριν από \
        την αποζημίωσή τους από τον ασφαλιστικό φορέα. Οι γιατροί, οι ασθενείς και οι κατασκευαστές \
        εφαρμογών μίλησαν για τα εμπόδια που συναντούν στην καθημερινή τους πρακτική.";
    const RUSSIAN: &str = "Национальная стратегия определяет, как мобильные приложения для здоровья \
        оцениваются перед возмещением. Врачи, пациенты и разработчики рассказали о препятствиях, с \
        которыми они сталкиваются в повседневной работе.";
    const ENGLISH: &str = "This report reviews how mobile health applications are assessed before public \
        payers reimburse them. It compares the national frameworks of several member states and \
        describes the evidence each one asks for before an application is listed.";

    /// `text` as extracted from a PDF whose font numbers its glyphs in order of first use (as
    /// Ghostscript re-encodes Type 3 fonts) and says nothing about which letter each glyph is:
    /// every distinct character becomes the next code from `first` on, read as Latin-1.
    fn renumbered(text: &str, first: u32) -> String {
        let mut glyphs: Vec<char> = Vec::new();
        text.chars()
            .map(|c| {
                if c == ' ' {
                    return c;
                }
                let code = glyphs.iter().position(|&g| g == c).unwrap_or_else(|| {
                    glyphs.push(c);
                    glyphs.len() - 1
                });
                char::from_u32(first + code as u32).expect("a Latin-1 code")
            })
            .collect()
    }

    #[test]
    fn text_from_renumbered_glyphs_is_und_rather_than_a_guess() {
        let d = detector();
        for text in [FRENCH, GREEK, RUSSIAN, ENGLISH] {
            // Codes from `!` on: letters strewn among punctuation (`!"#$ %&'()*+ ,-.`).
            let soup = renumbered(text, 0x21);
            // Codes from `a` on: cipher-like words of letters and Latin-1 signs (`abcd efghi`).
            let cipher = renumbered(text, 0x61);
            for garbled in [soup, cipher] {
                assert_eq!(d.detect(&garbled, None), "und", "{garbled}");
                assert_eq!(d.detect_sample(&garbled), "und", "{garbled}");
                assert_eq!(d.classify(&garbled, None), None, "{garbled}");
                // The file's own declaration is all there is to go by.
                assert_eq!(d.detect(&garbled, Some("fr-FR")), "fr");
            }
        }
        // The same texts, extracted right, are detected.
        for (want, text) in [("fr", FRENCH), ("el", GREEK), ("ru", RUSSIAN), ("en", ENGLISH)] {
            assert_eq!(d.detect(text, None), want);
            assert_eq!(d.detect_sample(text), want);
        }
    }

    #[test]
    fn mojibake_and_symbol_soup_are_und() {
        let d = detector();
        // Russian in windows-1251 read as windows-1252 (a TeX font in a Cyrillic encoding without
        // a ToUnicode map): `Íàöèîíàëüíàÿ ñòðàòåãèÿ`.
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(RUSSIAN);
        let (cyrillic_as_latin, _, _) = encoding_rs::WINDOWS_1252.decode(&cp1251);
        // Greek in UTF-8 read as windows-1252: `Î— ÎµÎ¸Î½Î¹ÎºÎ®`.
        let (greek_as_latin, _, _) = encoding_rs::WINDOWS_1252.decode(GREEK.as_bytes());
        // Printable ASCII drawn by a linear congruential generator (fixed seed).
        let mut state = 7u32;
        let soup: String = (0..400)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                char::from(b' ' + ((state >> 16) % 95) as u8)
            })
            .collect();
        for garbled in [cyrillic_as_latin.as_ref(), greek_as_latin.as_ref(), soup.as_str()] {
            assert_eq!(d.detect(garbled, None), "und", "{garbled}");
            assert_eq!(d.detect_sample(garbled), "und", "{garbled}");
        }
    }

    #[test]
    fn a_few_words_repeated_are_too_little_text() {
        let d = detector();
        // What a Type 3 test PDF extracts to: three words over and over.
        let repeated = "ab\n\nba\n\nabba\n\n".repeat(3) + &"ab ba abba ".repeat(20);
        assert_eq!(d.detect(&repeated, None), "und");
        assert_eq!(d.detect_sample(&repeated), "und");
        assert_eq!(d.detect(&repeated, Some("en")), "en");
    }

    #[test]
    fn short_real_lines_still_get_their_language() {
        let d = detector();
        // Lines of two to six words, written for this test.
        for (want, line) in [
            ("en", "Mobile health apps for diabetes"),
            ("fr", "Le remboursement des applications de santé"),
            ("de", "Erstattung digitaler Gesundheitsanwendungen"),
            ("es", "La evaluación de las aplicaciones móviles"),
            ("it", "Il rimborso delle applicazioni sanitarie"),
            ("pl", "Refundacja aplikacji zdrowotnych w Polsce"),
            ("cs", "Hodnocení mobilních zdravotnických aplikací"),
            ("ru", "Возмещение расходов на приложения"),
            ("uk", "Оцінювання мобільних застосунків для здоров'я"),
            ("el", "Η αξιολόγηση των εφαρμογών υγείας"),
            ("mt", "L-applikazzjonijiet tas-saħħa mobbli"),
        ] {
            assert_eq!(d.detect_sample(line), want, "{line}");
        }
    }

    #[test]
    fn a_garbled_section_adds_no_language_and_leaves_the_rest_its_own() {
        let d = detector();
        let garbled = renumbered(FRENCH, 0x61);
        // An English report with appendix pages set in a font that renumbers its glyphs.
        let text = format!("{ENGLISH}\n\n{ENGLISH}\n\n{garbled}\n\n{garbled}\n\n{garbled}\n\n{ENGLISH}");
        let languages = d.document(&text, None, None);
        assert_eq!(languages, DocumentLanguages { lang: "en".to_owned(), other_langs: vec![] });
        // Garbled text alone: no language at all, whatever the sections.
        let only_garbled = [garbled.as_str(); 6].join("\n\n");
        assert_eq!(d.document(&only_garbled, None, None).lang, "und");
        assert!(d.document(&only_garbled, None, Some("fr")).other_langs.is_empty());
    }

    #[test]
    fn the_floor_can_be_lowered() {
        // With the n-gram part of the floor off, cipher-like words get a guess again (letters
        // still standing alone among symbols do not).
        let lenient = detector().with_min_known_ngrams(0.0);
        let cipher = renumbered(ENGLISH, 0x61);
        assert_ne!(lenient.detect_sample(&cipher), "und", "{cipher}");
        assert_eq!(detector().detect_sample(&cipher), "und");
    }

    #[test]
    fn queries_get_a_language_only_when_detection_is_confident() {
        let d = detector();
        assert_eq!(d.detect_query("le remboursement des applications de santé").as_deref(), Some("fr"));
        assert_eq!(d.detect_query("Erstattung digitaler Gesundheitsanwendungen in Deutschland").as_deref(), Some("de"));
        assert_eq!(d.detect_query("42"), None);
    }
}
