use crate::install::SynapseInstall;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use thiserror::Error;
use tokio::process::{Child, Command};

#[derive(Debug, Error)]
pub enum ProcessError {
    #[error("could not start Synapse: {0}")]
    Spawn(std::io::Error),
    #[error("Synapse exited during start-up ({status}); see {log}")]
    Exited { status: String, log: String },
    #[error("Synapse did not answer on {url} within {seconds} s; see {log}")]
    Timeout {
        url: String,
        seconds: u64,
        log: String,
    },
}

/// A running Synapse. Dropping it kills the process; `stop` shuts it down gracefully.
#[derive(Debug)]
pub struct SynapseProcess {
    child: Child,
    base_url: String,
}

impl SynapseProcess {
    /// Starts Synapse with `config_path` and waits until `/health` answers.
    pub async fn start(
        install: &SynapseInstall,
        config_path: &Path,
        base_url: &str,
    ) -> Result<Self, ProcessError> {
        let data_dir = config_path.parent().unwrap_or(Path::new("."));
        let log = data_dir.join("homeserver.log").display().to_string();
        let stderr_path = data_dir.join("homeserver.stderr");
        let stderr = std::fs::File::create(&stderr_path).map_err(ProcessError::Spawn)?;
        let mut command = Command::new(install.python());
        command
            .args(["-m", "synapse.app.homeserver", "-c"])
            .arg(config_path)
            .current_dir(data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .kill_on_drop(true);
        // SAFETY: prctl only sets a flag of the child; no allocation between fork and exec.
        unsafe {
            command.pre_exec(|| {
                // If whoever started Synapse dies without cleaning up, Synapse goes too.
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let child = command.spawn().map_err(ProcessError::Spawn)?;
        let mut process = Self {
            child,
            base_url: base_url.trim_end_matches('/').to_owned(),
        };
        process
            .wait_until_healthy(Duration::from_secs(90), &log)
            .await?;
        Ok(process)
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    async fn wait_until_healthy(&mut self, limit: Duration, log: &str) -> Result<(), ProcessError> {
        let http = reqwest::Client::new();
        let url = format!("{}/health", self.base_url);
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(ProcessError::Exited {
                    status: status.to_string(),
                    log: log.to_owned(),
                });
            }
            if let Ok(response) = http.get(&url).timeout(Duration::from_secs(2)).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if started.elapsed() > limit {
                return Err(ProcessError::Timeout {
                    url,
                    seconds: limit.as_secs(),
                    log: log.to_owned(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Asks Synapse to shut down (SIGTERM) and waits; kills it if it takes longer than 15 s.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            // SAFETY: sending a signal to our own child process.
            unsafe {
                libc::kill(pid as i32, libc::SIGTERM);
            }
        }
        if tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}
