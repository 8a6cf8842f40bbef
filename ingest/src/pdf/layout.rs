//! Page layout: positioned glyphs to words (from gaps between glyphs, not only explicit
//! spaces), lines (from baselines and writing direction, any rotation) and blocks (from line
//! spacing and alignment). Blocks keep content-stream order, unless the page is set in
//! columns (`columns::reading_order`).

use super::content::PageGlyphs;

/// A gap wider than this fraction of the font size between two glyphs is a word break
/// (poppler's `minWordBreakSpace` is the same 0.1 em).
const WORD_GAP: f32 = 0.1;
/// Two glyphs whose baselines differ by less than this fraction of the font size are on one
/// line (superscripts and subscripts included).
const SAME_LINE: f32 = 0.5;
/// A gap along the baseline wider than this many em cuts a line in two: what follows is in
/// another column or table cell (producers that draw a page row by row put the right column's
/// line right after the left one's), not the next word. The cut is made after the letter
/// spacing was measured over the whole line, so short pieces are not cut into letters.
const MAX_LINE_GAP: f32 = 3.0;

/// One line of text.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Words separated by single spaces.
    pub text: String,
    /// Position of the baseline across the writing direction (larger is higher on the page).
    pub v: f32,
    /// Start and end along the writing direction.
    pub u: (f32, f32),
    /// Largest font size on the line.
    pub size: f32,
    /// Writing direction (unit vector in page space).
    pub dir: (f32, f32),
    /// Page-space y of the baseline start, for running header and footer detection.
    pub y: f32,
}

impl Line {
    /// Horizontal, left-to-right text.
    pub fn is_horizontal(&self) -> bool {
        self.dir.0 > 0.99
    }
}

/// A block of consecutive lines: a paragraph, a heading, a table cell.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Block {
    /// The lines, top to bottom.
    pub lines: Vec<Line>,
}

struct Item<'p> {
    u: f32,
    end: f32,
    size: f32,
    text: &'p str,
    space: bool,
    blank: bool,
}

struct Builder<'p> {
    line: Line,
    end_u: f32,
    items: Vec<Item<'p>>,
}

/// Groups a page's glyphs into lines, then blocks. Glyphs outside `page_box` (`[x0, y0, x1,
/// y1]`) are not shown on the page and are dropped, as poppler does.
pub fn layout(page: &PageGlyphs, page_box: [f32; 4]) -> Vec<Block> {
    let lines = lines(page, page_box);
    super::columns::reading_order(blocks(lines))
}

fn lines(page: &PageGlyphs, page_box: [f32; 4]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut current: Option<Builder<'_>> = None;
    let margin = 2.0;
    let mut recent: [(f32, f32, u32, u16); 4] = [(f32::NAN, f32::NAN, 0, 0); 4];
    for glyph in &page.glyphs {
        if glyph.x < page_box[0] - margin
            || glyph.x > page_box[2] + margin
            || glyph.y < page_box[1] - margin
            || glyph.y > page_box[3] + margin
            || glyph.size.is_nan()
            || glyph.size <= 0.05
        {
            continue;
        }
        let text = page.text_of(glyph);
        // Text drawn twice at almost the same place (fake bold, shadows) counts once.
        if !glyph.space
            && recent.iter().any(|&(x, y, start, len)| {
                (x - glyph.x).abs() < 0.15 * glyph.size
                    && (y - glyph.y).abs() < 0.15 * glyph.size
                    && &page.text[start as usize..start as usize + usize::from(len)] == text
            })
        {
            continue;
        }
        if !glyph.space {
            recent.rotate_right(1);
            recent[0] = (glyph.x, glyph.y, glyph.start, glyph.len);
        }
        let (dx, dy) = glyph.dir;
        let u = glyph.x * dx + glyph.y * dy;
        let v = -glyph.x * dy + glyph.y * dx;
        let joins = current.as_ref().is_some_and(|b| {
            let size = b.line.size.max(glyph.size);
            (b.line.dir.0 - dx).abs() < 0.02
                && (b.line.dir.1 - dy).abs() < 0.02
                && (v - b.line.v).abs() < SAME_LINE * size
                && u > b.end_u - 1.5 * size
                && u < b.end_u + 12.0 * size
        });
        if !joins {
            if let Some(done) = current.take() {
                push_line(&mut lines, done);
            }
            current = Some(Builder {
                line: Line { text: String::new(), v, u: (u, u), size: glyph.size, dir: glyph.dir, y: glyph.y },
                end_u: u,
                items: Vec::new(),
            });
        }
        let b = current.as_mut().expect("a line is open");
        b.end_u = if glyph.space { b.end_u.max(u + glyph.width) } else { u + glyph.width };
        b.line.u.0 = b.line.u.0.min(u);
        b.line.u.1 = b.line.u.1.max(u + glyph.width);
        if !glyph.space {
            b.line.size = b.line.size.max(glyph.size);
        }
        b.items.push(Item { u, end: u + glyph.width, size: glyph.size, text, space: glyph.space, blank: glyph.blank });
    }
    if let Some(done) = current.take() {
        push_line(&mut lines, done);
    }
    lines
}

/// Writes a line's text: a word break where an explicit space was shown or where the gap
/// between two glyphs exceeds the line's own letter spacing by [`WORD_GAP`] em (so
/// letter-spaced text is not cut into letters); spacing diacritics drawn over a neighbouring
/// letter (TeX's accents) become combining marks.
fn push_line(lines: &mut Vec<Line>, b: Builder<'_>) {
    let line = b.line;
    let items = b.items;
    let mut gaps: Vec<f32> = items
        .windows(2)
        .filter(|w| !w[0].space && !w[1].space && !w[0].text.is_empty() && !w[1].text.is_empty())
        .map(|w| (w[1].u - w[0].end) / w[1].size.max(0.01))
        .collect();
    let letter_spacing = if gaps.len() >= 4 {
        let q = gaps.len() / 4;
        *gaps.select_nth_unstable_by(q, f32::total_cmp).1
    } else {
        0.0
    }
    .clamp(0.0, 0.5);
    let mut text = String::new();
    let mut pending_space = false;
    let mut prev_end: Option<f32> = None;
    // The line's pieces cut at wide gaps: text and extent along the writing direction.
    let mut pieces: Vec<(String, f32, f32)> = Vec::new();
    let mut piece_start = items.first().map_or(line.u.0, |i| i.u);
    let mut i = 0;
    while i < items.len() {
        let item = &items[i];
        i += 1;
        if item.space {
            pending_space = true;
            continue;
        }
        if let Some(end) = prev_end
            && item.u - end > MAX_LINE_GAP * item.size.max(0.01)
            && !text.trim().is_empty()
        {
            pieces.push((std::mem::take(&mut text), piece_start, end));
            piece_start = item.u;
            pending_space = false;
            prev_end = None;
        }
        // A glyph mapped to no text on purpose is invisible to word building: the next gap is
        // measured from the last glyph that had text, as poppler does (a producer that puts a
        // shaped cluster's text on its last glyph, and none on the space before it, would
        // otherwise run two words together). A glyph that could not be decoded is an unknown
        // letter: it keeps its word together, as poppler's guessed characters do.
        if item.text.is_empty() {
            if !item.blank {
                prev_end = Some(item.end);
            }
            continue;
        }
        if let Some(mark) = combining_mark(item.text) {
            let over_next = items.get(i).is_some_and(|n| !n.space && overlaps(item, n));
            let over_prev = i >= 2 && !items[i - 2].space && overlaps(item, &items[i - 2]) && !text.is_empty();
            if over_next {
                let next = &items[i];
                i += 1;
                push_word_break(&mut text, pending_space, prev_end, next, letter_spacing);
                text.push_str(next.text);
                text.push(mark);
                pending_space = false;
                prev_end = Some(next.end.max(item.end));
                continue;
            }
            if over_prev {
                text.push(mark);
                continue;
            }
        }
        push_word_break(&mut text, pending_space, prev_end, item, letter_spacing);
        text.push_str(item.text);
        pending_space = false;
        prev_end = Some(item.end);
    }
    pieces.push((text, piece_start, prev_end.unwrap_or(line.u.1)));
    for (text, start, end) in pieces {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            continue;
        }
        lines.push(Line { text: trimmed.to_owned(), u: (start, end.max(start)), ..line.clone() });
    }
}

fn push_word_break(
    text: &mut String,
    pending_space: bool,
    prev_end: Option<f32>,
    item: &Item<'_>,
    letter_spacing: f32,
) {
    let Some(prev_end) = prev_end else { return };
    let gap = (item.u - prev_end) / item.size.max(0.01);
    let breaks = pending_space || gap > letter_spacing + WORD_GAP || gap < -0.6;
    if breaks && !text.is_empty() && !text.ends_with(' ') {
        text.push(' ');
    }
}

fn overlaps(accent: &Item<'_>, letter: &Item<'_>) -> bool {
    let mid = (accent.u + accent.end) / 2.0;
    letter.u - 0.05 * letter.size <= mid && mid <= letter.end + 0.05 * letter.size
}

/// The combining form of a spacing diacritic.
fn combining_mark(text: &str) -> Option<char> {
    let mut chars = text.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    Some(match c {
        '`' | '\u{2CB}' => '\u{300}',
        '´' | '\u{2CA}' => '\u{301}',
        'ˆ' | '^' => '\u{302}',
        '˜' | '~' => '\u{303}',
        '¯' | '\u{2C9}' => '\u{304}',
        '˘' => '\u{306}',
        '˙' => '\u{307}',
        '¨' => '\u{308}',
        '˚' => '\u{30A}',
        '˝' => '\u{30B}',
        'ˇ' => '\u{30C}',
        '¸' => '\u{327}',
        '˛' => '\u{328}',
        _ => return None,
    })
}

/// Consecutive lines that are close below one another and overlap horizontally form a block.
pub(super) fn blocks(lines: Vec<Line>) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    for line in lines {
        let joins = blocks.last().and_then(|b| b.lines.last()).is_some_and(|prev| {
            let size = prev.size.max(line.size);
            let drop = prev.v - line.v;
            let same_dir = (prev.dir.0 - line.dir.0).abs() < 0.02 && (prev.dir.1 - line.dir.1).abs() < 0.02;
            let overlaps = line.u.0 < prev.u.1 + size && line.u.1 > prev.u.0 - size;
            let similar_size = line.size < prev.size * 1.3 + 0.5 && prev.size < line.size * 1.3 + 0.5;
            same_dir && overlaps && similar_size && drop > 0.3 * size && drop < 1.9 * size
        });
        if joins {
            blocks.last_mut().expect("checked").lines.push(line);
        } else {
            blocks.push(Block { lines: vec![line] });
        }
    }
    blocks
}

/// Joins a block's lines: a word hyphenated at a line end is joined, soft hyphens go.
pub fn block_text(lines: &[&Line]) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let text = line.text.as_str();
        let next_starts_lower = lines.get(i + 1).and_then(|n| n.text.chars().next()).is_some_and(|c| c.is_lowercase());
        if let Some(stem) = text.strip_suffix('\u{AD}') {
            out.push_str(stem);
            continue;
        }
        let hyphenated = next_starts_lower
            && (text.ends_with('-') || text.ends_with('\u{2010}'))
            && text.trim_end_matches(['-', '\u{2010}']).chars().last().is_some_and(char::is_alphabetic);
        if hyphenated {
            out.push_str(text.trim_end_matches(['-', '\u{2010}']));
        } else {
            out.push_str(text);
            if i + 1 < lines.len() {
                out.push('\n');
            }
        }
    }
    out.replace('\u{AD}', "")
}
