//! The providers' own numbers (`fromNumber`): `PHONE#{phoneKey}` / `NUMBER` names the provider
//! a number belongs to, so an incoming call or text is routed by the number it was made to
//! (`To`), and no two providers hold one number. Written when a provider's settings take the
//! number (a conditional put: free, or theirs already) and removed when they let it go. Like
//! settings, it has no `ttl`.

use super::codec::{get_s, s, time, Item};
use super::error::{ConditionalResult, DbResult};
use super::keys::{attr, number_key};
use super::Store;
use anyhow::Result;
use chrono::Utc;

impl Store {
    /// `number` becomes `provider_id`'s; false when another provider holds it (nothing
    /// written). Taking one's own number again is a success.
    pub async fn claim_number(&self, number: &str, provider_id: &str) -> Result<bool> {
        self.put(
            number_key(number),
            Item::from([
                (attr::PROVIDER_ID.to_string(), s(provider_id)),
                (attr::UPDATED_AT.to_string(), time(Utc::now())),
            ]),
        )
        .condition_expression("attribute_not_exists(pk) OR #p = :p")
        .expression_attribute_names("#p", attr::PROVIDER_ID)
        .expression_attribute_values(":p", s(provider_id))
        .send()
        .await
        .conditional()
    }

    /// `provider_id` lets `number` go (nothing happens when it is not theirs).
    pub async fn release_number(&self, number: &str, provider_id: &str) -> Result<()> {
        self.delete(number_key(number))
            .condition_expression("#p = :p")
            .expression_attribute_names("#p", attr::PROVIDER_ID)
            .expression_attribute_values(":p", s(provider_id))
            .send()
            .await
            .conditional()?;
        Ok(())
    }

    /// The provider whose own number `number` is, if any.
    pub async fn number_owner(&self, number: &str) -> Result<Option<String>> {
        let out = self.get(number_key(number)).send().await.db()?;
        Ok(out.item.as_ref().and_then(|i| get_s(i, attr::PROVIDER_ID)))
    }
}
