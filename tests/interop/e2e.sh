#!/usr/bin/env bash
# The whole article, end to end, with the real programs: a private Postfix configured
# from `mailldap print-config postfix` accepts mail over SMTP on a loopback port and
# delivers it with virtual(8) into Maildirs under a temporary vmail base; a private
# Dovecot authenticates IMAP logins against the same LDAP server (auth_bind) and serves
# the delivered message.
#
# usage: e2e.sh SERVER_URI BASE
#   SERVER_URI: the LDAP server holding the article's tree (mailldap or slapd)
#   BASE: its suffix (dc=myhosting,dc=example)
# env: MAILLDAP_BIN (for print-config), KEEP_TMP=1 keeps the temporary tree.
#
# print-config's output is used as printed; sed only moves its paths (/etc/postfix,
# /home/vmail/domains) into the temporary directory. The vmail owner is print-config's
# uid/gid (the article's 125/120), used numerically: no account is created.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"

[[ $# == 2 ]] || die "usage: e2e.sh SERVER_URI BASE"
URI=$1
BASE=$2
HOSTING=o=hosting,${BASE#o=hosting,}

require postfix postconf postmap dovecot python3
[[ -x /usr/lib/postfix/sbin/virtual ]] || die "Postfix virtual(8) missing"
[[ -n ${MAILLDAP_BIN:-} && -x $MAILLDAP_BIN ]] || die "MAILLDAP_BIN is not set to the mailldap binary"

new_tmpdir W
# virtual(8) and Dovecot's imap run as the vmail uid and must reach the vmail base.
chmod 755 "$W"
PF=$W/postfix           # Postfix config_directory
VMAIL=$W/vmail          # virtual_mailbox_base
mkdir -p "$PF" "$VMAIL" "$W/queue" "$W/data" "$W/dovecot"
# data_directory belongs to mail_owner; the queue directory stays root's (postfix-script
# creates its subdirectories with the right owners).
chown postfix "$W/data"
SMTP_PORT=$(free_port)
IMAP_PORT=$(free_port)
MAILLOG=$W/maillog

# --- Postfix, configured by print-config ---------------------------------------------
if ! "$MAILLDAP_BIN" print-config postfix --uri "$URI" >"$W/print-config.out" 2>"$W/print-config.err"; then
  diag "$(cat "$W/print-config.err")"
  die "mailldap print-config postfix --uri $URI"
fi
# Move the paths into the sandbox; nothing else is changed.
sed -e "s#/etc/postfix/#$PF/#g" -e "s#/home/vmail/domains#$VMAIL#g" "$W/print-config.out" >"$W/print-config.sandboxed"
# Split at the "# --- /path ---" headers into the files they name.
awk -v dir="$PF/" '
  /^# --- .* ---$/ { f = $3; if (index(f, dir) != 1) { print "path outside the sandbox: " f > "/dev/stderr"; exit 1 } next }
  f { print > f }
' "$W/print-config.sandboxed" || die "print-config output names a path outside the sandbox"
for f in ldap-aliases.cf ldap-accounts.cf ldap-accountsmap.cf main.cf; do
  [[ -s $PF/$f ]] || die "print-config printed no $f"
done
mv "$PF/main.cf" "$W/printed-main.cf"
if grep -q "search_base = $HOSTING\$" "$PF/ldap-accounts.cf"; then
  ok "print-config search base is $HOSTING"
else
  not_ok "print-config search base: $(grep search_base "$PF/ldap-accounts.cf")"
fi
VMAIL_UID=$(sed -n 's/^virtual_uid_maps = static:\([0-9]*\)$/\1/p' "$W/printed-main.cf")
VMAIL_GID=$(sed -n 's/^virtual_gid_maps = static:\([0-9]*\)$/\1/p' "$W/printed-main.cf")
[[ -n $VMAIL_UID && -n $VMAIL_GID ]] || die "print-config main.cf has no static uid/gid maps"
chown "$VMAIL_UID:$VMAIL_GID" "$VMAIL"

cat >"$PF/main.cf" <<EOF
# A private instance: every path in the sandbox, loopback only, nothing relayed.
compatibility_level = 3.6
queue_directory = $W/queue
data_directory = $W/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $MAILLOG
# maillog_file must start with one of these (default /var, /dev/stdout).
maillog_file_prefixes = $W
myhostname = mx.myhosting.example
mydomain = myhosting.example
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
# The test client is on loopback too: do not let mynetworks make it a relay client, so
# a foreign domain gets the 554 a stranger would get.
smtpd_relay_restrictions = reject_unauth_destination
relayhost =
alias_maps =
alias_database =
biff = no
smtpd_banner = \$myhostname ESMTP
# Generous for a slow shared CI box; a lookup failure shows up as a 4xx, never a hang.
smtpd_timeout = 60s

# ---- from mailldap print-config postfix ----
$(grep -v '^#' "$W/printed-main.cf")
EOF

cat >"$PF/master.cf" <<EOF
# service type private unpriv chroot wakeup maxproc command
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
local     unix - n n - - local
virtual   unix - n n - - virtual
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF

stop_postfix() {
  postfix -c "$PF" stop >/dev/null 2>&1 || true
  local pidfile=$W/queue/pid/master.pid pid
  if [[ -f $pidfile ]]; then
    pid=$(tr -d ' ' <"$pidfile")
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null || true
  fi
}
on_exit stop_postfix

show_maillog() {
  diag "--- maillog ---"
  if [[ -f $MAILLOG ]]; then diag "$(tail -n 60 "$MAILLOG")"; fi
}

if ! postfix -c "$PF" check >"$W/postfix-check.log" 2>&1 || ! postfix -c "$PF" start >"$W/postfix-start.log" 2>&1; then
  diag "$(cat "$W"/postfix-*.log 2>/dev/null)"
  show_maillog
  die "postfix -c $PF start"
fi
if wait_port 127.0.0.1 "$SMTP_PORT" 30; then
  ok "Postfix listens on 127.0.0.1:$SMTP_PORT"
else
  show_maillog
  die "Postfix smtpd did not listen on $SMTP_PORT"
fi

# --- SMTP ----------------------------------------------------------------------------
# smtp RCPT MARKER: sends one message to RCPT over SMTP; prints "accepted" or the RCPT
# reply ("550 5.1.1 ...") and exits 0 either way; other failures exit 1.
smtp() {
  python3 - "$SMTP_PORT" "$1" "$2" <<'PY'
import smtplib, sys
port, rcpt, marker = int(sys.argv[1]), sys.argv[2], sys.argv[3]
msg = (f"From: tester@client.example\r\nTo: {rcpt}\r\nSubject: {marker}\r\n\r\n"
       f"Body of {marker}.\r\n")
with smtplib.SMTP("127.0.0.1", port, timeout=60) as s:
    s.ehlo("client.example")
    code, reply = s.mail("tester@client.example")
    if code != 250:
        sys.exit(f"MAIL FROM refused: {code} {reply!r}")
    code, reply = s.rcpt(rcpt)
    if code not in (250, 251):
        print(code, reply.decode(errors="replace"))
        sys.exit(0)
    code, reply = s.data(msg)
    if code != 250:
        sys.exit(f"DATA refused: {code} {reply!r}")
    print("accepted")
PY
}

# expect_accepted WHAT RCPT MARKER
expect_accepted() {
  local out
  if out=$(smtp "$2" "$3" 2>&1) && [[ $out == accepted ]]; then
    ok "$1: SMTP accepts mail for $2"
  else
    not_ok "$1: SMTP for $2: $out"
    show_maillog
  fi
}

# expect_rejected WHAT RCPT REGEX
expect_rejected() {
  local out
  if out=$(smtp "$2" "rejected-$RANDOM" 2>&1) && [[ $out =~ $3 ]]; then
    ok "$1: RCPT TO:<$2> refused: $out"
  else
    not_ok "$1: RCPT TO:<$2>: '$out', want /$3/"
    show_maillog
  fi
}

# expect_delivered WHAT MAILDIR MARKER: waits until a message with MARKER is in
# MAILDIR/new, written by the vmail uid.
expect_delivered() {
  local what=$1 md=$2 marker=$3 f
  for _ in $(seq 300); do
    f=$(grep -l -s -- "Subject: $marker" "$md"/new/* 2>/dev/null | head -n 1) || true
    [[ -n $f ]] && break
    sleep 0.1
  done
  if [[ -z $f ]]; then
    not_ok "$what: no message '$marker' in ${md#"$W"/}/new"
    show_maillog
    diag "$(cd "$W" && find vmail -ls 2>/dev/null | head -n 30)"
  elif [[ $(stat -c %u:%g "$f") != "$VMAIL_UID:$VMAIL_GID" ]]; then
    not_ok "$what: ${f#"$W"/} owned by $(stat -c %u:%g "$f"), want $VMAIL_UID:$VMAIL_GID"
  else
    ok "$what: delivered into ${f#"$W"/}"
  fi
}

# expect_not_delivered WHAT MAILDIR MARKER: after the others arrived, MARKER is not there.
expect_not_delivered() {
  if grep -q -s -- "Subject: $3" "$2"/new/* 2>/dev/null; then
    not_ok "$1: '$3' also landed in ${2#"$W"/}"
  else
    ok "$1"
  fi
}

U1=$VMAIL/domain1.example/user1
U2=$VMAIL/domain1.example/user2
SALES_MBOX=$(postmap -c "$PF" -q sales@domain2.example "ldap:$PF/ldap-accounts.cf" 2>/dev/null) || true
SALES=$VMAIL/${SALES_MBOX%/}
M_DIRECT=direct-$RANDOM$RANDOM
M_ALIAS=alias-$RANDOM$RANDOM
M_TEAM=team-$RANDOM$RANDOM
M_CATCH=catchall-$RANDOM$RANDOM
M_SALES=sales-$RANDOM$RANDOM

expect_accepted "account" user1@domain1.example "$M_DIRECT"
expect_accepted "alias" info@domain1.example "$M_ALIAS"
expect_accepted "multi-valued alias" team@domain1.example "$M_TEAM"
expect_accepted "catch-all" "random-$RANDOM@domain2.example" "$M_CATCH"
expect_accepted "account in a catch-all domain, mixed case" SALES@domain2.example "$M_SALES"
expect_rejected "unknown user at a hosted domain without catch-all" nobody@domain1.example '^550 5\.1\.1 '
expect_rejected "unknown domain is not relayed" user1@nowhere.example '^554 5\.7\.1 '

expect_delivered "account" "$U1" "$M_DIRECT"
expect_delivered "alias info@ -> user1" "$U1" "$M_ALIAS"
expect_delivered "alias team@ -> user1" "$U1" "$M_TEAM"
expect_delivered "alias team@ -> user2" "$U2" "$M_TEAM"
expect_delivered "catch-all @domain2.example -> sales" "$SALES" "$M_CATCH"
expect_delivered "real account at the catch-all domain" "$SALES" "$M_SALES"
expect_not_delivered "the alias went only to its target" "$U2" "$M_ALIAS"
# Mail for an account goes through virtual_alias_maps too: accountsmap maps it to
# itself, so the catch-all does not duplicate it (one copy, not two).
n=$(grep -l -s -- "Subject: $M_SALES" "$SALES"/new/* 2>/dev/null | wc -l) || true
if [[ $n == 1 ]]; then ok "the account's own mail is delivered once"; else not_ok "the account's own mail: $n copies"; fi

# --- IMAP through Dovecot, passwords checked by the LDAP server ----------------------
DC=$W/dovecot
mkdir -p "$DC/run" "$DC/state"
cat >"$DC/ldap.conf.ext" <<EOF
uris = $URI
ldap_version = 3
base = $HOSTING
scope = subtree
deref = never
# The user's password is checked by binding as the entry's DN (the article's
# LDAP_AUTHBIND, Dovecot's auth_bind): userPassword is never read.
auth_bind = yes
pass_filter = (&(objectClass=CourierMailAccount)(mail=%u))
user_filter = (&(objectClass=CourierMailAccount)(mail=%u))
# The login name becomes the stored address (Dovecot's default, uid=user, would rename
# user1@domain1.example to the entry's uid "user1" and the userdb search would miss).
pass_attrs = mail=user
# The Maildir is mailbox under the (temporary) vmail base, the same path virtual(8)
# was given; homeDirectory holds the real base, which the sandbox does not use.
user_attrs = =home=$VMAIL/%{ldap:mailbox}, =mail=maildir:~/, =uid=$VMAIL_UID, =gid=$VMAIL_GID
EOF
cat >"$DC/dovecot.conf" <<EOF
base_dir = $DC/run
state_dir = $DC/state
log_path = $DC/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = $VMAIL_UID
last_valid_uid = $VMAIL_UID
default_internal_user = dovecot
default_login_user = dovenull
passdb {
  driver = ldap
  args = $DC/ldap.conf.ext
}
userdb {
  driver = ldap
  args = $DC/ldap.conf.ext
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0600
  }
}
EOF
dovecot -F -c "$DC/dovecot.conf" >"$DC/stdout.log" 2>&1 &
track_pid $!
if wait_port 127.0.0.1 "$IMAP_PORT" 30; then
  ok "Dovecot listens on 127.0.0.1:$IMAP_PORT"
else
  diag "$(cat "$DC/stdout.log" "$DC/dovecot.log" 2>/dev/null | tail -n 30)"
  die "Dovecot did not listen on $IMAP_PORT"
fi

# imap USER PASSWORD MARKER...: logs in, prints "login ok" or "login refused", then for
# each marker "found MARKER" when a message with that subject has the expected body.
imap() {
  python3 - "$IMAP_PORT" "$@" <<'PY'
import imaplib, sys
port, user, password, markers = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
m = imaplib.IMAP4("127.0.0.1", port, timeout=60)
try:
    m.login(user, password)
except imaplib.IMAP4.error:
    print("login refused")
    sys.exit(0)
print("login ok")
m.select("INBOX", readonly=True)
for marker in markers:
    typ, data = m.search(None, "SUBJECT", marker)
    for num in data[0].split():
        typ, parts = m.fetch(num, "(BODY.PEEK[TEXT])")
        if any(isinstance(p, tuple) and f"Body of {marker}.".encode() in p[1] for p in parts):
            print("found", marker)
m.logout()
PY
}

# expect_imap WHAT USER PASSWORD MARKER...
expect_imap() {
  local what=$1 user=$2 pw=$3 out marker
  shift 3
  out=$(imap "$user" "$pw" "$@" 2>&1) || true
  if [[ $out != "login ok"* ]]; then
    not_ok "$what: IMAP LOGIN $user: $out"
    diag "$(tail -n 20 "$DC/dovecot.log" 2>/dev/null)"
    return
  fi
  ok "$what: IMAP LOGIN $user with its LDAP password"
  for marker in "$@"; do
    if grep -qx "found $marker" <<<"$out"; then
      ok "$what: $user reads '$marker' over IMAP"
    else
      not_ok "$what: $user cannot FETCH '$marker' over IMAP"
      diag "$(tail -n 20 "$DC/dovecot.log" 2>/dev/null)"
    fi
  done
}

expect_imap "account" user1@domain1.example user1 "$M_DIRECT" "$M_ALIAS" "$M_TEAM"
expect_imap "second account" user2@domain1.example user2 "$M_TEAM"
expect_imap "mixed-case account" Sales@Domain2.example sales "$M_CATCH" "$M_SALES"
out=$(imap user1@domain1.example wrong-password 2>&1) || true
if [[ $out == "login refused" ]]; then
  ok "IMAP LOGIN with a wrong password is refused"
else
  not_ok "IMAP LOGIN with a wrong password: $out"
fi
out=$(imap nobody@domain1.example user1 2>&1) || true
if [[ $out == "login refused" ]]; then
  ok "IMAP LOGIN of an unknown user is refused"
else
  not_ok "IMAP LOGIN of an unknown user: $out"
fi

# A caller's own checks (tests/interop/admin.sh), run with every helper above in scope.
if [[ -n ${E2E_EXTRA:-} ]]; then
  # shellcheck source=/dev/null
  source "$E2E_EXTRA"
fi

finish
