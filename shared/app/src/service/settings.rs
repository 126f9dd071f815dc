//! Changing a provider's settings (`PATCH /api/provider/outbound-calling`): the body checked
//! by the settings' own rules (`callout_core::settings`, every bad field at once), applied to
//! the saved settings, the rules between fields checked on the result, then saved whole. A
//! provider's own number (`fromNumber`) must be one of the account's Twilio numbers
//! (`IncomingPhoneNumbers`, kept a few minutes by the adapter) and no other provider's.

use super::prelude::*;
use callout_core::settings::{FieldErrors, Settings, SettingsPatch};
use serde_json::Value;

/// What became of a change.
#[derive(Debug, PartialEq, Eq)]
pub enum SettingsChange {
    /// Saved: the provider's settings now.
    Saved(Box<Settings>),
    /// Nothing saved: the reason per field.
    Refused(FieldErrors),
    /// Nothing saved: what it needs could not be checked now (Twilio unreachable).
    Unavailable(String),
}

/// Why a `fromNumber` is refused.
pub const NOT_THE_ACCOUNTS: &str =
    "is not one of the account's Twilio numbers (ask the platform for a number first)";
pub const ANOTHER_PROVIDERS: &str = "is another provider's number";
pub const THE_PLATFORMS: &str =
    "is the platform's own number: leave fromNumber null to call from it";

/// Apply the PATCH `body` to `provider`'s settings and save the result, or refuse it whole.
pub async fn change_settings(app: &App, provider: &str, body: &Value) -> Result<SettingsChange> {
    let current = app.store.get_settings(provider).await?;
    let next = match changed(&current, body, &app.config.twilio_from_number) {
        Ok(next) => next,
        Err(errors) => return Ok(SettingsChange::Refused(errors)),
    };
    let number_changed = next.from_number != current.from_number;
    if let (true, Some(number)) = (number_changed, next.from_number.as_deref()) {
        if let Some(refusal) = own_number_refused(app, provider, number).await? {
            return Ok(refusal);
        }
    }
    app.store.put_settings(provider, &next).await?;
    if let (true, Some(old)) = (number_changed, current.from_number.as_deref()) {
        app.store.release_number(old, provider).await?;
    }
    info!(provider_id = %provider, enabled = next.enabled, wait_minutes = next.wait_minutes, max_rounds = next.max_rounds, own_number = next.from_number.is_some(), "provider_settings_saved");
    Ok(SettingsChange::Saved(Box::new(next)))
}

/// Why `number` cannot be `provider`'s own number, or `None` once it is theirs (taken in the
/// store: free, or theirs already).
async fn own_number_refused(
    app: &App,
    provider: &str,
    number: &str,
) -> Result<Option<SettingsChange>> {
    let refused = |why: &str| {
        Some(SettingsChange::Refused(
            [("fromNumber".to_string(), why.to_string())].into(),
        ))
    };
    if number == app.config.twilio_from_number {
        return Ok(refused(THE_PLATFORMS));
    }
    match app.twilio().incoming_numbers().await {
        Ok(owned) if owned.iter().any(|n| n == number) => {}
        Ok(_) => {
            info!(provider_id = %provider, number = %mask::phone(number), "from_number_not_owned");
            return Ok(refused(NOT_THE_ACCOUNTS));
        }
        Err(e) => {
            warn!(provider_id = %provider, error = %e, "from_number_not_checked");
            return Ok(Some(SettingsChange::Unavailable(format!(
                "the account's numbers could not be read from Twilio ({e}); nothing was changed, try again shortly"
            ))));
        }
    }
    if !app.store.claim_number(number, provider).await? {
        return Ok(refused(ANOTHER_PROVIDERS));
    }
    Ok(None)
}

/// `current` changed by the PATCH `body`, or every reason it cannot be: a field's own rule,
/// then the rules between fields on the settings the change would give.
pub fn changed(
    current: &Settings,
    body: &Value,
    platform_number: &str,
) -> Result<Settings, FieldErrors> {
    let patch = SettingsPatch::from_json(body)?;
    let next = patch.apply(current);
    let mut conflicts = next.conflicts();
    // Toll fraud: an office number set, or the countries changed, is checked as the call-back
    // line will dial it.
    if patch.sets("officeNumber") || patch.sets("allowedCountries") {
        if let Some(e) = callout_core::dialable::office_number_error(
            next.office_number.as_deref(),
            &next.allowed_countries,
            platform_number,
        ) {
            conflicts.insert("officeNumber".into(), e);
        }
    }
    if conflicts.is_empty() {
        Ok(next)
    } else {
        Err(conflicts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLATFORM: &str = "+61255550000";

    #[test]
    fn a_change_keeps_what_it_does_not_name() {
        let current = Settings {
            wait_minutes: 7,
            ..Settings::default()
        };
        let next = changed(&current, &json!({"enabled": true}), PLATFORM).unwrap();
        assert!(next.enabled);
        assert_eq!(next.wait_minutes, 7);
    }

    #[test]
    fn a_bad_field_refuses_the_whole_change() {
        let e = changed(
            &Settings::default(),
            &json!({"enabled": true, "maxRounds": 9}),
            PLATFORM,
        )
        .unwrap_err();
        assert_eq!(
            e.into_iter().collect::<Vec<_>>(),
            [(
                "maxRounds".to_string(),
                "must be a whole number from 1 to 5".to_string()
            )]
        );
    }

    #[test]
    fn the_rules_between_fields_are_checked_on_the_result() {
        let current = Settings {
            message_templates: [("es".to_string(), "Hola {employeeName}".to_string())].into(),
            ..Settings::default()
        };
        let e = changed(&current, &json!({"defaultLanguage": "es"}), PLATFORM).unwrap_err();
        assert!(e["messageTemplates"].contains("default language"), "{e:?}");
    }

    #[test]
    fn an_office_number_is_checked_as_the_call_back_line_dials_it() {
        // The platform's own number is never an office.
        let e = changed(
            &Settings::default(),
            &json!({"officeNumber": PLATFORM}),
            PLATFORM,
        )
        .unwrap_err();
        assert!(e.contains_key("officeNumber"), "{e:?}");
        // Unchanged and not named: not checked again.
        let saved = Settings {
            office_number: Some(PLATFORM.into()),
            ..Settings::default()
        };
        assert!(changed(&saved, &json!({"enabled": true}), PLATFORM).is_ok());
    }
}
