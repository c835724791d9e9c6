#!/bin/bash
# Proves the README's set-up on a fresh machine: clones this repository (its committed HEAD) into an
# empty folder, with ../shared beside it as CI has, and runs there exactly the README's commands:
#   npm ci && npm test
# --without-browser first removes Debian's chromium and libkrb5-dev (needs root), so that the test
# command's own install step has to bring them back, as on a machine where only Node is installed.
#   bash scripts/fresh-machine.sh [--without-browser] [--keep]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/ts-fresh-XXXXXX)"
without_browser=0; keep=0
for a in "$@"; do case "$a" in --without-browser) without_browser=1 ;; --keep) keep=1 ;; *) echo "unknown option $a"; exit 2 ;; esac; done
[ $keep -eq 1 ] || trap 'rm -rf "$work"' EXIT
if [ $without_browser -eq 1 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "--without-browser removes apt packages: run as root"; exit 2; }
  echo "=== removing chromium and libkrb5-dev (the test command must install them)"
  DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq chromium libkrb5-dev >/dev/null
  ! command -v chromium >/dev/null || { echo "chromium is still on PATH"; exit 1; }
fi
echo "=== clone $(git -C "$repo" rev-parse --short HEAD) into $work/main (../shared beside it)"
git clone -q "$repo" "$work/main"
ln -s "$(cd "$repo/../shared" && pwd)" "$work/shared"
cd "$work/main"
t0=$(date +%s)
echo "=== npm ci"
npm ci --no-audit --no-fund
t1=$(date +%s)
echo "=== npm test"
npm test
t2=$(date +%s)
echo "=== fresh machine: npm ci $((t1 - t0)) s, npm test $((t2 - t1)) s — both passed"
