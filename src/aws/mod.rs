//! AWS access: one small trait per service with exactly the calls lockward makes, the AWS SDK
//! implementation (`sdk`), and an in-memory fake for unit tests (`fake`).

use std::fmt;

use async_trait::async_trait;

pub mod fake;
pub mod organizations;
pub mod request_id;
pub mod sdk;
pub(crate) mod signed;

pub use crate::kinds::ProviderClients;
pub use sdk::ClientOptions;

/// Who the credentials belong to (STS GetCallerIdentity).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
}

#[async_trait]
pub trait StsApi: Send + Sync {
    async fn caller_identity(&self) -> Result<CallerIdentity, AwsError>;
}

/// An endpoint URL as targets compare it: lowercase scheme and host, no default port, no
/// trailing slash (DESIGN.md section 1). Text that is not a URL is kept, lowercased and trimmed.
pub fn normalize_endpoint(text: &str) -> String {
    let trimmed = text.trim();
    match url::Url::parse(trimmed) {
        Ok(url) => {
            // `url` lowercases the scheme and host and drops a default port already.
            let mut out = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
            if let Some(port) = url.port() {
                out.push_str(&format!(":{port}"));
            }
            out.push_str(url.path().trim_end_matches('/'));
            out
        }
        Err(_) => trimmed.trim_end_matches('/').to_ascii_lowercase(),
    }
}

/// How an AWS call failed, classified for the decisions lockward makes on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsError {
    pub class: ErrorClass,
    /// The AWS error code, e.g. `AccessDeniedException`, when there was one.
    pub code: Option<String>,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// AWS answered with an error: the call was not performed.
    Rejected,
    /// The outcome is unknown: a timeout, a dropped connection, an unreadable answer or a 5xx.
    /// The call may or may not have taken effect: re-read before deciding anything.
    Ambiguous,
    /// The request could not be built or sent at all (e.g. no credentials): nothing happened.
    NotSent,
}

impl AwsError {
    pub fn is_ambiguous(&self) -> bool {
        self.class == ErrorClass::Ambiguous
    }

    /// Whether AWS refused the call because of its request rate: the call was not performed.
    pub fn is_throttling(&self) -> bool {
        const THROTTLING: [&str; 8] = [
            "Throttling",
            "ThrottlingException",
            "ThrottledException",
            "RequestThrottledException",
            "TooManyRequestsException",
            "RequestLimitExceeded",
            "RequestThrottled",
            "SlowDown",
        ];
        self.class == ErrorClass::Rejected
            && self
                .code
                .as_deref()
                .is_some_and(|c| THROTTLING.contains(&c))
    }

    /// Whether AWS's answer proves the call did nothing (DESIGN.md section 5.4): it was never
    /// sent, or AWS refused it for its rate, its parameters, its permissions or a missing
    /// resource. Any other failure leaves the effect unknown.
    pub fn proves_no_effect(&self) -> bool {
        match self.class {
            ErrorClass::NotSent => true,
            ErrorClass::Ambiguous => false,
            ErrorClass::Rejected => {
                self.is_throttling()
                    || self.code.as_deref().is_some_and(|c| {
                        c == "ValidationException"
                            || c.starts_with("InvalidParameter")
                            || c.starts_with("AccessDenied")
                            || c.starts_with("ResourceNotFound")
                    })
            }
        }
    }

    pub fn has_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Whether the outcome is unknown matters only for a mutating call: the executor says
        // so there, never for a read.
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for AwsError {}
