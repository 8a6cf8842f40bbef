//! `hubsearch detect-lang`: one language code per line of standard input, in order.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Context;

use crate::config::Config;

pub fn run(config: &Config) -> anyhow::Result<ExitCode> {
    let detector = config.languages.detector();
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut line = Vec::new();
    let mut number = 0usize;
    loop {
        line.clear();
        number += 1;
        if input.read_until(b'\n', &mut line).context("reading standard input")? == 0 {
            break;
        }
        // A line that is not UTF-8 still gets an answer (its valid parts are read), so that the
        // output stays aligned with the input.
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        writeln!(out, "{}", detector.detect_sample(text))
            .with_context(|| format!("writing the answer to line {number}"))?;
    }
    out.flush().context("writing standard output")?;
    Ok(ExitCode::SUCCESS)
}
