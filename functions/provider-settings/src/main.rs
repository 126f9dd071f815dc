//! `provider-settings`: API Gateway → [`handlers::provider_settings`]. Clients are built once, at init.

use callout_app::lambda_http::{run, service_fn, Error};
use callout_app::{clients, handlers, App};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let app = App::from_env::<{ clients::PROVIDER_SETTINGS }>().await?;
    run(service_fn(|req| {
        let app = app.clone();
        async move { handlers::provider_settings(&app, req).await }
    }))
    .await
}
