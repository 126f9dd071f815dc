//! Reachability checks in memory, with the DynamoDB side's condition
//! (`super::super::reach`): one check per person per day.

use super::super::reach::{check_from, check_item, ReachCheck};
use super::*;

#[async_trait]
impl Reachability for MemoryStore {
    async fn start_check(&self, provider_id: &str, check: &ReachCheck) -> Result<bool> {
        let item = check_item(check)?;
        Ok(self
            .update(
                keys::reach_key(provider_id, &check.employee_id),
                |old| old.is_none_or(|o| get_s(o, attr::DAY).as_deref() != Some(&check.day)),
                |i| i.extend(item),
            )
            .is_ok())
    }

    async fn put_check(&self, provider_id: &str, check: &ReachCheck) -> Result<()> {
        self.put(
            keys::reach_key(provider_id, &check.employee_id),
            check_item(check)?,
            false,
        );
        Ok(())
    }

    async fn get_check(&self, provider_id: &str, employee_id: &str) -> Result<Option<ReachCheck>> {
        self.read(keys::reach_key(provider_id, employee_id))
            .as_ref()
            .map(check_from)
            .transpose()
    }

    async fn list_checks(&self, provider_id: &str) -> Result<Vec<ReachCheck>> {
        self.query_prefix(&keys::provider_pk(provider_id), keys::REACH_PREFIX, 5000)
            .iter()
            .map(check_from)
            .collect()
    }
}
