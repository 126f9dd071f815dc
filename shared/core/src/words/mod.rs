//! Every spoken text and SMS the product says, in one place and in every language it speaks
//! (`lang::Language`): English (`en`), Spanish (`es`) and French (`fr`), one file each. The offer
//! itself is the provider's template (`crate::template`), or, in a language the provider wrote
//! none for, that language's [`Phrasebook::default_template`]. Texts name people by first name
//! only and patients only as the privacy-safe "Margaret T." (`patient_name::privacy_safe_name`);
//! none carries a phone number.
//!
//! A text is a method of [`Phrasebook`], with no default: a new text does not compile until
//! every language has it. No text lives outside the phrasebook (a test reads these files and
//! names any `pub const` or `pub fn` that would), and each language is checked for English
//! that slipped through.
//!
//! What is said for a language, a call's speech, an answered call or a key press is decided
//! here, with the texts (`Language::words`, `Speech::words`, `Answered::words`,
//! `KeyPress::words`): the modules that define those types know nothing of texts.

use chrono::{DateTime, Datelike, FixedOffset, Timelike};

use crate::campaign::{Answered, KeyPress, Outcome};
use crate::lang::{Language, Speech};
use crate::model::{Job, ShiftStatus};
use crate::patient_name::{privacy_safe_name, UNNAMED_PATIENT};
use crate::zone::Zone;

mod en;
mod es;
mod fr;
#[cfg(test)]
mod tests;

pub use en::English;
pub use es::Spanish;
pub use fr::French;

/// Every fixed text, as one language says it.
pub trait Phrasebook: Sync {
    /// The language these texts are in.
    fn language(&self) -> Language;

    // ---- parts of other texts

    /// A greeting with a first name, or alone when there is none ("Hi Ann" / "Hi").
    fn hi(&self, first_name: Option<&str>) -> String;
    /// The patient when no privacy-safe name can be made ("a client").
    fn a_client(&self) -> &'static str;
    /// A date as the offer says it ("Jan 23"); `month` 1-12.
    fn date(&self, month: u32, day: u32) -> String;
    /// A time of day as the offer says it ("9:00 AM").
    fn time(&self, hour: u32, minute: u32) -> String;
    /// The offer when the provider has no template in this language (same variables as a
    /// provider's template).
    fn default_template(&self) -> &'static str;

    // ---- what a caller hears

    /// Before the offer plays again after a key that is neither 1 nor 2.
    fn repeat_offer(&self) -> &'static str;
    /// A webhook whose shift or call cannot be found.
    fn not_found(&self) -> &'static str;
    /// A call webhook failed on our side; the step is tried again.
    fn sorry_one_moment(&self) -> &'static str;
    /// A call webhook failed on our side and its tries are used up.
    fn sorry_goodbye(&self) -> &'static str;
    /// 1 took the shift.
    fn accepted(&self) -> &'static str;
    /// 1 came too late: someone else has the shift.
    fn taken(&self) -> &'static str;
    /// 1 on a call whose offer had already closed (its call ended, or another outcome).
    fn offer_closed(&self) -> &'static str;
    /// 2: declined.
    fn declined(&self) -> &'static str;
    /// Wrong keys twice: the call ends as no answer.
    fn give_up(&self) -> &'static str;
    /// The winner answers again (a repeated call, a late callback): the shift is theirs
    /// already. `hi` is [`Phrasebook::hi`].
    fn already_yours(&self, hi: &str) -> String;
    /// What a voicemail hears: who called and why, never the patient or the place.
    fn voicemail(&self, hi: &str) -> String;
    /// A live call's apology when its shift is cancelled (then the call hangs up); also what
    /// someone who answers or presses 1 after the cancel hears.
    fn shift_cancelled(&self, hi: &str) -> String;
    /// What someone who answers after the offer closed hears, by the shift's real state.
    fn closed_offer(&self, hi: &str, status: ShiftStatus) -> String;
    /// No key was pressed after the offer (the attempt's outcome so far: `Canceled` means the
    /// offer closed while the message played, so it is not "offered to someone else").
    fn timeout(&self, already: Option<Outcome>) -> &'static str;

    // ---- SMS

    /// The winner's confirmation SMS (`v` in this language: `template::Values::for_job_in`).
    fn confirmation_sms(&self, v: &Values) -> String;

    // ---- call recording

    /// Said first on a recorded call, before anything else (the provider's `recordCalls`).
    fn recording_notice(&self) -> &'static str;

    // ---- the call-back line (SPEC §4.8)

    /// The offer on the call-back line, with its menu (`v` in this language).
    fn callback_offer(&self, v: &Values) -> String;
    /// 1 took the shift.
    fn callback_accepted(&self) -> &'static str;
    /// 1 on a shift somebody else took meanwhile.
    fn callback_filled(&self) -> &'static str;
    /// 2: the person passed on the shift.
    fn callback_passed(&self) -> &'static str;
    /// After a pass, nothing else is open for the caller.
    fn callback_no_more(&self) -> &'static str;
    /// 3 with one offer.
    fn callback_only_one(&self) -> &'static str;
    /// A key that is not on the menu.
    fn callback_wrong_key(&self) -> &'static str;
    /// No key at all.
    fn callback_no_key(&self) -> &'static str;
    /// An unknown caller, or nobody's offer is open.
    fn callback_nothing_open(&self) -> &'static str;
    /// A call or a text to a number no provider holds (not the platform's either).
    fn number_not_in_use(&self) -> &'static str;
    /// A reachability check call: who calls (`agency`, the provider's `agencyName`, else a
    /// general name) and what to press.
    fn reach_check(&self, agency: Option<&str>) -> String;
    /// A reachability check: 1 was pressed.
    fn reach_thanks(&self) -> &'static str;
    /// Before the call is put through to the office.
    fn callback_to_office(&self) -> &'static str;
    /// No office number is set.
    fn callback_no_office(&self) -> &'static str;
    /// Before the offer, on a number several people with open offers share: who is calling
    /// (the first names, in key order: "For Mum press 1, for Dad press 2").
    fn callback_which_person(&self, first_names: &[String]) -> String;

    // ---- texts after a call, and replies to texts (SPEC §4.9)

    /// The text after a voicemail or an unanswered call; `code` when the person holds several
    /// open offers. It ends with the reply to give (a keyword `inbound::parse_reply` reads).
    fn follow_up_sms(&self, v: &Values, code: Option<&str>) -> String;
    /// The one text after a missed call to a number several people of the shift's pool share:
    /// it names them all, each with the code that takes the shift as them (first name, code).
    fn follow_up_sms_shared(&self, v: &Values, people: &[(String, String)]) -> String;
    /// The text to the others once a shift they were texted about is filled.
    fn filled_notice(&self, v: &Values) -> String;
    /// Reply to a YES that took the shift.
    fn sms_accepted(&self, first_name: &str) -> String;
    /// Reply to a YES on a shift somebody else took.
    fn sms_filled(&self) -> &'static str;
    /// Reply to NO.
    fn sms_passed(&self) -> &'static str;
    /// Reply to YES or NO with no open offer.
    fn sms_nothing_open(&self) -> &'static str;
    /// Reply to YES or NO with a code none of the offers has.
    fn sms_unknown_code(&self) -> &'static str;
    /// Reply to YES or NO without a code while several offers are open: (code, when) each.
    fn sms_need_code(&self, offers: &[(String, String)]) -> String;
    /// Reply to YES or NO without a code from a number several people share: whose offer it
    /// is, (code, "name, when") each.
    fn sms_which_person(&self, offers: &[(String, String)]) -> String;
    /// Reply to YES or NO with a code several open offers share: the call-back line tells them
    /// apart.
    fn sms_ambiguous_code(&self) -> &'static str;
    /// Reply to HELP and to anything not understood.
    fn sms_help(&self) -> &'static str;
}

/// The phrasebook of `language`.
pub fn of(language: Language) -> &'static dyn Phrasebook {
    match language {
        Language::English => &English,
        Language::Spanish => &Spanish,
        Language::French => &French,
    }
}

impl Language {
    /// Every fixed text in this language.
    pub fn words(self) -> &'static dyn Phrasebook {
        of(self)
    }
}

impl Speech {
    /// Every fixed text in this call's language.
    pub fn words(&self) -> &'static dyn Phrasebook {
        of(self.language)
    }
}

impl Answered {
    /// What the person hears before the call ends, in `words`' language; `None` for the
    /// offer itself.
    pub fn words(self, words: &dyn Phrasebook, first_name: &str) -> Option<String> {
        let hi = words.hi(Some(first_name));
        match self {
            Answered::Offer => None,
            Answered::AlreadyYours => Some(words.already_yours(&hi)),
            Answered::Closed(status) => Some(words.closed_offer(&hi, status)),
            Answered::Voicemail => Some(words.voicemail(&hi)),
        }
    }
}

impl KeyPress {
    /// What the person hears before the call ends, in `words`' language (`None`: the
    /// acceptance decides, or the offer plays again after `Phrasebook::repeat_offer`).
    pub fn words(self, words: &dyn Phrasebook) -> Option<&'static str> {
        match self {
            KeyPress::Decline => Some(words.declined()),
            KeyPress::GiveUp => Some(words.give_up()),
            KeyPress::Accept | KeyPress::Repeat => None,
        }
    }
}

// ---------------------------------------------------------------- the values of an offer

/// The values of every template variable (`template::VARIABLES`) for one call, in the call's
/// language: what the offer and the texts about a shift are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Values {
    pub employee_name: String,
    pub patient_name: String,
    pub date: String,
    pub time: String,
    pub start_time: String,
    pub end_time: String,
    pub suburb: String,
}

fn local(t: &DateTime<FixedOffset>, tz: Option<&Zone>) -> DateTime<FixedOffset> {
    match tz {
        Some(tz) => tz.local(t),
        None => *t,
    }
}

impl Values {
    /// Values for `employee_first_name` being offered `job`, in the shift's time zone
    /// (the offset in the event is used when the zone is unknown), in English.
    pub fn for_job(employee_first_name: &str, job: &Job) -> Values {
        Values::for_job_in(Language::English, employee_first_name, job)
    }

    /// The same in `language`: its date and time ("Jan 23", "9:00 AM"; "23 de enero", "9:00";
    /// "23 janvier", "9 h 00") and its word for a patient without a usable name.
    pub fn for_job_in(language: Language, employee_first_name: &str, job: &Job) -> Values {
        let words = of(language);
        let tz = Zone::get(&job.time_zone);
        let start = local(&job.starts_at, tz.as_ref());
        let end = local(&job.ends_at, tz.as_ref());
        let patient_name = match privacy_safe_name(&job.patient_name) {
            n if n == UNNAMED_PATIENT => words.a_client().to_string(),
            n => n,
        };
        Values {
            employee_name: employee_first_name.trim().to_string(),
            patient_name,
            date: words.date(start.month(), start.day()),
            time: words.time(start.hour(), start.minute()),
            start_time: start.format("%H:%M").to_string(),
            end_time: end.format("%H:%M").to_string(),
            suburb: job.suburb.trim().to_string(),
        }
    }
}

// ---------------------------------------------------------------- parts the languages share

fn name(first_name: Option<&str>) -> Option<&str> {
    first_name.map(str::trim).filter(|n| !n.is_empty())
}

/// "(code, when)" pairs as a reply lists them: "4K7 (Jan 23 9:00 AM), 9XY (…)".
fn code_list(offers: &[(String, String)]) -> String {
    offers
        .iter()
        .map(|(code, when)| format!("{code} ({when})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "Mum", "Mum and Dad", "Mum, Dad and Ann", with the language's "and".
fn names_list(names: &[String], and: &str) -> String {
    match names {
        [] => String::new(),
        [one] => one.trim().to_string(),
        [rest @ .., last] => format!(
            "{} {and} {}",
            rest.iter().map(|n| n.trim()).collect::<Vec<_>>().join(", "),
            last.trim()
        ),
    }
}

/// The first names of (first name, code) pairs.
fn first_names(people: &[(String, String)]) -> Vec<String> {
    people.iter().map(|(n, _)| n.clone()).collect()
}

/// " 4K7" after the reply keyword, or nothing.
fn with_code(code: Option<&str>) -> String {
    code.map(|c| format!(" {c}")).unwrap_or_default()
}
