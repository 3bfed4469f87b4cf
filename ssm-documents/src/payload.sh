# EC2 HTTP reset peer: resets every inbound HTTP connection to one port for a while, then puts the
# instance back as it was. POSIX sh: the SSM agent runs this with `sh`, which is dash on Ubuntu.
#
# Exit codes: 0 done; 1 the fault started but did not complete, or was not seen to bite; 2 a
# parameter is invalid; 3 a precondition is not met, such as a missing dependency with
# InstallDependencies=False or a program that is not this document's (nothing changed); 4 a
# dependency failed to install.
# Parameters arrive as SSM_* environment variables (interpolationType ENV_VAR); agents older than
# 3.3.2746.0 substitute them into this text instead, which the allowedPatterns keep safe.
@PARAMETER_FALLBACKS@
set -u
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
state_dir="${HTTP_RESET_PEER_STATE_DIR:-/run/http-reset-peer}"
action=unknown

# One line of JSON first, as on success, then the reason for people. Messages never quote a value
# that failed validation.
fail() {
  code=$1
  shift
  printf '{"action":"%s","error":"%s"}\n' "$action" "$*"
  printf 'http-reset-peer: %s\n' "$*" >&2
  exit "$code"
}

newline='
'
# Every parameter again, all in one grep: each fork costs more than the checks themselves.
# Arguments, for each parameter: its name, value, pattern, and longest length (empty where the
# pattern bounds it: a bounded repetition as long as 512 makes grep slow to build its matcher, so
# such a length is checked here instead). In the C locale, [A-Z] means the 26 letters only.
check_parameters() {
  lines=""
  left=$(($# / 4))
  while [ "$left" -gt 0 ]; do
    left=$((left - 1))
    name=$1 value=$2 pattern=$3 longest=$4
    shift 4
    case $value in
      *"$newline"*) fail 2 "parameter $name must be one line" ;;
    esac
    if [ -n "$longest" ] && [ "${#value}" -gt "$longest" ]; then
      fail 2 "parameter $name is longer than $longest characters"
    fi
    lines="${lines:+$lines$newline}$name=$value"
    pattern=${pattern#^}
    set -- "$@" -e "^$name=(${pattern%\$})\$"
  done
  # Each line is NAME=value; -v prints those that match no pattern.
  bad=$(LC_ALL=C grep -Ev "$@" <<LINES
$lines
LINES
)
  case $? in
    1) return 0 ;;
    0) ;;
    *) fail 2 "the parameters could not be checked: grep failed" ;;
  esac
  name=${bad%%=*}
  for option in "$@"; do
    case $option in
      "^$name=("*)
        pattern=${option#"^$name=("}
        fail 2 "parameter $name does not match ^${pattern%")\$"}\$"
        ;;
    esac
  done
  fail 2 "parameter ${name:-?} does not match its pattern"
}
@PARAMETER_CHECKS@
action=$SSM_Action
# Each fits its pattern; these make no sense together (refused by the state machine too).
if [ "$SSM_ResetAfterBytes" != 0 ] && [ "$SSM_ResetAt" != response ]; then
  fail 2 "parameter ResetAfterBytes applies only with ResetAt=response"
fi
if [ -n "$SSM_ResetMethods$SSM_ResetPaths" ] && [ "$SSM_ResetAt" = connect ]; then
  fail 2 "parameters ResetMethods and ResetPaths apply only with ResetAt=request or ResetAt=response"
fi

# The program: too large for one SSM document, it comes in parts, other documents, which this
# document's download steps have fetched into the folder the script runs in. The bootstrap
# (ssm-documents/src/bootstrap.py) runs it only if the parts make the program this document was
# made with: the bundle's SHA-256 is written here.
program_sha256=@PROGRAM_SHA256@
program_parts="@PROGRAM_PARTS@"
for part in $program_parts; do
  [ -f "$part" ] || fail 3 "the program's part $part was not fetched: the download step before this one says why"
done
# -I: no PYTHON* variable, user site or working folder reaches what root runs; -S: nor the site
# module, whose start costs more than the program's own imports. The bootstrap comes on stdin.
program() {
  mode=$1
  shift
  # shellcheck disable=SC2086 # the parts are words
  python3 -I -S - http-reset-peer "$mode" "$@" "$program_sha256" $program_parts <<'BOOTSTRAP_PY'
@BOOTSTRAP_PY@
BOOTSTRAP_PY
}

# Installs the named packages with whichever package manager the instance has, through Proxy if set.
install_packages() {
  if [ -n "$SSM_Proxy" ]; then
    export http_proxy="$SSM_Proxy" https_proxy="$SSM_Proxy" HTTP_PROXY="$SSM_Proxy" HTTPS_PROXY="$SSM_Proxy"
  fi
  if command -v dnf >/dev/null 2>&1; then
    # Amazon Linux 2023 ships iptables as iptables-nft.
    for pkg in "$@"; do
      shift
      [ "$pkg" = iptables ] && pkg=iptables-nft
      set -- "$@" "$pkg"
    done
    dnf install -y ${SSM_Proxy:+"--setopt=proxy=$SSM_Proxy"} "$@"
  elif command -v yum >/dev/null 2>&1; then
    yum install -y ${SSM_Proxy:+"--setopt=proxy=$SSM_Proxy"} "$@"
  elif command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
  elif command -v zypper >/dev/null 2>&1; then
    zypper --non-interactive install "$@"
  else
    echo "no dnf, yum, apt-get or zypper on this instance"
    return 1
  fi
}

# Sets missing to what the fault needs and the instance lacks.
missing_dependencies() {
  missing=""
  command -v python3 >/dev/null 2>&1 || missing="python3"
  command -v iptables-restore >/dev/null 2>&1 || missing="${missing:+$missing }iptables"
}

case $action in
  Inject)
    [ -e "/sys/class/net/$SSM_NetworkInterface" ] ||
      fail 3 "network interface $SSM_NetworkInterface does not exist on this instance"
    port_hex=$(printf '%04X' "$SSM_TargetServicePort")
    # State 0A is LISTEN, in /proc/net/tcp's hexadecimal columns.
    grep -Eq "^ *[0-9]+: [0-9A-F]+:$port_hex [0-9A-F]+:[0-9A-F]+ 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null ||
      fail 3 "nothing listens on TCP port $SSM_TargetServicePort: the fault needs the HTTP service running"
    missing_dependencies
    # The program is checked before anything on the host changes: here, before an install. That
    # takes python3: an instance without it has it installed first, and the program checked right
    # after. With nothing to install, the run checks it (see the end).
    if [ -n "$missing" ] && command -v python3 >/dev/null 2>&1; then program check Inject || exit; fi
    if [ -n "$missing" ]; then
      [ "$SSM_InstallDependencies" = True ] ||
        fail 3 "missing $missing: install it (dnf/yum/apt-get install $missing) or run with InstallDependencies=True"
      # shellcheck disable=SC2086 # one word a package
      log=$(install_packages $missing 2>&1) ||
        fail 4 "could not install $missing: $(printf '%s' "$log" | tail -n 1 | tr -d '\\"')"
      case $missing in
        *python3*) python3_installed=yes ;;
      esac
      missing_dependencies
      [ -z "$missing" ] || fail 4 "still missing after installing: $missing"
      if [ -n "${python3_installed:-}" ]; then program check Inject || exit; fi
    fi
    ;;
  Cleanup)
    if ! command -v python3 >/dev/null 2>&1; then
      # The fault cannot have run without python3: there is nothing to clean.
      printf '{"action":"Cleanup","experimentId":"%s","removed":0,"restored":true}\n' "$SSM_ExperimentId"
      exit 0
    fi
    ;;
esac
# The state directory holds the fault's lock, pid files and counters: it must be root's alone, and
# so must every folder above it, or another user could swap what the fault reads. A sticky folder above it, such as /tmp,
# is fine: no one else can rename or remove what root made there.
# One stat for the folder and every one above it that exists: a fork costs more than the check.
distrust() {
  first=$1
  d=$1
  set --
  while :; do
    if [ -e "$d" ] || [ -L "$d" ]; then set -- "$@" "$d"; fi
    [ "$d" = / ] && break
    d=${d%/*}
    [ -n "$d" ] || d=/
  done
  # Each line: uid, octal mode and type, then the name, which may hold spaces. The first problem
  # found is printed.
  stat -c '%u %a %F|%n' -- "$@" | while IFS='|' read -r facts name; do
    # shellcheck disable=SC2086 # the facts are words
    set -- $facts
    mode=0$2
    case "$*" in
      *"symbolic link") problem="is a symbolic link" ;;
      *directory) problem="" ;;
      *) problem="is not a directory" ;;
    esac
    if [ -z "$problem" ] && [ "$1" != 0 ]; then problem="is not owned by root"; fi
    if [ -z "$problem" ] && [ $((mode & 022)) -ne 0 ] &&
      { [ "$name" = "$first" ] || [ $((mode & 01000)) -eq 0 ]; }; then
      problem="is writable by others than root"
    fi
    if [ -n "$problem" ]; then
      echo "$name $problem"
      break
    fi
  done
}
case $state_dir in
  /*) ;;
  *) fail 3 "HTTP_RESET_PEER_STATE_DIR must be an absolute path" ;;
esac
why=$(distrust "$state_dir")
[ -z "$why" ] || fail 3 "the state directory cannot be trusted: $why"
umask 077
if [ ! -d "$state_dir" ]; then
  mkdir -p "$state_dir" || fail 1 "cannot create $state_dir"
  made_state_dir=yes
  # Again, now that it exists: whatever was made meanwhile is checked too.
  why=$(distrust "$state_dir")
  [ -z "$why" ] || fail 3 "the state directory cannot be trusted: $why"
fi
program run "$action"
code=$?
# A refusal (exit 3: the program is not this document's, or a precondition it checks) changes
# nothing: the state directory goes again if this run made it and it is still empty.
if [ "$code" = 3 ] && [ -n "${made_state_dir:-}" ]; then rmdir "$state_dir" 2>/dev/null; fi
exit "$code"
