//! A provider's settings (`PROVIDER#{providerId}` / `SETTINGS`): read with defaults, written
//! whole. The only item without a `ttl`.

use super::codec::{s, settings_from, settings_item};
use super::error::DbResult;
use super::keys::{attr, settings_key};
use super::Store;
use anyhow::Result;
use callout_core::settings::Settings;
use chrono::Utc;

impl Store {
    pub async fn get_settings(&self, provider_id: &str) -> Result<Settings> {
        // An eventually consistent read, as settings change rarely and by hand.
        let out = self
            .get(settings_key(provider_id))
            .consistent_read(false)
            .send()
            .await
            .db()?;
        out.item
            .as_ref()
            .map(settings_from)
            .transpose()
            .map(Option::unwrap_or_default)
    }

    pub async fn put_settings(&self, provider_id: &str, settings: &Settings) -> Result<()> {
        self.put(
            settings_key(provider_id),
            settings_item(provider_id, settings)?,
        )
        .item(attr::UPDATED_AT, s(Utc::now().to_rfc3339()))
        .send()
        .await
        .db()?;
        Ok(())
    }
}
