//! Mail administration over LDAP: `mailldap domain|account|alias|catchall|postmaster|
//! doctor`, the tool the article wished for instead of hand-written LDIF.
//!
//! Every command is an LDAP client of a running server (ldap3), bound as the caller
//! (the rootdn, or a delegated postmaster with their own address and password), so the
//! server's ACLs decide what each may do; the commands check their input first and
//! explain a refusal in a sentence.
//!
//! Layout: `connect` (flags, environment, client config, passwords), `session` (the
//! bound connection and its operations), `error` (AdminError and explanations),
//! `output` (tables, JSON, progress), `tree` (DNs and address rules), `snapshot` (a
//! domain's entries), `resolve` (where an address goes), and one file per command group.

pub mod account;
pub mod alias;
pub mod catchall;
pub mod connect;
pub mod doctor;
pub mod domain;
pub mod error;
pub mod output;
pub mod postmaster;
pub mod resolve;
pub mod session;
pub mod snapshot;
pub mod tree;

use clap::Subcommand;
use connect::{ConnectArgs, Settings};
use error::AdminError;
use output::Output;
use session::Session;

/// The administration commands, each with the connection flags.
#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Hosted domains: add (with postmaster and abuse), list, show, repair, remove.
    Domain {
        #[command(flatten)]
        conn: ConnectArgs,
        #[command(subcommand)]
        action: domain::DomainAction,
    },
    /// Mail accounts: add, list, show, passwd, disable, enable, remove.
    Account {
        #[command(flatten)]
        conn: ConnectArgs,
        #[command(subcommand)]
        action: account::AccountAction,
    },
    /// Aliases (forwarding addresses): add targets, list, remove targets or the alias.
    Alias {
        #[command(flatten)]
        conn: ConnectArgs,
        #[command(subcommand)]
        action: alias::AliasAction,
    },
    /// A domain's catch-all (mail=@domain): set or clear.
    Catchall {
        #[command(flatten)]
        conn: ConnectArgs,
        #[command(subcommand)]
        action: catchall::CatchallAction,
    },
    /// Who administers a domain (roleOccupant of its cn=postmaster): grant, revoke, list.
    Postmaster {
        #[command(flatten)]
        conn: ConnectArgs,
        #[command(subcommand)]
        action: postmaster::PostmasterAction,
    },
    /// Check a live directory: postmaster and abuse in every domain, dangling targets
    /// and postmasters, passwords, mailboxes. Exit status 1 when anything is found.
    Doctor {
        #[command(flatten)]
        conn: ConnectArgs,
        #[command(flatten)]
        args: doctor::DoctorArgs,
    },
}

impl AdminCommand {
    fn conn(&self) -> &ConnectArgs {
        match self {
            AdminCommand::Domain { conn, .. }
            | AdminCommand::Account { conn, .. }
            | AdminCommand::Alias { conn, .. }
            | AdminCommand::Catchall { conn, .. }
            | AdminCommand::Postmaster { conn, .. }
            | AdminCommand::Doctor { conn, .. } => conn,
        }
    }
}

/// Runs one administration command; prints its result or error and returns the exit
/// status (0 done, 1 refused, invalid or doctor findings, 2 no connection).
pub fn main(cmd: AdminCommand) -> i32 {
    let out = Output {
        json: cmd.conn().json,
    };
    match run(cmd, &out) {
        Ok(status) => status,
        Err(e) => {
            out.error(&e);
            e.exit_code()
        }
    }
}

fn run(cmd: AdminCommand, out: &Output) -> Result<i32, AdminError> {
    let settings = Settings::resolve(cmd.conn())?;
    let mut s = Session::open(settings)?;
    match cmd {
        AdminCommand::Domain { action, .. } => domain::run(&mut s, action, out).map(|_| 0),
        AdminCommand::Account { action, .. } => account::run(&mut s, action, out).map(|_| 0),
        AdminCommand::Alias { action, .. } => alias::run(&mut s, action, out).map(|_| 0),
        AdminCommand::Catchall { action, .. } => catchall::run(&mut s, action, out).map(|_| 0),
        AdminCommand::Postmaster { action, .. } => postmaster::run(&mut s, action, out).map(|_| 0),
        AdminCommand::Doctor { args, .. } => doctor::run(&mut s, &args, out),
    }
}
