//! Time zones by IANA name, as the product uses them: the offset at an instant, and the first
//! instant of a local time. The database is the IANA one as the `jiff` crate bundles it
//! (compressed TZif data read on first use), the same everywhere the code runs.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, TimeZone as _, Timelike, Utc};
use jiff::tz::{AmbiguousOffset, Offset};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    name: String,
    tz: jiff::tz::TimeZone,
}

impl Zone {
    /// The zone named `name` (`Australia/Sydney`), or `None` when there is no such zone.
    pub fn get(name: &str) -> Option<Zone> {
        let tz = jiff::tz::TimeZone::get(name).ok()?;
        let name = tz.iana_name().unwrap_or(name).to_string();
        Some(Zone { name, tz })
    }

    pub fn utc() -> Zone {
        Zone {
            name: "UTC".into(),
            tz: jiff::tz::TimeZone::UTC,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone's offset from UTC at `t`.
    pub fn offset_at(&self, t: DateTime<Utc>) -> FixedOffset {
        let offset = jiff::Timestamp::new(t.timestamp(), t.timestamp_subsec_nanos() as i32)
            .map(|ts| self.tz.to_offset(ts))
            .unwrap_or(Offset::UTC);
        fixed(offset)
    }

    /// `t` as a local time in the zone.
    pub fn local<Tz: chrono::TimeZone>(&self, t: &DateTime<Tz>) -> DateTime<FixedOffset> {
        let utc = t.with_timezone(&Utc);
        utc.with_timezone(&self.offset_at(utc))
    }

    /// The first instant the clocks in the zone read `local`: `None` when they skip it
    /// (a daylight-saving gap); the earlier one when they read it twice.
    pub fn earliest(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        let civil = jiff::civil::DateTime::new(
            i16::try_from(local.year()).ok()?,
            local.month() as i8,
            local.day() as i8,
            local.hour() as i8,
            local.minute() as i8,
            local.second() as i8,
            0,
        )
        .ok()?;
        let offset = match self.tz.to_ambiguous_timestamp(civil).offset() {
            AmbiguousOffset::Unambiguous { offset } => offset,
            AmbiguousOffset::Fold { before, .. } => before,
            AmbiguousOffset::Gap { .. } => return None,
        };
        fixed(offset)
            .from_local_datetime(&local)
            .single()
            .map(|t| t.with_timezone(&Utc))
    }
}

fn fixed(offset: Offset) -> FixedOffset {
    FixedOffset::east_opt(offset.seconds()).expect("a zone's offset is under a day")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn naive(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn offsets_follow_daylight_saving() {
        let syd = Zone::get("Australia/Sydney").unwrap();
        assert_eq!(syd.name(), "Australia/Sydney");
        // AEDT in January, AEST in July.
        assert_eq!(
            syd.offset_at(t("2026-01-23T00:00:00Z")).local_minus_utc(),
            11 * 3600
        );
        assert_eq!(
            syd.offset_at(t("2026-07-01T00:00:00Z")).local_minus_utc(),
            10 * 3600
        );
        // Sydney's clocks went back at 2026-04-05 03:00 AEDT (16:00 UTC the day before).
        assert_eq!(
            syd.offset_at(t("2026-04-04T15:59:59Z")).local_minus_utc(),
            11 * 3600
        );
        assert_eq!(
            syd.offset_at(t("2026-04-04T16:00:00Z")).local_minus_utc(),
            10 * 3600
        );
        let local = syd.local(&t("2026-01-22T22:00:00Z"));
        assert_eq!(local.to_rfc3339(), "2026-01-23T09:00:00+11:00");
    }

    #[test]
    fn gaps_have_no_instant_and_folds_take_the_earlier() {
        let ny = Zone::get("America/New_York").unwrap();
        assert_eq!(ny.earliest(naive("2024-03-10 02:30")), None);
        assert_eq!(
            ny.earliest(naive("2024-11-03 01:30")),
            Some(t("2024-11-03T05:30:00Z"))
        );
        assert_eq!(
            ny.earliest(naive("2024-07-15 17:30")),
            Some(t("2024-07-15T21:30:00Z"))
        );
    }

    #[test]
    fn unknown_names_are_refused() {
        assert_eq!(Zone::get("Mars/Olympus_Mons"), None);
        assert_eq!(Zone::get(""), None);
        assert_eq!(
            Zone::utc()
                .offset_at(t("2026-01-01T00:00:00Z"))
                .local_minus_utc(),
            0
        );
    }
}
