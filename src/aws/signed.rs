//! One signed POST to an AWS service, for the protocols lockward speaks without an SDK crate
//! (EC2's Query, AWS Organizations' JSON): `aws-sigv4` signs with the provider's credentials
//! (its whole chain, an assumed role included), `aws-smithy-http-client` sends. Errors read as
//! the SDK clients' do: a connection never made or credentials that cannot be loaded are
//! `NotSent`, a lost answer `Ambiguous`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_types::body::SdkBody;

use crate::aws::sdk::{connect_failure, credentials_words};
use crate::aws::{AwsError, ErrorClass};

/// A service's endpoint, signing name and region, with the credentials to sign with.
pub(crate) struct SignedHttp {
    connector: Arc<aws_smithy_http_client::Connector>,
    credentials: Option<SharedCredentialsProvider>,
    service: &'static str,
    region: String,
    endpoint: String,
}

/// What the service answered.
pub(crate) struct Answer {
    pub status: u16,
    /// The `x-amzn-requestid` header.
    pub request_id: Option<String>,
    pub body: String,
}

/// One connector for every [`SignedHttp`] of the process (each provider has an EC2 client):
/// its TLS settings and connection pool are made once.
static CONNECTOR: std::sync::LazyLock<Arc<aws_smithy_http_client::Connector>> =
    std::sync::LazyLock::new(|| {
        let settings = HttpConnectorSettings::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            .build();
        Arc::new(
            aws_smithy_http_client::Connector::builder()
                .connector_settings(settings)
                .tls_provider(tls::Provider::Rustls(
                    tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .build(),
        )
    });

impl SignedHttp {
    pub(crate) fn new(
        config: &aws_types::SdkConfig,
        service: &'static str,
        region: String,
        endpoint: String,
    ) -> SignedHttp {
        SignedHttp {
            connector: CONNECTOR.clone(),
            credentials: config.credentials_provider(),
            service,
            region,
            endpoint,
        }
    }

    /// POSTs `body` to the endpoint's root with `headers`, signed.
    pub(crate) async fn post(
        &self,
        headers: &[(&str, &str)],
        body: String,
    ) -> Result<Answer, AwsError> {
        let not_sent = |message: String| AwsError {
            class: ErrorClass::NotSent,
            code: None,
            message,
        };
        let Some(provider) = &self.credentials else {
            return Err(not_sent(
                "no usable AWS credentials: the provider has no credentials chain".into(),
            ));
        };
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|e| credentials_words(&e))?;
        let uri = format!("{}/", self.endpoint.trim_end_matches('/'));
        let parsed = url::Url::parse(&uri).map_err(|e| not_sent(format!("{uri}: {e}")))?;
        let host = match (parsed.host_str(), parsed.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => return Err(not_sent(format!("{uri} names no host"))),
        };
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        all.push(("host", host.as_str()));
        let identity = credentials.into();
        let signing = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(self.service)
            .time(SystemTime::now())
            .settings(aws_sigv4::http_request::SigningSettings::default())
            .build()
            .map_err(|e| not_sent(format!("could not sign the request: {e}")))?
            .into();
        let signable = aws_sigv4::http_request::SignableRequest::new(
            "POST",
            &uri,
            all.iter().copied(),
            aws_sigv4::http_request::SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| not_sent(format!("could not sign the request: {e}")))?;
        let (instructions, _) = aws_sigv4::http_request::sign(signable, &signing)
            .map_err(|e| not_sent(format!("could not sign the request: {e}")))?
            .into_parts();
        let mut request = aws_smithy_runtime_api::http::Request::new(SdkBody::from(body));
        request
            .set_uri(uri.as_str())
            .map_err(|e| not_sent(format!("{uri}: {e}")))?;
        request
            .set_method("POST")
            .map_err(|e| not_sent(e.to_string()))?;
        for (name, value) in all.iter().copied().chain(instructions.headers()) {
            request
                .headers_mut()
                .insert(name.to_string(), value.to_string());
        }
        let response = match self.connector.call(request).await {
            Ok(r) => r,
            Err(e) => {
                if let Some(reason) = connect_failure(&e) {
                    return Err(not_sent(format!("could not connect ({reason})")));
                }
                return Err(AwsError {
                    class: ErrorClass::Ambiguous,
                    code: None,
                    message: if e.is_timeout() {
                        "no answer in time (the call timed out)".to_string()
                    } else {
                        format!("the answer was lost: {e}")
                    },
                });
            }
        };
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get("x-amzn-requestid")
            .map(str::to_string);
        let bytes = aws_smithy_types::byte_stream::ByteStream::new(response.into_body())
            .collect()
            .await
            .map_err(|e| AwsError {
                class: ErrorClass::Ambiguous,
                code: None,
                message: format!("the answer could not be read: {e}"),
            })?
            .into_bytes();
        Ok(Answer {
            status,
            request_id,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }
}
