//! Independent checkers from PyPI (a holiday list today; FHIR and iCalendar validators later),
//! each pinned, in a virtual environment of its own beside the tests' Synapse, installed on
//! first use and reused after.

use anyhow::{Context, Result, ensure};
use std::path::PathBuf;
use std::process::Command;

const INSTALLED_MARKER: &str = ".kring-installed";

/// Tests of one binary run side by side: two installing the same tool at once would remove each
/// other's half-made environment.
static INSTALLING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The Python of a virtual environment holding exactly `package==version`.
pub fn python_tool(package: &str, version: &str) -> Result<PathBuf> {
    let _installing = INSTALLING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let base = match std::env::var_os("KRING_SYNAPSE_VENV") {
        Some(synapse) => PathBuf::from(synapse)
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(".")),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
    };
    let venv = base.join(format!("{package}-venv"));
    let python = venv.join("bin").join("python");
    let marker = venv.join(INSTALLED_MARKER);
    if std::fs::read_to_string(&marker).is_ok_and(|installed| installed.trim() == version) {
        return Ok(python);
    }
    if venv.exists() {
        std::fs::remove_dir_all(&venv)
            .with_context(|| format!("removing an unfinished {}", venv.display()))?;
    }
    let system_python = std::env::var("KRING_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let status = Command::new(&system_python)
        .arg("-m")
        .arg("venv")
        .arg(&venv)
        .status()
        .with_context(|| format!("running {system_python} -m venv"))?;
    ensure!(status.success(), "python -m venv failed: {status}");
    let status = Command::new(venv.join("bin").join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("{package}=={version}"))
        .status()
        .context("running pip")?;
    ensure!(
        status.success(),
        "pip install {package}=={version} failed: {status}"
    );
    std::fs::write(&marker, version)?;
    Ok(python)
}

/// Runs `script` with the tool's Python and returns what it printed.
pub fn run_python(python: &std::path::Path, script: &str) -> Result<String> {
    let output = Command::new(python)
        .arg("-c")
        .arg(script)
        .output()
        .context("running the checker")?;
    ensure!(
        output.status.success(),
        "the checker failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(String::from_utf8(output.stdout)?)
}
