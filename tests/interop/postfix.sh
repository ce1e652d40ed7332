#!/usr/bin/env bash
# Postfix's own ldap: table client (postmap -q) against an LDAP server holding the
# article's tree (tests/interop/data/tree.ldif or ldif/demo.ldif).
#
# usage: postfix.sh SERVER_URI BASE [BINDDN BINDPW]
#   BASE is the suffix (dc=myhosting,dc=example); the tables search o=hosting,BASE as
#   the article does (a BASE that already starts with o=hosting is used as it is).
#   With BINDDN/BINDPW every check runs a second time with bind = yes, and a wrong
#   bind_pw must make postmap fail with a query error.
#
# The table files are the article's three LDAP sources (aliases, accounts, accountsmap)
# written out here, independent of `mailldap print-config`, so this script judges the
# server only; e2e.sh uses print-config's files.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"

[[ $# == 2 || $# == 4 ]] || die "usage: postfix.sh SERVER_URI BASE [BINDDN BINDPW]"
URI=$1
BASE=$2
BINDDN=${3:-}
BINDPW=${4:-}
case $BASE in
  o=hosting,*) SEARCH_BASE=$BASE ;;
  *) SEARCH_BASE=o=hosting,$BASE ;;
esac

require postmap postconf
new_tmpdir WORK
# postmap reads main.cf from its config directory; give it a private, empty one so the
# host's Postfix configuration (or its absence) plays no part.
mkdir -p "$WORK/conf"
echo "compatibility_level = 3.6" >"$WORK/conf/main.cf"
postconf -c "$WORK/conf" -m | grep -qx ldap || die "Postfix has no ldap: map type (install postfix-ldap)"

ALIAS_FILTER='(&(mail=%s)(objectClass=CourierMailAlias))'
ACCOUNT_FILTER='(&(mail=%s)(objectClass=CourierMailAccount))'

# write_table FILE FILTER RESULT_ATTRIBUTE BIND_MODE [BINDPW]
#   BIND_MODE no: anonymous, no Bind PDU at all; yes: bind as $BINDDN.
write_table() {
  local file=$1 filter=$2 attr=$3 bind=$4 pw=${5:-$BINDPW}
  {
    echo "server_host = $URI"
    echo "search_base = $SEARCH_BASE"
    echo "scope = sub"
    echo "query_filter = $filter"
    echo "result_attribute = $attr"
    echo "version = 3"
    echo "timeout = 10"
    echo "bind = $bind"
    if [[ $bind == yes ]]; then
      echo "bind_dn = $BINDDN"
      echo "bind_pw = $pw"
    fi
  } >"$file"
}

# lookup TABLE KEY: sets OUT, ERR and RC from `postmap -q KEY ldap:TABLE`.
lookup() {
  local errfile=$WORK/postmap.err
  OUT=$(postmap -c "$WORK/conf" -q "$2" "ldap:$1" 2>"$errfile") && RC=0 || RC=$?
  ERR=$(cat "$errfile")
}

# judge WHAT KEY PASSED WANT: the check line for the lookup just made (PASSED is 1 or
# 0), with postmap's error message as a diagnostic when it failed.
judge() {
  local what=$1 key=$2 passed=$3 want=$4
  if ((passed)); then
    ok "$what: $key -> ${OUT:-no result}"
  else
    not_ok "$what: $key -> '$OUT' (rc $RC), want $want"
    if [[ -n $ERR ]]; then diag "$ERR"; fi
  fi
}

# expect_value WHAT TABLE KEY EXPECTED: the lookup succeeds with exactly EXPECTED.
expect_value() {
  local passed=0
  lookup "$2" "$3"
  [[ $RC == 0 && $OUT == "$4" ]] && passed=1
  judge "$1" "$3" "$passed" "'$4'"
}

# expect_match WHAT TABLE KEY REGEX: the lookup succeeds with a value matching REGEX.
expect_match() {
  local passed=0
  lookup "$2" "$3"
  [[ $RC == 0 && $OUT =~ $4 ]] && passed=1
  judge "$1" "$3" "$passed" "/$4/"
}

# expect_set WHAT TABLE KEY V1,V2,...: a multi-valued result; Postfix joins the values
# with "," in server order and LDAP values are unordered, so compare as sets.
expect_set() {
  local passed=0 got_sorted want_sorted
  lookup "$2" "$3"
  got_sorted=$(tr ',' '\n' <<<"$OUT" | sort | paste -sd,)
  want_sorted=$(tr ',' '\n' <<<"$4" | sort | paste -sd,)
  [[ $RC == 0 && $got_sorted == "$want_sorted" ]] && passed=1
  judge "$1" "$3" "$passed" "the values $4"
}

# expect_none WHAT TABLE KEY: not found is exit 1 with no output and no error message
# (an error also exits 1: only the message tells them apart).
expect_none() {
  local passed=0
  lookup "$2" "$3"
  [[ $RC == 1 && -z $OUT && -z $ERR ]] && passed=1
  judge "$1" "$3" "$passed" "no result"
}

# run_checks MODE: every lookup of the article, with tables written for bind = MODE.
run_checks() {
  local mode=$1 d=$WORK/$1
  mkdir -p "$d"
  write_table "$d/aliases.cf" "$ALIAS_FILTER" maildrop "$mode"
  write_table "$d/accounts.cf" "$ACCOUNT_FILTER" mailbox "$mode"
  write_table "$d/accountsmap.cf" "$ACCOUNT_FILTER" mail "$mode"
  local A=$d/aliases.cf M=$d/accounts.cf P=$d/accountsmap.cf
  local b="bind=$mode"

  expect_value "$b alias" "$A" info@domain1.example user1@domain1.example
  expect_set "$b multi-valued alias" "$A" team@domain1.example user1@domain1.example,user2@domain1.example
  expect_value "$b account mailbox" "$M" user1@domain1.example domain1.example/user1/
  expect_value "$b accountsmap identity" "$P" user1@domain1.example user1@domain1.example
  expect_value "$b mixed-case key, mailbox" "$M" USER2@Domain1.Example domain1.example/user2/
  expect_value "$b mixed-case key, accountsmap" "$P" USER2@Domain1.Example user2@domain1.example
  expect_value "$b stored mixed-case account, accountsmap" "$P" sales@domain2.example Sales@Domain2.example
  expect_match "$b stored mixed-case account, mailbox" "$M" sales@domain2.example '^domain2\.example/[Ss]ales/$'
  expect_value "$b postmaster alias" "$A" postmaster@domain1.example postmaster
  expect_value "$b abuse alias" "$A" abuse@domain1.example abuse
  expect_value "$b postmaster alias, second domain" "$A" postmaster@domain2.example postmaster
  expect_value "$b abuse alias, second domain" "$A" abuse@domain2.example abuse
  # The catch-all, as Postfix walks it for an unknown user: user@domain in accountsmap
  # then aliases (both empty), then @domain in accountsmap (empty) then aliases (hit).
  expect_none "$b catch-all: unknown user is no account" "$P" nobody@domain2.example
  expect_none "$b catch-all: unknown user is no alias" "$A" nobody@domain2.example
  expect_none "$b catch-all: @domain is no account" "$P" @domain2.example
  expect_value "$b catch-all alias" "$A" @domain2.example sales@domain2.example
  # ...while a real account at that domain is found by accountsmap first, so the
  # catch-all never sees it (the article's reason for accountsmap).
  expect_value "$b real account not caught by the catch-all" "$P" Sales@domain2.EXAMPLE Sales@Domain2.example
  expect_none "$b no catch-all at domain1" "$A" @domain1.example
  expect_none "$b unknown user at domain1" "$P" nobody@domain1.example
  expect_none "$b unknown domain, accounts" "$M" user1@nowhere.example
  expect_none "$b unknown domain, aliases" "$A" info@nowhere.example
  expect_none "$b bare domain (trivial-rewrite asks it)" "$P" domain1.example
  expect_none "$b an alias is not an account" "$M" info@domain1.example
  expect_none "$b an account is not an alias" "$A" user1@domain1.example
  # Postfix escapes filter metacharacters (\2A, \28): they must match literally.
  expect_none "$b escaped * is no wildcard" "$P" '*@domain1.example'
  expect_none "$b escaped parentheses" "$A" 'info@domain1.example)(mail=*'

  # One connection, many searches with increasing message ids (what every Postfix
  # daemon does): postmap -q - reads keys from stdin, prints "key<TAB>value" per hit.
  local keys want got
  keys=$'user1@domain1.example\nnobody@domain1.example\nuser2@domain1.example\nsales@domain2.example\nuser1@domain1.example'
  want=$'user1@domain1.example\tdomain1.example/user1/\nuser2@domain1.example\tdomain1.example/user2/\nuser1@domain1.example\tdomain1.example/user1/'
  got=$(postmap -c "$WORK/conf" -q - "ldap:$M" <<<"$keys" 2>"$WORK/multi.err" | grep -v '^sales@') || true
  if [[ $got == "$want" && ! -s $WORK/multi.err ]] &&
    postmap -c "$WORK/conf" -q - "ldap:$M" <<<"$keys" 2>/dev/null | grep -Eq $'^sales@domain2\\.example\tdomain2\\.example/[Ss]ales/$'; then
    ok "$b several keys over one connection (postmap -q -)"
  else
    not_ok "$b several keys over one connection (postmap -q -): got"
    diag "$got"
    diag "$(cat "$WORK/multi.err")"
  fi
}

run_checks no

if [[ -n $BINDDN ]]; then
  run_checks yes
  # A wrong password: postmap must fail with the query error, not report "not found".
  write_table "$WORK/wrongpw.cf" "$ACCOUNT_FILTER" mailbox yes "not-$BINDPW"
  lookup "$WORK/wrongpw.cf" user1@domain1.example
  if [[ $RC != 0 && -z $OUT && $ERR == *"query error"* ]]; then
    ok "bind=yes with a wrong bind_pw fails with a query error"
  else
    not_ok "bind=yes with a wrong bind_pw: rc $RC, out '$OUT', want a query error"
    diag "$ERR"
  fi
fi

finish
