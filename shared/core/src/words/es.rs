//! Every text in Spanish, addressing the person as usted.

use super::{code_list, first_names, name, names_list, with_code, Phrasebook, Values};
use crate::campaign::Outcome;
use crate::lang::Language;
use crate::model::ShiftStatus;

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
    fn shift_cancelled(&self, hi: &str) -> String {
        format!("{hi}, lo sentimos: este turno se ha cancelado, así que ya no le necesitamos para él. Gracias por su tiempo. Adiós.")
    }
    fn closed_offer(&self, hi: &str, status: ShiftStatus) -> String {
        match status {
            ShiftStatus::Assigned => format!("{hi}, gracias por contestar. Este turno ya está cubierto, así que no tiene que hacer nada. Adiós."),
            ShiftStatus::UnfilledAfterCalls => format!("{hi}, gracias por contestar. Las llamadas para este turno terminaron y la oficina se está encargando, así que no tiene que hacer nada. Adiós."),
            ShiftStatus::Cancelled => self.shift_cancelled(hi),
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
    fn number_not_in_use(&self) -> &'static str {
        "Lo sentimos, este número no está en uso. Comuníquese con su agencia en su número habitual. Adiós."
    }
    fn reach_check(&self, agency: Option<&str>) -> String {
        format!(
            "Le llama {} para comprobar que podemos localizarle para turnos urgentes. Pulse 1 si ha oído este mensaje.",
            agency.unwrap_or("su agencia de cuidados")
        )
    }
    fn reach_thanks(&self) -> &'static str {
        "Gracias, podemos localizarle. Adiós."
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
