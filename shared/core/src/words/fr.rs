//! Every text in French, addressing the person as vous.

use super::{code_list, first_names, name, names_list, with_code, Phrasebook, Values};
use crate::campaign::Outcome;
use crate::lang::Language;
use crate::model::ShiftStatus;

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
    fn shift_cancelled(&self, hi: &str) -> String {
        format!("{hi}, nous sommes désolés : cette intervention a été annulée, nous n'avons donc plus besoin de vous. Merci de votre temps. Au revoir.")
    }
    fn closed_offer(&self, hi: &str, status: ShiftStatus) -> String {
        match status {
            ShiftStatus::Assigned => format!("{hi}, merci d'avoir répondu. Cette intervention est maintenant pourvue, vous n'avez donc rien à faire. Au revoir."),
            ShiftStatus::UnfilledAfterCalls => format!("{hi}, merci d'avoir répondu. Les appels pour cette intervention sont terminés et le bureau s'en occupe, vous n'avez donc rien à faire. Au revoir."),
            ShiftStatus::Cancelled => self.shift_cancelled(hi),
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
    fn number_not_in_use(&self) -> &'static str {
        "Désolé, ce numéro n'est pas en service. Veuillez contacter votre agence à son numéro habituel. Au revoir."
    }
    fn reach_check(&self, agency: Option<&str>) -> String {
        format!(
            "Ici {} : nous vérifions que nous pouvons vous joindre pour des interventions urgentes. Appuyez sur 1 si vous avez entendu ce message.",
            agency.unwrap_or("votre agence de soins")
        )
    }
    fn reach_thanks(&self) -> &'static str {
        "Merci, nous pouvons vous joindre. Au revoir."
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
