"""A tiny legacy WSGI app for the bridge tests, served by gunicorn.

GET|POST|... /any/path   echoes method, raw target, query, headers and body as JSON and sets cookies
GET  /app/stream?bytes=N  streams N bytes (no Content-Length) in 64 KiB pieces; with stall_ms=M
                          it stops for M milliseconds after the first piece
GET  /app/status?code=N   answers status N: 204 and 304 without a body, others with an HTML page
POST /app/upload          reads the body piece by piece, answers its length and SHA-256
GET  /app/sleep?ms=N      answers after N milliseconds
POST /app/publish         {"resident": URL, "table", "events"}: posts a dbevent to Resident's
                          /_/dbevent with the admin token of $RESIDENT_ADMIN_TOKEN, as the
                          legacy site does after a commit, and answers Resident's status
GET  /app/login?user=U&roles=a,b   starts a session: sets the legacy_sid cookie
GET  /app/logout          ends the request's session and clears its cookie
POST /app/end-sessions?user=U  ends every session of U server-side (their cookies stay in the
                          browsers, as after a logout in another tab or a password change)
GET  /app/whoami          the introspection endpoint of the one login: 200 {"user","roles"} for the
                          legacy_sid cookie of a live session, else 401
GET  /app/whoami-calls    how many times /app/whoami was asked
POST /app/whoami-fails?user=U  from now on /app/whoami answers 503 for U's sessions (an outage of
                          the legacy app, for one user so that tests do not disturb each other)
GET  /app/orders-page     a page still rendered by the legacy app: it includes /_/resident.js and
                          opens a /_legacy bridge page watching the orders table
"""
import hashlib
import http.cookies
import json
import os
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

PIECE = 64 * 1024
SESSION_COOKIE = "legacy_sid"
SESSIONS = {}  # session id -> {"user", "roles"}; one gunicorn worker, so one dict
WHOAMI_CALLS = [0]
WHOAMI_FAILS = set()  # users whose sessions /app/whoami cannot answer for
LOCK = threading.Lock()


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    if path == "/app/stream":
        return stream(int(query["bytes"][0]), int(query.get("stall_ms", ["0"])[0]), start_response)
    if path == "/app/status":
        return status(int(query["code"][0]), start_response)
    if path == "/app/upload":
        return upload(environ, start_response)
    if path == "/app/sleep":
        time.sleep(int(query["ms"][0]) / 1000)
        return answer(start_response, {"slept": True})
    if path == "/app/publish":
        return publish(environ, start_response)
    if path == "/app/login":
        return login(query, start_response)
    if path == "/app/logout":
        return logout(environ, start_response)
    if path == "/app/end-sessions":
        return end_sessions(query, start_response)
    if path == "/app/whoami":
        return whoami(environ, start_response)
    if path == "/app/whoami-fails":
        return whoami_fails(query, start_response)
    if path == "/app/whoami-calls":
        return answer(start_response, {"calls": WHOAMI_CALLS[0]})
    if path == "/app/orders-page":
        return orders_page(query, start_response)
    return echo(environ, start_response)


def answer(start_response, value, status="200 OK", extra=()):
    body = json.dumps(value).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body)))] + list(extra))
    return [body]


def echo(environ, start_response):
    headers = {key[5:].replace("_", "-").lower(): value
               for key, value in environ.items() if key.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        headers["content-length"] = environ["CONTENT_LENGTH"]
    body = environ["wsgi.input"].read()
    cookies = [("Set-Cookie", "legacy_session=s3cr3t; Path=/; HttpOnly"),
               ("Set-Cookie", "legacy_theme=dark; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT"),
               ("Set-Cookie", "rsd_cid=set-by-legacy; Path=/"),
               ("Set-Cookie", "__Host-rsd_cid=set-by-legacy; Path=/; Secure"),
               # a nameless cookie: browsers send its value alone, "rsd_cid=nameless"
               ("Set-Cookie", "=rsd_cid=nameless; Path=/")]
    return answer(start_response, {
        "method": environ["REQUEST_METHOD"],
        "target": environ["RAW_URI"],
        "path": environ["PATH_INFO"],
        "query": environ.get("QUERY_STRING", ""),
        "headers": headers,
        "body": body.decode("utf-8", "replace"),
    }, extra=cookies + [("X-Legacy", "yes")])


def stream(size, stall_ms, start_response):
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    pattern = bytes(range(256)) * (PIECE // 256)
    sent = 0
    while sent < size:
        piece = pattern[:min(PIECE, size - sent)]
        sent += len(piece)
        yield piece
        time.sleep(stall_ms / 1000)
        stall_ms = 0


def status(code, start_response):
    if code in (204, 304):
        start_response("%d No Body" % code, [("ETag", '"v1"')])
        return []
    body = b"<h1>legacy error page</h1>"
    start_response("%d Legacy" % code, [("Content-Type", "text/html"), ("Content-Length", str(len(body)))])
    return [body]


def upload(environ, start_response):
    digest = hashlib.sha256()
    length = 0
    source = environ["wsgi.input"]
    while True:
        piece = source.read(PIECE)
        if not piece:
            break
        digest.update(piece)
        length += len(piece)
    return answer(start_response, {"length": length, "sha256": digest.hexdigest()})


def publish(environ, start_response):
    asked = json.loads(environ["wsgi.input"].read())
    event = json.dumps({"table": asked["table"], "events": asked["events"]}).encode()
    request = urllib.request.Request(asked["resident"] + "/_/dbevent", data=event, method="POST", headers={
        "Authorization": "Bearer " + os.environ["RESIDENT_ADMIN_TOKEN"],
        "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return answer(start_response, {"status": reply.status, "body": json.loads(reply.read())})
    except urllib.error.HTTPError as refused:
        return answer(start_response, {"status": refused.code, "body": refused.read().decode()})


def session_of(environ):
    cookies = http.cookies.SimpleCookie(environ.get("HTTP_COOKIE", ""))
    return cookies[SESSION_COOKIE].value if SESSION_COOKIE in cookies else None


def login(query, start_response):
    session = secrets.token_urlsafe(24)
    user = query["user"][0]
    roles = [role for role in query.get("roles", [""])[0].split(",") if role]
    with LOCK:
        SESSIONS[session] = {"user": user, "roles": roles}
    return answer(start_response, {"user": user},
                  extra=[("Set-Cookie", "%s=%s; Path=/; HttpOnly; SameSite=Lax" % (SESSION_COOKIE, session))])


def logout(environ, start_response):
    with LOCK:
        SESSIONS.pop(session_of(environ), None)
    return answer(start_response, {"logged_out": True},
                  extra=[("Set-Cookie", "%s=; Path=/; Max-Age=0" % SESSION_COOKIE)])


def end_sessions(query, start_response):
    user = query["user"][0]
    with LOCK:
        ended = [session for session, who in SESSIONS.items() if who["user"] == user]
        for session in ended:
            del SESSIONS[session]
    return answer(start_response, {"ended": len(ended)})


def whoami(environ, start_response):
    """The endpoint a Genropy site adds for Resident's one login (docs/legacy.md)."""
    with LOCK:
        WHOAMI_CALLS[0] += 1
        who = SESSIONS.get(session_of(environ))
        failing = who is not None and who["user"] in WHOAMI_FAILS
    if failing:
        return answer(start_response, {"error": "down"}, status="503 Service Unavailable")
    if who is None:
        return answer(start_response, {"error": "no session"}, status="401 Unauthorized")
    return answer(start_response, who)


def whoami_fails(query, start_response):
    with LOCK:
        WHOAMI_FAILS.add(query["user"][0])
    return answer(start_response, {"failing": sorted(WHOAMI_FAILS)})


ORDERS_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Legacy orders</title></head>
<body>
<h1>Orders (rendered by the legacy app)</h1>
<p>bridge: <span id="state">opening</span>, user <span id="user"></span></p>
<ul id="events"></ul>
<script type="module">
import { openPage } from '/_/resident.js';
const bridge = await openPage('/_legacy', { tables: ['orders'], legacy_page_id: '%(page_id)s' });
document.getElementById('user').textContent = bridge.user;
const show = message => {
  const item = document.createElement('li');
  item.className = message.t;
  item.textContent = JSON.stringify(message);
  document.getElementById('events').append(item);
};
bridge.on('dbevent', show);
bridge.on('notify', show);
bridge.on('broadcast', show);
document.getElementById('state').textContent = bridge.state;
bridge.on('state', state => document.getElementById('state').textContent = state);
</script>
</body></html>
"""


def orders_page(query, start_response):
    page_id = query.get("page_id", ["legacy-orders-1"])[0]
    body = (ORDERS_PAGE % {"page_id": json.dumps(page_id)[1:-1]}).encode()
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]
