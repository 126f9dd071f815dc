//! Speech spend: what the portal's Listen button may ask of ElevenLabs, and each provider's
//! daily speech-character budget (`dailySpeechCharacters`), counted for every ElevenLabs
//! request of that provider (the dialer's and Listen's; a cache hit costs nothing). Days and
//! minutes are UTC: a budget renews at midnight UTC.

use chrono::{DateTime, Duration, DurationRound, Utc};

use crate::template::MAX_TEMPLATE_CHARS;

/// Listen requests a provider may make in one minute: a coordinator trying voices and
/// languages clicks a few times a minute; a script clicking faster is refused.
pub const LISTEN_PER_MINUTE: u32 = 30;
/// Listen requests a provider may make in one day.
pub const LISTEN_PER_DAY: u32 = 300;
/// The share of the daily budget at which the alarm line is written (once per provider per day).
pub const ALARM_PERCENT: u64 = 80;

/// A counting window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Minute,
    Day,
}

impl Window {
    /// The most Listen requests a provider may make in this window.
    pub fn listen_limit(self) -> u32 {
        match self {
            Window::Minute => LISTEN_PER_MINUTE,
            Window::Day => LISTEN_PER_DAY,
        }
    }

    /// The window `now` is in, as a sort-key part: `2026-01-23T09:05` or `2026-01-23`.
    pub fn id(self, now: DateTime<Utc>) -> String {
        match self {
            Window::Minute => now.format("%Y-%m-%dT%H:%M").to_string(),
            Window::Day => now.format("%Y-%m-%d").to_string(),
        }
    }

    /// When the window `now` is in ends.
    pub fn end(self, now: DateTime<Utc>) -> DateTime<Utc> {
        let step = match self {
            Window::Minute => Duration::minutes(1),
            Window::Day => Duration::days(1),
        };
        now.duration_trunc(step).unwrap_or(now) + step
    }

    /// Whole seconds until the window `now` is in ends (at least 1): `Retry-After`.
    pub fn retry_after_secs(self, now: DateTime<Utc>) -> u64 {
        let ms = (self.end(now) - now).num_milliseconds().max(0) as u64;
        ms.div_ceil(1000).max(1)
    }

    fn name(self) -> &'static str {
        match self {
            Window::Minute => "a minute",
            Window::Day => "a day",
        }
    }
}

/// Why a Listen request is refused: its `Display` is the reason the coordinator reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("at most {} Listen requests {} per provider: try again in {retry_after_secs} seconds", .window.listen_limit(), .window.name())]
    TooMany {
        window: Window,
        retry_after_secs: u64,
    },
    #[error("today's speech budget of {budget} characters is spent ({used} used; this text needs {needed}): it renews at midnight UTC, or raise dailySpeechCharacters")]
    BudgetSpent {
        budget: u32,
        used: u64,
        needed: u32,
        retry_after_secs: u64,
    },
}

impl Refusal {
    pub fn retry_after_secs(&self) -> u64 {
        match self {
            Refusal::TooMany {
                retry_after_secs, ..
            }
            | Refusal::BudgetSpent {
                retry_after_secs, ..
            } => *retry_after_secs,
        }
    }
}

/// The spoken text a template renders to must be within the template limit too: `{date}` and
/// the other variables can make it longer than the template. The reason when it is not.
pub fn check_rendered(text: &str) -> Result<(), String> {
    let n = text.chars().count();
    if n > MAX_TEMPLATE_CHARS {
        return Err(format!(
            "renders to {n} characters once its variables are filled in, past the limit of {MAX_TEMPLATE_CHARS}: shorten the template"
        ));
    }
    Ok(())
}

/// Whether spending moved the day's use from below to at or past [`ALARM_PERCENT`] of the
/// budget: true for exactly one spend a day (spends are added atomically).
pub fn crosses_alarm(used_before: u64, used_after: u64, budget: u32) -> bool {
    let line = u64::from(budget) * ALARM_PERCENT;
    budget > 0 && used_before * 100 < line && used_after * 100 >= line
}

/// The most a day's use may be before a spend of `needed` characters for the spend to fit in
/// `budget`; `None` when it can never fit.
pub fn room_before(needed: u32, budget: u32) -> Option<u64> {
    budget.checked_sub(needed).map(u64::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn windows_are_utc_minutes_and_days() {
        let now = at("2026-01-23T09:05:40.250Z");
        assert_eq!(Window::Minute.id(now), "2026-01-23T09:05");
        assert_eq!(Window::Day.id(now), "2026-01-23");
        assert_eq!(Window::Minute.end(now), at("2026-01-23T09:06:00Z"));
        assert_eq!(Window::Minute.retry_after_secs(now), 20);
        assert_eq!(Window::Day.end(now), at("2026-01-24T00:00:00Z"));
        assert_eq!(
            Window::Day.retry_after_secs(at("2026-01-23T23:59:59.999Z")),
            1
        );
    }

    #[test]
    fn refusals_say_why_and_when_to_come_back() {
        let r = Refusal::TooMany {
            window: Window::Minute,
            retry_after_secs: 20,
        };
        assert_eq!(
            r.to_string(),
            "at most 30 Listen requests a minute per provider: try again in 20 seconds"
        );
        assert_eq!(r.retry_after_secs(), 20);
        let b = Refusal::BudgetSpent {
            budget: 20_000,
            used: 19_990,
            needed: 150,
            retry_after_secs: 3600,
        };
        assert!(b
            .to_string()
            .contains("speech budget of 20000 characters is spent"));
    }

    #[test]
    fn the_rendered_text_is_held_to_the_template_limit() {
        assert_eq!(check_rendered(&"a".repeat(1000)), Ok(()));
        let e = check_rendered(&"a".repeat(1696)).unwrap_err();
        assert!(e.contains("1696 characters") && e.contains("1000"), "{e}");
    }

    #[test]
    fn the_alarm_is_crossed_once() {
        assert!(crosses_alarm(15_000, 16_000, 20_000));
        assert!(crosses_alarm(0, 20_000, 20_000));
        assert!(!crosses_alarm(16_000, 17_000, 20_000), "already past");
        assert!(!crosses_alarm(10_000, 15_999, 20_000), "not yet");
        assert!(!crosses_alarm(0, 0, 0), "no budget, no alarm");
    }

    #[test]
    fn room_leaves_space_for_the_spend() {
        assert_eq!(room_before(150, 20_000), Some(19_850));
        assert_eq!(room_before(20_001, 20_000), None);
        assert_eq!(room_before(0, 0), Some(0));
    }
}
