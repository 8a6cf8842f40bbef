//! The text of the main content as blocks in reading order: headings, paragraphs, list items
//! and table rows (cells separated by ` | `), each with its share of link text, and their
//! joining into the document's text (blank lines between paragraphs, line breaks between items).

use scraper::{ElementRef, Node};

use crate::html::dom::{Rules, count_text, is_block, is_boilerplate, is_heading};

/// What a block is, which decides how it is separated from its neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// A heading (`h1`–`h6`).
    Heading,
    /// A paragraph or other block of prose.
    Paragraph,
    /// A list item, definition, or table row: one line.
    Line,
}

/// One block of text.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// The text, white space collapsed; `<br>` gives line breaks.
    pub text: String,
    /// What it is.
    pub kind: BlockKind,
    /// Characters of text (white space runs as one).
    pub chars: usize,
    /// Of which inside links.
    pub link_chars: usize,
}

impl Block {
    /// Share of the block's text that is link text.
    pub fn link_density(&self) -> f64 {
        if self.chars == 0 { 0.0 } else { self.link_chars as f64 / self.chars as f64 }
    }
}

/// Collects the blocks of `roots`, in order.
pub fn collect(roots: &[ElementRef<'_>], rules: Rules) -> Vec<Block> {
    let mut collector = Collector { rules, ..Collector::default() };
    for root in roots {
        collector.flush();
        collector.kind = Some(kind_of(root.value().name()));
        collector.element(*root, false, false);
        collector.flush();
    }
    collector.blocks
}

/// Joins blocks into text: a blank line before and after headings and paragraphs, a line break
/// between consecutive lines (list items, table rows).
pub fn join(blocks: &[Block]) -> String {
    let mut text = String::new();
    let mut previous: Option<BlockKind> = None;
    for block in blocks {
        if let Some(previous) = previous {
            let same_list = previous == BlockKind::Line && block.kind == BlockKind::Line;
            text.push_str(if same_list { "\n" } else { "\n\n" });
        }
        text.push_str(&block.text);
        previous = Some(block.kind);
    }
    text
}

fn kind_of(name: &str) -> BlockKind {
    match name {
        _ if is_heading(name) => BlockKind::Heading,
        "li" | "tr" | "dt" | "dd" | "caption" => BlockKind::Line,
        _ => BlockKind::Paragraph,
    }
}

struct Collector {
    rules: Rules,
    blocks: Vec<Block>,
    text: String,
    chars: usize,
    link_chars: usize,
    pending_space: bool,
    kind: Option<BlockKind>,
    /// Inside a table row: cells are separated by " | ".
    cells_in_row: usize,
}

impl Default for Collector {
    fn default() -> Self {
        Collector {
            rules: Rules::STRICT,
            blocks: Vec::new(),
            text: String::new(),
            chars: 0,
            link_chars: 0,
            pending_space: false,
            kind: None,
            cells_in_row: 0,
        }
    }
}

impl Collector {
    fn element(&mut self, element: ElementRef<'_>, in_link: bool, in_pre: bool) {
        for child in element.children() {
            match child.value() {
                Node::Text(text) => self.push_text(text, in_link, in_pre),
                Node::Element(el) => {
                    if is_boilerplate(el, self.rules) {
                        continue;
                    }
                    let Some(child) = ElementRef::wrap(child) else { continue };
                    let name = el.name();
                    match name {
                        "br" => self.line_break(),
                        "td" | "th" => {
                            let before = self.text.len();
                            if self.cells_in_row > 0 {
                                self.push_separator(" | ");
                            }
                            let separated = self.text.len();
                            self.cell(child, in_link, in_pre);
                            if self.text.len() == separated {
                                // An empty cell leaves no separator behind.
                                self.text.truncate(before);
                            } else {
                                self.cells_in_row += 1;
                            }
                        }
                        "img" => {}
                        _ if is_block(name) => {
                            self.flush();
                            let outer = self.kind;
                            self.kind = Some(kind_of(name));
                            if name == "tr" {
                                self.cells_in_row = 0;
                            }
                            self.element(child, in_link || name == "a", in_pre || name == "pre");
                            self.flush();
                            self.kind = outer;
                        }
                        _ => self.element(child, in_link || name == "a", in_pre || name == "pre"),
                    }
                }
                _ => {}
            }
        }
    }

    /// A table cell: its inner blocks are flattened into the row, so that a row stays one line.
    fn cell(&mut self, cell: ElementRef<'_>, in_link: bool, in_pre: bool) {
        for child in cell.children() {
            match child.value() {
                Node::Text(text) => self.push_text(text, in_link, in_pre),
                Node::Element(el) if !is_boilerplate(el, self.rules) => {
                    if let Some(child) = ElementRef::wrap(child) {
                        if el.name() == "table" {
                            // A layout table inside a cell: its rows are blocks of their own.
                            self.flush();
                            let rows = self.cells_in_row;
                            self.element(child, in_link, in_pre);
                            self.flush();
                            self.cells_in_row = rows;
                        } else {
                            if is_block(el.name()) || el.name() == "br" {
                                self.pending_space = true;
                            }
                            self.cell(child, in_link || el.name() == "a", in_pre);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn push_text(&mut self, text: &str, in_link: bool, in_pre: bool) {
        let (chars, _) = count_text(text);
        self.chars += chars;
        if in_link {
            self.link_chars += chars;
        }
        if in_pre {
            for (i, line) in text.split('\n').enumerate() {
                if i > 0 {
                    self.line_break();
                }
                self.push_words(line);
            }
        } else {
            self.push_words(text);
        }
    }

    fn push_words(&mut self, text: &str) {
        if text.starts_with(char::is_whitespace) {
            self.pending_space = true;
        }
        for (i, word) in text.split_whitespace().enumerate() {
            if (i > 0 || self.pending_space) && !self.text.is_empty() && !self.text.ends_with('\n') {
                self.text.push(' ');
            }
            self.pending_space = false;
            self.text.push_str(word);
        }
        if text.ends_with(char::is_whitespace) && !text.trim().is_empty() {
            self.pending_space = true;
        }
    }

    fn push_separator(&mut self, separator: &str) {
        self.pending_space = false;
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push_str(separator);
        }
    }

    fn line_break(&mut self) {
        self.pending_space = false;
        let trimmed = self.text.trim_end_matches(' ').len();
        self.text.truncate(trimmed);
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
    }

    fn flush(&mut self) {
        let text = self.text.trim().trim_end_matches(" |").trim();
        if !text.is_empty() {
            self.blocks.push(Block {
                text: text.to_owned(),
                kind: self.kind.unwrap_or(BlockKind::Paragraph),
                chars: self.chars,
                link_chars: self.link_chars,
            });
        }
        self.text.clear();
        self.chars = 0;
        self.link_chars = 0;
        self.pending_space = false;
        self.cells_in_row = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    fn blocks(html: &str) -> Vec<Block> {
        let document = Html::parse_document(html);
        let body = document.select(&Selector::parse("body").unwrap()).next().unwrap();
        collect(&[body], Rules::STRICT)
    }

    #[test]
    fn headings_paragraphs_lists_and_tables_in_reading_order() {
        let found = blocks(
            "<body><h2>Results</h2><p>First <b>bold</b>,<br>second line.</p><ul><li>one</li><li><a href='/'>two</a></li></ul>\
             <table><tr><th>Country</th><th></th><th>Apps</th></tr><tr><td><p>Spain</p></td><td>12</td></tr></table><div>tail</div></body>",
        );
        let kinds: Vec<_> = found.iter().map(|b| (b.text.as_str(), b.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("Results", BlockKind::Heading),
                ("First bold,\nsecond line.", BlockKind::Paragraph),
                ("one", BlockKind::Line),
                ("two", BlockKind::Line),
                ("Country | Apps", BlockKind::Line),
                ("Spain | 12", BlockKind::Line),
                ("tail", BlockKind::Paragraph),
            ]
        );
        assert_eq!(found[3].link_density(), 1.0);
        assert_eq!(
            join(&found),
            "Results\n\nFirst bold,\nsecond line.\n\none\ntwo\nCountry | Apps\nSpain | 12\n\ntail"
        );
    }

    #[test]
    fn preformatted_text_keeps_its_lines() {
        let found = blocks("<body><pre>line one\n  line two</pre></body>");
        assert_eq!(found[0].text, "line one\nline two");
    }
}
