//! `execmux sandbox-guard DIR` (hidden): waits until its stdin closes, which happens
//! when the process that started the sandbox stops it or dies, then tears the sandbox down.

use std::path::Path;

use tokio::io::AsyncReadExt;
use tokio::signal::unix::{SignalKind, signal};

use super::CmdError;

pub async fn run(dir: &Path) -> Result<i32, CmdError> {
    // Ctrl-C in the owner's terminal must not stop the guard before it has cleaned up.
    let _int = signal(SignalKind::interrupt())?;
    let _hup = signal(SignalKind::hangup())?;
    let mut stdin = tokio::io::stdin();
    let mut buf = [0u8; 64];
    while stdin.read(&mut buf).await.is_ok_and(|n| n > 0) {}
    crate::sandbox::teardown(dir).await?;
    Ok(0)
}
