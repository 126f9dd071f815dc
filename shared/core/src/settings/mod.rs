//! A provider's outbound-calling settings (SPEC §4.5, §4.10), each DEFINED ONCE in the table
//! below: its field, JSON name, type, default, rule and one line of help. From that table come
//! the settings record (serde, as the API returns it and the store keeps it), its defaults, the
//! PATCH parser with its per-field errors ([`SettingsPatch`]), the page's ranges
//! ([`whole_ranges`]) and the README's settings table ([`readme_table`], checked by a test).
//! Rules between fields are [`Settings::conflicts`].
//!
//! Languages and voices: `defaultLanguage` is the language of `messageTemplate` and of every
//! call to someone whose own language calls do not speak; `messageTemplates` holds the offer in
//! other languages (`{"es": "Hola {employeeName}…", "fr-CA": "…"}`); `voiceId` is the ElevenLabs
//! voice of every call (`null`: the deployment's `ELEVENLABS_VOICE_ID`) and `voiceIds` a voice
//! per language that replaces it for calls in that language (`{"es": "…"}`). Every language key
//! is a BCP-47 tag of a language calls speak (`lang::Language`), kept in its canonical case.

mod patch;
mod prices;
mod rule;
#[cfg(test)]
mod tests;

pub use patch::{readme_table, SettingsPatch};
pub use prices::{
    CostRates, ELEVENLABS_PER_1K_CHARS, MAX_RATE, MIN_RATE, TWILIO_US_CALL_PER_MINUTE,
};
pub use rule::{is_voice_id, spoken_tag, voice_id_rule, FieldErrors, Rule};

use crate::campaign::MAX_DECLINE_MEMORY_DAYS;
use crate::lang::{Language, Speech};
use crate::quiet::{Quiet, QuietHours};
use crate::template;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Languages in `messageTemplates` or `voiceIds`, at most.
pub const MAX_LANGUAGES: usize = 10;
/// An ElevenLabs voice ID: at most this many letters and digits.
pub const MAX_VOICE_ID_CHARS: usize = 64;
pub const DEFAULT_LANGUAGE: &str = "en";

/// One setting as the table defines it: its JSON name, its rule and one line of help.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub rule: Rule,
    pub help: &'static str,
}

/// Defines the settings: for each, `/// help` then `field "jsonName": Type = default, rule;`.
/// Makes [`Settings`] (serde, every field defaulted when missing), its `Default`, [`FIELDS`]
/// and the typed change a checked PATCH value becomes.
macro_rules! settings {
    ($( $(#[doc = $help:literal])+ $field:ident $name:literal : $ty:ty = $default:expr, $rule:expr; )*) => {
        /// A provider's settings, as `GET /api/provider/outbound-calling` returns them.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct Settings {
            $( $(#[doc = $help])+ #[serde(rename = $name)] pub $field: $ty, )*
        }

        impl Default for Settings {
            fn default() -> Self {
                Settings { $( $field: $default, )* }
            }
        }

        /// Every setting, in the table's order (the README's).
        pub const FIELDS: &[Field] = &[
            $( Field { name: $name, rule: $rule, help: concat!($($help),+) }, )*
        ];

        /// A checked value for one setting, typed.
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub(crate) enum Change {
            $( $field($ty), )*
        }

        impl Change {
            /// The value a rule let through, as its setting's type (`None`: no such setting).
            fn of(name: &str, value: serde_json::Value) -> Option<serde_json::Result<Change>> {
                match name {
                    $( $name => Some(serde_json::from_value(value).map(Change::$field)), )*
                    _ => None,
                }
            }

            fn name(&self) -> &'static str {
                match self {
                    $( Change::$field(_) => $name, )*
                }
            }

            fn apply(&self, s: &mut Settings) {
                match self {
                    $( Change::$field(v) => s.$field = v.clone(), )*
                }
            }
        }
    };
}

settings! {
    /// call about shifts still open after wave 3
    enabled "enabled": bool = false, Rule::Bool;
    /// minutes after wave 3 before the first call
    wait_minutes "waitMinutes": u32 = 15, Rule::whole(1, 120);
    /// how many times the pool is called
    max_rounds "maxRounds": u32 = 3, Rule::whole(1, 5);
    /// the offer in the default language
    message_template "messageTemplate": String = template::DEFAULT_TEMPLATE.to_string(), Rule::Template;
    /// whoever declines a shift (presses 2, or replies NO) is not called about it again in later rounds
    skip_decliners "skipDecliners": bool = false, Rule::Bool;
    /// whoever declined a shift for the same patient within this many days is called last in every round
    decline_memory_days "declineMemoryDays": u32 = 0,
        Rule::Whole { min: 0, max: MAX_DECLINE_MEMORY_DAYS, note: " (0: off)" };
    /// the language of `messageTemplate` and of every call to someone whose own language calls do not speak
    default_language "defaultLanguage": String = DEFAULT_LANGUAGE.to_string(), Rule::Language;
    /// the offer in other languages (never the default language); replaced whole by a `PATCH`
    message_templates "messageTemplates": BTreeMap<String, String> = BTreeMap::new(),
        Rule::Languages(&Rule::Template);
    /// the voice of every call; `null`: the deployment's `ELEVENLABS_VOICE_ID`
    voice_id "voiceId": Option<String> = None,
        Rule::OrNull(&Rule::Voice, ", or null for the default voice");
    /// a voice per language, over `voiceId`; replaced whole by a `PATCH`
    voice_ids "voiceIds": BTreeMap<String, String> = BTreeMap::new(), Rule::Languages(&Rule::Voice);
    /// a voicemail or no answer is followed by one text with the offer ("Reply YES to take it")
    sms_follow_up "smsFollowUp": bool = false, Rule::Bool;
    /// once a shift is filled, everyone texted an offer for it (but the winner) is told, once
    notify_when_filled "notifyWhenFilled": bool = false, Rule::Bool;
    /// where the call-back line puts a caller who presses 0; checked as that line will dial it
    office_number "officeNumber": Option<String> = None, Rule::Phone;
    /// how long after an offer (a call or a text) ringing back or replying still reaches it
    callback_window_hours "callbackWindowHours": u32 = 12, Rule::whole(1, 48);
    /// the provider's prices for the results' cost figures
    cost_rates "costRates": CostRates = CostRates::default(), Rule::Prices;
    /// calls start with "This call is recorded." in the call's language, and Twilio records them
    record_calls "recordCalls": bool = false, Rule::Bool;
    /// a recording is deleted at Twilio this many days after its call
    recording_retention_days "recordingRetentionDays": u32 = 30, Rule::whole(1, 365);
    /// `broadcast`: a round rings `broadcastSize` people at once; the first 1 wins
    call_mode "callMode": CallMode = CallMode::Sequential, Rule::OneOf(&["sequential", "broadcast"]);
    /// how many people a broadcast round rings at once
    broadcast_size "broadcastSize": u32 = 3, Rule::whole(2, 10);
    /// calls a person gets in an hour across every shift and provider; a call over it waits
    max_calls_per_person_per_hour "maxCallsPerPersonPerHour": u32 = 7, Rule::whole(1, 20);
    /// no call starts inside (24-hour times, may run over midnight); held calls start when they end
    quiet_hours "quietHours": Option<QuietHours> = None, Rule::Hours;
    /// a shift that starts before quiet hours end is called anyway
    urgent_overrides_quiet_hours "urgentOverridesQuietHours": bool = true, Rule::Bool;
    /// replaces `waitMinutes` when wave 3 ends inside quiet hours
    night_wait_minutes "nightWaitMinutes": Option<u32> = None,
        Rule::OrNull(&Rule::Whole { min: 1, max: 120, note: "" }, ", or null");
    /// the zone quiet hours are read in; `null`: each shift's own
    time_zone "timeZone": Option<String> = None, Rule::Zone;
    /// the countries `officeNumber` may be in; `[]`: the platform's country
    allowed_countries "allowedCountries": Vec<String> = Vec::new(), Rule::Countries;
    /// ElevenLabs characters a day (UTC), calls and Listen together; past it calls speak with `<Say>`
    daily_speech_characters "dailySpeechCharacters": u32 = 20_000,
        Rule::Whole { min: 0, max: 1_000_000, note: " (0: calls always speak with the built-in voice)" };
    /// the number the provider's calls and texts come from and its people ring back (one of the account's Twilio numbers, no other provider's); `null`: the platform's `TWILIO_FROM_NUMBER`
    from_number "fromNumber": Option<String> = None, Rule::Phone;
    /// the name a reachability check call says ("This is … checking we can reach you"); `null`: "your care agency"
    agency_name "agencyName": Option<String> = None, Rule::Name;
}

/// The setting named `name` (its JSON name).
pub fn field(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.name == name)
}

/// The range of every whole-number setting, by name (the page's limits).
pub fn whole_ranges() -> impl Iterator<Item = (&'static str, u32, u32)> {
    FIELDS.iter().filter_map(|f| match f.rule {
        Rule::Whole { min, max, .. } => Some((f.name, min, max)),
        Rule::OrNull(Rule::Whole { min, max, .. }, _) => Some((f.name, *min, *max)),
        _ => None,
    })
}

/// `value` checked by the rule of setting `name`, as type `T` (the portal's Listen and preview
/// take a language, a template and a voice by the settings' own rules).
pub fn checked<T: serde::de::DeserializeOwned>(
    name: &str,
    value: &serde_json::Value,
) -> Result<T, String> {
    let field = field(name).ok_or("is not a setting")?;
    let mut errors = FieldErrors::new();
    let checked = field.rule.check(name, value, &mut errors);
    match checked {
        Some(v) if errors.is_empty() => serde_json::from_value(v).map_err(|_| field.rule.message()),
        _ => Err(errors
            .into_values()
            .next()
            .unwrap_or_else(|| field.rule.message())),
    }
}

/// How a round calls its pool, as the API names it: one person at a time, or up to
/// `broadcastSize` at once ([`Settings::calling`] puts the two together).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CallMode {
    #[default]
    Sequential,
    Broadcast,
}

impl CallMode {
    pub fn as_str(&self) -> &'static str {
        match self {
            CallMode::Sequential => "sequential",
            CallMode::Broadcast => "broadcast",
        }
    }
}

/// How a shift's rounds ring the pool: one person at a time, or `size` people at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Calling {
    OneAtATime,
    Broadcast { size: u32 },
}

impl Calling {
    /// How many people a round rings at once.
    pub fn calls_at_once(self) -> u32 {
        match self {
            Calling::OneAtATime => 1,
            Calling::Broadcast { size } => size,
        }
    }

    pub fn is_broadcast(self) -> bool {
        matches!(self, Calling::Broadcast { .. })
    }
}

impl Settings {
    /// How a round calls its pool (`callMode` with `broadcastSize`).
    pub fn calling(&self) -> Calling {
        match self.call_mode {
            CallMode::Sequential => Calling::OneAtATime,
            CallMode::Broadcast => Calling::Broadcast {
                size: self.broadcast_size,
            },
        }
    }

    /// How many people a round rings at once: 1 unless broadcasting.
    pub fn calls_at_once(&self) -> u32 {
        self.calling().calls_at_once()
    }

    /// The languages the provider's calls use: the default one, then those with a template
    /// of their own (the portal's Listen buttons).
    pub fn languages(&self) -> Vec<String> {
        let mut out = vec![self.default_language.clone()];
        out.extend(self.message_templates.keys().cloned());
        out
    }

    /// Rules between fields, checked on the settings a change would give (so a change of one
    /// field cannot leave another wrong): per-field messages, empty when none.
    pub fn conflicts(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if self.message_templates.contains_key(&self.default_language) {
            errors.insert(
                "messageTemplates".into(),
                format!(
                    "has a template for {}, the default language: the default language's template is messageTemplate (move it there, or choose another default language)",
                    self.default_language
                ),
            );
        }
        errors
    }
}

/// How a shift's calls speak: what the provider's settings said when it started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Speaking {
    pub default_language: String,
    #[serde(default)]
    pub message_templates: BTreeMap<String, String>,
    #[serde(default)]
    pub voice_id: Option<String>,
    #[serde(default)]
    pub voice_ids: BTreeMap<String, String>,
}

impl Default for Speaking {
    fn default() -> Self {
        Settings::default().speaking()
    }
}

impl Settings {
    /// How calls speak, as a shift keeps it from its start.
    pub fn speaking(&self) -> Speaking {
        Speaking {
            default_language: self.default_language.clone(),
            message_templates: self.message_templates.clone(),
            voice_id: self.voice_id.clone(),
            voice_ids: self.voice_ids.clone(),
        }
    }

    /// What a shift whose own time zone is `shift_zone` keeps of these settings.
    pub fn for_shift(&self, shift_zone: &str) -> ShiftSettings {
        ShiftSettings {
            calling_enabled: self.enabled,
            max_rounds: self.max_rounds,
            message_template: self.message_template.clone(),
            calling: self.calling(),
            person_hourly_limit: self.max_calls_per_person_per_hour,
            quiet: self.quiet_hours.map(|hours| Quiet {
                hours,
                time_zone: self
                    .time_zone
                    .clone()
                    .unwrap_or_else(|| shift_zone.to_string()),
                urgent_overrides: self.urgent_overrides_quiet_hours,
            }),
            skip_decliners: self.skip_decliners,
            speaking: self.speaking(),
            from_number: self.from_number.clone(),
            sms_follow_up: Some(self.sms_follow_up),
            record_calls: Some(self.record_calls),
        }
    }
}

impl Speaking {
    /// What a person is spoken to in (`lang::Speech::choose`).
    pub fn speech_for(&self, person_language: Option<&str>) -> Speech {
        Speech::choose(person_language, &self.default_language)
    }

    /// The offer's template for a call in `speech`: the provider's template for the call's
    /// tag (`es-MX`), else for its language (`es`), else, in the default language,
    /// `message_template`, else the language's own default (`Phrasebook::default_template`),
    /// so a call never mixes two languages.
    pub fn template<'a>(&'a self, speech: &Speech, message_template: &'a str) -> &'a str {
        let code = speech.language.code();
        if let Some(t) = self
            .message_templates
            .get(&speech.tag)
            .or_else(|| self.message_templates.get(code))
        {
            return t;
        }
        if Language::of_tag(&self.default_language) == Some(speech.language) {
            return message_template;
        }
        speech.words().default_template()
    }

    /// The ElevenLabs voice for a call in `speech`: `voiceIds` for its tag, then for its
    /// language, then `voiceId`; `None`: the deployment's `ELEVENLABS_VOICE_ID`.
    pub fn voice(&self, speech: &Speech) -> Option<&str> {
        self.voice_ids
            .get(&speech.tag)
            .or_else(|| self.voice_ids.get(speech.language.code()))
            .or(self.voice_id.as_ref())
            .map(String::as_str)
    }
}

/// What a shift keeps of its provider's settings from its start ([`Settings::for_shift`]): a
/// later change of the settings does not reach a shift already being called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShiftSettings {
    /// `enabled`.
    pub calling_enabled: bool,
    pub max_rounds: u32,
    /// The default language's template (`speaking` has the others).
    pub message_template: String,
    /// `callMode` with `broadcastSize`.
    pub calling: Calling,
    /// `maxCallsPerPersonPerHour`: across every shift and provider.
    pub person_hourly_limit: u32,
    /// Quiet hours, read in `timeZone` or else the shift's own zone; `None`: none.
    pub quiet: Option<Quiet>,
    /// Whoever declines the shift is not called about it again.
    pub skip_decliners: bool,
    /// Languages, templates and voices.
    pub speaking: Speaking,
    /// `fromNumber`: the number the shift's calls and texts come from; `None`: the platform's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_number: Option<String>,
    /// `smsFollowUp`: a voicemail or an unanswered call is followed by a text. `None` for a
    /// shift stored before it was kept here: the provider's settings say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_follow_up: Option<bool>,
    /// `recordCalls`, as `sms_follow_up`: placing a call reads no settings for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_calls: Option<bool>,
}

impl Default for ShiftSettings {
    /// The default settings, except `sms_follow_up`: not kept, so the provider's settings say.
    fn default() -> Self {
        ShiftSettings {
            sms_follow_up: None,
            record_calls: None,
            ..Settings::default().for_shift("UTC")
        }
    }
}
