#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing and we may install it.
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installerer Chromium for nettlesertestene …"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || echo "Kunne ikke installere Chromium; nettlesertestene vil feile."
else
  echo "Chromium mangler (/usr/bin/chromium) og kan ikke installeres uten root; nettlesertestene vil feile."
fi
exit 0
