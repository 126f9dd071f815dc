//! The chaos soak: random campaigns, faults and whole-runtime kills from a seed, then every
//! invariant over the whole history. A short run (about two minutes, seed 1) and the long one
//! (`make soak`); both ignored in `make test` until the open findings are fixed.
//! `SOAK_SEED` replays a seed.

use e2e::soak::{run, SoakConfig};
use std::time::Duration;

fn var(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

async fn soak(campaigns: u64, restarts: u64, time_limit: Duration, seed: u64) {
    let seed = var("SOAK_SEED").unwrap_or(seed);
    let config = SoakConfig {
        seed,
        campaigns: campaigns as usize,
        restarts: restarts as usize,
        time_limit,
    };
    println!("soak: seed {seed} ({config:?})");
    let report = run(config).await;
    let table = report.table();
    println!("{table}");
    assert!(report.violations.is_empty(), "{table}");
}

/// The short run, seed 1 (the long run draws a new seed each time). Ignored in `make test` while
/// the soak's open findings (docs/RELIABILITY.md, "The chaos soak") are not fixed: it fails on
/// them. Run it with `cargo test -p e2e --test soak -- --ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fails on the soak's open findings (docs/RELIABILITY.md)"]
async fn random_campaigns_under_random_faults_keep_every_invariant() {
    soak(40, 2, Duration::from_secs(110), 1).await;
}

/// `make soak`: `SOAK_CAMPAIGNS`, `SOAK_RESTARTS`, `SOAK_MINUTES` (default 500, 5, 25).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the long soak, run by make soak"]
async fn the_long_soak() {
    soak(
        var("SOAK_CAMPAIGNS").unwrap_or(500),
        var("SOAK_RESTARTS").unwrap_or(5),
        Duration::from_secs(60 * var("SOAK_MINUTES").unwrap_or(25)),
        rand::random(),
    )
    .await;
}
