//! The search-box syntax: words, `"phrases"`, `-excluded` words or phrases, `title:` scoping,
//! and the last word as a prefix while the user is still typing. Parsing never fails: anything
//! that is not valid syntax is read as words.

/// Where a clause applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every searchable field.
    Anywhere,
    /// The title only (`title:`).
    Title,
}

/// One part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    /// A word; `prefix` when it is the last word and the user has not finished typing it.
    Word {
        /// The word as typed (analysis happens when the query is built).
        text: String,
        /// Where it applies.
        scope: Scope,
        /// Matches words that start with it too.
        prefix: bool,
    },
    /// Consecutive words in this order.
    Phrase {
        /// The words.
        words: Vec<String>,
        /// Where it applies.
        scope: Scope,
    },
}

/// A parsed query: clauses that should match and clauses that must not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    /// Clauses the documents are ranked by.
    pub include: Vec<Clause>,
    /// Clauses no hit may match (`-word`, `-"a phrase"`).
    pub exclude: Vec<Clause>,
}

impl UserQuery {
    /// Whether the query has nothing to rank by (empty, or exclusions only).
    pub fn is_empty(&self) -> bool {
        self.include.is_empty()
    }
}

/// Longest word kept; longer runs (base64, URLs) cannot match anything useful.
const MAX_WORD_CHARS: usize = 64;
/// Most clauses considered; the rest of a pasted paragraph adds cost, not precision.
const MAX_CLAUSES: usize = 32;
/// A prefix shorter than this would expand to too many words.
const MIN_PREFIX_CHARS: usize = 2;

/// Parses user text. With `as_you_type`, a last word not followed by a space is a prefix.
pub fn parse(text: &str, as_you_type: bool) -> UserQuery {
    let mut query = UserQuery::default();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() && query.include.len() + query.exclude.len() < MAX_CLAUSES {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let mut exclude = false;
        if chars[i] == '-' || chars[i] == '+' {
            exclude = chars[i] == '-';
            i += 1;
            if i >= chars.len() || chars[i].is_whitespace() {
                continue; // A lone operator means nothing.
            }
        }
        let mut scope = Scope::Anywhere;
        if starts_with_ci(&chars[i..], "title:") && chars.get(i + 6).is_some_and(|c| !c.is_whitespace()) {
            scope = Scope::Title;
            i += 6;
        }
        let clause = if chars[i] == '"' {
            match chars[i + 1..].iter().position(|&c| c == '"') {
                Some(len) => {
                    let inner: String = chars[i + 1..i + 1 + len].iter().collect();
                    i += len + 2;
                    phrase_or_word(&inner, scope)
                }
                None => {
                    // An unbalanced quote: the rest is plain words.
                    i += 1;
                    continue;
                }
            }
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '"' {
                i += 1;
            }
            let raw: String = chars[start..i].iter().collect();
            let at_end = i == chars.len();
            word_clause(&raw, scope, as_you_type && at_end && !exclude)
        };
        if let Some(clause) = clause {
            if exclude { query.exclude.push(clause) } else { query.include.push(clause) }
        }
    }
    query
}

fn starts_with_ci(chars: &[char], prefix: &str) -> bool {
    prefix.chars().enumerate().all(|(i, p)| chars.get(i).is_some_and(|c| c.to_ascii_lowercase() == p))
}

/// A bare token: letters and digits with punctuation inside ("coste-efectividad", "e-health",
/// "a:b") become a phrase of their parts, as the analyzer would split them anyway.
fn word_clause(raw: &str, scope: Scope, prefix: bool) -> Option<Clause> {
    let parts = words(raw);
    match parts.len() {
        0 => None,
        1 => {
            let text = parts.into_iter().next().expect("one part");
            let prefix = prefix && text.chars().count() >= MIN_PREFIX_CHARS;
            Some(Clause::Word { text, scope, prefix })
        }
        _ => Some(Clause::Phrase { words: parts, scope }),
    }
}

fn phrase_or_word(inner: &str, scope: Scope) -> Option<Clause> {
    let parts = words(inner);
    match parts.len() {
        0 => None,
        1 => Some(Clause::Word { text: parts.into_iter().next().expect("one part"), scope, prefix: false }),
        _ => Some(Clause::Phrase { words: parts, scope }),
    }
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().take(MAX_WORD_CHARS).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn word(text: &str) -> Clause {
        Clause::Word { text: text.to_owned(), scope: Scope::Anywhere, prefix: false }
    }

    fn phrase(words: &[&str]) -> Clause {
        Clause::Phrase { words: words.iter().map(|w| w.to_string()).collect(), scope: Scope::Anywhere }
    }

    #[test]
    fn words_phrases_exclusions_and_title_scope() {
        let q = parse(r#"telemonitoring "heart failure" -pilot -"press release" title:DiGA"#, false);
        assert_eq!(
            q.include,
            [
                word("telemonitoring"),
                phrase(&["heart", "failure"]),
                Clause::Word { text: "DiGA".into(), scope: Scope::Title, prefix: false }
            ]
        );
        assert_eq!(q.exclude, [word("pilot"), phrase(&["press", "release"])]);
    }

    #[test]
    fn the_last_word_is_a_prefix_while_typing() {
        let q = parse("remote monit", true);
        assert_eq!(q.include[1], Clause::Word { text: "monit".into(), scope: Scope::Anywhere, prefix: true });
        assert!(parse("remote monit ", true).include.iter().all(|c| !matches!(c, Clause::Word { prefix: true, .. })));
        assert_eq!(parse("remote m", true).include[1], word("m"), "one letter is too short to expand");
        assert_eq!(parse("remote monit", false).include[1], word("monit"));
    }

    #[test]
    fn broken_syntax_degrades_to_words() {
        assert_eq!(
            parse(r#""unbalanced quote words"#, false).include,
            [word("unbalanced"), word("quote"), word("words")]
        );
        assert!(parse("- + -- ((( )))", false).is_empty());
        assert_eq!(parse("coste-efectividad", false).include, [phrase(&["coste", "efectividad"])]);
        assert_eq!(parse("title:", false).include, [word("title")]);
        assert_eq!(parse("a:b:c", false).include, [phrase(&["a", "b", "c"])]);
        assert_eq!(parse("\"\" -\"\"", false), UserQuery::default());
    }

    #[test]
    fn pathological_input_is_bounded() {
        let long = "x".repeat(10_000);
        let q = parse(&long, false);
        assert_eq!(q.include, [word(&"x".repeat(MAX_WORD_CHARS))]);
        let many = "w ".repeat(1000);
        assert_eq!(parse(&many, false).include.len(), MAX_CLAUSES);
    }

    proptest! {
        #[test]
        fn never_panics_and_keeps_only_alphanumeric_words(text in "\\PC{0,200}", as_you_type in any::<bool>()) {
            let q = parse(&text, as_you_type);
            for clause in q.include.iter().chain(&q.exclude) {
                let words: Vec<&String> = match clause {
                    Clause::Word { text, .. } => vec![text],
                    Clause::Phrase { words, .. } => words.iter().collect(),
                };
                prop_assert!(!words.is_empty());
                for w in words {
                    prop_assert!(!w.is_empty() && w.chars().all(char::is_alphanumeric));
                }
            }
        }
    }
}
