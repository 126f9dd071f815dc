//! The providers' own numbers in memory, with the DynamoDB side's conditions
//! (`super::super::numbers`).

use super::*;

fn owner(item: Option<&Item>) -> Option<String> {
    item.and_then(|i| get_s(i, attr::PROVIDER_ID))
}

#[async_trait]
impl Numbers for MemoryStore {
    async fn claim_number(&self, number: &str, provider_id: &str) -> Result<bool> {
        Ok(self
            .update(
                keys::number_key(number),
                |old| old.is_none() || owner(old).as_deref() == Some(provider_id),
                |item| {
                    item.insert(attr::PROVIDER_ID.into(), s(provider_id));
                    item.insert(attr::UPDATED_AT.into(), time(Utc::now()));
                },
            )
            .is_ok())
    }

    async fn release_number(&self, number: &str, provider_id: &str) -> Result<()> {
        let key = keys::number_key(number);
        if owner(self.read(key.clone()).as_ref()).as_deref() == Some(provider_id) {
            self.delete(key);
        }
        Ok(())
    }

    async fn number_owner(&self, number: &str) -> Result<Option<String>> {
        Ok(owner(self.read(keys::number_key(number)).as_ref()))
    }
}
