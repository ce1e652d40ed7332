#!/usr/bin/env bash
# Migration from slapd: the same client checks pass against a real slapd and against
# mailldap holding slapd's own `slapcat` output, imported unchanged.
#
#   migration.sh            (needs MAILLDAP_BIN)
#
# 1. slapd (Debian's) on a free port: core, cosine, nis, inetorgperson + Courier's
#    schema, the article's tree (data/tree.ldif, slapd-strict classes) loaded by slapadd.
# 2. courier.sh (both modes) and dovecot.sh against slapd.
# 3. slapcat -> `mailldap import` into a fresh data dir (schema_check = "strict", rootdn
#    and rootpw hash copied from slapd.conf) -> `mailldap serve`.
# 4. The same checks against mailldap, and ldapsearch output compared entry by entry.
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$DIR/common.sh"
require slapd slapadd slapcat ldapsearch
[[ -n ${MAILLDAP_BIN:-} && -x $MAILLDAP_BIN ]] || die "MAILLDAP_BIN is not set to the mailldap binary"

BASE=o=hosting,$SUFFIX
new_tmpdir T

# all_checks LABEL URI: every client check script against one server.
all_checks() {
    local label=$1 uri=$2
    check "[$label] courier.sh authbind passes" \
        run_labelled "$label" "$DIR/courier.sh" "$uri" "$BASE" authbind
    check "[$label] courier.sh servicebind passes" \
        run_labelled "$label" "$DIR/courier.sh" "$uri" "$BASE" servicebind "$ROOTDN" "$ROOTPW"
    check "[$label] dovecot.sh passes" \
        run_labelled "$label" "$DIR/dovecot.sh" "$uri" "$BASE" "$ROOTDN" "$ROOTPW"
}

check "slapd starts with the article's schema and tree" start_slapd "$INTEROP_DATA/tree.ldif"
all_checks slapd "$SLAPD_URI"

check "slapcat exports the tree" slapcat -f "$SLAPD_DIR/slapd.conf" -l "$T/slapcat.ldif"
check "slapcat output carries entryUUID (to be kept by the import)" grep -q '^entryUUID: ' "$T/slapcat.ldif"

# The mailldap equivalent of the slapd.conf above (README: migration from slapd).
rootpw=$(sed -n 's/^rootpw //p' "$SLAPD_DIR/slapd.conf")
cat >"$T/mailldap.toml" <<CONF
data_dir = "$T/mailldap-data"
suffix = "$SUFFIX"
rootdn = "$ROOTDN"
rootpw = "$rootpw"
schema_check = "strict"
CONF
if "$MAILLDAP_BIN" import --config "$T/mailldap.toml" "$T/slapcat.ldif" >"$T/import.log" 2>&1; then
    ok "mailldap import takes slapcat's output unchanged"
else
    not_ok "mailldap import takes slapcat's output unchanged: $(tr '\n' ' ' <"$T/import.log")"
    finish
fi
# Dies with the log's tail when the server does not answer.
start_mailldap "$T/mailldap-data" --config "$T/mailldap.toml"
ok "mailldap serves the imported tree"
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
finish
