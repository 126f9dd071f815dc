//! `make soak`: the long chaos soak. Arguments (all optional): campaigns, restarts, minutes;
//! `SOAK_SEED` replays a seed (printed first). Exits 1 on any violation.

use e2e::soak::{run_on_big_stacks, SoakConfig};
use std::time::Duration;

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| {
            a.parse()
                .expect("campaigns, restarts and minutes are whole numbers")
        })
        .collect();
    let seed = std::env::var("SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    let config = SoakConfig {
        seed,
        campaigns: args.first().copied().unwrap_or(500) as usize,
        restarts: args.get(1).copied().unwrap_or(5) as usize,
        time_limit: Duration::from_secs(60 * args.get(2).copied().unwrap_or(20)),
    };
    println!("soak: seed {seed} ({config:?})");
    let report = run_on_big_stacks(config);
    println!("{}", report.table());
    std::process::exit(i32::from(!report.violations.is_empty()));
}
