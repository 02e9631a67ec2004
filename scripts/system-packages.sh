#!/usr/bin/env bash
# The system programs the test suite uses beside Python: Qt's X/GL client libraries (offscreen still
# links them), pdftotext to read printed PDFs back, Dovecot as HQ's IMAP mailbox, faketime for
# `make test-any-day`, the reference age and openssl (with jq and unzip) that audit a bundle as an
# outsider would, zbarimg to read a printed QR code back, and the PostgreSQL server that the HQ tests
# also run on (and pg_dump for `backup` at a PostgreSQL HQ). Installs what
# is missing where it can (root with apt-get); otherwise says what to install and carries on, and
# the tests that need a missing program fail saying so.
set -euo pipefail
missing=()
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
command -v faketime >/dev/null 2>&1 || missing+=(faketime)
command -v age >/dev/null 2>&1 && command -v age-keygen >/dev/null 2>&1 || missing+=(age)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ "${CI:-}" = true ] || [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 \
      sqlite3 poppler-utils dovecot-imapd faketime age openssl jq unzip zbar-tools postgresql >/dev/null
  elif [ "${#missing[@]}" -gt 0 ]; then
    echo "The tests also need: ${missing[*]} (e.g. sudo apt-get install ${missing[*]})" >&2
  fi
fi
