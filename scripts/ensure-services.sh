#!/usr/bin/env bash
# Makes sure the real components the tests use are on this machine: Debian packages (OpenSSL's
# command line, SoftHSM2 and OpenSC for PKCS#11, Mosquitto as the MQTT broker the interop tests start, wrk as the ocsp benchmark's load generator) and a running PostgreSQL on 127.0.0.1:5432.
# Safe to run repeatedly; installs only what is missing; needs root for apt-get (skipped otherwise,
# and the tests then skip or — with KEYLINE_REQUIRE_SERVICES=1 — fail on what is missing).
set -uo pipefail

missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v softhsm2-util >/dev/null 2>&1 || missing+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || missing+=(opensc)
[ -e /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so ] || missing+=(libengine-pkcs11-openssl)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)

if ((${#missing[@]} > 0)); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-services: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${missing[@]}" >/dev/null; }
  else
    echo "ensure-services: missing ${missing[*]} (not root or no apt-get; not installed)" >&2
  fi
fi

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "ensure-services: starting PostgreSQL" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start >/dev/null 2>&1 || true
  fi
fi
exit 0
