//! Where the administration commands connect and as whom: flags, then the environment,
//! then the client config file, then the defaults of `mailldap serve` on this host.
//! Passwords come from a file or a prompt, never from the command line.

use super::error::AdminError;
use super::tree::{check_address, Tree};
use crate::printconfig::PrintParams;
use clap::Args;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Connection and identity flags shared by every administration command.
#[derive(Args, Debug, Clone, Default)]
pub struct ConnectArgs {
    /// Server URI: ldap://HOST:PORT, ldaps://HOST:PORT or ldapi://%2Frun%2Fmailldap.sock
    /// [env MAILLDAP_URI; default ldap://127.0.0.1:3389].
    #[arg(short = 'H', long, global = true)]
    pub uri: Option<String>,
    /// StartTLS on an ldap:// URI before binding.
    #[arg(short = 'Z', long, global = true)]
    pub starttls: bool,
    /// PEM file of the CA that signed the server's certificate (ldaps://, StartTLS).
    #[arg(long, global = true)]
    pub ca_file: Option<PathBuf>,
    /// Who you are: the rootdn's DN, or your own mail address as a domain's postmaster
    /// [env MAILLDAP_BIND; default the rootdn].
    #[arg(short = 'D', long = "bind", global = true)]
    pub bind: Option<String>,
    /// Read your password from this file (its first line) instead of a prompt
    /// [env MAILLDAP_PASSWORD_FILE].
    #[arg(short = 'y', long, global = true)]
    pub password_file: Option<PathBuf>,
    /// Client config file [env MAILLDAP_CLIENT_CONFIG; default
    /// $XDG_CONFIG_HOME/mailldap/client.toml, else ~/.config/mailldap/client.toml].
    #[arg(long, global = true)]
    pub client_config: Option<PathBuf>,
    /// Print JSON instead of tables and sentences.
    #[arg(long, global = true)]
    pub json: bool,
}

/// Which Courier set-up checks the passwords (for `doctor`'s scheme check).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum, Default)]
#[serde(rename_all = "lowercase")]
pub enum CourierMode {
    /// LDAP_AUTHBIND 1: the server verifies by a bind, any scheme it knows works.
    #[default]
    Authbind,
    /// LDAP_AUTHBIND 0: Courier reads userPassword and compares it itself.
    Servicebind,
}

/// The client config file (TOML). Every key is optional; unknown keys are an error.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// Server URI.
    pub uri: Option<String>,
    /// StartTLS on ldap:// URIs.
    pub starttls: Option<bool>,
    /// CA certificate (PEM) for TLS.
    pub ca_file: Option<PathBuf>,
    /// Bind identity: a DN or a postmaster's mail address.
    pub bind: Option<String>,
    /// File holding the bind password.
    pub password_file: Option<PathBuf>,
    /// Directory suffix.
    pub suffix: Option<String>,
    /// The server's rootdn (default `cn=Manager,<suffix>`).
    pub rootdn: Option<String>,
    /// homeDirectory of new accounts (default the article's /home/vmail/domains).
    pub home_directory: Option<String>,
    /// uidNumber of new accounts (default the article's vmail, 125).
    pub uid_number: Option<u32>,
    /// gidNumber of new accounts (default 120).
    pub gid_number: Option<u32>,
    /// How Courier checks passwords.
    pub courier_mode: Option<CourierMode>,
}

/// The fields of a new account that come from configuration.
#[derive(Debug, Clone)]
pub struct Vmail {
    /// homeDirectory.
    pub home: String,
    /// uidNumber.
    pub uid: u32,
    /// gidNumber.
    pub gid: u32,
}

/// Everything a command needs to know before it connects.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Server URI.
    pub uri: String,
    /// StartTLS before the bind.
    pub starttls: bool,
    /// The bind DN.
    pub bind_dn: String,
    /// How the caller is named in messages (their address, or the DN).
    pub caller: String,
    /// Where the bind password comes from (None: prompt).
    pub password_file: Option<PathBuf>,
    /// The tree's shape.
    pub tree: Tree,
    /// New-account defaults.
    pub vmail: Vmail,
    /// Courier's password checking.
    pub courier_mode: CourierMode,
}

/// The client config path: the flag, MAILLDAP_CLIENT_CONFIG, or the per-user default.
fn config_path(flag: Option<&Path>) -> Option<(PathBuf, bool)> {
    if let Some(p) = flag {
        return Some((p.to_path_buf(), true));
    }
    if let Some(p) = std::env::var_os("MAILLDAP_CLIENT_CONFIG") {
        return Some((PathBuf::from(p), true));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some((base.join("mailldap/client.toml"), false))
}

/// Reads the client config; a missing default file is no error, a named one is.
pub fn load_client_config(flag: Option<&Path>) -> Result<ClientConfig, AdminError> {
    let Some((path, named)) = config_path(flag) else {
        return Ok(ClientConfig::default());
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => {
            return Ok(ClientConfig::default())
        }
        Err(e) => {
            return Err(AdminError::Config(format!(
                "cannot read the client config {}: {e}",
                path.display()
            )))
        }
    };
    toml::from_str(&text)
        .map_err(|e| AdminError::Config(format!("client config {}: {e}", path.display())))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Settings {
    /// Merges flags, environment, client config and defaults.
    pub fn resolve(args: &ConnectArgs) -> Result<Settings, AdminError> {
        let file = load_client_config(args.client_config.as_deref())?;
        let defaults = crate::config::Config::default();
        let suffix = file.suffix.clone().unwrap_or(defaults.suffix.clone());
        let rootdn = file
            .rootdn
            .clone()
            .unwrap_or_else(|| format!("cn=Manager,{suffix}"));
        let tree = Tree::article(&suffix, &rootdn);
        let uri = args
            .uri
            .clone()
            .or_else(|| env("MAILLDAP_URI"))
            .or(file.uri.clone())
            .unwrap_or_else(|| "ldap://127.0.0.1:3389".into());
        let bind = args
            .bind
            .clone()
            .or_else(|| env("MAILLDAP_BIND"))
            .or(file.bind.clone())
            .unwrap_or_else(|| rootdn.clone());
        let (bind_dn, caller) = if bind.contains('=') {
            (bind.clone(), bind.clone())
        } else {
            let a = check_address(&bind)?;
            (tree.mail_dn(&bind, &a.domain), bind.clone())
        };
        if let Some(ca) = args.ca_file.as_ref().or(file.ca_file.as_ref()) {
            // ldap3's rustls set-up reads its trust anchors through rustls-native-certs,
            // which takes them from SSL_CERT_FILE when that is set.
            std::env::set_var("SSL_CERT_FILE", ca);
        }
        let article = PrintParams::article(&uri, &suffix);
        Ok(Settings {
            starttls: args.starttls || file.starttls.unwrap_or(false),
            password_file: args
                .password_file
                .clone()
                .or_else(|| env("MAILLDAP_PASSWORD_FILE").map(PathBuf::from))
                .or(file.password_file.clone()),
            vmail: Vmail {
                home: file.home_directory.clone().unwrap_or(article.vmail_base),
                uid: file.uid_number.unwrap_or(article.vmail_uid),
                gid: file.gid_number.unwrap_or(article.vmail_gid),
            },
            courier_mode: file.courier_mode.unwrap_or_default(),
            uri,
            bind_dn,
            caller,
            tree,
        })
    }

    /// True when the caller is the rootdn.
    pub fn is_root(&self) -> bool {
        self.tree.is_rootdn(&self.bind_dn)
    }
}

/// The first line of a password file, without its line end. A file readable by others
/// is refused, as ssh refuses such a key.
pub fn read_password_file(path: &Path) -> Result<String, AdminError> {
    let fail = |e: String| AdminError::Config(format!("password file {}: {e}", path.display()));
    if path != Path::new("-") {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| fail(e.to_string()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(fail(format!(
                "readable by others (mode {:o}): chmod 600 it",
                mode & 0o777
            )));
        }
    }
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).map_err(|e| fail(e.to_string()))?
    } else {
        std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?
    };
    let line = text.lines().next().unwrap_or("").to_string();
    if line.is_empty() {
        return Err(fail("empty".into()));
    }
    Ok(line)
}

/// Asks on the terminal, without echo; fails when there is no terminal to ask on.
pub fn prompt_password(prompt: &str) -> Result<String, AdminError> {
    let pw = rpassword::prompt_password(prompt).map_err(|e| {
        AdminError::Config(format!(
            "cannot prompt for a password ({e}): give a password file (--password-file)"
        ))
    })?;
    if pw.is_empty() {
        return Err(AdminError::Config("empty password".into()));
    }
    Ok(pw)
}

/// A new password for an account: from a file (`-` for standard input), else asked
/// twice on the terminal.
pub fn new_password(file: Option<&Path>, address: &str) -> Result<String, AdminError> {
    if let Some(f) = file {
        return read_password_file(f);
    }
    let first = prompt_password(&format!("New password for {address}: "))?;
    let second = prompt_password("Again: ")?;
    if first != second {
        return Err(AdminError::Invalid("the two passwords differ".into()));
    }
    Ok(first)
}
