//! Every spoken text and SMS the product says, in one place: English today, and each function
//! is where a person's language would be chosen. The offer itself is the provider's template
//! (`crate::template`). Texts name people by first name only and patients only as the
//! privacy-safe "Margaret T." (`crate::mask`); none carries a phone number.

use crate::campaign::Outcome;
use crate::template::Values;

/// Before the offer plays again after a key that is neither 1 nor 2.
pub const REPEAT_OFFER: &str = "Sorry, that key is not an option. Here is the message again.";

/// A webhook whose shift or call cannot be found.
pub const NOT_FOUND: &str = "Sorry, we could not find this shift offer. Goodbye.";

/// A call webhook failed on our side; the step is tried again.
pub const SORRY_ONE_MOMENT: &str = "Sorry, something went wrong on our side. One moment please.";

/// A call webhook failed on our side and its tries are used up.
pub const SORRY_GOODBYE: &str = "Sorry, something went wrong on our side and we cannot take your answer right now. Please call the office if you can help with this shift. Goodbye.";

/// 1 took the shift.
pub const ACCEPTED: &str =
    "Thank you. The shift is yours. We will send you a text message to confirm. Goodbye.";

/// 1 came too late: someone else has the shift.
pub const TAKEN: &str =
    "Sorry, this shift has just been filled by someone else. Thank you for answering. Goodbye.";

/// 1 on a call whose offer had already closed (its call ended, or another outcome).
pub const OFFER_CLOSED: &str =
    "Sorry, this call's offer has closed, so that key could not take the shift. Goodbye.";

/// 2: declined.
pub const DECLINED: &str = "No problem, thank you for letting us know. Goodbye.";

/// Wrong keys twice: the call ends as no answer.
pub const GIVE_UP: &str = "Sorry, we did not get an answer we could use. We will offer the shift to someone else. Goodbye.";

fn hi(first_name: &str) -> String {
    if first_name.trim().is_empty() {
        "Hi".to_string()
    } else {
        format!("Hi {}", first_name.trim())
    }
}

/// The winner answers again (a repeated call, a late callback): the shift is theirs already.
pub fn already_yours(first_name: &str) -> String {
    format!("{}, this shift is already yours. Goodbye.", hi(first_name))
}

/// What a voicemail hears: who called and why, never the patient or the place.
pub fn voicemail(first_name: &str) -> String {
    format!(
        "{}, we called about an urgent shift. Please check your text messages or call the office if you can help. Goodbye.",
        hi(first_name)
    )
}

/// The winner's confirmation SMS.
pub fn confirmation_sms(v: &Values) -> String {
    format!(
        "Confirmed: the shift with {} on {} at {} ({}-{}) in {} is yours. Thank you, {}!",
        v.patient_name, v.date, v.time, v.start_time, v.end_time, v.suburb, v.employee_name
    )
}

/// What someone who answers after the offer closed hears, by the shift's real state.
pub fn closed_offer(first_name: &str, status: crate::model::ShiftStatus) -> String {
    use crate::model::ShiftStatus;
    let hi = hi(first_name);
    match status {
        ShiftStatus::Assigned => format!("{hi}, thank you for answering. This shift has now been filled, so there is nothing you need to do. Goodbye."),
        ShiftStatus::UnfilledAfterCalls => format!("{hi}, thank you for answering. The calls for this shift have ended and the office is arranging it, so there is nothing you need to do. Goodbye."),
        ShiftStatus::Open => format!("{hi}, thank you for answering. This call is no longer needed, so there is nothing you need to do. Goodbye."),
    }
}

/// What the timeout route says when no key was pressed, given the outcome the attempt already
/// had (`None`: this is the first word on it). An attempt already `Canceled` means the offer
/// closed while the message played (the shift was filled, or its calls ended): it is not
/// "offered to someone else".
pub fn timeout(already: Option<Outcome>) -> &'static str {
    match already {
        Some(Outcome::Canceled) => {
            "Thank you for listening. This shift offer has now closed, so there is nothing you need to do. Goodbye."
        }
        _ => "We did not hear a response, so we will offer the shift to someone else. Goodbye.",
    }
}

// ---------------------------------------------------------------- call recording

/// Said first on a recorded call, before anything else (the provider's `recordCalls`).
pub const RECORDING_NOTICE: &str = "This call is recorded.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ShiftStatus;

    /// Every text, with a first name where it takes one.
    fn all() -> Vec<String> {
        let v = Values {
            employee_name: "Bob".into(),
            patient_name: "Margaret T.".into(),
            date: "Jan 23".into(),
            time: "9:00 AM".into(),
            start_time: "09:00".into(),
            end_time: "13:00".into(),
            suburb: "Parramatta".into(),
        };
        let mut texts: Vec<String> = [
            REPEAT_OFFER,
            NOT_FOUND,
            SORRY_ONE_MOMENT,
            SORRY_GOODBYE,
            ACCEPTED,
            TAKEN,
            OFFER_CLOSED,
            DECLINED,
            GIVE_UP,
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        texts.extend([already_yours("Bob"), voicemail("Bob"), confirmation_sms(&v)]);
        for s in [
            ShiftStatus::Open,
            ShiftStatus::Assigned,
            ShiftStatus::UnfilledAfterCalls,
        ] {
            texts.push(closed_offer("Bob", s));
        }
        texts.push(timeout(None).into());
        texts.push(timeout(Some(Outcome::Canceled)).into());
        texts
    }

    #[test]
    fn every_text_is_a_finished_sentence_with_nothing_left_to_fill() {
        for t in all() {
            assert!(t.ends_with('.') || t.ends_with('!'), "{t}");
            assert!(!t.contains('{') && !t.contains('}'), "{t}");
            assert!(!t.chars().any(char::is_control), "{t}");
            assert!(t.len() < 240, "short enough to say or text: {t}");
        }
    }

    #[test]
    fn a_missing_first_name_still_greets() {
        assert_eq!(
            already_yours(" "),
            "Hi, this shift is already yours. Goodbye."
        );
        assert!(voicemail("").starts_with("Hi, we called"));
    }

    #[test]
    fn the_voicemail_names_neither_the_patient_nor_the_place() {
        let v = voicemail("Carol");
        assert!(v.starts_with("Hi Carol,"));
        assert!(!v.contains("Margaret") && !v.contains("Parramatta"));
    }

    #[test]
    fn the_timeout_does_not_promise_another_call_on_a_closed_offer() {
        assert!(timeout(None).contains("someone else"));
        assert!(timeout(Some(Outcome::NoAnswer)).contains("someone else"));
        assert!(!timeout(Some(Outcome::Canceled)).contains("someone else"));
    }

    #[test]
    fn a_closed_offer_says_what_happened_to_the_shift() {
        use crate::model::ShiftStatus;
        assert!(closed_offer("Bob", ShiftStatus::Assigned).contains("has now been filled"));
        let unfilled = closed_offer("Bob", ShiftStatus::UnfilledAfterCalls);
        assert!(
            !unfilled.contains("filled,") && unfilled.contains("calls for this shift have ended")
        );
        assert!(!closed_offer("Bob", ShiftStatus::Open).contains("filled"));
    }

    #[test]
    fn the_recording_notice_is_short_and_names_nobody() {
        assert!(RECORDING_NOTICE.len() < 40);
        assert!(RECORDING_NOTICE.contains("recorded"));
        assert!(!RECORDING_NOTICE.contains('{'));
    }
}

// ---------------------------------------------------------------- inbound: call-back line and texts

/// Texts and prompts of the call-back line and of text replies (SPEC §4.8–4.9).
pub mod inbound {
    use super::hi;
    use crate::template::Values;

    /// The offer on the call-back line, with its menu.
    pub fn callback_offer(v: &Values) -> String {
        format!(
            "{}, thank you for calling back. We have an urgent shift for {} on {} at {} in {}. Press 1 to accept, 2 to pass, 3 for the next shift, or 0 for the office.",
            hi(&v.employee_name), v.patient_name, v.date, v.time, v.suburb
        )
    }

    /// The call-back line: 1 took the shift.
    pub const CALLBACK_ACCEPTED: &str =
        "Thank you. The shift is yours. We will send you a text message to confirm. Goodbye.";
    /// The call-back line: 1 on a shift somebody else took meanwhile.
    pub const CALLBACK_FILLED: &str = "Sorry, that shift has just been filled, thank you. Goodbye.";
    /// The call-back line: 2.
    pub const CALLBACK_PASSED: &str = "No problem, we will not call you about that shift again.";
    /// After a pass, nothing else is open for the caller.
    pub const CALLBACK_NO_MORE: &str = "There are no other open shifts for you. Goodbye.";
    /// 3 with one offer.
    pub const CALLBACK_ONLY_ONE: &str = "That is the only open shift for you right now.";
    /// A key that is not on the menu.
    pub const CALLBACK_WRONG_KEY: &str = "Sorry, that key is not an option.";
    /// No key at all.
    pub const CALLBACK_NO_KEY: &str = "We did not hear a choice. Goodbye.";
    /// An unknown caller, or nobody's offer is open.
    pub const CALLBACK_NOTHING_OPEN: &str =
        "Hello, there is no open shift offer for this number right now.";
    /// Before the call is put through to the office.
    pub const CALLBACK_TO_OFFICE: &str = "Connecting you to the office.";
    /// No office number is set.
    pub const CALLBACK_NO_OFFICE: &str = "Please call the office directly. Goodbye.";

    /// The text after a voicemail or an unanswered call; `code` when the person holds several
    /// open offers.
    pub fn follow_up_sms(v: &Values, code: Option<&str>) -> String {
        let reply = match code {
            Some(c) => format!("Reply YES {c} to take it"),
            None => "Reply YES to take it".to_string(),
        };
        format!(
            "{}, we just called about an urgent shift for {} on {} at {} ({}-{}) in {}. {reply}.",
            hi(&v.employee_name),
            v.patient_name,
            v.date,
            v.time,
            v.start_time,
            v.end_time,
            v.suburb
        )
    }

    /// The text to the others once a shift they were texted about is filled.
    pub fn filled_notice(v: &Values) -> String {
        format!(
            "{}, the shift for {} on {} at {} has been filled, thank you. No need to reply.",
            hi(&v.employee_name),
            v.patient_name,
            v.date,
            v.time
        )
    }

    /// Reply to YES that took the shift.
    pub fn sms_accepted(first_name: &str) -> String {
        format!(
            "Thank you, {}! The shift is yours; a confirmation text follows.",
            first_name.trim()
        )
    }
    /// Reply to YES on a shift somebody else took.
    pub const SMS_FILLED: &str = "Sorry, that shift has just been filled, thank you.";
    /// Reply to NO.
    pub const SMS_PASSED: &str =
        "Thank you for letting us know. We will not contact you about that shift again.";
    /// Reply to YES or NO with no open offer.
    pub const SMS_NOTHING_OPEN: &str = "There is no open shift offer for you right now. Thank you.";
    /// Reply to YES or NO with a code none of the offers has.
    pub const SMS_UNKNOWN_CODE: &str =
        "Sorry, that code does not match an open shift offer. Reply with the code from the offer text.";
    /// Reply to YES or NO without a code while several offers are open.
    pub fn sms_need_code(offers: &[(String, String)]) -> String {
        let list: Vec<String> = offers
            .iter()
            .map(|(code, when)| format!("{code} ({when})"))
            .collect();
        format!(
            "You have several shift offers. Reply YES or NO with the shift's code: {}.",
            list.join(", ")
        )
    }
    /// Reply to HELP and to anything not understood.
    pub const SMS_HELP: &str = "Urgent shift offers from your care provider. Reply YES to take the shift offered, NO to pass. Reply STOP to stop these texts.";

    #[cfg(test)]
    mod tests {
        use super::*;

        fn values() -> Values {
            Values {
                employee_name: "Bob".into(),
                patient_name: "Margaret T.".into(),
                date: "Jan 23".into(),
                time: "9:00 AM".into(),
                start_time: "09:00".into(),
                end_time: "13:00".into(),
                suburb: "Parramatta".into(),
            }
        }

        #[test]
        fn every_inbound_text_is_short_private_and_finished() {
            let v = values();
            let texts = [
                callback_offer(&v),
                CALLBACK_ACCEPTED.into(),
                CALLBACK_FILLED.into(),
                CALLBACK_PASSED.into(),
                CALLBACK_NO_MORE.into(),
                CALLBACK_ONLY_ONE.into(),
                CALLBACK_WRONG_KEY.into(),
                CALLBACK_NO_KEY.into(),
                CALLBACK_NOTHING_OPEN.into(),
                CALLBACK_TO_OFFICE.into(),
                CALLBACK_NO_OFFICE.into(),
                follow_up_sms(&v, None),
                follow_up_sms(&v, Some("4K7")),
                filled_notice(&v),
                sms_accepted("Bob"),
                SMS_FILLED.into(),
                SMS_PASSED.into(),
                SMS_NOTHING_OPEN.into(),
                SMS_UNKNOWN_CODE.into(),
                sms_need_code(&[("4K7".into(), "Jan 23 9:00 AM".into())]),
                SMS_HELP.into(),
            ];
            for t in texts {
                assert!(t.ends_with('.') || t.ends_with('!'), "{t}");
                assert!(!t.contains('{') && !t.contains("Thompson"), "{t}");
                assert!(t.len() < 240, "{t}");
            }
        }

        #[test]
        fn the_follow_up_ends_with_the_reply_to_give() {
            let v = values();
            assert!(follow_up_sms(&v, None).ends_with("Reply YES to take it."));
            assert!(follow_up_sms(&v, Some("4K7")).ends_with("Reply YES 4K7 to take it."));
            assert!(callback_offer(&v).contains(
                "Press 1 to accept, 2 to pass, 3 for the next shift, or 0 for the office"
            ));
            assert!(filled_notice(&v).contains("has been filled, thank you"));
        }
    }
}
