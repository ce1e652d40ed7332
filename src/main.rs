//! The `mailldap` command: serve, import, export, verify, reindex, hash, print-config.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use mailldap::config::Config;
use mailldap::directory::Directory;
use mailldap::import;
use mailldap::ldif;
use mailldap::state::ServerState;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// See Cargo.toml: small allocations dominate the request path.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The demo tree `serve --demo` loads into an empty store.
const DEMO_LDIF: &str = include_str!("../ldif/demo.ldif");

#[derive(Parser)]
#[command(
    name = "mailldap",
    version,
    about = "An LDAPv3 directory server for mail hosting"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (no config file needed: the embedded default listens on 127.0.0.1:3389).
    Serve {
        /// TOML configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Listen on HOST:PORT (plain LDAP) instead of the configured URIs.
        #[arg(long)]
        listen: Option<String>,
        /// Data directory (overrides data_dir).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Load the demo tree (ldif/demo.ldif) into an empty store and print how to bind.
        #[arg(long)]
        demo: bool,
    },
    /// Load LDIF offline, like slapadd: all or nothing.
    Import {
        /// TOML configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Data directory (overrides data_dir).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Load entries that lack a MUST attribute of one of their classes (legacy LDIF
        /// such as the 2003 article's), printing file:line and the attribute for each.
        #[arg(long)]
        allow_missing_must: bool,
        /// LDIF files (content records and changetype records).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write every entry as LDIF to standard output, like slapcat.
    Export {
        /// TOML configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Data directory (overrides data_dir).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Hash a password for rootpw or userPassword, like slappasswd.
    Hash {
        /// Scheme: ARGON2 (default), SSHA, CRYPT (sha512-crypt), SSHA512, PBKDF2-SHA512, ...
        #[arg(long, default_value = "ARGON2")]
        scheme: String,
    },
    /// Let a retired mailbox path (of a deleted account) be given to a new account
    /// again, once its old Maildir is archived or removed. Offline, like import.
    ReleaseMailbox {
        /// TOML configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Data directory (overrides data_dir).
        #[arg(long)]
        data: Option<PathBuf>,
        /// The path as reported in the refusal, e.g. /home/vmail/domains/example.com/john/
        path: String,
    },
    /// List the mailbox paths of deleted accounts that no new account may take.
    RetiredMailboxes {
        /// TOML configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Data directory (overrides data_dir).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Check a stopped server's store: every key against the entries (exit 1 on problems).
    Verify {
        /// TOML configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Data directory (overrides data_dir).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Copy a stopped server's store, with everything LDIF does not carry (ids, retired
    /// mailboxes, sync state), into a new directory on another engine (sled -> lmdb).
    MigrateStore {
        /// TOML configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Data directory to copy (overrides data_dir).
        #[arg(long)]
        data: Option<PathBuf>,
        /// The new data directory (its store must not exist yet).
        #[arg(long)]
        to: PathBuf,
        /// Engine of the new directory: lmdb or sled.
        #[arg(long, default_value = "lmdb")]
        engine: mailldap::store::EngineKind,
    },
    /// Rebuild the indexes, dn2id and the entry count of a stopped server's store.
    Reindex {
        /// TOML configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Data directory (overrides data_dir).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Print ready-to-use client configuration for the served tree.
    PrintConfig {
        /// postfix, courier or dovecot.
        kind: String,
        /// The LDAP URI the mail software should use.
        #[arg(long)]
        uri: Option<String>,
        /// TOML configuration file (for the suffix and listen address).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Mail administration over LDAP (domain, account, alias, catchall, postmaster, doctor).
    #[command(flatten)]
    Admin(mailldap::admin::AdminCommand),
}

fn load_config(path: Option<&Path>, data: Option<PathBuf>) -> Result<Config> {
    let mut config = Config::load(path)?;
    if let Some(d) = data {
        config.data_dir = d;
    }
    Ok(config)
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Admin(cmd) => std::process::exit(mailldap::admin::main(cmd)),
        Command::Serve {
            config,
            listen,
            data,
            demo,
        } => serve(config.as_deref(), listen, data, demo),
        Command::Import {
            config,
            data,
            allow_missing_must,
            files,
        } => import_command(config.as_deref(), data, allow_missing_must, &files),
        Command::Export { config, data } => export(&load_config(config.as_deref(), data)?),
        Command::ReleaseMailbox { config, data, path } => {
            release_mailbox(&load_config(config.as_deref(), data)?, &path)
        }
        Command::RetiredMailboxes { config, data } => {
            retired_mailboxes(&load_config(config.as_deref(), data)?)
        }
        Command::Verify { config, data } => verify(&load_config(config.as_deref(), data)?),
        Command::Reindex { config, data } => reindex(&load_config(config.as_deref(), data)?),
        Command::MigrateStore {
            config,
            data,
            to,
            engine,
        } => migrate_store(&load_config(config.as_deref(), data)?, &to, engine),
        Command::Hash { scheme } => hash(&scheme),
        Command::PrintConfig { kind, uri, config } => {
            print_config(&kind, uri, &load_config(config.as_deref(), None)?)
        }
    }
}

/// `mailldap import`: all or nothing, gaps reported when allowed.
fn import_command(
    config: Option<&Path>,
    data: Option<PathBuf>,
    allow_missing_must: bool,
    files: &[PathBuf],
) -> Result<()> {
    let config = load_config(config, data)?;
    let options = import::ImportOptions {
        allow_missing_must,
        progress: std::io::stderr().is_terminal(),
    };
    let report = import::import_files(&config, files, options)?;
    print_missing_must(&report);
    eprintln!("{}", import::summary(&report, &config.data_dir));
    Ok(())
}

/// `mailldap export`: every entry as LDIF on stdout.
fn export(config: &Config) -> Result<()> {
    let dir = Directory::open(config)?;
    let mut out = std::io::stdout().lock();
    let mut result = Ok(());
    dir.export(&mut |e| {
        use std::io::Write;
        if result.is_ok() {
            result = writeln!(out, "{}", ldif::write_entry(e));
        }
    })?;
    result.context("writing LDIF")
}

/// `mailldap release-mailbox PATH`.
fn release_mailbox(config: &Config, path: &str) -> Result<()> {
    let dir = Directory::open(config).context("opening the store (stop the server first)")?;
    if dir.release_mailbox(path)? {
        println!("released {path}");
        Ok(())
    } else {
        bail!("{path} is not a retired mailbox (see `mailldap retired-mailboxes`)")
    }
}

/// `mailldap retired-mailboxes`.
fn retired_mailboxes(config: &Config) -> Result<()> {
    let dir = Directory::open(config).context("opening the store (stop the server first)")?;
    for (path, note) in dir.retired_mailboxes()? {
        println!("{path}\t{note}");
    }
    Ok(())
}

/// `mailldap verify`: each problem and a summary; exit 0 clean, 1 problems, 2 unable.
fn verify(config: &Config) -> Result<()> {
    let report = or_exit(Directory::verify(config), "verify");
    print!("{report}");
    std::process::exit(i32::from(!report.is_clean()))
}

/// `mailldap reindex`: a summary; exit 1 when something remains to mend by hand.
fn reindex(config: &Config) -> Result<()> {
    let report = or_exit(Directory::reindex(config), "reindex");
    print!("{report}");
    std::process::exit(i32::from(!report.after.is_clean()))
}

/// `mailldap migrate-store`: the copy, then a line saying what was copied where.
fn migrate_store(config: &Config, to: &Path, engine: mailldap::store::EngineKind) -> Result<()> {
    let from = &config.data_dir;
    let started = std::time::Instant::now();
    let to_config = Config {
        data_dir: to.to_path_buf(),
        ..config.clone()
    };
    let (old, new) = (
        Directory::store_path(config),
        Directory::store_path(&to_config),
    );
    let entries = mailldap::store::Store::migrate(&old, &new, engine, config.store_cache_mb)
        .with_context(|| format!("migrating {} to {}", old.display(), new.display()))?;
    eprintln!(
        "copied {entries} entries from {} to {} ({engine}) in {:.1} s; point data_dir at the new directory",
        from.display(),
        to.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// What an offline store command found, or its error and exit status 2 (unable).
fn or_exit<T>(result: Result<T, mailldap::error::LdapError>, command: &str) -> T {
    result.unwrap_or_else(|e| {
        eprintln!("mailldap {command}: {}", e.message);
        std::process::exit(2)
    })
}

/// `mailldap hash`: like slappasswd.
fn hash(scheme: &str) -> Result<()> {
    let scheme = mailldap::password::PasswordScheme::from_tag(scheme)
        .with_context(|| format!("unknown scheme {scheme:?}"))?;
    let pw = mailldap::password::read_password_interactive("New password: ")?;
    if pw.is_empty() {
        bail!("empty password");
    }
    let params = mailldap::password::HashParams {
        scheme,
        ..Default::default()
    };
    println!(
        "{}",
        mailldap::password::hash_password(pw.as_bytes(), &params)?
    );
    Ok(())
}

/// `mailldap print-config KIND`.
fn print_config(kind: &str, uri: Option<String>, config: &Config) -> Result<()> {
    let uri = uri.unwrap_or_else(|| {
        config
            .listen
            .iter()
            .find(|u| u.starts_with("ldap://"))
            .cloned()
            .unwrap_or_else(|| "ldap://127.0.0.1:3389".into())
    });
    let params = mailldap::printconfig::PrintParams::article(&uri, &config.suffix);
    match mailldap::printconfig::render(kind, &params) {
        Some(text) => {
            print!("{text}");
            Ok(())
        }
        None => bail!("unknown kind {kind:?}: use postfix, courier or dovecot"),
    }
}

/// One line per MUST attribute an import loaded without (`--allow-missing-must`), and
/// a summary: legacy data is never taken silently.
fn print_missing_must(report: &import::ImportReport) {
    for note in &report.missing_must {
        eprintln!("warning: {note} (loaded: --allow-missing-must)");
    }
    if !report.missing_must.is_empty() {
        eprintln!(
            "warning: {} missing MUST attribute(s) in {} entries loaded; add them (README: \"Entries without a MUST attribute\")",
            report.missing_must.len(),
            report.entries_missing_must()
        );
    }
}

fn serve(
    config_path: Option<&Path>,
    listen: Option<String>,
    data: Option<PathBuf>,
    demo: bool,
) -> Result<()> {
    let reload = reloader(config_path, listen.clone(), data.clone());
    let mut config = load_config(config_path, data)?;
    init_logging(&config.log_level);
    if let Some(l) = listen {
        config.listen = vec![format!("ldap://{l}")];
    }
    let dir = Directory::open(&config)?;
    if demo {
        if dir.is_empty() {
            let records = ldif::parse_ldif(DEMO_LDIF.as_bytes(), "ldif/demo.ldif", None)?;
            import::apply_records(&dir, &config.rootdn, records, "ldif/demo.ldif")?;
            tracing::info!("demo tree loaded ({} entries)", dir.len());
        }
        if config.rootpw.is_none() {
            let pw = mailldap::password::generate_password();
            config.rootpw = Some(mailldap::password::hash_password(
                pw.as_bytes(),
                &mailldap::password::HashParams::default(),
            )?);
            println!("demo mode: bind as {} with password {pw}", config.rootdn);
        }
        println!(
            "demo accounts: mail=user1@domain1.example,o=domain1.example,o=hosting,{} (password user1), user2@domain1.example (user2), Sales@Domain2.example (sales)",
            config.suffix
        );
        println!(
            "try: ldapsearch -x -H {} -b o=hosting,{} '(mail=user1@domain1.example)'",
            config.listen[0], config.suffix
        );
    } else if config.rootpw.is_none() {
        tracing::warn!(
            "no rootpw configured: binds as {} are refused",
            config.rootdn
        );
    }
    let tls = match (&config.tls.cert, &config.tls.key) {
        (Some(c), Some(k)) => Some(mailldap::tls::TlsState::load(c, k)?),
        (None, None) => None,
        _ => bail!("[tls] needs both cert and key"),
    };
    let uris = config.listen.clone();
    let mut state = ServerState::new(dir, config)?;
    state.tls = tls;
    let state = Arc::new(state);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(mailldap::server::serve(state, &uris, reload))?;
    // An operation still running past shutdown_grace_secs is abandoned: nothing it
    // did is acknowledged, and every acknowledged write is already durable.
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    Ok(())
}

/// How SIGHUP reads the configuration again: the same file with the same
/// command-line overrides (--data, --listen) as at start.
fn reloader(
    config_path: Option<&Path>,
    listen: Option<String>,
    data: Option<PathBuf>,
) -> mailldap::server::LoadConfig {
    let path = config_path.map(Path::to_path_buf);
    Box::new(move || {
        let mut config = Config::load(path.as_deref())?;
        if let Some(d) = &data {
            config.data_dir = d.clone();
        }
        if let Some(l) = &listen {
            config.listen = vec![format!("ldap://{l}")];
        }
        Ok(config)
    })
}
