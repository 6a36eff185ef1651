# Shared steps of test/run-tests and demo/run-demo (sourced, not run).
#
# install_dependencies  Debian packages the build, the tests and the demo need
# build_and_install [--sanitize]  make (no warnings allowed) and make install;
#                       --sanitize builds with AddressSanitizer and UBSan
# start_emulator ARGS   test/sfemu on a free loopback port; exports SFEMU_URL
# stop_emulator
# in_private_cluster CMD  runs CMD with PG* pointing at a throw-away cluster
#                         (pg_virtualenv: the cluster runs as "postgres", so
#                         this works as root, where initdb refuses to run)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

DEB_PACKAGES="postgresql postgresql-contrib postgresql-server-dev-all libcurl4-openssl-dev
libjson-c-dev pkg-config make gcc python3 curl ca-certificates"

install_dependencies() {
    local missing=() p
    for p in $DEB_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    # Node.js and npm only run the jsforce cross-check; keep an existing install.
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
    # The sanitizer runtimes (libasan, libubsan) come with gcc's libgcc-N-dev;
    # only the --sanitize build links them.
    if [ -n "${SANITIZE_DEPS:-}" ] && [ ! -e "$(gcc -print-file-name=libasan.so 2>/dev/null)" ]; then
        missing+=("libgcc-$(gcc -dumpversion 2>/dev/null | cut -d. -f1)-dev")
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        echo "== installing ${missing[*]}"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# -fno-sanitize-recover is left off for UBSan on purpose: a report is logged
# and counted (test/run-tests fails on any) while the backend carries on, so
# one report does not hide the next.
SANITIZE_COPT="-fsanitize=address,undefined -fno-omit-frame-pointer"

build_and_install() {
    local copt=
    if [ "${1:-}" = --sanitize ]; then
        copt=$SANITIZE_COPT
        echo "== building salesforce_fdw with $copt"
    else
        echo "== building salesforce_fdw"
    fi
    (cd "$ROOT" && make -s clean >/dev/null 2>&1 || true)
    local out
    out=$(cd "$ROOT" && make -s ${copt:+COPT="$copt"} 2>&1) || { echo "$out"; return 1; }
    if echo "$out" | grep -qi 'warning'; then
        echo "$out"
        echo "build produced warnings: failing"
        return 1
    fi
    (cd "$ROOT" && $SUDO make -s ${copt:+COPT="$copt"} install >/dev/null) || return 1
    # the test-only module of the hostile-input test (test/fuzz), same flags
    (cd "$ROOT/test/fuzz" && make -s clean >/dev/null 2>&1 || true)
    out=$(cd "$ROOT/test/fuzz" && make -s ${copt:+COPT="$copt"} 2>&1) || { echo "$out"; return 1; }
    if echo "$out" | grep -qi 'warning'; then
        echo "$out"
        echo "test/fuzz build produced warnings: failing"
        return 1
    fi
    (cd "$ROOT/test/fuzz" && $SUDO make -s ${copt:+COPT="$copt"} install >/dev/null)
}

SFEMU_PID=
start_emulator() {
    local fifo line
    fifo=$(mktemp -u)
    mkfifo "$fifo"
    "$ROOT/test/sfemu" --host 127.0.0.1 --port 0 "$@" >"$fifo" 2>"${SFEMU_LOG:-/dev/null}" &
    SFEMU_PID=$!
    exec 3<"$fifo"
    rm -f "$fifo"
    if ! read -r -t 30 line <&3; then
        exec 3<&-
        echo "emulator did not start" >&2
        return 1
    fi
    # keep draining stdout so the emulator never blocks on a full pipe
    cat <&3 >/dev/null &
    exec 3<&-
    export SFEMU_URL=${line#listening on }
    echo "== emulator at $SFEMU_URL"
}

stop_emulator() {
    if [ -n "$SFEMU_PID" ]; then
        kill -TERM "$SFEMU_PID" 2>/dev/null || true
        wait "$SFEMU_PID" 2>/dev/null || true
        SFEMU_PID=
    fi
}

in_private_cluster() {
    # -t: temporary cluster directory even as root; logging_collector lets the
    # scenario tests read the server log through pg_current_logfile().
    # With SANITIZER_DIR set, the postmaster (and so every backend) runs with
    # the ASan runtime preloaded, as an instrumented module needs, and the
    # sanitizers write their reports to files in that directory.
    local create_opts=()
    if [ -n "${SANITIZER_DIR:-}" ]; then
        local envfile=$SANITIZER_DIR/environment
        # LSan stays off: PostgreSQL frees by memory context, not by pointer.
        cat >"$envfile" <<EOF
LD_PRELOAD = '$(gcc -print-file-name=libasan.so) $SANITIZER_DIR/asan_init_first.so'
ASAN_OPTIONS = 'detect_leaks=0:log_path=$SANITIZER_DIR/report:disable_coredump=1'
UBSAN_OPTIONS = 'print_stacktrace=1:log_path=$SANITIZER_DIR/report'
EOF
        chmod 644 "$envfile"
        create_opts=(-c "--environment=$envfile")
    fi
    pg_virtualenv -t "${create_opts[@]}" -o logging_collector=on -o log_min_messages=debug1 \
        -o "log_line_prefix=%m [%p] " "$@"
}
