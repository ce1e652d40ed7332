# Checks for what `mailldap domain|account|alias|postmaster` created, with the real mail
# stack: sourced by e2e.sh (E2E_EXTRA=tests/interop/admin.sh) after its own checks, so
# Postfix (configured by print-config), its ldap tables ($PF) and Dovecot ($DC) are up
# and e2e.sh's helpers (smtp, expect_*, ok, not_ok, diag) are in scope.
#
# The caller (tests/admin_cli.rs) has run, against the same server, as the rootdn:
#   mailldap domain add example.org
#   mailldap account add john@example.org     (password $ADMIN_JOHN_PW)
#   mailldap alias add info@example.org john@example.org
# and exports MAILLDAP_URI / MAILLDAP_PASSWORD_FILE so that `mailldap account disable`
# here binds as the rootdn.
: "${ADMIN_JOHN_PW:?ADMIN_JOHN_PW must hold the password of john@example.org}"
ADMIN_MAILDIR=$VMAIL/example.org/john

# expect_map WHAT KEY TABLE WANT: postmap -q KEY on one of print-config's tables prints WANT.
expect_map() {
  local got
  got=$(postmap -c "$PF" -q "$2" "ldap:$PF/$3" 2>&1) || true
  if [[ $got == "$4" ]]; then
    ok "$1: postmap -q $2 $3 = $4"
  else
    not_ok "$1: postmap -q $2 $3 = '$got', want '$4'"
  fi
}

# expect_no_map WHAT KEY TABLE: postmap -q KEY finds nothing (exit 1, no output).
expect_no_map() {
  local got rc=0
  got=$(postmap -c "$PF" -q "$2" "ldap:$PF/$3" 2>&1) || rc=$?
  if [[ $rc == 1 && -z $got ]]; then
    ok "$1: postmap -q $2 $3 finds nothing"
  else
    not_ok "$1: postmap -q $2 $3: rc $rc, '$got'"
  fi
}

expect_map "domain add" example.org ldap-domains.cf example.org
expect_map "domain add: postmaster@ is routed" postmaster@example.org ldap-aliases.cf postmaster
expect_map "domain add: abuse@ is routed" abuse@example.org ldap-aliases.cf abuse
expect_map "account add" john@example.org ldap-accounts.cf example.org/john/
expect_map "account add" john@example.org ldap-accountsmap.cf john@example.org
expect_map "alias add" info@example.org ldap-aliases.cf john@example.org

M_NEW=cli-account-$RANDOM$RANDOM
M_INFO=cli-alias-$RANDOM$RANDOM
expect_accepted "CLI-made account" john@example.org "$M_NEW"
expect_accepted "CLI-made alias" info@example.org "$M_INFO"
expect_delivered "CLI-made account" "$ADMIN_MAILDIR" "$M_NEW"
expect_delivered "CLI-made alias info@ -> john" "$ADMIN_MAILDIR" "$M_INFO"
expect_imap "CLI-made account" john@example.org "$ADMIN_JOHN_PW" "$M_NEW" "$M_INFO"

# doveadm, through the Dovecot instance e2e.sh started.
if out=$(doveadm -c "$DC/dovecot.conf" auth test john@example.org "$ADMIN_JOHN_PW" 2>&1); then
  ok "doveadm auth test john@example.org with the password given to account add"
else
  not_ok "doveadm auth test john@example.org: $out"
fi
if out=$(doveadm -c "$DC/dovecot.conf" user -f home john@example.org 2>&1) && [[ $out == "$ADMIN_MAILDIR/" ]]; then
  ok "doveadm user john@example.org: home is the derived Maildir"
else
  not_ok "doveadm user john@example.org: '$out', want $ADMIN_MAILDIR/"
fi

# disable: Postfix no longer knows the account (print-config's filter), so SMTP refuses
# its mail at RCPT; enable brings it back.
if out=$("$MAILLDAP_BIN" account disable john@example.org 2>&1); then
  ok "mailldap account disable john@example.org"
else
  not_ok "mailldap account disable john@example.org: $out"
fi
expect_no_map "disabled account" john@example.org ldap-accounts.cf
expect_no_map "disabled account" john@example.org ldap-accountsmap.cf
expect_rejected "disabled account" john@example.org '^550 5\.1\.1 '
if out=$("$MAILLDAP_BIN" account enable john@example.org 2>&1); then
  ok "mailldap account enable john@example.org"
else
  not_ok "mailldap account enable john@example.org: $out"
fi
expect_map "enabled again" john@example.org ldap-accounts.cf example.org/john/
M_BACK=cli-enabled-$RANDOM$RANDOM
expect_accepted "enabled again" john@example.org "$M_BACK"
expect_delivered "enabled again" "$ADMIN_MAILDIR" "$M_BACK"
