//! A test's own S3 client for one bucket (the emulator's, or moto's): what the S3 state
//! backend left there, read and edited behind lockward's back.

pub struct S3Objects {
    rt: tokio::runtime::Runtime,
    client: aws_sdk_s3::Client,
    pub bucket: String,
}

impl S3Objects {
    /// A path-style client of `endpoint` with the tests' credentials.
    pub fn connect(endpoint: &str, bucket: &str) -> S3Objects {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = rt.block_on(async {
            let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("us-east-1"))
                .endpoint_url(endpoint)
                .credentials_provider(aws_sdk_s3::config::Credentials::new(
                    "AKIDLOCKWARDTEST",
                    "lockward-test-secret",
                    None,
                    None,
                    "test",
                ))
                .load()
                .await;
            aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&config)
                    .force_path_style(true)
                    .build(),
            )
        });
        S3Objects {
            rt,
            client,
            bucket: bucket.to_string(),
        }
    }

    pub fn create_bucket(&self) {
        self.rt
            .block_on(self.client.create_bucket().bucket(&self.bucket).send())
            .expect("create the bucket");
    }

    pub fn get(&self, key: &str) -> Option<String> {
        let out = self
            .rt
            .block_on(
                self.client
                    .get_object()
                    .bucket(&self.bucket)
                    .key(key)
                    .send(),
            )
            .ok()?;
        let body = self.rt.block_on(out.body.collect()).unwrap().into_bytes();
        Some(String::from_utf8(body.to_vec()).unwrap())
    }

    pub fn put(&self, key: &str, body: &str) {
        self.rt
            .block_on(
                self.client
                    .put_object()
                    .bucket(&self.bucket)
                    .key(key)
                    .body(body.as_bytes().to_vec().into())
                    .send(),
            )
            .unwrap();
    }

    pub fn delete(&self, key: &str) {
        self.rt
            .block_on(
                self.client
                    .delete_object()
                    .bucket(&self.bucket)
                    .key(key)
                    .send(),
            )
            .unwrap();
    }

    /// The keys under `prefix`.
    pub fn keys(&self, prefix: &str) -> Vec<String> {
        let out = self
            .rt
            .block_on(
                self.client
                    .list_objects_v2()
                    .bucket(&self.bucket)
                    .prefix(prefix)
                    .send(),
            )
            .unwrap();
        out.contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect()
    }
}
