//! Acknowledged writes survive a crash: concurrent writers (add, modify, modrdn,
//! delete through the ldap3 crate) log every change the server acknowledged; the
//! server is SIGKILLed at a random moment, `mailldap verify` must find its store
//! clean, and after a restart on the same data every acknowledged change must be there.
//! A second test does the same to a subtree renamed back and forth (subtree.rs).
//! SIGKILL leaves the kernel's page cache intact, so it cannot show a missing sync:
//! a third test runs the server under strace and checks that every acknowledgement
//! of a write follows an fsync of the store's file that began after the request arrived.
//!
//! CRASH_CYCLES sets the number of kill cycles (default 6; the subtree test runs 4, or
//! half of CRASH_CYCLES), CRASH_SEED the random seed (printed, to reproduce a failure);
//! `cargo test --test reliability_crash -- --nocapture` prints the figures
//! docs/RELIABILITY.md quotes.

mod common;
#[path = "reliability_crash/strace.rs"]
mod strace;
#[path = "reliability_crash/subtree.rs"]
mod subtree;

use common::*;
use ldap3::{LdapConn, LdapConnSettings, Mod, Scope, SearchEntry};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

const SUFFIX: &str = "dc=myhosting,dc=example";
const WRITERS: usize = 4;
const SLOTS: usize = 6;

/// Where one writer's entry is, as far as the server has acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Absent,
    /// At `cn=<slot>` or, renamed, `cn=<slot>-r`, with `description: serial`.
    Present {
        renamed: bool,
        serial: u64,
    },
}

/// The name of slot `slot` of writer `writer`, and its DN in `state`.
fn slot_cn(writer: usize, slot: usize) -> String {
    format!("crash-w{writer}s{slot}")
}

fn dn_of(cn: &str, renamed: bool) -> String {
    let suffix = if renamed { "-r" } else { "" };
    format!("cn={cn}{suffix},{SUFFIX}")
}

/// What one writer did in one cycle.
#[derive(Default)]
struct Log {
    /// Acknowledged operations.
    acked: u64,
    /// The operation sent when the connection died: its slot and the state it led to.
    in_doubt: Option<(usize, State)>,
    /// Refusals on a live connection (the model is wrong, or the server is).
    refused: Vec<String>,
}

fn set<'a>(v: &[&'a str]) -> HashSet<&'a str> {
    v.iter().copied().collect()
}

/// Send one random change of `state` (add when absent; else modify the serial, rename
/// to the other RDN, or delete) and say how it ended.
fn change(c: &mut LdapConn, cn: &str, state: State, serial: u64, rng: &mut StdRng) -> Step {
    let desc = serial.to_string();
    let (result, next) = match state {
        State::Absent => {
            let attrs = vec![
                ("objectClass", set(&["person"])),
                ("cn", set(&[cn])),
                ("sn", set(&["crash"])),
                ("description", set(&[&desc])),
            ];
            let next = State::Present {
                renamed: false,
                serial,
            };
            (c.add(&dn_of(cn, false), attrs), next)
        }
        State::Present {
            renamed,
            serial: old,
        } => match rng.gen_range(0..10) {
            0..=4 => {
                let mods = vec![Mod::Replace("description", set(&[&desc]))];
                let next = State::Present { renamed, serial };
                (c.modify(&dn_of(cn, renamed), mods), next)
            }
            5..=7 => {
                let rdn = if renamed {
                    format!("cn={cn}")
                } else {
                    format!("cn={cn}-r")
                };
                let next = State::Present {
                    renamed: !renamed,
                    serial: old,
                };
                (c.modifydn(&dn_of(cn, renamed), &rdn, true, None), next)
            }
            _ => (c.delete(&dn_of(cn, renamed)), State::Absent),
        },
    };
    Step::from(result, next)
}

fn current_serial(state: State) -> u64 {
    match state {
        State::Present { serial, .. } => serial,
        State::Absent => 0,
    }
}

/// How one change ended.
enum Step {
    /// Acknowledged: the new state is certain.
    Acked(State),
    /// No answer: the new state may or may not have been reached.
    Lost(State),
    /// Refused by a live server.
    Refused(String),
}

impl Step {
    fn from(result: ldap3::result::Result<ldap3::LdapResult>, next: State) -> Step {
        match result {
            Ok(r) if r.rc == 0 => Step::Acked(next),
            Ok(r) => Step::Refused(format!("rc {} ({})", r.rc, r.text)),
            Err(_) => Step::Lost(next),
        }
    }
}

/// Write until the connection dies or `until`, starting from `states`, which end as
/// the last acknowledged state of each slot.
fn writer(uri: &str, id: usize, states: &mut [State], seed: u64, until: Instant) -> Log {
    let mut log = Log::default();
    let mut rng = StdRng::seed_from_u64(seed);
    let settings = LdapConnSettings::new().set_conn_timeout(Duration::from_secs(5));
    let Ok(mut c) = LdapConn::with_settings(settings, uri) else {
        return log;
    };
    if !matches!(c.simple_bind(ROOTDN, ROOTPW), Ok(r) if r.rc == 0) {
        return log;
    }
    let mut serial = states.iter().map(|s| current_serial(*s)).max().unwrap_or(0);
    while Instant::now() < until {
        let slot = rng.gen_range(0..states.len());
        serial += 1;
        match change(&mut c, &slot_cn(id, slot), states[slot], serial, &mut rng) {
            Step::Acked(next) => {
                states[slot] = next;
                log.acked += 1;
            }
            Step::Lost(next) => {
                log.in_doubt = Some((slot, next));
                break;
            }
            Step::Refused(why) => {
                log.refused.push(format!("{}: {why}", slot_cn(id, slot)));
                break;
            }
        }
    }
    log
}

/// Every crash entry the server holds: slot name -> state.
fn stored_states(s: &Server) -> HashMap<String, State> {
    let mut c = LdapConn::new(&s.uri).expect("connect");
    c.simple_bind(ROOTDN, ROOTPW).unwrap().success().unwrap();
    let (entries, _) = c
        .search(SUFFIX, Scope::OneLevel, "(sn=crash)", vec!["description"])
        .unwrap()
        .success()
        .unwrap();
    let mut out = HashMap::new();
    for e in entries.into_iter().map(SearchEntry::construct) {
        let rdn = e.dn.split(',').next().unwrap().trim_start_matches("cn=");
        let (cn, renamed) = match rdn.strip_suffix("-r") {
            Some(cn) => (cn.to_string(), true),
            None => (rdn.to_string(), false),
        };
        let serial = e.attrs["description"][0].parse().unwrap();
        let state = State::Present { renamed, serial };
        assert!(out.insert(cn, state).is_none(), "{rdn} stored twice");
    }
    out
}

/// Figures of a crash run.
#[derive(Default)]
struct Figures {
    cycles: u64,
    acked: u64,
    in_doubt: u64,
}

/// Compare the stored states with the acknowledged ones (an operation in doubt may
/// have happened or not); the stored states become the model of the next cycle.
fn check_cycle(s: &Server, states: &mut [Vec<State>], logs: &[Log], figures: &mut Figures) {
    let stored = stored_states(s);
    for (w, slots) in states.iter_mut().enumerate() {
        for (slot, state) in slots.iter_mut().enumerate() {
            let cn = slot_cn(w, slot);
            let found = stored.get(&cn).copied().unwrap_or(State::Absent);
            let doubt = logs[w]
                .in_doubt
                .filter(|(d, _)| *d == slot)
                .map(|(_, st)| st);
            assert!(
                found == *state || Some(found) == doubt,
                "{cn}: acknowledged {state:?} (in doubt: {doubt:?}), after restart {found:?}"
            );
            *state = found;
        }
    }
    figures.cycles += 1;
    figures.acked += logs.iter().map(|l| l.acked).sum::<u64>();
    figures.in_doubt += logs.iter().filter(|l| l.in_doubt.is_some()).count() as u64;
}

/// `mailldap verify` on the killed server's store must exit 0.
fn verify_clean(s: &Server) {
    let config = s.config_path().display().to_string();
    let r = tools::mailldap(&["verify", "--config", &config], None);
    assert_eq!(r.code, 0, "verify after a kill:\n{}{}", r.stdout, r.stderr);
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{name}={v}")))
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let cycles = env_u64("CRASH_CYCLES").unwrap_or(6);
    let seed = env_u64("CRASH_SEED").unwrap_or_else(|| rand::thread_rng().gen());
    eprintln!("crash: seed {seed} (CRASH_SEED={seed} repeats this run)");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut s = Server::demo();
    let mut states = vec![vec![State::Absent; SLOTS]; WRITERS];
    let mut figures = Figures::default();
    let started = Instant::now();
    for _ in 0..cycles {
        let kill_after = Duration::from_millis(rng.gen_range(150..700));
        let until = Instant::now() + kill_after + Duration::from_secs(5);
        let logs: Vec<Log> = std::thread::scope(|scope| {
            let handles: Vec<_> = states
                .iter_mut()
                .enumerate()
                .map(|(w, slots)| {
                    let (uri, seed) = (s.uri.clone(), rng.gen());
                    scope.spawn(move || writer(&uri, w, slots, seed, until))
                })
                .collect();
            std::thread::sleep(kill_after);
            s.kill();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let refused: Vec<&String> = logs.iter().flat_map(|l| &l.refused).collect();
        assert!(refused.is_empty(), "refused on a live server: {refused:?}");
        verify_clean(&s);
        s.restart();
        check_cycle(&s, &mut states, &logs, &mut figures);
    }
    eprintln!(
        "crash: {} kill cycles, {} acknowledged operations checked ({} in doubt at the kill), 0 lost, verify clean after each; {:.1} s",
        figures.cycles,
        figures.acked,
        figures.in_doubt,
        started.elapsed().as_secs_f64()
    );
    assert!(
        figures.acked >= cycles * 10,
        "too few writes to test anything"
    );
}

#[test]
fn a_subtree_rename_survives_sigkill() {
    let cycles = env_u64("CRASH_CYCLES").map_or(4, |n| n.div_ceil(2));
    let mut rng = StdRng::seed_from_u64(env_u64("CRASH_SEED").unwrap_or(1));
    let tree = tempfile::tempdir().expect("tempdir");
    let mut s = Server::imported(&subtree::ldif(tree.path()), "");
    let (mut renamed, mut acked, mut mid_move) = (false, 0, 0);
    for _ in 0..cycles {
        let kill_after = Duration::from_millis(rng.gen_range(100..600));
        let until = Instant::now() + kill_after + Duration::from_secs(5);
        let moves = std::thread::scope(|scope| {
            let uri = s.uri.clone();
            let mover = scope.spawn(move || subtree::mover(&uri, renamed, until));
            std::thread::sleep(kill_after);
            s.kill();
            mover.join().unwrap()
        });
        mid_move += u64::from(subtree::journal_left(&s));
        verify_clean(&s);
        s.restart();
        renamed = subtree::check(&s, &moves);
        acked += moves.acked;
    }
    eprintln!(
        "crash: {cycles} kill cycles renaming a subtree of {} entries: {acked} acknowledged renames checked, {mid_move} kills mid-move (journal left, finished at open), 0 lost",
        subtree::CHILDREN + 1
    );
}

#[test]
fn every_acknowledged_write_follows_an_fsync_of_the_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wrapper = strace::wrapper(&dir.path().join("trace"));
    let mut s = Server::start_under(dir, &wrapper, "");
    // Under strace every syscall costs a round trip: a few seconds of writes.
    let until = Instant::now() + Duration::from_secs(3);
    let acked: u64 = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                let uri = s.uri.clone();
                scope.spawn(move || {
                    let mut slots = vec![State::Absent; SLOTS];
                    let log = writer(&uri, w, &mut slots, w as u64, until);
                    assert!(log.refused.is_empty(), "{:?}", log.refused);
                    log.acked
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    s.kill();
    let trace = std::fs::read_to_string(s.dir.path().join("trace")).expect("trace");
    let store = s.data_dir().join("store");
    let report = strace::check(&trace, &store.display().to_string());
    eprintln!("fsync discipline: {report}");
    assert!(
        report.unsynced.is_empty(),
        "acknowledged before an fsync: {:?}",
        report.unsynced
    );
    assert_eq!(
        report.acked, acked,
        "every acknowledged write seen in the trace"
    );
    assert!(acked >= 20, "too few writes to test anything: {acked}");
}
