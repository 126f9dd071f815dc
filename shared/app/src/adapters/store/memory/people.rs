//! The inbound channels' items, a person's recent calls and remembered declines, in memory.

use super::*;

#[async_trait]
impl Offers for MemoryStore {
    async fn record_offer(
        &self,
        phone: &str,
        occ: &str,
        employee_id: &str,
        provider_id: &str,
        texted: bool,
        code: Option<&str>,
    ) -> Result<()> {
        let now = Utc::now();
        let _ = self.update(
            keys::offer_key(phone, occ, employee_id),
            |_| true,
            |i| {
                i.insert(attr::OCCURRENCE_ID.into(), s(occ));
                i.insert(attr::EMPLOYEE_ID.into(), s(employee_id));
                i.insert(attr::PROVIDER_ID.into(), s(provider_id));
                i.insert(attr::OFFERED_AT.into(), time(now));
                i.insert(
                    attr::TTL.into(),
                    n((now + chrono::Duration::hours(OFFER_INDEX_HOURS)).timestamp()),
                );
                if texted {
                    i.insert(attr::TEXTED.into(), AttributeValue::Bool(true));
                }
                if let Some(c) = code {
                    i.entry(attr::CODE.into()).or_insert_with(|| s(c));
                }
            },
        );
        Ok(())
    }

    async fn offers_for(&self, phone: &str) -> Result<Vec<Offer>> {
        Ok(self
            .query_prefix(&keys::phone_pk(phone), keys::OFFER_PREFIX, 200)
            .iter()
            .filter_map(offer_from)
            .collect())
    }

    async fn webhook_handled(&self, id: &str) -> Result<bool> {
        Ok(self.exists(keys::webhook_key(id)))
    }

    async fn remember_webhook(&self, id: &str) -> Result<bool> {
        let item = Item::from([(attr::CREATED_AT.to_string(), time(Utc::now()))]);
        Ok(self.put(keys::webhook_key(id), item, true))
    }

    async fn record_pass(&self, occ: &str, employee_id: &str, channel: &str) -> Result<()> {
        let item = Item::from([
            (attr::EMPLOYEE_ID.to_string(), s(employee_id)),
            (attr::ASSIGNED_CHANNEL.to_string(), s(channel)),
            (attr::CREATED_AT.to_string(), time(Utc::now())),
        ]);
        self.put(keys::pass_key(occ, employee_id), item, false);
        // With the shift's `passedBy`, as DynamoDB's transaction (no shift: the item only).
        let _ = self.update(
            keys::shift_key(occ),
            |i| i.is_some(),
            |i| {
                let mut set = crate::adapters::store::codec::get_set(i, attr::PASSED_BY);
                set.insert(employee_id.to_string());
                i.insert(
                    attr::PASSED_BY.into(),
                    aws_sdk_dynamodb::types::AttributeValue::Ss(set.into_iter().collect()),
                );
            },
        );
        Ok(())
    }

    async fn has_passed(&self, occ: &str, employee_id: &str) -> Result<bool> {
        Ok(self.exists(keys::pass_key(occ, employee_id)))
    }

    async fn passes(&self, occ: &str) -> Result<std::collections::BTreeSet<String>> {
        Ok(self
            .query_prefix(&keys::shift_pk(occ), "PASS#", usize::MAX)
            .iter()
            .filter_map(|item| get_s(item, attr::EMPLOYEE_ID))
            .collect())
    }

    async fn set_opted_out(&self, phone: &str, opted_out: bool) -> Result<()> {
        if opted_out {
            let item = Item::from([(attr::CREATED_AT.to_string(), time(Utc::now()))]);
            self.put(keys::optout_key(phone), item, false);
        } else {
            self.delete(keys::optout_key(phone));
        }
        Ok(())
    }

    async fn is_opted_out(&self, phone: &str) -> Result<bool> {
        Ok(self.exists(keys::optout_key(phone)))
    }

    async fn record_text(&self, occ: &str, reference: &str, text: &TextLog) -> Result<()> {
        let item = Item::from([(attr::ENTRY.to_string(), s(serde_json::to_string(text)?))]);
        self.put(
            keys::text_key(occ, &text.kind, &text.employee_id, reference),
            item,
            false,
        );
        Ok(())
    }

    async fn list_texts(&self, occ: &str) -> Result<Vec<TextLog>> {
        self.query_prefix(&keys::shift_pk(occ), keys::TEXT_PREFIX, 1000)
            .iter()
            .map(|item| {
                let entry = get_s(item, attr::ENTRY).context("a text without its entry")?;
                Ok(serde_json::from_str(&entry)?)
            })
            .collect()
    }
}

#[async_trait]
impl People for MemoryStore {
    /// The same rule and the same versioned item as DynamoDB's, read and written under one
    /// lock (so the version never refuses a write here).
    async fn let_person_call(
        &self,
        phone: &str,
        call: &str,
        now: i64,
        limit: u32,
        windows: Windows,
    ) -> Result<std::result::Result<(), i64>> {
        let key = key_of(keys::person_calls_key(phone));
        let mut table = self.table();
        let item = table.get(&key);
        let version: u64 = item.and_then(|i| get_n(i, attr::VERSION)).unwrap_or(0);
        let calls = person_calls(item);
        let (verdict, kept) = person_pace::ask(&calls, call, now, limit, windows);
        let Some(kept) = kept else {
            return Ok(verdict);
        };
        let mut item = new_item(&key);
        item.insert(attr::CALLS.into(), person_calls_value(kept));
        item.insert(attr::VERSION.into(), n(version + 1));
        table.insert(key, item);
        Ok(verdict)
    }
}

#[async_trait]
impl Declines for MemoryStore {
    async fn remember_decline(
        &self,
        provider_id: &str,
        patient_key: &str,
        employee_id: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let item = Item::from([
            (attr::EMPLOYEE_ID.to_string(), s(employee_id)),
            (attr::DECLINED_AT.to_string(), time(at)),
        ]);
        self.put(
            keys::decline_key(provider_id, patient_key, employee_id),
            item,
            false,
        );
        Ok(())
    }

    async fn decliners_since(
        &self,
        provider_id: &str,
        patient_key: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<(String, DateTime<Utc>)>> {
        Ok(self
            .query_prefix(
                &keys::declines_pk(provider_id, patient_key),
                keys::DECLINE_PREFIX,
                1000,
            )
            .iter()
            .filter_map(|item| {
                Some((
                    get_s(item, attr::EMPLOYEE_ID)?,
                    get_time(item, attr::DECLINED_AT)?,
                ))
            })
            .filter(|(_, at)| *at >= since)
            .collect())
    }
}
