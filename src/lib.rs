//! The hubsearch service: configuration, the command line, library-to-index synchronisation and
//! the HTTP API. It wires the `ingest` crate (files to documents) to the `index` crate
//! (documents to search results) and is the only place that knows both.

pub mod cli;
pub mod config;
pub mod http;
pub mod labels;
pub mod search_params;
pub mod state;
pub mod sync;
pub mod web;
