#!/usr/bin/env bash
# What the browser tests need from outside PyPI: Debian's Chromium, and axe-core from npm.
set -euo pipefail
if [ ! -x /usr/lib/chromium/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Chromium is missing: sudo apt-get install chromium   (the browser tests need it)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
# axe-core (accessibility checks in the browser tests), pinned, from the npm registry.
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error axe-core@4.14.1
fi
