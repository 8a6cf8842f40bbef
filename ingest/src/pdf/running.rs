//! Running headers, footers and page numbers: lines at the top or bottom of a page that repeat,
//! digits aside, on many pages. They are kept out of the indexed body.

use std::collections::HashMap;

use super::layout::{Block, Line};

/// Fraction of the page height, at the top and at the bottom, where running lines live.
const BAND: f32 = 0.12;

/// For each page, the (block, line) positions of its running lines.
pub fn running_lines(pages: &[(Vec<Block>, [f32; 4])]) -> Vec<Vec<(usize, usize)>> {
    let candidates: Vec<Vec<((usize, usize), String)>> =
        pages.iter().map(|(blocks, page_box)| candidates(blocks, *page_box)).collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for page in &candidates {
        let mut seen: Vec<&str> = page.iter().map(|(_, sig)| sig.as_str()).collect();
        seen.sort_unstable();
        seen.dedup();
        for sig in seen {
            *counts.entry(sig).or_default() += 1;
        }
    }
    let needed = 3.max((pages.len() as f32 * 0.3).ceil() as usize);
    candidates
        .iter()
        .map(|page| {
            page.iter()
                .filter(|(_, sig)| counts.get(sig.as_str()).copied().unwrap_or(0) >= needed)
                .map(|(pos, _)| *pos)
                .collect()
        })
        .collect()
}

// The two highest and two lowest horizontal lines inside the bands, with their signatures.
fn candidates(blocks: &[Block], page_box: [f32; 4]) -> Vec<((usize, usize), String)> {
    let height = page_box[3] - page_box[1];
    if height <= 0.0 {
        return Vec::new();
    }
    let mut lines: Vec<((usize, usize), &Line)> = blocks
        .iter()
        .enumerate()
        .flat_map(|(b, block)| block.lines.iter().enumerate().map(move |(l, line)| ((b, l), line)))
        .filter(|(_, line)| line.is_horizontal())
        .collect();
    lines.sort_by(|a, b| b.1.y.total_cmp(&a.1.y));
    let top = lines.iter().take(2).filter(|(_, l)| l.y > page_box[3] - BAND * height);
    let bottom = lines.iter().rev().take(2).filter(|(_, l)| l.y < page_box[1] + BAND * height);
    top.chain(bottom).map(|(pos, line)| (*pos, signature(&line.text))).filter(|(_, sig)| !sig.is_empty()).collect()
}

/// Lower case, digit runs and roman numerals as `#`, single spaces.
fn signature(text: &str) -> String {
    let mut words = Vec::new();
    for word in text.split_whitespace() {
        let lower = word.to_lowercase();
        let core = lower.trim_matches(|c: char| !c.is_alphanumeric());
        let roman = !core.is_empty() && core.len() <= 6 && core.chars().all(|c| "ivxlc".contains(c));
        if roman {
            words.push(lower.replace(core, "#"));
            continue;
        }
        let mut sig = String::new();
        for c in lower.chars() {
            if c.is_ascii_digit() {
                if !sig.ends_with('#') {
                    sig.push('#');
                }
            } else {
                sig.push(c);
            }
        }
        words.push(sig);
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, y: f32) -> Line {
        Line { text: text.to_owned(), v: y, u: (50.0, 500.0), size: 10.0, dir: (1.0, 0.0), y }
    }

    #[test]
    fn repeated_top_and_bottom_lines_are_running() {
        let pages: Vec<(Vec<Block>, [f32; 4])> = (1..=5)
            .map(|n| {
                let blocks = vec![
                    Block { lines: vec![line("Telemonitoring report 2021", 780.0)] },
                    Block { lines: vec![line(&format!("Body text of page {n}"), 400.0)] },
                    Block { lines: vec![line(&format!("– {n} –"), 20.0)] },
                ];
                (blocks, [0.0, 0.0, 600.0, 800.0])
            })
            .collect();
        let running = running_lines(&pages);
        assert!(running.iter().all(|p| p.len() == 2 && p.contains(&(0, 0)) && p.contains(&(2, 0))), "{running:?}");
    }

    #[test]
    fn signatures_fold_numbers() {
        assert_eq!(signature("Page 12 of 40"), "page # of #");
        assert_eq!(signature("xiv"), "#");
        assert_eq!(signature("Chapter 3. Methods"), "chapter #. methods");
    }
}
