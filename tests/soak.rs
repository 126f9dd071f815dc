//! The chaos soak's short run (about two minutes): random campaigns, faults and two whole-runtime
//! kills from a seed, then every invariant over the whole history. `SOAK_SEED` replays a seed;
//! `make soak` runs the long version (docs/RELIABILITY.md).

use e2e::soak::{run_on_big_stacks, SoakConfig};
use std::time::Duration;

#[test]
fn random_campaigns_under_random_faults_keep_every_invariant() {
    let seed = std::env::var("SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    let report = run_on_big_stacks(SoakConfig {
        seed,
        campaigns: 40,
        restarts: 2,
        time_limit: Duration::from_secs(110),
    });
    let table = report.table();
    println!("{table}");
    assert!(report.violations.is_empty(), "{table}");
}
