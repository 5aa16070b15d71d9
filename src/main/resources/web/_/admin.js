// The admin view (/_/admin): the live registries of every process of the site, refreshed every two
// seconds, and page and process actions (routed by the server to the process that owns the page).
import { el } from '/_/el.js';

const $ = selector => document.querySelector(selector);
const REFRESH_MS = 2000;

refresh();
setInterval(refresh, REFRESH_MS);

async function refresh() {
  const response = await fetch('/_/admin/state', { credentials: 'same-origin' }).catch(() => null);
  if (!response?.ok) {
    $('#updated').textContent = response ? `error ${response.status}` : 'server unreachable';
    return;
  }
  render(await response.json());
}

function render(state) {
  for (const [name, count] of Object.entries(state.counts)) $(`#count-${name}`).textContent = count;
  $('#updated').textContent = `updated ${new Date(state.now).toLocaleTimeString()}`;
  fill('#processes', state.processes ?? [], process => process.status === 'up' ? [
    el('td', {}, process.process),
    el('td', {}, el('span', { class: 'pill open' }, 'up')),
    el('td', {}, process.draining ? 'draining' : process.ready ? 'yes' : 'no'),
    el('td', {}, process.bus),
    el('td', { class: 'num' }, duration(process.uptime_s)),
    el('td', {}, process.version),
    el('td', { class: 'num' }, process.counts.users),
    el('td', { class: 'num' }, process.counts.connections),
    el('td', { class: 'num' }, process.counts.pages),
    el('td', { class: 'num' }, process.counts.sockets),
    el('td', {}, process.draining ? '' : action('drain', 'danger', processUrl(process), 'POST')),
  ] : [
    el('td', {}, process.process),
    el('td', {}, el('span', { class: 'pill none' }, 'missing')),
    el('td', { colspan: 9 }, `no answer; last seen ${duration(process.last_seen_s)} ago`),
  ]);
  fill('#pages', state.pages, page => [
    el('td', {}, page.process),
    el('td', {}, el('code', { title: page.page_id }, page.page_id.slice(0, 10) + '…')),
    el('td', {}, page.path),
    el('td', {}, page.user),
    el('td', {}, el('code', {}, page.connection)),
    el('td', { class: 'num' }, duration(page.age_s)),
    el('td', { class: 'num' }, duration(page.idle_s)),
    el('td', { class: 'num' }, page.seq),
    el('td', {}, page.tables.join(', ')),
    el('td', {}, el('span', { class: `pill ${page.socket.state}` }, page.socket.state)),
    el('td', { class: 'num' }, page.socket.queued),
    el('td', { class: 'num' }, page.pending),
    el('td', {},
      page.socket.state === 'open' ? action('disconnect', 'quiet', `${pageUrl(page)}/socket`) : '',
      ' ', action('drop', 'danger', pageUrl(page))),
  ]);
  const jobs = state.jobs ?? { counts: {}, list: [], schedule: [] };
  $('#job-counts').textContent = Object.entries(jobs.counts).map(([name, count]) => `${name} ${count}`).join(' · ');
  fill('#jobs', jobs.list, job => [
    el('td', {}, el('code', { title: job.job_id }, job.job_id.slice(0, 10) + '…')),
    el('td', {}, job.type),
    el('td', {}, job.user),
    el('td', {}, el('span', { class: `pill ${job.state}` }, job.state)),
    el('td', {}, job.progress ? `${job.progress.done}/${job.progress.total} ${job.progress.message ?? ''}` : ''),
    el('td', { class: 'num' }, job.attempt),
    el('td', { class: 'num' }, duration(Math.max(0, Math.floor((state.now - job.submitted_at) / 1000)))),
    el('td', {}, job.error ? `${job.error.code}${job.error.id ? ` (id ${job.error.id})` : ''}` : ''),
    el('td', {}, job.state === 'queued' || job.state === 'running'
      ? action('cancel', 'danger', `/_/jobs/${encodeURIComponent(job.job_id)}`) : ''),
  ]);
  fill('#schedule', jobs.schedule, entry => [
    el('td', {}, entry.name), el('td', {}, entry.task), el('td', {}, el('code', {}, entry.cron)),
    el('td', {}, entry.zone), el('td', {}, entry.missed),
    el('td', {}, entry.next_run ? new Date(entry.next_run).toLocaleString() : '')]);
  fill('#users', state.users, user => [
    el('td', {}, user.process), el('td', {}, user.user), el('td', { class: 'num' }, user.connections), el('td', { class: 'num' }, user.pages)]);
  fill('#connections', state.connections, connection => [
    el('td', {}, connection.process),
    el('td', {}, el('code', {}, connection.id)),
    el('td', {}, connection.user),
    el('td', { class: 'num' }, duration(connection.age_s)),
    el('td', { class: 'num' }, duration(connection.idle_s)),
    el('td', { class: 'num' }, connection.pages)]);
}

function pageUrl(page) {
  return `/_/admin/pages/${encodeURIComponent(page.page_id)}`;
}

function processUrl(process) {
  return `/_/admin/processes/${encodeURIComponent(process.process)}/drain`;
}

/** A button that sends `method` (DELETE) to `url`, then refreshes. */
function action(label, style, url, method = 'DELETE') {
  const button = el('button', { type: 'button', class: style }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    await fetch(url, { method, credentials: 'same-origin' }).catch(() => null);
    refresh();
  });
  return button;
}

function fill(table, rows, cells) {
  $(`${table} tbody`).replaceChildren(...rows.map(row => el('tr', {}, ...cells(row))));
}

function duration(seconds) {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor(seconds / 60) % 60}m`;
}
