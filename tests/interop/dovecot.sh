#!/usr/bin/env bash
# Dovecot 2.3 (Debian's dovecot-core + dovecot-ldap, unmodified) ldap passdb/userdb
# against an LDAP server, configured from `mailldap print-config dovecot`.
#
#   dovecot.sh SERVER_URI BASE BINDDN BINDPW
#
# Runs a private dovecot instance (dovecot -c TMP/dovecot.conf, every path in TMP, no
# mail protocol listening: only the auth service that doveadm talks to), first with the
# printed auth_bind = yes, then with the printed alternative auth_bind = no + dn/dnpass
# (BINDDN must be allowed to read userPassword). Needs MAILLDAP_BIN.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"

URI=${1:?SERVER_URI}; BASE=${2:?BASE}; BINDDN=${3:?BINDDN}; BINDPW=${4:?BINDPW}
require dovecot doveadm timeout
echo "# dovecot ldap passdb/userdb against $URI"

new_tmpdir T
# Dovecot's auth process runs as the dovecot user and must read the files in T.
chmod 755 "$T"
print_config dovecot "$URI" >"$T/print-config.out"

# write_conf DIR VARIANT: dovecot.conf + dovecot-ldap.conf.ext in DIR. Only paths and the
# caller's base/DN are changed; the variant switch follows the printed comments.
write_conf() {
    local dir=$1 variant=$2 ldapconf=$1/dovecot-ldap.conf.ext
    mkdir -p "$dir/run" "$dir/state"
    section /etc/dovecot/dovecot-ldap.conf.ext <"$T/print-config.out" \
        | sed "s|^base = .*|base = $BASE|" >"$ldapconf"
    if [ "$variant" = servicedn ]; then
        sed -i -e '/^auth_bind = /d' -e '/^pass_attrs = /d' \
            -e 's|^#auth_bind = no$|auth_bind = no|' \
            -e "s|^#dn = .*|dn = $BINDDN|" -e "s|^#dnpass = .*|dnpass = $BINDPW|" \
            -e 's|^#pass_attrs = |pass_attrs = |' "$ldapconf"
    fi
    chmod 644 "$ldapconf"
    {
        echo "base_dir = $dir/run"
        echo "state_dir = $dir/state"
        echo "log_path = $dir/dovecot.log"
        echo "protocols = none"
        echo "listen = 127.0.0.1"
        echo "ssl = no"
        echo "auth_mechanisms = plain"
        echo "auth_verbose = yes"
        echo "auth_debug = yes"
        # Wrong-password checks would each wait 2 s by default.
        echo "auth_failure_delay = 0"
        section /etc/dovecot/conf.d/10-auth.conf <"$T/print-config.out" \
            | sed "s|/etc/dovecot/dovecot-ldap.conf.ext|$ldapconf|"
        section /etc/dovecot/conf.d/10-mail.conf <"$T/print-config.out"
    } >"$dir/dovecot.conf"
}

# run_variant VARIANT: start the instance, run every check, stop it.
run_variant() {
    local variant=$1 dir=$T/$1 conf pid
    conf=$dir/dovecot.conf
    write_conf "$dir" "$variant"
    dovecot -F -c "$conf" &
    pid=$!
    track_pid "$pid"
    for _ in $(seq 100); do [ -S "$dir/run/auth-userdb" ] && break; sleep 0.1; done
    check "[$variant] dovecot auth service is up" [ -S "$dir/run/auth-userdb" ]

    da() { OUT=$(timeout 30 doveadm -c "$conf" "$@" 2>&1); }
    # value FIELD: doveadm user's "field<TAB>value" output.
    value() { awk -F'\t' -v f="$1" '$1 == f { print $2; exit }' <<<"$OUT"; }

    for cred in user1@domain1.example:user1 user2@domain1.example:user2 \
        sales@domain2.example:sales SALES@DOMAIN2.EXAMPLE:sales; do
        if da auth test "${cred%%:*}" "${cred#*:}"; then
            ok "[$variant] doveadm auth test ${cred%%:*} succeeds"
        else
            not_ok "[$variant] doveadm auth test ${cred%%:*} succeeds: $OUT"
        fi
    done
    if da auth test user1@domain1.example wrong; then not_ok "[$variant] wrong password fails"
    else ok "[$variant] wrong password fails"; fi
    if da auth test user2@domain1.example user1; then
        not_ok "[$variant] user1's password does not open user2"
    else ok "[$variant] user1's password does not open user2"; fi
    if da auth test nobody@domain1.example user1; then not_ok "[$variant] unknown user fails"
    else ok "[$variant] unknown user fails"; fi
    if da auth test info@domain1.example user1; then not_ok "[$variant] an alias cannot log in"
    else ok "[$variant] an alias cannot log in"; fi

    for acct in user1@domain1.example:domain1.example/user1/ \
        sales@domain2.example:domain2.example/sales/; do
        if da user "${acct%%:*}"; then
            ok "[$variant] doveadm user ${acct%%:*} finds the account"
            check "[$variant] ${acct%%:*}: home is homeDirectory/mailbox" \
                [ "$(value home)" = "/home/vmail/domains/${acct#*:}" ]
            check "[$variant] ${acct%%:*}: mail is the Maildir Postfix delivers to" \
                [ "$(value mail)" = "maildir:/home/vmail/domains/${acct#*:}" ]
            check "[$variant] ${acct%%:*}: uid 125 gid 120" \
                [ "$(value uid):$(value gid)" = 125:120 ]
        else
            not_ok "[$variant] doveadm user ${acct%%:*} finds the account (rc $?): $(tr "\n\t" "; " <<<"$OUT")"
        fi
    done
    if da user nobody@domain1.example; then not_ok "[$variant] doveadm user: unknown user not found"
    else ok "[$variant] doveadm user: unknown user not found"; fi
    # Iteration (doveadm user '*'): every account, and only accounts.
    if da user '*'; then
        check "[$variant] doveadm user '*' lists the three accounts" \
            [ "$(sort -f <<<"$OUT" | tr '\n' ' ')" = "Sales@Domain2.example user1@domain1.example user2@domain1.example " ]
        echo "# doveadm user '*': $(tr '\n' ' ' <<<"$OUT")"
    else
        not_ok "[$variant] doveadm user '*' lists the accounts: $OUT"
    fi

    stop_pid "$pid"
    if any_failed; then sed "s/^/# [$variant] dovecot: /" "$dir/dovecot.log" | tail -n 40; fi
}

run_variant authbind
run_variant servicedn
finish
