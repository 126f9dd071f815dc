//! The store as small capabilities, one trait per aggregate, each object-safe (`async_trait`) so
//! the app holds its store as `Arc<dyn Stores>`: [`Store`] (DynamoDB) implements every one by
//! handing over to its own methods (one file per aggregate beside this one), and
//! [`super::memory::MemoryStore`] implements them in memory with the same conditions (create
//! if absent, accept once, an outcome once, advance once, claims taken over when abandoned,
//! optimistic versions; `ttl` ignored), so every service step runs in unit tests without the
//! local AWS. A caller writes `app.store.get_shift(occ)` whichever it is.

use super::inbound::{Offer, TextLog};
use super::{AcceptWrite, Claim, DueRecording, PacingLine, Store};
use crate::records::{Attempt, Delivery, Shift};
use anyhow::Result;
use async_trait::async_trait;
use callout_core::campaign::Outcome;
use callout_core::person_pace::Windows;
use callout_core::settings::Settings;
use callout_core::speech_budget::Window;
use chrono::{DateTime, Utc};

/// Shifts: creation, reads, scheduling, the acceptance, the end of calling, and what the call
/// log shows of them (see [`super::shifts`], [`super::declines`], [`super::people`]).
#[async_trait]
pub trait Shifts: Send + Sync {
    /// Store a new shift; false when the occurrence is already known.
    async fn put_shift_if_new(&self, shift: &Shift) -> Result<bool>;
    async fn get_shift(&self, occ: &str) -> Result<Option<Shift>>;
    /// The shift and one attempt in one request.
    async fn get_shift_and_attempt(
        &self,
        occ: &str,
        k: u32,
    ) -> Result<(Option<Shift>, Option<Attempt>)>;
    async fn mark_scheduled(&self, occ: &str, at: DateTime<Utc>) -> Result<()>;
    /// The shift goes to `employee_id` only if nobody has it yet and it can be accepted.
    async fn accept(
        &self,
        occ: &str,
        employee_id: &str,
        channel: &str,
        attempt: Option<u32>,
    ) -> Result<AcceptWrite>;
    /// OPEN → UNFILLED_AFTER_CALLS; false when the shift was no longer open.
    async fn mark_unfilled(&self, occ: &str) -> Result<bool>;
    async fn record_confirmation(&self, occ: &str, delivery: &Delivery) -> Result<()>;
    async fn mark_acceptance_finished(&self, occ: &str) -> Result<()>;
    /// Why a call is held and until when (the call log shows it); the shift must exist.
    async fn set_held(&self, occ: &str, held: &crate::records::Held) -> Result<()>;
    async fn set_stalled(&self, occ: &str, stalled: &crate::records::Stalled) -> Result<()>;
    /// `employee_id` declined shift `occ` (a set).
    async fn add_decliner(&self, occ: &str, employee_id: &str) -> Result<()>;
    /// A coordinator's action, kept in the shift's call log in the same conditional write:
    /// cancel while the shift can be accepted (the acceptance's condition: one winner), pause
    /// and resume an open shift that is running or paused, call now once on an open shift;
    /// false (nothing written) when its condition does not hold.
    async fn control_shift(&self, occ: &str, control: &crate::records::Control) -> Result<bool>;
}

/// Attempts: one call each, created before it is placed (see [`super::attempts`]).
#[async_trait]
pub trait Attempts: Send + Sync {
    /// False when the attempt already exists: no call must be placed.
    async fn create_attempt(&self, a: &Attempt) -> Result<bool>;
    /// Remove an attempt with neither a call nor an outcome.
    async fn release_attempt(&self, occ: &str, k: u32) -> Result<bool>;
    async fn get_attempt(&self, occ: &str, k: u32) -> Result<Option<Attempt>>;
    async fn list_attempts(&self, occ: &str) -> Result<Vec<Attempt>>;
    /// False when the attempt has an outcome already (the call must be ended).
    async fn set_call_sid(&self, occ: &str, k: u32, sid: &str) -> Result<bool>;
    /// Keep the CallSid of a call placed for an attempt that already has its outcome.
    async fn keep_call_sid(&self, occ: &str, k: u32, sid: &str) -> Result<bool>;
    /// A status unless a later one is recorded; `None` when this one was stale.
    #[allow(clippy::too_many_arguments)]
    async fn record_status(
        &self,
        occ: &str,
        k: u32,
        sid: &str,
        status: &str,
        sequence: i64,
        duration: Option<u32>,
        terminal: bool,
    ) -> Result<Option<Attempt>>;
    async fn set_answered_by(&self, occ: &str, k: u32, answered_by: &str) -> Result<()>;
    /// The outcome once; false when it has one.
    async fn set_outcome(
        &self,
        occ: &str,
        k: u32,
        outcome: Outcome,
        digit: Option<&str>,
    ) -> Result<bool>;
    /// As `set_outcome`; when refused, the outcome it has (`Some(None)`: no such attempt).
    async fn set_outcome_or_existing(
        &self,
        occ: &str,
        k: u32,
        outcome: Outcome,
    ) -> Result<Option<Option<Outcome>>>;
    /// The winner's call is `Accepted` (digit 1), whatever it had.
    async fn set_winner_outcome(&self, occ: &str, k: u32) -> Result<bool>;
    /// The campaign moved on from this attempt; false when it already had.
    async fn mark_advanced(&self, occ: &str, k: u32) -> Result<bool>;
    async fn add_speech_chars(&self, occ: &str, k: u32, chars: u32) -> Result<()>;
}

/// Once-only effects of a shift (see [`super::claims`]).
#[async_trait]
pub trait Claims: Send + Sync {
    /// Claim the effect `flag` at `now`; a claim older than `stale_before` and not done is
    /// taken over.
    async fn claim_once(
        &self,
        occ: &str,
        flag: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<Claim>;
    async fn complete_once(&self, occ: &str, flag: &str) -> Result<()>;
    async fn release_once(&self, occ: &str, flag: &str) -> Result<()>;
}

/// The inbound channels' items: offers by phone, webhooks handled, opt-outs, passes, texts
/// (see [`super::inbound`]).
#[async_trait]
pub trait Offers: Send + Sync {
    async fn record_offer(
        &self,
        phone: &str,
        occ: &str,
        employee_id: &str,
        provider_id: &str,
        texted: bool,
        code: Option<&str>,
    ) -> Result<()>;
    async fn offers_for(&self, phone: &str) -> Result<Vec<Offer>>;
    async fn webhook_handled(&self, id: &str) -> Result<bool>;
    /// False when `id` was remembered already.
    async fn remember_webhook(&self, id: &str) -> Result<bool>;
    async fn record_pass(&self, occ: &str, employee_id: &str, channel: &str) -> Result<()>;
    async fn has_passed(&self, occ: &str, employee_id: &str) -> Result<bool>;
    /// Who passed on shift `occ`.
    async fn passes(&self, occ: &str) -> Result<std::collections::BTreeSet<String>>;
    async fn set_opted_out(&self, phone: &str, opted_out: bool) -> Result<()>;
    async fn is_opted_out(&self, phone: &str) -> Result<bool>;
    async fn record_text(&self, occ: &str, reference: &str, text: &TextLog) -> Result<()>;
    async fn list_texts(&self, occ: &str) -> Result<Vec<TextLog>>;
}

/// A person's recent calls across shifts (see [`super::people`]): an optimistic, versioned
/// write.
#[async_trait]
pub trait People: Send + Sync {
    async fn let_person_call(
        &self,
        phone: &str,
        call: &str,
        now: i64,
        limit: u32,
        windows: Windows,
    ) -> Result<std::result::Result<(), i64>>;
}

/// Remembered declines per patient (see [`super::declines`]).
#[async_trait]
pub trait Declines: Send + Sync {
    async fn remember_decline(
        &self,
        provider_id: &str,
        patient_key: &str,
        employee_id: &str,
        at: DateTime<Utc>,
    ) -> Result<()>;
    async fn decliners_since(
        &self,
        provider_id: &str,
        patient_key: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<(String, DateTime<Utc>)>>;
}

/// Call recordings and their deletion line (see [`super::recordings`]).
#[async_trait]
pub trait Recordings: Send + Sync {
    async fn keep_recording(
        &self,
        occ: &str,
        k: u32,
        sid: &str,
        due: DateTime<Utc>,
    ) -> Result<bool>;
    async fn due_recordings(
        &self,
        now: DateTime<Utc>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<DueRecording>>;
    async fn recording_deleted(&self, d: &DueRecording) -> Result<()>;
}

/// Speech spend's counters (see [`super::counters`]).
#[async_trait]
pub trait Counters: Send + Sync {
    async fn count_listen(
        &self,
        provider_id: &str,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<(), Window>>;
    async fn spend_speech(
        &self,
        provider_id: &str,
        now: DateTime<Utc>,
        characters: u32,
        budget: u32,
    ) -> Result<Option<(u64, u64)>>;
    async fn refund_speech(
        &self,
        provider_id: &str,
        at: DateTime<Utc>,
        characters: u32,
    ) -> Result<()>;
    async fn speech_used(&self, provider_id: &str, now: DateTime<Utc>) -> Result<u64>;
}

/// A provider's settings (see [`super::settings`]).
#[async_trait]
pub trait ProviderSettings: Send + Sync {
    async fn get_settings(&self, provider_id: &str) -> Result<Settings>;
    async fn put_settings(&self, provider_id: &str, settings: &Settings) -> Result<()>;
}

/// The providers' own numbers (`fromNumber`, see [`super::numbers`]): one provider per number.
#[async_trait]
pub trait Numbers: Send + Sync {
    /// `number` becomes `provider_id`'s; false when another provider holds it.
    async fn claim_number(&self, number: &str, provider_id: &str) -> Result<bool>;
    /// `provider_id` lets `number` go (nothing when it is not theirs).
    async fn release_number(&self, number: &str, provider_id: &str) -> Result<()>;
    /// Whose own number `number` is.
    async fn number_owner(&self, number: &str) -> Result<Option<String>>;
}

/// Reachability checks, the latest per person (see [`super::reach`]).
#[async_trait]
pub trait Reachability: Send + Sync {
    /// Record a new check of `check.employee_id` for `check.day`; false when that person
    /// already had one that day (nothing written).
    async fn start_check(
        &self,
        provider_id: &str,
        check: &super::reach::ReachCheck,
    ) -> Result<bool>;
    /// Save the check as it is now (its call, its result).
    async fn put_check(&self, provider_id: &str, check: &super::reach::ReachCheck) -> Result<()>;
    async fn get_check(
        &self,
        provider_id: &str,
        employee_id: &str,
    ) -> Result<Option<super::reach::ReachCheck>>;
    /// Every person's latest check, by employee id.
    async fn list_checks(&self, provider_id: &str) -> Result<Vec<super::reach::ReachCheck>>;
}

/// The portal's reads by provider and time (see [`super::queries`]).
#[async_trait]
pub trait Queries: Send + Sync {
    /// Newest first.
    async fn shifts_between(
        &self,
        provider_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Shift>>;
    /// Oldest first.
    async fn calls_between(
        &self,
        provider_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Attempt>>;
}

/// Every capability: what `App::store` is.
pub trait Stores:
    Shifts
    + Attempts
    + Claims
    + Offers
    + People
    + Declines
    + Recordings
    + Counters
    + ProviderSettings
    + Numbers
    + Reachability
    + Queries
    + PacingLine
{
    /// When a call log record made at `created` expires.
    fn call_log_expiry(&self, created: DateTime<Utc>) -> DateTime<Utc>;
}

impl Stores for Store {
    fn call_log_expiry(&self, created: DateTime<Utc>) -> DateTime<Utc> {
        Store::call_log_expiry(self, created)
    }
}

/// `impl $trait for Store` by handing each method to the store's own method of that name.
macro_rules! dynamo {
    ($trait:ident { $(fn $f:ident($($a:ident: $t:ty),*) -> $r:ty;)* }) => {
        #[async_trait]
        impl $trait for Store {
            $(async fn $f(&self, $($a: $t),*) -> Result<$r> {
                Store::$f(self, $($a),*).await
            })*
        }
    };
}

dynamo!(Shifts {
    fn put_shift_if_new(shift: &Shift) -> bool;
    fn get_shift(occ: &str) -> Option<Shift>;
    fn get_shift_and_attempt(occ: &str, k: u32) -> (Option<Shift>, Option<Attempt>);
    fn mark_scheduled(occ: &str, at: DateTime<Utc>) -> ();
    fn accept(occ: &str, employee_id: &str, channel: &str, attempt: Option<u32>) -> AcceptWrite;
    fn mark_unfilled(occ: &str) -> bool;
    fn record_confirmation(occ: &str, delivery: &Delivery) -> ();
    fn mark_acceptance_finished(occ: &str) -> ();
    fn set_held(occ: &str, held: &crate::records::Held) -> ();
    fn set_stalled(occ: &str, stalled: &crate::records::Stalled) -> ();
    fn add_decliner(occ: &str, employee_id: &str) -> ();
    fn control_shift(occ: &str, control: &crate::records::Control) -> bool;
});

dynamo!(Attempts {
    fn create_attempt(a: &Attempt) -> bool;
    fn release_attempt(occ: &str, k: u32) -> bool;
    fn get_attempt(occ: &str, k: u32) -> Option<Attempt>;
    fn list_attempts(occ: &str) -> Vec<Attempt>;
    fn set_call_sid(occ: &str, k: u32, sid: &str) -> bool;
    fn keep_call_sid(occ: &str, k: u32, sid: &str) -> bool;
    fn record_status(occ: &str, k: u32, sid: &str, status: &str, sequence: i64, duration: Option<u32>, terminal: bool) -> Option<Attempt>;
    fn set_answered_by(occ: &str, k: u32, answered_by: &str) -> ();
    fn set_outcome(occ: &str, k: u32, outcome: Outcome, digit: Option<&str>) -> bool;
    fn set_outcome_or_existing(occ: &str, k: u32, outcome: Outcome) -> Option<Option<Outcome>>;
    fn set_winner_outcome(occ: &str, k: u32) -> bool;
    fn mark_advanced(occ: &str, k: u32) -> bool;
    fn add_speech_chars(occ: &str, k: u32, chars: u32) -> ();
});

dynamo!(Claims {
    fn claim_once(occ: &str, flag: &str, now: DateTime<Utc>, stale_before: DateTime<Utc>) -> Claim;
    fn complete_once(occ: &str, flag: &str) -> ();
    fn release_once(occ: &str, flag: &str) -> ();
});

dynamo!(Offers {
    fn record_offer(phone: &str, occ: &str, employee_id: &str, provider_id: &str, texted: bool, code: Option<&str>) -> ();
    fn offers_for(phone: &str) -> Vec<Offer>;
    fn webhook_handled(id: &str) -> bool;
    fn remember_webhook(id: &str) -> bool;
    fn record_pass(occ: &str, employee_id: &str, channel: &str) -> ();
    fn has_passed(occ: &str, employee_id: &str) -> bool;
    fn passes(occ: &str) -> std::collections::BTreeSet<String>;
    fn set_opted_out(phone: &str, opted_out: bool) -> ();
    fn is_opted_out(phone: &str) -> bool;
    fn record_text(occ: &str, reference: &str, text: &TextLog) -> ();
    fn list_texts(occ: &str) -> Vec<TextLog>;
});

dynamo!(People {
    fn let_person_call(phone: &str, call: &str, now: i64, limit: u32, windows: Windows) -> std::result::Result<(), i64>;
});

dynamo!(Declines {
    fn remember_decline(provider_id: &str, patient_key: &str, employee_id: &str, at: DateTime<Utc>) -> ();
    fn decliners_since(provider_id: &str, patient_key: &str, since: DateTime<Utc>) -> Vec<(String, DateTime<Utc>)>;
});

dynamo!(Recordings {
    fn keep_recording(occ: &str, k: u32, sid: &str, due: DateTime<Utc>) -> bool;
    fn due_recordings(now: DateTime<Utc>, after: Option<&str>, limit: usize) -> Vec<DueRecording>;
    fn recording_deleted(d: &DueRecording) -> ();
});

dynamo!(Counters {
    fn count_listen(provider_id: &str, now: DateTime<Utc>) -> std::result::Result<(), Window>;
    fn spend_speech(provider_id: &str, now: DateTime<Utc>, characters: u32, budget: u32) -> Option<(u64, u64)>;
    fn refund_speech(provider_id: &str, at: DateTime<Utc>, characters: u32) -> ();
    fn speech_used(provider_id: &str, now: DateTime<Utc>) -> u64;
});

dynamo!(ProviderSettings {
    fn get_settings(provider_id: &str) -> Settings;
    fn put_settings(provider_id: &str, settings: &Settings) -> ();
});

dynamo!(Numbers {
    fn claim_number(number: &str, provider_id: &str) -> bool;
    fn release_number(number: &str, provider_id: &str) -> ();
    fn number_owner(number: &str) -> Option<String>;
});

dynamo!(Reachability {
    fn start_check(provider_id: &str, check: &super::reach::ReachCheck) -> bool;
    fn put_check(provider_id: &str, check: &super::reach::ReachCheck) -> ();
    fn get_check(provider_id: &str, employee_id: &str) -> Option<super::reach::ReachCheck>;
    fn list_checks(provider_id: &str) -> Vec<super::reach::ReachCheck>;
});

dynamo!(Queries {
    fn shifts_between(provider_id: &str, from: DateTime<Utc>, to: DateTime<Utc>, limit: usize) -> Vec<Shift>;
    fn calls_between(provider_id: &str, from: DateTime<Utc>, to: DateTime<Utc>, limit: usize) -> Vec<Attempt>;
});
