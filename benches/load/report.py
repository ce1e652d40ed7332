#!/usr/bin/env python3
"""docs/BENCHMARKS.md from the JSON lines scripts/bench collects.

Each run line is one mailldap-load report (mode, label = server, phase, round, ...);
setup lines ({"kind": "setup", "key": ..., "value": ...}) carry import times, disk
use, memory after each phase, settings and versions. Medians are over rounds; the
ratio columns divide mailldap's median by the other server's, and the per-round
table divides within each round (same round, same order position, same machine state).
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import time

SERVERS = ["canned", "slapd", "slapd-acl", "mailldap"]
HEADINGS = {
    "canned": "canned floor",
    "slapd": "slapd (no ACLs)",
    "slapd-acl": "slapd, article's ACLs",
    "mailldap": "mailldap",
    "mailldap-sled": "mailldap on sled",
}
# mailldap's first engine, run when scripts/bench has BENCH_SLED=1: the engine comparison.
SLED = "mailldap-sled"
MODE_ORDER = ["postfix", "bind", "authbind", "dovecot", "write", "scan"]
PHASE_TEXT = {
    "pinned": "server pinned to one core, client to the other (taskset)",
    "unpinned": "no pinning: server and client share both cores",
}


def workload_name(mode, n):
    plural = "" if n == 1 else "s"
    return {
        "postfix": f"Postfix lookup, {n} connection{plural}",
        "bind": f"simple bind {{SSHA}}, {n} persistent",
        "authbind": f"Courier login (connect, search, bind, close), {n}",
        "dovecot": f"Dovecot userdb, 1 connection, {n} pipelined",
        "write": f"rootdn writes (password, add, delete), {n}",
        "scan": f"unindexed search over o=hosting, {n}",
    }[mode]


def load(path):
    runs, setup = [], {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if r.get("kind") == "setup":
                setup[r["key"]] = r["value"]
            else:
                r["n"] = int(r["depth"] if r["mode"] == "dovecot" else r["connections"])
                r["round"] = int(r.get("round", 1))
                runs.append(r)
    return runs, setup


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def num(x, digits=0):
    if x is None:
        return "-"
    return f"{x:,.{digits}f}"


def ratio(a, b):
    if a is None or not b:
        return "-"
    return f"{a / b:.2f}x"


def mib(kib):
    return "-" if kib is None else f"{kib / 1024:,.1f} MiB"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def workloads(runs, phase):
    keys = {(r["mode"], r["n"]) for r in runs if r.get("phase") == phase}
    return sorted(keys, key=lambda k: (MODE_ORDER.index(k[0]), k[1]))


def pick(runs, phase, key, server):
    return [r for r in runs if r.get("phase") == phase and (r["mode"], r["n"]) == key
            and r["label"] == server]


def med(runs, phase, key, server, field):
    return median(r.get(field) for r in pick(runs, phase, key, server))


def throughput(runs, phase):
    rows = []
    for key in workloads(runs, phase):
        m = {s: med(runs, phase, key, s, "ops_per_s") for s in SERVERS}
        rows.append([workload_name(*key)] + [num(m[s]) for s in SERVERS] + [
            ratio(m["mailldap"], m["slapd"]),
            ratio(m["mailldap"], m["slapd-acl"]),
            ratio(m["mailldap"], m["canned"]),
        ] + ([ratio(m["mailldap"], m[SLED])] if SLED in SERVERS else []))
    header = ["workload (ops/s, median)"] + [HEADINGS[s] for s in SERVERS] + [
        "mailldap / slapd", "mailldap / slapd ACLs", "mailldap / floor"] + (
        ["LMDB / sled"] if SLED in SERVERS else [])
    return table(header, rows)


def per_round(runs, phase):
    rounds = sorted({r["round"] for r in runs if r.get("phase") == phase})
    rows = []
    for key in workloads(runs, phase):
        cells = []
        for rnd in rounds:
            def rate(server):
                rs = [r for r in pick(runs, phase, key, server) if r["round"] == rnd]
                return rs[0]["ops_per_s"] if rs else None
            cells.append(f"{ratio(rate('mailldap'), rate('slapd'))} / "
                         f"{ratio(rate('mailldap'), rate('slapd-acl'))}")
        rows.append([workload_name(*key)] + cells)
    header = ["workload (mailldap / slapd, mailldap / slapd ACLs)"] + [f"round {r}" for r in rounds]
    return table(header, rows)


def latency(runs, phase):
    rows = []
    for key in workloads(runs, phase):
        cells = []
        for s in SERVERS:
            q = [med(runs, phase, key, s, f) for f in ("p50_us", "p99_us", "p999_us")]
            cells.append("-" if q[0] is None else " / ".join(num(v / 1000, 3) for v in q))
        rows.append([workload_name(*key)] + cells)
    header = ["workload (p50 / p99 / p99.9 ms, medians)"] + [HEADINGS[s] for s in SERVERS]
    return table(header, rows)


def cpu(runs, phase):
    rows = []
    for key in workloads(runs, phase):
        cells = []
        for s in SERVERS:
            c = med(runs, phase, key, s, "server_cpu_us_per_op")
            v = med(runs, phase, key, s, "server_vcsw_per_op")
            i = med(runs, phase, key, s, "server_nvcsw_per_op")
            cells.append("-" if c is None else f"{num(c, 1)} us, {num(v, 2)} + {num(i, 2)} cs")
        mine = [r for r in runs if r.get("phase") == phase and (r["mode"], r["n"]) == key]
        client = median(r.get("client_cpu_us_per_op") for r in mine)
        # Near 1.0 the client's one thread, not the server, set the pace of that run.
        busiest = max((r.get("client_cores") or 0 for r in mine), default=0)
        m, sl = (med(runs, phase, key, s, "server_cpu_us_per_op") for s in ("mailldap", "slapd"))
        rows.append([workload_name(*key)] + cells + [
            ratio(m, sl), f"{num(client, 1)} us, {busiest:.2f} cores"])
    header = ["workload (server CPU/op, voluntary + involuntary switches/op)"] + [
        HEADINGS[s] for s in SERVERS] + ["mailldap / slapd CPU",
                                         "client CPU/op (median), busiest run's cores"]
    return table(header, rows)


def memory(runs, setup, phase):
    rows = []
    for s in SERVERS:
        during = [r.get("server_rss_kib") for r in runs if r.get("phase") == phase and r["label"] == s]
        end = setup.get(f"memory_{s}_{phase}", {})
        rows.append([HEADINGS[s], mib(max((d for d in during if d), default=None)),
                     mib(end.get("VmRSS")), mib(end.get("RssAnon")), mib(end.get("VmHWM"))])
    return table(["server", "largest RSS after a run", "RSS at phase end", "of it anonymous",
                  "peak (VmHWM)"], rows)


def setup_table(setup):
    stores = ["mailldap", "slapd", "slapd-acl"] + ([SLED] if SLED in SERVERS else [])

    def row(what, key, fmt):
        vals = [setup.get(f"{key}_{s}") for s in stores]
        return [what] + [fmt(v) for v in vals] + [ratio(vals[0], vals[1])]
    sled = ["mailldap import on sled"] if SLED in SERVERS else []
    return table(["offline load", "mailldap import", "slapadd -q", "slapadd -q (ACL copy)"]
                 + sled + ["mailldap / slapd"], [
        row("time", "import_seconds", lambda v: "-" if v is None else f"{v:.1f} s"),
        row("data on disk (du)", "disk_kib", mib),
    ])


def machine(setup, finished):
    def sh(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return ""
    model = next((l.split(":", 1)[1].strip() for l in sh("lscpu").splitlines()
                  if l.startswith("Model name")), platform.processor() or "unknown")
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    v = setup.get("versions", {})
    ticks = (setup.get("cpu_ticks_start"), setup.get("cpu_ticks_end"))
    stolen = ""
    if all(ticks):
        total = max(1, ticks[1]["total"] - ticks[0]["total"])
        stolen = (f"; CPU time stolen by the hypervisor over the run: "
                  f"{100 * (ticks[1]['steal'] - ticks[0]['steal']) / total:.1f}%")
    return "\n".join([
        f"- Machine: {model}, {sh('nproc').strip()} cores, {int(mem) / 1048576:.1f} GiB RAM, "
        f"Linux {platform.release()}",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(finished))}; load average at start "
        f"{setup.get('loadavg_start', '?')}, at end {setup.get('loadavg_end', '?')}; the whole "
        f"run took {setup.get('total_seconds', 0) / 60:.1f} min{stolen}",
        f"- {v.get('mailldap', 'mailldap ?')} (release build, commit {v.get('commit', '?')}); "
        f"{v.get('slapd', 'slapd ?')}",
    ])


# The performance issue's targets, each checked against this run's medians.
def targets(runs, setup, phase):
    def m(mode, n, server, field="ops_per_s"):
        return med(runs, phase, (mode, n), server, field)

    def row(what, have, need, ok):
        return [what, have, need, "met" if ok else "missed"]

    def vs(mode, n, other, need, floor=False):
        a, b = m(mode, n, "mailldap"), m(mode, n, other)
        if a is None or not b:
            return None
        name = HEADINGS[other] if not floor else "the canned floor"
        return row(f"{workload_name(mode, n)}: mailldap / {name}", f"{a / b:.2f}x",
                   f">= {need}x", a / b >= need)

    rows = []
    for n in sorted({k[1] for k in workloads(runs, phase) if k[0] == "postfix"}):
        if n == 1:
            rows.append(vs("postfix", n, "slapd", 1.6))
            # One connection waits on the client's round trip: the floor bounds any server.
            floor, slapd = m("postfix", n, "canned"), m("postfix", n, "slapd")
            if floor and slapd:
                rows.append([f"{workload_name('postfix', n)}: the canned floor / "
                             f"{HEADINGS['slapd']}, the most any server could show",
                             f"{floor / slapd:.2f}x", "(a bound)", "for reference"])
        else:
            rows.append(vs("postfix", n, "slapd-acl", 3.0))
            rows.append(vs("postfix", n, "slapd", 1.5))
        rows.append(vs("postfix", n, "canned", 0.75, floor=True))
        mine, theirs = m("postfix", n, "mailldap", "p99_us"), m("postfix", n, "slapd", "p99_us")
        if mine is not None and theirs is not None:
            rows.append(row(f"{workload_name('postfix', n)}: p99, mailldap vs slapd",
                            f"{mine / 1000:.3f} vs {theirs / 1000:.3f} ms", "no worse",
                            mine <= theirs))
    for mode, n in workloads(runs, phase):
        if mode in ("bind", "authbind"):
            rows.append(vs(mode, n, "slapd", 1.5))
        elif mode == "dovecot":
            rows.append(vs(mode, n, "slapd", 2.0))
        elif mode == "scan":
            a, b = m(mode, n, "mailldap"), m(mode, n, "slapd")
            if a and b:
                rows.append(row(f"{workload_name(mode, n)}: mailldap's time / slapd's",
                                f"{b / a:.2f}x", "<= 2x", b / a <= 2))
    ours, theirs = setup.get("import_seconds_mailldap"), setup.get("import_seconds_slapd")
    if ours and theirs:
        rows.append(row("offline load: mailldap import vs slapadd -q",
                        f"{ours:.1f} vs {theirs:.1f} s", "faster", ours < theirs))
    rss = {s: max((r.get("server_rss_kib") or 0 for r in runs
                   if r.get("phase") == phase and r["label"] == s), default=0)
           for s in ("mailldap", "slapd")}
    if rss["mailldap"] and rss["slapd"]:
        rows.append(row("resident memory under load: mailldap vs slapd",
                        f"{mib(rss['mailldap'])} vs {mib(rss['slapd'])}", "no more",
                        rss["mailldap"] <= rss["slapd"]))
    ours, theirs = setup.get("disk_kib_mailldap"), setup.get("disk_kib_slapd")
    if ours and theirs:
        rows.append(row("data on disk: mailldap / slapd's mdb", f"{ours / theirs:.2f}x",
                        "<= 2x", ours <= 2 * theirs))
    rows = [r for r in rows if r]
    return table(["target (the performance issue)", "this run", "target", ""], rows)


def main(path):
    runs, setup = load(path)
    if any(r["label"] == SLED for r in runs):
        SERVERS.append(SLED)
    s = setup.get("settings", {})
    phases = [p for p in ("pinned", "unpinned") if any(r.get("phase") == p for r in runs)]
    print(HEADER.format(
        accounts=setup.get("accounts", 0), entries=setup.get("entries", 0),
        domains=-(-setup.get("accounts", 0) // 100), rounds=s.get("rounds", "?"),
        seconds=s.get("seconds", "?"), warmup=s.get("warmup", "?"),
        log=s.get("mailldap_log", "?")))
    # The run's end is when its last result was written (a report made again later
    # from the same results keeps the run's date).
    print(machine(setup, os.path.getmtime(path)) + "\n")
    print("### Offline load and disk\n\n" + setup_table(setup) + "\n")
    for phase in phases:
        print(f"## {phase.capitalize()}: {PHASE_TEXT[phase]}\n")
        print("### Throughput\n\n" + throughput(runs, phase) + "\n")
        print("### Per-round ratios\n\n" + per_round(runs, phase) + "\n")
        print("### Latency\n\n" + latency(runs, phase) + "\n")
        print("### Server CPU and context switches per operation\n\n" + cpu(runs, phase) + "\n")
        print("### Memory (server resident set)\n\n" + memory(runs, setup, phase) + "\n")
        print("### Targets\n\n" + targets(runs, setup, phase) + "\n")
    failed = sum(r.get("errors", 0) + r.get("wrong", 0) for r in runs)
    print(f"Errors and wrong answers over all {len(runs)} runs: {failed} "
          "(scripts/bench stops at the first one).")


HEADER = """# Benchmarks

mailldap against OpenLDAP's slapd (Debian's package, back-mdb) with and without the
article's ACLs, and against a canned-answer server (the floor), on the same tree in the
same run. Written by `scripts/bench` from the JSON lines of `mailldap-load`
(benches/load/); do not edit by hand.

```sh
scripts/bench                         # 100,000 accounts, 3 rounds (about 20 minutes)
BENCH_ACCOUNTS=2000 BENCH_ROUNDS=1 BENCH_SECONDS=2 BENCH_OUT=- scripts/bench   # smoke run
```

## What runs

- **Tree** (`mailldap-load ldif`, deterministic): {accounts:,} accounts in {domains:,}
  domains, {entries:,} entries; per domain `o=dNNNN.example,o=hosting,dc=myhosting,dc=example`
  with 100 accounts (inetOrgPerson + CourierMailAccount, `{{SSHA}}` password), 20 aliases,
  postmaster (the domain's admin role), abuse and a catch-all (`mail: @domain`).
- **mailldap**: release build, `mailldap import` offline, then `mailldap serve` with its
  default configuration (the article's policy, its default indexes, the LMDB engine),
  log level `{log}`. "mailldap on sled" is the same build and configuration on its first
  engine (`store_engine = "sled"`), imported from the same LDIF: the engine comparison
  through the server (docs/ENGINES.md compares sled, redb and LMDB on the store's layout
  alone, at 1M entries).
- **slapd**: back-mdb, `slapadd -q`, Courier schema from schema/, `index objectClass eq`,
  `index mail eq,sub`, `loglevel none`. "slapd" has no access lines (slapd's default
  `access to * by * read`); "slapd, article's ACLs" has benches/load/slapd-acl.conf,
  config/mailldap.toml's rules translated line by line (docs/ACL.md).
- **canned floor**: `mailldap-load canned`, ldap3_proto's codec on tokio answering every
  search with one fixed entry and every bind with success: what the protocol and runtime
  leave for a real server on that core.
- **Client**: `mailldap-load`, a separate process on one thread; closed loop, each
  connection one request at a time (dovecot: pipelined); hand-encoded BER; every answer
  checked against the tree (a wrong answer stops the benchmark). Workloads: Postfix's
  `(&(mail=A)(objectClass=CourierMailAlias))` → maildrop and
  `(&(mail=A)(objectClass=CourierMailAccount))` → mailbox, half each, 80% existing
  addresses, anonymous; simple binds as random accounts on persistent connections;
  Courier's LDAP_AUTHBIND login (new connection, search, bind, unbind); Dovecot's userdb
  lookup pipelined on one connection; rootdn writes (a password change, the add and the
  delete of an alias, in turn); an unindexed search matching nothing.
- **Measurement**: rounds: {rounds}, each run {warmup} s unmeasured then {seconds} s measured;
  within a round every workload runs against every server in turn, the order rotating
  per round. Each offline load (timed, then measured with du) starts after a `sync`,
  so that none pays for writing back the one before it. CPU is utime+stime of the
  whole process from /proc/PID/stat over the
  measured window divided by the operations; context switches are summed over the
  process's threads (/proc/PID/task/*/status); RSS from /proc/PID/status.
"""


if __name__ == "__main__":
    main(sys.argv[1])
