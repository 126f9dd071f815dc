//! `start-calling`: EventBridge `Wave3Completed` (or its bare detail) → [`handlers::start_calling`].

use callout_app::lambda_runtime::{run, service_fn, Error};
use callout_app::{clients, handlers, App};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let app = App::from_env::<{ clients::START_CALLING }>().await?;
    run(service_fn(|event| {
        let app = app.clone();
        async move { handlers::start_calling(&app, event).await }
    }))
    .await
}
