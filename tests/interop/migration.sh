#!/usr/bin/env bash
# Migration from slapd: the same client checks pass against a real slapd and against
# mailldap holding slapd's own `slapcat` output, imported unchanged.
#
#   migration.sh            (needs MAILLDAP_BIN)
#
# 1. slapd (Debian's) on a free port: core, cosine, nis, inetorgperson + courier.schema,
#    the article's tree (data_mda/tree.ldif, slapd-strict classes) loaded by slapadd.
# 2. courier.sh (both modes) and dovecot.sh against slapd.
# 3. slapcat -> `mailldap import` into a fresh data dir (schema_check = "strict", rootdn
#    and rootpw hash copied from slapd.conf) -> `mailldap serve`.
# 4. The same checks against mailldap, and ldapsearch output compared entry by entry.
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/mda_lib.sh"
need slapd slapadd slapcat ldapsearch
: "${MAILLDAP_BIN:?MAILLDAP_BIN must name the mailldap binary}"

BASE=o=hosting,dc=myhosting,dc=example
ROOTDN=cn=Manager,dc=myhosting,dc=example
ROOTPW=secret
T=$(mktemp -d)
on_exit rm -rf "$T"

# all_checks LABEL URI: every client check script against one server.
all_checks() {
    local label=$1 uri=$2
    check "[$label] courier.sh authbind passes" \
        run_checks "$label" "$DIR/courier.sh" "$uri" "$BASE" authbind
    check "[$label] courier.sh servicebind passes" \
        run_checks "$label" "$DIR/courier.sh" "$uri" "$BASE" servicebind "$ROOTDN" "$ROOTPW"
    check "[$label] dovecot.sh passes" \
        run_checks "$label" "$DIR/dovecot.sh" "$uri" "$BASE" "$ROOTDN" "$ROOTPW"
}

check "slapd starts with the article's schema and tree" start_slapd "$T/slapd" "$MDA_DATA/tree.ldif"
all_checks slapd "$SLAPD_URI"

check "slapcat exports the tree" slapcat -f "$T/slapd/slapd.conf" -l "$T/slapcat.ldif"
check "slapcat output carries entryUUID (to be kept by the import)" grep -q '^entryUUID: ' "$T/slapcat.ldif"

# The mailldap equivalent of the slapd.conf above (README: migration from slapd).
rootpw=$(sed -n 's/^rootpw //p' "$T/slapd/slapd.conf")
cat >"$T/mailldap.toml" <<CONF
data_dir = "$T/mailldap-data"
suffix = "dc=myhosting,dc=example"
rootdn = "$ROOTDN"
rootpw = "$rootpw"
schema_check = "strict"
CONF
if "$MAILLDAP_BIN" import --config "$T/mailldap.toml" "$T/slapcat.ldif" >"$T/import.log" 2>&1; then
    ok "mailldap import takes slapcat's output unchanged"
else
    not_ok "mailldap import takes slapcat's output unchanged: $(tr '\n' ' ' <"$T/import.log")"
    mda_finish
fi
if start_mailldap "$T/mailldap.toml" "$T/mailldap-data"; then
    ok "mailldap serves the imported tree"
else
    not_ok "mailldap serves the imported tree: $(tail -n 20 "$T/mailldap-data.log" | tr '\n' ' ')"
    mda_finish
fi
all_checks mailldap "$MAILLDAP_URI"

# The same anonymous searches return the same entries, values and entryUUIDs (the
# import kept slapd's operational identity). Lines sorted: value order is not promised.
search() { # URI FILTER
    ldapsearch -x -LLL -o ldif-wrap=no -H "$1" -b "$BASE" "$2" \
        mail maildrop mailbox homeDirectory entryUUID 2>&1 | sort
}
for f in '(mail=user1@domain1.example)' '(mail=sales@domain2.example)' \
    '(mail=team@domain1.example)' '(mail=@domain2.example)' \
    '(&(mail=info@domain1.example)(objectClass=CourierMailAlias))' \
    '(maildrop=user2@domain1.example)'; do
    a=$(search "$SLAPD_URI" "$f"); b=$(search "$MAILLDAP_URI" "$f")
    if [ -n "$a" ] && [ "$a" = "$b" ]; then
        ok "ldapsearch $f: same answer from slapd and mailldap"
    else
        not_ok "ldapsearch $f: same answer from slapd and mailldap"
        diff <(echo "$a") <(echo "$b") | sed 's/^/#   /' || true
    fi
done
mda_finish
