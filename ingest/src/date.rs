//! Publication dates as documents give them: a year, perhaps a month, perhaps a day.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A publication date of year, month or day precision; serialised as its ISO form
/// (`2021`, `2021-03`, `2021-03-15`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct PublishedDate {
    /// Four-digit year.
    pub year: u16,
    /// Month 1–12, if known.
    pub month: Option<u8>,
    /// Day 1–31, if known (only with a month).
    pub day: Option<u8>,
}

impl PublishedDate {
    /// Parses the date forms found in sidecars, HTML meta tags and JSON-LD: `YYYY`, `YYYY-MM`,
    /// `YYYY-MM-DD`, optionally followed by a time (`2021-03-15T10:00:00Z`). Years outside
    /// 1900–2100 are rejected as noise.
    pub fn parse_iso(text: &str) -> Option<Self> {
        let text = text.trim();
        let date_part = text.split(['T', ' ']).next()?;
        let mut parts = date_part.split('-');
        let year = parse_num(parts.next()?, 4)?;
        let month = match parts.next() {
            Some(m) => Some(parse_num(m, 2)?),
            None => None,
        };
        let day = match parts.next() {
            Some(d) => Some(parse_num(d, 2)?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        Self::new(year, month, day)
    }

    /// Parses a PDF date string (`D:YYYYMMDDHHmmSSOHH'mm`), of which only the date is kept.
    pub fn parse_pdf(text: &str) -> Option<Self> {
        let digits = text.trim().trim_start_matches("D:");
        let year = parse_num(digits.get(0..4)?, 4)?;
        let month = digits.get(4..6).and_then(|m| parse_num(m, 2));
        let day = month.and(digits.get(6..8)).and_then(|d| parse_num(d, 2));
        Self::new(year, month, day)
    }

    fn new(year: u32, month: Option<u32>, day: Option<u32>) -> Option<Self> {
        if !(1900..=2100).contains(&year) {
            return None;
        }
        if month.is_some_and(|m| !(1..=12).contains(&m)) || day.is_some_and(|d| !(1..=31).contains(&d)) {
            return None;
        }
        if day.is_some() && month.is_none() {
            return None;
        }
        Some(PublishedDate { year: year as u16, month: month.map(|m| m as u8), day: day.map(|d| d as u8) })
    }

    /// Seconds since the Unix epoch at midnight UTC of the date (first of the month or year where
    /// those are unknown), used for sorting by date.
    pub fn unix_seconds(&self) -> i64 {
        days_from_civil(i64::from(self.year), u32::from(self.month.unwrap_or(1)), u32::from(self.day.unwrap_or(1)))
            * 86_400
    }
}

impl fmt::Display for PublishedDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(month) = self.month {
            write!(f, "-{month:02}")?;
            if let Some(day) = self.day {
                write!(f, "-{day:02}")?;
            }
        }
        Ok(())
    }
}

impl From<PublishedDate> for String {
    fn from(date: PublishedDate) -> String {
        date.to_string()
    }
}

impl TryFrom<String> for PublishedDate {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        PublishedDate::parse_iso(&text).ok_or_else(|| format!("not a date of the form YYYY[-MM[-DD]]: {text:?}"))
    }
}

fn parse_num(text: &str, len: usize) -> Option<u32> {
    if text.len() != len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

// Howard Hinnant's days-from-civil algorithm: exact for the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_iso_forms_and_rejects_noise() {
        assert_eq!(PublishedDate::parse_iso("2021").unwrap().to_string(), "2021");
        assert_eq!(PublishedDate::parse_iso("2021-03").unwrap().to_string(), "2021-03");
        assert_eq!(PublishedDate::parse_iso("2021-03-15T10:00:00+01:00").unwrap().to_string(), "2021-03-15");
        assert_eq!(PublishedDate::parse_iso("21-03-15"), None);
        assert_eq!(PublishedDate::parse_iso("2021-13-01"), None);
        assert_eq!(PublishedDate::parse_iso("3021"), None);
        assert_eq!(PublishedDate::parse_iso("yesterday"), None);
    }

    #[test]
    fn parses_pdf_dates() {
        assert_eq!(PublishedDate::parse_pdf("D:20190704120000+02'00'").unwrap().to_string(), "2019-07-04");
        assert_eq!(PublishedDate::parse_pdf("D:2019").unwrap().to_string(), "2019");
        assert_eq!(PublishedDate::parse_pdf("garbage"), None);
    }

    #[test]
    fn unix_seconds_match_known_dates() {
        assert_eq!(PublishedDate::parse_iso("1970-01-01").unwrap().unix_seconds(), 0);
        assert_eq!(PublishedDate::parse_iso("2021-03-15").unwrap().unix_seconds(), 1_615_766_400);
        assert!(PublishedDate::parse_iso("2021").unwrap() < PublishedDate::parse_iso("2021-02").unwrap());
    }
}
