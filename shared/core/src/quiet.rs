//! Quiet hours: a provider's nightly window (`{"start":"21:00","end":"07:00"}` in its time
//! zone) in which no call starts, unless the shift itself starts before the window ends (when
//! urgent shifts override it). Calls held by it start when it ends. A wave 3 that ends inside
//! it may wait `nightWaitMinutes` instead of `waitMinutes`.

use crate::zone::Zone;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// The window, as local clock times; it may run over midnight (`start` after `end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    #[serde(with = "hhmm")]
    pub start: NaiveTime,
    #[serde(with = "hhmm")]
    pub end: NaiveTime,
}

/// A shift's quiet-hours rules, fixed when its calls start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quiet {
    pub hours: QuietHours,
    /// The IANA zone the hours are read in.
    pub time_zone: String,
    /// A shift that starts before the window ends is called anyway.
    pub urgent_overrides: bool,
}

mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format("%H:%M").to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_hhmm(&text).ok_or_else(|| serde::de::Error::custom("must be HH:MM"))
    }
}

/// `HH:MM`, 00:00 to 23:59, exactly five characters.
pub fn parse_hhmm(text: &str) -> Option<NaiveTime> {
    if text.len() != 5 || text.as_bytes()[2] != b':' {
        return None;
    }
    NaiveTime::parse_from_str(text, "%H:%M").ok()
}

impl QuietHours {
    /// When the window `now` falls in ends, or `None` when `now` is outside it.
    pub fn ends_after(&self, now: DateTime<Utc>, zone: &Zone) -> Option<DateTime<Utc>> {
        let local = zone.local(&now);
        let (date, time) = (local.date_naive(), local.time());
        let inside = if self.start < self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        };
        if !inside {
            return None;
        }
        // The end is today if it is still ahead on the clock, else tomorrow.
        let end_date = if time < self.end {
            date
        } else {
            date.succ_opt()?
        };
        let end_local = end_date.and_time(self.end);
        // Clocks that skip the end (a daylight-saving gap): the first minute after it.
        (0..=120)
            .find_map(|m| zone.earliest(end_local + Duration::minutes(m)))
            .filter(|end| *end > now)
    }
}

impl Quiet {
    /// Until when a call of a shift starting at `shift_starts` must wait at `now`, if at all.
    pub fn hold_until(
        &self,
        now: DateTime<Utc>,
        shift_starts: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let zone = Zone::get(&self.time_zone).unwrap_or_else(Zone::utc);
        let end = self.hours.ends_after(now, &zone)?;
        if self.urgent_overrides && shift_starts < end {
            return None;
        }
        Some(end)
    }

    /// Whether `now` is inside the window (for the night wait).
    pub fn is_quiet(&self, now: DateTime<Utc>) -> bool {
        let zone = Zone::get(&self.time_zone).unwrap_or_else(Zone::utc);
        self.hours.ends_after(now, &zone).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn hours(start: &str, end: &str) -> QuietHours {
        QuietHours {
            start: parse_hhmm(start).unwrap(),
            end: parse_hhmm(end).unwrap(),
        }
    }

    fn quiet(start: &str, end: &str, zone: &str, urgent: bool) -> Quiet {
        Quiet {
            hours: hours(start, end),
            time_zone: zone.into(),
            urgent_overrides: urgent,
        }
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn hh_mm_is_strict() {
        assert!(parse_hhmm("21:00").is_some() && parse_hhmm("00:00").is_some());
        for bad in [
            "24:00", "7:00", "21:0", "21:60", "2100", "21:00:00", "", "ab:cd",
        ] {
            assert_eq!(parse_hhmm(bad), None, "{bad}");
        }
        let json = serde_json::to_string(&hours("21:00", "07:00")).unwrap();
        assert_eq!(json, r#"{"start":"21:00","end":"07:00"}"#);
        assert!(serde_json::from_str::<QuietHours>(r#"{"start":"9pm","end":"07:00"}"#).is_err());
    }

    #[test]
    fn a_window_over_midnight_ends_the_next_morning() {
        // Sydney is UTC+11 in January: 22:30 local is 11:30 UTC.
        let q = quiet("21:00", "07:00", "Australia/Sydney", false);
        let late = utc(2026, 1, 22, 11, 30);
        assert_eq!(q.hold_until(late, late), Some(utc(2026, 1, 22, 20, 0)));
        // 05:00 local (18:00 UTC the day before): ends at 07:00 the same local morning.
        let early = utc(2026, 1, 22, 18, 0);
        assert_eq!(q.hold_until(early, early), Some(utc(2026, 1, 22, 20, 0)));
        // 12:00 local: not quiet.
        assert_eq!(q.hold_until(utc(2026, 1, 22, 1, 0), late), None);
        // The end itself is not quiet; the start is.
        assert_eq!(q.hold_until(utc(2026, 1, 22, 20, 0), late), None);
        assert!(q.is_quiet(utc(2026, 1, 22, 10, 0)));
    }

    #[test]
    fn a_window_within_a_day() {
        let q = quiet("12:00", "13:30", "UTC", false);
        let noon = utc(2026, 3, 1, 12, 10);
        assert_eq!(q.hold_until(noon, noon), Some(utc(2026, 3, 1, 13, 30)));
        assert_eq!(q.hold_until(utc(2026, 3, 1, 11, 59), noon), None);
        assert_eq!(q.hold_until(utc(2026, 3, 1, 13, 30), noon), None);
    }

    #[test]
    fn an_urgent_shift_overrides_only_when_it_starts_before_the_window_ends() {
        let q = quiet("21:00", "07:00", "UTC", true);
        let now = utc(2026, 5, 1, 23, 0);
        assert_eq!(q.hold_until(now, utc(2026, 5, 2, 6, 0)), None);
        assert_eq!(
            q.hold_until(now, utc(2026, 5, 2, 9, 0)),
            Some(utc(2026, 5, 2, 7, 0))
        );
        let strict = quiet("21:00", "07:00", "UTC", false);
        assert_eq!(
            strict.hold_until(now, utc(2026, 5, 2, 6, 0)),
            Some(utc(2026, 5, 2, 7, 0))
        );
    }

    #[test]
    fn a_daylight_saving_gap_at_the_end_moves_it_to_the_first_real_minute() {
        // New York springs forward 2026-03-08 at 02:00 → 03:00.
        let q = quiet("01:00", "02:30", "America/New_York", false);
        let now = utc(2026, 3, 8, 6, 30); // 01:30 EST
        let end = q.hold_until(now, now).unwrap();
        assert_eq!(end, utc(2026, 3, 8, 7, 0)); // 03:00 EDT
    }

    proptest! {
        /// Held calls are held to a moment outside the window and after now, never more than a
        /// day ahead; and a moment outside the window is never held.
        #[test]
        fn a_hold_ends_outside_the_window(start in 0u32..1440, end in 0u32..1440, t in 0i64..(400 * 86_400)) {
            prop_assume!(start != end);
            let q = Quiet {
                hours: QuietHours {
                    start: NaiveTime::from_num_seconds_from_midnight_opt(start * 60, 0).unwrap(),
                    end: NaiveTime::from_num_seconds_from_midnight_opt(end * 60, 0).unwrap(),
                },
                time_zone: "Australia/Sydney".into(),
                urgent_overrides: false,
            };
            let now = utc(2026, 1, 1, 0, 0) + Duration::seconds(t);
            match q.hold_until(now, now) {
                Some(until) => {
                    prop_assert!(until > now && until - now <= Duration::hours(25));
                    prop_assert!(!q.is_quiet(until), "{until}");
                    prop_assert!(q.is_quiet(now));
                }
                None => prop_assert!(!q.is_quiet(now)),
            }
        }
    }
}
