//! Call pacing: at most `limit` calls in progress across the account.
//!
//! Each live call holds one of the numbered slots `0..limit` under a lease (a lost release
//! frees itself when the lease runs out). A dial task that finds no free slot waits in line
//! and is woken when a call ends, rather than asking again and again.

/// A slot as stored: its number and when its lease runs out (milliseconds since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub slot: u32,
    pub expires_at: i64,
}

/// How many more calls may start at `now`: `limit` less the slots whose lease is still running
/// (whatever their number: after the limit is lowered, calls on higher slots still count).
pub fn free_count(limit: u32, held: &[Held], now: i64) -> usize {
    let mut live: Vec<u32> = held
        .iter()
        .filter(|h| h.expires_at >= now)
        .map(|h| h.slot)
        .collect();
    live.sort_unstable();
    live.dedup();
    (limit as usize).saturating_sub(live.len())
}

/// The slots a new call may try to take at `now`, in the order to try them: free slot numbers
/// below `limit` (never held, or whose lease ran out), starting from the `start`-th so that
/// tasks starting together rarely reach for the same slot. At most `free_count` of them.
pub fn slots_to_try(limit: u32, held: &[Held], now: i64, start: u32) -> Vec<u32> {
    let live = |slot: u32| held.iter().any(|h| h.slot == slot && h.expires_at >= now);
    let free: Vec<u32> = (0..limit).filter(|s| !live(*s)).collect();
    if free.is_empty() {
        return free;
    }
    let first = start as usize % free.len();
    let mut order: Vec<u32> = free[first..]
        .iter()
        .chain(&free[..first])
        .copied()
        .collect();
    order.truncate(free_count(limit, held, now));
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_000_000;

    fn held(slot: u32, expires_at: i64) -> Held {
        Held { slot, expires_at }
    }

    #[test]
    fn an_empty_account_has_every_slot() {
        assert_eq!(free_count(3, &[], NOW), 3);
        assert_eq!(slots_to_try(3, &[], NOW, 1), [1, 2, 0]);
    }

    #[test]
    fn a_running_lease_holds_its_slot_and_an_expired_one_does_not() {
        let h = [held(0, NOW + 1), held(1, NOW - 1), held(2, NOW)];
        assert_eq!(free_count(3, &h, NOW), 1);
        assert_eq!(slots_to_try(3, &h, NOW, 0), [1]);
    }

    #[test]
    fn all_held_means_wait() {
        let h = [held(0, NOW + 5), held(1, NOW + 5)];
        assert_eq!(free_count(2, &h, NOW), 0);
        assert!(slots_to_try(2, &h, NOW, 7).is_empty());
    }

    #[test]
    fn calls_above_a_lowered_limit_still_count() {
        // The limit went from 5 to 2 while slots 3 and 4 were in calls.
        let h = [held(3, NOW + 5), held(4, NOW + 5)];
        assert_eq!(free_count(2, &h, NOW), 0);
        assert!(slots_to_try(2, &h, NOW, 0).is_empty());
        let h = [held(4, NOW + 5)];
        assert_eq!(free_count(2, &h, NOW), 1);
        assert_eq!(slots_to_try(2, &h, NOW, 0).len(), 1);
    }

    proptest! {
        #[test]
        fn never_offers_a_held_slot_nor_more_than_the_limit_allows(
            limit in 0u32..12,
            leases in proptest::collection::vec((0u32..16, -5i64..5), 0..20),
            start in any::<u32>(),
        ) {
            let h: Vec<Held> = leases.iter().map(|(s, e)| held(*s, NOW + e)).collect();
            let order = slots_to_try(limit, &h, NOW, start);
            let live: std::collections::BTreeSet<u32> =
                h.iter().filter(|x| x.expires_at >= NOW).map(|x| x.slot).collect();
            // Each offered slot is below the limit, not live, and offered once.
            let mut seen = std::collections::BTreeSet::new();
            for s in &order {
                prop_assert!(*s < limit && !live.contains(s) && seen.insert(*s));
            }
            // Taking every offered slot never puts more than `limit` calls in progress.
            prop_assert!(live.len() + order.len() <= limit as usize || order.is_empty());
            prop_assert_eq!(order.len(), free_count(limit, &h, NOW));
            // When calls are fewer than the limit, some slot is always offered.
            prop_assert_eq!(order.is_empty(), live.len() >= limit as usize);
        }
    }
}
