//! Broadcast in the real console: a label filter picks three of four containers, one
//! command opens in each (marked), one typed line and one paste reach all three and no
//! other, the detach keys end the broadcast, and quitting kills the three execs.

mod common;

use common::pty::Pty;
use execmux::sandbox::ContainerDef;

const CTRL_P: &[u8] = b"\x10";
const CTRL_Q: &[u8] = b"\x11";

/// What `/tmp/b` holds in a container (read through its task's root), when it exists.
async fn tmp_b(ctx: &common::Ctx, id: &str) -> Option<String> {
    let containers = ctx.rt.containers(&ctx.ns).await.expect("list containers");
    let pid = containers
        .iter()
        .find(|c| c.id.as_str() == id)
        .and_then(|c| c.task)
        .map(|t| t.pid)
        .expect("a running task");
    std::fs::read_to_string(format!("/proc/{pid}/root/tmp/b")).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_line_typed_once_reaches_three_containers_picked_by_label() {
    let ctx = common::ctx("broadcast").await;
    let web = ["web-a", "web-b", "web-c"];
    for id in web {
        let mut def = ContainerDef::sleeper();
        def.labels.push(("role".into(), "web".into()));
        ctx.container(id, def).await;
    }
    let mut other = ContainerDef::sleeper();
    other.labels.push(("role".into(), "db".into()));
    ctx.container("db", other).await;
    let mut cmd = ctx.execmux();
    cmd.env("TERM", "xterm");
    let mut pty = Pty::spawn(cmd, 40, 140);
    pty.wait_screen("connected");
    pty.wait_screen(&format!("Containers · {} · 4", ctx.ns));
    // The label filter shows the three web containers.
    pty.write(b"/role=web\r");
    pty.wait_screen(&format!("Containers · {} · 3 /role=web", ctx.ns));
    // E: one command for every container shown, each in a marked tab; keys go to all.
    pty.write(b"E");
    pty.wait_screen("New exec in 3 containers");
    pty.write(b"/bin/sh\r");
    pty.wait_screen("BROADCAST 3");
    for n in 1..=3 {
        pty.wait_screen(&format!("{n}:●» "));
    }
    pty.wait_screen("/ #");
    common::eventually(20, async || {
        let mut running = 0;
        for id in web {
            running += ctx.exec_pids(&id.into()).await.len();
        }
        (running == 3).then_some(())
    })
    .await
    .expect("three execs run");
    pty.write(b"echo hi-$(hostname) > /tmp/b\r");
    // A paste goes to every marked tab as well.
    pty.write(b"\x1b[200~echo pasted-$(hostname) >> /tmp/b\r\x1b[201~");
    for id in web {
        let want = format!("hi-{id}\npasted-{id}\n");
        let got = common::eventually(20, async || {
            tmp_b(&ctx, id).await.filter(|got| *got == want)
        })
        .await;
        assert_eq!(got.as_deref(), Some(want.as_str()), "/tmp/b of {id}");
    }
    assert_eq!(tmp_b(&ctx, "db").await, None, "db was not picked");
    assert!(
        ctx.exec_pids(&"db".into()).await.is_empty(),
        "and has no exec"
    );
    // The detach keys end the broadcast; the execs keep running, their tabs still marked.
    pty.write(CTRL_P);
    pty.write(CTRL_Q);
    pty.wait_screen_without("BROADCAST");
    pty.wait_screen("3:●◆ ");
    for id in web {
        assert_eq!(ctx.exec_pids(&id.into()).await.len(), 1, "{id} still runs");
    }
    pty.write(b"q");
    pty.wait_screen("3 exec(s) still run");
    pty.write(b"y");
    assert_eq!(pty.wait(), Some(0));
    ctx.leak_check().await;
}
