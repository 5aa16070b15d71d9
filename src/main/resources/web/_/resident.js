/**
 * resident.js: the browser client of Resident pages (wire contract PROTOCOL.md v1).
 * Plain ES module, no build step, no dependency.
 *
 * ```js
 * import { openPage, login } from '/_/resident.js';
 * await login('alice', 'alice');
 * const page = await openPage('/board');
 * page.on('dbevent', message => render(message.events));
 * page.on('state', state => indicator.textContent = state);
 * await page.rpc('create', { customer: 'Ada', item: 'Gears', qty: 2 });
 * // a background job the page's method submitted; its progress arrives as `job` messages
 * const { job_id } = await page.rpc('export');
 * page.on('job', message => bar.value = message.progress?.done ?? 0);
 * const result = await page.job(job_id); // rejects when it fails or is cancelled
 * ```
 *
 * Messages arrive over a WebSocket, or over long-poll when the socket cannot be used. After a
 * lost connection the client reconnects with exponential backoff and jitter and resumes after the
 * last seq it saw, so nothing sent meanwhile is lost; when the server no longer has those
 * messages it reloads the page's data and emits `resync`.
 *
 * @module resident
 */

/** @typedef {'connecting' | 'online' | 'reconnecting' | 'offline'} State */

/**
 * A pushed page message: `data`, `dbevent`, `notify`, `broadcast` or `job`.
 * @typedef {{t: string, seq: number, [field: string]: any}} Message
 */

/**
 * One change of the page's client data.
 * @typedef {{path: string, value?: any, reason?: string, delete?: boolean}} Change
 */

/**
 * @typedef {Object} Options
 * @property {boolean} [websocket=true] false to use long-poll only
 * @property {number} [retryMs=500] reconnect delay after the first failure; doubles with each further one
 * @property {number} [maxRetryMs=30000] longest reconnect delay, and longest wait a `Retry-After` gets
 * @property {number} [pollWaitSeconds=25] how long one long-poll may wait for a message
 * @property {number} [silenceMs=75000] a socket silent this long (no message, no ping) is taken as dead
 */

const DEFAULTS = { websocket: true, retryMs: 500, maxRetryMs: 30000, pollWaitSeconds: 25, silenceMs: 75000 };
/** Finished jobs remembered per page, so `job(id)` settles even when the end came first. */
const FINISHED_JOBS_KEPT = 100;
const FINISHED = new Set(['done', 'failed', 'cancelled']);
/**
 * Sockets that fail this often before ever saying hello mean WebSocket is blocked or refused (a proxy
 * that does not upgrade, a server full of sockets): use long-poll, and try a socket again now and then.
 */
const FAILURES_BEFORE_POLL = 2;
/** Sockets a tab that never had one tries in all, when they fail otherwise than with 1013 (see `#trySocketLater`). */
const SOCKET_TRIES_WITHOUT_ONE = 6;
/**
 * The server's closes that no call runs across (with `answers_before_close`): normal (the page
 * closed or expired), going away, message too big, page moving or session changed hands, page
 * gone, replaced.
 */
const CLOSES_BEFORE_A_CALL = new Set([1000, 1001, 1009, 1012, 4404, 4409]);
/**
 * Resident's own 1009 says this; Helidon closes a single frame over its frame limit with 1009 itself,
 * from the socket's reader, not after the answers of the calls that ran: a call then is in doubt.
 */
const MESSAGE_TOO_BIG = 'message too big';
/** Why a page ended when the server no longer has it, or no longer lets this session reach it. */
const GONE = 'the page is gone on the server';

/** An error answer of the server (`code` as in PROTOCOL.md), or `network` when it could not be reached. */
export class ResidentError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {number} status HTTP status, 0 when there was no answer
   * @param {string} [pageId] with `page_moved`: the page's current id
   * @param {number} [retryAfter] seconds the answer's `Retry-After` asked to wait, 0 without one
   */
  constructor(code, message, status, pageId, retryAfter = 0) {
    super(message);
    this.name = 'ResidentError';
    this.code = code;
    this.status = status;
    /** With `page_moved`: the page's current id (the client follows it by itself). */
    this.pageId = pageId;
    /**
     * Seconds to wait before trying again, as the answer's `Retry-After` said (a 429 `rate_limited`,
     * a 503 `unavailable`), 0 without one. What the client tries again by itself waits at least that.
     */
    this.retryAfter = retryAfter;
  }
}

/**
 * How often a request that did nothing is tried again: an HTTP rpc while its page moves between
 * processes, a page open, a login or a logout while no process takes it (`unavailable`).
 */
const MOVE_RETRIES = 8;

/**
 * Logs the browser session in (`POST /_/login`). An answer `unavailable` (no place for a new
 * session, the session store briefly unreachable, a proxy with no server) logged nothing in, so it
 * is tried again after the backoff (or its `Retry-After`, when longer), as a page open is.
 * @param {string} user
 * @param {string} password
 * @param {Options} [options] only `retryMs` and `maxRetryMs` apply
 * @returns {Promise<string>} the user
 */
export async function login(user, password, options = {}) {
  return (await untilTaken(() => request('POST', '/_/login', { user, password }), options)).user;
}

/**
 * Makes the browser session a guest again (`POST /_/logout`); an answer `unavailable` is tried
 * again, as a login's is.
 * @param {Options} [options] only `retryMs` and `maxRetryMs` apply
 */
export async function logout(options = {}) {
  await untilTaken(() => request('POST', '/_/logout'), options);
}

/**
 * Opens a resident page of the page type registered at `path` and connects it. An answer
 * `unavailable` (the process is draining, a proxy has no server for it, the state store is briefly
 * unreachable) opened nothing, so it is tried again after the reconnect backoff (or its
 * `Retry-After`, when longer), as an rpc is.
 * @param {string} path
 * @param {object} [params]
 * @param {Options} [options]
 * @returns {Promise<ResidentPage>}
 */
export async function openPage(path, params = {}, options = {}) {
  const settings = { ...DEFAULTS, ...options };
  return new ResidentPage(await untilTaken(() => request('POST', '/_/pages', { path, params }), settings), settings);
}

/**
 * Sends a request again while it is answered `unavailable` (nothing ran: no process took it), after
 * the backoff or its `Retry-After` when longer (up to `maxRetryMs`), at most {@link MOVE_RETRIES} times.
 */
async function untilTaken(send, options) {
  const settings = { ...DEFAULTS, ...options };
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (error.code !== 'unavailable' || attempt >= MOVE_RETRIES) throw error;
      await pause(waitMs(settings, attempt, error));
    }
  }
}

/** A live resident page: its data, its messages and its methods. Create it with {@link openPage}. */
export class ResidentPage {
  /** @type {string} */ id;
  /** @type {string} */ user;
  /** @type {string} */ epoch;
  /** Last message seq applied. @type {number} */ seq;
  /** The page's client data, kept in sync from `data` messages. @type {object} */ data;
  /** @type {State} */ state = 'connecting';
  /** `ws` or `poll`. @type {string} */ transport;

  #options;
  #handlers = new Map();
  #socket = null;      // the current WebSocket, connecting or live
  #live = false;       // the socket said hello: rpc may use it
  #socketWorked = false;
  #socketFailures = 0;
  /** Sockets of a tab that never had one that failed before their hello otherwise than with 1013 (see `#trySocketLater`). */
  #otherSocketFailures = 0;
  #calls = new Map();  // rpc id -> {resolve, reject}
  #nextCall = 1;
  #attempt = 0;
  #retryTimer = null;
  #socketTimer = null; // while long-polling after sockets failed: the next try of a socket
  #silenceTimer = null;
  #poll = null;        // AbortController of the running long-poll loop
  #held = null;        // messages that arrive while a resync reloads the data
  #resyncing = null;   // the running resync's promise
  #ended = null;       // once ended for good: [code, reason], that every later rpc rejects with
  #listeners = [];
  #finishedJobs = new Map(); // job id -> its final message
  #jobWaiters = new Map();   // job id -> [{resolve, reject}]
  #jobsRechecked = new Set(); // job ids whose check after a resync is under way (one chain each)

  /** @param {{page_id: string, user: string, epoch: string, seq: number, data: object}} opened */
  constructor(opened, options) {
    this.id = opened.page_id;
    this.user = opened.user;
    this.epoch = opened.epoch;
    this.seq = opened.seq;
    this.data = opened.data ?? {};
    this.#options = options;
    this.transport = options.websocket && 'WebSocket' in globalThis ? 'ws' : 'poll';
    this.#listen('pagehide', () => this.close());
    this.#listen('online', () => this.#reconnectNow());
    this.#listen('offline', () => this.#setState('offline', 'the browser is offline'));
    this.#connect();
  }

  /**
   * Calls `handler` for each event of `type` until the returned function is called:
   * - `data` (changes: Change[], message): the page data changed (already applied to `page.data`)
   * - `dbevent`, `notify`, `broadcast` (message): pushed messages, once each, in seq order
   * - `job` (message): a background job of this page changed: `{job_id, state, progress?, result?, error?}`
   *   with state `queued`, `running` (progress `{done, total, message?}`), `done`, `failed` or `cancelled`
   * - `message` (message): any of the five above
   * - `state` (state: State, reason?: string): the connection went online (again when a socket takes over
   *   from long-poll: see `transport`), reconnecting or offline
   * - `resync` (data): messages were lost, `page.data` was reloaded; reload what you derived from them
   * @param {string} type
   * @param {Function} handler
   * @returns {() => void} unsubscribe
   */
  on(type, handler) {
    if (!this.#handlers.has(type)) this.#handlers.set(type, new Set());
    this.#handlers.get(type).add(handler);
    return () => this.#handlers.get(type).delete(handler);
  }

  /**
   * The page data at a dot path (`orders.count`), or undefined.
   * @param {string} path
   */
  get(path) {
    return path.split('.').reduce((node, key) => node?.[key], this.data);
  }

  /**
   * Runs a method of the resident page: over the socket when it is open, else over HTTP. An
   * answer that says it did not run (`unavailable`, `page_moved`) is tried again over HTTP. Once the
   * page has ended (closed here, gone on the server, taken over by another socket) it rejects at once
   * with the reason it ended and sends nothing.
   * @param {string} method
   * @param {object} [params]
   * @returns {Promise<any>} the method's result; rejects with a {@link ResidentError}
   */
  rpc(method, params = {}) {
    if (this.#live) {
      const id = this.#nextCall++;
      return new Promise((resolve, reject) => {
        this.#calls.set(id, { method, params, resolve, reject });
        this.#socket.send(JSON.stringify({ t: 'rpc', id, method, params }));
      });
    }
    return this.#httpRpc(method, params, 0);
  }

  /**
   * An rpc over HTTP. A page that moved to another process (`page_moved`: it was not run) is
   * followed at once; one that is moving (`unavailable`: a drain, the store briefly unreachable)
   * is tried again after the backoff. Neither ran the call, so trying again is safe; once the page
   * has ended, the call rejects with the reason instead (see {@link rpc}).
   */
  #httpRpc(method, params, attempt) {
    // an ended page is never live: every call, and every call tried again, ends up here
    if (this.#ended) return Promise.reject(new ResidentError(...this.#ended, 0));
    // the query names the page for a balancer that routes by it (the body's page_id is the one
    // used), and the epoch: a page restored from its snapshot answers with a resync
    const query = `page_id=${encodeURIComponent(this.id)}&epoch=${encodeURIComponent(this.epoch)}`;
    return request('POST', `/_/rpc?${query}`, { page_id: this.id, method, params, after: this.seq }).then(reply => {
      this.#follow(reply.page_id);
      this.#replay(reply);
      return reply.result;
    }, error => this.#notRun(method, params, attempt, error));
  }

  /**
   * The same call over HTTP after an answer that says it did not run (`page_moved` at once,
   * `unavailable` after the backoff), over HTTP or on the socket; any other error is the call's own.
   */
  #notRun(method, params, attempt, error) {
    if (attempt >= MOVE_RETRIES || (error.code !== 'page_moved' && error.code !== 'unavailable')) return Promise.reject(error);
    this.#follow(error.pageId);
    const delay = error.code === 'page_moved' ? 0 : waitMs(this.#options, attempt, error);
    return pause(delay).then(() => this.#httpRpc(method, params, attempt + 1));
  }

  /**
   * The page now lives under another id (it was continued on another process of the site after
   * its own stopped): every later request names the new id. The old one keeps working too.
   */
  #follow(pageId) {
    if (pageId && pageId !== this.id) this.id = pageId;
  }

  /**
   * Waits for a background job of this page (its id from the method that submitted it).
   * @param {string} jobId
   * @returns {Promise<any>} the job's result when it is done; rejects with a {@link ResidentError}
   *   whose code is the job's error code when it failed, or `cancelled`; or, when the page ends
   *   before the job's end reached it, with the reason the page ended (as {@link rpc})
   */
  job(jobId) {
    return new Promise((resolve, reject) => {
      const finished = this.#finishedJobs.get(jobId);
      if (finished) return settleJob(finished, { resolve, reject });
      if (this.#ended) return reject(new ResidentError(...this.#ended, 0));
      if (!this.#jobWaiters.has(jobId)) this.#jobWaiters.set(jobId, []);
      this.#jobWaiters.get(jobId).push({ resolve, reject });
    });
  }

  /** Cancels a background job (`DELETE /_/jobs/{id}`); its end still arrives as a `job` message. */
  async cancelJob(jobId) {
    return request('DELETE', `/_/jobs/${encodeURIComponent(jobId)}`);
  }

  /** Drops the page on the server (also done when the browser hides the page) and stops. Safe twice. */
  close() {
    if (this.#ended) return;
    const body = JSON.stringify({ page_id: this.id });
    // a beacon still goes out while the tab is being unloaded
    const url = `/_/close?page_id=${encodeURIComponent(this.id)}`; // routed to the page's process, as an rpc
    if (!navigator.sendBeacon?.(url, body)) request('POST', url, { page_id: this.id }).catch(() => {});
    this.#stop('page closed');
  }

  #connect() {
    if (this.#ended) return;
    if (this.transport === 'ws') this.#openSocket();
    else this.#pollLoop();
  }

  #openSocket() {
    // batch=1: what the server has queued for us comes as one array frame (fewer message events)
    const query = `page_id=${encodeURIComponent(this.id)}&after=${this.seq}&epoch=${encodeURIComponent(this.epoch)}&batch=1`;
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/_/ws?${query}`);
    this.#socket = ws;
    this.#expectWithin(ws);
    ws.onmessage = event => {
      if (this.#socket !== ws) return;
      this.#expectWithin(ws);
      const data = JSON.parse(event.data);
      // a frame is one message, or several as an array (batch=1), in seq order
      for (const frame of Array.isArray(data) ? data : [data]) {
        if (this.#socket !== ws) return;
        this.#onFrame(ws, frame);
      }
    };
    ws.onclose = event => this.#socketClosed(ws, event.code, event.reason);
  }

  #onFrame(ws, frame) {
    switch (frame.t) {
      case 'hello':
        ws.answersBeforeClose = frame.answers_before_close === true;
        this.#follow(frame.page_id);
        if (this.transport === 'poll') this.#stopPolling(); // a socket tried again while polling: it takes over
        this.#live = true;
        this.#socketWorked = true;
        ws.saidHello = true;
        this.#socketFailures = 0; // refusals count again from here
        this.#attempt = 0;
        this.#setState('online');
        break;
      case 'ping':
        ws.send('{"t":"pong"}'); // the server's idle sweep only sees frames that we send
        break;
      case 'result':
        this.#settle(frame.id, call => call.resolve(frame.result));
        break;
      case 'error':
        this.#settle(frame.id, call => this.#notRun(call.method, call.params, 0,
          new ResidentError(frame.code, frame.code === 'internal' ? internalError(frame.message) : frame.message, 0))
          .then(call.resolve, call.reject));
        break;
      case 'resync':
        this.#resync();
        break;
      default:
        this.#receive(frame);
    }
  }

  #socketClosed(ws, code, reason) {
    if (this.#socket !== ws) return;
    this.#socket = null;
    this.#live = false;
    clearTimeout(this.#silenceTimer);
    const unanswered = [...this.#calls.values()];
    this.#calls.clear();
    if (!this.#ended && code === 4404) this.#stop(GONE);
    if (!this.#ended && code === 4409) this.#stop('another socket took over this page', 'page_replaced');
    // a server whose hello said answers_before_close sends the answer of every call it ran before
    // its close frame: a call still unanswered at one of its closes did not run. It goes again over
    // HTTP (at 1009 the call too big for the socket gets its too_large there), or rejects with the
    // reason the page ended (4404, 4409). At 1013 (the client too slow), at a close without a
    // frame, or from any other server, it is in doubt
    const notRun = ws.answersBeforeClose === true && CLOSES_BEFORE_A_CALL.has(code)
      && (code !== 1009 || reason === MESSAGE_TOO_BIG);
    for (const call of unanswered) {
      if (notRun) this.#httpRpc(call.method, call.params, 0).then(call.resolve, call.reject);
      else call.reject(new ResidentError('network', 'connection lost', 0));
    }
    if (this.#ended) return;
    if (!ws.saidHello && code !== 1013) this.#otherSocketFailures++; // only these count towards SOCKET_TRIES_WITHOUT_ONE
    if (this.transport === 'poll') return this.#trySocketLater(code, reason); // tried while polling: the poll goes on
    if (code === 4307 && reason) {
      this.#follow(reason); // the page runs on another process now: go there at once
      this.#attempt = 0;
      return this.#connect();
    }
    // sockets that fail before their hello: at the start (blocked on the way, refused), or later
    // refused with 1013 by a server full of sockets (after a restart, say): long-poll meanwhile
    const refused = !ws.saidHello && (!this.#socketWorked || code === 1013);
    if (code === 1008 || (refused && ++this.#socketFailures >= FAILURES_BEFORE_POLL)) {
      this.transport = 'poll'; // the socket is refused or blocked on the way: HTTP still works
      this.#attempt = 0;
      this.#trySocketLater(code, reason);
      return this.#pollLoop();
    }
    this.#retry(reason || `socket closed (${code})`);
  }

  /**
   * While long-polling because sockets failed before they ever said hello (refused with 1013 by a
   * server full of sockets, or by a proxy that did not upgrade them then), tries a socket again after
   * a backoff that grows with each failure up to `maxRetryMs`: a moment of overload does not cost
   * the tab its socket for good. One refused by policy (1008) is not tried again, and in a tab that
   * never had a socket only a server's 'try later' (1013) keeps the tries going past
   * {@link SOCKET_TRIES_WITHOUT_ONE}: other failures there mean a proxy that does not upgrade, which
   * would get a failing upgrade every `maxRetryMs` for the tab's life.
   */
  #trySocketLater(code, reason) {
    if (code === 4307 && reason) this.#follow(reason);
    if (code === 1008) return;
    if (!this.#socketWorked && code !== 1013 && this.#otherSocketFailures >= SOCKET_TRIES_WITHOUT_ONE) return;
    clearTimeout(this.#socketTimer);
    this.#socketTimer = setTimeout(() => {
      if (!this.#ended && this.transport === 'poll' && !this.#socket) this.#openSocket();
    }, spread(backoffMs(this.#options, this.#socketFailures++)));
  }

  /** A socket tried while long-polling said hello: it carries the page from now on. */
  #stopPolling() {
    this.transport = 'ws';
    this.#poll?.abort();
    this.#poll = null;
    clearTimeout(this.#retryTimer); // a poll waiting to be tried again
    this.state = 'connecting'; // not said: the hello's 'online' is, now with the socket as transport
  }

  /** A socket that stays silent past a few heartbeats is dead even if no close event came. */
  #expectWithin(ws) {
    clearTimeout(this.#silenceTimer);
    this.#silenceTimer = setTimeout(() => {
      ws.close();
      this.#socketClosed(ws, 1006, 'no heartbeat');
    }, this.#options.silenceMs);
  }

  async #pollLoop() {
    const abort = new AbortController();
    this.#poll = abort;
    let wait = 0; // the first poll answers at once: online (and caught up) without waiting
    while (!this.#ended && this.#poll === abort) {
      let reply;
      try {
        const query = `page_id=${encodeURIComponent(this.id)}&after=${this.seq}&wait=${wait}&epoch=${encodeURIComponent(this.epoch)}`;
        reply = await request('GET', `/_/poll?${query}`, undefined, abort.signal);
      } catch (error) {
        if (this.#poll !== abort) return;
        this.#poll = null;
        if (error.code === 'page_moved') {
          this.#follow(error.pageId);
          this.#attempt = 0;
          return this.#pollLoop();
        }
        if (!readMayPass(error)) return this.#endFor(error);
        return this.#retry(error.message, error.retryAfter);
      }
      this.#follow(reply.page_id);
      this.#attempt = 0;
      this.#setState('online');
      if (reply.resync) await this.#resync();
      else reply.messages.forEach(message => this.#receive(message));
      wait = this.#options.pollWaitSeconds;
    }
  }

  /** Applies the messages of an rpc or poll reply. */
  #replay(reply) {
    if (reply.resync) this.#resync();
    else reply.messages?.forEach(message => this.#receive(message));
  }

  #receive(message) {
    if (this.#held) return void this.#held.push(message);
    if (message.seq <= this.seq) return; // already seen: the socket, polls and rpc replies overlap
    if (message.seq > this.seq + 1) {
      this.#resync(); // a gap: something was lost on the way
      return void this.#held.push(message);
    }
    this.seq = message.seq;
    if (message.t === 'data') {
      message.changes.forEach(change => applyChange(this.data, change));
      this.#emit('data', message.changes, message);
    } else {
      if (message.t === 'job') this.#jobChanged(message);
      this.#emit(message.t, message);
    }
    this.#emit('message', message);
  }

  #jobChanged(message) {
    if (!FINISHED.has(message.state)) return;
    this.#finishedJobs.set(message.job_id, message);
    if (this.#finishedJobs.size > FINISHED_JOBS_KEPT) this.#finishedJobs.delete(this.#finishedJobs.keys().next().value);
    const waiters = this.#jobWaiters.get(message.job_id) ?? [];
    this.#jobWaiters.delete(message.job_id);
    waiters.forEach(waiter => settleJob(message, waiter));
  }

  /**
   * After a resync the end of a job may be among the lost messages: ask for each awaited one. A
   * job the server no longer knows (it ran in a process that restarted without a site-wide queue)
   * can never end: its waiters reject with `unknown_job` instead of waiting for good. A failure that
   * may pass ({@link passing}) is asked again after the backoff while someone waits; any other
   * error rejects the waiters with it.
   */
  #recheckJobs() {
    for (const jobId of this.#jobWaiters.keys()) {
      if (this.#jobsRechecked.has(jobId)) continue; // one chain a job, however many resyncs come
      this.#jobsRechecked.add(jobId);
      this.#recheckJob(jobId, 0);
    }
  }

  #recheckJob(jobId, attempt) {
    const done = () => this.#jobsRechecked.delete(jobId);
    request('GET', `/_/jobs/${encodeURIComponent(jobId)}`)
      .then(status => { done(); this.#jobChanged({ ...status, job_id: jobId }); }, error => {
        if (!this.#jobWaiters.has(jobId)) return done();
        if (passing(error)) {
          return void setTimeout(() => {
            if (this.#jobWaiters.has(jobId)) this.#recheckJob(jobId, attempt + 1);
            else done();
          }, waitMs(this.#options, attempt, error));
        }
        done();
        this.#jobChanged({ job_id: jobId, state: 'failed', error: { code: error.code, message: error.message } });
      });
  }

  /**
   * Reloads the page's data and seq (`GET /_/page`), then applies what arrived in between. Until
   * it has, the data is stale and what arrives is held: a read that fails in a way that may pass
   * ({@link passing}: the network, a busy or unreachable server) is tried again after the backoff,
   * with the state `reconnecting`, until it succeeds or the page ends; any other error ends the page
   * ({@link #endFor}), as asking again would not change it. Resolves then; a resync asked for while
   * a reload still holds what arrives joins it, one asked for after its read (a held message past
   * the data read: the read was of an older copy) starts another.
   */
  #resync() {
    if (this.#held === null) { // no reload is holding what arrives
      const reload = this.#reload().finally(() => { if (this.#resyncing === reload) this.#resyncing = null; });
      this.#resyncing = reload;
    }
    return this.#resyncing;
  }

  async #reload() {
    this.#held = [];
    for (let attempt = 0; !this.#ended; attempt++) {
      let snapshot;
      try {
        snapshot = await request('GET', `/_/page?page_id=${encodeURIComponent(this.id)}`);
      } catch (error) {
        if (this.#ended) return;
        if (!readMayPass(error)) return this.#endFor(error);
        if (error.code === 'page_moved' && error.pageId && error.pageId !== this.id) {
          this.#follow(error.pageId); // it was not read: read it where it is now, at once (a few times)
          if (attempt < MOVE_RETRIES) continue;
        }
        this.#setLost(error.message);
        await pause(waitMs(this.#options, attempt, error));
        continue;
      }
      if (this.#ended) return;
      this.#follow(snapshot.page_id);
      Object.assign(this, { data: snapshot.data, seq: snapshot.seq, epoch: snapshot.epoch });
      const held = this.#held;
      this.#held = null;
      if (this.#live || this.#poll) this.#setState('online'); // a failed read said reconnecting
      this.#emit('resync', this.data);
      this.#recheckJobs();
      for (const message of held) {
        // one past a gap came from another copy of the page than the one read (its process died
        // and another continued it from an older save): the read supersedes it
        if (message.seq <= this.seq + 1) this.#receive(message);
      }
      return;
    }
  }

  /** Connects again after the backoff, or after `retryAfter` seconds when the server asked for longer. */
  #retry(reason, retryAfter = 0) {
    this.#setLost(reason);
    const delay = Math.max(spread(backoffMs(this.#options, this.#attempt++)), asked(this.#options, retryAfter));
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  /** The browser is back online: no reason to wait for the backoff. */
  #reconnectNow() {
    if (this.#ended) return;
    if (this.#live) return this.#setState('online');
    if (this.#socket && this.transport === 'ws') return; // being opened already
    this.#poll?.abort(); // it may hang on the dead connection: start a fresh one
    this.#poll = null;
    clearTimeout(this.#retryTimer);
    this.#attempt = 0;
    this.#connect();
  }

  /**
   * Ends the page after a request for it (a poll, a reload) met an error that asking again will not
   * change: `unknown_page` as gone, as the socket's 4404 does; any other (a 400, a proxy's 404...)
   * with its own code and message.
   */
  #endFor(error) {
    if (error.code === 'unknown_page') return this.#stop(GONE);
    this.#stop(error.message, error.code);
  }

  /** Ends the page here for good; every later rpc and unfinished job rejects with `code` (see {@link rpc}). */
  #stop(reason, code = 'unknown_page') {
    this.#ended = [code, reason];
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#socketTimer);
    clearTimeout(this.#silenceTimer);
    this.#poll?.abort();
    this.#poll = null;
    const ws = this.#socket;
    this.#socket = null;
    this.#live = false;
    ws?.close(1000);
    for (const call of this.#calls.values()) call.reject(new ResidentError(code, reason, 0));
    this.#calls.clear();
    // the job goes on on the server, but its end can no longer reach this page
    for (const waiters of this.#jobWaiters.values()) waiters.forEach(waiter => waiter.reject(new ResidentError(code, reason, 0)));
    this.#jobWaiters.clear();
    this.#listeners.forEach(([type, fn]) => removeEventListener(type, fn));
    this.#setState('offline', reason);
  }

  #settle(id, action) {
    const call = this.#calls.get(id);
    if (!call) return;
    this.#calls.delete(id);
    action(call);
  }

  /** The server is out of reach for now: `offline` when the browser knows it is, else `reconnecting`. */
  #setLost(reason) {
    this.#setState(navigator.onLine === false ? 'offline' : 'reconnecting', reason);
  }

  #setState(state, reason) {
    if (this.state === state) return;
    this.state = state;
    this.#emit('state', state, reason);
  }

  #emit(type, ...args) {
    for (const handler of this.#handlers.get(type) ?? []) {
      try {
        handler(...args);
      } catch (error) {
        console.error(`resident: a ${type} handler failed`, error); // one bad handler must not stop the others
      }
    }
  }

  #listen(type, fn) {
    addEventListener(type, fn);
    this.#listeners.push([type, fn]);
  }
}

/**
 * Whether a failed request may succeed when sent again later, so that a poll, a page reload or a
 * job check tries again after the backoff: no answer (the network; a proxy's 502 or 504), a server
 * busy, failing or away (408, 429, 5xx: `unavailable` did nothing), a page on its way to another
 * process (`page_moved`), or a success that is not JSON (a sign-on proxy's login page, a captive
 * portal: they let requests through once the user has signed in). Any other 4xx, Resident's or a
 * proxy's, is an answer that asking again will not change.
 */
function passing(error) {
  return error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500
    || error.code === 'page_moved' || (error.code === 'http_error' && error.status < 400);
}

/**
 * Whether a failed read of a page's own (a poll, a reload) may succeed later: what {@link passing}
 * says, and a 401 or 403. Resident answers these reads 404 when the session ended, never 401 or
 * 403, so such an answer is a sign-on gateway's, which lets requests through again once the user
 * has signed in (as its login page, a success that is not JSON, does): the page says
 * `reconnecting` with the reason and asks again after the backoff, and goes on where it was. A job
 * check keeps rejecting on them (Resident's own `/_/jobs` answers 401 without a session).
 */
function readMayPass(error) {
  return passing(error) || error.status === 401 || error.status === 403;
}

/** Resolves a job's waiter with its result, or rejects it with its error. */
function settleJob(message, { resolve, reject }) {
  if (message.state === 'done') resolve(message.result);
  else if (message.state === 'cancelled') reject(new ResidentError('cancelled', 'the job was cancelled', 0));
  else reject(new ResidentError(message.error?.code ?? 'failed', message.error?.message ?? 'the job failed', 0));
}

/** Sets or deletes the value at a change's dot path. */
const UNSAFE_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

function applyChange(data, { path, value, delete: remove }) {
  const keys = path.split('.');
  // never a key of page data (the server refuses them): on a plain object they reach its prototype
  if (keys.some(key => UNSAFE_KEYS.has(key))) return;
  const last = keys.pop();
  let node = data;
  for (const key of keys) {
    if (!Object.hasOwn(node, key) || typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key];
  }
  if (remove) delete node[last];
  else node[last] = value;
}

/** The wait before try number `attempt` + 1: `retryMs` doubling with each attempt, up to `maxRetryMs`. */
function backoffMs(options, attempt) {
  return Math.min(options.maxRetryMs, options.retryMs * 2 ** attempt);
}

/** Between half and all of `ceiling`, half fixed, half random: spread out when a whole server's clients come back at once. */
function spread(ceiling) {
  return ceiling / 2 + Math.random() * ceiling / 2;
}

/**
 * The wait before trying again after `error`: the backoff, or as long as its `Retry-After` asked
 * when that is longer, up to `maxRetryMs`.
 */
function waitMs(options, attempt, error) {
  return Math.max(backoffMs(options, attempt), asked(options, error.retryAfter));
}

/** A `Retry-After` of `seconds` in ms, up to `maxRetryMs` (the longest the page author lets a retry wait). */
function asked(options, seconds) {
  return Math.min(options.maxRetryMs, (seconds ?? 0) * 1000);
}

/** Seconds of a `Retry-After` header (seconds, or an HTTP date), 0 without one. */
function retryAfterSeconds(value) {
  if (!value) return 0;
  const seconds = /^\s*\d+\s*$/.test(value) ? Number(value) : (Date.parse(value) - Date.now()) / 1000;
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}

/** Resolves after `ms`. */
function pause(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** A JSON request; errors become {@link ResidentError}s. */
async function request(method, url, body, signal) {
  let response;
  try {
    response = await fetch(url, {
      method,
      signal,
      credentials: 'same-origin',
      headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ResidentError('network', error.message, 0);
  }
  // Resident answers every read (GET) with a body: an empty success is a proxy's, an error as below
  if (response.status === 204 && method !== 'GET') return null;
  const json = await response.json().catch(() => null);
  if (!response.ok) {
    const retryAfter = retryAfterSeconds(response.headers.get('Retry-After'));
    if (!json?.error) throw proxyError(response, retryAfter);
    const message = json.error.code === 'internal' && json.error.id ? internalError(json.error.id) : json.error.message;
    throw new ResidentError(json.error.code, message, response.status, json.page_id, retryAfter);
  }
  if (json === null || typeof json !== 'object') {
    // a page of a proxy's own (a single sign-on proxy's login page, a captive portal): an error to
    // show (a poll tries again after the backoff, saying why), never a reply to read
    throw new ResidentError('http_error', `${response.status} ${response.statusText} that is not JSON, from a proxy in front of the server`,
      response.status);
  }
  return json;
}

/**
 * The message of a 500 `internal`: the id the server logged its stack trace under (the socket's
 * error frame carries it as its message, an HTTP answer as the error's `id`), for a user's report.
 */
function internalError(id) {
  return `internal error (id ${id})`;
}

/**
 * An error answer that is not Resident's own (no JSON error body): a proxy's, in front of the
 * server. Its 503 means it found no server to send the request to, so nothing ran: `unavailable`,
 * which an rpc tries again. Its 502 or 504 means the server closed the connection or did not
 * answer in time, so the request may have run: `network`, like a dropped connection.
 */
function proxyError(response, retryAfter) {
  const message = `${response.status} ${response.statusText} from the proxy in front of the server`;
  if (response.status === 503) return new ResidentError('unavailable', message, response.status, undefined, retryAfter);
  if (response.status === 502 || response.status === 504) return new ResidentError('network', message, response.status);
  return new ResidentError('http_error', message, response.status, undefined, retryAfter);
}
