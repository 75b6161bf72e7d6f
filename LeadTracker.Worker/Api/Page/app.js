// LeadTracker's page: the four lead lists, search, a lead's timeline and CSV downloads, from the read API with the
// token the person signs in with (kept in this browser's localStorage until "Sign out").
'use strict';

const $ = (selector) => document.querySelector(selector);
const TOKEN_KEY = 'leadtracker.token';
const LISTS = {
  'follow-up': 'Wrote to us after our last message: waiting for an answer, most recent first.',
  stale: 'Not contacted in the chosen number of days, or never: longest silence first.',
  recent: 'Latest interaction either way, most recent first.',
  closing: 'Waiting for us, and WhatsApp’s 24-hour reply window closes within the chosen hours: soonest first.',
};

const state = {
  token: localStorage.getItem(TOKEN_KEY),
  view: 'follow-up', days: '7', hours: '4', workspace: '', search: '',
  next: null, leadId: null, older: null, zone: 'UTC', workspaces: new Map(), generation: 0,
};

let timeFormat = makeTimeFormat('UTC');

function makeTimeFormat(zone) {
  // sv-SE writes 2026-01-15 11:05, readable everywhere and sortable.
  return new Intl.DateTimeFormat('sv-SE', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

function time(iso) { return iso ? timeFormat.format(new Date(iso)) : 'never'; }

// "closes in 3 h 20 min" while WhatsApp's reply window is open; the closing time in the team's zone is its title.
function windowText(lead, now = Date.now()) {
  if (!lead.replyWindowClosesAtIso) return 'they never wrote';
  const left = new Date(lead.replyWindowClosesAtIso).getTime() - now;
  let text;
  if (left <= 0) text = 'closed';
  else {
    const minutes = Math.floor(left / 60000);
    const hours = Math.floor(minutes / 60);
    text = hours > 0 ? `closes in ${hours} h ${minutes % 60} min` : `closes in ${minutes} min`;
  }
  return lead.needsTemplate ? `${text} · needs a template` : text;
}

// The ad or page button that brought the lead (Meta's referral on their first message).
function sourceText(source) {
  if (!source) return '';
  const kind = source.type === 'ad' ? 'Ad' : source.type === 'post' ? 'Post' : 'Referral';
  return source.headline ? `${kind} “${source.headline}” (${source.id || source.url})` : `${kind} ${source.id || source.url}`;
}

function windowCell(lead) {
  const td = cell('Reply window', windowText(lead), 'nowrap window');
  td.dataset.closes = lead.replyWindowClosesAtIso || '';
  td.dataset.template = lead.needsTemplate ? 'true' : 'false';
  if (lead.replyWindowClosesAtIso) td.title = `Closes ${time(lead.replyWindowClosesAtIso)} (${state.zone})`;
  return td;
}

// The countdowns move on their own (every 30 s, so a minute is never shown late), from each cell's closing time.
setInterval(() => {
  document.querySelectorAll('td.window').forEach((td) => {
    td.textContent = windowText({ replyWindowClosesAtIso: td.dataset.closes || null, needsTemplate: td.dataset.template === 'true' });
  });
}, 30000);

class SignedOut extends Error {}

async function api(path, params = {}) {
  const url = new URL(path, document.baseURI);
  for (const [key, value] of Object.entries(params)) {
    if (value !== '' && value !== null && value !== undefined) url.searchParams.set(key, value);
  }
  const response = await fetch(url, { headers: { Authorization: `Bearer ${state.token}` } });
  if (response.status === 401) {
    signOut('That token is not accepted (any more). Sign in again.');
    throw new SignedOut();
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.detail || `${response.status} ${response.statusText}`);
  }
  return response;
}

function listPath() { return state.search ? 'api/leads' : `api/leads/${state.view}`; }

function listParams(extra = {}) {
  const params = { workspace: state.workspace, ...extra };
  if (state.search) params.search = state.search;
  else if (state.view === 'stale') params.days = state.days;
  else if (state.view === 'closing') params.hours = state.hours;
  return params;
}

// ---- sign in / out ----

function showSignIn(message = '') {
  $('#app').hidden = true; $('#controls').hidden = true; $('#lead').hidden = true;
  $('#signin').hidden = false; $('#signin-error').textContent = message; $('#token').focus();
}

function signOut(message = '') {
  state.token = null;
  localStorage.removeItem(TOKEN_KEY);
  showSignIn(message);
}

async function start() {
  try {
    const { workspaces, timeZone } = await (await api('api/workspaces')).json();
    state.zone = timeZone; timeFormat = makeTimeFormat(timeZone);
    $('#zone').textContent = timeZone;
    const select = $('#workspace');
    select.replaceChildren(new Option('All workspaces', ''));
    state.workspaces = new Map(workspaces.map((w) => [w.phoneNumberId, w]));
    for (const w of workspaces) select.append(new Option(w.name ? `${w.name} (${w.leads})` : `${w.phoneNumberId} (${w.leads})`, w.phoneNumberId));
    select.value = state.workspace;
  } catch (error) {
    if (!(error instanceof SignedOut)) showSignIn(`Cannot reach LeadTracker: ${error.message}`);
    return;
  }
  $('#signin').hidden = true; $('#app').hidden = false; $('#controls').hidden = false;
  await refresh();
}

$('#signin').addEventListener('submit', async (event) => {
  event.preventDefault();
  state.token = $('#token').value.trim();
  localStorage.setItem(TOKEN_KEY, state.token);
  $('#token').value = '';
  await start();
});

$('#signout').addEventListener('click', () => signOut());

// ---- lists ----

async function refresh() {
  const generation = ++state.generation;
  document.querySelectorAll('.tabs button').forEach((tab) => tab.setAttribute('aria-selected', String(!state.search && tab.dataset.view === state.view)));
  $('.tabs').classList.toggle('searching', Boolean(state.search));
  $('#days-field').hidden = Boolean(state.search) || state.view !== 'stale';
  $('#hours-field').hidden = Boolean(state.search) || state.view !== 'closing';
  $('#caption').textContent = state.search ? `Leads matching “${state.search}”, most recently active first.` : LISTS[state.view];
  $('#leads tbody').replaceChildren();
  $('#status').textContent = 'Loading…';
  try {
    const [counts] = await Promise.all([
      api('api/leads/counts', { days: state.days, hours: state.hours, workspace: state.workspace }).then((r) => r.json()),
      loadPage(null, generation),
    ]);
    if (generation !== state.generation) return;
    for (const [key, value] of Object.entries(counts)) {
      const badge = document.querySelector(`[data-count="${key}"]`);
      if (badge) badge.textContent = value;
    }
  } catch (error) {
    if (!(error instanceof SignedOut)) $('#status').textContent = `Could not load the leads: ${error.message}`;
  }
}

async function loadPage(after, generation = state.generation) {
  const page = await (await api(listPath(), listParams({ after }))).json();
  if (generation !== state.generation) return;
  const body = $('#leads tbody');
  for (const lead of page.leads) body.append(leadRow(lead));
  state.next = page.next;
  $('#more').hidden = !page.next;
  const shown = body.children.length;
  $('#status').textContent = shown === 0 ? 'No leads here.' : `${shown} lead${shown === 1 ? '' : 's'} shown${page.next ? ' (more below)' : ''}.`;
}

function cell(label, text, className) {
  const td = document.createElement('td');
  td.dataset.label = label;
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function workspaceName(lead) { return lead.workspaceName || lead.workspace; }

function handle(username) { return username && (username.startsWith('@') ? username : `@${username}`); }

function leadRow(lead) {
  const tr = document.createElement('tr');
  tr.tabIndex = 0;
  tr.dataset.id = lead.id;
  const name = cell('Name', lead.profileName || lead.username || lead.phoneE164 || 'Unknown', 'name');
  if (lead.username && lead.profileName) {
    const small = document.createElement('small');
    small.textContent = handle(lead.username);
    name.append(small);
  }
  if (lead.source) name.append(Object.assign(document.createElement('small'), { className: 'source', textContent: sourceText(lead.source) }));
  tr.append(name, cell('Phone', lead.phoneE164 || '—', 'nowrap'), cell('Workspace', workspaceName(lead)),
    cell('Last activity', time(lead.lastActivityAtIso), 'nowrap'), cell('Last contact', time(lead.lastContactAtIso), 'nowrap'),
    cell('Last inbound', time(lead.lastInboundAtIso), 'nowrap'), windowCell(lead));
  tr.addEventListener('click', () => openLead(lead.id));
  tr.addEventListener('keydown', (event) => { if (event.key === 'Enter') openLead(lead.id); });
  return tr;
}

document.querySelectorAll('.tabs button').forEach((tab) => tab.addEventListener('click', () => {
  state.view = tab.dataset.view;
  state.search = ''; $('#search').value = '';
  refresh();
}));
$('#days').addEventListener('change', (event) => { state.days = event.target.value; refresh(); });
$('#hours').addEventListener('change', (event) => { state.hours = event.target.value; refresh(); });
$('#workspace').addEventListener('change', (event) => { state.workspace = event.target.value; refresh(); });
$('#more').addEventListener('click', () => loadPage(state.next).catch((e) => { $('#status').textContent = e.message; }));

let searchTimer;
$('#search').addEventListener('input', (event) => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => { state.search = event.target.value.trim(); refresh(); }, 250);
});

// ---- one lead ----

async function openLead(id) {
  state.leadId = id;
  document.querySelectorAll('#leads tbody tr').forEach((tr) => tr.classList.toggle('open', tr.dataset.id === String(id)));
  $('#timeline').replaceChildren();
  $('#lead').hidden = false;
  await loadTimeline(null);
}

async function loadTimeline(after) {
  const id = state.leadId;
  try {
    const page = await (await api(`api/leads/${id}`, { after, limit: 30 })).json();
    if (id !== state.leadId) return;
    if (!after) showFacts(page.lead);
    for (const message of page.messages) $('#timeline').append(messageItem(message));
    if (!after && page.messages.length === 0) $('#timeline').append(Object.assign(document.createElement('li'), { textContent: 'No messages stored for this lead.' }));
    state.older = page.next;
    $('#older').hidden = !page.next;
  } catch (error) {
    if (!(error instanceof SignedOut)) $('#lead-name').textContent = `Could not load the lead: ${error.message}`;
  }
}

function showFacts(lead) {
  $('#lead-name').textContent = lead.profileName || lead.username || lead.phoneE164 || 'Unknown';
  const facts = [
    ['Phone', lead.phoneE164], ['Username', handle(lead.username)], ['Workspace', workspaceName(lead)],
    ['Last activity', time(lead.lastActivityAtIso)], ['Last contact', time(lead.lastContactAtIso)],
    ['Last inbound', time(lead.lastInboundAtIso)], ['Reply window', windowText(lead)], ['Marketing', lead.marketingStatus],
    ['Source', sourceText(lead.source)],
  ];
  $('#lead-facts').replaceChildren(...facts.filter(([, value]) => value).flatMap(([term, value]) => [
    Object.assign(document.createElement('dt'), { textContent: term }),
    Object.assign(document.createElement('dd'), { textContent: value }),
  ]));
}

function messageItem(message) {
  const li = document.createElement('li');
  li.className = message.direction;
  const meta = document.createElement('div');
  meta.className = 'meta';
  for (const text of [message.direction === 'inbound' ? '← they wrote' : '→ we wrote', time(message.occurredAtIso), message.type, message.status]) {
    if (text) meta.append(Object.assign(document.createElement('span'), { textContent: text }));
  }
  li.append(meta);
  if (message.bodyPreview) li.append(Object.assign(document.createElement('div'), { className: 'body', textContent: message.bodyPreview }));
  if (message.error) li.append(Object.assign(document.createElement('div'), { className: 'failure', textContent: `Failed: ${message.error}` }));
  return li;
}

$('#older').addEventListener('click', () => loadTimeline(state.older));
$('#close').addEventListener('click', () => {
  $('#lead').hidden = true; state.leadId = null;
  document.querySelectorAll('#leads tbody tr.open').forEach((tr) => tr.classList.remove('open'));
});

// ---- CSV of the list on screen (every page of it) ----

$('#csv').addEventListener('click', async () => {
  const button = $('#csv');
  button.disabled = true;
  try {
    const parts = [];
    let after = null;
    do {
      const response = await api(listPath(), listParams({ format: 'csv', limit: 1000, after }));
      const text = await response.text(); // the decoder drops the byte-order mark; it is put back below
      parts.push(parts.length === 0 ? text : text.slice(text.indexOf('\r\n') + 2));
      const link = /[?&]after=([^&>]+)/.exec(response.headers.get('Link') || '');
      after = link ? decodeURIComponent(link[1]) : null;
    } while (after);
    const name = state.search ? 'search' : state.view === 'stale' ? `not-contacted-${state.days}d`
      : state.view === 'closing' ? `closing-${state.hours}h` : state.view;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob(['\ufeff', ...parts], { type: 'text/csv;charset=utf-8' }));
    a.download = `leads-${name}-${new Date().toISOString().slice(0, 10)}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  } catch (error) {
    if (!(error instanceof SignedOut)) $('#status').textContent = `Could not download: ${error.message}`;
  } finally {
    button.disabled = false;
  }
});

if (state.token) start(); else showSignIn();
