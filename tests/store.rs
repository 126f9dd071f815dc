//! The DynamoDB store on the local AWS keeps the conditions the in-memory twin keeps
//! (`callout_app::adapters::store::contract`): the service's unit tests run on the twin, and
//! this proves the twin and the table agree.

use e2e::*;

#[tokio::test]
async fn the_dynamodb_store_keeps_every_condition_the_twin_keeps() {
    let w = World::new().await;
    callout_app::adapters::store::contract::check(&*w.rt.app.store, &occ("contract")).await;
}
