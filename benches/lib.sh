# Shared by the benchmark scripts (sourced, not run).

# Waits (at most 5 s) until something listens on 127.0.0.1:$1; says so and fails if nothing does.
wait_listening() { # PORT NAME
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "$2 did not start on port $1" >&2
    return 1
}

# Installs Debian's package $2 when the command $1 is missing (as root, or with sudo).
need_command() { # COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "Installing $2 (Debian package)…"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get install -y -qq "$2" >/dev/null || {
        $sudo apt-get update -qq && $sudo apt-get install -y -qq "$2" >/dev/null
    }
}
