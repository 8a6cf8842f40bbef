//! The HTTP client of web sources (ureq): timeouts, a body size cap, a redirect limit, a
//! politeness delay per host, robots.txt per origin, and conditional requests.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ureq::ResponseExt;
use url::Url;

use crate::config::WebConfig;
use crate::web::robots::Robots;

/// The answer to a (conditional) GET.
#[derive(Debug)]
pub enum Fetched {
    /// 200 with a body.
    Body {
        /// The URL after redirects.
        final_url: String,
        /// The body.
        body: Vec<u8>,
        /// `Content-Type`.
        content_type: Option<String>,
        /// `Content-Language`.
        content_language: Option<String>,
        /// `ETag`.
        etag: Option<String>,
        /// `Last-Modified`.
        last_modified: Option<String>,
    },
    /// 304: the stored copy is current.
    NotModified,
}

/// Why a URL was not fetched.
#[derive(Debug)]
pub enum FetchError {
    /// robots.txt forbids it.
    Robots,
    /// Not an http(s) URL.
    BadUrl(String),
    /// The server answered with an error status.
    Status(u16),
    /// Transport problem, timeout, too many redirects, or a body over the cap.
    Transport(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Robots => f.write_str("disallowed by robots.txt"),
            FetchError::BadUrl(url) => write!(f, "not an http(s) URL: {url}"),
            FetchError::Status(status) => write!(f, "HTTP status {status}"),
            FetchError::Transport(reason) => f.write_str(reason),
        }
    }
}

impl std::error::Error for FetchError {}

/// A polite HTTP client.
pub struct WebClient {
    agent: ureq::Agent,
    user_agent: String,
    delay: Duration,
    max_bytes: u64,
    robots: HashMap<String, Robots>,
    last_request: HashMap<String, Instant>,
    /// Longer delays asked for by robots.txt `Crawl-delay`, by host.
    crawl_delays: HashMap<String, Duration>,
}

impl WebClient {
    /// A client with the limits of `config`.
    pub fn new(config: &WebConfig) -> WebClient {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(config.timeout_secs)))
            .max_redirects(config.max_redirects)
            .max_redirects_will_error(true)
            .http_status_as_error(false)
            .user_agent(config.user_agent.as_str())
            .build()
            .into();
        WebClient {
            agent,
            user_agent: config.user_agent.clone(),
            delay: Duration::from_millis(config.delay_ms),
            max_bytes: config.max_bytes,
            robots: HashMap::new(),
            last_request: HashMap::new(),
            crawl_delays: HashMap::new(),
        }
    }

    /// GETs `url` if robots.txt allows it, with `If-None-Match` / `If-Modified-Since` when
    /// validators of a stored copy are given.
    pub fn fetch(&mut self, url: &str, etag: Option<&str>, last_modified: Option<&str>) -> Result<Fetched, FetchError> {
        let parsed = Url::parse(url).map_err(|_| FetchError::BadUrl(url.to_owned()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(FetchError::BadUrl(url.to_owned()));
        }
        let path = match parsed.query() {
            Some(query) => format!("{}?{query}", parsed.path()),
            None => parsed.path().to_owned(),
        };
        if !self.robots_for(&parsed)?.allows(&path) {
            return Err(FetchError::Robots);
        }
        let mut request = self.agent.get(url);
        if let Some(etag) = etag {
            request = request.header("If-None-Match", etag);
        }
        if let Some(last_modified) = last_modified {
            request = request.header("If-Modified-Since", last_modified);
        }
        self.wait_turn(&parsed);
        let mut response = request.call().map_err(|err| FetchError::Transport(err.to_string()))?;
        let status = response.status().as_u16();
        if status == 304 {
            return Ok(Fetched::NotModified);
        }
        if status != 200 {
            return Err(FetchError::Status(status));
        }
        let header = |name: &str| {
            response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned).filter(|v| !v.is_empty())
        };
        let (content_type, content_language) = (header("content-type"), header("content-language"));
        let (etag, last_modified) = (header("etag"), header("last-modified"));
        let final_url = response.get_uri().to_string();
        let body = response
            .body_mut()
            .with_config()
            .limit(self.max_bytes)
            .read_to_vec()
            .map_err(|err| FetchError::Transport(err.to_string()))?;
        Ok(Fetched::Body { final_url, body, content_type, content_language, etag, last_modified })
    }

    /// The robots.txt rules of `url`'s origin, fetched once per run: a 4xx (no file) allows
    /// everything; a 5xx or a network failure makes the whole site unreachable for this run
    /// (RFC 9309, 2.3.1), which is an error, not a disallow, so snapshots are kept.
    fn robots_for(&mut self, url: &Url) -> Result<&Robots, FetchError> {
        let origin = url.origin().ascii_serialization();
        if !self.robots.contains_key(&origin) {
            let robots_url = format!("{origin}/robots.txt");
            self.wait_turn(url);
            let robots = match self.agent.get(&robots_url).call() {
                Ok(mut response) => match response.status().as_u16() {
                    200 => match response.body_mut().with_config().limit(512 * 1024).read_to_string() {
                        Ok(text) => Robots::parse(&text, &self.user_agent),
                        Err(_) => Robots::allow_all(),
                    },
                    400..=499 => Robots::allow_all(),
                    status => Robots::unreachable(format!("robots.txt answered HTTP status {status}")),
                },
                Err(err) => Robots::unreachable(format!("robots.txt unreachable: {err}")),
            };
            if let Some(seconds) = robots.crawl_delay {
                // A crawl delay can only slow us down, and is capped so a typo cannot stall a run.
                let delay = Duration::from_secs_f64(seconds.min(60.0));
                self.crawl_delays.insert(url.host_str().unwrap_or("").to_owned(), delay);
            }
            self.robots.insert(origin.clone(), robots);
        }
        let robots = &self.robots[&origin];
        match &robots.unreachable {
            Some(reason) => Err(FetchError::Transport(reason.clone())),
            None => Ok(robots),
        }
    }

    /// Sleeps until the politeness delay since the last request to this host has passed.
    fn wait_turn(&mut self, url: &Url) {
        let host = url.host_str().unwrap_or("").to_owned();
        let delay = self.crawl_delays.get(&host).map_or(self.delay, |d| self.delay.max(*d));
        if let Some(last) = self.last_request.get(&host) {
            let since = last.elapsed();
            if since < delay {
                std::thread::sleep(delay - since);
            }
        }
        self.last_request.insert(host, Instant::now());
    }
}
