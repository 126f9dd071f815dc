//! Once-only side effects (an SMS, an event): claimed, done, marked done; an abandoned claim is
//! taken over when its lease runs out, so a crash loses nothing.

use super::prelude::*;

/// How a once-only effect went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Once {
    /// Done, now or before.
    Done,
    /// Another step holds the claim and has not finished: `retry` was queued for when its
    /// claim runs out.
    Deferred,
}

/// How long a claimed effect may take before another step takes it over: beyond the dialer's
/// 30 s timeout, so the claim's holder is surely gone.
pub const CLAIM_LEASE_SECS: u64 = 120;

pub(super) fn claim_lease(app: &App) -> chrono::Duration {
    let lease = app
        .config
        .scaled(CLAIM_LEASE_SECS)
        .max(std::time::Duration::from_secs(3));
    chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(3))
}

/// Run a side effect of a shift once, even when the step is retried or crashes: claim it, do
/// it, mark it done; give the claim back if it failed so a retry does it. A claim whose holder
/// crashed before finishing is taken over when its lease runs out (`retry` is queued for then),
/// so a crash between the claim and the effect loses nothing (a crash after the effect and
/// before marking it done repeats it once, unless the effect can be looked up:
/// [`once_unless_found`]).
pub(super) async fn once<F>(
    app: &App,
    occ: &str,
    flag: &str,
    retry: Task,
    effect: F,
) -> Result<Once>
where
    F: std::future::Future<Output = Result<()>>,
{
    once_unless_found(app, occ, flag, retry, |_| async { Ok(false) }, effect).await
}

/// [`once`], for an effect the outside service can be asked about (`found(since)`: whether it
/// happened since then, recording what it finds). Asked when a claim abandoned since `at` is
/// taken over (its holder died, perhaps after the effect), and when the effect fails (perhaps
/// after the outside service acted, e.g. a write after a sent text): found, it is only marked
/// done, never done twice.
pub(super) async fn once_unless_found<D, DF, F>(
    app: &App,
    occ: &str,
    flag: &str,
    retry: Task,
    found: D,
    effect: F,
) -> Result<Once>
where
    D: Fn(chrono::DateTime<Utc>) -> DF,
    DF: std::future::Future<Output = Result<bool>>,
    F: std::future::Future<Output = Result<()>>,
{
    let now = Utc::now();
    let lease = claim_lease(app);
    let since = match app.store.claim_once(occ, flag, now, now - lease).await? {
        Claim::Done => return Ok(Once::Done),
        Claim::InProgress(at) => {
            let wait =
                (at + lease - now).to_std().unwrap_or_default() + std::time::Duration::from_secs(1);
            info!(occurrence_id = %occ, effect = flag, "side_effect_in_progress");
            app.queue().send(&retry, wait).await?;
            return Ok(Once::Deferred);
        }
        Claim::Claimed { abandoned: None } => now,
        Claim::Claimed {
            abandoned: Some(at),
        } => match found(at).await {
            Ok(true) => {
                warn!(occurrence_id = %occ, effect = flag, "side_effect_found_done");
                app.store.complete_once(occ, flag).await?;
                return Ok(Once::Done);
            }
            Ok(false) => at,
            Err(e) => {
                app.store.release_once(occ, flag).await?;
                return Err(e);
            }
        },
    };
    if app.faults.trip(&faults::crash_after_claim(flag), occ) {
        anyhow::bail!("injected crash after claiming {flag}");
    }
    if let Err(e) = effect.await {
        error!(occurrence_id = %occ, effect = flag, error = %e, "side_effect_failed");
        if let Ok(true) = found(since).await {
            warn!(occurrence_id = %occ, effect = flag, "side_effect_found_done");
            app.store.complete_once(occ, flag).await?;
            return Ok(Once::Done);
        }
        app.store.release_once(occ, flag).await?;
        return Err(e);
    }
    app.store.complete_once(occ, flag).await?;
    Ok(Once::Done)
}
