use super::*;
use crate::lang::Speech;
use serde_json::json;
use serde_json::Value;

#[test]
fn an_unknown_field_is_named_back_only_when_it_looks_like_a_name() {
    let errs = SettingsPatch::from_json(&serde_json::json!({ "waitMinute": 5 })).unwrap_err();
    assert!(errs["waitMinute"].contains("is not a setting"));
    let odd = format!("x{}\u{7}<script>", "y".repeat(5000));
    let errs = SettingsPatch::from_json(&serde_json::json!({ odd.clone(): 1 })).unwrap_err();
    assert!(!errs.contains_key(&odd));
    assert!(errs["body"].contains("not a setting"));
}

#[test]
fn defaults() {
    let s = Settings::default();
    assert!(!s.enabled);
    assert_eq!((s.wait_minutes, s.max_rounds), (15, 3));
    assert_eq!(s.message_template, template::DEFAULT_TEMPLATE);
}

#[test]
fn a_valid_patch_changes_only_what_it_names() {
    let p = SettingsPatch::from_json(&json!({"enabled": true, "waitMinutes": 1})).unwrap();
    let s = p.apply(&Settings::default());
    assert!(s.enabled);
    assert_eq!((s.wait_minutes, s.max_rounds), (1, 3));
}

#[test]
fn every_bad_field_is_reported() {
    let e = SettingsPatch::from_json(&json!({
        "enabled": "yes", "waitMinutes": 0, "maxRounds": 6,
        "messageTemplate": "Hi {nickname}", "colour": "red"
    }))
    .unwrap_err();
    assert_eq!(e.len(), 5, "{e:?}");
    assert_eq!(e["waitMinutes"], "must be a whole number from 1 to 120");
    assert_eq!(e["maxRounds"], "must be a whole number from 1 to 5");
    assert!(e["messageTemplate"].contains("{nickname}"));
    assert!(SettingsPatch::from_json(&json!({"waitMinutes": 1.5})).is_err());
    assert!(SettingsPatch::from_json(&json!({"waitMinutes": 121})).is_err());
    assert!(SettingsPatch::from_json(&json!({"maxRounds": -1})).is_err());
    assert!(SettingsPatch::from_json(&json!([1])).is_err());
}

#[test]
fn broadcast_and_per_person_pacing_are_checked() {
    let p = SettingsPatch::from_json(&json!({
        "callMode": "broadcast", "broadcastSize": 10, "maxCallsPerPersonPerHour": 20
    }))
    .unwrap();
    let s = p.apply(&Settings::default());
    assert_eq!(s.calls_at_once(), 10);
    assert_eq!(s.max_calls_per_person_per_hour, 20);
    assert_eq!(Settings::default().calls_at_once(), 1);
    let sequential = Settings {
        broadcast_size: 5,
        ..Settings::default()
    };
    assert_eq!(sequential.calls_at_once(), 1);
    let e = SettingsPatch::from_json(&json!({
        "callMode": "all", "broadcastSize": 1, "maxCallsPerPersonPerHour": 21
    }))
    .unwrap_err();
    assert_eq!(e["callMode"], "must be sequential or broadcast");
    assert_eq!(e["broadcastSize"], "must be a whole number from 2 to 10");
    assert_eq!(
        e["maxCallsPerPersonPerHour"],
        "must be a whole number from 1 to 20"
    );
    assert!(SettingsPatch::from_json(&json!({"maxCallsPerPersonPerHour": 0})).is_err());
}

#[test]
fn quiet_hours_and_their_companions_are_checked() {
    let p = SettingsPatch::from_json(&json!({
        "quietHours": {"start": "21:00", "end": "07:00"},
        "urgentOverridesQuietHours": false, "nightWaitMinutes": 120,
        "timeZone": "Australia/Sydney"
    }))
    .unwrap();
    let s = p.apply(&Settings::default());
    assert_eq!(
        serde_json::to_value(s.quiet_hours).unwrap(),
        json!({"start": "21:00", "end": "07:00"})
    );
    assert!(!s.urgent_overrides_quiet_hours);
    assert_eq!(s.night_wait_minutes, Some(120));
    assert_eq!(s.time_zone.as_deref(), Some("Australia/Sydney"));
    // Null clears; absent keeps.
    let cleared = SettingsPatch::from_json(
        &json!({"quietHours": null, "nightWaitMinutes": null, "timeZone": null}),
    )
    .unwrap()
    .apply(&s);
    assert_eq!(
        (
            cleared.quiet_hours,
            cleared.night_wait_minutes,
            cleared.time_zone
        ),
        (None, None, None)
    );
    assert!(!cleared.urgent_overrides_quiet_hours);
    let e = SettingsPatch::from_json(&json!({
        "quietHours": {"start": "21:00", "end": "21:00"}, "urgentOverridesQuietHours": 1,
        "nightWaitMinutes": 0, "timeZone": "Mars/Olympus"
    }))
    .unwrap_err();
    assert_eq!(e.len(), 4, "{e:?}");
    assert!(e["quietHours"].contains("HH:MM"));
    assert_eq!(
        e["nightWaitMinutes"],
        "must be a whole number from 1 to 120, or null"
    );
    assert!(e["timeZone"].contains("IANA"));
    for bad in [
        json!({"start": "9pm", "end": "07:00"}),
        json!({"start": "21:00"}),
        json!({"start": "21:00", "end": "07:00", "days": 5}),
        json!("21:00-07:00"),
    ] {
        assert!(SettingsPatch::from_json(&json!({ "quietHours": bad })).is_err());
    }
}

/// Numbers the table cannot hold (1e-131 underflows DynamoDB's numbers, 1e300 overflows
/// them) are refused by every number setting with its range, never stored.
#[test]
fn tiny_and_huge_numbers_are_refused_by_every_number_setting() {
    for field in [
        "waitMinutes",
        "maxRounds",
        "declineMemoryDays",
        "callbackWindowHours",
        "recordingRetentionDays",
        "broadcastSize",
        "maxCallsPerPersonPerHour",
        "nightWaitMinutes",
    ] {
        for n in [json!(1e-131), json!(1e300), json!(-1e300), json!(2.5)] {
            let e = SettingsPatch::from_json(&json!({ field: n })).unwrap_err();
            assert!(
                e[field].starts_with("must be a whole number from"),
                "{field} {n}: {e:?}"
            );
        }
    }
}

#[test]
fn cost_rates_default_to_list_prices_and_are_checked() {
    let d = Settings::default().cost_rates;
    assert_eq!((d.call_per_minute, d.speech_per1k_chars), (0.014, 0.10));
    assert_eq!(d.currency, "USD");
    let p = SettingsPatch::from_json(&json!({"costRates":
        {"callPerMinute": 0.02, "speechPer1kChars": 0, "currency": "AUD"}}))
    .unwrap();
    let s = p.apply(&Settings::default());
    assert_eq!(s.cost_rates.call_per_minute, 0.02);
    assert_eq!(s.cost_rates.speech_per1k_chars, 0.0);
    assert_eq!(s.cost_rates.currency, "AUD");
    assert_eq!(s.wait_minutes, 15);
    for (bad, msg) in [
        (
            json!({"callPerMinute": -0.01, "speechPer1kChars": 0.1, "currency": "USD"}),
            "callPerMinute must be",
        ),
        (
            json!({"callPerMinute": "1", "speechPer1kChars": 0.1, "currency": "USD"}),
            "callPerMinute must be",
        ),
        (
            json!({"callPerMinute": 0.01, "speechPer1kChars": 1e9, "currency": "USD"}),
            "speechPer1kChars must be",
        ),
        (
            json!({"callPerMinute": 0.01, "currency": "USD"}),
            "speechPer1kChars must be",
        ),
        (
            json!({"callPerMinute": 0.01, "speechPer1kChars": 0.1, "currency": "usd"}),
            "three-letter",
        ),
        (
            json!({"callPerMinute": 0.01, "speechPer1kChars": 0.1, "currency": "DOLLAR"}),
            "three-letter",
        ),
        (
            json!({"callPerMinute": 0.01, "speechPer1kChars": 0.1}),
            "three-letter",
        ),
        (
            json!({"callPerMinute": 0.01, "speechPer1kChars": 0.1, "currency": "USD", "tax": 1}),
            "must be {",
        ),
        (json!(0.014), "must be {"),
        // Too small or too large to be a price (1e-131 underflows the table's numbers).
        (
            json!({"callPerMinute": 1e-131, "speechPer1kChars": 0.1, "currency": "USD"}),
            "callPerMinute must be 0 or a number from 0.000001 to 1000",
        ),
        (
            json!({"callPerMinute": 0.01, "speechPer1kChars": 1e-7, "currency": "USD"}),
            "speechPer1kChars must be 0 or a number from 0.000001 to 1000",
        ),
        (
            json!({"callPerMinute": 1e300, "speechPer1kChars": 0.1, "currency": "USD"}),
            "callPerMinute must be",
        ),
    ] {
        let e = SettingsPatch::from_json(&json!({ "costRates": bad })).unwrap_err();
        assert!(e["costRates"].contains(msg), "{bad}: {e:?}");
    }
}

#[test]
fn recording_is_off_by_default_and_its_retention_checked() {
    let d = Settings::default();
    assert!(!d.record_calls);
    assert_eq!(d.recording_retention_days, 30);
    let p = SettingsPatch::from_json(&json!({"recordCalls": true, "recordingRetentionDays": 365}))
        .unwrap();
    let s = p.apply(&d);
    assert!(s.record_calls);
    assert_eq!(s.recording_retention_days, 365);
    let e = SettingsPatch::from_json(&json!({"recordCalls": "yes", "recordingRetentionDays": 0}))
        .unwrap_err();
    assert_eq!(e["recordCalls"], "must be true or false");
    assert_eq!(
        e["recordingRetentionDays"],
        "must be a whole number from 1 to 365"
    );
    assert!(SettingsPatch::from_json(&json!({"recordingRetentionDays": 366})).is_err());
    assert!(SettingsPatch::from_json(&json!({"recordingRetentionDays": 1})).is_ok());
}

#[test]
fn the_inbound_settings_are_checked() {
    let d = Settings::default();
    assert!(!d.sms_follow_up && !d.notify_when_filled);
    assert_eq!(
        (d.office_number.as_deref(), d.callback_window_hours),
        (None, 12)
    );
    let p = SettingsPatch::from_json(&json!({
        "smsFollowUp": true, "notifyWhenFilled": true,
        "officeNumber": "+61290000000", "callbackWindowHours": 48
    }))
    .unwrap();
    let s = p.apply(&d);
    assert!(s.sms_follow_up && s.notify_when_filled);
    assert_eq!(s.office_number.as_deref(), Some("+61290000000"));
    assert_eq!(s.callback_window_hours, 48);
    let cleared = SettingsPatch::from_json(&json!({"officeNumber": null}))
        .unwrap()
        .apply(&s);
    assert_eq!(cleared.office_number, None);
    assert!(cleared.sms_follow_up, "only what the patch names changes");
    let e = SettingsPatch::from_json(&json!({
        "smsFollowUp": "yes", "notifyWhenFilled": 1,
        "officeNumber": "02 9000 0000", "callbackWindowHours": 49
    }))
    .unwrap_err();
    assert_eq!(e.len(), 4, "{e:?}");
    assert_eq!(
        e["callbackWindowHours"],
        "must be a whole number from 1 to 48"
    );
    assert!(e["officeNumber"].contains("international format"));
    assert!(SettingsPatch::from_json(&json!({"callbackWindowHours": 0})).is_err());
    assert!(SettingsPatch::from_json(&json!({"callbackWindowHours": 1})).is_ok());
    // Settings saved before these fields existed still load, at their defaults.
    let old: Settings = serde_json::from_value(json!({
        "enabled": true, "waitMinutes": 5, "maxRounds": 2, "messageTemplate": "Hi"
    }))
    .unwrap();
    assert_eq!(old.callback_window_hours, 12);
    assert!(!old.sms_follow_up);
}

#[test]
fn the_new_settings_default_off_and_english() {
    let s = Settings::default();
    assert!(!s.skip_decliners);
    assert_eq!(s.decline_memory_days, 0);
    assert_eq!(s.default_language, "en");
    assert!(s.message_templates.is_empty() && s.voice_ids.is_empty());
    assert_eq!(s.voice_id, None);
    let j = serde_json::to_value(&s).unwrap();
    assert_eq!(j["skipDecliners"], false);
    assert_eq!(j["declineMemoryDays"], 0);
    assert_eq!(j["defaultLanguage"], "en");
    assert_eq!(j["messageTemplates"], json!({}));
    assert_eq!(j["voiceId"], Value::Null);
    assert_eq!(j["voiceIds"], json!({}));
}

#[test]
fn languages_and_voices_are_checked_and_kept_in_canonical_case() {
    let p = SettingsPatch::from_json(&json!({
        "skipDecliners": true, "declineMemoryDays": 30, "defaultLanguage": "ES-mx",
        "messageTemplates": {"en": "Hi {employeeName}", "fr-ca": "Bonjour {employeeName}"},
        "voiceId": "21m00Tcm4TlvDq8ikWAM", "voiceIds": {"fr": "abc123"},
    }))
    .unwrap();
    let s = p.apply(&Settings::default());
    assert!(s.skip_decliners);
    assert_eq!(s.decline_memory_days, 30);
    assert_eq!(s.default_language, "es-MX");
    assert_eq!(
        s.message_templates.keys().collect::<Vec<_>>(),
        ["en", "fr-CA"]
    );
    assert_eq!(s.voice_id.as_deref(), Some("21m00Tcm4TlvDq8ikWAM"));
    assert_eq!(s.languages(), ["es-MX", "en", "fr-CA"]);
    assert!(s.conflicts().is_empty());
    // null puts the deployment's voice back.
    let back = SettingsPatch::from_json(&json!({"voiceId": null}))
        .unwrap()
        .apply(&s);
    assert_eq!(back.voice_id, None);
}

#[test]
fn bad_languages_and_voices_are_reported_per_field() {
    let e = SettingsPatch::from_json(&json!({
        "skipDecliners": "yes", "declineMemoryDays": 31, "defaultLanguage": "de",
        "messageTemplates": {"es": "Hola {apodo}", "fr": 3},
        "voiceId": "not a voice!", "voiceIds": {"klingon": "abc"},
    }))
    .unwrap_err();
    assert_eq!(e["skipDecliners"], "must be true or false");
    assert_eq!(
        e["declineMemoryDays"],
        "must be a whole number from 0 to 30 (0: off)"
    );
    assert!(e["defaultLanguage"].contains("en, es, fr"), "{e:?}");
    assert!(e["messageTemplates.es"].contains("{apodo}"), "{e:?}");
    assert_eq!(e["messageTemplates.fr"], "must be text");
    assert!(e["voiceId"].contains("ElevenLabs voice ID"), "{e:?}");
    assert!(e["voiceIds"].contains("klingon"), "{e:?}");
    // Keys that do not look like tags are not echoed.
    let odd = format!("<script>{}", "x".repeat(100));
    let e =
        SettingsPatch::from_json(&json!({"messageTemplates": {odd.clone(): "Hi"}})).unwrap_err();
    assert!(!e["messageTemplates"].contains("script"), "{e:?}");
    // Two spellings of one language.
    let e =
        SettingsPatch::from_json(&json!({"messageTemplates": {"es-mx": "Hola", "ES-MX": "Hola"}}))
            .unwrap_err();
    assert!(e["messageTemplates"].contains("es-MX twice"), "{e:?}");
    assert!(SettingsPatch::from_json(&json!({"messageTemplates": []})).is_err());
    let many: serde_json::Map<String, Value> = [
        "en", "es", "fr", "en-AU", "en-GB", "en-US", "es-MX", "es-ES", "fr-CA", "fr-FR", "fr-BE",
    ]
    .iter()
    .map(|t| (t.to_string(), json!("Hi")))
    .collect();
    assert!(
        SettingsPatch::from_json(&json!({"messageTemplates": many})).unwrap_err()
            ["messageTemplates"]
            .contains("at most 10")
    );
}

#[test]
fn the_default_language_has_no_second_template() {
    let s = SettingsPatch::from_json(&json!({"messageTemplates": {"es": "Hola {employeeName}"}}))
        .unwrap()
        .apply(&Settings::default());
    assert!(s.conflicts().is_empty());
    let switched = SettingsPatch::from_json(&json!({"defaultLanguage": "es"}))
        .unwrap()
        .apply(&s);
    assert!(switched.conflicts()["messageTemplates"].contains("default language"));
}

#[test]
fn a_call_gets_its_languages_template_and_voice() {
    let s = SettingsPatch::from_json(&json!({
        "messageTemplate": "Hi {employeeName}!",
        "messageTemplates": {"es": "Hola {employeeName}", "es-ES": "Buenas {employeeName}"},
        "voiceId": "base", "voiceIds": {"es": "spanish"},
    }))
    .unwrap()
    .apply(&Settings::default());
    let sp = s.speaking();
    let t = |person: Option<&str>| {
        let speech = sp.speech_for(person);
        (
            sp.template(&speech, &s.message_template).to_string(),
            sp.voice(&speech).map(str::to_string),
        )
    };
    assert_eq!(t(None), ("Hi {employeeName}!".into(), Some("base".into())));
    assert_eq!(
        t(Some("en-AU")),
        ("Hi {employeeName}!".into(), Some("base".into()))
    );
    assert_eq!(
        t(Some("es-MX")),
        ("Hola {employeeName}".into(), Some("spanish".into()))
    );
    assert_eq!(
        t(Some("es-es")),
        ("Buenas {employeeName}".into(), Some("spanish".into()))
    );
    // French: no template of the provider's, so French's own default, never English.
    let (fr, voice) = t(Some("fr"));
    assert!(fr.starts_with("Bonjour {employeeName}"), "{fr}");
    assert_eq!(voice.as_deref(), Some("base"));
    // A language calls do not speak: the default language.
    assert_eq!(t(Some("de")).0, "Hi {employeeName}!");
    assert_eq!(Speaking::default().voice(&Speech::english()), None);
}

#[test]
fn range_edges_are_accepted() {
    for (w, r) in [(1, 1), (120, 5)] {
        let p = SettingsPatch::from_json(&json!({"waitMinutes": w, "maxRounds": r})).unwrap();
        let s = p.apply(&Settings::default());
        assert_eq!((s.wait_minutes, s.max_rounds), (w, r));
        assert!(p.sets("waitMinutes") && !p.sets("enabled"));
    }
}

#[test]
fn allowed_countries_and_the_daily_speech_budget_are_checked() {
    let d = Settings::default();
    assert!(d.allowed_countries.is_empty(), "the platform's country");
    assert_eq!(d.daily_speech_characters, 20_000);
    let p = SettingsPatch::from_json(&json!({
        "allowedCountries": ["au", "NZ", "AU"], "dailySpeechCharacters": 0
    }))
    .unwrap();
    let s = p.apply(&d);
    assert_eq!(
        s.allowed_countries,
        vec!["AU".to_string(), "NZ".to_string()]
    );
    assert_eq!(s.daily_speech_characters, 0);
    let reset = SettingsPatch::from_json(&json!({"allowedCountries": null})).unwrap();
    assert!(reset.apply(&s).allowed_countries.is_empty());
    let e = SettingsPatch::from_json(&json!({
        "allowedCountries": ["XX"], "dailySpeechCharacters": 1_000_001
    }))
    .unwrap_err();
    assert!(e["allowedCountries"].contains("ISO 3166"), "{e:?}");
    assert!(e["dailySpeechCharacters"].contains("0 to 1000000"), "{e:?}");
    assert!(SettingsPatch::from_json(&json!({"allowedCountries": "AU"})).is_err());
    let many: Vec<&str> = vec!["AU"; 21];
    assert!(SettingsPatch::from_json(&json!({ "allowedCountries": many })).is_err());
}

/// One bad value per setting: each is refused with its own message under its own name, and a
/// refused PATCH changes nothing (there is no patch to apply).
#[test]
fn every_fields_bad_value_gives_its_message_and_changes_nothing() {
    let bad = json!({
        "enabled": "yes",
        "waitMinutes": 0,
        "maxRounds": 6,
        "messageTemplate": 3,
        "skipDecliners": 1,
        "declineMemoryDays": 31,
        "defaultLanguage": "de",
        "messageTemplates": [],
        "voiceId": "not a voice!",
        "voiceIds": "abc",
        "smsFollowUp": "no",
        "notifyWhenFilled": null,
        "officeNumber": "02 9000 0000",
        "callbackWindowHours": 49,
        "costRates": 0.014,
        "recordCalls": "yes",
        "recordingRetentionDays": 366,
        "callMode": "all",
        "broadcastSize": 1,
        "maxCallsPerPersonPerHour": 21,
        "quietHours": "21:00-07:00",
        "urgentOverridesQuietHours": 0,
        "nightWaitMinutes": 121,
        "timeZone": "Mars/Olympus",
        "allowedCountries": "AU",
        "dailySpeechCharacters": -1,
    });
    let e = SettingsPatch::from_json(&bad).unwrap_err();
    let expected: FieldErrors = [
        ("enabled", "must be true or false".to_string()),
        ("waitMinutes", "must be a whole number from 1 to 120".into()),
        ("maxRounds", "must be a whole number from 1 to 5".into()),
        ("messageTemplate", "must be text".into()),
        ("skipDecliners", "must be true or false".into()),
        ("declineMemoryDays", "must be a whole number from 0 to 30 (0: off)".into()),
        ("defaultLanguage", crate::lang::spoken_tag_rule()),
        ("messageTemplates", "must be an object of language tag → text, such as {\"es\": \"…\"}".into()),
        ("voiceId", format!("{}, or null for the default voice", voice_id_rule())),
        ("voiceIds", "must be an object of language tag → text, such as {\"es\": \"…\"}".into()),
        ("smsFollowUp", "must be true or false".into()),
        ("notifyWhenFilled", "must be true or false".into()),
        ("officeNumber", "must be a phone number in international format (+61290000000) or null".into()),
        ("callbackWindowHours", "must be a whole number from 1 to 48".into()),
        ("costRates", "must be {\"callPerMinute\": n, \"speechPer1kChars\": n, \"currency\": \"USD\"}".into()),
        ("recordCalls", "must be true or false".into()),
        ("recordingRetentionDays", "must be a whole number from 1 to 365".into()),
        ("callMode", "must be sequential or broadcast".into()),
        ("broadcastSize", "must be a whole number from 2 to 10".into()),
        ("maxCallsPerPersonPerHour", "must be a whole number from 1 to 20".into()),
        ("quietHours", r#"must be {"start":"HH:MM","end":"HH:MM"} (24-hour, different times) or null"#.into()),
        ("urgentOverridesQuietHours", "must be true or false".into()),
        ("nightWaitMinutes", "must be a whole number from 1 to 120, or null".into()),
        ("timeZone", "must be an IANA time zone such as Australia/Sydney, or null".into()),
        ("allowedCountries", "must be a list of at most 20 ISO 3166 country codes such as [\"AU\", \"NZ\"], or null for the platform's country".into()),
        ("dailySpeechCharacters", "must be a whole number from 0 to 1000000 (0: calls always speak with the built-in voice)".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(e, expected);
    // One good field beside each bad one: still refused whole.
    for (name, v) in bad.as_object().unwrap() {
        let good = if name == "waitMinutes" {
            "maxRounds"
        } else {
            "waitMinutes"
        };
        let e = SettingsPatch::from_json(&json!({ name: v, good: 2 })).unwrap_err();
        assert_eq!(e.keys().collect::<Vec<_>>(), [name], "{name}");
    }
}

/// Every setting's default is valid by its own rule, and goes back through the PATCH parser
/// unchanged (so the table's defaults and rules agree).
#[test]
fn every_default_passes_its_own_rule() {
    let d = serde_json::to_value(Settings::default()).unwrap();
    let obj = d.as_object().unwrap();
    assert_eq!(
        obj.keys().collect::<std::collections::BTreeSet<_>>(),
        FIELDS
            .iter()
            .map(|f| f.name.to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .iter()
            .collect(),
        "the record's fields are the table's"
    );
    let p = SettingsPatch::from_json(&d).unwrap();
    assert_eq!(p.apply(&Settings::default()), Settings::default());
    let changed = Settings {
        enabled: true,
        ..Settings::default()
    };
    assert_eq!(
        p.apply(&changed),
        Settings::default(),
        "a whole body sets every field"
    );
}

#[test]
fn the_settings_read_from_their_json_and_default_what_is_missing() {
    let s = Settings {
        call_mode: CallMode::Broadcast,
        broadcast_size: 4,
        night_wait_minutes: Some(30),
        ..Settings::default()
    };
    let j = serde_json::to_value(&s).unwrap();
    assert_eq!(j["callMode"], "broadcast");
    assert_eq!(serde_json::from_value::<Settings>(j).unwrap(), s);
    assert_eq!(s.calling(), Calling::Broadcast { size: 4 });
    assert_eq!(Settings::default().calling(), Calling::OneAtATime);
    assert_eq!(
        serde_json::from_value::<Settings>(json!({})).unwrap(),
        Settings::default()
    );
}

#[test]
fn checked_takes_a_value_by_a_settings_rule() {
    assert_eq!(
        checked::<String>("defaultLanguage", &json!("ES-mx")).unwrap(),
        "es-MX"
    );
    assert_eq!(
        checked::<String>("defaultLanguage", &json!("de")).unwrap_err(),
        crate::lang::spoken_tag_rule()
    );
    assert!(
        checked::<String>("messageTemplate", &json!("Hi {nickname}"))
            .unwrap_err()
            .contains("{nickname}")
    );
    assert_eq!(
        checked::<Option<String>>("voiceId", &json!(null)).unwrap(),
        None
    );
    assert!(checked::<Option<String>>("voiceId", &json!("a b")).is_err());
    assert!(checked::<u32>("colour", &json!(1)).is_err());
}

/// README.md's settings table is the one the definitions make: names, defaults, rules, help.
#[test]
fn the_readme_settings_table_matches_the_definitions() {
    let readme = include_str!("../../../../README.md");
    let table = readme_table();
    assert!(
        readme.contains(&table),
        "README.md's settings table differs from the settings' definitions; it should read:\n\n{table}"
    );
    // The table lists each setting once, with its range.
    assert!(
        table.contains("| `waitMinutes` | `15` | 1–120 |"),
        "{table}"
    );
    assert_eq!(table.lines().count(), FIELDS.len() + 2);
}

#[test]
fn the_page_gets_every_whole_numbers_range() {
    let ranges: Vec<_> = whole_ranges().collect();
    assert!(ranges.contains(&("waitMinutes", 1, 120)));
    assert!(ranges.contains(&("nightWaitMinutes", 1, 120)));
    assert!(ranges.contains(&("dailySpeechCharacters", 0, 1_000_000)));
}

#[test]
fn a_shift_keeps_what_it_needs_of_the_settings() {
    let s = SettingsPatch::from_json(&json!({
        "enabled": true, "maxRounds": 2, "callMode": "broadcast", "broadcastSize": 4,
        "maxCallsPerPersonPerHour": 3, "skipDecliners": true,
        "quietHours": {"start": "21:00", "end": "07:00"}, "urgentOverridesQuietHours": false,
        "defaultLanguage": "es",
    }))
    .unwrap()
    .apply(&Settings::default());
    let kept = s.for_shift("Australia/Perth");
    assert!(kept.calling_enabled && kept.skip_decliners);
    assert_eq!((kept.max_rounds, kept.person_hourly_limit), (2, 3));
    assert_eq!(kept.calling, Calling::Broadcast { size: 4 });
    assert_eq!(kept.calling.calls_at_once(), 4);
    let quiet = kept.quiet.clone().unwrap();
    assert_eq!(
        (quiet.time_zone.as_str(), quiet.urgent_overrides),
        ("Australia/Perth", false)
    );
    assert_eq!(kept.speaking.default_language, "es");
    // The provider's own zone wins over the shift's.
    let zoned = Settings {
        time_zone: Some("Europe/Paris".into()),
        ..s
    };
    assert_eq!(
        zoned.for_shift("Australia/Perth").quiet.unwrap().time_zone,
        "Europe/Paris"
    );
    assert_eq!(ShiftSettings::default().calling, Calling::OneAtATime);
    let j = serde_json::to_value(&kept).unwrap();
    assert_eq!(j["calling"], json!({"broadcast": {"size": 4}}));
    assert_eq!(serde_json::from_value::<ShiftSettings>(j).unwrap(), kept);
}

/// Whatever its rule, a setting refuses a value of the wrong shape under its own name, with its
/// rule's message, and the rest of the body is not applied (a new setting is covered as it is
/// added to the table).
#[test]
fn every_setting_refuses_a_value_of_the_wrong_shape_with_its_rules_message() {
    for f in FIELDS {
        let (good, v) = match f.name {
            "enabled" => ("maxRounds", json!(2)),
            _ => ("enabled", json!(true)),
        };
        let e =
            SettingsPatch::from_json(&json!({ f.name: {"not": "valid"}, good: v })).unwrap_err();
        assert_eq!(e.len(), 1, "{}: {e:?}", f.name);
        match f.rule {
            Rule::Languages(_) => assert!(e[f.name].contains("has the key not"), "{e:?}"),
            Rule::Prices => assert_eq!(e[f.name], CostRates::SHAPE),
            rule => assert_eq!(e[f.name], rule.message(), "{}", f.name),
        }
    }
}
