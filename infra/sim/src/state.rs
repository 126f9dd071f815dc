//! What the simulated Twilio knows: its calls (with the REST updates waiting for each call's
//! task), the phones' behaviours, the SMS sent, and the faults it has been told to inject.
//! ElevenLabs' state lives apart, in `elevenlabs`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use tokio::sync::Notify;

use crate::elevenlabs::ElevenLabs;
use crate::SimConfig;
use crate::{Behaviour, CallEvent, CallRecord, CallbackDelivery, MessageRecord, Refusal, RestOp};

/// A change requested through `POST Calls/{sid}.json`, applied by the call's task.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Update {
    /// End a queued/ringing call as canceled.
    Cancel,
    /// Hang up an in-progress call.
    Complete,
    Twiml(String),
    Url {
        url: String,
        method: String,
    },
}

pub(crate) struct CallEntry {
    pub record: CallRecord,
    /// What the REST API reports (final a little before `record.status`).
    pub api_status: String,
    pub date_updated: SystemTime,
    pub start_time: Option<SystemTime>,
    pub end_time: Option<SystemTime>,
    pub pending: Option<Update>,
    pub notify: Arc<Notify>,
}

/// Calls, phones and messages, under one lock.
#[derive(Default)]
pub(crate) struct Calls {
    pub calls: Vec<CallEntry>,
    pub index: HashMap<String, usize>,
    pub phones: HashMap<String, Behaviour>,
    pub messages: Vec<MessageRecord>,
    /// Call recording: the recordings made of calls placed with `Record=true`.
    pub recordings: Vec<crate::RecordingInfo>,
    /// The account's numbers and the webhooks Twilio calls for each (`Sim::set_number`), the
    /// product's own first.
    pub numbers: Vec<crate::inbound::IncomingNumber>,
    /// Numbers that texted an opt-out keyword to the product's number: Twilio refuses every
    /// text to them with 21610 until they text an opt-in keyword.
    pub stopped: std::collections::HashSet<String>,
}

impl Calls {
    pub fn call_mut(&mut self, sid: &str) -> Option<&mut CallEntry> {
        let i = *self.index.get(sid)?;
        self.calls.get_mut(i)
    }
}

/// The faults Twilio has been told to inject, and the refusals it served.
#[derive(Default)]
pub(crate) struct Faults {
    pub callback_delivery: CallbackDelivery,
    pub rest_failures: Vec<(RestOp, Refusal)>,
    /// The next create-call requests are carried out but answered this late: later than the
    /// client waits, so it cannot tell whether the call exists.
    pub late_create_answers: Vec<std::time::Duration>,
    /// While set, every REST request is refused with this (an account-wide refusal).
    pub account_refusal: Option<Refusal>,
    /// Numbers Twilio refuses to text, and how (e.g. 21610 after the person texted STOP).
    pub sms_refusals: HashMap<String, Refusal>,
    /// Every refusal served (injected, account-wide, per number), in order.
    pub refused: Vec<(RestOp, Refusal)>,
}

/// The simulated Twilio's state.
#[derive(Default)]
pub(crate) struct Twilio {
    calls: Mutex<Calls>,
    faults: Mutex<Faults>,
}

impl Twilio {
    pub fn calls(&self) -> MutexGuard<'_, Calls> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Append an event to a call's record.
    pub fn push(&self, sid: &str, event: CallEvent) {
        if let Some(c) = self.calls().call_mut(sid) {
            c.record.events.push(event);
            c.date_updated = SystemTime::now();
        }
    }

    /// The next injected failure of `op`, noted as served.
    pub fn take_rest_failure(&self, op: RestOp) -> Option<Refusal> {
        let mut f = self.faults();
        let i = f.rest_failures.iter().position(|(o, _)| *o == op)?;
        let r = f.rest_failures.remove(i).1;
        f.refused.push((op, r));
        Some(r)
    }

    /// The account-wide refusal, if set, noted as served for `op`.
    pub fn take_account_refusal(&self, op: RestOp) -> Option<Refusal> {
        let mut f = self.faults();
        let r = f.account_refusal?;
        f.refused.push((op, r));
        Some(r)
    }

    /// The refusal for an SMS to `number`, if set, noted as served.
    pub fn take_sms_refusal(&self, number: &str) -> Option<Refusal> {
        let mut f = self.faults();
        let r = *f.sms_refusals.get(number)?;
        f.refused.push((RestOp::Message, r));
        Some(r)
    }
}

/// Everything the running simulator shares between its server and its calls' tasks.
pub(crate) struct Inner {
    pub config: SimConfig,
    pub base_url: String,
    /// Where recordings' media are served (another listener: Twilio's media host).
    pub media_url: String,
    /// The client the simulated Twilio calls webhooks and fetches audio with.
    pub http: reqwest::Client,
    pub twilio: Twilio,
    pub elevenlabs: ElevenLabs,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injected_refusals_are_served_once_each_and_noted() {
        let t = Twilio::default();
        t.faults().rest_failures = vec![
            (RestOp::CreateCall, Refusal::BAD_CREDENTIALS),
            (RestOp::Message, Refusal::OPTED_OUT),
        ];
        assert_eq!(t.take_rest_failure(RestOp::FetchCall), None);
        assert_eq!(
            t.take_rest_failure(RestOp::Message),
            Some(Refusal::OPTED_OUT)
        );
        assert_eq!(t.take_rest_failure(RestOp::Message), None);
        t.faults()
            .sms_refusals
            .insert("+61400000001".into(), Refusal::NOT_MOBILE);
        assert_eq!(t.take_sms_refusal("+61400000002"), None);
        assert_eq!(
            t.take_sms_refusal("+61400000001"),
            Some(Refusal::NOT_MOBILE)
        );
        assert_eq!(
            t.faults().refused,
            vec![
                (RestOp::Message, Refusal::OPTED_OUT),
                (RestOp::Message, Refusal::NOT_MOBILE)
            ]
        );
    }
}
