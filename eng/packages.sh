# Sourced by eng/run-tests.sh and ./edgecommerce: installs Debian packages when they are missing.
apt_updated=0
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "edgecommerce: please install ${missing[*]} (no apt-get here)" >&2
    return 1
  fi
  echo "edgecommerce: installing ${missing[*]}" >&2
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  if ((apt_updated == 0)); then $sudo apt-get update -qq >&2 && apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}
