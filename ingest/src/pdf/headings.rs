//! Section headings of a PDF: short blocks set in a larger font than the body text, and
//! numbered subsection titles ("3.2 Evidence of benefit") opening a block in the body size or
//! above (a PDF without a structure tree says nothing else about what its headings are).

use super::layout::{Block, Line};

/// A heading's font is at least this many times the body text's.
const MIN_RATIO: f32 = 1.15;
/// A heading has at most this many words (longer large text is a pull quote or a cover blurb).
const MAX_WORDS: usize = 14;
/// A heading has at most this many lines.
const MAX_LINES: usize = 3;

/// The headings of a document laid out in `pages` (blocks of each page, with the running lines
/// to skip), in reading order; text of the `title` (already weighed as the title) is left out.
pub fn headings(pages: &[&[Block]], running: &[Vec<(usize, usize)>], title: Option<&str>) -> Vec<String> {
    let Some(body) = body_size(pages) else { return Vec::new() };
    let title = title.map(|t| t.to_lowercase());
    let mut out: Vec<String> = Vec::new();
    for (page, blocks) in pages.iter().enumerate() {
        let skip = running.get(page).map(Vec::as_slice).unwrap_or_default();
        for (b, block) in blocks.iter().enumerate() {
            // A heading may open the block of its first paragraph (blocks are cut by line
            // spacing, not font size): runs of consecutive large lines are the candidates.
            let mut run: Vec<&Line> = Vec::new();
            for (l, line) in block.lines.iter().enumerate() {
                let large = !skip.contains(&(b, l)) && line.size >= body * MIN_RATIO;
                // Subsection titles are often set bold in the body size, which the layout does
                // not record; their numbering ("2.3") and shortness set them apart.
                if l == 0
                    && !large
                    && !skip.contains(&(b, l))
                    && line.size >= body * 0.98
                    && let Some(title) = numbered_subsection(line.text.trim())
                {
                    out.push(title.to_string());
                    continue;
                }
                if l == 0
                    && !large
                    && !skip.contains(&(b, l))
                    && line.size >= body * 0.98
                    && let Some(next) = block.lines.get(1)
                    && let Some(title) = short_opening_line(line, next)
                {
                    out.push(title.to_string());
                    continue;
                }
                if large {
                    run.push(line);
                }
                if !large || l + 1 == block.lines.len() {
                    if let Some(heading) = heading(&run, title.as_deref()) {
                        out.push(heading);
                    }
                    run.clear();
                }
            }
        }
    }
    out
}

/// The text of a run of large lines, if it reads as a heading: a few lines, a few words, some
/// letters, and not (part of) the title.
fn heading(run: &[&Line], title: Option<&str>) -> Option<String> {
    if run.is_empty() || run.len() > MAX_LINES {
        return None;
    }
    let text = run.iter().map(|l| l.text.trim()).collect::<Vec<_>>().join(" ");
    let words = text.split_whitespace().count();
    let in_title = title.is_some_and(|t| t.contains(text.to_lowercase().trim()));
    (words > 0 && words <= MAX_WORDS && text.chars().filter(|c| c.is_alphabetic()).count() >= 3 && !in_title)
        .then_some(text)
}

/// `text` if it reads as a numbered subsection title: a number with at least two parts ("2.3",
/// "4.1.2."), then one to ten words with letters and no closing punctuation (a wrapped
/// sentence that happens to start with "0.5" ends with a full stop or goes on).
fn numbered_subsection(text: &str) -> Option<&str> {
    let (number, rest) = text.split_once(char::is_whitespace)?;
    let parts: Vec<&str> = number.trim_end_matches('.').split('.').collect();
    let numbered = parts.len() >= 2
        && parts.iter().all(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|c| c.is_ascii_digit()));
    let words = rest.split_whitespace().count();
    let letters = rest.chars().filter(|c| c.is_alphabetic()).count();
    let first_upper = rest.trim_start().chars().next().is_some_and(char::is_uppercase);
    (numbered
        && (1..=10).contains(&words)
        && letters >= 3
        && first_upper
        && !rest.trim_end().ends_with(['.', ',', ';', ':']))
    .then_some(text)
}

/// Most words of an unnumbered section title set in the body size.
const SHORT_TITLE_WORDS: usize = 8;

/// An unnumbered section title set in the body size (bold, which the layout does not record):
/// the short first line of a block, starting with a capital and without closing punctuation,
/// at most 0.7 times as wide as the next line, which starts a new sentence ("Base juridique et
/// information des personnes" above "La plupart des applications grand public fondent…"). A
/// paragraph's first line runs the full width, and its second continues the sentence.
fn short_opening_line<'a>(line: &'a Line, next: &Line) -> Option<&'a str> {
    let text = line.text.trim();
    let words = text.split_whitespace().count();
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    let starts_upper = |t: &str| t.trim_start().chars().next().is_some_and(char::is_uppercase);
    let width = |l: &Line| l.u.1 - l.u.0;
    ((1..=SHORT_TITLE_WORDS).contains(&words)
        && letters >= 4
        && starts_upper(text)
        && starts_upper(&next.text)
        && !text.ends_with(['.', ',', ';', ':', '!', '?', '…'])
        && line.is_horizontal()
        && width(line) <= 0.7 * width(next))
    .then_some(text)
}

/// The font size carrying most of the document's characters (to half a point).
fn body_size(pages: &[&[Block]]) -> Option<f32> {
    let mut by_size: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for line in pages.iter().flat_map(|blocks| blocks.iter()).flat_map(|b| &b.lines) {
        *by_size.entry((line.size * 2.0).round() as u32).or_default() += line.text.chars().count();
    }
    by_size.into_iter().max_by_key(|&(size, chars)| (chars, std::cmp::Reverse(size))).map(|(size, _)| size as f32 / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(lines: &[(&str, f32)]) -> Block {
        Block {
            lines: lines
                .iter()
                .map(|&(text, size)| Line { text: text.into(), v: 0.0, u: (0.0, 1.0), size, dir: (1.0, 0.0), y: 0.0 })
                .collect(),
        }
    }

    #[test]
    fn larger_short_blocks_are_headings() {
        let body = "Body text set in the document's usual font size, long enough to dominate the count.";
        let page = vec![
            block(&[("National eHealth strategy", 20.0)]),
            block(&[("1. Success factors", 14.0)]),
            block(&[(body, 10.0), (body, 10.0), (body, 10.0)]),
            block(&[("Page header", 10.0)]),
            block(&[("A large pull quote that goes on for far too many words to be any kind of heading at all", 14.0)]),
            block(&[("2. Barriers", 13.0)]),
            block(&[(body, 10.0), (body, 10.0)]),
        ];
        let pages: Vec<&[Block]> = vec![&page];
        assert_eq!(
            headings(&pages, &[vec![]], Some("National eHealth strategy")),
            ["1. Success factors", "2. Barriers"]
        );
        // A running line (here the second heading, as if repeated on every page) is skipped.
        assert_eq!(headings(&pages, &[vec![(5, 0)]], None), ["National eHealth strategy", "1. Success factors"]);
    }

    #[test]
    fn a_heading_laid_out_in_its_paragraphs_block_is_found() {
        let body = "Body text set in the document's usual font size, long enough to dominate the count.";
        // Blocks are cut by line spacing, so a heading set close above its paragraph shares its block.
        let page = vec![block(&[("Чинники успіху", 13.0), (body, 10.0), (body, 10.0)]), block(&[(body, 10.0)])];
        let pages: Vec<&[Block]> = vec![&page];
        assert_eq!(headings(&pages, &[], None), ["Чинники успіху"]);
    }

    #[test]
    fn numbered_subsection_titles_in_the_body_size_are_headings() {
        let body = "Body text set in the document's usual font size, long enough to dominate the count.";
        let page = vec![
            block(&[("2.3 Защита персональных данных", 10.5), (body, 10.0)]),
            block(&[(body, 10.0), ("3.1 Grundanforderungen", 10.0)]),
            block(&[("0.5 percentage points lower than in the control group.", 10.0), (body, 10.0)]),
            block(&[("12 Monate", 10.0)]),
            block(&[("4.2 alerts per patient and month were generated by the", 10.0)]),
            block(&[("1.2 Footnote in a small font", 8.0)]),
            block(&[("3.2 Nachweis positiver Versorgungseffekte", 10.0), (body, 10.0)]),
        ];
        let pages: Vec<&[Block]> = vec![&page];
        // Only titles that open a block, in the body size or above, numbered N.N, short, with a
        // capital and no closing punctuation.
        assert_eq!(
            headings(&pages, &[], None),
            ["2.3 Защита персональных данных", "3.2 Nachweis positiver Versorgungseffekte"]
        );
    }

    #[test]
    fn a_document_in_one_size_has_no_headings() {
        let page = vec![block(&[("Short line", 10.0)]), block(&[("Another short line of body text", 10.0)])];
        let pages: Vec<&[Block]> = vec![&page];
        assert!(headings(&pages, &[], None).is_empty());
    }

    #[test]
    fn short_opening_lines_in_the_body_size_are_headings() {
        // Lines and extents as laid out in the library's Health Data Hub report (body 11 pt,
        // section titles 12 pt bold, which is below the large-heading ratio).
        let line = |text: &str, size: f32, end: f32| Line {
            text: text.into(),
            v: 0.0,
            u: (56.8, end),
            size,
            dir: (1.0, 0.0),
            y: 0.0,
        };
        let next = line(
            "La plupart des applications grand public fondent le traitement sur le consentement de l'utilisateur pour la fourniture",
            11.0,
            562.8,
        );
        let body = line(
            "du service. La réutilisation à des fins de recherche suppose une information claire et, selon les cas, une base",
            11.0,
            560.0,
        );
        let page = vec![
            Block {
                lines: vec![
                    line("Base juridique et information des personnes", 12.0, 310.6),
                    next.clone(),
                    body.clone(),
                ],
            },
            // A paragraph: its first line runs the full width.
            Block { lines: vec![next.clone(), body.clone()] },
            // A short line whose next line continues its sentence (lower case).
            Block { lines: vec![line("Les mesures dépendent des capteurs", 11.0, 250.0), body.clone()] },
            // A short line without closing punctuation above a new sentence reads as a title
            // (the rule cannot tell it from one); a lead-in ending with a colon does not, nor a
            // short line in a smaller font.
            Block { lines: vec![line("Trois conditions sont posées", 11.0, 250.0), next.clone()] },
            Block { lines: vec![line("Les recommandations suivantes :", 11.0, 250.0), next.clone()] },
            Block { lines: vec![line("Source : Health Data Hub", 8.0, 150.0), next.clone()] },
        ];
        let pages: Vec<&[Block]> = vec![&page];
        assert_eq!(
            headings(&pages, &[], None),
            ["Base juridique et information des personnes", "Trois conditions sont posées"]
        );
    }
}
