//! `mailldap-load`: the load generator scripts/bench drives against mailldap, slapd
//! and the canned-answer floor. A separate process from the server it measures; closed
//! loop, hand-encoded requests, every answer checked against the generated tree.
//!
//! ```text
//! mailldap-load ldif --accounts 100000 --out tree.ldif
//! mailldap-load postfix --uri ldap://127.0.0.1:3389 --accounts 100000 -c 8 \
//!     --duration 10 --server-pid 1234 [--json]
//! mailldap-load canned --listen 127.0.0.1:3390
//! ```

mod ber;
mod binds;
mod canned;
mod conn;
mod expect;
mod ldap;
mod ldif;
mod lookups;
mod procfs;
mod report;
mod run;
mod tally;
mod tree;
mod workload;
mod writes;

use clap::{Args, Parser, Subcommand};
use run::{Mode, Plan};
use std::io::Write as _;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "mailldap-load",
    about = "Closed-loop LDAP load generator for the mail-host workloads (scripts/bench)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the benchmark tree of N accounts as LDIF.
    Ldif {
        /// Number of accounts (domains = accounts / 100, rounded up).
        #[arg(long, default_value_t = 100_000)]
        accounts: usize,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run the canned-answer server (the floor) until killed.
    Canned {
        /// HOST:PORT to listen on.
        #[arg(long, default_value = "127.0.0.1:3390")]
        listen: String,
    },
    /// Postfix's alias and mailbox lookups, anonymous, 80% existing addresses.
    Postfix(RunArgs),
    /// Simple binds as random accounts on persistent connections.
    Bind(RunArgs),
    /// Courier's login: new connection, search, bind as the account, unbind.
    Authbind(RunArgs),
    /// Dovecot's userdb lookups, --depth outstanding on one connection.
    Dovecot(RunArgs),
    /// rootdn writes: password change, add and delete of an alias.
    Write(RunArgs),
    /// An unindexed search over every hosted entry (matches nothing).
    Scan(RunArgs),
}

/// What every workload takes.
#[derive(Args)]
struct RunArgs {
    /// The server: ldap://HOST:PORT or HOST:PORT.
    #[arg(long, default_value = "ldap://127.0.0.1:3389")]
    uri: String,
    /// Accounts in the tree the server loaded (the LDIF's N).
    #[arg(long, default_value_t = 100_000)]
    accounts: usize,
    /// Concurrent connections, each with one request at a time (dovecot: 1).
    #[arg(short = 'c', long, default_value_t = 8)]
    connections: usize,
    /// Requests outstanding on dovecot's one connection.
    #[arg(long, default_value_t = 16)]
    depth: usize,
    /// Seconds measured.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds run and checked before measuring.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// The server's pid: its CPU, context switches and memory are reported.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Client threads (1: one core, as scripts/bench pins it).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Name of the server in the report.
    #[arg(long, default_value = "server")]
    label: String,
    /// KEY=VALUE copied into the report (repeatable).
    #[arg(long, value_parser = parse_meta)]
    meta: Vec<(String, String)>,
    /// Do not check answers against the tree (for the canned server only).
    #[arg(long)]
    no_verify: bool,
    /// DN the write workload binds as.
    #[arg(long, default_value = "cn=Manager,dc=myhosting,dc=example")]
    rootdn: String,
    /// Its password.
    #[arg(long, default_value = "secret")]
    rootpw: String,
}

fn parse_meta(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("{s:?} is not KEY=VALUE"))
}

fn resolve(uri: &str) -> Result<SocketAddr, String> {
    let host = uri
        .strip_prefix("ldap://")
        .unwrap_or(uri)
        .trim_end_matches('/');
    host.to_socket_addrs()
        .map_err(|e| format!("{uri}: {e}"))?
        .next()
        .ok_or_else(|| format!("{uri}: no address"))
}

fn runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    }
}

fn seconds(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

fn run(mode: Mode, args: RunArgs) -> Result<bool, String> {
    let plan = Plan {
        mode,
        target: workload::Target {
            addr: resolve(&args.uri)?,
            tree: tree::Tree::new(args.accounts),
            verify: !args.no_verify,
            rootdn: args.rootdn,
            rootpw: args.rootpw,
        },
        connections: args.connections.max(1),
        depth: args.depth.max(1),
        warmup: seconds(args.warmup),
        duration: seconds(args.duration),
        server_pid: args.server_pid,
    };
    let rt = runtime(args.threads).map_err(|e| format!("tokio runtime: {e}"))?;
    let mut report = rt
        .block_on(run::execute(&plan))
        .map_err(|e| format!("{} against {}: {e}", plan.mode.name(), args.uri))?;
    report.label = args.label;
    report.meta = args.meta;
    let text = if args.json {
        report.json()
    } else {
        report.human()
    };
    // A closed pipe (| head) is the reader's choice, not a failed run.
    let _ = writeln!(std::io::stdout(), "{text}");
    if report.failed() {
        eprintln!(
            "mailldap-load: {} {} failed: {} wrong, {} errors, {} ops{}",
            report.mode,
            report.label,
            report.wrong,
            report.errors,
            report.ops,
            report
                .first_problem
                .as_deref()
                .map(|p| format!("; first: {p}"))
                .unwrap_or_default()
        );
    }
    Ok(!report.failed())
}

fn write_ldif(accounts: usize, out: Option<PathBuf>) -> Result<bool, String> {
    let t = tree::Tree::new(accounts);
    let result = match &out {
        Some(path) => std::fs::File::create(path)
            .and_then(|f| ldif::write(&t, &mut std::io::BufWriter::new(f))),
        None => ldif::write(&t, &mut std::io::BufWriter::new(std::io::stdout().lock())),
    };
    result.map_err(|e| format!("writing the LDIF: {e}"))?;
    let _ = std::io::stderr().flush();
    eprintln!(
        "{} entries ({} accounts in {} domains)",
        t.entries(),
        t.accounts(),
        t.domains()
    );
    Ok(true)
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Ldif { accounts, out } => write_ldif(accounts, out),
        // Multi-threaded like mailldap, one worker per core it may use.
        Command::Canned { listen } => tokio::runtime::Runtime::new()
            .and_then(|rt| rt.block_on(canned::serve(&listen)))
            .map(|()| true)
            .map_err(|e| format!("canned server on {listen}: {e}")),
        Command::Postfix(args) => run(Mode::Postfix, args),
        Command::Bind(args) => run(Mode::Bind, args),
        Command::Authbind(args) => run(Mode::Authbind, args),
        Command::Dovecot(args) => run(Mode::Dovecot, args),
        Command::Write(args) => run(Mode::Write, args),
        Command::Scan(args) => run(Mode::Scan, args),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("mailldap-load: {e}");
            ExitCode::from(2)
        }
    }
}
