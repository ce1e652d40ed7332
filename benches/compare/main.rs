//! mailldap against Debian's slapd, in the same run on the same machine: offline load,
//! Postfix lookups, Courier binds, memory, disk, and an indexed lookup against a full
//! scan. Run with `scripts/bench` (or `cargo bench --bench compare`); prints a table and
//! rewrites docs/BENCHMARKS.md. Knobs (environment): BENCH_ACCOUNTS (100000),
//! BENCH_QUERIES per lookup run (20000), BENCH_BINDS per bind run (5000),
//! BENCH_SECONDS cap per run (30), BENCH_CLIENTS (1,4,16), BENCH_OUT (the markdown
//! file; `-` for none).

mod gen;
mod report;
mod servers;
mod workload;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use report::{ms, Table};
use servers::Running;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use workload::Stats;

/// Settings read from the environment.
struct Knobs {
    accounts: usize,
    queries: usize,
    binds: usize,
    limit: Duration,
    clients: Vec<usize>,
    out: Option<PathBuf>,
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn knobs() -> Knobs {
    let clients = std::env::var("BENCH_CLIENTS")
        .ok()
        .map(|v| {
            v.split(',')
                .filter_map(|c| c.trim().parse().ok())
                .filter(|&c| c > 0)
                .collect::<Vec<usize>>()
        })
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| vec![1, 4, 16]);
    let out = match std::env::var("BENCH_OUT") {
        Ok(v) if v == "-" => None,
        Ok(v) if !v.is_empty() => Some(PathBuf::from(v)),
        _ => Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/BENCHMARKS.md")),
    };
    Knobs {
        accounts: env_num("BENCH_ACCOUNTS", 100_000).max(1),
        queries: env_num("BENCH_QUERIES", 20_000).max(1),
        binds: env_num("BENCH_BINDS", 5_000).max(1),
        limit: Duration::from_secs(env_num("BENCH_SECONDS", 30).max(1) as u64),
        clients,
        out,
    }
}

/// Everything measured on one server.
struct Measured {
    load: Duration,
    rss_loaded: (u64, u64),
    rss_after: (u64, u64),
    disk: u64,
    lookups: Vec<(usize, Stats)>,
    binds: Vec<(usize, Stats)>,
    eq: Vec<Duration>,
    scan: Vec<Duration>,
    scan_found: usize,
}

/// The same query and bind lists for both servers.
struct Work {
    addrs: Vec<(String, bool)>,
    creds: Vec<(String, String)>,
    probe: String,
}

fn plan(data: &gen::Dataset, k: &Knobs) -> Work {
    let mut rng = StdRng::seed_from_u64(4515);
    let n = data.accounts.len();
    // Four in five lookups hit an account, one in five asks for an address nobody has
    // (Postfix asks for every recipient, spam included).
    let addrs = (0..k.queries)
        .map(|i| {
            if rng.gen_bool(0.8) {
                (data.accounts[rng.gen_range(0..n)].mail.clone(), true)
            } else {
                (gen::missing_address(i, data.domains), false)
            }
        })
        .collect();
    let creds = (0..k.binds)
        .map(|_| {
            let a = &data.accounts[rng.gen_range(0..n)];
            (a.dn.clone(), a.password.clone())
        })
        .collect();
    Work {
        addrs,
        creds,
        probe: data.accounts[n / 2].mail.clone(),
    }
}

fn measure(
    name: &str,
    srv: &Running,
    load: Duration,
    w: &Work,
    k: &Knobs,
) -> Result<Measured, String> {
    let rss_loaded = servers::memory_kib(srv.pid);
    let disk = servers::disk_bytes(&srv.data);
    eprintln!("[{name}] warm-up");
    let warm: Vec<_> = w.addrs.iter().take(500).cloned().collect();
    workload::lookups(&srv.uri, &warm, 1, k.limit)?;
    let mut lookups = Vec::new();
    for &c in &k.clients {
        eprintln!("[{name}] {} lookups, {c} clients", w.addrs.len());
        lookups.push((c, workload::lookups(&srv.uri, &w.addrs, c, k.limit)?));
    }
    let mut binds = Vec::new();
    for c in [1, 4] {
        eprintln!("[{name}] {} binds, {c} clients", w.creds.len());
        binds.push((c, workload::binds(&srv.uri, &w.creds, c, k.limit)?));
    }
    eprintln!("[{name}] indexed lookup vs unindexed scan");
    let (eq, _) = workload::repeat_search(&srv.uri, &workload::postfix_filter(&w.probe), 200)?;
    let (scan, scan_found) = workload::repeat_search(&srv.uri, "(description=x)", 3)?;
    Ok(Measured {
        load,
        rss_loaded,
        rss_after: servers::memory_kib(srv.pid),
        disk,
        lookups,
        binds,
        eq,
        scan,
        scan_found,
    })
}

fn median(v: &[Duration]) -> Duration {
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn table(m: &Measured, s: &Measured) -> Table {
    let mib = |kib: u64| kib as f64 / 1024.0;
    let mut t = Table::default();
    t.section("Offline load (mailldap import vs slapadd)");
    t.num(
        "load time",
        m.load.as_secs_f64(),
        s.load.as_secs_f64(),
        " s",
        2,
    );
    t.num(
        "data dir on disk",
        m.disk as f64 / 1048576.0,
        s.disk as f64 / 1048576.0,
        " MiB",
        1,
    );
    t.section("Postfix lookups (anonymous, mailbox, 80% hits)");
    for ((c, ml), (_, sl)) in m.lookups.iter().zip(&s.lookups) {
        t.num(
            &format!("{c} clients: queries/s"),
            ml.rate(),
            sl.rate(),
            "",
            0,
        );
        t.num(
            &format!("{c} clients: p50"),
            ms(ml.quantile(0.5)),
            ms(sl.quantile(0.5)),
            " ms",
            3,
        );
        t.num(
            &format!("{c} clients: p99"),
            ms(ml.quantile(0.99)),
            ms(sl.quantile(0.99)),
            " ms",
            3,
        );
        t.text(
            &format!("{c} clients: done / wrong answers"),
            format!("{} / {}", ml.done, ml.errors),
            format!("{} / {}", sl.done, sl.errors),
        );
    }
    t.section("Courier binds (simple bind, {SSHA})");
    for ((c, mb), (_, sb)) in m.binds.iter().zip(&s.binds) {
        t.num(
            &format!("{c} clients: binds/s"),
            mb.rate(),
            sb.rate(),
            "",
            0,
        );
        t.num(
            &format!("{c} clients: p99"),
            ms(mb.quantile(0.99)),
            ms(sb.quantile(0.99)),
            " ms",
            3,
        );
        t.text(
            &format!("{c} clients: done / failed"),
            format!("{} / {}", mb.done, mb.errors),
            format!("{} / {}", sb.done, sb.errors),
        );
    }
    t.section("Index at scale (one client)");
    t.num(
        "indexed mail= lookup, median",
        ms(median(&m.eq)),
        ms(median(&s.eq)),
        " ms",
        3,
    );
    t.num(
        "unindexed (description=x), median of 3",
        ms(median(&m.scan)),
        ms(median(&s.scan)),
        " ms",
        1,
    );
    let gain = |x: &Measured| ms(median(&x.scan)) / ms(median(&x.eq)).max(1e-6);
    t.num("scan / indexed", gain(m), gain(s), "x", 0);
    t.text(
        "entries found by the scan",
        m.scan_found.to_string(),
        s.scan_found.to_string(),
    );
    t.section("Memory (from /proc/PID/status)");
    t.num(
        "VmRSS after start",
        mib(m.rss_loaded.0),
        mib(s.rss_loaded.0),
        " MiB",
        1,
    );
    t.num(
        "VmRSS after the runs",
        mib(m.rss_after.0),
        mib(s.rss_after.0),
        " MiB",
        1,
    );
    t.num(
        "VmHWM (peak) after the runs",
        mib(m.rss_after.1),
        mib(s.rss_after.1),
        " MiB",
        1,
    );
    t
}

const INTRO: &str = "# Benchmarks

mailldap against OpenLDAP's slapd (Debian's package, back-mdb) on the same machine in
the same run. Generated by `scripts/bench`, which builds the release binary, runs
`cargo bench --bench compare` and overwrites this file: do not edit by hand.

```sh
scripts/bench                          # default: 100,000 accounts
BENCH_ACCOUNTS=10000 scripts/bench     # smaller tree
```

Other knobs: `BENCH_QUERIES` (lookups per run), `BENCH_BINDS` (binds per run),
`BENCH_SECONDS` (time cap per run), `BENCH_CLIENTS` (e.g. `1,4,16`), `BENCH_OUT`
(output file, `-` for none).

## What runs

- **Tree**: N accounts over 100 domains in the article's shape
  (`mail=userI@dNNN.example,o=dNNN.example,o=hosting,dc=myhosting,dc=example`,
  `inetOrgPerson` + `CourierMailAccount`, `{SSHA}` userPassword), an alias
  (`CourierMailAlias`) for one account in ten and a postmaster role per domain. One
  LDIF file, loaded by `mailldap import` and by `slapadd`.
- **mailldap**: the release binary, `mailldap serve` with its default configuration
  (indexes objectClass eq,pres; mail eq,pres,sub; maildrop, mailbox, uid, roleOccupant
  eq; cn eq,sub), operation log at `info`.
- **slapd**: `start_slapd` from `tests/interop/common.sh` (the interop tests' set-up)
  with `index objectClass eq,pres` and `index mail,maildrop eq`, stats log (`-d 256`).
  slapd indexes less than mailldap here, which favours slapd on load time and disk.
- The servers run one after the other, each alone, on free loopback ports. Clients are
  threads of the bench process using the `ldap3` crate, one persistent connection each;
  on a small machine they compete with the server for the same cores.

## What each row means

- **load time**: wall time of `mailldap import` / `slapadd` for the whole LDIF (offline).
- **data dir on disk**: allocated bytes of the data directory after the load.
- **Postfix lookups**: `(&(mail=ADDR)(objectClass=CourierMailAccount))` below
  `o=hosting`, anonymous, attribute `mailbox`; 80% existing addresses, 20% missing, the
  same list for both servers, split over C clients. queries/s is wall-clock throughput;
  p50/p99 are per-query latencies seen by the client. *wrong answers* counts lookups
  whose result disagreed with the tree (should be 0).
- **Courier binds**: simple bind as a random account's DN with its password, on a
  persistent connection (rebinding), as authlib does.
- **Index at scale**: one client; the median of 200 identical indexed lookups against the
  median of 3 searches with `(description=x)`, an attribute neither server indexes
  (it matches nothing, so both must read every entry below `o=hosting`).
- **Memory**: VmRSS right after the server answered its first search, VmRSS and VmHWM
  (peak RSS) after every run. slapd's RSS includes the pages of its memory-mapped
  database that the runs touched.

## Results

";

fn main() {
    if let Err(e) = run() {
        eprintln!("bench failed: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let k = knobs();
    let when = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    let machine = report::machine();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = env!("CARGO_BIN_EXE_mailldap");
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let ldif = tmp.path().join("tree.ldif");
    let t0 = Instant::now();
    let data = gen::generate(&ldif, k.accounts).map_err(|e| e.to_string())?;
    eprintln!(
        "generated {} entries ({} accounts, {} aliases, {} domains) in {:.1} s",
        data.entries,
        data.accounts.len(),
        data.aliases,
        data.domains,
        t0.elapsed().as_secs_f64()
    );
    let work = plan(&data, &k);

    let mdir = tmp.path().join("mailldap");
    std::fs::create_dir_all(&mdir).map_err(|e| e.to_string())?;
    eprintln!("[mailldap] import");
    let load = servers::mailldap_import(bin, &mdir, &ldif)?;
    let m = {
        let srv = servers::mailldap_serve(bin, &mdir)?;
        measure("mailldap", &srv, load, &work, &k)?
    };

    eprintln!("[slapd] slapadd");
    let s = {
        let (srv, load) = servers::slapd(repo, &ldif)?;
        measure("slapd", &srv, load, &work, &k)?
    };

    let t = table(&m, &s);
    let header = format!(
        "{} entries ({} accounts, {} aliases/postmasters, {} domains); {} lookups and {} binds per run, at most {} s each.\n\
         Machine: {machine}. Date: {when}.\nmailldap {} (release build); {}.\n",
        data.entries,
        data.accounts.len(),
        data.aliases,
        data.domains,
        k.queries,
        k.binds,
        k.limit.as_secs(),
        env!("CARGO_PKG_VERSION"),
        report::slapd_version(),
    );
    println!("\n{header}\n{}", t.plain());
    if let Some(out) = &k.out {
        let md = format!("{INTRO}{}\n{}", header.replace('\n', "\n\n"), t.markdown());
        std::fs::write(out, md.trim_end().to_string() + "\n")
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}
