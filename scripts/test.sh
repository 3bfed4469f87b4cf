#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need, then every check.
# Run from a clean clone: `bash scripts/test.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the payload tests drive for real. Installed only as root and only when missing.
# The firewalls (nftables, ufw, firewalld) and nginx are run only inside a test host's namespaces.
# chromium is the headless browser the report page's test opens the page in (test/support/chromium.ts);
# jq runs the command in docs/how-it-works.md that prints the program from the deployed documents;
# python3-coverage measures the lines the program's unit tests cover; golang-go and python3-urllib3
# are real clients of the fault's (Go's net/http, urllib3's Retry) in test/payload/clients-did.test.ts.
debian_packages=(iptables iproute2 shellcheck pyflakes3 curl procps util-linux python3 tini nftables ufw firewalld nginx chromium jq python3-coverage golang-go python3-urllib3)
# The services these packages start and enable on install. On this machine they must never run:
# firewalld, ufw or nftables would firewall it, nginx would take its port 80.
declare -A service_of=(
  [nftables]=nftables.service [ufw]=ufw.service [firewalld]=firewalld.service [nginx]=nginx.service
)
missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing Debian packages: ${missing[*]}"
    # Masked before they exist, so that no boot starts them either; only the units of packages
    # installed now, never one a developer already has.
    mkdir -p /etc/systemd/system
    for pkg in "${missing[@]}"; do
      if [[ -n ${service_of[$pkg]:-} ]]; then
        echo "masking ${service_of[$pkg]} (systemctl unmask ${service_of[$pkg]} to use it on this machine)"
        ln -sfn /dev/null "/etc/systemd/system/${service_of[$pkg]}"
      fi
    done
    if [[ -d /run/systemd/system ]]; then systemctl daemon-reload; fi
    # A policy-rc.d that exits 101 forbids invoke-rc.d and deb-systemd-invoke to start, restart or
    # reload anything during the install (no init script, and no service of a package's postinst).
    # Any policy the machine had is put back afterwards, even when the install fails.
    policy=/usr/sbin/policy-rc.d
    if [[ -e $policy ]]; then mv "$policy" "$policy.hrp-saved"; fi
    restore_policy() {
      rm -f "$policy"
      if [[ -e $policy.hrp-saved ]]; then mv "$policy.hrp-saved" "$policy"; fi
    }
    trap restore_policy EXIT
    trap 'exit 130' INT TERM HUP
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    restore_policy
    trap - EXIT INT TERM HUP
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
shellcheck scripts/*.sh .ci/run test/payload/fixtures/fake-bin/* test/payload/fixtures/kernel-without-tproxy/*
# The program the document runs, and the Python the tests and benchmarks run: undefined names, unused imports.
git ls-files -z '*.py' test/payload/fixtures/fake-aws-cli/aws | xargs -0 pyflakes3
# The program's pure parts, without root (ssm-documents/tests), and the lines of the program they cover.
coverage_file=$(mktemp)
COVERAGE_FILE=$coverage_file PYTHONPATH=ssm-documents/src:ssm-documents/tests \
  python3-coverage run --branch --source=ssm-documents/src -m unittest discover -s ssm-documents/tests
COVERAGE_FILE=$coverage_file python3-coverage report
rm -f "$coverage_file"
# The integration test's snapshot (test/integ): compared only, nothing is deployed.
npx integ-runner
npx jest --ci
