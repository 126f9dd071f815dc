//! The chaos soak: random campaigns, faults and whole-runtime kills from a seed, then every
//! invariant over the whole history. A short run (campaigns over 50 s, seed 1: part of
//! `make test`) and the long one (`make soak`). `SOAK_SEED` replays a seed.

use e2e::soak::{run, SoakConfig};
use std::time::Duration;

fn var(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

async fn soak(campaigns: u64, restarts: u64, drive_for: Duration, seed: u64) {
    let seed = var("SOAK_SEED").unwrap_or(seed);
    let config = SoakConfig {
        seed,
        campaigns: campaigns as usize,
        restarts: restarts as usize,
        drive_for,
        // Settling may take as long again, and more on a loaded machine.
        time_limit: drive_for * 3,
    };
    println!("soak: seed {seed} ({config:?})");
    let report = run(config).await;
    let table = report.table();
    println!("{table}");
    assert!(report.violations.is_empty(), "{table}");
}

/// The short run, seed 1 (the long run draws a new seed each time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_campaigns_under_random_faults_keep_every_invariant() {
    soak(40, 2, Duration::from_secs(50), 1).await;
}

/// `make soak`: `SOAK_CAMPAIGNS`, `SOAK_RESTARTS`, `SOAK_MINUTES` (default 500, 5, 25).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the long soak, run by make soak"]
async fn the_long_soak() {
    soak(
        var("SOAK_CAMPAIGNS").unwrap_or(500),
        var("SOAK_RESTARTS").unwrap_or(5),
        // The campaigns over nearly half the run's minutes; settling takes the rest.
        Duration::from_secs(27 * var("SOAK_MINUTES").unwrap_or(25)),
        rand::random(),
    )
    .await;
}
