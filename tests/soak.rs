//! The chaos soak's short run (about two minutes): random campaigns, faults and two whole-runtime
//! kills from a seed, then every invariant over the whole history. `SOAK_SEED` replays a seed;
//! `make soak` runs the long version (docs/RELIABILITY.md), ignored here.

use e2e::soak::{run_on_big_stacks, SoakConfig};
use std::time::Duration;

fn var(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

fn soak(campaigns: u64, restarts: u64, time_limit: Duration) {
    let seed = var("SOAK_SEED").unwrap_or_else(rand::random);
    let config = SoakConfig {
        seed,
        campaigns: campaigns as usize,
        restarts: restarts as usize,
        time_limit,
    };
    println!("soak: seed {seed} ({config:?})");
    let report = run_on_big_stacks(config);
    let table = report.table();
    println!("{table}");
    assert!(report.violations.is_empty(), "{table}");
}

#[test]
fn random_campaigns_under_random_faults_keep_every_invariant() {
    soak(40, 2, Duration::from_secs(110));
}

/// `make soak`: `SOAK_CAMPAIGNS`, `SOAK_RESTARTS`, `SOAK_MINUTES` (default 500, 5, 25).
#[test]
#[ignore = "the long soak, run by make soak"]
fn the_long_soak() {
    soak(
        var("SOAK_CAMPAIGNS").unwrap_or(500),
        var("SOAK_RESTARTS").unwrap_or(5),
        Duration::from_secs(60 * var("SOAK_MINUTES").unwrap_or(25)),
    );
}
