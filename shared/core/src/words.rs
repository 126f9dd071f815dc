//! Every spoken text and SMS the product says, in one place and in every language it speaks
//! (`lang::Language`): English, Spanish and French. The offer itself is the provider's template
//! (`crate::template`), or, in a language the provider wrote none for, that language's
//! [`Phrasebook::default_template`]. Texts name people by first name only and patients only as
//! the privacy-safe "Margaret T." (`crate::mask`); none carries a phone number.
//!
//! A text is a method of [`Phrasebook`], with no default: a new text does not compile until
//! every language has it. No text lives outside the phrasebook (a test reads this file and
//! names any `pub const` or `pub fn` that would), and each language is checked for English
//! that slipped through.

use crate::campaign::Outcome;
use crate::lang::Language;
use crate::model::ShiftStatus;
use crate::template::Values;

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

// ---------------------------------------------------------------- English

pub struct English;

impl Phrasebook for English {
    fn language(&self) -> Language {
        Language::English
    }
    fn hi(&self, first_name: Option<&str>) -> String {
        name(first_name).map_or("Hi".into(), |n| format!("Hi {n}"))
    }
    fn a_client(&self) -> &'static str {
        crate::validate::UNNAMED_PATIENT
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
    fn closed_offer(&self, hi: &str, status: ShiftStatus) -> String {
        match status {
            ShiftStatus::Assigned => format!("{hi}, thank you for answering. This shift has now been filled, so there is nothing you need to do. Goodbye."),
            ShiftStatus::UnfilledAfterCalls => format!("{hi}, thank you for answering. The calls for this shift have ended and the office is arranging it, so there is nothing you need to do. Goodbye."),
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

// ---------------------------------------------------------------- Spanish (usted)

pub struct Spanish;

impl Phrasebook for Spanish {
    fn language(&self) -> Language {
        Language::Spanish
    }
    fn hi(&self, first_name: Option<&str>) -> String {
        name(first_name).map_or("Hola".into(), |n| format!("Hola {n}"))
    }
    fn a_client(&self) -> &'static str {
        "un cliente"
    }
    fn date(&self, month: u32, day: u32) -> String {
        const MONTHS: [&str; 12] = [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ];
        format!("{day} de {}", MONTHS[(month.clamp(1, 12) - 1) as usize])
    }
    fn time(&self, hour: u32, minute: u32) -> String {
        format!("{hour}:{minute:02}")
    }
    fn default_template(&self) -> &'static str {
        "Hola {employeeName}, tenemos un turno urgente con {patientName} el {date} a las {time} en {suburb}. Pulse 1 para aceptar este turno o pulse 2 para rechazarlo."
    }
    fn repeat_offer(&self) -> &'static str {
        "Lo sentimos, esa tecla no es válida. Le repetimos el mensaje."
    }
    fn not_found(&self) -> &'static str {
        "Lo sentimos, no encontramos esta oferta de turno. Adiós."
    }
    fn sorry_one_moment(&self) -> &'static str {
        "Lo sentimos, algo falló de nuestro lado. Un momento, por favor."
    }
    fn sorry_goodbye(&self) -> &'static str {
        "Lo sentimos, algo falló de nuestro lado y ahora no podemos registrar su respuesta. Si puede cubrir este turno, llame a la oficina, por favor. Adiós."
    }
    fn accepted(&self) -> &'static str {
        "Gracias. El turno es suyo. Le enviaremos un mensaje de texto para confirmarlo. Adiós."
    }
    fn taken(&self) -> &'static str {
        "Lo sentimos, otra persona acaba de tomar este turno. Gracias por contestar. Adiós."
    }
    fn offer_closed(&self) -> &'static str {
        "Lo sentimos, la oferta de esta llamada ya se cerró, así que esa tecla no pudo asignarle el turno. Adiós."
    }
    fn declined(&self) -> &'static str {
        "No hay problema, gracias por avisarnos. Adiós."
    }
    fn give_up(&self) -> &'static str {
        "Lo sentimos, no recibimos una respuesta válida. Ofreceremos el turno a otra persona. Adiós."
    }
    fn already_yours(&self, hi: &str) -> String {
        format!("{hi}, este turno ya es suyo. Adiós.")
    }
    fn voicemail(&self, hi: &str) -> String {
        format!("{hi}, le llamamos por un turno urgente. Revise sus mensajes de texto o llame a la oficina si puede ayudar. Adiós.")
    }
    fn closed_offer(&self, hi: &str, status: ShiftStatus) -> String {
        match status {
            ShiftStatus::Assigned => format!("{hi}, gracias por contestar. Este turno ya está cubierto, así que no tiene que hacer nada. Adiós."),
            ShiftStatus::UnfilledAfterCalls => format!("{hi}, gracias por contestar. Las llamadas para este turno terminaron y la oficina se está encargando, así que no tiene que hacer nada. Adiós."),
            ShiftStatus::Open | ShiftStatus::NotCalled => format!("{hi}, gracias por contestar. Esta llamada ya no es necesaria, así que no tiene que hacer nada. Adiós."),
        }
    }
    fn timeout(&self, already: Option<Outcome>) -> &'static str {
        match already {
            Some(Outcome::Canceled) => "Gracias por escuchar. Esta oferta de turno ya se cerró, así que no tiene que hacer nada. Adiós.",
            _ => "No escuchamos ninguna respuesta, así que ofreceremos el turno a otra persona. Adiós.",
        }
    }
    fn confirmation_sms(&self, v: &Values) -> String {
        format!(
            "Confirmado: el turno con {} el {} a las {} ({}-{}) en {} es suyo. ¡Gracias, {}!",
            v.patient_name, v.date, v.time, v.start_time, v.end_time, v.suburb, v.employee_name
        )
    }
    fn recording_notice(&self) -> &'static str {
        "Esta llamada se graba."
    }
    fn callback_offer(&self, v: &Values) -> String {
        format!(
            "{}, gracias por devolver la llamada. Tenemos un turno urgente con {} el {} a las {} en {}. Pulse 1 para aceptar, 2 para rechazar, 3 para el siguiente turno o 0 para la oficina.",
            self.hi(Some(&v.employee_name)), v.patient_name, v.date, v.time, v.suburb
        )
    }
    fn callback_accepted(&self) -> &'static str {
        "Gracias. El turno es suyo. Le enviaremos un mensaje de texto para confirmarlo. Adiós."
    }
    fn callback_filled(&self) -> &'static str {
        "Lo sentimos, ese turno ya está cubierto. Gracias. Adiós."
    }
    fn callback_passed(&self) -> &'static str {
        "No hay problema, no volveremos a llamarle por ese turno."
    }
    fn callback_no_more(&self) -> &'static str {
        "No hay otros turnos disponibles para usted. Adiós."
    }
    fn callback_only_one(&self) -> &'static str {
        "Es el único turno disponible para usted en este momento."
    }
    fn callback_wrong_key(&self) -> &'static str {
        "Lo sentimos, esa tecla no es válida."
    }
    fn callback_no_key(&self) -> &'static str {
        "No escuchamos ninguna opción. Adiós."
    }
    fn callback_nothing_open(&self) -> &'static str {
        "Hola, ahora no hay ninguna oferta de turno para este número."
    }
    fn callback_to_office(&self) -> &'static str {
        "Le comunicamos con la oficina."
    }
    fn callback_no_office(&self) -> &'static str {
        "Llame directamente a la oficina, por favor. Adiós."
    }
    fn callback_which_person(&self, first_names: &[String]) -> String {
        let keys: Vec<String> = first_names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("para {} pulse {}", n.trim(), i + 1))
            .collect();
        format!(
            "Gracias por devolver la llamada. Este número tiene ofertas de turno para varias personas: {}.",
            keys.join(", ")
        )
    }
    fn follow_up_sms(&self, v: &Values, code: Option<&str>) -> String {
        format!(
            "{}, le acabamos de llamar por un turno urgente con {} el {} a las {} ({}-{}) en {}. Responda SÍ{} para aceptarlo.",
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
            .map(|(n, c)| format!("SÍ {c} para {}", n.trim()))
            .collect();
        format!(
            "Hola {}, les acabamos de llamar por un turno urgente con {} el {} a las {} ({}-{}) en {}. Responda {} para aceptarlo.",
            names_list(&first_names(people), "y"),
            v.patient_name,
            v.date,
            v.time,
            v.start_time,
            v.end_time,
            v.suburb,
            replies.join(" o ")
        )
    }
    fn filled_notice(&self, v: &Values) -> String {
        format!(
            "{}, el turno con {} el {} a las {} ya está cubierto, gracias. No hace falta responder.",
            self.hi(Some(&v.employee_name)),
            v.patient_name,
            v.date,
            v.time
        )
    }
    fn sms_accepted(&self, first_name: &str) -> String {
        format!(
            "¡Gracias, {}! El turno es suyo; le llegará un mensaje de confirmación.",
            first_name.trim()
        )
    }
    fn sms_filled(&self) -> &'static str {
        "Lo sentimos, ese turno ya está cubierto. Gracias."
    }
    fn sms_passed(&self) -> &'static str {
        "Gracias por avisarnos. No volveremos a contactarle por ese turno."
    }
    fn sms_nothing_open(&self) -> &'static str {
        "Ahora no hay ninguna oferta de turno para usted. Gracias."
    }
    fn sms_unknown_code(&self) -> &'static str {
        "Lo sentimos, ese código no corresponde a ninguna oferta de turno abierta. Responda con el código del mensaje de la oferta."
    }
    fn sms_need_code(&self, offers: &[(String, String)]) -> String {
        format!(
            "Tiene varias ofertas de turno. Responda SÍ o NO con el código del turno: {}.",
            code_list(offers)
        )
    }
    fn sms_which_person(&self, offers: &[(String, String)]) -> String {
        format!(
            "Este número tiene ofertas de turno para varias personas. Responda SÍ o NO con su código: {}.",
            code_list(offers)
        )
    }
    fn sms_ambiguous_code(&self) -> &'static str {
        "Lo sentimos, ese código corresponde a varias ofertas de turno. Llame a este número para elegir."
    }
    fn sms_help(&self) -> &'static str {
        "Ofertas de turnos urgentes de su proveedor de cuidados. Responda SÍ para aceptar el turno ofrecido o NO para rechazarlo. Responda STOP para no recibir más mensajes."
    }
}

// ---------------------------------------------------------------- French (vous)

pub struct French;

impl Phrasebook for French {
    fn language(&self) -> Language {
        Language::French
    }
    fn hi(&self, first_name: Option<&str>) -> String {
        name(first_name).map_or("Bonjour".into(), |n| format!("Bonjour {n}"))
    }
    fn a_client(&self) -> &'static str {
        "une personne accompagnée"
    }
    fn date(&self, month: u32, day: u32) -> String {
        const MONTHS: [&str; 12] = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        let day = if day == 1 {
            "1er".into()
        } else {
            day.to_string()
        };
        format!("{day} {}", MONTHS[(month.clamp(1, 12) - 1) as usize])
    }
    fn time(&self, hour: u32, minute: u32) -> String {
        format!("{hour} h {minute:02}")
    }
    fn default_template(&self) -> &'static str {
        "Bonjour {employeeName}, nous avons une intervention urgente auprès de {patientName} le {date} à {time} à {suburb}. Appuyez sur 1 pour accepter cette intervention, ou sur 2 pour la refuser."
    }
    fn repeat_offer(&self) -> &'static str {
        "Désolé, cette touche n'est pas valable. Voici de nouveau le message."
    }
    fn not_found(&self) -> &'static str {
        "Désolé, nous n'avons pas trouvé cette offre d'intervention. Au revoir."
    }
    fn sorry_one_moment(&self) -> &'static str {
        "Désolé, un problème est survenu de notre côté. Un instant, s'il vous plaît."
    }
    fn sorry_goodbye(&self) -> &'static str {
        "Désolé, un problème est survenu de notre côté et nous ne pouvons pas enregistrer votre réponse pour le moment. Si vous pouvez assurer cette intervention, appelez le bureau, s'il vous plaît. Au revoir."
    }
    fn accepted(&self) -> &'static str {
        "Merci. L'intervention est à vous. Nous vous enverrons un SMS de confirmation. Au revoir."
    }
    fn taken(&self) -> &'static str {
        "Désolé, cette intervention vient d'être attribuée à quelqu'un d'autre. Merci d'avoir répondu. Au revoir."
    }
    fn offer_closed(&self) -> &'static str {
        "Désolé, l'offre de cet appel est close, cette touche n'a donc pas pu vous attribuer l'intervention. Au revoir."
    }
    fn declined(&self) -> &'static str {
        "Pas de problème, merci de nous avoir prévenus. Au revoir."
    }
    fn give_up(&self) -> &'static str {
        "Désolé, nous n'avons pas obtenu de réponse utilisable. Nous proposerons l'intervention à quelqu'un d'autre. Au revoir."
    }
    fn already_yours(&self, hi: &str) -> String {
        format!("{hi}, cette intervention est déjà à vous. Au revoir.")
    }
    fn voicemail(&self, hi: &str) -> String {
        format!("{hi}, nous vous avons appelé au sujet d'une intervention urgente. Consultez vos SMS ou appelez le bureau si vous pouvez aider. Au revoir.")
    }
    fn closed_offer(&self, hi: &str, status: ShiftStatus) -> String {
        match status {
            ShiftStatus::Assigned => format!("{hi}, merci d'avoir répondu. Cette intervention est maintenant pourvue, vous n'avez donc rien à faire. Au revoir."),
            ShiftStatus::UnfilledAfterCalls => format!("{hi}, merci d'avoir répondu. Les appels pour cette intervention sont terminés et le bureau s'en occupe, vous n'avez donc rien à faire. Au revoir."),
            ShiftStatus::Open | ShiftStatus::NotCalled => format!("{hi}, merci d'avoir répondu. Cet appel n'est plus nécessaire, vous n'avez donc rien à faire. Au revoir."),
        }
    }
    fn timeout(&self, already: Option<Outcome>) -> &'static str {
        match already {
            Some(Outcome::Canceled) => "Merci de votre écoute. Cette offre d'intervention est maintenant close, vous n'avez donc rien à faire. Au revoir.",
            _ => "Nous n'avons pas entendu de réponse, nous proposerons donc l'intervention à quelqu'un d'autre. Au revoir.",
        }
    }
    fn confirmation_sms(&self, v: &Values) -> String {
        format!(
            "Confirmé : l'intervention auprès de {} le {} à {} ({}-{}) à {} est à vous. Merci, {} !",
            v.patient_name, v.date, v.time, v.start_time, v.end_time, v.suburb, v.employee_name
        )
    }
    fn recording_notice(&self) -> &'static str {
        "Cet appel est enregistré."
    }
    fn callback_offer(&self, v: &Values) -> String {
        format!(
            "{}, merci de nous rappeler. Nous avons une intervention urgente auprès de {} le {} à {} à {}. Appuyez sur 1 pour accepter, 2 pour refuser, 3 pour l'intervention suivante ou 0 pour le bureau.",
            self.hi(Some(&v.employee_name)), v.patient_name, v.date, v.time, v.suburb
        )
    }
    fn callback_accepted(&self) -> &'static str {
        "Merci. L'intervention est à vous. Nous vous enverrons un SMS de confirmation. Au revoir."
    }
    fn callback_filled(&self) -> &'static str {
        "Désolé, cette intervention vient d'être pourvue. Merci. Au revoir."
    }
    fn callback_passed(&self) -> &'static str {
        "Pas de problème, nous ne vous rappellerons pas pour cette intervention."
    }
    fn callback_no_more(&self) -> &'static str {
        "Il n'y a pas d'autre intervention disponible pour vous. Au revoir."
    }
    fn callback_only_one(&self) -> &'static str {
        "C'est la seule intervention disponible pour vous en ce moment."
    }
    fn callback_wrong_key(&self) -> &'static str {
        "Désolé, cette touche n'est pas valable."
    }
    fn callback_no_key(&self) -> &'static str {
        "Nous n'avons pas entendu de choix. Au revoir."
    }
    fn callback_nothing_open(&self) -> &'static str {
        "Bonjour, il n'y a aucune offre d'intervention pour ce numéro en ce moment."
    }
    fn callback_to_office(&self) -> &'static str {
        "Nous vous mettons en relation avec le bureau."
    }
    fn callback_no_office(&self) -> &'static str {
        "Veuillez appeler directement le bureau. Au revoir."
    }
    fn callback_which_person(&self, first_names: &[String]) -> String {
        let keys: Vec<String> = first_names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("pour {} appuyez sur {}", n.trim(), i + 1))
            .collect();
        format!(
            "Merci de nous rappeler. Ce numéro a des offres d'intervention pour plusieurs personnes : {}.",
            keys.join(", ")
        )
    }
    fn follow_up_sms(&self, v: &Values, code: Option<&str>) -> String {
        format!(
            "{}, nous venons de vous appeler pour une intervention urgente auprès de {} le {} à {} ({}-{}) à {}. Répondez OUI{} pour l'accepter.",
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
            .map(|(n, c)| format!("OUI {c} pour {}", n.trim()))
            .collect();
        format!(
            "Bonjour {}, nous venons de vous appeler pour une intervention urgente auprès de {} le {} à {} ({}-{}) à {}. Répondez {} pour l'accepter.",
            names_list(&first_names(people), "et"),
            v.patient_name,
            v.date,
            v.time,
            v.start_time,
            v.end_time,
            v.suburb,
            replies.join(" ou ")
        )
    }
    fn filled_notice(&self, v: &Values) -> String {
        format!(
            "{}, l'intervention auprès de {} le {} à {} a été pourvue, merci. Inutile de répondre.",
            self.hi(Some(&v.employee_name)),
            v.patient_name,
            v.date,
            v.time
        )
    }
    fn sms_accepted(&self, first_name: &str) -> String {
        format!(
            "Merci, {} ! L'intervention est à vous ; un SMS de confirmation va suivre.",
            first_name.trim()
        )
    }
    fn sms_filled(&self) -> &'static str {
        "Désolé, cette intervention vient d'être pourvue. Merci."
    }
    fn sms_passed(&self) -> &'static str {
        "Merci de nous avoir prévenus. Nous ne vous contacterons plus pour cette intervention."
    }
    fn sms_nothing_open(&self) -> &'static str {
        "Aucune offre d'intervention n'est ouverte pour vous en ce moment. Merci."
    }
    fn sms_unknown_code(&self) -> &'static str {
        "Désolé, ce code ne correspond à aucune offre d'intervention ouverte. Répondez avec le code indiqué dans le SMS de l'offre."
    }
    fn sms_need_code(&self, offers: &[(String, String)]) -> String {
        format!(
            "Vous avez plusieurs offres d'intervention. Répondez OUI ou NON avec le code de l'intervention : {}.",
            code_list(offers)
        )
    }
    fn sms_which_person(&self, offers: &[(String, String)]) -> String {
        format!(
            "Ce numéro a des offres d'intervention pour plusieurs personnes. Répondez OUI ou NON avec votre code : {}.",
            code_list(offers)
        )
    }
    fn sms_ambiguous_code(&self) -> &'static str {
        "Désolé, ce code correspond à plusieurs offres d'intervention. Rappelez ce numéro pour choisir."
    }
    fn sms_help(&self) -> &'static str {
        "Offres d'interventions urgentes de votre service d'aide à domicile. Répondez OUI pour accepter l'intervention proposée, NON pour la refuser. Répondez STOP pour ne plus recevoir ces SMS."
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Job;

    fn job() -> Job {
        crate::template::example_job()
    }

    /// Every text of a phrasebook, labelled, with a first name where it takes one.
    fn all(book: &dyn Phrasebook) -> Vec<(String, String)> {
        let v = Values::for_job_in(book.language(), "Bob", &job());
        let hi = book.hi(Some("Bob"));
        let mut texts: Vec<(String, String)> = vec![
            ("hi".into(), hi.clone()),
            ("hi(none)".into(), book.hi(None)),
            ("a_client".into(), book.a_client().into()),
            ("date".into(), book.date(1, 23)),
            ("default_template".into(), book.default_template().into()),
            ("repeat_offer".into(), book.repeat_offer().into()),
            ("not_found".into(), book.not_found().into()),
            ("sorry_one_moment".into(), book.sorry_one_moment().into()),
            ("sorry_goodbye".into(), book.sorry_goodbye().into()),
            ("accepted".into(), book.accepted().into()),
            ("taken".into(), book.taken().into()),
            ("offer_closed".into(), book.offer_closed().into()),
            ("declined".into(), book.declined().into()),
            ("give_up".into(), book.give_up().into()),
            ("already_yours".into(), book.already_yours(&hi)),
            ("voicemail".into(), book.voicemail(&hi)),
            ("confirmation_sms".into(), book.confirmation_sms(&v)),
            ("timeout".into(), book.timeout(None).into()),
            (
                "timeout(canceled)".into(),
                book.timeout(Some(Outcome::Canceled)).into(),
            ),
            (
                "offer".into(),
                crate::template::render_in(book.language(), book.default_template(), &v),
            ),
        ];
        for s in [
            ShiftStatus::Open,
            ShiftStatus::Assigned,
            ShiftStatus::UnfilledAfterCalls,
        ] {
            texts.push((format!("closed_offer({s:?})"), book.closed_offer(&hi, s)));
        }
        let when = format!("{} {}", v.date, v.time);
        let more: Vec<(&str, String)> = vec![
            ("recording_notice", book.recording_notice().into()),
            ("callback_offer", book.callback_offer(&v)),
            ("callback_accepted", book.callback_accepted().into()),
            ("callback_filled", book.callback_filled().into()),
            ("callback_passed", book.callback_passed().into()),
            ("callback_no_more", book.callback_no_more().into()),
            ("callback_only_one", book.callback_only_one().into()),
            ("callback_wrong_key", book.callback_wrong_key().into()),
            ("callback_no_key", book.callback_no_key().into()),
            ("callback_nothing_open", book.callback_nothing_open().into()),
            ("callback_to_office", book.callback_to_office().into()),
            ("callback_no_office", book.callback_no_office().into()),
            (
                "callback_which_person",
                book.callback_which_person(&["Ann".into(), "Bob".into()]),
            ),
            (
                "follow_up_sms_shared",
                book.follow_up_sms_shared(
                    &v,
                    &[("Ann".into(), "4K7".into()), ("Bob".into(), "9XY".into())],
                ),
            ),
            (
                "sms_which_person",
                book.sms_which_person(&[
                    ("4K7".into(), format!("Ann, {when}")),
                    ("9XY".into(), format!("Bob, {when}")),
                ]),
            ),
            ("sms_ambiguous_code", book.sms_ambiguous_code().into()),
            ("follow_up_sms", book.follow_up_sms(&v, None)),
            ("follow_up_sms(code)", book.follow_up_sms(&v, Some("4K7"))),
            ("filled_notice", book.filled_notice(&v)),
            ("sms_accepted", book.sms_accepted("Bob")),
            ("sms_filled", book.sms_filled().into()),
            ("sms_passed", book.sms_passed().into()),
            ("sms_nothing_open", book.sms_nothing_open().into()),
            ("sms_unknown_code", book.sms_unknown_code().into()),
            (
                "sms_need_code",
                book.sms_need_code(&[("4K7".into(), when.clone()), ("9XY".into(), when)]),
            ),
            ("sms_help", book.sms_help().into()),
        ];
        texts.extend(more.into_iter().map(|(l, t)| (l.to_string(), t)));
        texts
    }

    /// Words only English uses in these texts (none is a word of Spanish or French). A
    /// translation that still holds one of them let English slip through.
    const ENGLISH_MARKERS: &[&str] = &[
        "the",
        "shift",
        "please",
        "thank",
        "thanks",
        "you",
        "your",
        "yours",
        "we",
        "our",
        "this",
        "that",
        "is",
        "are",
        "and",
        "to",
        "of",
        "for",
        "with",
        "call",
        "called",
        "key",
        "press",
        "again",
        "answer",
        "answering",
        "someone",
        "else",
        "office",
        "text",
        "filled",
        "offer",
        "confirmed",
        "goodbye",
        "sorry",
        "hi",
        "something",
        "wrong",
        "not",
        "have",
        "has",
        "been",
        "just",
        "will",
        "can",
        "could",
        "did",
        "get",
        "use",
        "let",
        "know",
        "nothing",
        "need",
        "do",
        "about",
        "check",
        "help",
        "here",
        "there",
        "at",
        "in",
        "on",
        "am",
        "pm",
        "jan",
        "accept",
        "decline",
        "hear",
        "listening",
        "response",
        "closed",
        "arranging",
        "calls",
        "ended",
        "client",
        "confirm",
        "recorded",
        "reply",
        "connecting",
        "directly",
        "yes",
    ];

    fn words_of(text: &str) -> Vec<String> {
        text.split(|c: char| !c.is_alphabetic() && c != '\'')
            .filter(|w| !w.is_empty())
            .map(|w| w.to_lowercase())
            .collect()
    }

    #[test]
    fn no_english_slips_into_another_language() {
        let english: Vec<(String, String)> = all(&English);
        for language in Language::ALL {
            if language == Language::English {
                continue;
            }
            let book = of(language);
            assert_eq!(book.language(), language);
            for ((label, text), (_, en)) in all(book).iter().zip(&english) {
                assert_ne!(text, en, "{language:?} {label} is the English text");
                // The names in the example ("Bob", "Margaret T.", "Parramatta") are not words
                // of any language.
                let foreign: Vec<String> = words_of(text)
                    .into_iter()
                    .filter(|w| ENGLISH_MARKERS.contains(&w.as_str()))
                    .collect();
                assert!(
                    foreign.is_empty(),
                    "{language:?} {label} has English words {foreign:?}: {text}"
                );
            }
        }
    }

    #[test]
    fn the_english_markers_find_english() {
        // The check above would catch every English text.
        for (label, text) in all(&English) {
            if ["hi(none)", "date", "a_client"].contains(&label.as_str()) {
                continue;
            }
            assert!(
                words_of(&text)
                    .iter()
                    .any(|w| ENGLISH_MARKERS.contains(&w.as_str())),
                "{label}: {text}"
            );
        }
    }

    #[test]
    fn every_text_is_a_finished_sentence_with_nothing_left_to_fill() {
        for language in Language::ALL {
            for (label, t) in all(of(language)) {
                if ["hi", "hi(none)", "a_client", "date", "default_template"]
                    .contains(&label.as_str())
                {
                    continue;
                }
                assert!(
                    t.ends_with('.') || t.ends_with('!'),
                    "{language:?} {label}: {t}"
                );
                assert!(!t.contains('{') && !t.contains('}'), "{t}");
                assert!(!t.chars().any(char::is_control), "{t}");
                assert!(t.chars().count() < 240, "short enough to say or text: {t}");
            }
            let template = of(language).default_template();
            assert_eq!(crate::template::validate(template), Ok(()), "{language:?}");
        }
    }

    /// A text added outside the phrasebook (a `pub const` or `pub fn` of this module) would be
    /// English only: it must become a method of [`Phrasebook`], translated for every language.
    #[test]
    fn every_text_is_in_the_phrasebook() {
        let source = include_str!("words.rs");
        let outside: Vec<&str> = source
            .lines()
            .filter(|l| {
                (l.starts_with("pub const ")
                    || l.starts_with("pub static ")
                    || l.starts_with("pub fn "))
                    && !l.starts_with("pub fn of(")
            })
            .collect();
        assert!(
            outside.is_empty(),
            "texts outside the phrasebook (make each a method of Phrasebook and translate it for every language): {outside:?}"
        );
    }

    #[test]
    fn english_stays_as_it_was() {
        let e = &English;
        assert_eq!(e.hi(Some(" ")), "Hi");
        assert_eq!(
            e.already_yours(&e.hi(None)),
            "Hi, this shift is already yours. Goodbye."
        );
        assert_eq!(e.default_template(), crate::template::DEFAULT_TEMPLATE);
        assert_eq!(
            (e.date(1, 23), e.time(9, 0)),
            ("Jan 23".into(), "9:00 AM".into())
        );
        assert_eq!(
            (e.time(0, 5), e.time(12, 30)),
            ("12:05 AM".into(), "12:30 PM".into())
        );
        assert_eq!(Spanish.date(1, 23), "23 de enero");
        assert_eq!(
            (Spanish.time(13, 5), French.time(9, 0)),
            ("13:05".into(), "9 h 00".into())
        );
        assert_eq!(French.date(5, 1), "1er mai");
    }

    #[test]
    fn the_voicemail_names_neither_the_patient_nor_the_place() {
        for language in Language::ALL {
            let book = of(language);
            let v = book.voicemail(&book.hi(Some("Carol")));
            assert!(v.contains("Carol"));
            assert!(!v.contains("Margaret") && !v.contains("Parramatta"));
        }
    }

    #[test]
    fn the_timeout_does_not_promise_another_call_on_a_closed_offer() {
        let e = &English;
        assert!(e.timeout(None).contains("someone else"));
        assert!(e.timeout(Some(Outcome::NoAnswer)).contains("someone else"));
        assert!(!e.timeout(Some(Outcome::Canceled)).contains("someone else"));
        for language in Language::ALL {
            let book = of(language);
            assert_ne!(book.timeout(None), book.timeout(Some(Outcome::Canceled)));
        }
    }

    #[test]
    fn a_closed_offer_says_what_happened_to_the_shift() {
        let e = &English;
        assert!(e
            .closed_offer("Hi Bob", ShiftStatus::Assigned)
            .contains("has now been filled"));
        let unfilled = e.closed_offer("Hi Bob", ShiftStatus::UnfilledAfterCalls);
        assert!(
            !unfilled.contains("filled,") && unfilled.contains("calls for this shift have ended")
        );
        assert!(!e
            .closed_offer("Hi Bob", ShiftStatus::Open)
            .contains("filled"));
        for language in Language::ALL {
            let book = of(language);
            let texts: std::collections::HashSet<String> = [
                ShiftStatus::Open,
                ShiftStatus::Assigned,
                ShiftStatus::UnfilledAfterCalls,
            ]
            .map(|s| book.closed_offer("x", s))
            .into_iter()
            .collect();
            assert_eq!(texts.len(), 3, "{language:?}: one text per state");
        }
    }

    #[test]
    fn the_recording_notice_is_short_and_names_nobody() {
        assert_eq!(English.recording_notice(), "This call is recorded.");
        for language in Language::ALL {
            let notice = of(language).recording_notice();
            assert!(notice.chars().count() < 40, "{language:?}: {notice}");
            assert!(!notice.contains('{'), "{notice}");
        }
    }

    #[test]
    fn no_text_names_the_patient_in_full_or_a_phone_number() {
        for language in Language::ALL {
            for (label, t) in all(of(language)) {
                assert!(!t.contains("Thompson"), "{language:?} {label}: {t}");
                assert!(!t.contains("+61"), "{language:?} {label}: {t}");
            }
        }
    }

    #[test]
    fn english_inbound_texts_stay_as_they_were() {
        let e = &English;
        let v = Values::for_job("Bob", &job());
        assert_eq!(
            e.follow_up_sms(&v, None),
            "Hi Bob, we just called about an urgent shift for Margaret T. on Jan 23 at 9:00 AM (09:00-13:00) in Parramatta. Reply YES to take it."
        );
        assert!(e
            .follow_up_sms(&v, Some("4K7"))
            .ends_with("Reply YES 4K7 to take it."));
        assert_eq!(
            e.callback_offer(&v),
            "Hi Bob, thank you for calling back. We have an urgent shift for Margaret T. on Jan 23 at 9:00 AM in Parramatta. Press 1 to accept, 2 to pass, 3 for the next shift, or 0 for the office."
        );
        assert_eq!(
            e.filled_notice(&v),
            "Hi Bob, the shift for Margaret T. on Jan 23 at 9:00 AM has been filled, thank you. No need to reply."
        );
        assert_eq!(
            e.sms_accepted(" Bob "),
            "Thank you, Bob! The shift is yours; a confirmation text follows."
        );
        assert_eq!(
            e.sms_need_code(&[("4K7".into(), "Jan 23 9:00 AM".into())]),
            "You have several shift offers. Reply YES or NO with the shift's code: 4K7 (Jan 23 9:00 AM)."
        );
        assert_eq!(
            e.callback_passed(),
            "No problem, we will not call you about that shift again."
        );
        assert_eq!(e.sms_help(), "Urgent shift offers from your care provider. Reply YES to take the shift offered, NO to pass. Reply STOP to stop these texts.");
    }

    /// Every text that asks for a reply names a keyword the reply parser reads as that answer,
    /// in every language, with the shift's code after it when there is one.
    #[test]
    fn every_language_asks_for_a_reply_the_parser_understands() {
        use crate::inbound::{parse_reply, Reply};
        let keyword = |t: &str, yes: bool| -> bool {
            t.split(|c: char| c.is_whitespace() || ",.:;()".contains(c))
                .any(|w| match parse_reply(w) {
                    Reply::Yes(None) => yes && w.chars().all(char::is_uppercase),
                    Reply::No(None) => !yes && w.chars().all(char::is_uppercase),
                    _ => false,
                })
        };
        for language in Language::ALL {
            let book = of(language);
            let v = Values::for_job_in(language, "Bob", &job());
            let follow_up = book.follow_up_sms(&v, Some("4K7"));
            assert!(keyword(&follow_up, true), "{language:?}: {follow_up}");
            let yes_word = follow_up
                .split_whitespace()
                .find(|w| {
                    matches!(parse_reply(w), Reply::Yes(None)) && w.chars().all(char::is_uppercase)
                })
                .unwrap();
            assert_eq!(
                parse_reply(&format!("{yes_word} 4K7")),
                Reply::Yes(Some("4K7".into())),
                "{language:?}"
            );
            assert!(
                follow_up.contains(&format!("{yes_word} 4K7")),
                "{follow_up}"
            );
            assert!(!book.follow_up_sms(&v, None).contains("4K7"));
            let need = book.sms_need_code(&[("4K7".into(), "x".into())]);
            assert!(
                keyword(&need, true) && keyword(&need, false),
                "{language:?}: {need}"
            );
            assert!(need.contains("4K7 (x)"), "{need}");
            let help = book.sms_help();
            assert!(
                keyword(help, true) && keyword(help, false),
                "{language:?}: {help}"
            );
            assert!(help.contains("STOP"), "{language:?}: {help}");
            assert!(book.callback_offer(&v).contains('1') && book.callback_offer(&v).contains('0'));
            // The shared phone's text: each person's reply is the keyword and their code.
            let shared = book.follow_up_sms_shared(
                &v,
                &[("Ann".into(), "4K7".into()), ("Bob".into(), "9XY".into())],
            );
            for code in ["4K7", "9XY"] {
                assert!(shared.contains(&format!("{yes_word} {code}")), "{shared}");
            }
            assert!(shared.contains("Ann") && shared.contains("Bob"), "{shared}");
            let which = book.sms_which_person(&[("4K7".into(), "Ann, x".into())]);
            assert!(keyword(&which, true) && keyword(&which, false), "{which}");
            assert!(which.contains("4K7 (Ann, x)"), "{which}");
            let keys = book.callback_which_person(&["Ann".into(), "Bob".into()]);
            assert!(
                keys.contains("Ann")
                    && keys.contains('1')
                    && keys.contains("Bob")
                    && keys.contains('2'),
                "{keys}"
            );
        }
    }

    #[test]
    fn the_shared_phone_texts_in_english() {
        let e = &English;
        let v = Values::for_job("Mum", &job());
        assert_eq!(
            e.follow_up_sms_shared(&v, &[("Mum".into(), "4K7".into()), ("Dad".into(), "9XY".into())]),
            "Hi Mum and Dad, we just called about an urgent shift for Margaret T. on Jan 23 at 9:00 AM (09:00-13:00) in Parramatta. Reply YES 4K7 for Mum or YES 9XY for Dad to take it."
        );
        assert_eq!(
            e.callback_which_person(&["Mum".into(), "Dad".into()]),
            "Thank you for calling back. This number has shift offers for more than one person: for Mum press 1, for Dad press 2."
        );
        assert_eq!(
            names_list(&["A".into(), "B".into(), "C".into()], "and"),
            "A, B and C"
        );
    }
}
