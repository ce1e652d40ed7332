#!/usr/bin/env bash
# Debian's unmodified slapd as a syncrepl (RFC 4533) consumer of mailldap: the article's
# tree replicated, then live changes, changes made while the consumer is down, and a
# provider killed and restarted, each followed until both servers hold the same entries
# (ldap_dump: user attributes and entryUUID, as the rootdn reads them); then Postfix's
# postmap against the consumer. docs/REPLICATION.md shows the same consumer config.
#
# usage: syncrepl.sh persist|refreshonly
#        syncrepl.sh scale N: time the initial refresh of mailldap-load's tree of N
#        accounts into an empty consumer (docs/REPLICATION.md records the figures)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"

case ${1:-} in
  persist) TYPE='type=refreshAndPersist' ;;
  refreshonly) TYPE='type=refreshOnly interval=00:00:00:01' ;;
  scale) TYPE='type=refreshAndPersist' ;;
  *) die "usage: syncrepl.sh persist|refreshonly|scale N" ;;
esac
require ldapadd ldapmodify ldapsearch python3 postmap
DOMAIN_DN=o=sync.example,o=hosting,$SUFFIX

# converge WHAT SECS: ok once the consumer holds what the provider holds, within SECS.
converge() {
  local what=$1 secs=$2 want got i
  want=$(ldap_dump "$MAILLDAP_URI")
  for ((i = 0; i < secs * 10; i++)); do
    got=$(ldap_dump "$CONSUMER_URI" 2>/dev/null || true)
    if [[ $got == "$want" ]]; then
      ok "$what: the consumer converged (~$((i * 100)) ms, $(wc -l <<<"$want") entries)"
      return 0
    fi
    sleep 0.1
  done
  not_ok "$what: the consumer differs after $secs s"
  diag "$(diff <(echo "$want") <(echo "$got") | head -n 20)"
  diag "$(tail -n 20 "$CONSUMER_DIR/slapd.log")"
}

# provider LDIF...: ldapmodify -a as the rootdn of mailldap.
provider() {
  ldapmodify -a -x -H "$MAILLDAP_URI" -D "$ROOTDN" -w "$ROOTPW" >/dev/null
}

# account NAME: the LDIF of the account NAME@sync.example.
account() {
  cat <<EOF
dn: mail=$1@sync.example,$DOMAIN_DN
objectClass: top
objectClass: inetOrgPerson
objectClass: CourierMailAccount
cn: $1
sn: $1
mail: $1@sync.example
homeDirectory: /home/vmail/domains
mailbox: sync.example/$1/
uidNumber: 125
gidNumber: 120
userPassword: {SSHA}Z225cbUy/1z0W+v5+vQ8DbLgYu2bKtke

EOF
}

# changes BATCH: 100 changes in o=sync.example: 50 adds, 25 modifies, 10 renames, 15
# deletes.
changes() {
  local b=$1 i
  for i in $(seq 50); do account "$b-$i"; done
  for i in $(seq 25); do
    printf 'dn: mail=%s@sync.example,%s\nchangetype: modify\nreplace: cn\ncn: changed %s\n\n' "$b-$i" "$DOMAIN_DN" "$i"
  done
  for i in $(seq 26 35); do
    printf 'dn: mail=%s@sync.example,%s\nchangetype: modrdn\nnewrdn: mail=%s-renamed@sync.example\ndeleteoldrdn: 1\n\n' "$b-$i" "$DOMAIN_DN" "$b-$i"
  done
  for i in $(seq 36 50); do
    printf 'dn: mail=%s@sync.example,%s\nchangetype: delete\n\n' "$b-$i" "$DOMAIN_DN"
  done
}

new_tmpdir D
mailldap_config "$D/mailldap.toml"
cat >>"$D/mailldap.toml" <<EOF
log_level = "debug"

[syncprov]
sessionlog = 1000

# The consumer reads the whole tree in one search.
[[limits.by]]
who = "dn:$REPLICATOR_DN"
size = 0
time = 0
EOF
TREE=$INTEROP_DATA/tree.ldif
if [[ $1 == scale ]]; then
  TREE=$D/tree.ldif
  "$(dirname "$MAILLDAP_BIN")/mailldap-load" ldif --accounts "${2:?accounts}" --out "$TREE"
  t0=$(date +%s%N)
fi
"$MAILLDAP_BIN" import --config "$D/mailldap.toml" --data "$D/data" "$TREE" >/dev/null
[[ $1 == scale ]] && diag "mailldap import of $(grep -c '^dn:' "$TREE") entries: $((($(date +%s%N) - t0) / 1000000)) ms"
start_mailldap "$D/data" --config "$D/mailldap.toml"
provider <<EOF
dn: $REPLICATOR_DN
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: replicator
userPassword: $REPLICATOR_PW

dn: $DOMAIN_DN
objectClass: top
objectClass: organization
o: sync.example
EOF

if [[ $1 == scale ]]; then
  # Converged when the consumer's contextCSN (set from the refresh's final cookie)
  # is the provider's: a dump of a large tree would take longer than its refresh.
  context() {
    ldapsearch -x -H "$1" -D "$ROOTDN" -w "$ROOTPW" -b "$SUFFIX" -s base -LLL contextCSN 2>/dev/null |
      sed -n 's/^contextCSN: //p'
  }
  want=$(context "$MAILLDAP_URI")
  SLAPD_MAXSIZE=$((8 << 30))
  t0=$(date +%s%N)
  # SYNC_DBNOSYNC=1: the consumer does not fsync each entry it writes (slapd's
  # dbnosync), so the time is the provider's and the network's rather than the disk's.
  start_consumer "$MAILLDAP_URI" "$TYPE" "$([[ ${SYNC_DBNOSYNC:-0} == 1 ]] && echo dbnosync)"
  limit=$((SECONDS + ${SYNC_LIMIT_SECS:-7200}))
  until [[ $(context "$CONSUMER_URI") == "$want" ]]; do
    ((SECONDS < limit)) || die "the consumer did not converge within ${SYNC_LIMIT_SECS:-7200} s"
    sleep 0.5
  done
  ms=$((($(date +%s%N) - t0) / 1000000))
  # slapcat reads the consumer's database beside it (slapd's size limit binds searches).
  count=$(slapcat -f "$CONSUMER_DIR/slapd.conf" 2>/dev/null | grep -c '^dn:')
  ok "an empty slapd consumer converged on $count entries in $ms ms (dbnosync=${SYNC_DBNOSYNC:-0})"
  finish
fi

# Access control applies to a sync search as to any: anonymous gets no passwords.
anon=$(ldapsearch -x -H "$MAILLDAP_URI" -b "$SUFFIX" -LLL -E '!sync=ro' '(objectClass=*)' userPassword)
check "an anonymous sync search reads no userPassword" \
  test "$(grep -c '^userPassword' <<<"$anon" || true)" = 0
repl=$(ldapsearch -x -H "$MAILLDAP_URI" -D "$REPLICATOR_DN" -w "$REPLICATOR_PW" -b "$SUFFIX" -LLL \
  -E '!sync=ro' '(objectClass=*)' userPassword)
check "the replicator's sync search reads userPassword" \
  test "$(grep -c '^userPassword' <<<"$repl" || true)" -ge 3

start_consumer "$MAILLDAP_URI" "$TYPE"
converge "initial refresh of the article's tree" 30

account live | provider
converge "a live add" 2
printf 'dn: mail=live@sync.example,%s\nchangetype: modify\nreplace: sn\nsn: Modified\n' "$DOMAIN_DN" | provider
converge "a live modify" 2
printf 'dn: mail=live@sync.example,%s\nchangetype: modrdn\nnewrdn: mail=moved@sync.example\ndeleteoldrdn: 1\n' "$DOMAIN_DN" | provider
converge "a live modrdn" 2
printf 'dn: mail=moved@sync.example,%s\nchangetype: delete\n' "$DOMAIN_DN" | provider
converge "a live delete" 2

# Many consumers at once (persist): 20 persistent searches all see one change, and
# each ends cleanly when its client goes.
if [[ $1 == persist ]]; then
  require stdbuf
  followers=()
  for i in $(seq 20); do
    stdbuf -oL ldapsearch -x -H "$MAILLDAP_URI" -D "$REPLICATOR_DN" -w "$REPLICATOR_PW" -b "$SUFFIX" \
      -E '!sync=rp' '(objectClass=*)' cn >"$D/follower-$i.out" 2>&1 &
    followers+=("$!")
    track_pid "$!"
  done
  ready() { [[ $(grep -l 'switching to persist stage' "$D"/follower-*.out 2>/dev/null | wc -l) == 20 ]]; }
  for _ in $(seq 300); do ready && break; sleep 0.1; done
  check "20 persistent searches at once reach the persist stage" ready
  account many | provider
  seen() { [[ $(grep -l '^dn: mail=many@sync.example' "$D"/follower-*.out | wc -l) == 20 ]]; }
  for _ in $(seq 20); do seen && break; sleep 0.1; done
  check "each of the 20 sees a live add within 2 s" seen
  ended_before=$(grep -c 'SYNC persist ended' "$MAILLDAP_LOG" || true)
  for pid in "${followers[@]}"; do stop_pid "$pid"; done
  ended() { (($(grep -c 'SYNC persist ended' "$MAILLDAP_LOG") >= ended_before + 20)); }
  for _ in $(seq 50); do ended && break; sleep 0.1; done
  check "their persistent searches end when the clients go" ended
fi

stop_pid "$CONSUMER_PID"
changes offline | provider
run_slapd "$CONSUMER_DIR" "$CONSUMER_URI" CONSUMER_PID
converge "100 changes (15 deletes) while the consumer was stopped" 30

# The provider dies (no clean shutdown) while the consumer follows it; restarted on the
# same address, the consumer's cookie still gets a delta from the durable session log.
changes before-kill | provider
crash_pid "$MAILLDAP_PID"
MAILLDAP_PORT=${MAILLDAP_URI##*:} start_mailldap "$D/data" --config "$D/mailldap.toml"
changes after-restart | provider
converge "a provider restart in the middle of the sync" 30
grep -q 'phase=delta' "$MAILLDAP_LOG" && ok "a returning consumer got a delta" \
  || not_ok "a returning consumer got a delta (log: $(grep -o 'phase=[a-z]*' "$MAILLDAP_LOG" | sort | uniq -c | tr '\n' ' '))"

run_labelled "postmap against the consumer" bash "$INTEROP_DIR/postfix.sh" "$CONSUMER_URI" "$SUFFIX" "$ROOTDN" "$ROOTPW" \
  || not_ok "postfix.sh against the slapd consumer"
run_labelled "postmap against the provider" bash "$INTEROP_DIR/postfix.sh" "$MAILLDAP_URI" "$SUFFIX" "$ROOTDN" "$ROOTPW" \
  || not_ok "postfix.sh against mailldap"
if any_failed; then diag "$(tail -n 60 "$MAILLDAP_LOG")"; fi
finish
