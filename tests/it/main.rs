//! End-to-end tests: the real router over the sample library, and the real binary.

mod admin;
mod browser;
mod cli;
mod cross_lang;
mod facets_api;
mod hardening;
mod html;
mod load;
mod pdf_isolation;
mod ranking;
mod reingest;
mod search_api;
mod serve;
mod support;
mod web;
mod webdriver;
mod widget;
