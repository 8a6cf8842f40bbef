//! Reading order of a page's blocks when the page is set in columns: gutters are found from
//! the x-extents of the paragraphs, blocks that cross a gutter (titles, wide figures' captions,
//! page numbers) cut the page into bands, and each band is read column by column, left to
//! right. A page without a clear column layout keeps the content-stream order.

use super::layout::{Block, Line};

/// A gutter is at least this wide, in multiples of the median font size.
const MIN_GUTTER: f32 = 0.8;
/// Each column of a layout holds at least this many lines of multi-line paragraphs.
const MIN_COLUMN_LINES: usize = 4;

#[derive(Debug, Clone, Copy)]
struct Extent {
    left: f32,
    right: f32,
    top: f32,
    bottom: f32,
}

fn extent(block: &Block) -> Extent {
    let mut e = Extent { left: f32::MAX, right: f32::MIN, top: f32::MIN, bottom: f32::MAX };
    for line in &block.lines {
        e.left = e.left.min(line.u.0);
        e.right = e.right.max(line.u.1);
        e.top = e.top.max(line.v + 0.8 * line.size);
        e.bottom = e.bottom.min(line.v - 0.25 * line.size);
    }
    e
}

fn centre(e: &Extent) -> f32 {
    (e.top + e.bottom) / 2.0
}

/// Reorders `blocks` column by column when the page has columns; returns them unchanged
/// otherwise. Lines of one column that were split into blocks by other columns' lines drawn
/// in between (producers that write a page row by row) are joined again.
pub fn reading_order(blocks: Vec<Block>) -> Vec<Block> {
    let horizontal: Vec<usize> =
        (0..blocks.len()).filter(|&i| blocks[i].lines.iter().all(Line::is_horizontal)).collect();
    let extents: Vec<Extent> = blocks.iter().map(extent).collect();
    let Some(columns) = columns(&blocks, &extents, &horizontal) else { return blocks };

    // Which column holds each horizontal block (None: it crosses a gutter).
    let column_of = |e: &Extent| -> Option<usize> {
        columns.iter().position(|&(left, right)| e.left >= left - 1.0 && e.right <= right + 1.0)
    };
    let mut spanning: Vec<usize> = horizontal.iter().copied().filter(|&i| column_of(&extents[i]).is_none()).collect();
    spanning.sort_by(|&a, &b| centre(&extents[b]).total_cmp(&centre(&extents[a])));
    // bands[k][c]: blocks of column c below k spanning blocks.
    let mut bands: Vec<Vec<Vec<usize>>> = vec![vec![Vec::new(); columns.len()]; spanning.len() + 1];
    for &i in &horizontal {
        if let Some(c) = column_of(&extents[i]) {
            let band = spanning.iter().filter(|&&s| centre(&extents[s]) > centre(&extents[i])).count();
            bands[band][c].push(i);
        }
    }
    let mut order = Vec::with_capacity(blocks.len());
    for (k, band) in bands.iter_mut().enumerate() {
        for column in band.iter_mut() {
            column.sort_by(|&a, &b| extents[b].top.total_cmp(&extents[a].top));
            order.extend_from_slice(column);
        }
        if let Some(&s) = spanning.get(k) {
            order.push(s);
        }
    }
    order.extend((0..blocks.len()).filter(|i| !horizontal.contains(i)));

    let mut slots: Vec<Option<Block>> = blocks.into_iter().map(Some).collect();
    let lines = order.into_iter().filter_map(|i| slots[i].take()).flat_map(|b| b.lines);
    super::layout::blocks(lines.collect())
}

/// The columns of the page as `(left, right)` intervals, when it has at least two.
fn columns(blocks: &[Block], extents: &[Extent], horizontal: &[usize]) -> Option<Vec<(f32, f32)>> {
    let lines: Vec<&Line> = horizontal.iter().flat_map(|&i| &blocks[i].lines).collect();
    if lines.len() < 2 * MIN_COLUMN_LINES {
        return None;
    }
    let left = horizontal.iter().map(|&i| extents[i].left).fold(f32::MAX, f32::min);
    let right = horizontal.iter().map(|&i| extents[i].right).fold(f32::MIN, f32::max);
    let width = right - left;
    if !(width > 1.0 && width < 20_000.0) {
        return None;
    }
    let mut sizes: Vec<f32> = lines.iter().map(|l| l.size).collect();
    sizes.sort_by(f32::total_cmp);
    let size = sizes[sizes.len() / 2];
    // Lines wider than 60 % of the text area are full-width text, not a column's.
    let narrow: Vec<&Line> = lines.iter().copied().filter(|l| l.u.1 - l.u.0 < 0.6 * width).collect();
    if narrow.len() < 2 * MIN_COLUMN_LINES {
        return None;
    }
    // How many narrow lines cover each point of the text area (1-point bins). A gutter is a
    // run of bins that at most one line crosses (a page number, a stray label), so that a
    // single line does not hide it.
    let bins = width.ceil() as usize + 1;
    let mut cover = vec![0u32; bins];
    for l in &narrow {
        let from = ((l.u.0 - left).max(0.0) as usize).min(bins - 1);
        let to = ((l.u.1 - left).max(0.0).ceil() as usize).min(bins);
        for c in &mut cover[from..to] {
            *c += 1;
        }
    }
    let mut runs: Vec<(usize, usize)> = Vec::new(); // text runs [start, end) in bins
    let mut start = None;
    for (x, &c) in cover.iter().chain(std::iter::once(&0)).enumerate() {
        match (c > 1, start) {
            (true, None) => start = Some(x),
            (false, Some(s)) => {
                runs.push((s, x));
                start = None;
            }
            _ => {}
        }
    }
    // Runs closer than a gutter's width are one column (word gaps, ragged edges).
    let mut merged: Vec<(f32, f32)> = Vec::new();
    for (s, e) in runs {
        let (l, r) = (left + s as f32, left + e as f32);
        match merged.last_mut() {
            Some(last) if l - last.1 < MIN_GUTTER * size => last.1 = r,
            _ => merged.push((l, r)),
        }
    }
    if merged.len() < 2 {
        return None;
    }
    // Every column carries real text, and columns stand side by side (their lines share a
    // vertical range), not one above the other.
    let mut columns = Vec::with_capacity(merged.len());
    for (c, &(l, r)) in merged.iter().enumerate() {
        // A column reaches to the middle of the gutters beside it, so that a heading indented
        // a little differently from the paragraphs still belongs to it.
        let lo = if c == 0 { f32::MIN } else { (merged[c - 1].1 + l) / 2.0 };
        let hi = if c + 1 == merged.len() { f32::MAX } else { (r + merged[c + 1].0) / 2.0 };
        let members: Vec<&&Line> = narrow.iter().filter(|n| n.u.0 >= l - 1.0 && n.u.1 <= r + 1.0).collect();
        if members.len() < MIN_COLUMN_LINES {
            return None;
        }
        let top = members.iter().map(|n| n.v + n.size).fold(f32::MIN, f32::max);
        let bottom = members.iter().map(|n| n.v).fold(f32::MAX, f32::min);
        columns.push(((lo, hi), (top, bottom)));
    }
    for pair in columns.windows(2) {
        let ((_, (t0, b0)), (_, (t1, b1))) = (pair[0], pair[1]);
        let shared = t0.min(t1) - b0.max(b1);
        if shared < 0.5 * (t0 - b0).min(t1 - b1) {
            return None;
        }
    }
    Some(columns.into_iter().map(|(x, _)| x).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, x: f32, y: f32, width: f32) -> Line {
        Line { text: text.to_owned(), v: y, u: (x, x + width), size: 10.0, dir: (1.0, 0.0), y }
    }

    fn texts(blocks: &[Block]) -> Vec<String> {
        blocks.iter().map(|b| b.lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("|")).collect()
    }

    /// A page as a producer that writes row by row draws it: each row's left line, then its
    /// right line; a full-width title on top and a page number at the bottom.
    fn row_by_row_page() -> Vec<Block> {
        let mut lines = vec![line("Title", 50.0, 760.0, 500.0)];
        for row in 0..6 {
            let y = 700.0 - 12.0 * row as f32;
            lines.push(line(&format!("L{row}"), 50.0, y, 230.0));
            lines.push(line(&format!("R{row}"), 320.0, y, 230.0));
        }
        lines.push(line("7", 295.0, 40.0, 10.0));
        super::super::layout::blocks(lines)
    }

    #[test]
    fn row_by_row_columns_are_read_column_by_column() {
        let blocks = row_by_row_page();
        assert!(blocks.len() > 10, "row by row, every line is a block of its own");
        assert_eq!(texts(&reading_order(blocks)), ["Title", "L0|L1|L2|L3|L4|L5", "R0|R1|R2|R3|R4|R5", "7"]);
    }

    #[test]
    fn a_spanning_block_cuts_the_columns_into_bands() {
        let mut blocks = Vec::new();
        for (x, name) in [(50.0, "A"), (320.0, "B")] {
            blocks.push(Block {
                lines: (0..4).map(|k| line(&format!("{name}{k}"), x, 700.0 - 12.0 * k as f32, 230.0)).collect(),
            });
        }
        blocks.push(Block { lines: vec![line("Figure 1: wide caption", 50.0, 600.0, 500.0)] });
        for (x, name) in [(50.0, "C"), (320.0, "D")] {
            blocks.push(Block {
                lines: (0..4).map(|k| line(&format!("{name}{k}"), x, 550.0 - 12.0 * k as f32, 230.0)).collect(),
            });
        }
        // Content order: C before B, as a producer placing the figure first might write it.
        blocks.swap(1, 3);
        let ordered = texts(&reading_order(blocks));
        assert_eq!(ordered, ["A0|A1|A2|A3", "B0|B1|B2|B3", "Figure 1: wide caption", "C0|C1|C2|C3", "D0|D1|D2|D3"]);
    }

    #[test]
    fn single_column_pages_keep_content_order() {
        // Paragraphs of one column, a short one indented: no gutter.
        let blocks = vec![
            Block { lines: (0..3).map(|k| line("p", 50.0, 700.0 - 12.0 * k as f32, 500.0)).collect() },
            Block { lines: (0..3).map(|k| line("q", 80.0, 600.0 - 12.0 * k as f32, 200.0)).collect() },
            Block { lines: vec![line("z", 50.0, 760.0, 100.0)] },
        ];
        assert_eq!(reading_order(blocks.clone()), blocks);
    }

    #[test]
    fn stacked_narrow_blocks_are_not_columns() {
        // Two narrow paragraphs one above the other, at different x: not side by side.
        let blocks = vec![
            Block { lines: (0..4).map(|k| line("a", 50.0, 700.0 - 12.0 * k as f32, 150.0)).collect() },
            Block { lines: (0..4).map(|k| line("b", 400.0, 400.0 - 12.0 * k as f32, 150.0)).collect() },
        ];
        assert_eq!(reading_order(blocks.clone()), blocks);
    }
}
