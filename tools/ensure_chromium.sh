#!/usr/bin/env sh
# Makes sure Debian's Chromium and its driver are installed, for the web chat's browser test.
# Idempotent: does nothing when both are there. Installs them with apt-get only when running as root;
# otherwise says how and fails, so that `make test` never silently skips the browser test.
set -eu

have() { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }

if have; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium and chromium-driver (Debian packages) for the browser test" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
  have && exit 0
fi
cat >&2 <<'MSG'
The browser test needs Debian's Chromium and chromedriver (/usr/bin/chromium, /usr/bin/chromedriver).
Install them once, as root:
    apt-get update && apt-get install -y chromium chromium-driver
MSG
exit 1
