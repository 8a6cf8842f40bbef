//! robots.txt (RFC 9309): the group for our user agent (else `*`), and whether a path may be
//! fetched: the longest matching `Allow`/`Disallow` rule wins, `Allow` on ties, with `*` and `$`
//! wildcards. `Crawl-delay` is read too, and raises the politeness delay for that host.

/// The rules of one robots.txt that apply to one user agent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Robots {
    rules: Vec<Rule>,
    /// `Crawl-delay` of the group, in seconds.
    pub crawl_delay: Option<f64>,
    /// Why the site's robots.txt could not be read (server error, network), if so: then
    /// nothing may be fetched from the site.
    pub unreachable: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct Rule {
    allow: bool,
    pattern: String,
}

impl Robots {
    /// Rules that allow everything (no robots.txt, or a 4xx answer for it).
    pub fn allow_all() -> Robots {
        Robots::default()
    }

    /// Rules that allow nothing because robots.txt could not be fetched (a server error or a
    /// network failure), with the reason.
    pub fn unreachable(reason: String) -> Robots {
        Robots {
            rules: vec![Rule { allow: false, pattern: "/".to_owned() }],
            crawl_delay: None,
            unreachable: Some(reason),
        }
    }

    /// Parses a robots.txt for the product token of `user_agent` (`hubsearch/0.1 (+url)` →
    /// `hubsearch`), matched case-insensitively; the `*` group applies when no group names us.
    pub fn parse(text: &str, user_agent: &str) -> Robots {
        let token = user_agent.split(['/', ' ']).next().unwrap_or("").to_ascii_lowercase();
        let mut ours = Robots::default();
        let mut star = Robots::default();
        let (mut found_ours, mut found_star) = (false, false);
        // The agents of the group being read, and whether its rules have begun (a User-agent
        // line after rules starts a new group).
        let mut agents: Vec<String> = Vec::new();
        let mut in_rules = false;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else { continue };
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            match key.as_str() {
                "user-agent" => {
                    if in_rules {
                        agents.clear();
                        in_rules = false;
                    }
                    agents.push(value.to_ascii_lowercase());
                }
                "allow" | "disallow" | "crawl-delay" => {
                    in_rules = true;
                    let for_us = !token.is_empty() && agents.contains(&token);
                    let for_star = agents.iter().any(|a| a == "*");
                    for (applies, group, found) in
                        [(for_us, &mut ours, &mut found_ours), (for_star, &mut star, &mut found_star)]
                    {
                        if !applies {
                            continue;
                        }
                        *found = true;
                        if key == "crawl-delay" {
                            group.crawl_delay = value.parse::<f64>().ok().filter(|d| d.is_finite() && *d >= 0.0);
                        } else if !value.is_empty() {
                            // An empty Disallow allows everything: no rule.
                            group.rules.push(Rule { allow: key == "allow", pattern: value.to_owned() });
                        }
                    }
                }
                _ => {}
            }
        }
        if found_ours { ours } else { star }
    }

    /// Whether `path` (with its query string) may be fetched. `/robots.txt` always may.
    pub fn allows(&self, path: &str) -> bool {
        if path == "/robots.txt" {
            return true;
        }
        let mut best: Option<(usize, bool)> = None;
        for rule in &self.rules {
            if matches(&rule.pattern, path) {
                let length = rule.pattern.len();
                let better = match best {
                    None => true,
                    Some((best_len, best_allow)) => {
                        length > best_len || (length == best_len && rule.allow && !best_allow)
                    }
                };
                if better {
                    best = Some((length, rule.allow));
                }
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// Whether a robots.txt pattern matches the start of `path` (`*` any run, `$` end of path).
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let pattern = pattern.as_bytes();
    let path = path.as_bytes();
    // Positions in `path` reachable after matching a prefix of the pattern; a set of booleans
    // keeps this linear in path length per pattern byte, whatever the wildcards.
    let mut reachable = vec![false; path.len() + 1];
    reachable[0] = true;
    for &p in pattern {
        let mut next = vec![false; path.len() + 1];
        if p == b'*' {
            let mut any = false;
            for i in 0..=path.len() {
                any |= reachable[i];
                next[i] = any;
            }
        } else {
            for i in 0..path.len() {
                if reachable[i] && path[i] == p {
                    next[i + 1] = true;
                }
            }
        }
        reachable = next;
        if !reachable.contains(&true) {
            return false;
        }
    }
    if anchored { reachable[path.len()] } else { reachable.contains(&true) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ROBOTS: &str = "# comment\nUser-agent: *\nDisallow: /private/\nAllow: /private/public-report\nDisallow: /*.pdf$\nCrawl-delay: 2\n\nUser-agent: BadBot\nDisallow: /\n";

    #[test]
    fn longest_rule_wins_with_wildcards() {
        let robots = Robots::parse(ROBOTS, "hubsearch/0.1");
        assert!(robots.allows("/page"));
        assert!(!robots.allows("/private/x"));
        assert!(robots.allows("/private/public-report.html"));
        assert!(!robots.allows("/docs/a.pdf"));
        assert!(robots.allows("/docs/a.pdf?download=1"));
        assert!(robots.allows("/robots.txt"));
        assert_eq!(robots.crawl_delay, Some(2.0));
    }

    #[test]
    fn our_own_group_beats_the_star_group() {
        let text = "User-agent: *\nDisallow: /\n\nUser-agent: other\nUser-agent: HubSearch\nDisallow: /tmp\n";
        let robots = Robots::parse(text, "hubsearch/0.1 (+https://example.org)");
        assert!(robots.allows("/page"));
        assert!(!robots.allows("/tmp/x"));
        let bad = Robots::parse(ROBOTS, "BadBot/2");
        assert!(!bad.allows("/page"));
        assert!(Robots::parse("Disallow:\n", "x").allows("/a"));
        assert!(!Robots::unreachable("down".into()).allows("/a"));
    }

    #[test]
    fn patterns() {
        assert!(matches("/a*b$", "/axxb"));
        assert!(!matches("/a*b$", "/axxbc"));
        assert!(matches("/a*b", "/axxbc"));
        assert!(matches("*", ""));
        assert!(!matches("/b", "/a"));
    }

    proptest! {
        #[test]
        fn parsing_and_matching_never_panic(text in "\\PC{0,300}", path in "/[a-z*$/.?=]{0,30}") {
            let robots = Robots::parse(&text, "hubsearch");
            let _ = robots.allows(&path);
        }

        #[test]
        fn a_literal_pattern_matches_exactly_its_extensions(prefix in "/[a-z/]{0,10}", rest in "[a-z/]{0,10}") {
            let path = format!("{prefix}{rest}");
            prop_assert!(matches(&prefix, &path));
            let anchored = format!("{path}$");
            prop_assert!(matches(&anchored, &path));
        }
    }
}
