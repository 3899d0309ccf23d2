// The AOF ops page: plain JavaScript, no libraries, everything from this service.
// Reads: this service's incident API and the logger's timeline API (its URL comes from /ops/config.json; the
// logger lets this page's origin call it through aof.security.cors.allowed-origins).
// Every call carries the credentials given on this page: a local user's name and password (HTTP Basic), or a
// bearer token of the single sign-on provider: got by "Sign in with single sign-on" (OpenID Connect's
// authorization code flow with PKCE, as a public client: the provider's sign-in page, then back here with a
// one-time code this page exchanges for an access token; no client secret, no server session), or pasted with
// the name left empty. They are kept in sessionStorage: this tab only, gone when it closes; never in a cookie,
// so no other page can make the browser send them.
// Reads need a viewer; replay and resolve an operator (the API answers 403 to a viewer). The actor recorded for an
// action is the signed-in user.
'use strict';
const $ = (id) => document.getElementById(id);
let config = {loggerUrl: ''};
let auth = sessionStorage.getItem('aof-auth');
let who = sessionStorage.getItem('aof-who');
let loaded = false;
let sso = {enabled: false};

function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
}

function headers(more) {
  // X-Requested-With: a refused call answers 401 without the browser's own password prompt
  return Object.assign({'Authorization': auth, 'X-Requested-With': 'XMLHttpRequest'}, more || {});
}

async function getJson(url) {
  const r = await fetch(url, {headers: headers()});
  if (r.status === 401) credentialsRefused();
  if (!r.ok) throw new Error(url + ' answered ' + r.status);
  return r.json();
}

function credentialsRefused() {
  signOut('Signed out: the credentials were refused. Sign in again:');
}

function signOut(message) {
  auth = null;
  who = null;
  sessionStorage.removeItem('aof-auth');
  sessionStorage.removeItem('aof-who');
  showWho(message);
}

function showWho(message) {
  $('who').textContent = auth ? 'Signed in as ' + who + '.' : (message || 'Sign in to see the incidents:');
  $('password').hidden = $('user').hidden = $('sign-in').hidden = !!auth;
  $('sso').hidden = !!auth || !sso.enabled;
  $('sign-out').hidden = !auth;
}

// --- single sign-on: authorization code with PKCE (RFC 7636), the provider found by OIDC discovery ---

function b64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function redirectUri() {
  return location.origin + '/ops/index.html';
}

async function discover() {
  const url = sso.issuer.replace(/\/$/, '') + '/.well-known/openid-configuration';
  const r = await fetch(url);
  if (!r.ok) throw new Error('the sign-on provider answered ' + r.status + ' at ' + url);
  return r.json();
}

async function ssoSignIn() {
  if (!window.crypto || !crypto.subtle) {
    $('status').textContent = 'Single sign-on needs this page served over https (or from localhost).';
    return;
  }
  try {
    const meta = await discover();
    const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
    const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
    sessionStorage.setItem('aof-sso', JSON.stringify({verifier, state, tokenEndpoint: meta.token_endpoint}));
    const to = new URL(meta.authorization_endpoint);
    new URLSearchParams({response_type: 'code', client_id: sso.clientId, redirect_uri: redirectUri(),
      scope: sso.scope, state, code_challenge: challenge, code_challenge_method: 'S256'})
      .forEach((v, k) => to.searchParams.set(k, v));
    location.assign(to.toString());
  } catch (e) {
    $('status').textContent = 'Single sign-on: ' + e.message;
  }
}

function nameIn(token) {
  try {
    const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return claims[sso.nameClaim] || claims.sub;
  } catch (e) {
    return null;   // an opaque token: the services know who it is, the page does not
  }
}

/** Back from the provider (?code=...&state=...): the code for a token, once; false when this is no such return. */
async function ssoReturn() {
  const q = new URLSearchParams(location.search);
  if (!q.has('code') && !q.has('error')) return false;
  history.replaceState(null, '', location.pathname);   // the code is single-use: not left in the address bar
  const pending = JSON.parse(sessionStorage.getItem('aof-sso') || 'null');
  sessionStorage.removeItem('aof-sso');
  if (!pending || pending.state !== q.get('state')) {
    // not an answer to a sign-in this tab started (a link someone sent): ignored, whoever is signed in stays
    if (pending) $('status').textContent = 'Single sign-on: an answer this page did not ask for was ignored.';
  } else if (q.has('error')) {
    signOut('Single sign-on refused: ' + (q.get('error_description') || q.get('error')) + '. Sign in again:');
  } else {
    const r = await fetch(pending.tokenEndpoint, {method: 'POST',
      headers: {'Content-Type': 'application/x-www-form-urlencoded'},
      body: new URLSearchParams({grant_type: 'authorization_code', code: q.get('code'), redirect_uri: redirectUri(),
        client_id: sso.clientId, code_verifier: pending.verifier})}).catch(() => null);
    const t = r && r.ok ? await r.json().catch(() => null) : null;
    if (!t || !t.access_token) {
      signOut('Single sign-on: the provider did not give a token (' + (r ? r.status : 'unreachable') + '). Sign in again:');
    } else {
      auth = 'Bearer ' + t.access_token;
      who = nameIn(t.access_token) || 'single sign-on user';
      sessionStorage.setItem('aof-auth', auth);
      sessionStorage.setItem('aof-who', who);
      showWho();
    }
  }
  return true;
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

// A list request answered after a newer one (the first load still running when the filters are applied) is
// dropped: the table shows the latest request's answer, and is aria-busy while that answer is awaited.
let listRequest = 0;

async function loadIncidents() {
  const request = ++listRequest;
  $('incidents').setAttribute('aria-busy', 'true');
  const state = $('state').value;
  const params = new URLSearchParams({limit: '100'});
  if (state) params.set('state', state);
  if ($('category').value) params.set('category', $('category').value);
  if ($('recipe').value.trim()) params.set('recipeId', $('recipe').value.trim());
  $('status').textContent = 'Loading...';
  try {
    const page = await getJson('/api/incidents?' + params);
    if (request !== listRequest) return;
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
    if (request === listRequest) $('status').textContent = e.message;
  } finally {
    if (request === listRequest) $('incidents').setAttribute('aria-busy', 'false');
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
    $('status').textContent = 'Sign in first: replay and resolve need an operator.';
    return;
  }
  $('action-title').textContent = (kind === 'replay' ? 'Replay ' : 'Resolve ') + id;
  $('reason').value = '';
  $('action').showModal();
  $('action').onclose = async () => {
    if ($('action').returnValue !== 'ok') return;
    const r = await fetch('/api/incidents/' + encodeURIComponent(id) + '/' + kind, {
      method: 'POST',
      headers: headers({'Content-Type': 'application/json'}),
      body: JSON.stringify({reason: $('reason').value}),
    });
    let message;
    if (r.ok) {
      const i = await r.json();
      message = (kind === 'replay' ? 'Replayed ' : 'Resolved ') + id + ': now ' + i.state;
    } else {
      const p = await r.json().catch(() => ({}));
      message = kind + ' refused (' + r.status + '): ' + (p.detail || r.statusText);
      if (r.status === 403) message = kind + ' refused (403): ' + who + ' is not an operator';
      if (r.status === 401) {
        credentialsRefused();
        $('status').textContent = message;
        return;
      }
    }
    await Promise.all([loadIncidents(), loadCharts()]).catch(() => {});
    $('status').textContent = message;
  };
}

$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  const user = $('user').value.trim();
  // TextEncoder: a name or password beyond Latin-1 is sent as UTF-8, as the services read it
  auth = user ? 'Basic ' + btoa(String.fromCharCode(...new TextEncoder().encode(user + ':' + $('password').value)))
      : 'Bearer ' + $('password').value.trim();
  who = user || 'token holder';
  sessionStorage.setItem('aof-auth', auth);
  sessionStorage.setItem('aof-who', who);
  $('password').value = '';
  showWho();
  load();
});
$('sign-out').addEventListener('click', () => signOut());
$('sso').addEventListener('click', () => ssoSignIn());
$('filters').addEventListener('submit', (e) => { e.preventDefault(); loadIncidents(); });
$('incidents').addEventListener('click', (e) => {
  const b = e.target.closest('button');
  if (!b) return;
  if (b.classList.contains('timeline')) showTimeline(b.dataset.id);
  if (b.classList.contains('replay')) act('replay', b.dataset.id);
  if (b.classList.contains('resolve')) act('resolve', b.dataset.id);
});

async function load() {
  if (!auth) return;
  try {
    if (!loaded) config = await getJson('/ops/config.json');
    await Promise.all([loadCharts(), loadIncidents()]);
    loaded = true;
    document.body.dataset.ready = 'true';
  } catch (e) {
    $('status').textContent = e.message;
  }
}

async function start() {
  try {
    const r = await fetch('/ops/sso.json');
    if (r.ok) sso = await r.json();
  } catch (e) {
    // no single sign-on offered: local users and pasted tokens still work
  }
  showWho();
  await ssoReturn();
  load();
}

start();
