use std::path::{Path, PathBuf};
use std::process::Stdio;
use thiserror::Error;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// The one Synapse version Kring runs and tests against.
pub const SYNAPSE_VERSION: &str = "1.163.2";

/// Written into the virtual environment only after pip finished, so that an interrupted install
/// is noticed and redone instead of half-working.
const INSTALLED_MARKER: &str = ".kring-installed";

#[derive(Debug, Error)]
pub enum InstallError {
    #[error("could not run {program}: {source}. Is Python 3 with venv and pip installed?")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("{step} failed (exit status {status}); last output:\n{tail}")]
    StepFailed {
        step: &'static str,
        status: String,
        tail: String,
    },
    #[error("file system error at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A virtual environment holding the pinned Synapse.
#[derive(Debug, Clone)]
pub struct SynapseInstall {
    venv: PathBuf,
}

impl SynapseInstall {
    pub fn at(venv: impl Into<PathBuf>) -> Self {
        Self { venv: venv.into() }
    }

    pub fn venv(&self) -> &Path {
        &self.venv
    }

    pub fn python(&self) -> PathBuf {
        self.venv.join("bin").join("python")
    }

    pub fn is_installed(&self) -> bool {
        std::fs::read_to_string(self.venv.join(INSTALLED_MARKER))
            .map(|version| version.trim() == SYNAPSE_VERSION)
            .unwrap_or(false)
    }

    /// Installs Synapse unless it is there already. `progress` receives one line per step and
    /// per line pip prints. Safe to call from several processes at once: they take turns on a
    /// lock file and the later ones find the work done.
    pub async fn ensure(
        &self,
        progress: &mut (dyn FnMut(&str) + Send),
    ) -> Result<(), InstallError> {
        if self.is_installed() {
            return Ok(());
        }
        let parent = self.venv.parent().unwrap_or(Path::new(".")).to_path_buf();
        tokio::fs::create_dir_all(&parent)
            .await
            .map_err(|source| InstallError::Io {
                path: parent.clone(),
                source,
            })?;
        let lock_path = self.venv.with_extension("lock");
        let _lock = FileLock::acquire(&lock_path)
            .await
            .map_err(|source| InstallError::Io {
                path: lock_path,
                source,
            })?;
        if self.is_installed() {
            return Ok(());
        }
        if self.venv.exists() {
            progress("removing an unfinished Synapse installation");
            tokio::fs::remove_dir_all(&self.venv)
                .await
                .map_err(|source| InstallError::Io {
                    path: self.venv.clone(),
                    source,
                })?;
        }
        progress(&format!(
            "creating a Python environment in {}",
            self.venv.display()
        ));
        let python = std::env::var("KRING_PYTHON").unwrap_or_else(|_| "python3".to_owned());
        run_step(
            "python -m venv",
            Command::new(&python).arg("-m").arg("venv").arg(&self.venv),
            progress,
        )
        .await?;
        progress(&format!(
            "installing Synapse {SYNAPSE_VERSION} from PyPI (takes a minute or two)"
        ));
        run_step(
            "pip install",
            Command::new(self.venv.join("bin").join("pip"))
                .args([
                    "install",
                    "--disable-pip-version-check",
                    "--progress-bar",
                    "off",
                ])
                .arg(format!("matrix-synapse=={SYNAPSE_VERSION}")),
            progress,
        )
        .await?;
        let marker = self.venv.join(INSTALLED_MARKER);
        tokio::fs::write(&marker, SYNAPSE_VERSION)
            .await
            .map_err(|source| InstallError::Io {
                path: marker,
                source,
            })?;
        progress("Synapse installed");
        Ok(())
    }
}

async fn run_step(
    step: &'static str,
    command: &mut Command,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<(), InstallError> {
    let program = format!("{:?}", command.as_std().get_program());
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| InstallError::Spawn { program, source })?;
    let stdout = child.stdout.take().map(|s| BufReader::new(s).lines());
    let stderr = child.stderr.take().map(|s| BufReader::new(s).lines());
    let mut tail: Vec<String> = Vec::new();
    let mut remember = |line: String, progress: &mut (dyn FnMut(&str) + Send)| {
        progress(&line);
        tail.push(line);
        if tail.len() > 20 {
            tail.remove(0);
        }
    };
    if let (Some(mut out), Some(mut err)) = (stdout, stderr) {
        let (mut out_open, mut err_open) = (true, true);
        while out_open || err_open {
            tokio::select! {
                line = out.next_line(), if out_open => match line {
                    Ok(Some(line)) => remember(line, progress),
                    _ => out_open = false,
                },
                line = err.next_line(), if err_open => match line {
                    Ok(Some(line)) => remember(line, progress),
                    _ => err_open = false,
                },
            }
        }
    }
    let status = child.wait().await.map_err(|source| InstallError::Spawn {
        program: step.into(),
        source,
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(InstallError::StepFailed {
            step,
            status: status.to_string(),
            tail: tail.join("\n"),
        })
    }
}

/// An exclusive advisory lock on a file, released when dropped.
struct FileLock {
    _file: std::fs::File,
}

impl FileLock {
    async fn acquire(path: &Path) -> std::io::Result<Self> {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || {
            use std::os::fd::AsRawFd;
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)?;
            // SAFETY: flock on a file descriptor we own; it is released when the file closes.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(Self { _file: file })
        })
        .await
        .map_err(std::io::Error::other)?
    }
}
