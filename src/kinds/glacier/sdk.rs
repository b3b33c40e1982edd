//! Glacier through the AWS SDK.

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use jiff::Timestamp;

use crate::aws::request_id::Noted;
use crate::aws::sdk::classify;
use crate::aws::{AwsError, ErrorClass};

use super::aws::{GlacierApi, VaultLock};

fn parse_glacier_date(text: Option<&str>) -> Result<Option<Timestamp>, AwsError> {
    text.map(|t| {
        t.parse::<Timestamp>().map_err(|e| AwsError {
            class: ErrorClass::Rejected,
            code: None,
            message: format!("Glacier returned a date lockward cannot read (`{t}`): {e}"),
        })
    })
    .transpose()
}

pub(crate) struct SdkGlacier(pub(crate) crate::aws::sdk::Lazy<aws_sdk_glacier::Client>);

#[async_trait]
impl GlacierApi for SdkGlacier {
    async fn list_vaults(&self, account_id: &str) -> Result<Vec<String>, AwsError> {
        self.list_vault_names(account_id).await
    }

    async fn get_vault_lock(
        &self,
        account_id: &str,
        vault: &str,
    ) -> Result<Option<VaultLock>, AwsError> {
        let out = match self
            .0
            .get_vault_lock()
            .account_id(account_id)
            .vault_name(vault)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.code() == Some("ResourceNotFoundException") => return Ok(None),
            Err(e) => return Err(classify(e)),
        };
        let created = parse_glacier_date(out.creation_date())?.ok_or_else(|| AwsError {
            class: ErrorClass::Rejected,
            code: None,
            message: format!("GetVaultLock for vault `{vault}` returned no CreationDate"),
        })?;
        Ok(Some(VaultLock {
            state: out.state().unwrap_or_default().to_string(),
            policy: out.policy().unwrap_or_default().to_string(),
            created,
            expires: parse_glacier_date(out.expiration_date())?,
        }))
    }

    async fn vault_exists(&self, account_id: &str, vault: &str) -> Result<bool, AwsError> {
        match self
            .0
            .describe_vault()
            .account_id(account_id)
            .vault_name(vault)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(false),
            Err(e) => Err(classify(e)),
        }
    }

    async fn initiate_vault_lock(
        &self,
        account_id: &str,
        vault: &str,
        policy: &str,
    ) -> Result<String, AwsError> {
        let out = {
            self.0
                .initiate_vault_lock()
                .account_id(account_id)
                .vault_name(vault)
                .policy(
                    aws_sdk_glacier::types::VaultLockPolicy::builder()
                        .policy(policy)
                        .build(),
                )
                .customize()
                .config_override(
                    aws_sdk_glacier::config::Builder::default()
                        .retry_config(RetryConfig::disabled()),
                )
                .send()
                .await
                .noted()
                .map_err(classify)?
        };
        out.lock_id().map(str::to_string).ok_or_else(|| AwsError {
            class: ErrorClass::Ambiguous,
            code: None,
            message: "InitiateVaultLock answered without a lock id".to_string(),
        })
    }

    async fn complete_vault_lock(
        &self,
        account_id: &str,
        vault: &str,
        lock_id: &str,
    ) -> Result<(), AwsError> {
        self.0
            .complete_vault_lock()
            .account_id(account_id)
            .vault_name(vault)
            .lock_id(lock_id)
            .send()
            .await
            .noted()
            .map(|_| ())
            .map_err(classify)
    }

    async fn abort_vault_lock(&self, account_id: &str, vault: &str) -> Result<(), AwsError> {
        self.0
            .abort_vault_lock()
            .account_id(account_id)
            .vault_name(vault)
            .send()
            .await
            .noted()
            .map(|_| ())
            .map_err(classify)
    }
}

impl SdkGlacier {
    /// Every vault name, following ListVaults' `Marker` through all pages.
    async fn list_vault_names(&self, account_id: &str) -> Result<Vec<String>, AwsError> {
        let mut pages = self
            .0
            .list_vaults()
            .account_id(account_id)
            .into_paginator()
            .send();
        let mut names = Vec::new();
        while let Some(page) = pages.try_next().await.map_err(classify)? {
            names.extend(
                page.vault_list()
                    .iter()
                    .filter_map(|v| v.vault_name().map(str::to_string)),
            );
        }
        Ok(names)
    }
}
