//! The `hubsearch` binary: parses the command line and hands over to [`cli::run`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    hubsearch::malloc::limit_arenas();
    let cli = hubsearch::cli::Cli::parse();
    match hubsearch::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
