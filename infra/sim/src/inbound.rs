//! Phones that call the product's number back and text it, as Twilio carries them: a signed
//! incoming-call webhook to the number's voice URL whose TwiML is followed (`<Gather>`,
//! `<Redirect>`, `<Dial>`…), a signed incoming-message webhook to its messaging URL whose
//! `<Message>` replies are delivered, and Twilio's opt-out keywords kept (a number that texted
//! STOP gets no text from the number, 21610, until START, YES or UNSTOP).

use std::sync::Arc;
use std::time::SystemTime;

use callout_core::signature::sign;
use tokio::sync::Notify;

use crate::state::CallEntry;
use crate::wire::new_sid;
use crate::{call, Behaviour, CallRecord, MessageRecord, Sim};

/// The product's Twilio number and the webhooks set on it.
#[derive(Clone, Debug)]
pub(crate) struct IncomingNumber {
    pub number: String,
    pub voice_url: String,
    pub sms_url: String,
}

/// Numbers the local account holds besides the product's own (the local runtime and the
/// tests add them with `Sim::add_number`): a provider may take one as its `fromNumber`.
pub const PROVIDER_NUMBERS: [&str; 3] = ["+61200000101", "+61200000102", "+61200000103"];

/// Twilio's default opt-out and opt-in keywords (a message of exactly one of them).
const OPT_OUT: [&str; 8] = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
];
const OPT_IN: [&str; 3] = ["START", "YES", "UNSTOP"];
/// What Twilio answers an opt-out keyword with.
pub const STOP_REPLY: &str = "You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.";

impl Sim {
    /// One of the account's numbers (`number`, the product's own the first set) and its
    /// webhooks: the voice URL an incoming call asks, the messaging URL an incoming text is
    /// posted to. Listed by `GET IncomingPhoneNumbers.json`; set again, it is replaced.
    pub fn set_number(&self, number: &str, voice_url: &str, sms_url: &str) {
        let n = IncomingNumber {
            number: number.into(),
            voice_url: voice_url.into(),
            sms_url: sms_url.into(),
        };
        let mut calls = self.inner.twilio.calls();
        match calls.numbers.iter_mut().find(|x| x.number == number) {
            Some(x) => *x = n,
            None => calls.numbers.push(n),
        }
    }

    /// Another number on the account, with the same webhooks as the product's own.
    pub fn add_number(&self, number: &str) {
        let first = self.number(None);
        self.set_number(number, &first.voice_url, &first.sms_url);
    }

    /// The account's numbers, in the order they were set.
    pub fn numbers(&self) -> Vec<String> {
        self.inner
            .twilio
            .calls()
            .numbers
            .iter()
            .map(|n| n.number.clone())
            .collect()
    }

    /// The number `to` (the product's own when `None`), or a number the account does not hold
    /// that Twilio would still carry to the product's webhooks (as a number ported away whose
    /// webhooks were left set): a call or text to it reaches the product with that `To`.
    fn number(&self, to: Option<&str>) -> IncomingNumber {
        let calls = self.inner.twilio.calls();
        let first = calls
            .numbers
            .first()
            .cloned()
            .expect("Sim::set_number first: the product's number and its webhooks");
        match to {
            None => first,
            Some(to) => calls
                .numbers
                .iter()
                .find(|n| n.number == to)
                .cloned()
                .unwrap_or(IncomingNumber {
                    number: to.to_string(),
                    ..first
                }),
        }
    }

    /// The phone `from` rings the product's number and presses `keys`, one per `<Gather>`, in
    /// order; the call, once over.
    pub async fn call_in(&self, from: &str, keys: &str) -> CallRecord {
        self.call_in_to(from, None, keys).await
    }

    /// The phone `from` rings the number `to` (the product's own when `None`) and presses
    /// `keys`; the call, once over.
    pub async fn call_in_to(&self, from: &str, to: Option<&str>, keys: &str) -> CallRecord {
        let n = self.number(to);
        let sid = new_sid("CA");
        let form: Vec<(String, String)> = [
            ("To", n.number.as_str()),
            ("From", from),
            ("Url", n.voice_url.as_str()),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let now = SystemTime::now();
        {
            let mut st = self.inner.twilio.calls();
            let i = st.calls.len();
            st.index.insert(sid.clone(), i);
            st.calls.push(CallEntry {
                record: CallRecord {
                    sid: sid.clone(),
                    to: n.number.clone(),
                    from: from.to_string(),
                    created: now,
                    ended_at: None,
                    status: "ringing".into(),
                    duration_secs: 0,
                    answered_by: None,
                    events: Vec::new(),
                    request: form.clone(),
                },
                api_status: "ringing".into(),
                date_updated: now,
                start_time: None,
                end_time: None,
                pending: None,
                notify: Arc::new(Notify::new()),
            });
        }
        call::run_inbound(
            self.inner.clone(),
            sid.clone(),
            Behaviour::Keys(keys.to_string()),
            form,
        )
        .await;
        self.call(&sid).expect("the call just made")
    }

    /// The phone `from` texts `body` to the product's number; the replies it receives (the
    /// `<Message>`s of our answer, or Twilio's own to an opt-out keyword).
    pub async fn text_in(&self, from: &str, body: &str) -> Vec<String> {
        self.text_in_to(from, None, body).await
    }

    /// The phone `from` texts `body` to the number `to` (the product's own when `None`); the
    /// replies it receives, from that number.
    pub async fn text_in_to(&self, from: &str, to: Option<&str>, body: &str) -> Vec<String> {
        let n = self.number(to);
        let keyword = body.trim().to_uppercase();
        let mut received = Vec::new();
        if OPT_OUT.contains(&keyword.as_str()) {
            self.inner.twilio.calls().stopped.insert(from.to_string());
            self.deliver(&n.number, from, STOP_REPLY);
            received.push(STOP_REPLY.to_string());
        } else if OPT_IN.contains(&keyword.as_str()) {
            self.inner.twilio.calls().stopped.remove(from);
        }
        let sid = new_sid("SM");
        let params: Vec<(String, String)> = [
            ("ToCountry", "AU"),
            ("SmsMessageSid", sid.as_str()),
            ("NumMedia", "0"),
            ("SmsSid", sid.as_str()),
            ("SmsStatus", "received"),
            ("Body", body),
            ("To", n.number.as_str()),
            ("NumSegments", "1"),
            ("MessageSid", sid.as_str()),
            ("AccountSid", self.inner.config.account_sid.as_str()),
            ("From", from),
            ("ApiVersion", "2010-04-01"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let signature = sign(&self.inner.config.auth_token, &n.sms_url, &params);
        let reply = self
            .inner
            .http
            .post(&n.sms_url)
            .header("X-Twilio-Signature", signature)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("User-Agent", "TwilioProxy/1.1")
            .body(serde_urlencoded::to_string(&params).unwrap_or_default())
            .send()
            .await;
        let text = match reply {
            Ok(r) if r.status().is_success() => r.text().await.unwrap_or_default(),
            Ok(r) => {
                tracing::warn!(
                    status = r.status().as_u16(),
                    "incoming-message webhook failed"
                );
                return received;
            }
            Err(e) => {
                tracing::warn!(error = %e, "incoming-message webhook failed");
                return received;
            }
        };
        for body in messages_in(&text) {
            // A reply to a number that opted out is refused like any other text (21610).
            if self.inner.twilio.calls().stopped.contains(from) {
                self.inner
                    .twilio
                    .faults()
                    .refused
                    .push((crate::RestOp::Message, crate::Refusal::OPTED_OUT));
                continue;
            }
            self.deliver(&n.number, from, &body);
            received.push(body);
        }
        received
    }

    fn deliver(&self, from: &str, to: &str, body: &str) {
        self.inner.twilio.calls().messages.push(MessageRecord {
            sid: new_sid("SM"),
            created: std::time::SystemTime::now(),
            to: to.to_string(),
            from: from.to_string(),
            body: body.to_string(),
        });
    }

    /// Texts received by `number`, in order.
    pub fn texts_to(&self, number: &str) -> Vec<String> {
        self.messages()
            .into_iter()
            .filter(|m| m.to == number)
            .map(|m| m.body)
            .collect()
    }

    /// True while `number` has opted out (texted STOP and not START since).
    pub fn is_stopped(&self, number: &str) -> bool {
        self.inner.twilio.calls().stopped.contains(number)
    }
}

/// The `<Message>` bodies of a messaging TwiML answer (its text, or its `<Body>`'s).
fn messages_in(xml: &str) -> Vec<String> {
    let Ok(doc) = roxmltree::Document::parse(xml.trim_start_matches('\u{feff}').trim()) else {
        tracing::warn!("the incoming-message webhook did not answer TwiML");
        return Vec::new();
    };
    doc.root_element()
        .children()
        .filter(|n| n.has_tag_name("Message"))
        .map(|m| {
            m.descendants()
                .filter(|n| n.is_text())
                .filter_map(|n| n.text())
                .collect::<String>()
                .trim()
                .to_string()
        })
        .filter(|b| !b.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_bodies_are_read_from_twiml() {
        assert_eq!(
            messages_in("<?xml version=\"1.0\"?><Response><Message>Hi &amp; bye</Message><Message><Body>Two</Body></Message></Response>"),
            vec!["Hi & bye".to_string(), "Two".to_string()]
        );
        assert!(messages_in("<Response></Response>").is_empty());
        assert!(messages_in("not xml").is_empty());
    }
}
