// The AOF ops page: plain JavaScript, no libraries, everything from this service.
// Reads: this service's incident API and the logger's timeline API (its URL comes from /ops/config.json).
// Actions (replay, resolve): POST with the operator's credentials, asked for on this page.
'use strict';
const $ = (id) => document.getElementById(id);
let config = {loggerUrl: ''};
let auth = sessionStorage.getItem('aof-auth');

function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
}

async function getJson(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(url + ' answered ' + r.status);
  return r.json();
}

function showWho() {
  $('who').textContent = auth ? 'Signed in as ' + $('user').value + '.' : 'Reading only. Sign in to replay or resolve:';
}

async function loadCharts() {
  const hours = await getJson('/api/incidents/hourly?hours=24');
  bars($('failures-chart'), hours.map((h) => h.opened), 'opened', (v) => v);
  const rates = hours.map((h) => {
    const done = h.recovered + h.exhausted + h.nonRetryable;
    return done === 0 ? null : h.recovered / done;
  });
  bars($('recovery-chart'), rates.map((r) => (r === null ? 0 : r)), 'rate', (v) => Math.round(v * 100) + '%', 1);
  const total = hours.reduce((a, h) => ({rec: a.rec + h.recovered, done: a.done + h.recovered + h.exhausted + h.nonRetryable}), {rec: 0, done: 0});
  $('recovery-rate').textContent = total.done === 0 ? '-' : Math.round(100 * total.rec / total.done) + '%';
  const summary = await getJson('/api/incidents/summary');
  const open = Object.entries(summary).filter(([s]) => s !== 'RECOVERED' && s !== 'MANUALLY_RESOLVED')
      .reduce((a, [, n]) => a + n, 0);
  $('open-count').textContent = open;
}

function bars(svg, values, cls, label, fixedMax) {
  const max = fixedMax || Math.max(1, ...values);
  const w = 480 / values.length;
  svg.innerHTML = values.map((v, i) => {
    const h = Math.round(100 * v / max);
    return `<rect class="${cls}" x="${i * w + 1}" y="${105 - h}" width="${w - 2}" height="${h}"><title>${label(v)}</title></rect>`;
  }).join('') + `<text x="0" y="118">-24 h</text><text x="455" y="118">now</text>`;
}

async function loadIncidents() {
  const state = $('state').value;
  const params = new URLSearchParams({limit: '100'});
  if (state) params.set('state', state);
  if ($('category').value) params.set('category', $('category').value);
  if ($('recipe').value.trim()) params.set('recipeId', $('recipe').value.trim());
  $('status').textContent = 'Loading...';
  try {
    const page = await getJson('/api/incidents?' + params);
    const items = state ? page.items : page.items.filter((i) => i.state !== 'RECOVERED' && i.state !== 'MANUALLY_RESOLVED');
    $('incidents').querySelector('tbody').innerHTML = items.map((i) => `
      <tr data-id="${esc(i.id)}">
        <td><code>${esc(i.id)}</code></td>
        <td>${esc(i.recipeName || i.recipeId)}</td>
        <td>${esc(i.category)}</td>
        <td><span class="state ${esc(i.state)}">${esc(i.state)}</span></td>
        <td>${i.attempt} of ${i.maxAttempts}</td>
        <td>${esc(new Date(i.openedAt).toLocaleString())}</td>
        <td>
          <button class="timeline" data-id="${esc(i.id)}">Timeline</button>
          ${['EXHAUSTED', 'NON_RETRYABLE', 'SUPPRESSED', 'RETRYING'].includes(i.state) && !i.notRepeatable ? `<button class="replay" data-id="${esc(i.id)}">Replay</button>` : ''}
          ${['RECOVERED', 'MANUALLY_RESOLVED'].includes(i.state) ? '' : `<button class="resolve" data-id="${esc(i.id)}">Resolve</button>`}
        </td>
      </tr>`).join('');
    $('status').textContent = items.length + ' incident(s)';
  } catch (e) {
    $('status').textContent = e.message;
  }
}

async function showTimeline(id) {
  $('timeline-box').hidden = false;
  $('timeline-id').textContent = id;
  $('timeline').innerHTML = '<li>Loading...</li>';
  try {
    const events = await getJson(config.loggerUrl + '/api/incidents/' + encodeURIComponent(id) + '/timeline');
    $('timeline').innerHTML = events.map((e) => `<li><time>${esc(new Date(e.occurredAt).toLocaleTimeString())}</time>
      <b>${esc(e.type)}</b> ${e.attempt != null ? 'attempt ' + e.attempt : ''} <small>${esc(e.service)}</small></li>`).join('');
  } catch (e) {
    $('timeline').innerHTML = `<li>${esc(e.message)}</li>`;
  }
}

async function act(kind, id) {
  if (!auth) {
    $('status').textContent = 'Sign in first: replay and resolve need the operator.';
    return;
  }
  $('action-title').textContent = (kind === 'replay' ? 'Replay ' : 'Resolve ') + id;
  $('reason').value = '';
  $('action').showModal();
  $('action').onclose = async () => {
    if ($('action').returnValue !== 'ok') return;
    const r = await fetch('/api/incidents/' + encodeURIComponent(id) + '/' + kind, {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'Authorization': auth},
      body: JSON.stringify({requestedBy: $('user').value, reason: $('reason').value}),
    });
    let message;
    if (r.ok) {
      const i = await r.json();
      message = (kind === 'replay' ? 'Replayed ' : 'Resolved ') + id + ': now ' + i.state;
    } else {
      const p = await r.json().catch(() => ({}));
      message = kind + ' refused (' + r.status + '): ' + (p.detail || r.statusText);
      if (r.status === 401) { auth = null; sessionStorage.removeItem('aof-auth'); showWho(); }
    }
    await Promise.all([loadIncidents(), loadCharts()]);
    $('status').textContent = message;
  };
}

$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  auth = 'Basic ' + btoa($('user').value + ':' + $('password').value);
  sessionStorage.setItem('aof-auth', auth);
  $('password').value = '';
  showWho();
});
$('filters').addEventListener('submit', (e) => { e.preventDefault(); loadIncidents(); });
$('incidents').addEventListener('click', (e) => {
  const b = e.target.closest('button');
  if (!b) return;
  if (b.classList.contains('timeline')) showTimeline(b.dataset.id);
  if (b.classList.contains('replay')) act('replay', b.dataset.id);
  if (b.classList.contains('resolve')) act('resolve', b.dataset.id);
});

(async () => {
  config = await getJson('/ops/config.json');
  showWho();
  await Promise.all([loadCharts(), loadIncidents()]);
  document.body.dataset.ready = 'true';
})();
