//! `mailldap catchall set|clear`: the alias `mail=@<domain>` that Postfix falls back
//! to for addresses of the domain that nothing else has (the demo's domain2.example).

use super::alias::{set_targets, Change};
use super::domain::require_domain;
use super::error::{AdminError, Op};
use super::output::Output;
use super::session::Session;
use super::tree::check_domain;
use clap::Subcommand;
use serde_json::json;

/// What to do with a catch-all.
#[derive(Subcommand, Debug)]
pub enum CatchallAction {
    /// Send mail for unknown addresses of DOMAIN to TARGET... (replacing earlier targets).
    Set {
        /// The domain.
        domain: String,
        /// Where the mail goes.
        #[arg(required = true)]
        targets: Vec<String>,
        /// Accept targets that resolve nowhere (yet).
        #[arg(long)]
        force: bool,
    },
    /// Remove the catch-all: unknown addresses of DOMAIN bounce again.
    Clear {
        /// The domain.
        domain: String,
    },
}

/// Runs a catch-all command.
pub fn run(s: &mut Session, action: CatchallAction, out: &Output) -> Result<(), AdminError> {
    match action {
        CatchallAction::Set {
            domain,
            targets,
            force,
        } => {
            let domain = check_domain(&domain)?;
            let op = Op::in_domain(format!("set the catch-all of {domain}"), &domain);
            let change = Change {
                mail: &format!("@{domain}"),
                domain: &domain,
                cn: "catch-all",
                targets: &targets,
                replace: true,
                force,
            };
            set_targets(s, &change, &op, out)
        }
        CatchallAction::Clear { domain } => {
            let domain = check_domain(&domain)?;
            require_domain(s, &domain)?;
            let mail = format!("@{domain}");
            let dn = s.settings.tree.mail_dn(&mail, &domain);
            if s.entry(&dn, &["1.1"])?.is_none() {
                return Err(AdminError::Invalid(format!("{domain} has no catch-all")));
            }
            s.delete(
                &dn,
                &Op::in_domain(format!("clear the catch-all of {domain}"), &domain),
            )?;
            out.done(
                &format!(
                    "cleared the catch-all of {domain}: mail for unknown addresses there bounces"
                ),
                json!({"domain": domain, "catchall": null}),
            );
            Ok(())
        }
    }
}
