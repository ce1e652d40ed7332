# The one helper library of the interop scripts (sourced, not run).
#
# Every script prints TAP-like lines, `ok - <what>` / `not ok - <what>`, and ends with
# `finish`, which exits 1 if any check failed. Every process started here is recorded and
# stopped on exit, every temporary directory removed (set KEEP_TMP=1 to keep them for a
# post-mortem). Every wait is bounded.
#
# Variables the helpers set:
#   SLAPD_URI, SLAPD_PID, SLAPD_DIR, SLAPADD_MS   after start_slapd (conf: SLAPD_DIR/slapd.conf)
#   MAILLDAP_URI, MAILLDAP_PID, MAILLDAP_LOG      after start_mailldap
#   SUFFIX, ROOTDN, ROOTPW                        the suffix and rootdn both servers get
#   REPLICATOR_DN, REPLICATOR_PW                  the identity a syncrepl consumer binds as
#   CONSUMER_URI, CONSUMER_PID, CONSUMER_DIR      after start_consumer
#   INTEROP_DATA                                  tests/interop/data (the article's tree)
#   SCHEMA_DIR                                    the repository's schema/ directory
# Variables they read:
#   MAILLDAP_BIN                                  the mailldap binary (cargo sets it in tests)
#   SLAPD_INDEXES, SLAPD_MAXSIZE                  slapd.conf overrides (the benchmark)

INTEROP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
INTEROP_DATA=$INTEROP_DIR/data
SCHEMA_DIR=$(cd "$INTEROP_DIR/../../schema" && pwd)
SUFFIX=${SUFFIX:-dc=myhosting,dc=example}
ROOTDN=${ROOTDN:-cn=Manager,$SUFFIX}
ROOTPW=${ROOTPW:-secret}
REPLICATOR_DN=${REPLICATOR_DN:-cn=replicator,$SUFFIX}
REPLICATOR_PW=${REPLICATOR_PW:-replsecret}

_pids=()
_tmpdirs=()
_cleanup_hooks=()
_failures=0
_checks=0

# --- checks and their output ------------------------------------------------------------

# Prints `ok - WHAT`.
ok() {
  _checks=$((_checks + 1))
  echo "ok - $*"
}

# Prints `not ok - WHAT` and remembers the failure.
not_ok() {
  _checks=$((_checks + 1))
  _failures=$((_failures + 1))
  echo "not ok - $*"
}

# check WHAT CMD...: runs CMD in this shell (variables it sets stay set); ok when it
# succeeds.
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# Succeeds when any check so far failed (to print logs only then).
any_failed() {
  ((_failures > 0))
}

# Prints a diagnostic line (TAP comment) on stdout so it lands next to the checks.
diag() {
  local line
  while IFS= read -r line; do echo "# $line"; done <<<"$*"
}

# Fails the whole script at once: for missing programs and broken setups (never skip).
die() {
  echo "not ok - $*"
  exit 1
}

# Dies unless every named program is on PATH (or is an existing path).
require() {
  local prog
  for prog in "$@"; do
    command -v "$prog" >/dev/null 2>&1 || [[ -x $prog ]] || die "required program missing: $prog (run scripts/install-deps.sh)"
  done
}

# Ends the script (or stops it early): a summary, exit 1 when anything failed.
finish() {
  echo "# $_checks checks, $_failures failed"
  exit $((_failures > 0))
}

# run_labelled LABEL CMD...: runs another check script, prefixing its check lines with
# [LABEL]; returns its exit status.
run_labelled() {
  local label=$1
  shift
  "$@" 2>&1 | sed -u "s/^\(not ok\|ok\) - /\1 - [$label] /"
  return "${PIPESTATUS[0]}"
}

# --- processes, temporary directories, clean-up -----------------------------------------

# new_tmpdir VAR: a fresh directory under $TMPDIR, removed on exit, its path put in
# VAR (not printed: a command substitution would record it in a subshell and leak it).
new_tmpdir() {
  local d
  d=$(mktemp -d "${TMPDIR:-/tmp}/mailldap-interop.XXXXXX")
  _tmpdirs+=("$d")
  printf -v "$1" '%s' "$d"
}

# Remembers a pid to stop on exit.
track_pid() {
  _pids+=("$1")
}

# stop_pid PID: TERM, then KILL after 5 s; only ever a process we started.
stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

# crash_pid PID: SIGKILLs PID (a crash) and returns once it is gone, so that a restart
# does not meet the dead process's store lock or listening socket still held.
crash_pid() {
  local pid=$1
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
}

# on_exit CMD [ARGS...]: runs CMD at exit, after the tracked processes are stopped and
# before the temporary directories go, last registered first (for daemons stopped with
# their own command, like `postfix stop`, and files to put back).
on_exit() {
  _cleanup_hooks=("$(printf '%q ' "$@")" "${_cleanup_hooks[@]}")
}

_cleanup() {
  local rc=$? i hook d
  # Newest first: clients before the servers they talk to.
  for ((i = ${#_pids[@]} - 1; i >= 0; i--)); do stop_pid "${_pids[i]}"; done
  for hook in "${_cleanup_hooks[@]}"; do eval "$hook" || true; done
  if [[ ${KEEP_TMP:-0} == 1 ]]; then
    ((${#_tmpdirs[@]})) && echo "# kept: ${_tmpdirs[*]}"
  else
    for d in "${_tmpdirs[@]}"; do rm -rf "$d"; done
  fi
  exit "$rc"
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

# --- waiting for servers ----------------------------------------------------------------

# Prints a free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port HOST PORT [SECONDS]: waits until something accepts TCP connections there.
wait_port() {
  local host=$1 port=$2 secs=${3:-20} i
  for ((i = 0; i < secs * 10; i++)); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# wait_ldap URI [SECONDS]: waits until the server answers a root DSE search, which
# proves it speaks LDAP and not only accepts connections.
wait_ldap() {
  local uri=$1 secs=${2:-20} i
  for ((i = 0; i < secs * 10; i++)); do
    if ldapsearch -x -H "$uri" -b '' -s base -o nettimeout=2 '(objectClass=*)' >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# --- the two LDAP servers ---------------------------------------------------------------

# slapd_conf DIR HASH: prints the slapd.conf of a private slapd whose files live in DIR
# (database in DIR/db), rootdn $ROOTDN with the rootpw HASH: the article's schema
# (Debian's core, cosine, nis, inetorgperson; Courier's from the repository's schema/);
# anonymous may read everything but userPassword, which it may only bind with.
# SLAPD_INDEXES (slapd.conf `index` lines) and SLAPD_MAXSIZE (bytes) override the
# defaults for big trees (the benchmark); SLAPD_MODULES (more `moduleload` lines) and
# SLAPD_OVERLAYS (lines after the database's own, such as syncprov's) add to it.
slapd_conf() {
  local dir=$1 hash=$2
  local indexes=${SLAPD_INDEXES:-$'index objectClass eq\nindex mail eq'}
  cat <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
include $SCHEMA_DIR/courier.schema
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
${SLAPD_MODULES:-}
database mdb
maxsize ${SLAPD_MAXSIZE:-67108864}
suffix "$SUFFIX"
rootdn "$ROOTDN"
rootpw $hash
directory $dir/db
$indexes
access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by * read
${SLAPD_OVERLAYS:-}
EOF
}

# run_slapd DIR URI PID_VAR: Debian's /usr/sbin/slapd on DIR/slapd.conf listening on
# URI, its pid put in PID_VAR (and tracked); log (stats level) appended to
# DIR/slapd.log. Dies unless it answers within 20 s.
run_slapd() {
  local dir=$1 uri=$2
  # -d keeps it in the foreground (so the pid is ours to kill); 256 = stats: every
  # connection, bind and search with its filter, the record clients.md was made from.
  /usr/sbin/slapd -f "$dir/slapd.conf" -h "$uri/" -d 256 >>"$dir/slapd.log" 2>&1 &
  printf -v "$3" '%s' "$!"
  track_pid "$!"
  if ! wait_ldap "$uri" 20; then
    diag "$(tail -n 30 "$dir/slapd.log")"
    die "slapd did not answer on $uri"
  fi
}

# start_slapd [LDIF]: a private OpenLDAP slapd (Debian's /usr/sbin/slapd) on a free
# loopback port, configured by slapd_conf, with LDIF (default: data/tree.ldif) loaded
# with slapadd. Log (stats level) in $SLAPD_DIR/slapd.log. SLAPADD_MS is set to
# slapadd's wall time.
start_slapd() {
  local ldif=${1:-$INTEROP_DATA/tree.ldif} hash t0
  require /usr/sbin/slapd slapadd slappasswd ldapsearch
  new_tmpdir SLAPD_DIR
  mkdir -p "$SLAPD_DIR/db"
  hash=$(slappasswd -s "$ROOTPW")
  slapd_conf "$SLAPD_DIR" "$hash" >"$SLAPD_DIR/slapd.conf"
  t0=$(date +%s%N)
  if ! slapadd -f "$SLAPD_DIR/slapd.conf" -l "$ldif" >"$SLAPD_DIR/slapadd.log" 2>&1; then
    diag "$(cat "$SLAPD_DIR/slapadd.log")"
    die "slapadd of $ldif"
  fi
  SLAPADD_MS=$((($(date +%s%N) - t0) / 1000000))
  SLAPD_URI=ldap://127.0.0.1:$(free_port)
  run_slapd "$SLAPD_DIR" "$SLAPD_URI" SLAPD_PID
}

# start_consumer PROVIDER_URI SYNCREPL_TYPE [EXTRA]: an empty private slapd (slapd_conf)
# that replicates $SUFFIX from PROVIDER_URI as $REPLICATOR_DN (syncrepl rid=001, retry
# every second), SYNCREPL_TYPE being e.g. "type=refreshAndPersist", EXTRA more database
# directives (e.g. dbnosync). Sets CONSUMER_DIR,
# CONSUMER_URI and CONSUMER_PID; after stop_pid "$CONSUMER_PID",
# run_slapd "$CONSUMER_DIR" "$CONSUMER_URI" CONSUMER_PID starts it again.
start_consumer() {
  local provider=$1 type=$2 extra=${3:-}
  require /usr/sbin/slapd slappasswd ldapsearch
  new_tmpdir CONSUMER_DIR
  mkdir -p "$CONSUMER_DIR/db"
  SLAPD_INDEXES=$'index objectClass eq\nindex mail eq\nindex entryUUID,entryCSN eq' \
    SLAPD_OVERLAYS="syncrepl rid=001 provider=$provider $type searchbase=\"$SUFFIX\" bindmethod=simple binddn=\"$REPLICATOR_DN\" credentials=$REPLICATOR_PW retry=\"1 +\"
$extra" slapd_conf "$CONSUMER_DIR" "$(slappasswd -s "$ROOTPW")" >"$CONSUMER_DIR/slapd.conf"
  CONSUMER_URI=ldap://127.0.0.1:$(free_port)
  run_slapd "$CONSUMER_DIR" "$CONSUMER_URI" CONSUMER_PID
}

# ldap_dump URI: the entries below $SUFFIX as the rootdn reads them, user attributes
# and entryUUID, one line per entry (attribute names in lower case, values sorted),
# the lines sorted: two servers with the same content print the same.
ldap_dump() {
  ldapsearch -x -H "$1" -D "$ROOTDN" -w "$ROOTPW" -b "$SUFFIX" -LLL -o ldif-wrap=no \
    '(objectClass=*)' '*' entryUUID | python3 -c '
import sys
entries = []
for block in sys.stdin.read().split("\n\n"):
    lines = [l for l in block.splitlines() if l.strip()]
    if not lines:
        continue
    norm = []
    for l in lines:
        name, sep, value = l.partition(":")
        norm.append(name.lower() + sep + value)
    entries.append(" | ".join([norm[0]] + sorted(norm[1:])))
print("\n".join(sorted(entries)))
'
}

# start_mailldap DATA_DIR [ARGS...]: `mailldap serve --data DATA_DIR --listen
# 127.0.0.1:PORT ARGS...` (e.g. --demo, --config FILE) on a free port (MAILLDAP_PORT,
# when set: a restart on the same address); waits until it answers LDAP. Log appended
# to MAILLDAP_LOG, which is DATA_DIR/../mailldap.log.
start_mailldap() {
  local data=$1 port
  shift
  [[ -n ${MAILLDAP_BIN:-} && -x $MAILLDAP_BIN ]] || die "MAILLDAP_BIN is not set to the mailldap binary"
  require ldapsearch
  port=${MAILLDAP_PORT:-$(free_port)}
  MAILLDAP_LOG=$(dirname "$data")/mailldap.log
  MAILLDAP_URI=ldap://127.0.0.1:$port
  "$MAILLDAP_BIN" serve --data "$data" --listen "127.0.0.1:$port" "$@" >>"$MAILLDAP_LOG" 2>&1 &
  MAILLDAP_PID=$!
  track_pid "$MAILLDAP_PID"
  if ! wait_ldap "$MAILLDAP_URI" 30; then
    diag "$(tail -n 30 "$MAILLDAP_LOG")"
    die "mailldap did not answer on $MAILLDAP_URI"
  fi
}

# mailldap_config FILE: writes a mailldap config with the same suffix/rootdn/rootpw
# as start_slapd uses, so checks that bind as the rootdn run against both servers.
mailldap_config() {
  local file=$1
  cat >"$file" <<EOF
suffix = "$SUFFIX"
rootdn = "$ROOTDN"
rootpw = "$(slappasswd -s "$ROOTPW")"
EOF
}

# --- mailldap print-config --------------------------------------------------------------

# print_config WHAT URI: mailldap's generated client configuration.
print_config() {
  [[ -n ${MAILLDAP_BIN:-} && -x $MAILLDAP_BIN ]] || die "MAILLDAP_BIN is not set to the mailldap binary"
  "$MAILLDAP_BIN" print-config "$1" --uri "$2"
}

# section FILE: the part of print-config output (stdin) after "# ==> FILE <==".
section() {
  awk -v want="# ==> $1 <==" '/^# ==> .* <==$/ { on = ($0 == want); next } on'
}
