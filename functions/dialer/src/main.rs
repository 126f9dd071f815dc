//! `dialer`: SQS dial queue batches (partial batch failures) → [`handlers::dialer`].

use callout_app::lambda_runtime::{run, service_fn, Error};
use callout_app::{clients, handlers, App};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let app = App::from_env::<{ clients::DIALER }>().await?;
    run(service_fn(|event| {
        let app = app.clone();
        async move { handlers::dialer(&app, event).await }
    }))
    .await
}
