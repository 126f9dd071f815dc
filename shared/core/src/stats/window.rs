//! The report's window: the last N calendar days in one time zone, today included, and which
//! zone a provider's report is in.

use crate::zone::Zone;
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use std::collections::BTreeMap;

/// The longest window the API accepts.
pub const MAX_DAYS: u32 = 90;
/// The window when the caller names none.
pub const DEFAULT_DAYS: u32 = 7;

/// Check `days` from a query string: a whole number from 1 to [`MAX_DAYS`].
pub fn parse_days(raw: Option<&str>) -> Result<u32, String> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_DAYS);
    };
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=MAX_DAYS).contains(d))
        .ok_or_else(|| format!("must be a whole number from 1 to {MAX_DAYS}"))
}

/// The first instant of `date` in `tz` (the first existing local time when midnight itself is
/// skipped by a daylight-saving change).
pub fn start_of_day(tz: &Zone, date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    for minutes in (0..=24 * 60).step_by(15) {
        let local = midnight + chrono::Duration::minutes(minutes);
        if let Some(t) = tz.earliest(local) {
            return t;
        }
    }
    // No zone skips a whole day at midnight; fall back to the UTC reading.
    Utc.from_utc_datetime(&midnight)
}

/// The report's window: the last `days` calendar days in `tz`, today included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub tz: Zone,
    pub first_day: NaiveDate,
    pub days: u32,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Window {
    pub fn last_days(days: u32, now: DateTime<Utc>, tz: Zone) -> Window {
        let days = days.max(1);
        let today = tz.local(&now).date_naive();
        let first_day = today
            .checked_sub_days(Days::new(u64::from(days - 1)))
            .unwrap_or(today);
        Window {
            from: start_of_day(&tz, first_day),
            tz,
            first_day,
            days,
            to: now,
        }
    }

    /// The local dates of the window, oldest first.
    pub fn dates(&self) -> Vec<NaiveDate> {
        (0..self.days)
            .filter_map(|i| self.first_day.checked_add_days(Days::new(u64::from(i))))
            .collect()
    }

    /// The bucket (index into [`Window::dates`]) of an instant, or `None` outside the window.
    pub fn bucket(&self, t: DateTime<Utc>) -> Option<usize> {
        if t < self.from || t > self.to {
            return None;
        }
        let day = self.tz.local(&t).date_naive();
        let i = (day - self.first_day).num_days();
        usize::try_from(i).ok().filter(|i| *i < self.days as usize)
    }
}

/// The zone a provider's report is in: the one it asks for, else the zone its shifts use
/// most (ties: the latest shift's), else UTC. `zones` is newest first.
pub fn report_zone(requested: Option<&str>, zones: &[&str]) -> Result<Zone, String> {
    if let Some(r) = requested.filter(|r| !r.trim().is_empty()) {
        return Zone::get(r.trim())
            .ok_or_else(|| "must be an IANA time zone such as Australia/Sydney".to_string());
    }
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (i, z) in zones.iter().copied().enumerate() {
        if Zone::get(z).is_some() {
            let e = counts.entry(z).or_insert((0, usize::MAX));
            e.0 += 1;
            e.1 = e.1.min(i);
        }
    }
    Ok(counts
        .into_iter()
        // Most used; among equals the one seen first (newest).
        .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)))
        .and_then(|(z, _)| Zone::get(z))
        .unwrap_or_else(Zone::utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn syd() -> Zone {
        Zone::get("Australia/Sydney").unwrap()
    }

    #[test]
    fn days_are_checked() {
        assert_eq!(parse_days(None), Ok(7));
        assert_eq!(parse_days(Some("30")), Ok(30));
        assert!(parse_days(Some("0")).is_err());
        assert!(parse_days(Some("91")).is_err());
        assert!(parse_days(Some("7.5")).is_err());
        assert!(parse_days(Some("-1")).is_err());
        assert!(parse_days(Some("week")).is_err());
    }

    #[test]
    fn the_window_starts_at_local_midnight() {
        // 2026-01-23 10:00 in Sydney (+11) is 2026-01-22 23:00 UTC.
        let w = Window::last_days(7, t("2026-01-22T23:00:00Z"), syd());
        assert_eq!(w.first_day, NaiveDate::from_ymd_opt(2026, 1, 17).unwrap());
        assert_eq!(w.from, t("2026-01-16T13:00:00Z"));
        assert_eq!(w.dates().len(), 7);
        assert_eq!(w.dates()[6], NaiveDate::from_ymd_opt(2026, 1, 23).unwrap());
    }

    #[test]
    fn midnight_skipped_by_daylight_saving_starts_the_day_at_the_first_real_minute() {
        // Santiago springs forward at midnight (2025-09-07 00:00 → 01:00).
        let tz = Zone::get("America/Santiago").unwrap();
        let d = NaiveDate::from_ymd_opt(2025, 9, 7).unwrap();
        assert_eq!(start_of_day(&tz, d), t("2025-09-07T01:00:00-03:00"));
    }

    #[test]
    fn the_report_zone() {
        assert_eq!(
            report_zone(Some("Australia/Perth"), &[]).unwrap().name(),
            "Australia/Perth"
        );
        assert!(report_zone(Some("Mars/Olympus"), &[]).is_err());
        assert_eq!(report_zone(None, &[]).unwrap(), Zone::utc());
        let zones = [
            "Australia/Perth",
            "Australia/Sydney",
            "Australia/Sydney",
            "x",
        ];
        assert_eq!(report_zone(None, &zones).unwrap(), syd());
        let tie = ["Australia/Perth", "Australia/Sydney"];
        assert_eq!(report_zone(None, &tie).unwrap().name(), "Australia/Perth");
    }
}
