//! One measured run: open the sessions, start the clock, sample /proc of the server
//! and of this process at the start and the end of the measurement window, and turn
//! the counts into a [`Report`].

use crate::binds::{AuthBind, Bind};
use crate::conn::Conn;
use crate::lookups::{self, Postfix, Scan};
use crate::procfs::{self, Sample};
use crate::report::{Report, Usage};
use crate::tally::{Clock, OpError, Tally};
use crate::workload::{self, Target, Workload};
use crate::writes::Write;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Postfix's alias and mailbox lookups, anonymous, 80% existing addresses.
    Postfix,
    /// Simple binds as random accounts on persistent connections.
    Bind,
    /// Courier's login: connect, search, bind as the account, unbind.
    Authbind,
    /// Dovecot's userdb lookups, pipelined on one connection.
    Dovecot,
    /// rootdn writes: password change, add, delete.
    Write,
    /// An unindexed search over every hosted entry.
    Scan,
}

impl Mode {
    /// The name reports use.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Postfix => "postfix",
            Mode::Bind => "bind",
            Mode::Authbind => "authbind",
            Mode::Dovecot => "dovecot",
            Mode::Write => "write",
            Mode::Scan => "scan",
        }
    }
}

/// How a run is shaped.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The workload.
    pub mode: Mode,
    /// Server and tree.
    pub target: Target,
    /// Concurrent connections (dovecot: always one).
    pub connections: usize,
    /// Outstanding requests on dovecot's connection.
    pub depth: usize,
    /// Operations in this time are checked but not counted.
    pub warmup: Duration,
    /// The measurement window.
    pub duration: Duration,
    /// The server's pid, for its CPU, context switches and memory.
    pub server_pid: Option<u32>,
}

/// What the run measured before it is turned into a report.
struct Measured {
    tally: Tally,
    window: Duration,
    client: (Sample, Sample),
    server: Option<(Sample, Sample)>,
}

/// Runs the plan; an error means the run could not start (no server, bind refused).
pub async fn execute(plan: &Plan) -> Result<Report, OpError> {
    let t = plan.target.clone();
    let m = match plan.mode {
        Mode::Postfix => closed(Postfix(t), plan).await?,
        Mode::Bind => closed(Bind(t), plan).await?,
        Mode::Authbind => closed(AuthBind(t), plan).await?,
        Mode::Write => closed(Write(t), plan).await?,
        Mode::Scan => closed(Scan(t), plan).await?,
        Mode::Dovecot => {
            let conn = Conn::connect(t.addr).await?;
            let clock = Clock::new(plan.warmup, plan.duration);
            measure(
                clock,
                plan.server_pid,
                lookups::dovecot(t, conn, plan.depth, clock),
            )
            .await
        }
    };
    let mut r = Report {
        mode: plan.mode.name().into(),
        connections: if plan.mode == Mode::Dovecot {
            1
        } else {
            plan.connections
        },
        depth: if plan.mode == Mode::Dovecot {
            plan.depth
        } else {
            1
        },
        verified: plan.target.verify,
        window: m.window,
        ..Report::default()
    };
    r.take_tally(m.tally);
    r.client = Usage::between(&m.client.0, &m.client.1, m.window, r.ops);
    r.server = m
        .server
        .map(|(a, b)| Usage::between(&a, &b, m.window, r.ops));
    Ok(r)
}

async fn closed<W: Workload>(w: W, plan: &Plan) -> Result<Measured, OpError> {
    let w = Arc::new(w);
    let sessions = workload::open_all(&*w, plan.connections).await?;
    let clock = Clock::new(plan.warmup, plan.duration);
    Ok(measure(
        clock,
        plan.server_pid,
        workload::closed_loop(w, sessions, clock),
    )
    .await)
}

fn sample_pair(server_pid: Option<u32>) -> (Sample, Option<Sample>) {
    let client = procfs::sample("self").unwrap_or_default();
    let server = server_pid.and_then(|p| procfs::sample(&p.to_string()));
    (client, server)
}

/// Drives `work` and samples both processes when the window opens and when it ends.
async fn measure<F>(clock: Clock, server_pid: Option<u32>, work: F) -> Measured
where
    F: Future<Output = Tally>,
{
    let opening = tokio::spawn(async move {
        tokio::time::sleep_until(clock.measure_from.into()).await;
        (Instant::now(), sample_pair(server_pid))
    });
    let tally = work.await;
    let (c1, s1) = sample_pair(server_pid);
    let end = Instant::now();
    let (start, (c0, s0)) = opening
        .await
        .unwrap_or((clock.measure_from, (Sample::default(), None)));
    Measured {
        tally,
        window: end.saturating_duration_since(start),
        client: (c0, c1),
        server: s0.zip(s1),
    }
}
