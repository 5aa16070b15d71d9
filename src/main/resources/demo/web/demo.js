// The demo at /: a live orders board on the resident page /board, built on /_/resident.js.
import { openPage, login, logout } from '/_/resident.js';
import { el } from '/_/el.js';

const $ = selector => document.querySelector(selector);
// ?transport=poll forces long-poll, as behind a proxy that blocks WebSocket
const query = new URLSearchParams(location.search);
const options = { websocket: query.get('transport') !== 'poll' };
// ?export_step_ms=N slows the export down (the browser test reloads the tab in the middle of it)
const exportParams = query.has('export_step_ms') ? { step_ms: Number(query.get('export_step_ms')) } : {};
const orders = new Map(); // id -> the newest version of each order seen
/** The running export survives a reload: its job id is kept for this tab. */
const EXPORT_KEY = 'resident-demo-export';
let page = null;
let csvUrl = null;

$('#login-form').addEventListener('submit', onLogin);
$('#reload').addEventListener('click', () => location.reload());
document.querySelectorAll('[data-demo-user]').forEach(button => button.addEventListener('click', () => {
  $('#login-user').value = $('#login-password').value = button.dataset.demoUser;
  $('#login-form').requestSubmit();
}));
start();

async function start() {
  try {
    page = await openPage('/board', {}, options);
  } catch (error) {
    if (error.status === 401) return show('#login');
    return showBanner(`Cannot open the board: ${error.message}`);
  }
  showBoard();
}

async function onLogin(event) {
  event.preventDefault();
  try {
    await login($('#login-user').value.trim(), $('#login-password').value);
    $('#login-error').textContent = '';
    await start();
  } catch (error) {
    $('#login-error').textContent = error.status === 401 ? 'Wrong user or password.' : error.message;
  }
}

function showBoard() {
  show('#board');
  $('#who').hidden = $('#conn').hidden = false;
  $('#me').textContent = page.data.user;
  $('#page-id').textContent = document.body.dataset.pageId = page.id;
  renderChanges();
  showConnection(page.state);

  page.on('state', showConnection);
  page.on('data', renderChanges);
  page.on('dbevent', message => message.events.forEach(applyEvent));
  page.on('notify', showNotice);
  page.on('resync', forgetAndReload); // dbevents were lost while away: reload the whole table

  page.on('job', message => {
    if (message.job_id === sessionStorage.getItem(EXPORT_KEY)) showExport(message);
  });
  $('#export').addEventListener('click', startExport);
  $('#export-cancel').addEventListener('click', () => page.cancelJob(sessionStorage.getItem(EXPORT_KEY)).catch(alertError));
  resumeExport();

  $('#new-order').addEventListener('submit', createOrder);
  $('#notify-form').addEventListener('submit', sendNotice);
  $('#logout').addEventListener('click', async () => {
    page.close();
    await logout();
    location.reload();
  });
  loadOrders();
  refreshOnline();
  setInterval(refreshOnline, 3000);
}

let changedDuringLoad = null; // ids of the dbevents applied while a load was on its way

/**
 * Makes the table what the server lists: newer copies are kept, and rows it no longer lists go
 * (deleted while our events were lost), unless a dbevent touched them while the list travelled.
 */
async function loadOrders() {
  const changed = changedDuringLoad = new Set();
  try {
    const listed = new Set();
    for (const order of await page.rpc('orders')) {
      listed.add(order.id);
      if (!changed.has(order.id)) upsert(order);
    }
    for (const row of [...$('#orders tbody').rows]) {
      const id = Number(row.dataset.id);
      if (!listed.has(id) && !changed.has(id)) removeOrder(id);
    }
  } finally {
    if (changedDuringLoad === changed) changedDuringLoad = null;
  }
}

let reloading = null;
/** One reload for a burst of events that ask for it. */
function reloadSoon() {
  reloading ??= loadOrders().catch(alertError).finally(() => { reloading = null; });
}

/**
 * After a resync the server's history may not be the one we saw (a crash of its machine, a store
 * that was wiped): versions seen before mean nothing now, so an order may come back under an id we
 * knew with a version we had. Forget them and reload; the rows stay until the list replaces them.
 */
function forgetAndReload() {
  orders.clear();
  if (reloading) reloading.finally(reloadSoon); else reloadSoon();
}

function applyEvent({ action, pkey, record }) {
  if (action === '*' || !record) { // changes may have been missed, or a row too big to travel: reload
    reloadSoon();
    return;
  }
  changedDuringLoad?.add(pkey);
  if (action === 'D') {
    removeOrder(pkey);
    return;
  }
  if (!upsert(record)) return;
  const what = action === 'I' ? `created #${record.id} for ${record.customer}` : `set #${record.id} to ${record.status}`;
  prepend($('#activity'), el('li', {}, el('b', {}, record.by), ` ${what}`), 8);
}

function removeOrder(id) {
  orders.delete(id);
  $(`#orders tr[data-id="${CSS.escape(String(id))}"]`)?.remove(); // an id from a dbevent: escaped, as any
  $('#order-count').textContent = `${orders.size} orders`;
}

/** Keeps the newer copy of an order and redraws its row; false when it was not newer. */
function upsert(order) {
  const known = orders.get(order.id);
  if (known && known.version >= order.version) return false;
  orders.set(order.id, order);
  const row = orderRow(order);
  const old = $(`#orders tr[data-id="${CSS.escape(String(order.id))}"]`);
  if (old) {
    old.replaceWith(row);
  } else {
    const later = [...$('#orders tbody').rows].find(r => Number(r.dataset.id) < order.id);
    $('#orders tbody').insertBefore(row, later ?? null); // newest first
  }
  if (known) row.classList.add('flash');
  $('#order-count').textContent = `${orders.size} orders`;
  return true;
}

function orderRow(order) {
  const status = el('select', { 'aria-label': `Status of order ${order.id}` },
    ...page.data.statuses.map(s => el('option', { value: s, selected: s === order.status }, s)));
  status.addEventListener('change', () => page.rpc('update', { id: order.id, status: status.value }).catch(alertError));
  return el('tr', { 'data-id': order.id, 'data-status': order.status },
    el('td', { class: 'muted' }, order.id),
    el('td', {}, order.customer),
    el('td', {}, order.item),
    el('td', { class: 'num' }, order.qty),
    el('td', {}, status),
    el('td', { class: 'muted' }, `${order.by} · ${new Date(order.at).toLocaleTimeString()}`));
}

async function startExport() {
  try {
    const { job_id: jobId } = await page.rpc('export', exportParams);
    sessionStorage.setItem(EXPORT_KEY, jobId);
    showExport({ job_id: jobId, state: 'queued' });
  } catch (error) {
    alertError(error);
  }
}

/** After a reload: this new page takes over the messages of the export the old page started. */
async function resumeExport() {
  const jobId = sessionStorage.getItem(EXPORT_KEY);
  if (!jobId) return;
  try {
    showExport({ job_id: jobId, ...(await page.rpc('follow', { job_id: jobId })) });
  } catch {
    sessionStorage.removeItem(EXPORT_KEY); // gone: finished too long ago, or another user's
  }
}

function showExport({ state, progress, result, error }) {
  const box = $('#export-box');
  box.hidden = false;
  box.dataset.state = state;
  const running = state === 'queued' || state === 'running';
  $('#export').disabled = running;
  $('#export-cancel').hidden = !running;
  $('#export-progress').hidden = !running;
  if (progress) Object.assign($('#export-progress'), { max: progress.total, value: progress.done });
  $('#export-text').textContent = {
    queued: 'export queued…',
    running: `exporting: ${progress?.message ?? 'starting'}`,
    done: `exported ${result?.rows} orders${result?.truncated ? " (the first ones: the rest would not fit)" : ""} (${Object.entries(result?.by_status ?? {}).map(([s, n]) => `${n} ${s}`).join(', ')})`,
    failed: `export failed: ${error?.message}${error?.id ? ` (error id ${error.id})` : ''}`,
    cancelled: 'export cancelled',
  }[state] ?? state;
  const link = $('#export-link');
  link.hidden = state !== 'done';
  if (state === 'done') {
    if (csvUrl) URL.revokeObjectURL(csvUrl);
    csvUrl = URL.createObjectURL(new Blob([result.csv], { type: 'text/csv' }));
    link.href = csvUrl;
  }
  if (!running) sessionStorage.removeItem(EXPORT_KEY);
}

async function createOrder(event) {
  event.preventDefault();
  const form = event.target;
  try {
    await page.rpc('create', { customer: $('#customer').value, item: $('#item').value, qty: Number($('#qty').value) });
    form.reset();
    $('#customer').focus();
  } catch (error) {
    alertError(error);
  }
}

async function sendNotice(event) {
  event.preventDefault();
  const to = $('#notify-to').value.trim();
  try {
    await page.rpc('notify', { to, text: $('#notify-text').value });
    $('#notify-text').value = '';
    toast(`Sent to ${to}`);
  } catch (error) {
    alertError(error);
  }
}

function showNotice({ payload, from }) {
  prepend($('#notices'), el('li', { class: 'notice' }, el('b', {}, from ?? 'system'), `: ${payload.text}`), 6);
  toast(`${from ?? 'system'}: ${payload.text}`);
}

async function refreshOnline() {
  if (page.state !== 'online') return;
  const online = await page.rpc('online').catch(() => null);
  if (!online) return;
  $('#online-users').textContent = online.users.length + online.guests;
  $('#online-pages').textContent = online.pages;
  $('#online-sockets').textContent = online.sockets;
  $('#online-list').replaceChildren(...online.users.map(user => {
    const item = el('li', { title: `Message ${user}` }, user);
    item.addEventListener('click', () => { $('#notify-to').value = user; $('#notify-text').focus(); });
    return item;
  }));
  $('#user-names').replaceChildren(...online.users.map(user => el('option', { value: user })));
}

function renderChanges() {
  $('#changes').textContent = page.get('changes') ?? 0;
}

function showConnection(state, reason) {
  const text = { online: `online · ${page.transport === 'ws' ? 'websocket' : 'long-poll'}`, reconnecting: 'reconnecting…' };
  Object.assign($('#conn').dataset, { state, transport: page.transport });
  $('#conn-text').textContent = text[state] ?? state;
  $('#conn').title = reason ?? '';
  if (state === 'online') refreshOnline();
  if (state === 'offline' && reason?.includes('gone')) showBanner('This page was closed on the server.');
}

function showBanner(text) {
  $('#banner-text').textContent = text;
  $('#banner').hidden = false;
}

function show(view) {
  $('#login').hidden = view !== '#login';
  $('#board').hidden = view !== '#board';
}

function toast(text) {
  const item = el('div', { class: 'toast' }, text);
  $('#toasts').append(item);
  setTimeout(() => item.remove(), 4000);
}

function alertError(error) {
  toast(`Error: ${error.message}`);
}

function prepend(list, item, keep) {
  list.prepend(item);
  while (list.children.length > keep) list.lastChild.remove();
}
