//! What a `snowball_unlock_code` block asks for, after validation.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SnowballDesired {
    pub job_id: String,
    /// Where the unlock code is written, resolved against the config file's directory.
    #[schemars(with = "String")]
    pub deliver_to: PathBuf,
    /// The job's manifest, resolved; the code is never delivered into its directory.
    #[schemars(with = "Option<String>")]
    pub manifest_path: Option<PathBuf>,
    /// The config file's directory the paths were resolved against; empty for a value read
    /// back from a plan, whose paths are relative to it already. Not part of the plan.
    #[serde(skip)]
    #[schemars(skip)]
    pub base: PathBuf,
}

impl SnowballDesired {
    /// `deliver_to` as the plan shows it: relative to the config file's directory, as the
    /// plan's `desired` value writes it, so the words made when planning and the words made
    /// again from a saved plan name the path alike.
    pub fn shown(&self) -> String {
        self.deliver_to
            .strip_prefix(&self.base)
            .unwrap_or(&self.deliver_to)
            .display()
            .to_string()
    }
}
