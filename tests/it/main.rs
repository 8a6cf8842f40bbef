//! End-to-end tests: the real router over the sample library, and the real binary.

mod browser;
mod cli;
mod hardening;
mod load;
mod search_api;
mod serve;
mod support;
mod webdriver;
mod widget;
