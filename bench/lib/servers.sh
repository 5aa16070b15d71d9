# Shared by the bench scripts that start their own servers (source it; needs python3 and curl).

# A free TCP port on 127.0.0.1, now.
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits until BASE_URL's /observe/health/ready answers 2xx, for at most SECONDS (default 20);
# returns 1 when it never did.
await_ready() {
    local tries=$(( ${2:-20} * 5 ))
    for _ in $(seq "$tries"); do
        curl -sf -o /dev/null "$1/observe/health/ready" && return 0
        sleep 0.2
    done
    return 1
}

# Starts SERVER in the background: a Resident jar (copied to COPY first, beside target/resident.jar
# so its lib/ resolves) or `ceiling` or `floor` (the bench's own servers), on PORT, in its own
# directory $WORK/NAME (so each has its own embedded store), logging to $WORK/NAME.log, with
# deploy/java-opts and any further JVM options. $! is its process afterwards.
# Needs WORK, ROOT, BENCH and JAVA_HOME.
start_server() { # NAME SERVER PORT COPY [JVM_OPTION...]
    local name=$1 server=$2 port=$3 copy=$4 main
    shift 4
    mkdir -p "$WORK/$name"
    if [ "$server" = ceiling ] || [ "$server" = floor ]; then
        main=dev.resident.load.ceiling.CeilingServer
        [ "$server" = floor ] && main=dev.resident.load.floor.FloorServer
        # shellcheck disable=SC2046
        (cd "$WORK/$name" && PORT="$port" exec "$JAVA_HOME/bin/java" $("$ROOT/deploy/java-opts" /nonexistent.jar) "$@" \
            -cp "$BENCH/target/resident-bench.jar" "$main" >"$WORK/$name.log" 2>&1) &
    else
        cp "$server" "$copy"
        # shellcheck disable=SC2046
        (cd "$WORK/$name" && exec env PORT="$port" HOST=127.0.0.1 BENCH_PAGES=true ADDRESS_LIMITS=false ADMIN_TOKEN=bench-token \
            "$JAVA_HOME/bin/java" $("$ROOT/deploy/java-opts" "$copy") "$@" -jar "$copy" >"$WORK/$name.log" 2>&1) &
    fi
}
