//! `call-timeout`: API Gateway → [`handlers::call_timeout`]. Clients are built once, at init.

use callout_app::lambda_http::{run, service_fn, Error};
use callout_app::{clients, handlers, App};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let app = App::from_env::<{ clients::CALL_TIMEOUT }>().await?;
    run(service_fn(|req| {
        let app = app.clone();
        async move { handlers::call_timeout(&app, req).await }
    }))
    .await
}
