# Sourced by the other scripts: puts a Node >= 22.18 first on PATH (installing Node 24 from
# the npm registry into a cache when the system one is older) and installs the project's
# dependencies when node_modules is missing or older than package-lock.json.
cache="${XDG_CACHE_HOME:-$HOME/.cache}/fhir-gateway"

node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)'
}

if ! node_ok; then
  if [ ! -x "$cache/node24/node_modules/.bin/node" ]; then
    echo "Installing Node 24 from the npm registry into $cache/node24 ..." >&2
    mkdir -p "$cache/node24"
    npm install --prefix "$cache/node24" --no-audit --no-fund node@24 >&2
  fi
  export PATH="$cache/node24/node_modules/.bin:$PATH"
  node_ok || { echo "ensure-node: could not get Node >= 22.18" >&2; exit 1; }
fi

# Not `npm ci`: the registry this project can reach does not serve the other platforms'
# optional packages (e.g. @biomejs/cli-win32-x64), so they cannot be in the lock file and
# `npm ci` refuses it as out of sync. `npm install --no-save` installs exactly the locked
# versions for this platform and leaves package.json and package-lock.json untouched.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing dependencies (npm install --no-save, from package-lock.json) ..." >&2
  npm install --no-save --no-audit --no-fund >&2
fi
