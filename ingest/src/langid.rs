//! The character n-gram and word model that tells the Region's Latin, Cyrillic and Greek
//! languages apart, including those whatlang cannot answer (Irish, Maltese, Albanian, Basque,
//! Welsh, Icelandic, Bosnian, Nynorsk, Luxembourgish, Kazakh, Kyrgyz, Tajik, Turkmen, Uzbek…).
//!
//! The model (`data/langid-model.tsv`) is built by `tools/langid/build-model.py` from openly
//! licensed text that packages ship; `tools/langid/README.md` says which and how. Scoring is
//! naive Bayes over whole words and character 1- to 4-grams of space-padded words, in log10
//! costs (lower is likelier), with one floor for features a language did not keep.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;

/// The model, gzip-compressed (7 MB of TSV, 2 MB compressed).
const MODEL_TSV_GZ: &[u8] = include_bytes!("../data/langid-model.tsv.gz");

/// Longest character n-gram in the model (n = 0 stands for whole words).
const NMAX: usize = 4;

/// Evidence of the naive Bayes model is counted about once per n-gram order, so raw cost
/// differences overstate certainty; confidences divide them by this.
const CONFIDENCE_TEMPER: f32 = 5.0;

/// U+00AD, an invisible hyphenation point.
const SOFT_HYPHEN: char = '\u{ad}';

/// The writing system of a text or a language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Latin letters (with any diacritics).
    Latin,
    /// Cyrillic letters.
    Cyrillic,
    /// Greek letters.
    Greek,
    /// Anything else (Armenian, Georgian, Hebrew, Arabic, Han…): not this model's business.
    Other,
}

impl Script {
    /// The script of one letter.
    pub fn of(c: char) -> Script {
        match c as u32 {
            0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF => Script::Latin,
            0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
            0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
            _ => Script::Other,
        }
    }

    /// The script most letters of `text` are written in, with the number of letters seen.
    pub fn dominant(text: &str) -> (Script, usize) {
        let mut counts = [0usize; 4];
        for c in text.chars().filter(|c| c.is_alphabetic()) {
            counts[Script::of(c) as usize] += 1;
        }
        let total = counts.iter().sum();
        let best = (0..4).max_by_key(|&i| counts[i]).unwrap_or(0);
        let script = [Script::Latin, Script::Cyrillic, Script::Greek, Script::Other][best];
        (script, total)
    }
}

/// One language of the model.
#[derive(Debug, Clone)]
pub struct ModelLanguage {
    /// ISO 639-1 code answered (`uz` for the model's `uz_cyrl`).
    pub code: String,
    /// Script its training text is written in.
    pub script: Script,
    floors: [f32; NMAX + 1],
    prior_per_word: f32,
}

/// How much a text looks like language at all, whatever the language: real text in any of the
/// model's languages scores well on both counts, text extracted through a wrong font encoding
/// (cipher-like letters, mojibake, letters strewn among symbols) does not.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// Share of the character 3- and 4-grams of the words that some language of their script
    /// knows (real text: above 0.6 even in short lines; garbled text: below 0.45).
    pub known_ngrams: f32,
    /// Mean length of the words in letters (real text: above 3; letters strewn among symbols,
    /// each its own word: below 2).
    pub letters_per_word: f32,
}

/// The scores of one text: a cost per model language (lower is likelier).
#[derive(Debug, Clone)]
pub struct Scores {
    /// Cost per language, in the model's order; `f32::INFINITY` for languages not considered.
    pub costs: Vec<f32>,
    /// Number of words scored.
    pub words: usize,
}

/// The loaded model.
pub struct NgramModel {
    languages: Vec<ModelLanguage>,
    /// Feature hash to the languages that kept the feature and what it saves them.
    features: FeatureTable,
}

/// The model shipped with the crate, parsed once.
pub fn model() -> &'static NgramModel {
    static MODEL: LazyLock<NgramModel> = LazyLock::new(|| {
        let mut tsv = String::new();
        // The bytes are part of the binary, checked by the tests: a failure here is a build defect.
        let read = std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(MODEL_TSV_GZ), &mut tsv);
        debug_assert!(read.is_ok(), "the shipped language model does not decompress");
        NgramModel::parse(&tsv)
    });
    &MODEL
}

impl NgramModel {
    /// Parses the TSV model (`lang, n|floor|prior, gram, cost`). Malformed lines are skipped:
    /// the file ships with the code and is checked by the tests below.
    pub fn parse(tsv: &str) -> NgramModel {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut languages: Vec<ModelLanguage> = Vec::new();
        let mut features: ParsedFeatures = HashMap::default();
        let mut best_letter: Vec<(f32, Script)> = Vec::new();
        for line in tsv.lines().filter(|l| !l.starts_with('#')) {
            let mut cols = line.split('\t');
            let (Some(label), Some(kind), Some(gram), Some(cost)) =
                (cols.next(), cols.next(), cols.next(), cols.next())
            else {
                continue;
            };
            let Ok(cost) = cost.parse::<f32>() else { continue };
            let lang = *index.entry(label).or_insert_with(|| {
                languages.push(ModelLanguage {
                    code: label.split('_').next().unwrap_or(label).to_owned(),
                    script: Script::Other,
                    floors: [12.0; NMAX + 1],
                    prior_per_word: 0.0,
                });
                best_letter.push((f32::INFINITY, Script::Other));
                languages.len() - 1
            });
            match kind {
                "prior" => languages[lang].prior_per_word = cost,
                "floor" => {
                    if let Ok(n) = gram.parse::<usize>()
                        && n <= NMAX
                    {
                        languages[lang].floors[n] = cost;
                    }
                }
                n => {
                    let Ok(n) = n.parse::<usize>() else { continue };
                    if n > NMAX {
                        continue;
                    }
                    if n == 1
                        && cost < best_letter[lang].0
                        && let Some(c) = gram.chars().next().filter(|c| c.is_alphabetic())
                    {
                        best_letter[lang] = (cost, Script::of(c));
                    }
                    features
                        .entry(feature_hash(n, gram.chars()))
                        .or_insert_with(|| (n, Vec::new()))
                        .1
                        .push((lang as u16, cost));
                }
            }
        }
        // One floor for all: an unseen feature must not cost a small model (a language known
        // only from the UDHR) less than a large one, or garbage and code would read as Latin.
        let mut floors = [0f32; NMAX + 1];
        for language in &languages {
            for (floor, own) in floors.iter_mut().zip(language.floors) {
                *floor = floor.max(own);
            }
        }
        for (language, (_, script)) in languages.iter_mut().zip(best_letter) {
            language.script = script;
            language.floors = floors;
        }
        let features = FeatureTable::build(&features, &languages);
        NgramModel { languages, features }
    }

    /// The model's languages, in the order of [`Scores::costs`].
    pub fn languages(&self) -> &[ModelLanguage] {
        &self.languages
    }

    /// Scores the words of `text` written in `script` (the dominant script for `None`) for the
    /// languages `considered` marks (indexed like [`Self::languages`]). Words in another script
    /// say nothing about the languages of this one (and would favour the smallest models).
    pub fn score(&self, text: &str, script: Option<Script>, considered: &[bool]) -> Scores {
        let tally = self.tally(text);
        let script = script.unwrap_or_else(|| tally.dominant().0);
        tally.costs(self, script, considered)
    }

    /// Reads `text` once into a [`Tally`] from which the costs of every script's languages
    /// follow; tallies of the parts of a text add up to the tally of the whole.
    pub fn tally(&self, text: &str) -> Tally {
        // Most text is already in NFC: the quick check spares a copy and a decomposition.
        let lowered = if unicode_normalization::is_nfc_quick(text.chars()) == unicode_normalization::IsNormalized::Yes {
            text.to_lowercase()
        } else {
            text.nfc().collect::<String>().to_lowercase()
        };
        // Soft hyphens (`Mer\u{ad}ge\u{ad}lė`, hyphenation points of web pages) are inside words.
        let lowered = if lowered.contains(SOFT_HYPHEN) { lowered.replace(SOFT_HYPHEN, "") } else { lowered };
        let mut tally = Tally::new(self.languages.len());
        // Each distinct word is looked up once, weighted by how often it occurs: the feature
        // look-ups (random reads in a table of a few megabytes) are the cost of detection, and
        // the common words of a text make up most of it. Words in order of first occurrence, so
        // that the sums are the same from run to run.
        let mut distinct: Vec<(&str, f32)> = Vec::new();
        let mut index: HashMap<u64, usize, BuildHasherDefault<PreHashed>> = HashMap::default();
        for word in words_of(&lowered) {
            let key = feature_hash(usize::MAX, word.chars());
            match index.get(&key) {
                Some(&i) if distinct[i].0 == word => distinct[i].1 += 1.0,
                Some(_) => distinct.push((word, 1.0)),
                None => {
                    index.insert(key, distinct.len());
                    distinct.push((word, 1.0));
                }
            }
        }
        let mut padded: Vec<char> = Vec::with_capacity(64);
        let (mut orders, mut hashes) = (Vec::with_capacity(256), Vec::with_capacity(256));
        let (mut first, mut found) = (Vec::with_capacity(256), Vec::with_capacity(256));
        for (word, times) in distinct {
            let mut letters = [0usize; 4];
            for c in word.chars().filter(|c| c.is_alphabetic()) {
                letters[Script::of(c) as usize] += 1;
            }
            for (total, n) in tally.letters.iter_mut().zip(letters) {
                *total += n * times as usize;
            }
            let script = word.chars().next().map(Script::of).unwrap_or(Script::Other);
            if script == Script::Other {
                continue;
            }
            let s = script as usize;
            tally.words[s] += times as usize;
            padded.clear();
            padded.push(' ');
            padded.extend(word.chars().map(|c| if c == '’' { '\'' } else { c }));
            padded.push(' ');
            orders.clear();
            hashes.clear();
            orders.push(0);
            hashes.push(feature_hash(0, padded[1..padded.len() - 1].iter().copied()));
            for n in 1..=NMAX.min(padded.len()) {
                for gram in padded.windows(n) {
                    if n == 1 && gram[0] == ' ' {
                        continue;
                    }
                    orders.push(n);
                    hashes.push(feature_hash(n, gram.iter().copied()));
                }
            }
            self.features.get_all(&hashes, &mut first, &mut found);
            for (&n, entries) in orders.iter().zip(&found) {
                self.add(n, entries, script, times, &mut tally);
            }
        }
        tally
    }

    /// What spelling `word` letter by letter costs language `lang`: the sum of
    /// [`Self::letter_cost_by`] over its letters and its end, and with `whole_words` what knowing
    /// the word saves. The cipher solver keeps the same sum window by window; this plain form is
    /// the tests' reference for it.
    #[cfg(test)]
    pub fn spelling_cost(&self, lang: usize, word: &[char], whole_words: bool) -> f32 {
        let mut padded: Vec<char> = Vec::with_capacity(word.len() + 2);
        padded.push(' ');
        padded.extend_from_slice(word);
        padded.push(' ');
        let mut cost = 0.0;
        for i in 1..padded.len() {
            let window = &padded[(i + 1).saturating_sub(NMAX)..=i];
            cost += self.letter_cost_by(lang, window.len(), |start, end| self.gram_cost(lang, &window[start..end]));
        }
        if whole_words {
            cost += self.word_saving(lang, word).unwrap_or(0.0);
        }
        cost
    }

    /// What the last character of a window of `len` characters costs language `lang` after the
    /// characters before it: a window is a letter (or a word's end) and up to three letters
    /// before it, a space standing for the word's edges ([`Self::SPELLING_WINDOW`] at most).
    /// The cost comes from the 4-gram and its prefix's 3-gram, backing off to shorter contexts,
    /// at a price, where the model has no such n-gram. Unlike the detector's [`Self::tally`], which counts
    /// how common each n-gram is, this does not reward common letters in themselves: it judges
    /// a cipher key that may send any glyph to any letter. `gram(start, end)` looks up the
    /// window's n-gram `start..end` as [`Self::gram_cost`] gives it, so that a caller meeting
    /// the same contexts again and again can keep their costs; the cost depends on nothing
    /// else, so a solver trying many keys can keep it by window too.
    pub fn letter_cost_by(&self, lang: usize, len: usize, mut gram: impl FnMut(usize, usize) -> Option<f32>) -> f32 {
        const BACKOFF: f32 = 0.5;
        let Some(language) = self.languages.get(lang) else { return f32::INFINITY };
        let top = len.min(NMAX);
        let mut letter = language.floors[1];
        for n in (1..=top).rev() {
            let start = len - n;
            // The word's start is no 1-gram: a first letter is scored by its share of the
            // bigrams that open words, the same context for every key. (A window shorter than
            // the longest starts at the word's edge: one of two characters is the edge and the
            // first letter.)
            let context = if n == 1 || (n == 2 && len == 2) { Some(0.0) } else { gram(start, len - 1) };
            // An unknown context says nothing: back off to a shorter one. A known context
            // with an unknown n-gram bounds it: the model kept every n-gram likelier than
            // its floor.
            let Some(context) = context else { continue };
            let joint = match gram(start, len) {
                Some(joint) => joint,
                // Below a rare context the bound says nothing (the n-gram could be likely).
                None if language.floors[n] - context < 1.0 => continue,
                None => language.floors[n],
            };
            letter = (joint - context).max(0.0) + BACKOFF * (top - n) as f32;
            break;
        }
        letter
    }

    /// What language `lang` charges for n-gram `gram` (n its length), if it knows it.
    pub fn gram_cost(&self, lang: usize, gram: &[char]) -> Option<f32> {
        let language = self.languages.get(lang)?;
        self.features
            .get(feature_hash(gram.len(), gram.iter().copied()))
            .iter()
            .find(|e| usize::from(e.lang) == lang)
            .map(|e| language.floors[gram.len()] + e.saving)
    }

    /// The characters [`Self::letter_cost_by`] looks at: the letter and the three before it.
    pub const SPELLING_WINDOW: usize = NMAX;

    /// What knowing `word` as a whole word saves language `lang` (negative), if it knows it.
    pub fn word_saving(&self, lang: usize, word: &[char]) -> Option<f32> {
        self.features
            .get(feature_hash(0, word.iter().copied()))
            .iter()
            .find(|e| usize::from(e.lang) == lang)
            .map(|e| e.saving)
    }

    /// Whether language `lang` knows `word` as a whole word.
    pub fn knows_word(&self, lang: usize, word: &[char]) -> bool {
        self.word_saving(lang, word).is_some()
    }

    /// The lower-case letters of its script that language `lang` uses, likeliest first, with
    /// their single-letter cost.
    pub fn letters(&self, lang: usize) -> Vec<(char, f32)> {
        let Some(language) = self.languages.get(lang) else { return Vec::new() };
        let ranges: &[(u32, u32)] = match language.script {
            Script::Latin => &[(0x61, 0x7A), (0xDF, 0x24F)],
            Script::Cyrillic => &[(0x430, 0x52F)],
            Script::Greek => &[(0x3AC, 0x3CE)],
            Script::Other => &[],
        };
        let mut letters: Vec<(char, f32)> = ranges
            .iter()
            .flat_map(|&(from, to)| from..=to)
            .filter_map(char::from_u32)
            .filter(|c| c.is_lowercase())
            .filter_map(|c| {
                let entry = self
                    .features
                    .get(feature_hash(1, std::iter::once(c)))
                    .iter()
                    .find(|e| usize::from(e.lang) == lang)?;
                Some((c, language.floors[1] + entry.saving))
            })
            .collect();
        letters.sort_by(|a, b| a.1.total_cmp(&b.1));
        letters
    }

    /// Adds a feature of order `n` seen `times` times, with its `entries` in the model, to `tally`.
    fn add(&self, n: usize, entries: &[Entry], script: Script, times: f32, tally: &mut Tally) {
        tally.counts[script as usize][n] += times;
        let mut known = false;
        for entry in entries {
            // A language is only ever scored on words of its own script.
            if entry.script == script as u8 {
                tally.adjust[entry.lang as usize] += entry.saving * times;
                known = true;
            }
        }
        if known {
            tally.known[script as usize][n] += times;
        }
    }
}

/// Features as parsed: hash to (n-gram order, (language, cost) for each language that kept it).
type ParsedFeatures = HashMap<u64, (usize, Vec<(u16, f32)>), BuildHasherDefault<PreHashed>>;

/// The model's features in one open-addressing table over one array of entries: a lookup is
/// one probe run and one contiguous read (the scoring loop is bound by these memory reads).
struct FeatureTable {
    slots: Vec<Slot>,
    entries: Vec<Entry>,
    mask: usize,
}

#[derive(Clone, Copy, Default)]
struct Slot {
    key: u64,
    start: u32,
    /// 0 for an empty slot (a feature has at least one language).
    len: u32,
}

#[derive(Clone, Copy)]
struct Entry {
    lang: u16,
    script: u8,
    /// The feature's cost minus the floor of its order: what seeing it changes for the language.
    saving: f32,
}

impl FeatureTable {
    fn build(features: &ParsedFeatures, languages: &[ModelLanguage]) -> FeatureTable {
        let capacity = (features.len() * 2).next_power_of_two().max(16);
        let mut table =
            FeatureTable { slots: vec![Slot::default(); capacity], entries: Vec::new(), mask: capacity - 1 };
        for (&key, (n, langs)) in features {
            let start = table.entries.len() as u32;
            for &(lang, cost) in langs {
                let language = &languages[lang as usize];
                table.entries.push(Entry { lang, script: language.script as u8, saving: cost - language.floors[*n] });
            }
            let mut i = slot_of(key) & table.mask;
            while table.slots[i].len != 0 {
                i = (i + 1) & table.mask;
            }
            table.slots[i] = Slot { key, start, len: langs.len() as u32 };
        }
        table
    }

    fn get(&self, key: u64) -> &[Entry] {
        let mut i = slot_of(key) & self.mask;
        loop {
            let slot = self.slots[i];
            if slot.len == 0 {
                return &[];
            }
            if slot.key == key {
                return &self.entries[slot.start as usize..(slot.start + slot.len) as usize];
            }
            i = (i + 1) & self.mask;
        }
    }

    /// The entries of each of `keys`, in order, into `found`. The look-ups are random reads in
    /// a table of a few megabytes, which is what detection waits for: every key's first slot
    /// is read before any is examined, so that the reads overlap instead of each waiting for
    /// the one before.
    fn get_all<'a>(&'a self, keys: &[u64], first: &mut Vec<Slot>, found: &mut Vec<&'a [Entry]>) {
        first.clear();
        first.extend(keys.iter().map(|&key| self.slots[slot_of(key) & self.mask]));
        found.clear();
        for (&key, &slot) in keys.iter().zip(first.iter()) {
            found.push(match slot {
                Slot { len: 0, .. } => &[],
                Slot { key: k, start, len } if k == key => &self.entries[start as usize..(start + len) as usize],
                _ => self.get(key),
            });
        }
    }
}

fn slot_of(key: u64) -> usize {
    (key ^ (key >> 29)) as usize
}

/// What scoring needs of a text, per script of its words: feature counts (and how many some
/// language knows), words, letters, and each language's feature costs over the words of its
/// script. Tallies add up.
#[derive(Debug, Clone)]
pub struct Tally {
    counts: [[f32; NMAX + 1]; 3],
    known: [[f32; NMAX + 1]; 3],
    words: [usize; 3],
    letters: [usize; 4],
    adjust: Vec<f32>,
}

impl Tally {
    fn new(languages: usize) -> Tally {
        Tally {
            counts: [[0.0; NMAX + 1]; 3],
            known: [[0.0; NMAX + 1]; 3],
            words: [0; 3],
            letters: [0; 4],
            adjust: vec![0.0; languages],
        }
    }

    /// An empty tally for `model`.
    pub fn empty(model: &NgramModel) -> Tally {
        Tally::new(model.languages.len())
    }

    /// Adds the tally of another part of the text.
    pub fn add(&mut self, other: &Tally) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
        for (mine, theirs) in self.known.iter_mut().zip(&other.known) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
        for (a, b) in self.words.iter_mut().zip(other.words) {
            *a += b;
        }
        for (a, b) in self.letters.iter_mut().zip(other.letters) {
            *a += b;
        }
        for (a, b) in self.adjust.iter_mut().zip(&other.adjust) {
            *a += b;
        }
    }

    /// The script most letters are written in, with the number of letters (all scripts).
    pub fn dominant(&self) -> (Script, usize) {
        let best = (0..4).max_by_key(|&i| self.letters[i]).unwrap_or(0);
        let script = [Script::Latin, Script::Cyrillic, Script::Greek, Script::Other][best];
        (script, self.letters.iter().sum())
    }

    /// How well the words written in `script` read as the model's languages of that script;
    /// `None` when there are none.
    pub fn fit(&self, script: Script) -> Option<Fit> {
        let s = script as usize;
        if s >= 3 || self.counts[s][0] == 0.0 {
            return None;
        }
        let (counts, known) = (self.counts[s], self.known[s]);
        let grams = counts[3] + counts[4];
        Some(Fit {
            known_ngrams: if grams > 0.0 { (known[3] + known[4]) / grams } else { 1.0 },
            letters_per_word: counts[1] / counts[0],
        })
    }

    /// The costs of the languages `considered` on the words written in `script`.
    pub fn costs(&self, model: &NgramModel, script: Script, considered: &[bool]) -> Scores {
        let s = script as usize;
        if s >= 3 {
            return Scores { costs: vec![f32::INFINITY; model.languages.len()], words: 0 };
        }
        let words = self.words[s];
        let costs = model
            .languages
            .iter()
            .enumerate()
            .map(|(i, language)| {
                if !considered.get(i).copied().unwrap_or(false) || language.script != script {
                    return f32::INFINITY;
                }
                let floor: f32 = self.counts[s].iter().zip(language.floors).map(|(count, floor)| count * floor).sum();
                floor + self.adjust[i] + language.prior_per_word * words as f32
            })
            .collect();
        Scores { costs, words }
    }
}

impl Scores {
    /// The likeliest language (index into the model's languages) and a confidence in 0..=1: the
    /// tempered posterior of the best language against the others considered.
    pub fn best(&self) -> Option<(usize, f32)> {
        let (best, &cost) =
            self.costs.iter().enumerate().filter(|(_, c)| c.is_finite()).min_by(|a, b| a.1.total_cmp(b.1))?;
        if self.words == 0 {
            return None;
        }
        let mass: f32 =
            self.costs.iter().filter(|c| c.is_finite()).map(|c| 10f32.powf(-(c - cost) / CONFIDENCE_TEMPER)).sum();
        Some((best, 1.0 / mass))
    }
}

/// Words: runs of letters, an apostrophe between two letters kept (`l'evaluation`, `ta'`).
pub fn words_of(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find(|c: char| c.is_alphabetic())?;
        let tail = &rest[start..];
        let mut end = tail.len();
        let mut chars = tail.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c.is_alphabetic() {
                continue;
            }
            let apostrophe = c == '\'' || c == '’';
            if apostrophe && chars.peek().is_some_and(|(_, next)| next.is_alphabetic()) {
                continue;
            }
            end = i;
            break;
        }
        rest = &tail[end..];
        Some(&tail[..end])
    })
}

/// FNV-1a over the n-gram order and the characters: stable across runs and platforms.
pub(crate) fn feature_hash(n: usize, chars: impl Iterator<Item = char>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ n as u64;
    hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    for c in chars {
        hash ^= c as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
pub(crate) struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str) -> String {
        let m = model();
        let (script, _) = Script::dominant(text);
        let considered: Vec<bool> = m.languages().iter().map(|l| l.script == script).collect();
        let (best, _) = m.score(text, Some(script), &considered).best().expect("a language");
        m.languages()[best].code.clone()
    }

    #[test]
    fn looking_keys_up_together_finds_what_looking_them_up_one_by_one_finds() {
        let table = &model().features;
        // Keys of the model (found on the first probe or further along a probe run), keys that
        // are not in it, and a slot's key with its low bits changed (a near miss).
        let mut keys: Vec<u64> = table.slots.iter().filter(|s| s.len != 0).step_by(97).map(|s| s.key).collect();
        keys.extend((0..2_000u64).map(|i| feature_hash(3, format!("{i}qz").chars())));
        keys.extend(keys.clone().iter().take(500).map(|k| k ^ 1));
        let displaced: Vec<u64> = table
            .slots
            .iter()
            .enumerate()
            .filter(|(i, s)| s.len != 0 && slot_of(s.key) & table.mask != *i)
            .take(500)
            .map(|(_, s)| s.key)
            .collect();
        assert!(!displaced.is_empty(), "no key sits past its first slot");
        keys.extend(displaced);
        let (mut first, mut found) = (Vec::new(), Vec::new());
        for chunk in keys.chunks(37) {
            table.get_all(chunk, &mut first, &mut found);
            assert_eq!(found.len(), chunk.len());
            for (&key, entries) in chunk.iter().zip(&found) {
                let one_by_one = table.get(key);
                // The same entries of the same table, not merely equal ones.
                assert_eq!((entries.as_ptr(), entries.len()), (one_by_one.as_ptr(), one_by_one.len()), "key {key:#x}");
            }
        }
        assert!(found.iter().any(|e| !e.is_empty()) && keys.iter().any(|&k| table.get(k).is_empty()));
    }

    #[test]
    fn the_shipped_model_knows_the_gap_languages_in_their_scripts() {
        let m = model();
        for (code, script) in [
            ("ga", Script::Latin),
            ("mt", Script::Latin),
            ("sq", Script::Latin),
            ("eu", Script::Latin),
            ("cy", Script::Latin),
            ("is", Script::Latin),
            ("bs", Script::Latin),
            ("nn", Script::Latin),
            ("lb", Script::Latin),
            ("kk", Script::Cyrillic),
            ("ky", Script::Cyrillic),
            ("tg", Script::Cyrillic),
            ("tk", Script::Latin),
            ("uz", Script::Latin),
            ("el", Script::Greek),
        ] {
            assert!(
                m.languages().iter().any(|l| l.code == code && l.script == script),
                "{code} missing or in the wrong script"
            );
        }
    }

    #[test]
    fn tells_apart_languages_whatlang_cannot_answer() {
        // Sentences written for this test (not from any training or evaluation text).
        let samples = [
            ("ga", "Tá an tseirbhís sláinte ag obair ar aip nua do dhaoine a bhfuil diaibéiteas orthu."),
            ("mt", "Il-Gvern ħabbar li l-applikazzjoni l-ġdida se tgħin lill-pazjenti jieħdu ħsieb saħħithom."),
            ("sq", "Ministria e Shëndetësisë prezantoi një aplikacion të ri për pacientët me diabet."),
            ("eu", "Osasun sailak aplikazio berri bat aurkeztu du diabetesa duten gaixoentzat."),
            ("cy", "Mae'r gwasanaeth iechyd wedi lansio ap newydd ar gyfer pobl sydd â diabetes yng Nghymru."),
            ("is", "Heilbrigðisráðuneytið kynnti nýtt forrit fyrir sjúklinga með sykursýki á Íslandi."),
            ("nn", "Helsedepartementet har laga ei ny app som skal hjelpe folk som ikkje får nok hjelp heime."),
            ("nb", "Helsedepartementet har laget en ny app som skal hjelpe folk som ikke får nok hjelp hjemme."),
            ("kk", "Денсаулық сақтау министрлігі қант диабеті бар науқастарға арналған жаңа қосымшаны ұсынды."),
            ("uk", "Міністерство охорони здоров'я представило новий застосунок для пацієнтів з діабетом."),
            ("ru", "Министерство здравоохранения представило новое приложение для пациентов с диабетом."),
        ];
        for (want, text) in samples {
            assert_eq!(detect(text), want, "{text}");
        }
    }

    #[test]
    fn soft_hyphens_do_not_cut_words() {
        let m = model();
        let all = vec![true; m.languages().len()];
        let (plain, hyphenated) = ("Mergelė Marija", "Mer\u{ad}ge\u{ad}lė Ma\u{ad}ri\u{ad}ja");
        let (a, b) = (m.score(plain, None, &all), m.score(hyphenated, None, &all));
        assert_eq!((a.words, a.costs), (b.words, b.costs));
    }

    #[test]
    fn words_keep_inner_apostrophes_only() {
        let words: Vec<&str> = words_of("l'évaluation, ta' 'quoted' x2y — ħafna’s").collect();
        assert_eq!(words, ["l'évaluation", "ta", "quoted", "x", "y", "ħafna’s"]);
    }

    #[test]
    fn tallies_of_the_parts_add_up_to_the_tally_of_the_whole() {
        let m = model();
        let (a, b) =
            ("Die nationale Strategie legt fest, wie Anwendungen bewertet werden. ", "Это приложение для здоровья.");
        let mut sum = m.tally(a);
        sum.add(&m.tally(b));
        let whole = m.tally(&format!("{a}{b}"));
        assert_eq!(sum.dominant(), whole.dominant());
        let all = vec![true; m.languages().len()];
        for script in [Script::Latin, Script::Cyrillic] {
            let (x, y) = (sum.costs(m, script, &all), whole.costs(m, script, &all));
            assert_eq!(x.words, y.words);
            for (p, q) in x.costs.iter().zip(&y.costs) {
                assert!(p == q || (p - q).abs() < 1e-3 * q.abs().max(1.0), "{p} vs {q}");
            }
        }
        assert_eq!(m.score(&format!("{a}{b}"), Some(Script::Cyrillic), &all).words, 4);
    }

    #[test]
    fn fit_tells_language_from_letters_that_are_not() {
        let m = model();
        // Written for this test.
        let text = "Die nationale Strategie legt fest, wie mobile Gesundheitsanwendungen vor der \
            Erstattung bewertet werden und welche Nachweise die Hersteller vorlegen müssen.";
        let fit = m.tally(text).fit(Script::Latin).expect("Latin words");
        assert!(fit.known_ngrams > 0.8 && fit.letters_per_word > 5.0, "{fit:?}");
        // The same letters shifted by three places (a font whose codes are off by three).
        let shifted: String = text
            .chars()
            .map(|c| match c {
                'a'..='w' | 'A'..='W' => char::from(c as u8 + 3),
                _ => c,
            })
            .collect();
        let fit = m.tally(&shifted).fit(Script::Latin).expect("Latin words");
        assert!(fit.known_ngrams < 0.5, "{shifted}: {fit:?}");
        // Letters standing alone among symbols.
        let fit = m.tally("V!$% V 071)/+) 2) 8%,/+' -9)'8 M4)1 )/+&) :-:1)/ + D0?-) %b").fit(Script::Latin);
        assert!(fit.expect("Latin words").letters_per_word < 1.5);
        assert_eq!(m.tally("12 345 — !!").fit(Script::Latin), None);
        // Parts add up.
        let mut sum = m.tally(text);
        sum.add(&m.tally(&shifted));
        assert_eq!(sum.fit(Script::Latin), m.tally(&format!("{text} {shifted}")).fit(Script::Latin));
    }

    #[test]
    fn no_letters_no_answer() {
        let m = model();
        let all = vec![true; m.languages().len()];
        assert!(m.score("12 345 — !!", None, &all).best().is_none());
    }
}
