//! The errors of the JSON endpoints and how they are answered:
//! `{"error": {"code": "...", "message": "..."}}` with a matching status.
//!
//! Codes are stable (clients branch on them); messages are for people.
//! Errors the caller caused say what to fix; internal ones are logged here
//! with their detail and answered generically.

use crate::admin::AdminError;
use crate::password::PasswordError;
use crate::store::StoreError;
use axum::extract::rejection::JsonRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// Why a request to `/api` failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// The body is not the JSON expected, or a value is not acceptable.
    #[error("{0}")]
    BadRequest(String),
    /// Wrong credentials, or no valid token.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// A browser request from a page that may not make it (no `Origin`,
    /// or a foreign one, on a request authenticated by the cookie).
    #[error("{0}")]
    Forbidden(&'static str),
    /// The request conflicts with the state: an address registered
    /// meanwhile, a backup already running.
    #[error("{0}")]
    Conflict(String),
    /// The body is larger than the endpoint accepts.
    #[error("{0}")]
    TooLarge(String),
    /// No such endpoint.
    #[error("{0}")]
    NotFound(String),
    /// The endpoint exists but not with this method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// Too many attempts from this address or on this account; answered
    /// with `Retry-After` (whole seconds, at least 1).
    #[error("too many attempts: try again in {} s", retry_after_secs(.0))]
    TooManyRequests(std::time::Duration),
    /// The server is busy (its password checks are all taken); answered
    /// with `Retry-After: 1`.
    #[error("{0}")]
    Busy(&'static str),
    /// Something failed inside the server; the detail is for the log only.
    #[error("internal error")]
    Internal(String),
    /// The team's web chat is paused: no new visitor.
    #[error("this team's web chat is paused")]
    WidgetPaused,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'static str,
    message: &'a str,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            ApiError::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            ApiError::WidgetPaused => (StatusCode::FORBIDDEN, "widget_paused"),
        }
    }

    /// The `Retry-After` of an answer that asks the caller to wait.
    fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::TooManyRequests(wait) => Some(retry_after_secs(wait)),
            ApiError::Busy(_) => Some(1),
            _ => None,
        }
    }
}

/// A wait in whole seconds, rounded up, at least 1.
fn retry_after_secs(wait: &std::time::Duration) -> u64 {
    u64::try_from(wait.as_millis().div_ceil(1000))
        .unwrap_or(u64::MAX)
        .max(1)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(error = %detail, "internal error answering an api request");
        }
        let (status, code) = self.status_and_code();
        let message = self.to_string();
        let body = Body {
            error: Detail {
                code,
                message: &message,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = self.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(format!(
                "the body exceeds {} bytes",
                super::api::MAX_BODY_BYTES
            ))
        } else {
            // serde_json's complaint names the field and position; it can
            // quote a value the caller sent, which goes back to the caller
            // alone and is never logged.
            ApiError::BadRequest(rejection.body_text())
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Taken(what) => ApiError::Conflict(format!("{what} is already taken")),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> ApiError {
        match e {
            AdminError::Invalid(message) => ApiError::BadRequest(message),
            AdminError::Store(e) => e.into(),
            AdminError::NotFound(what) => ApiError::Internal(format!("{what} not found")),
        }
    }
}

impl From<PasswordError> for ApiError {
    fn from(e: PasswordError) -> ApiError {
        match e {
            PasswordError::TooShort | PasswordError::TooLong => ApiError::BadRequest(e.to_string()),
            PasswordError::Busy => ApiError::Busy("too many password checks at once: try again"),
            PasswordError::Hash(detail) => ApiError::Internal(detail),
        }
    }
}
