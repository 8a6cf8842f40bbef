//! Text drawn with fonts whose codes stand for nothing: Ghostscript re-encodes bitmap (TeX PK)
//! fonts as Type 3 fonts numbered in order of use (`/a0`, `/a1`…, no ToUnicode), so the codes
//! are a substitution cipher of the text. Each distinct glyph shape is one symbol; when the
//! codes do not read as language, the symbols are solved as a cipher against the language
//! model, and the key is used only when enough of the words it gives are words of that
//! language.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::time::{Duration, Instant};

use crate::langid::{NgramModel, Script, model};

/// Cipher symbols stand in laid-out text as characters of the private-use plane 15, so that
/// layout, running-line removal and headings work on them before they are decoded.
const FIRST: u32 = 0xF0000;
const LAST: u32 = 0xFFFFD;

/// Distinct words the key is solved on (the most frequent, plus a few for each rarer glyph).
const SOLVE_WORDS: usize = 1200;
/// Words of the quick screen that picks the languages worth a full solve.
const SCREEN_WORDS: usize = 150;
const SCREEN_SWEEPS: usize = 2;
const FULL_SWEEPS: usize = 8;
/// Sweeps the finalists are compared after.
const FINALIST_SWEEPS: usize = 2;
/// Languages solved in full after the screen.
const FINALISTS: usize = 3;
/// Fonts that spell no language after which the smaller ones are not tried.
const MAX_REJECTED_FONTS: usize = 2;
/// Words a glyph's letter is chosen on (its commonest).
const EVIDENCE_WORDS: usize = 200;
/// Share of a font's word tokens that must repeat an earlier word for its key to be solved.
const MIN_REPEATED_TOKENS: f32 = 0.25;
/// Glyph occurrences a font needs for its key to be solved.
const MIN_FONT_GLYPHS: f32 = 400.0;
/// Share of a language's letters (by frequency) a glyph may become.
const LETTER_MASS: f32 = 0.9995;
/// Random changes tried by the annealing after the sweeps.
const ANNEAL_STEPS: usize = 8_000;
/// Longest word solved on (longer "words" are text laid out without word breaks).
const MAX_WORD_ITEMS: usize = 40;
/// Words shorter than this are not judged (a wrong key still makes `les` and `une`).
const MIN_JUDGED_LETTERS: usize = 4;
/// Share of the decoded words (4+ letters, by occurrence) that the language must know as
/// words for its key to be used: keys solved on real text give 0.35–0.55 (technical words and
/// names are not in the model's vocabulary), keys forced onto code listings or hyphenation
/// patterns below 0.01. A key can be partly wrong above the floor: the document's language
/// is then right and its common words readable, its rarer letters not.
const MIN_KNOWN_WORDS: f32 = 0.2;
/// Time the solver may take for one document, inside the extraction's own limit (60 s by
/// default); the two real documents of the evaluation need 0.1–6 s on one core.
const BUDGET: Duration = Duration::from_secs(40);

/// The cipher symbols of one document: a glyph shape as drawn by one font code.
#[derive(Debug, Default)]
pub struct CipherSymbols {
    ids: HashMap<(u64, u8), u32>,
    symbols: Vec<(u64, u8)>,
    /// Shapes much smaller than their font's letters: punctuation, hyphens, accents.
    small: std::collections::HashSet<u64>,
}

impl CipherSymbols {
    /// The character standing for glyph `shape` drawn by `code`; `None` when the private-use
    /// plane is full. A `small` glyph (a fraction of its font's letter height) is taken for
    /// punctuation: a word break, never a letter.
    pub fn intern(&mut self, shape: u64, code: u8, small: bool) -> Option<char> {
        if small {
            self.small.insert(shape);
        }
        if let Some(&id) = self.ids.get(&(shape, code)) {
            return char::from_u32(FIRST + id);
        }
        let id = u32::try_from(self.symbols.len()).ok()?;
        let c = char::from_u32(FIRST.checked_add(id)?).filter(|&c| u32::from(c) <= LAST)?;
        self.ids.insert((shape, code), id);
        self.symbols.push((shape, code));
        Some(c)
    }

    /// No font of the document was a cipher.
    pub fn is_empty(&self) -> bool {
        self.symbols.is_empty()
    }

    /// The key that decodes `text` (the document's laid-out text): the solved one when a
    /// language fits, otherwise each code as the character it is, as poppler reads them.
    pub fn key(&self, text: &str) -> Key {
        let legacy = Key { text: self.symbols.iter().map(|&(_, code)| legacy_text(code)).collect(), language: None };
        if self.symbols.is_empty() {
            return legacy;
        }
        solve(self, text, &legacy).unwrap_or(legacy)
    }
}

/// The index of the cipher symbol a character stands for.
fn symbol(c: char) -> Option<usize> {
    let u = u32::from(c);
    (FIRST..=LAST).contains(&u).then(|| (u - FIRST) as usize)
}

/// A code read as the character of the same number, as fonts without an encoding are read.
fn legacy_text(code: u8) -> String {
    if code >= 0x20 && code != 0x7F { char::from(code).to_string() } else { String::new() }
}

/// Text for each cipher symbol.
#[derive(Debug)]
pub struct Key {
    text: Vec<String>,
    /// The model language the key was solved in (`None`: the codes as they are).
    pub language: Option<String>,
}

impl Key {
    /// `text` with every cipher symbol replaced by its text.
    pub fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match symbol(c) {
                Some(i) => out.push_str(self.text.get(i).map_or("", String::as_str)),
                None => out.push(c),
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Item {
    Glyph(u32),
    Letter(char),
    Break,
}

#[derive(Debug)]
struct Word {
    items: Vec<Item>,
    count: f32,
}

/// The document's distinct words that hold a cipher glyph, most frequent first.
fn cipher_words(text: &str, groups: &[u32]) -> Vec<Word> {
    let mut index: HashMap<Vec<Item>, usize> = HashMap::new();
    let mut words: Vec<Word> = Vec::new();
    for token in text.split_whitespace() {
        let items: Vec<Item> = token
            .chars()
            .map(|c| match symbol(c).and_then(|id| groups.get(id)) {
                Some(&g) => Item::Glyph(g),
                None if c.is_alphabetic() => Item::Letter(c.to_lowercase().next().unwrap_or(c)),
                None => Item::Break,
            })
            .collect();
        if items.len() > MAX_WORD_ITEMS || !items.iter().any(|i| matches!(i, Item::Glyph(_))) {
            continue;
        }
        match index.get(&items) {
            Some(&i) => words[i].count += 1.0,
            None => {
                index.insert(items.clone(), words.len());
                words.push(Word { items, count: 1.0 });
            }
        }
    }
    // Stable: equal counts keep their order of first occurrence.
    words.sort_by(|a, b| b.count.total_cmp(&a.count));
    words
}

/// The words to solve on: the most frequent, and a few for every glyph they miss.
fn solve_set(words: &[&Word], glyphs: usize, limit: usize, extra: usize) -> Vec<usize> {
    let mut chosen: Vec<usize> = (0..words.len().min(limit)).collect();
    let mut seen = vec![0usize; glyphs];
    for &w in &chosen {
        for item in &words[w].items {
            if let Item::Glyph(g) = item {
                seen[*g as usize] += 1;
            }
        }
    }
    for (w, word) in words.iter().enumerate().skip(limit) {
        if chosen.len() >= limit + extra {
            break;
        }
        let wanted = word.items.iter().any(|i| matches!(i, Item::Glyph(g) if seen[*g as usize] < 3));
        if wanted {
            for item in &word.items {
                if let Item::Glyph(g) = item {
                    seen[*g as usize] += 1;
                }
            }
            chosen.push(w);
        }
    }
    chosen
}

/// A key being solved for one language.
struct Solver<'a> {
    model: &'a NgramModel,
    lang: usize,
    words: Vec<&'a Word>,
    by_glyph: Vec<Vec<u32>>,
    /// Candidate texts of a glyph: the language's letters, the ligatures of Latin fonts, and
    /// last an empty text, a word break, the lot of the glyphs found to be punctuation.
    alphabet: Vec<String>,
    key: Vec<usize>,
    /// Glyphs the sweeps leave alone (punctuation).
    fixed: Vec<bool>,
    /// Known words count too ([`NgramModel::word_saving`]).
    whole_words: bool,
    /// What a ligature's extra letters are credited, each (an average letter's cost, so that
    /// `fichier` is not dearer than `achier` for being longer); `None` until the letters are
    /// known well enough to say, and no ligature is tried before.
    ligature_credit: Option<f32>,
    costs: Vec<f32>,
    /// When each word's decoding last changed and each glyph was last judged by a sweep, on a
    /// clock of judgements: a glyph none of whose words changed since is not judged again.
    clock: u64,
    changed_at: Vec<u64>,
    judged_at: Vec<Option<u64>>,
    /// Each candidate text as characters with their window codes.
    spelled: Vec<Vec<(char, u32)>>,
    windows: WindowCosts,
    /// Letters of the word being scored (whole words only), kept to spare an allocation.
    run: Vec<char>,
}

/// What each letter costs after the letters before it ([`NgramModel::letter_cost_by`]), by window:
/// a word's cost is the sum over its letters, so a key change re-reads a few windows rather
/// than re-spelling the word against the model. A window is coded as the codes of its
/// characters, a byte each, the newest lowest (a code is never 0, so shorter windows differ):
/// the map of a large font holds a million windows or more, and small entries keep more of it
/// in the processor's caches.
struct WindowCosts {
    codes: HashMap<char, u32>,
    /// The character of each code.
    chars: Vec<char>,
    costs: HashMap<u32, f32, BuildHasherDefault<WindowHasher>>,
    /// The model's cost of each n-gram met in a window, coded as windows are: the contexts of
    /// a window recur for every letter tried after them.
    grams: HashMap<u32, Option<f32>, BuildHasherDefault<WindowHasher>>,
}

/// Hashes a window's code: the map picks a slot by the hash's low bits and tells entries apart
/// by its top bits, so every bit of the code is spread over both (a product's low bits depend
/// only on the code's low bits, its high bits on all of them).
#[derive(Default)]
struct WindowHasher(u64);

impl std::hash::Hasher for WindowHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u32(u32::from(b) ^ (self.0 as u32).rotate_left(8));
        }
    }

    fn write_u32(&mut self, n: u32) {
        let product = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = product ^ (product >> 32);
    }
}

/// The code of a word's edge in a window.
const EDGE: u32 = 1;
/// The code every letter past the 254th shares, as one letter no model knows (a font's
/// alphabet and the real letters beside its glyphs come to a few dozen).
const OTHER: u32 = 0xFF;

impl WindowCosts {
    fn new() -> WindowCosts {
        WindowCosts {
            codes: HashMap::new(),
            chars: vec!['\0', ' '],
            costs: HashMap::default(),
            grams: HashMap::default(),
        }
    }

    fn code(&mut self, c: char) -> u32 {
        if c == ' ' {
            return EDGE;
        }
        if let Some(&code) = self.codes.get(&c) {
            return code;
        }
        if self.chars.len() >= OTHER as usize {
            if self.chars.len() == OTHER as usize {
                self.chars.push(char::REPLACEMENT_CHARACTER);
            }
            return OTHER;
        }
        let code = self.chars.len() as u32;
        self.chars.push(c);
        self.codes.insert(c, code);
        code
    }

    /// The cost of the last letter of window `code`, of `len` characters.
    fn cost(&mut self, model: &NgramModel, lang: usize, code: u32, len: usize) -> f32 {
        if let Some(&cost) = self.costs.get(&code) {
            return cost;
        }
        let mut window = [' '; NgramModel::SPELLING_WINDOW];
        for (i, slot) in window[NgramModel::SPELLING_WINDOW - len..].iter_mut().enumerate() {
            *slot = self.chars[((code >> (8 * (len - 1 - i))) & 0xFF) as usize];
        }
        let window = &window[NgramModel::SPELLING_WINDOW - len..];
        let grams = &mut self.grams;
        let cost = model.letter_cost_by(lang, len, |start, end| {
            let gram = ((u64::from(code) >> (8 * (len - end))) & ((1u64 << (8 * (end - start))) - 1)) as u32;
            *grams.entry(gram).or_insert_with(|| model.gram_cost(lang, &window[start..end]))
        });
        self.costs.insert(code, cost);
        cost
    }
}

impl<'a> Solver<'a> {
    fn new(model: &'a NgramModel, lang: usize, words: Vec<&'a Word>, punctuation: &[bool]) -> Option<Solver<'a>> {
        let glyphs = punctuation.len();
        // The letters that make up nearly all of the language's text: the rest (a French
        // model knows `ñ` and `ø` from names) only slow the search and lure rare glyphs.
        let mut mass = 0.0;
        let letters: Vec<(char, f32)> = model
            .letters(lang)
            .into_iter()
            .take_while(|&(_, cost)| {
                let before = mass;
                mass += 10f32.powf(-cost);
                before < LETTER_MASS
            })
            .collect();
        if letters.len() < 10 {
            return None;
        }
        let mut alphabet: Vec<String> = letters.iter().map(|&(c, _)| c.to_string()).collect();
        if model.languages()[lang].script == Script::Latin {
            // TeX fonts draw these as one glyph each.
            alphabet.extend(["fi", "fl", "ff", "ffi", "ffl"].map(str::to_owned));
        }
        alphabet.push(String::new());
        let mut by_glyph = vec![Vec::new(); glyphs];
        let mut frequency = vec![0f32; glyphs];
        for (w, word) in words.iter().enumerate() {
            for item in &word.items {
                if let Item::Glyph(g) = *item {
                    let list = &mut by_glyph[g as usize];
                    if list.last() != Some(&(w as u32)) {
                        list.push(w as u32);
                    }
                    frequency[g as usize] += word.count;
                }
            }
        }
        // Frequency analysis to start: the n-th commonest glyph is the n-th commonest letter.
        let mut order: Vec<usize> = (0..glyphs).filter(|&g| !punctuation[g]).collect();
        order.sort_by(|&a, &b| frequency[b].total_cmp(&frequency[a]));
        let mut key = vec![alphabet.len() - 1; glyphs];
        for (rank, &g) in order.iter().enumerate() {
            key[g] = rank % letters.len();
        }
        let mut solver = Solver {
            model,
            lang,
            words,
            by_glyph,
            alphabet,
            key,
            fixed: punctuation.to_vec(),
            whole_words: false,
            ligature_credit: None,
            costs: Vec::new(),
            clock: 0,
            changed_at: Vec::new(),
            judged_at: Vec::new(),
            spelled: Vec::new(),
            windows: WindowCosts::new(),
            run: Vec::with_capacity(MAX_WORD_ITEMS * 3),
        };
        let windows = &mut solver.windows;
        solver.spelled =
            solver.alphabet.iter().map(|text| text.chars().map(|c| (c, windows.code(c))).collect()).collect();
        solver.rescore();
        Some(solver)
    }

    /// Whether candidate `c` may be tried now (ligatures only once they are credited).
    fn allowed(&self, c: usize) -> bool {
        self.ligature_credit.is_some() || self.alphabet[c].chars().nth(1).is_none()
    }

    /// Credits ligatures with the average cost of a letter under the key found so far.
    fn credit_ligatures(&mut self) {
        let positions: f32 = self.words.iter().map(|w| (w.items.len() + 1) as f32 * w.count).sum();
        self.ligature_credit = Some(self.total() / positions.max(1.0));
        self.rescore();
    }

    /// Scores every word afresh (the scoring changed): every glyph is to be judged again.
    fn rescore(&mut self) {
        self.costs = (0..self.words.len()).map(|w| self.word_cost(w)).collect();
        self.clock = 0;
        self.changed_at = vec![0; self.words.len()];
        self.judged_at = vec![None; self.by_glyph.len()];
    }

    /// Rescores the words of glyph `g`, whose text changed, and notes when.
    fn rescore_glyph(&mut self, g: usize) {
        let words = std::mem::take(&mut self.by_glyph[g]);
        self.clock += 1;
        for &w in &words {
            self.costs[w as usize] = self.word_cost(w as usize);
            self.changed_at[w as usize] = self.clock;
        }
        self.by_glyph[g] = words;
    }

    /// The share of the decoded words of 4+ letters in `words` (by occurrence) that the
    /// language knows as words.
    fn known_share(&self, words: &[&Word]) -> f32 {
        let text_of = |g: u32| self.alphabet[self.key[g as usize]].as_str();
        let (mut known, mut all) = (0f32, 0f32);
        let mut run: Vec<char> = Vec::new();
        for word in words {
            for_each_run(&word.items, text_of, &mut run, |letters| {
                if letters.len() >= MIN_JUDGED_LETTERS {
                    all += word.count;
                    if self.model.knows_word(self.lang, letters) {
                        known += word.count;
                    }
                }
            });
        }
        if all > 0.0 { known / all } else { 0.0 }
    }

    fn total(&self) -> f32 {
        self.costs.iter().zip(&self.words).map(|(c, w)| c * w.count).sum()
    }

    /// The cost of one word under the current key: its letter runs as the model spells words
    /// (each letter and run end by [`NgramModel::letter_cost_by`], each run's
    /// [`NgramModel::word_saving`] with whole words), window by window.
    fn word_cost(&mut self, w: usize) -> f32 {
        let Solver { model, lang, whole_words, ref words, ref key, ref spelled, ref mut windows, ref mut run, .. } =
            *self;
        let mut speller = Speller { model, lang, whole_words, windows, run, window: 0, len: 0, sum: 0.0, cost: 0.0 };
        let mut extra = 0usize;
        for item in &words[w].items {
            match *item {
                Item::Glyph(g) if !spelled[key[g as usize]].is_empty() => {
                    let text = &spelled[key[g as usize]];
                    extra += text.len() - 1;
                    for &(c, code) in text {
                        speller.letter(c, code);
                    }
                }
                Item::Letter(c) => {
                    let code = speller.windows.code(c);
                    speller.letter(c, code);
                }
                _ => speller.end(),
            }
        }
        speller.end();
        let mut cost = speller.cost;
        if let Some(credit) = self.ligature_credit {
            cost -= credit * extra as f32;
        }
        cost
    }

    /// Coordinate descent: each glyph in turn takes the letter that makes the words it is in
    /// cheapest, until a sweep changes nothing. A glyph none of whose words changed since it
    /// was last judged is not judged again: its words would cost what they cost then.
    fn sweep(&mut self, sweeps: usize, deadline: Instant) {
        let mut order: Vec<usize> =
            (0..self.by_glyph.len()).filter(|&g| !self.by_glyph[g].is_empty() && !self.fixed[g]).collect();
        order.sort_by_key(|&g| std::cmp::Reverse(self.by_glyph[g].len()));
        let letters = self.alphabet.len() - 1;
        for _ in 0..sweeps {
            let mut changed = false;
            for &g in &order {
                if Instant::now() > deadline {
                    return;
                }
                let words = std::mem::take(&mut self.by_glyph[g]);
                // A common glyph is judged on its commonest words (the list is in order of
                // frequency): more would cost time and change no decision.
                let evidence = &words[..words.len().min(EVIDENCE_WORDS)];
                if self.judged_at[g].is_some_and(|at| evidence.iter().all(|&w| self.changed_at[w as usize] <= at)) {
                    self.by_glyph[g] = words;
                    continue;
                }
                let current = self.key[g];
                let base: f32 = evidence.iter().map(|&w| self.costs[w as usize] * self.words[w as usize].count).sum();
                let mut best = (current, base);
                for candidate in 0..letters {
                    if candidate == current || !self.allowed(candidate) {
                        continue;
                    }
                    self.key[g] = candidate;
                    let mut sum = 0.0;
                    for &w in evidence {
                        sum += self.word_cost(w as usize) * self.words[w as usize].count;
                        if sum >= best.1 {
                            break;
                        }
                    }
                    if sum < best.1 - 1e-3 {
                        best = (candidate, sum);
                    }
                }
                self.key[g] = best.0;
                self.by_glyph[g] = words;
                if best.0 != current {
                    changed = true;
                    self.rescore_glyph(g);
                }
                self.judged_at[g] = Some(self.clock);
            }
            if !changed {
                break;
            }
        }
    }

    /// Simulated annealing: random single-glyph changes, a worse one taken with a probability
    /// that falls as the temperature does, to leave the local optima of the sweeps (two rare
    /// letters that are each wrong, where righting one alone makes no better words).
    fn anneal(&mut self, steps: usize, deadline: Instant) {
        let glyphs: Vec<usize> =
            (0..self.by_glyph.len()).filter(|&g| !self.by_glyph[g].is_empty() && !self.fixed[g]).collect();
        if glyphs.is_empty() {
            return;
        }
        let letters = self.alphabet.len() - 1;
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut fresh = vec![0f32; 0];
        for step in 0..steps {
            if step % 256 == 0 && Instant::now() > deadline {
                return;
            }
            let temperature = 1.5 * (1.0 - step as f32 / steps as f32);
            let g = glyphs[(next() % glyphs.len() as u64) as usize];
            let candidate = (next() % letters as u64) as usize;
            let current = self.key[g];
            if candidate == current || !self.allowed(candidate) {
                continue;
            }
            let words = std::mem::take(&mut self.by_glyph[g]);
            let evidence = &words[..words.len().min(EVIDENCE_WORDS)];
            let before: f32 = evidence.iter().map(|&w| self.costs[w as usize] * self.words[w as usize].count).sum();
            self.key[g] = candidate;
            fresh.clear();
            fresh.extend(evidence.iter().map(|&w| self.word_cost(w as usize)));
            let after: f32 = fresh.iter().zip(evidence).map(|(c, &w)| c * self.words[w as usize].count).sum();
            let delta = after - before;
            let take = delta < 0.0
                || (temperature > 0.0 && ((next() >> 11) as f32 / (1u64 << 53) as f32) < (-delta / temperature).exp());
            self.by_glyph[g] = words;
            if take {
                self.rescore_glyph(g);
            } else {
                self.key[g] = current;
            }
        }
    }

    /// Sweeps again with whole words counted too: once most letters are right, knowing
    /// `contrôle` settles the rarer letters that n-grams leave in doubt.
    fn polish(&mut self, sweeps: usize, deadline: Instant) {
        self.whole_words = true;
        self.rescore();
        self.sweep(sweeps, deadline);
    }
}

/// Sums the costs of a word's letter runs, window by window, in the order the model's
/// `spelling_cost` does (so that the sums are equal to the bit).
struct Speller<'s> {
    model: &'s NgramModel,
    lang: usize,
    whole_words: bool,
    windows: &'s mut WindowCosts,
    /// The run's letters, for its whole-word saving.
    run: &'s mut Vec<char>,
    /// The window of the run being spelled (0: none), its length, and the run's cost so far.
    window: u32,
    len: usize,
    sum: f32,
    cost: f32,
}

impl Speller<'_> {
    fn letter(&mut self, c: char, code: u32) {
        if self.window == 0 {
            (self.window, self.len, self.sum) = (EDGE, 1, 0.0);
        }
        self.window = (self.window << 8) | code;
        self.len = (self.len + 1).min(NgramModel::SPELLING_WINDOW);
        self.sum += self.windows.cost(self.model, self.lang, self.window, self.len);
        if self.whole_words {
            self.run.push(c);
        }
    }

    /// Ends the run being spelled, if any: its closing edge and, with whole words, its saving.
    fn end(&mut self) {
        if self.window == 0 {
            return;
        }
        self.window = (self.window << 8) | EDGE;
        self.len = (self.len + 1).min(NgramModel::SPELLING_WINDOW);
        self.sum += self.windows.cost(self.model, self.lang, self.window, self.len);
        if self.whole_words {
            self.sum += self.model.word_saving(self.lang, self.run).unwrap_or(0.0);
            self.run.clear();
        }
        self.cost += self.sum;
        self.window = 0;
    }
}

/// Calls `f` with each run of letters of a word decoded with `text_of` (a glyph's text; empty
/// for a word break), `run` being the buffer.
fn for_each_run<'t>(items: &[Item], text_of: impl Fn(u32) -> &'t str, run: &mut Vec<char>, mut f: impl FnMut(&[char])) {
    run.clear();
    for item in items {
        match *item {
            Item::Glyph(g) if !text_of(g).is_empty() => run.extend(text_of(g).chars()),
            Item::Letter(c) => run.push(c),
            _ if !run.is_empty() => {
                f(run);
                run.clear();
            }
            _ => {}
        }
    }
    if !run.is_empty() {
        f(run);
    }
}

fn solve(symbols: &CipherSymbols, text: &str, legacy: &Key) -> Option<Key> {
    let model = model();
    // Codes that already read as language (a font numbered in its own encoding) stay as they are.
    let legacy_tally = model.tally(&legacy.apply(text));
    let (script, _) = legacy_tally.dominant();
    if legacy_tally.fit(script).is_some_and(|fit| fit.known_ngrams >= 0.6 && fit.letters_per_word >= 3.0) {
        return None;
    }
    let mut shapes: HashMap<u64, u32> = HashMap::new();
    let groups: Vec<u32> = symbols
        .symbols
        .iter()
        .map(|&(shape, _)| {
            let next = shapes.len() as u32;
            *shapes.entry(shape).or_insert(next)
        })
        .collect();
    let glyphs = shapes.len();
    let words = cipher_words(text, &groups);
    let mut punctuation = vec![false; glyphs];
    for (&shape, &g) in &shapes {
        punctuation[g as usize] = symbols.small.contains(&shape);
    }
    let deadline = Instant::now() + BUDGET;

    // Ghostscript packs the glyphs of all the document's fonts into its Type 3 fonts in order
    // of use, so one key may mix a roman body, a typewriter listing and a Greek quotation:
    // glyphs that share words belong to one font, and each font is solved on its own words,
    // in its own language.
    let font_of = fonts_of_glyphs(&words, glyphs, &punctuation);
    let mut sizes: HashMap<usize, f32> = HashMap::new();
    for word in &words {
        for item in &word.items {
            if let Item::Glyph(g) = *item
                && !punctuation[g as usize]
            {
                *sizes.entry(font_of[g as usize]).or_default() += word.count;
            }
        }
    }
    let mut fonts: Vec<(usize, f32)> = sizes.into_iter().filter(|&(_, n)| n >= MIN_FONT_GLYPHS).collect();
    fonts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut solved: Vec<Option<String>> = vec![None; glyphs];
    let mut language: Option<String> = None;
    let mut rejected = 0;
    for (font, _) in fonts {
        // Fonts come largest first: two that spell no language mean the rest will not either.
        if rejected >= MAX_REJECTED_FONTS {
            break;
        }
        let font_words: Vec<&Word> = words
            .iter()
            .filter(|w| w.items.iter().any(|i| matches!(*i, Item::Glyph(g) if font_of[g as usize] == font)))
            .collect();
        let tokens: f32 = font_words.iter().map(|w| w.count).sum();
        // Running text repeats its words (a third to two thirds of a page's tokens are words
        // seen before); a font whose words hardly repeat sets lists, patterns or code, and
        // gives a cipher too little to be solved on.
        if 1.0 - font_words.len() as f32 / tokens < MIN_REPEATED_TOKENS {
            continue;
        }
        match solve_font(model, &font_words, &punctuation, language.as_deref(), deadline) {
            Some((lang, texts)) => {
                for (g, text) in texts.into_iter().enumerate() {
                    if font_of[g] == font && !punctuation[g] {
                        solved[g] = Some(text);
                    }
                }
                language.get_or_insert(lang);
            }
            None => rejected += 1,
        }
    }
    let language = language?;
    let texts: Vec<String> = symbols
        .symbols
        .iter()
        .zip(&groups)
        .map(|(&(_, code), &g)| match &solved[g as usize] {
            Some(text) => text.clone(),
            None if punctuation[g as usize] => {
                // A break: the code's own character when it is punctuation, else a space.
                let own = legacy_text(code);
                if own.chars().all(|c| !c.is_alphanumeric()) && !own.is_empty() { own } else { " ".to_owned() }
            }
            None => legacy_text(code),
        })
        .collect();
    Some(Key { text: texts, language: Some(language) })
}

/// Glyphs that occur in the same words, transitively: one font each (punctuation left out,
/// as it sits beside any font's letters).
fn fonts_of_glyphs(words: &[Word], glyphs: usize, punctuation: &[bool]) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..glyphs).collect();
    fn root(parent: &mut [usize], mut g: usize) -> usize {
        while parent[g] != g {
            parent[g] = parent[parent[g]];
            g = parent[g];
        }
        g
    }
    for word in words {
        let mut first = None;
        for item in &word.items {
            if let Item::Glyph(g) = *item
                && !punctuation[g as usize]
            {
                let g = root(&mut parent, g as usize);
                match first {
                    None => first = Some(g),
                    Some(f) if f != g => parent[g] = f,
                    Some(_) => {}
                }
            }
        }
    }
    (0..glyphs).map(|g| root(&mut parent, g)).collect()
}

/// Solves the glyphs of one font on `words`: the language whose model its words fit best after
/// the key is found, and each glyph's text, or `None` when no language makes words of them.
fn solve_font(
    model: &NgramModel,
    words: &[&Word],
    punctuation: &[bool],
    known: Option<&str>,
    deadline: Instant,
) -> Option<(String, Vec<String>)> {
    let glyphs = punctuation.len();
    if words.len() < 20 {
        return None;
    }
    let mut screened: Vec<(f32, usize)> = Vec::new();
    // Another font of a document already read is most likely in its language.
    let languages: Vec<usize> = model
        .languages()
        .iter()
        .enumerate()
        .filter(|(_, l)| l.script != Script::Other && known.is_none_or(|k| l.code == k))
        .map(|(i, _)| i)
        .collect();
    let screen_set: Vec<&Word> = solve_set(words, glyphs, SCREEN_WORDS, 0).into_iter().map(|w| words[w]).collect();
    for lang in languages {
        if let Some(mut solver) = Solver::new(model, lang, screen_set.clone(), punctuation) {
            solver.sweep(SCREEN_SWEEPS, deadline);
            screened.push((solver.total(), lang));
        }
    }
    screened.sort_by(|a, b| a.0.total_cmp(&b.0));

    let full_set: Vec<&Word> =
        solve_set(words, glyphs, SOLVE_WORDS, SOLVE_WORDS).into_iter().map(|w| words[w]).collect();
    // A language far ahead after the screen is the only one solved in full.
    let finalists = match screened.as_slice() {
        [(first, _), (second, _), ..] if *first < 0.9 * *second => 1,
        _ => FINALISTS,
    };
    // The finalists are compared after the first sweeps, which settle the common letters, by
    // the share of known words they make (the cost alone is close: on the French document,
    // French 128 231 against Norwegian 130 271 after two sweeps, but known words 0.21 against
    // 0.02), the cost breaking ties; the winner's sweeps then go on where they stopped.
    let mut best: Option<((f32, f32), Solver)> = None;
    for &(_, lang) in screened.iter().take(finalists) {
        let Some(mut solver) = Solver::new(model, lang, full_set.clone(), punctuation) else { continue };
        solver.sweep(FINALIST_SWEEPS, deadline);
        let judged = (solver.known_share(words), -solver.total());
        if best.as_ref().is_none_or(|(b, _)| judged.0 > b.0 || (judged.0 == b.0 && judged.1 > b.1)) {
            best = Some((judged, solver));
        }
    }
    let (_, mut solver) = best?;
    solver.sweep(FULL_SWEEPS - FINALIST_SWEEPS, deadline);
    // A key that makes almost no known words after the sweeps is not rescued by the refinement
    // (it moves the share by a few hundredths): the font spells no language.
    let early = solver.known_share(words);
    if early < MIN_KNOWN_WORDS / 2.0 {
        return None;
    }
    solver.credit_ligatures();
    solver.sweep(FULL_SWEEPS, deadline);
    solver.anneal(ANNEAL_STEPS, deadline);
    solver.sweep(FULL_SWEEPS, deadline);
    solver.polish(FULL_SWEEPS / 2, deadline);

    // Judge the key on every word of the font, not only those it was solved on.
    let share = solver.known_share(words);
    let code = model.languages()[solver.lang].code.clone();
    if share < MIN_KNOWN_WORDS {
        return None;
    }
    let text_of = |g: u32| solver.alphabet[solver.key[g as usize]].as_str();
    Some((code, (0..glyphs).map(|g| text_of(g as u32).to_owned()).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Enciphers `plain` with a fixed permutation of its letters, upper and lower case as
    /// different glyphs (as in a bitmap font), and returns the text with cipher symbols.
    fn encipher(plain: &str, symbols: &mut CipherSymbols) -> String {
        let mut out = String::new();
        for c in plain.chars() {
            if c.is_alphabetic() {
                let shape = (u64::from(u32::from(c)) * 7919) % 100_003;
                let code = (shape % 251) as u8;
                out.push(symbols.intern(shape, code, false).expect("room"));
            } else {
                out.push(c);
            }
        }
        out
    }

    /// The text of a French page of the library, without its markup.
    fn french_page() -> String {
        let html = include_str!("../../../library/web/fr-has-referentiel-applications-sante-2016.html");
        let body = &html[html.find("<main").expect("a main element")..];
        let mut plain = String::new();
        let mut in_tag = false;
        for c in body.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    plain.push(' ');
                }
                c if !in_tag => plain.push(c),
                _ => {}
            }
        }
        plain
    }

    #[test]
    fn a_french_text_enciphered_glyph_by_glyph_is_read_back() {
        let plain = french_page();
        let mut symbols = CipherSymbols::default();
        let cipher = encipher(&plain, &mut symbols);
        assert!(!cipher.contains("applications"), "the letters are hidden");
        let key = symbols.key(&cipher);
        assert_eq!(key.language.as_deref(), Some("fr"));
        let decoded = key.apply(&cipher);
        let expected = plain.to_lowercase();
        // Bag-of-words recall: the words of the page found again (one-letter words such as
        // `à` are glyphs of no other word, a font of their own too small to solve).
        let mut found: HashMap<&str, usize> = HashMap::new();
        for word in decoded.split_whitespace() {
            *found.entry(word).or_default() += 1;
        }
        let expected: Vec<&str> = expected.split_whitespace().collect();
        let right = expected
            .iter()
            .filter(|w| found.get_mut(*w).is_some_and(|n| std::mem::replace(n, n.saturating_sub(1)) > 0))
            .count();
        assert!(right * 10 >= expected.len() * 8, "{right} of {} words read back", expected.len());
        assert!(decoded.contains("référentiel") && decoded.contains("applications"));
    }

    #[test]
    fn glyphs_that_spell_no_language_keep_their_codes() {
        // Words of glyphs in no order any language has, repeated as a text repeats its words
        // (commoner words more often): the solver runs and finds no language, the codes stay.
        let mut symbols = CipherSymbols::default();
        let mut state = 7u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            state >> 33
        };
        let vocabulary: Vec<String> = (0..150)
            .map(|_| {
                (0..3 + next() % 6)
                    .map(|_| {
                        let shape = next() % 40;
                        symbols.intern(shape, 33 + shape as u8, false).expect("room")
                    })
                    .collect()
            })
            .collect();
        let mut text = String::new();
        for _ in 0..900 {
            let rank = (next() % 150) * (next() % 150) / 150;
            text.push_str(&vocabulary[rank as usize]);
            text.push(' ');
        }
        let words = cipher_words(&text, &(0..40).collect::<Vec<u32>>());
        let tokens: f32 = words.iter().map(|w| w.count).sum();
        assert!(1.0 - words.len() as f32 / tokens >= MIN_REPEATED_TOKENS, "the solver is tried");
        let key = symbols.key(&text);
        assert_eq!(key.language, None);
        assert!(key.apply(&text).starts_with(|c: char| c.is_ascii_graphic()));
    }

    #[test]
    fn a_font_whose_words_do_not_repeat_is_not_solved() {
        // The French page as a word list, each word once (an index, a glossary): no text to
        // solve a cipher on, whatever its letters.
        let plain = french_page().to_lowercase();
        let mut seen = std::collections::HashSet::new();
        let list: Vec<&str> = plain.split_whitespace().filter(|w| seen.insert(*w)).collect();
        let mut symbols = CipherSymbols::default();
        let cipher = encipher(&list.join(" "), &mut symbols);
        assert_eq!(symbols.key(&cipher).language, None);
        // The same words as the page runs them are read.
        let mut symbols = CipherSymbols::default();
        let cipher = encipher(&plain, &mut symbols);
        assert_eq!(symbols.key(&cipher).language.as_deref(), Some("fr"));
    }

    #[test]
    fn words_cost_what_the_model_spells_them_window_by_window() {
        // The solver keeps letter costs by window; a word must still cost exactly what
        // `NgramModel::spelling_cost` gives its letter runs, whole words counted or not.
        let model = model();
        let plain = french_page();
        let mut symbols = CipherSymbols::default();
        let cipher = encipher(&plain, &mut symbols);
        let glyphs = symbols.symbols.len();
        let words = cipher_words(&cipher, &(0..glyphs as u32).collect::<Vec<_>>());
        let fr = model.languages().iter().position(|l| l.code == "fr").expect("a French model");
        let mut solver = Solver::new(model, fr, words.iter().collect(), &vec![false; glyphs]).expect("a solver");
        for whole_words in [false, true] {
            solver.whole_words = whole_words;
            solver.rescore();
            for (w, word) in words.iter().enumerate() {
                let text_of = |g: u32| solver.alphabet[solver.key[g as usize]].as_str();
                let mut expected = 0.0;
                for_each_run(&word.items, text_of, &mut Vec::new(), |run| {
                    expected += model.spelling_cost(fr, run, whole_words);
                });
                assert_eq!(solver.costs[w], expected, "word {w}, whole words {whole_words}");
            }
        }
    }
}
