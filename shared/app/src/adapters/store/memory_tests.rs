//! The in-memory store keeps the table's conditions ([`super::contract`], which DynamoDB passes
//! on the local AWS in `tests/store.rs`).

use super::contract;
use super::memory::MemoryStore;

#[tokio::test]
async fn the_memory_store_keeps_every_condition_the_table_keeps() {
    contract::check(&MemoryStore::new(), "occ_contract").await;
}
