#!/usr/bin/env bash
# Installs the real programs the interop tests drive (tests/interop/): slapd and
# ldap-utils for the migration side, Postfix with its LDAP map, Courier authlib with its
# LDAP module, Dovecot IMAP with its LDAP driver, the password tools the tests use
# to make hashes (python3 for hashlib fixtures; libcrypt-dev to link yescrypt support),
# and strace, which tests/reliability_crash.rs runs the server under (fsync discipline).
# Runs apt only when something is missing, never prompts.
set -euo pipefail

# Debian package -> a file it installs that proves it is there.
declare -A probe=(
  [ldap-utils]=/usr/bin/ldapsearch
  [slapd]=/usr/sbin/slapd
  [postfix]=/usr/sbin/postfix
  [postfix-ldap]=/usr/lib/postfix/postfix-ldap.so
  [courier-authlib-ldap]=/usr/lib/courier-authlib/libauthldap.so
  [courier-authdaemon]=/usr/sbin/authdaemond
  [dovecot-imapd]=/usr/lib/dovecot/imap
  [dovecot-ldap]=/usr/lib/dovecot/modules/auth/libauthdb_ldap.so
  [argon2]=/usr/bin/argon2
  [whois]=/usr/bin/mkpasswd
  [openssl]=/usr/bin/openssl
  [python3]=/usr/bin/python3
  [libcrypt-dev]=/usr/include/crypt.h
  [strace]=/usr/bin/strace
)

missing=()
for pkg in "${!probe[@]}"; do
  if [[ ! -e ${probe[$pkg]} ]] && ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: everything already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
# Postfix and slapd ask questions at install time: answer them so nothing is configured
# system-wide; the tests start private instances with their own configuration.
"${sudo[@]}" debconf-set-selections <<'SEL'
postfix postfix/main_mailer_type select No configuration
postfix postfix/mailname string localhost
slapd slapd/no_configuration boolean true
SEL
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
