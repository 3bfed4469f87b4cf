#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need, then every check.
# Run from a clean clone: `bash scripts/test.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the payload tests drive for real. Installed only as root and only when missing.
debian_packages=(iptables iproute2 shellcheck curl procps util-linux python3 tini)
missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "WARNING: missing Debian packages (${missing[*]}); tests that need them will say why they skip" >&2
  fi
fi

npm ci --no-audit --no-fund
# The package as it ships: jsii (which fails on any warning about the public API) and the handler bundles.
npm run build

npx tsc --noEmit
npx eslint .
npx prettier --check .
shellcheck scripts/*.sh .ci/run test/payload/fixtures/fake-bin/*
# The integration test's snapshot (test/integ): compared only, nothing is deployed.
npx integ-runner
npx jest --ci
