//! Speech spend's counters, provider settings and the portal's reads, in memory.

use super::*;

#[async_trait]
impl Counters for MemoryStore {
    async fn count_listen(
        &self,
        provider_id: &str,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<(), Window>> {
        for window in [Window::Minute, Window::Day] {
            let limit = u64::from(window.listen_limit());
            let counted = self.update(
                listen_key(provider_id, window, now),
                |i| {
                    i.and_then(|i| get_n::<u64>(i, attr::COUNT))
                        .is_none_or(|c| c < limit)
                },
                |i| {
                    let c: u64 = get_n(i, attr::COUNT).unwrap_or(0);
                    i.insert(attr::COUNT.into(), n(c + 1));
                },
            );
            if counted.is_err() {
                return Ok(Err(window));
            }
        }
        Ok(Ok(()))
    }

    async fn spend_speech(
        &self,
        provider_id: &str,
        now: DateTime<Utc>,
        characters: u32,
        budget: u32,
    ) -> Result<Option<(u64, u64)>> {
        let Some(room) = speech_budget::room_before(characters, budget) else {
            return Ok(None);
        };
        let written = self.update(
            speech_key(provider_id, now),
            |i| {
                i.and_then(|i| get_n::<u64>(i, attr::COUNT))
                    .is_none_or(|c| c <= room)
            },
            |i| {
                let c: u64 = get_n(i, attr::COUNT).unwrap_or(0);
                i.insert(attr::COUNT.into(), n(c + u64::from(characters)));
            },
        );
        Ok(written.ok().map(|item| {
            let after: u64 = get_n(&item, attr::COUNT).unwrap_or(u64::from(characters));
            (after.saturating_sub(u64::from(characters)), after)
        }))
    }

    async fn refund_speech(
        &self,
        provider_id: &str,
        at: DateTime<Utc>,
        characters: u32,
    ) -> Result<()> {
        let _ = self.update(
            speech_key(provider_id, at),
            |i| i.is_some_and(|i| has(i, attr::COUNT)),
            |i| {
                let c: i64 = get_n(i, attr::COUNT).unwrap_or(0);
                i.insert(attr::COUNT.into(), n(c - i64::from(characters)));
            },
        );
        Ok(())
    }

    async fn speech_used(&self, provider_id: &str, now: DateTime<Utc>) -> Result<u64> {
        Ok(self
            .read(speech_key(provider_id, now))
            .and_then(|i| get_n(&i, attr::COUNT))
            .unwrap_or(0))
    }
}

#[async_trait]
impl ProviderSettings for MemoryStore {
    async fn get_settings(&self, provider_id: &str) -> Result<Settings> {
        self.read(keys::settings_key(provider_id))
            .as_ref()
            .map(settings_from)
            .unwrap_or_else(|| Ok(Settings::default()))
    }

    async fn put_settings(&self, provider_id: &str, settings: &Settings) -> Result<()> {
        self.put(
            keys::settings_key(provider_id),
            settings_item(provider_id, settings)?,
            false,
        );
        Ok(())
    }
}

#[async_trait]
impl Queries for MemoryStore {
    async fn shifts_between(
        &self,
        provider_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Shift>> {
        let range = crate::adapters::store::queries::sk_range("SHIFT", from, to);
        self.query_gsi1(provider_id, range, true, limit)
            .iter()
            .map(shift_from)
            .collect()
    }

    async fn calls_between(
        &self,
        provider_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Attempt>> {
        let range = crate::adapters::store::queries::sk_range("CALL", from, to);
        self.query_gsi1(provider_id, range, false, limit)
            .iter()
            .map(attempt_from)
            .collect()
    }
}
