//! The benchmark ceiling: a minimal axum server with no storage.
//!
//! It answers `POST /rev-users.update` the way the cheapest possible server could: it parses
//! the request body into a `serde_json::Value` (400 when that fails) and returns 200 with a
//! fixed `{"rev_user": {...}}` body of the same shape and size revdir returns. `bench/run.sh`
//! measures revdir against it on the same machine in the same run.

use std::io::Write as _;

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use clap::Parser;

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(name = "ceiling", about = "Benchmark ceiling: POST /rev-users.update with a fixed answer")]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8081")]
    listen: String,
}

/// The fixed answer: a contact as revdir renders one after an update.
const REV_USER: &str = concat!(
    r#"{"rev_user":{"id":"don:identity:dvrv-us-1:devo/x7Kq2mPzA:revu/4242","display_id":"REVU-4242","#,
    r#""created_by":{"type":"dev_user","id":"don:identity:dvrv-us-1:devo/x7Kq2mPzA:devu/1","display_id":"DEVU-1","#,
    r#""display_name":"admin","full_name":"revdir admin","state":"active"},"#,
    r#""created_date":"2026-11-24T09:15:02.113Z","#,
    r#""modified_by":{"type":"dev_user","id":"don:identity:dvrv-us-1:devo/x7Kq2mPzA:devu/1","display_id":"DEVU-1","#,
    r#""display_name":"admin","full_name":"revdir admin","state":"active"},"#,
    r#""modified_date":"2026-11-24T09:16:40.527Z","display_name":"Bench User 4242 817263","#,
    r#""email":"user4242.817263@example.com","phone_numbers":["+14155554242"],"state":"active","#,
    r#""description":"updated by wrk 817263","external_ref":"REVU-4242","external_refs":["REVU-4242"],"#,
    r#""is_verified":true}}"#
);

/// Parses the body as JSON and answers the fixed contact, or 400 in DevRev's error shape.
async fn update(body: Bytes) -> Response {
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(_) => ([(header::CONTENT_TYPE, "application/json")], REV_USER).into_response(),
        Err(e) => {
            let error = serde_json::json!({"type": "bad_request", "message": format!("invalid JSON: {e}")});
            (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "application/json")], error.to_string()).into_response()
        }
    }
}

/// The ceiling's router: one route.
fn router() -> Router {
    Router::new().route("/rev-users.update", post(update))
}

/// Binds, prints `ceiling listening on http://<addr>` and serves until Ctrl-C or SIGTERM.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    let addr = listener.local_addr()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "ceiling listening on http://{addr}")?;
        out.flush()?;
    }
    axum::serve(listener, router()).with_graceful_shutdown(stopped()).await?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn stopped() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixed answer is valid JSON of the documented shape.
    #[test]
    fn the_fixed_answer_is_a_rev_user() {
        let v: serde_json::Value = serde_json::from_str(REV_USER).unwrap();
        assert_eq!(v["rev_user"]["display_id"], "REVU-4242");
        assert_eq!(v["rev_user"]["created_by"]["display_id"], "DEVU-1");
    }

    /// Good JSON gets 200, bad JSON 400.
    #[tokio::test]
    async fn answers_200_on_json_and_400_otherwise() {
        let ok = update(Bytes::from_static(br#"{"id":"REVU-1","display_name":"x"}"#)).await;
        assert_eq!(ok.status(), StatusCode::OK);
        let bad = update(Bytes::from_static(b"{not json")).await;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    }
}
