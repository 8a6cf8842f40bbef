//! End-to-end tests: the real router over the sample library, and the real binary.

mod cli;
mod html;
mod search_api;
mod serve;
mod support;
mod web;
