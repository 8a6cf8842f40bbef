//! End-to-end tests: the real router over the sample library, and the real binary.

mod admin;
mod cli;
mod reingest;
mod search_api;
mod serve;
mod support;
