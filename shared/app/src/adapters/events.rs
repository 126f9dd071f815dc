//! EventBridge: the events this product tells the rest of the platform.

use anyhow::{anyhow, bail, Result};
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;

pub const SOURCE: &str = "shift-callout";

#[derive(Clone)]
pub struct Events {
    client: Client,
    bus: String,
}

impl Events {
    pub fn new(client: Client, bus: impl Into<String>) -> Events {
        Events {
            client,
            bus: bus.into(),
        }
    }

    pub async fn put(&self, detail_type: &str, detail: &serde_json::Value) -> Result<()> {
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(SOURCE)
            .detail_type(detail_type)
            .detail(detail.to_string())
            .build();
        let out = self
            .client
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_eventbridge::error::DisplayErrorContext(e)))?;
        if out.failed_entry_count > 0 {
            bail!("EventBridge refused {detail_type}: {:?}", out.entries);
        }
        Ok(())
    }
}

/// The event bus as the steps see it: EventBridge ([`Events`]) or a test's list
/// (`adapters::memory::MemoryEvents`).
#[async_trait::async_trait]
pub trait EventBus: Send + Sync {
    /// Put one event of `detail_type` with `detail`.
    async fn put(&self, detail_type: &str, detail: &serde_json::Value) -> Result<()>;
}

#[async_trait::async_trait]
impl EventBus for Events {
    async fn put(&self, detail_type: &str, detail: &serde_json::Value) -> Result<()> {
        Events::put(self, detail_type, detail).await
    }
}
