//! Recycle Bin through the AWS SDK.

use async_trait::async_trait;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::aws::request_id::Noted;
use crate::aws::sdk::{classify, timestamp_from_smithy};
use crate::aws::{AwsError, ErrorClass};

use super::aws::{RbinApi, RuleInfo};

pub(crate) struct SdkRbin(pub(crate) crate::aws::sdk::Lazy<aws_sdk_rbin::Client>);

#[async_trait]
impl RbinApi for SdkRbin {
    async fn list_rules(&self, resource_type: &str) -> Result<Vec<super::RuleSummary>, AwsError> {
        self.list_rule_summaries(resource_type).await
    }

    async fn get_rule(&self, rule_id: &str) -> Result<Option<RuleInfo>, AwsError> {
        let out = match self.0.get_rule().identifier(rule_id).send().await {
            Ok(out) => out,
            Err(e) if e.code() == Some("ResourceNotFoundException") => return Ok(None),
            Err(e) => return Err(classify(e)),
        };
        let unlock_delay_days = out
            .lock_configuration()
            .and_then(|c| c.unlock_delay())
            .and_then(|d| u16::try_from(d.unlock_delay_value()).ok());
        Ok(Some(RuleInfo {
            resource_type: out
                .resource_type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            lock_state: out.lock_state().map(|s| s.as_str().to_string()),
            unlock_delay_days,
            lock_end_time: out.lock_end_time().and_then(timestamp_from_smithy),
            resource_tags: out.resource_tags().len(),
            exclude_resource_tags: out.exclude_resource_tags().len(),
        }))
    }

    async fn lock_rule(&self, rule_id: &str, unlock_delay_days: u16) -> Result<(), AwsError> {
        use aws_sdk_rbin::types::{LockConfiguration, UnlockDelay, UnlockDelayUnit};
        let delay = UnlockDelay::builder()
            .unlock_delay_value(i32::from(unlock_delay_days))
            .unlock_delay_unit(UnlockDelayUnit::Days)
            .build()
            .map_err(|e| AwsError {
                class: ErrorClass::NotSent,
                code: None,
                message: e.to_string(),
            })?;
        self.0
            .lock_rule()
            .identifier(rule_id)
            .lock_configuration(LockConfiguration::builder().unlock_delay(delay).build())
            .send()
            .await
            .noted()
            .map(|_| ())
            .map_err(classify)
    }

    async fn unlock_rule(&self, rule_id: &str) -> Result<(), AwsError> {
        self.0
            .unlock_rule()
            .identifier(rule_id)
            .send()
            .await
            .noted()
            .map(|_| ())
            .map_err(classify)
    }
}

impl SdkRbin {
    /// Every rule of `resource_type`, following ListRules' `NextToken` through all pages.
    async fn list_rule_summaries(
        &self,
        resource_type: &str,
    ) -> Result<Vec<super::RuleSummary>, AwsError> {
        let resource_type = aws_sdk_rbin::types::ResourceType::from(resource_type);
        let mut pages = self
            .0
            .list_rules()
            .resource_type(resource_type)
            .into_paginator()
            .send();
        let mut rules = Vec::new();
        while let Some(page) = pages.try_next().await.map_err(classify)? {
            rules.extend(page.rules().iter().filter_map(|r| {
                Some(super::RuleSummary {
                    identifier: r.identifier()?.to_string(),
                    lock_state: r.lock_state().map(|s| s.as_str().to_string()),
                })
            }));
        }
        Ok(rules)
    }
}
