//! One real PostgreSQL per test process, started from the machine's own binaries into a
//! temporary directory; each test gets a fresh database in it.

use anyhow::{Context, Result, bail};
use sqlx::Connection;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A fresh SQLite database file in `dir`.
pub fn fresh_sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("kring.db").display())
}

/// A fresh, empty database on the process's PostgreSQL (started on first use).
pub async fn fresh_postgres_url() -> Result<String> {
    let port = match SERVER.get_or_init(|| start_server().map_err(|error| format!("{error:#}"))) {
        Ok(port) => *port,
        Err(message) => bail!("PostgreSQL could not be started for the tests: {message}"),
    };
    let name = format!(
        "kring_test_{}_{}",
        std::process::id(),
        NEXT_DATABASE.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin =
        sqlx::PgConnection::connect(&format!("postgres://postgres@127.0.0.1:{port}/postgres"))
            .await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
    )))
    .execute(&mut admin)
    .await?;
    admin.close().await?;
    Ok(format!("postgres://postgres@127.0.0.1:{port}/{name}"))
}

static SERVER: OnceLock<Result<u16, String>> = OnceLock::new();
static NEXT_DATABASE: AtomicU32 = AtomicU32::new(0);
static DATA_DIR: OnceLock<PathBuf> = OnceLock::new();
static SERVER_PID: OnceLock<u32> = OnceLock::new();

fn binaries() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("KRING_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .context("no PostgreSQL under /usr/lib/postgresql (set KRING_PG_BIN)")?
        .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    candidates.sort();
    candidates
        .pop()
        .context("no PostgreSQL binaries found (set KRING_PG_BIN)")
}

/// PostgreSQL refuses to run as root; then it runs as the `postgres` user.
fn run_as() -> Option<(u32, u32)> {
    // SAFETY: getuid has no preconditions; getpwnam reads a static record we copy at once.
    unsafe {
        if libc::getuid() != 0 {
            return None;
        }
        let entry = libc::getpwnam(c"postgres".as_ptr());
        if entry.is_null() {
            None
        } else {
            Some(((*entry).pw_uid, (*entry).pw_gid))
        }
    }
}

fn start_server() -> Result<u16> {
    let bin = binaries()?;
    let dir = std::env::temp_dir().join(format!("kring-postgres-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let user = run_as();
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid))?;
    }
    let data = dir.join("data");
    let mut initdb = Command::new(bin.join("initdb"));
    initdb
        .args([
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
            "-D",
        ])
        .arg(&data);
    if let Some((uid, gid)) = user {
        initdb.uid(uid).gid(gid);
    }
    let output = initdb.output().context("running initdb")?;
    if !output.status.success() {
        bail!("initdb failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let port = kring_homeserver::free_loopback_port()?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let log = std::fs::File::create(dir.join("postgres.log"))?;
    // A thread that lives as long as the server: the parent-death signal is tied to the thread
    // that started the child, and test threads come and go.
    std::thread::spawn(move || {
        let mut command = Command::new(bin.join("postgres"));
        command
            .arg("-D")
            .arg(&data)
            .args([
                "-p",
                &port.to_string(),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
            ])
            .arg("-k")
            .arg(data.parent().unwrap_or(&data))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        if let Some((uid, gid)) = user {
            command.uid(uid).gid(gid);
        }
        // SAFETY: prctl only sets a flag on the child between fork and exec.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT);
                Ok(())
            });
        }
        match command.spawn() {
            Ok(mut child) => {
                let _ = SERVER_PID.set(child.id());
                let _ = ready_tx.send(Ok(()));
                let _ = child.wait();
            }
            Err(error) => {
                let _ = ready_tx.send(Err(error));
            }
        }
    });
    ready_rx
        .recv()
        .context("the PostgreSQL thread ended")?
        .context("starting postgres")?;
    let _ = DATA_DIR.set(dir.clone());
    // SAFETY: registering a plain extern "C" function without captured state.
    unsafe {
        libc::atexit(stop_server);
    }
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(30) {
            bail!(
                "PostgreSQL did not accept connections; see {}",
                dir.join("postgres.log").display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // Accepting TCP is not yet accepting queries; give the start-up a moment to finish.
    std::thread::sleep(Duration::from_millis(300));
    Ok(port)
}

extern "C" fn stop_server() {
    if let Some(pid) = SERVER_PID.get() {
        // SAFETY: signalling the server we started. SIGQUIT is PostgreSQL's immediate shutdown.
        unsafe {
            libc::kill(*pid as i32, libc::SIGQUIT);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    if let Some(dir) = DATA_DIR.get() {
        let _ = std::fs::remove_dir_all(dir);
    }
}
