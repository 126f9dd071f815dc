//! When a failed queue task is tried again: an exponential backoff, capped.

/// The first retry comes `RETRY_BASE_SECS` after the first failure, each later one twice as
/// long, never more than `RETRY_MAX_SECS` (SQS's longest delay): with the dial queue's 5
/// receives a task keeps failing for about 15 minutes (1 + 2 + 4 + 8) before it is
/// dead-lettered.
pub const RETRY_BASE_SECS: u64 = 60;
pub const RETRY_MAX_SECS: u64 = 900;

/// Seconds to wait before the next try of a task that failed on receive `receives` (1 first).
pub fn backoff_secs(receives: u32) -> u64 {
    RETRY_BASE_SECS
        .saturating_mul(1u64 << receives.saturating_sub(1).min(16))
        .min(RETRY_MAX_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn doubles_from_a_minute_to_fifteen() {
        let waits: Vec<u64> = (0..=7).map(backoff_secs).collect();
        assert_eq!(waits, [60, 60, 120, 240, 480, 900, 900, 900]);
        // Five receives: four waits before the last try.
        assert_eq!((1..5).map(backoff_secs).sum::<u64>(), 900);
    }

    proptest! {
        #[test]
        fn never_shrinks_and_never_exceeds_the_cap(n in any::<u32>()) {
            let (a, b) = (backoff_secs(n), backoff_secs(n.saturating_add(1)));
            prop_assert!(a <= b);
            prop_assert!((RETRY_BASE_SECS..=RETRY_MAX_SECS).contains(&b));
        }
    }
}
