# Courier authtest for what the mailldap CLI created, and `account disable` as Courier
# sees it: sourced by courier.sh (COURIER_EXTRA=tests/interop/admin_courier.sh) while its
# authdaemond (configured by print-config courier) runs; at/field/check/ok/not_ok are
# courier.sh's. The caller made john@example.org with `mailldap account add` (password
# $ADMIN_JOHN_PW) and exports MAILLDAP_URI / MAILLDAP_PASSWORD_FILE (the rootdn).
: "${ADMIN_JOHN_PW:?ADMIN_JOHN_PW must hold the password of john@example.org}"

if at john@example.org "$ADMIN_JOHN_PW"; then
    ok "authtest john@example.org with the password given to account add"
    check "john@example.org: maildir example.org/john/" [ "$(field Maildir)" = example.org/john/ ]
    check "john@example.org: home /home/vmail/domains" [ "$(field 'Home Directory')" = /home/vmail/domains ]
    check "john@example.org: no account options while enabled ($(field Options))" [ "$(field Options)" = "(none)" ]
else
    not_ok "authtest john@example.org with the password given to account add: $OUT"
fi
if at john@example.org wrong-password; then not_ok "authtest john@example.org with a wrong password is refused"
else ok "authtest john@example.org with a wrong password is refused"; fi

if "$MAILLDAP_BIN" account disable john@example.org >/dev/null; then
    ok "mailldap account disable john@example.org"
else
    not_ok "mailldap account disable john@example.org"
fi
# Courier's imapd and pop3d refuse a login whose options say disableimap=1 / disablepop3=1.
if at john@example.org; then
    check "disabled: authtest shows disableimap=1 and disablepop3=1 (imapd/pop3d refuse the login)" \
        [ "$(tr ',' '\n' <<<"$(field Options)" | sort | tr '\n' ' ')" = "disableimap=1 disablepop3=1 " ]
else
    not_ok "authtest john@example.org (lookup) after disable: $OUT"
fi
"$MAILLDAP_BIN" account enable john@example.org >/dev/null || not_ok "mailldap account enable john@example.org"
if at john@example.org "$ADMIN_JOHN_PW"; then
    check "enabled again: authtest shows no account options ($(field Options))" [ "$(field Options)" = "(none)" ]
else
    not_ok "authtest john@example.org after enable: $OUT"
fi
