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
