//! Per-person pacing: nobody is rung more than `limit` times in an hour, across every shift and
//! provider, nor twice within a minute. A call over the limit waits until it is allowed; it is
//! never skipped. Times are milliseconds since the epoch; the hour and the minute are given
//! (scaled in tests).

/// The rule's windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    /// The window the limit counts calls in (an hour).
    pub window_ms: i64,
    /// The least time between two calls to one person (a minute).
    pub gap_ms: i64,
}

impl Windows {
    pub const REAL: Windows = Windows {
        window_ms: 3_600_000,
        gap_ms: 60_000,
    };
}

/// When a call to a person whose earlier calls started at `calls` may start, if not at `now`:
/// `None` when it may start now, else the first moment it may.
pub fn wait_until(calls: &[i64], now: i64, limit: u32, w: Windows) -> Option<i64> {
    let mut recent: Vec<i64> = calls
        .iter()
        .copied()
        .filter(|&t| t > now - w.window_ms)
        .collect();
    recent.sort_unstable();
    let mut until = now;
    if let Some(&latest) = recent.last() {
        until = until.max(latest + w.gap_ms);
    }
    let limit = limit.max(1) as usize;
    if recent.len() >= limit {
        // Once the call `limit` places from the end has left the window, fewer than `limit`
        // remain in it.
        until = until.max(recent[recent.len() - limit] + w.window_ms);
    }
    (until > now).then_some(until)
}

/// The calls still worth keeping at `now` (inside the window).
pub fn keep(t: i64, now: i64, w: Windows) -> bool {
    t > now - w.window_ms
}

/// Call `call` asks to start at `now`, given the person's recent `calls` (call → when it was let
/// through): the verdict, and the calls to store, if anything changes. A call asking again (a
/// placement retried after Twilio did nothing, or a second copy of its task) is decided again
/// against the person's OTHER calls and moved to `now` when let through: it never counts
/// twice, and never rings on the heels of a call let through while it waited. Held back, it
/// keeps its first moment: a copy of its task may have placed it then.
pub fn ask(
    calls: &std::collections::HashMap<String, i64>,
    call: &str,
    now: i64,
    limit: u32,
    w: Windows,
) -> (
    Result<(), i64>,
    Option<std::collections::HashMap<String, i64>>,
) {
    let others: Vec<i64> = calls
        .iter()
        .filter(|(k, _)| k.as_str() != call)
        .map(|(_, t)| *t)
        .collect();
    if let Some(until) = wait_until(&others, now, limit, w) {
        return (Err(until), None);
    }
    // Calls that left the window are dropped.
    let mut kept: std::collections::HashMap<String, i64> = calls
        .iter()
        .filter(|(k, t)| k.as_str() != call && keep(**t, now, w))
        .map(|(k, t)| (k.clone(), *t))
        .collect();
    kept.insert(call.to_string(), now);
    (Ok(()), Some(kept))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const W: Windows = Windows::REAL;
    const MIN: i64 = 60_000;

    #[test]
    fn a_call_asking_again_is_decided_again_against_the_others() {
        let now = 10 * 3_600_000;
        let calls = |pairs: &[(&str, i64)]| -> std::collections::HashMap<String, i64> {
            pairs.iter().map(|(k, t)| (k.to_string(), *t)).collect()
        };
        // Let through, then asked again a little later with nobody else: moved to now.
        let (v, kept) = ask(&calls(&[("a#0", now - 5_000)]), "a#0", now, 7, W);
        assert_eq!(v, Ok(()));
        assert_eq!(kept.unwrap()["a#0"], now);
        // Another shift's call went through while it waited: held, its first moment kept (a
        // copy of its task may have placed it then).
        let (v, kept) = ask(
            &calls(&[("a#0", now - 90_000), ("b#3", now - 1_000)]),
            "a#0",
            now,
            7,
            W,
        );
        assert_eq!(v, Err(now - 1_000 + MIN));
        assert_eq!(kept, None);
        // A new call held back writes nothing.
        assert_eq!(
            ask(&calls(&[("b#3", now - 1_000)]), "a#0", now, 7, W),
            (Err(now - 1_000 + MIN), None)
        );
    }

    #[test]
    fn the_limit_and_the_minute_hold() {
        let now = 10 * 3_600_000;
        assert_eq!(wait_until(&[], now, 7, W), None);
        // Called 30 s ago: wait out the minute.
        assert_eq!(wait_until(&[now - 30_000], now, 7, W), Some(now + 30_000));
        // Seven calls in the hour: the oldest leaves the window first.
        let seven: Vec<i64> = (0..7).map(|i| now - 50 * MIN + i * 5 * MIN).collect();
        assert_eq!(wait_until(&seven, now, 7, W), Some(seven[0] + 3_600_000));
        assert_eq!(wait_until(&seven, now, 8, W), None);
        // A limit of one: an hour after the last call.
        assert_eq!(
            wait_until(&[now - 10 * MIN], now, 1, W),
            Some(now + 50 * MIN)
        );
        // Calls older than the hour do not count.
        assert_eq!(wait_until(&[now - 61 * MIN; 9], now, 1, W), None);
    }

    proptest! {
        /// Starting every call as soon as the rule allows never puts more than `limit` calls
        /// in any hour, nor two within a minute; and the rule never waits longer than needed.
        #[test]
        fn calls_as_soon_as_allowed_keep_the_rule(limit in 1u32..10, asks in prop::collection::vec(0i64..7_200_000, 1..30)) {
            let mut asks = asks;
            asks.sort_unstable();
            let mut placed: Vec<i64> = Vec::new();
            for ask in asks {
                let at = wait_until(&placed, ask, limit, W).unwrap_or(ask);
                prop_assert!(at >= ask);
                prop_assert_eq!(wait_until(&placed, at, limit, W), None);
                if at > ask {
                    // One millisecond earlier would not have been allowed.
                    prop_assert!(wait_until(&placed, at - 1, limit, W).is_some());
                }
                placed.push(at);
                placed.sort_unstable();
            }
            for (i, &t) in placed.iter().enumerate() {
                let in_hour = placed[i..].iter().filter(|&&u| u < t + 3_600_000).count();
                prop_assert!(in_hour <= limit as usize, "{placed:?}");
                if let Some(&next) = placed.get(i + 1) {
                    prop_assert!(next - t >= MIN, "{placed:?}");
                }
            }
        }
    }
}
