# Helpers shared by courier.sh, dovecot.sh and migration.sh (sourced, not run).
# TAP-like output: every check prints "ok - WHAT" or "not ok - WHAT"; the caller's exit
# status is non-zero when any check failed.

MDA_DATA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/data_mda"
MDA_FAILS=0
MDA_CLEANUP=()

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; MDA_FAILS=$((MDA_FAILS + 1)); }

# check WHAT CMD...: runs CMD, ok when it succeeds.
check() {
    local what=$1; shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# need PROG...: a missing program is a failure, never a skip (INTEROP.md).
need() {
    local p
    for p in "$@"; do
        command -v "$p" >/dev/null 2>&1 || { not_ok "program $p is installed"; exit 1; }
    done
}

# on_exit CMD: run CMD at exit, last registered first (processes before files).
on_exit() { MDA_CLEANUP=("$*" "${MDA_CLEANUP[@]}"); }
mda_cleanup() {
    local c
    for c in "${MDA_CLEANUP[@]}"; do eval "$c" || true; done
}
trap mda_cleanup EXIT

# mda_finish: the script's last line; exit status says whether every check passed.
mda_finish() {
    if [ "$MDA_FAILS" -eq 0 ]; then echo "# all checks passed"; exit 0; fi
    echo "# $MDA_FAILS check(s) failed"; exit 1
}

free_port() {
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# wait_port PORT [SECONDS]: until something accepts on 127.0.0.1:PORT.
wait_port() {
    local port=$1 tries=$(( ${2:-10} * 10 ))
    while [ "$tries" -gt 0 ]; do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.1; tries=$((tries - 1))
    done
    return 1
}

# stop_pid PID: TERM, then KILL after 5 s; only ever the process we started.
stop_pid() {
    local pid=$1 i
    kill "$pid" 2>/dev/null || return 0
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
}

# start_slapd DIR LDIF: a private slapd with the article's schema and LDIF loaded by
# slapadd, on a free loopback port. Sets SLAPD_URI and SLAPD_PID; its log is DIR/slapd.log.
# rootdn cn=Manager,dc=myhosting,dc=example, password "secret".
start_slapd() {
    local dir=$1 ldif=$2 port
    mkdir -p "$dir/db"
    cat >"$dir/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
include $MDA_DATA/courier.schema
pidfile $dir/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
directory $dir/db
suffix "dc=myhosting,dc=example"
rootdn "cn=Manager,dc=myhosting,dc=example"
rootpw {SSHA}a2MrqZnobMepfx2UJZg9Q9Gz9hwb7yAZ
index objectClass pres,eq
index mail,cn eq,sub
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
CONF
    slapadd -q -f "$dir/slapd.conf" -l "$ldif" >"$dir/slapadd.log" 2>&1 \
        || { cat "$dir/slapadd.log"; return 1; }
    port=$(free_port)
    SLAPD_URI="ldap://127.0.0.1:$port"
    # -d stats keeps slapd in the foreground and logs every operation the clients send.
    slapd -f "$dir/slapd.conf" -h "$SLAPD_URI" -d stats >"$dir/slapd.log" 2>&1 &
    SLAPD_PID=$!
    on_exit stop_pid "$SLAPD_PID"
    wait_port "$port" 10
}

# start_mailldap CONFIG DATA_DIR: mailldap on a free port serving DATA_DIR. Sets
# MAILLDAP_URI and MAILLDAP_PID; its log is DATA_DIR.log.
start_mailldap() {
    local config=$1 data=$2 port
    port=$(free_port)
    MAILLDAP_URI="ldap://127.0.0.1:$port"
    "${MAILLDAP_BIN:?MAILLDAP_BIN must name the mailldap binary}" serve --config "$config" \
        --listen "127.0.0.1:$port" --data "$data" >"$data.log" 2>&1 &
    MAILLDAP_PID=$!
    on_exit stop_pid "$MAILLDAP_PID"
    wait_port "$port" 10
}

# run_checks LABEL SCRIPT ARGS...: runs another check script, labelling its lines;
# returns its exit status.
run_checks() {
    local label=$1; shift
    "$@" 2>&1 | sed -u "s/^\(not ok\|ok\) - /\1 - [$label] /"
    return "${PIPESTATUS[0]}"
}

# print_config WHAT URI: mailldap's generated client configuration.
print_config() {
    "${MAILLDAP_BIN:?MAILLDAP_BIN must name the mailldap binary}" print-config "$1" --uri "$2"
}

# section FILE_HEADER: the part of print-config output (stdin) after "# ==> FILE <==".
section() {
    awk -v want="# ==> $1 <==" '/^# ==> .* <==$/ { on = ($0 == want); next } on'
}
