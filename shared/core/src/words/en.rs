//! Every text in English.

use super::{code_list, first_names, name, names_list, with_code, Phrasebook, Values};
use crate::campaign::Outcome;
use crate::lang::Language;
use crate::model::ShiftStatus;

pub struct English;

impl Phrasebook for English {
    fn language(&self) -> Language {
        Language::English
    }
    fn hi(&self, first_name: Option<&str>) -> String {
        name(first_name).map_or("Hi".into(), |n| format!("Hi {n}"))
    }
    fn a_client(&self) -> &'static str {
        crate::patient_name::UNNAMED_PATIENT
    }
    fn date(&self, month: u32, day: u32) -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        format!("{} {day}", MONTHS[(month.clamp(1, 12) - 1) as usize])
    }
    fn time(&self, hour: u32, minute: u32) -> String {
        let h12 = match hour % 12 {
            0 => 12,
            h => h,
        };
        let half = if hour < 12 { "AM" } else { "PM" };
        format!("{h12}:{minute:02} {half}")
    }
    fn default_template(&self) -> &'static str {
        "Hi {employeeName}, we have an urgent shift for {patientName} on {date} at {time} in {suburb}. Press 1 to accept this shift, or press 2 to decline."
    }
    fn repeat_offer(&self) -> &'static str {
        "Sorry, that key is not an option. Here is the message again."
    }
    fn not_found(&self) -> &'static str {
        "Sorry, we could not find this shift offer. Goodbye."
    }
    fn sorry_one_moment(&self) -> &'static str {
        "Sorry, something went wrong on our side. One moment please."
    }
    fn sorry_goodbye(&self) -> &'static str {
        "Sorry, something went wrong on our side and we cannot take your answer right now. Please call the office if you can help with this shift. Goodbye."
    }
    fn accepted(&self) -> &'static str {
        "Thank you. The shift is yours. We will send you a text message to confirm. Goodbye."
    }
    fn taken(&self) -> &'static str {
        "Sorry, this shift has just been filled by someone else. Thank you for answering. Goodbye."
    }
    fn offer_closed(&self) -> &'static str {
        "Sorry, this call's offer has closed, so that key could not take the shift. Goodbye."
    }
    fn declined(&self) -> &'static str {
        "No problem, thank you for letting us know. Goodbye."
    }
    fn give_up(&self) -> &'static str {
        "Sorry, we did not get an answer we could use. We will offer the shift to someone else. Goodbye."
    }
    fn already_yours(&self, hi: &str) -> String {
        format!("{hi}, this shift is already yours. Goodbye.")
    }
    fn voicemail(&self, hi: &str) -> String {
        format!("{hi}, we called about an urgent shift. Please check your text messages or call the office if you can help. Goodbye.")
    }
    fn shift_cancelled(&self, hi: &str) -> String {
        format!("{hi}, we are sorry: this shift has been cancelled, so we no longer need you for it. Thank you for your time. Goodbye.")
    }
    fn closed_offer(&self, hi: &str, status: ShiftStatus) -> String {
        match status {
            ShiftStatus::Assigned => format!("{hi}, thank you for answering. This shift has now been filled, so there is nothing you need to do. Goodbye."),
            ShiftStatus::UnfilledAfterCalls => format!("{hi}, thank you for answering. The calls for this shift have ended and the office is arranging it, so there is nothing you need to do. Goodbye."),
            ShiftStatus::Cancelled => self.shift_cancelled(hi),
            ShiftStatus::Open | ShiftStatus::NotCalled => format!("{hi}, thank you for answering. This call is no longer needed, so there is nothing you need to do. Goodbye."),
        }
    }
    fn timeout(&self, already: Option<Outcome>) -> &'static str {
        match already {
            Some(Outcome::Canceled) => "Thank you for listening. This shift offer has now closed, so there is nothing you need to do. Goodbye.",
            _ => "We did not hear a response, so we will offer the shift to someone else. Goodbye.",
        }
    }
    fn confirmation_sms(&self, v: &Values) -> String {
        format!(
            "Confirmed: the shift with {} on {} at {} ({}-{}) in {} is yours. Thank you, {}!",
            v.patient_name, v.date, v.time, v.start_time, v.end_time, v.suburb, v.employee_name
        )
    }
    fn recording_notice(&self) -> &'static str {
        "This call is recorded."
    }
    fn callback_offer(&self, v: &Values) -> String {
        format!(
            "{}, thank you for calling back. We have an urgent shift for {} on {} at {} in {}. Press 1 to accept, 2 to pass, 3 for the next shift, or 0 for the office.",
            self.hi(Some(&v.employee_name)), v.patient_name, v.date, v.time, v.suburb
        )
    }
    fn callback_accepted(&self) -> &'static str {
        "Thank you. The shift is yours. We will send you a text message to confirm. Goodbye."
    }
    fn callback_filled(&self) -> &'static str {
        "Sorry, that shift has just been filled, thank you. Goodbye."
    }
    fn callback_passed(&self) -> &'static str {
        "No problem, we will not call you about that shift again."
    }
    fn callback_no_more(&self) -> &'static str {
        "There are no other open shifts for you. Goodbye."
    }
    fn callback_only_one(&self) -> &'static str {
        "That is the only open shift for you right now."
    }
    fn callback_wrong_key(&self) -> &'static str {
        "Sorry, that key is not an option."
    }
    fn callback_no_key(&self) -> &'static str {
        "We did not hear a choice. Goodbye."
    }
    fn callback_nothing_open(&self) -> &'static str {
        "Hello, there is no open shift offer for this number right now."
    }
    fn number_not_in_use(&self) -> &'static str {
        "Sorry, this number is not in use. Please contact your agency on its usual number. Goodbye."
    }
    fn reach_check(&self, agency: Option<&str>) -> String {
        format!(
            "This is {} checking we can reach you for urgent shifts. Press 1 if you heard this.",
            agency.unwrap_or("your care agency")
        )
    }
    fn reach_thanks(&self) -> &'static str {
        "Thank you, we can reach you. Goodbye."
    }
    fn callback_to_office(&self) -> &'static str {
        "Connecting you to the office."
    }
    fn callback_no_office(&self) -> &'static str {
        "Please call the office directly. Goodbye."
    }
    fn callback_which_person(&self, first_names: &[String]) -> String {
        let keys: Vec<String> = first_names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("for {} press {}", n.trim(), i + 1))
            .collect();
        format!(
            "Thank you for calling back. This number has shift offers for more than one person: {}.",
            keys.join(", ")
        )
    }
    fn follow_up_sms(&self, v: &Values, code: Option<&str>) -> String {
        format!(
            "{}, we just called about an urgent shift for {} on {} at {} ({}-{}) in {}. Reply YES{} to take it.",
            self.hi(Some(&v.employee_name)),
            v.patient_name,
            v.date,
            v.time,
            v.start_time,
            v.end_time,
            v.suburb,
            with_code(code)
        )
    }
    fn follow_up_sms_shared(&self, v: &Values, people: &[(String, String)]) -> String {
        let replies: Vec<String> = people
            .iter()
            .map(|(n, c)| format!("YES {c} for {}", n.trim()))
            .collect();
        format!(
            "Hi {}, we just called about an urgent shift for {} on {} at {} ({}-{}) in {}. Reply {} to take it.",
            names_list(&first_names(people), "and"),
            v.patient_name,
            v.date,
            v.time,
            v.start_time,
            v.end_time,
            v.suburb,
            replies.join(" or ")
        )
    }
    fn filled_notice(&self, v: &Values) -> String {
        format!(
            "{}, the shift for {} on {} at {} has been filled, thank you. No need to reply.",
            self.hi(Some(&v.employee_name)),
            v.patient_name,
            v.date,
            v.time
        )
    }
    fn sms_accepted(&self, first_name: &str) -> String {
        format!(
            "Thank you, {}! The shift is yours; a confirmation text follows.",
            first_name.trim()
        )
    }
    fn sms_filled(&self) -> &'static str {
        "Sorry, that shift has just been filled, thank you."
    }
    fn sms_passed(&self) -> &'static str {
        "Thank you for letting us know. We will not contact you about that shift again."
    }
    fn sms_nothing_open(&self) -> &'static str {
        "There is no open shift offer for you right now. Thank you."
    }
    fn sms_unknown_code(&self) -> &'static str {
        "Sorry, that code does not match an open shift offer. Reply with the code from the offer text."
    }
    fn sms_need_code(&self, offers: &[(String, String)]) -> String {
        format!(
            "You have several shift offers. Reply YES or NO with the shift's code: {}.",
            code_list(offers)
        )
    }
    fn sms_which_person(&self, offers: &[(String, String)]) -> String {
        format!(
            "This number has shift offers for more than one person. Reply YES or NO with your code: {}.",
            code_list(offers)
        )
    }
    fn sms_ambiguous_code(&self) -> &'static str {
        "Sorry, that code matches more than one shift offer. Please call this number back to choose."
    }
    fn sms_help(&self) -> &'static str {
        "Urgent shift offers from your care provider. Reply YES to take the shift offered, NO to pass. Reply STOP to stop these texts."
    }
}
