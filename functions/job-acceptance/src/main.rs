//! `job-acceptance`: API Gateway → [`handlers::job_acceptance`]. Clients are built once, at init.

use callout_app::lambda_http::{run, service_fn, Error};
use callout_app::{clients, handlers, App};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let app = App::from_env::<{ clients::JOB_ACCEPTANCE }>().await?;
    run(service_fn(|req| {
        let app = app.clone();
        async move { handlers::job_acceptance(&app, req).await }
    }))
    .await
}
