#!/usr/bin/env bash
# Courier authlib (authdaemond + authldap, Debian's packages, unmodified) against an LDAP
# server, configured from `mailldap print-config courier`.
#
#   courier.sh SERVER_URI BASE authbind
#   courier.sh SERVER_URI BASE servicebind BINDDN BINDPW
#
# authldap only reads /etc/courier/authdaemonrc and /etc/courier/authldaprc and listens
# on /run/courier/authdaemon/socket, all fixed paths: this script WRITES BOTH FILES
# (originals restored on exit) and holds a lock so that two runs never overlap.
# Needs MAILLDAP_BIN (for print-config) and the tree of data/tree.ldif.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"

URI=${1:?SERVER_URI}; BASE=${2:?BASE}; MODE=${3:?MODE authbind|servicebind}
require authtest /usr/lib/courier/courier-authlib/authdaemond flock timeout
case $MODE in
    authbind) ;;
    servicebind) BINDDN=${4:?BINDDN}; BINDPW=${5:?BINDPW} ;;
    *) echo "unknown MODE $MODE" >&2; exit 2 ;;
esac
echo "# courier authldap, $MODE, against $URI"

exec 9>/run/lock/mailldap-interop-courier.lock
flock -w 300 9 || { not_ok "got the courier lock within 300 s"; exit 1; }

new_tmpdir T
cp -p /etc/courier/authdaemonrc /etc/courier/authldaprc "$T/"
on_exit cp -p "$T/authdaemonrc" "$T/authldaprc" /etc/courier/

# authldaprc: print-config's output as is, except the base the caller names and, for
# servicebind, the alternative the output documents in its comments.
print_config courier "$URI" >"$T/print-config.out"
section /etc/courier/authldaprc <"$T/print-config.out" \
    | sed "s|^LDAP_BASEDN\t.*|LDAP_BASEDN\t$BASE|" >"$T/authldaprc.new"
if [ "$MODE" = servicebind ]; then
    sed -i '/^LDAP_AUTHBIND\t/d; /^LDAP_INITBIND\t/d' "$T/authldaprc.new"
    # Inserted before the marker section, which must stay last.
    sed -i "/^##NAME: MARKER:/i LDAP_AUTHBIND\t0\nLDAP_INITBIND\t1\nLDAP_BINDDN\t$BINDDN\nLDAP_BINDPW\t$BINDPW\n" \
        "$T/authldaprc.new"
fi
install -m 640 -o root -g courier "$T/authldaprc.new" /etc/courier/authldaprc
# authdaemonrc: the packaged file with print-config's module list; DEBUG_LOGIN shows
# each query in our log.
modules=$(section /etc/courier/authdaemonrc <"$T/print-config.out" | grep '^authmodulelist=')
check "print-config courier selects authldap" [ "$modules" = 'authmodulelist="authldap"' ]
sed -i "s|^authmodulelist=.*|$modules|; s|^DEBUG_LOGIN=.*|DEBUG_LOGIN=2|" /etc/courier/authdaemonrc

# Start the daemon the way Debian's /usr/sbin/authdaemond does (authdaemonrc exported
# into the environment), minus courierlogger, so it stays our child and logs to a file.
mkdir -p /run/courier/authdaemon
chown courier:courier /run/courier/authdaemon
rm -f /run/courier/authdaemon/socket
(set -a; . /etc/courier/authdaemonrc; exec /usr/lib/courier/courier-authlib/authdaemond) \
    >"$T/authdaemond.log" 2>&1 &
AUTHD_PID=$!
track_pid "$AUTHD_PID"
for _ in $(seq 100); do [ -S /run/courier/authdaemon/socket ] && break; sleep 0.1; done
check "authdaemond is listening" [ -S /run/courier/authdaemon/socket ]

# at USER [PASSWORD]: authtest's output in $OUT, its exit status returned.
at() { OUT=$(timeout 30 authtest "$@" 2>&1); }
# field NAME: the value authtest printed for NAME ("Home Directory", "Maildir", ...).
field() { sed -n "s/^ *$1: //p" <<<"$OUT" | head -n1; }

expect_account() { # LOGIN PASSWORD MAILDIR
    if at "$1" "$2"; then
        ok "authtest $1 with the right password is accepted"
        check "$1: home directory is the entry's homeDirectory" \
            [ "$(field 'Home Directory')" = /home/vmail/domains ]
        check "$1: maildir is the entry's mailbox ($3)" [ "$(field Maildir)" = "$3" ]
        check "$1: runs as the vmail uid 125" grep -q "(uid 125," <<<"$OUT"
    else
        not_ok "authtest $1 with the right password is accepted: $OUT"
    fi
}
expect_account user1@domain1.example user1 domain1.example/user1/
expect_account user2@domain1.example user2 domain1.example/user2/
# Stored as Sales@Domain2.example: the lookup must match whatever case the login has.
expect_account sales@domain2.example sales domain2.example/sales/
expect_account SALES@DOMAIN2.EXAMPLE sales domain2.example/sales/

if at user1@domain1.example wrong; then not_ok "wrong password for user1 is refused"
else ok "wrong password for user1 is refused"; fi
if at user2@domain1.example user1; then not_ok "user1's password does not open user2"
else ok "user1's password does not open user2"; fi
if at nobody@domain1.example user1; then not_ok "unknown user is refused"
else ok "unknown user is refused"; fi
# An alias has a mail attribute too; LDAP_FILTER must keep it from logging in.
if at info@domain1.example user1; then not_ok "an alias (info@) cannot log in"
else ok "an alias (info@) cannot log in"; fi

# authtest USER: the account lookup alone (what courier-imap does before a login).
if at user2@domain1.example; then
    ok "authtest user2@domain1.example (lookup without password) finds the account"
    check "lookup: maildir domain1.example/user2/" [ "$(field Maildir)" = domain1.example/user2/ ]
    if [ "$MODE" = authbind ]; then
        # Anonymous must never read userPassword: Courier then has no hash to show.
        check "anonymous lookup does not expose userPassword" \
            [ "$(field 'Encrypted Password')" = "(none)" ]
    else
        check "service DN lookup reads the stored {CRYPT} hash" \
            grep -q '^Encrypted Password: {CRYPT}\$6\$' <<<"$OUT"
    fi
else
    not_ok "authtest user2@domain1.example (lookup without password) finds the account: $OUT"
fi
if at nobody@domain1.example; then not_ok "lookup of an unknown user finds nothing"
else ok "lookup of an unknown user finds nothing"; fi

# A caller's own checks (tests/interop/admin_courier.sh), with at/field/check in scope.
if [ -n "${COURIER_EXTRA:-}" ]; then . "$COURIER_EXTRA"; fi

stop_pid "$AUTHD_PID"
if any_failed; then sed 's/^/# authdaemond: /' "$T/authdaemond.log" | tail -n 60; fi
finish
