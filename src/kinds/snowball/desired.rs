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
}
