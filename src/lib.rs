//! The hubsearch service: configuration, the command line, library-to-index synchronisation and
//! the HTTP API. It wires the `ingest` crate (files to documents) to the `index` crate
//! (documents to search results) and is the only place that knows both.

pub mod bench;
pub mod cli;
pub mod config;
pub mod eval;
pub mod http;
pub mod isolation;
pub mod jobs;
pub mod labels;
pub mod malloc;
pub mod metrics;
pub mod partners;
pub mod rate_limit;
pub mod search_params;
pub mod search_queue;
pub mod secret;
pub mod state;
pub mod sync;
pub mod watch;
pub mod web;
