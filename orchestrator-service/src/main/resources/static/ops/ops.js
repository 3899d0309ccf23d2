// The AOF ops page: plain JavaScript, no libraries, everything from this service.
// Reads: this service's incident API and the logger's timeline API; escalations are acknowledged at the notifier
// (their URLs come from /ops/config.json; the logger and the notifier let this page's origin call them through
// aof.security.cors.allowed-origins).
// Every call carries the credentials given on this page: a local user's name and password (HTTP Basic), or a
// bearer token of the single sign-on provider: got by "Sign in with single sign-on" (OpenID Connect's
// authorization code flow with PKCE, as a public client: the provider's sign-in page, then back here with a
// one-time code this page exchanges for an access token; no client secret, no server session), or pasted with
// the name left empty. They are kept in sessionStorage: this tab only, gone when it closes; never in a cookie,
// so no other page can make the browser send them.
// Reads need a viewer; replay and resolve an operator (the API answers 403 to a viewer, and the page says why);
// declaring and ending outages and bulk actions too, and those the page offers to operators only (/ops/config.json tells it whether
// the signed-in caller is one; the API still decides). The actor recorded for an action is the signed-in user.
// Everything shown that came from outside (names, reasons, errors) goes through esc() or textContent.
'use strict';
const $ = (id) => document.getElementById(id);
let config = {loggerUrl: ''};
let auth = sessionStorage.getItem('aof-auth');
let who = sessionStorage.getItem('aof-who');
let loaded = false;
let operator = false;   // until /ops/config.json says so for the signed-in caller
let sso = {enabled: false};

function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
}

/** A time of the API as this browser shows times; '-' for none. */
function when(t) {
  return t ? new Date(t).toLocaleString() : '-';
}

/** How long from a to b (times of the API; b: now when null), as people say it. */
function lasted(a, b) {
  const minutes = Math.floor(((b ? new Date(b) : new Date()) - new Date(a)) / 60000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 120) return minutes + ' min';
  return Math.floor(minutes / 60) + ' h ' + (minutes % 60) + ' min';
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
  operator = false;
  delete document.body.dataset.ready;
  sessionStorage.removeItem('aof-auth');
  sessionStorage.removeItem('aof-who');
  showWho(message);
}

/** Operator controls for operators only: a viewer gets no declare form and no "End now" buttons. */
function applyRole() {
  $('declare').hidden = !auth || !operator;
  $('bulk').hidden = !auth || !operator;
  $('outage-viewer-note').hidden = !auth || operator;
  if (!operator) document.querySelectorAll('#outages button.end').forEach((b) => b.remove());
}

function showWho(message) {
  $('who').textContent = auth ? 'Signed in as ' + who + '.' : (message || 'Sign in to see the incidents:');
  $('password').hidden = $('user').hidden = $('sign-in').hidden = !!auth;
  $('sso').hidden = !!auth || !sso.enabled;
  $('sign-out').hidden = !auth;
  applyRole();
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
  if ($('upstream').value.trim()) params.set('upstream', $('upstream').value.trim());
  if ($('outage').value.trim()) params.set('outageId', $('outage').value.trim());
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

// The incident's detail (from this service) and timeline (from the logger). An answer for an incident opened
// before the one shown now is dropped, as the list drops stale answers.
let detailRequest = 0;

function incidentLink(id) {
  return `<a class="incident-link" href="#incident=${esc(encodeURIComponent(id))}" data-id="${esc(id)}"><code>${esc(id)}</code></a>`;
}

function incidentFacts(i) {
  return `<dt>State</dt><dd><span class="state ${esc(i.state)}">${esc(i.state)}</span></dd>
    <dt>Recipe</dt><dd>${esc(i.recipeName || i.recipeId)}</dd>
    <dt>Category</dt><dd>${esc(i.category)}</dd>
    <dt>Attempt</dt><dd>${esc(i.attempt)} of ${esc(i.maxAttempts)}</dd>
    <dt>Opened</dt><dd>${esc(when(i.openedAt))}</dd>
    <dt>Upstream</dt><dd>${i.upstream ? `<code>${esc(i.upstream)}</code>` : 'none named'}</dd>
    ${i.outageId ? `<dt>Outage</dt><dd><a class="outage-link" href="#outage=${esc(encodeURIComponent(i.outageId))}"
      data-id="${esc(i.outageId)}">the outage of ${esc(i.upstream || 'its upstream')}</a></dd>` : ''}`;
}

async function showIncident(id, focus) {
  const request = ++detailRequest;
  $('timeline-box').hidden = false;
  $('timeline-id').textContent = id;
  const facts = $('incident-detail');
  facts.setAttribute('aria-busy', 'true');
  facts.innerHTML = '';
  $('timeline').innerHTML = '<li>Loading...</li>';
  if (focus) $('incident-heading').focus();
  const detail = getJson('/api/incidents/' + encodeURIComponent(id)).then((view) => {
    if (request === detailRequest) facts.innerHTML = incidentFacts(view.incident);
  }).catch((e) => {
    if (request === detailRequest) facts.innerHTML = `<dt>Error</dt><dd>${esc(e.message)}</dd>`;
  }).finally(() => {
    if (request === detailRequest) facts.setAttribute('aria-busy', 'false');
  });
  const timeline = getJson(config.loggerUrl + '/api/incidents/' + encodeURIComponent(id) + '/timeline').then((events) => {
    if (request !== detailRequest) return;
    $('timeline').innerHTML = events.map((e) => `<li><time>${esc(new Date(e.occurredAt).toLocaleTimeString())}</time>
      <b>${esc(e.type)}</b> ${e.attempt != null ? 'attempt ' + esc(e.attempt) : ''} <small>${esc(e.service)}</small></li>`).join('');
  }).catch((e) => {
    if (request === detailRequest) $('timeline').innerHTML = `<li>${esc(e.message)}</li>`;
  });
  await Promise.all([detail, timeline]);
}

/**
 * Asks why (the reason every operator action needs, audited) in the action dialog; {@code then(reason)} when
 * confirmed. Closed any other way (Cancel, Escape) nothing happens: the dialog's returnValue is cleared first, as
 * Escape leaves the one of its last use.
 */
function askReason(title, then) {
  $('action-title').textContent = title;
  $('reason').value = '';
  $('action').returnValue = '';
  $('action').onclose = () => {
    if ($('action').returnValue === 'ok') then($('reason').value);
  };
  $('action').showModal();
}

/** What the page says when the API refused an action: its problem detail (and field errors, if any). */
async function refusal(what, r) {
  if (r.status === 403) return what + ' refused (403): ' + who + ' is not an operator';
  const p = await r.json().catch(() => ({}));
  const errors = Array.isArray(p.errors)
    ? p.errors.map((e) => (e && (e.detail || e.defaultMessage || e.message)) || '').filter(Boolean) : [];
  return what + ' refused (' + r.status + '): ' + [p.detail || r.statusText].concat(errors).join('; ');
}

/** The recipe id typed in the filters: a number, null when none, undefined when it is not a number. */
function recipeFilter() {
  const typed = $('recipe').value.trim();
  if (!typed) return null;
  return /^\d{1,18}$/.test(typed) ? Number(typed) : undefined;
}

/**
 * The incident list's filter as a bulk action's filter (only the fields set); null, with the reason in the status
 * line, when it cannot be one: a bulk action needs a state (the list's default, "open", is several states shown
 * in this browser, while the API would match every incident ever opened) and a recipe id that is a number.
 */
function listFilter() {
  const f = {};
  if (!$('state').value) {
    $('status').textContent = 'Choose a state for a bulk action (EXHAUSTED, HELD, ...): "open" is several';
    return null;
  }
  f.state = $('state').value;
  const recipe = recipeFilter();
  if (recipe === undefined) {
    $('status').textContent = 'The recipe id is not a number';
    return null;
  }
  if (recipe !== null) f.recipeId = recipe;
  if ($('category').value) f.category = $('category').value;
  if ($('upstream').value.trim()) f.upstream = $('upstream').value.trim();
  if ($('outage').value.trim()) f.outageId = $('outage').value.trim();
  return f;
}

function postBulk(body) {
  return fetch('/api/incidents/bulk', {method: 'POST', headers: headers({'Content-Type': 'application/json'}),
    body: JSON.stringify(body)});
}

/**
 * Replays or resolves every incident the list's filter matches: a dry run first (how many match, how many can
 * take the action, the oldest few), shown in the dialog that asks why; confirmed, the action names the count the
 * dry run saw, so the API refuses it (409) if more arrived meanwhile. Each incident is audited as one at a time.
 */
async function bulk(action) {
  const what = action === 'REPLAY' ? 'replay' : 'resolve';
  if (!auth) {
    $('status').textContent = 'Sign in first: bulk actions need an operator.';
    return;
  }
  const filter = listFilter();
  if (!filter) return;
  $('status').textContent = 'Counting...';
  let preview;
  try {
    const r = await postBulk({action, filter, dryRun: true, reason: 'dry run'});
    if (!r.ok) {
      $('status').textContent = await refusal('bulk ' + what, r);
      if (r.status === 401) credentialsRefused();
      return;
    }
    preview = await r.json();
  } catch (e) {
    $('status').textContent = 'bulk ' + what + ' failed: ' + e.message;
    return;
  }
  if (preview.eligible === 0) {
    $('status').textContent = 'None of the ' + preview.matched + ' incident(s) the filter matches can be '
      + (action === 'REPLAY' ? 'replayed' : 'resolved');
    return;
  }
  $('status').textContent = '';
  askReason((action === 'REPLAY' ? 'Replay ' : 'Resolve ') + preview.eligible + ' of the ' + preview.matched
      + ' incident(s) the filter matches (oldest: ' + preview.sample.slice(0, 2).join(', ')
      + (preview.sample.length > 2 ? ', ...' : '') + ')', async (reason) => {
    let message;
    try {
      const r = await postBulk({action, filter, dryRun: false, expectedCount: preview.matched, reason});
      if (r.ok) {
        const done = await r.json();
        const why = Object.entries(done.skippedBecause || {}).map(([k, n]) => n + ' ' + k).join('; ');
        message = (action === 'REPLAY' ? 'Replayed ' : 'Resolved ') + done.done + ' of ' + done.matched
          + ' incident(s)' + (done.skipped ? '; skipped ' + done.skipped + ': ' + why : '');
      } else {
        message = await refusal('bulk ' + what, r);
        if (r.status === 401) credentialsRefused();
      }
    } catch (e) {
      message = 'bulk ' + what + ' failed: ' + e.message;
    }
    await Promise.all([loadIncidents(), loadCharts(), loadOutages()]).catch(() => {});
    $('status').textContent = message;
  });
}

/**
 * Acknowledges the super admin's open escalations the list's filter matches (the notifier's bulk acknowledgement:
 * it filters by recipe and category only), after a dry run shown in the dialog that asks why; their reminders stop.
 */
async function bulkAck() {
  if (!auth) {
    $('status').textContent = 'Sign in first: acknowledging escalations needs an operator.';
    return;
  }
  const filter = {};
  const recipe = recipeFilter();
  if (recipe === undefined) {
    $('status').textContent = 'The recipe id is not a number';
    return;
  }
  if ($('category').value) filter.category = $('category').value;
  if (recipe !== null) filter.recipeId = recipe;
  if (!filter.category && !filter.recipeId) {
    $('status').textContent = 'Escalations are acknowledged in bulk by recipe or category: set one of them';
    return;
  }
  const url = config.notifierUrl + '/api/escalations/bulk-ack';
  const post = (body) => fetch(url, {method: 'POST', headers: headers({'Content-Type': 'application/json'}),
    body: JSON.stringify(body)});
  $('status').textContent = 'Counting...';
  let preview;
  try {
    const r = await post({filter, dryRun: true});
    if (!r.ok) {
      $('status').textContent = await refusal('acknowledge', r);
      if (r.status === 401) credentialsRefused();
      return;
    }
    preview = await r.json();
  } catch (e) {
    $('status').textContent = 'acknowledge failed: ' + e.message;
    return;
  }
  if (preview.matched === 0) {
    $('status').textContent = 'No open escalation matches the recipe or category';
    return;
  }
  $('status').textContent = '';
  askReason('Acknowledge ' + preview.matched + ' open escalation(s) of the recipe or category (oldest: '
      + preview.sample.slice(0, 2).join(', ') + (preview.sample.length > 2 ? ', ...' : '') + ')', async (reason) => {
    let message;
    try {
      const r = await post({filter, dryRun: false, expectedCount: preview.matched, reason});
      if (r.ok) {
        message = 'Acknowledged ' + (await r.json()).acknowledged.length + ' escalation(s)';
      } else {
        message = await refusal('acknowledge', r);
        if (r.status === 401) credentialsRefused();
      }
    } catch (e) {
      message = 'acknowledge failed: ' + e.message;
    }
    $('status').textContent = message;
  });
}

/** The incident list filtered to an outage's incidents (every one it held). */
function listMembers(outageId) {
  $('outage').value = outageId;
  $('state').value = '';
  $('category').value = '';
  $('recipe').value = '';
  $('upstream').value = '';
  loadIncidents();
  $('filters').scrollIntoView();
}

async function act(kind, id) {
  if (!auth) {
    $('status').textContent = 'Sign in first: replay and resolve need an operator.';
    return;
  }
  askReason((kind === 'replay' ? 'Replay ' : 'Resolve ') + id, async (reason) => {
    let message;
    try {
      const r = await fetch('/api/incidents/' + encodeURIComponent(id) + '/' + kind, {
        method: 'POST',
        headers: headers({'Content-Type': 'application/json'}),
        body: JSON.stringify({reason}),
      });
      if (r.ok) {
        const i = await r.json();
        message = (kind === 'replay' ? 'Replayed ' : 'Resolved ') + id + ': now ' + i.state;
      } else {
        message = await refusal(kind, r);
        if (r.status === 401) {
          credentialsRefused();
          $('status').textContent = message;
          return;
        }
      }
    } catch (e) {
      message = kind + ' failed: ' + e.message;
    }
    await Promise.all([loadIncidents(), loadCharts(), loadOutages()]).catch(() => {});
    $('status').textContent = message;
  });
}

// --- outages: one upstream down is one outage; its jobs are held (no attempt spent) until it ends ---

// As the incident list: an answer to an older request is dropped, and the table is aria-busy until the latest
// answer is shown. An action on outages marks it busy from the moment it is sent: the list it shows is about to
// change, and is reloaded once the action is answered.
let outageRequest = 0;
let outageDetailRequest = 0;
let shownOutage = null;   // the outage of the detail box, read again after an outage action
let heldRequest = 0;

function markOutagesBusy() {
  ++outageRequest;   // an answer still awaited is older than the action: dropped
  $('outages').setAttribute('aria-busy', 'true');
}

/** How an outage stands, in a few words: declared until, probing, or how it ended. */
function outageState(o) {
  if (o.endedAt) {
    return `ended ${esc(when(o.endedAt))} after ${esc(lasted(o.openedAt, o.endedAt))}: ${esc(o.endedHow)}`;
  }
  if (o.declaredBy) {
    return `declared by ${esc(o.declaredBy)} until ${esc(when(o.until))}: ${esc(o.reason)}`;
  }
  if (o.probeIncidentId) return `probing now with ${incidentLink(o.probeIncidentId)}`;
  return `detected; next probe ${esc(when(o.nextProbeAt))}`;
}

function outageRow(view, n) {
  const o = view.outage;
  return `<tr data-id="${esc(o.id)}" data-upstream="${esc(o.upstream)}">
      <td><b>${esc(o.upstream)}</b>${o.category ? ` <small>${esc(o.category)}</small>` : ''}</td>
      <td>${esc(when(o.openedAt))} <small>(${esc(lasted(o.openedAt, o.endedAt))})</small></td>
      <td class="jobs">${esc(view.jobs)}</td>
      <td class="recipes">${esc(view.recipes)}</td>
      <td class="held">${esc(view.held)}</td>
      <td>${o.declaredBy ? 'none (declared)' : esc(o.probes) + ' failed'}</td>
      <td>${outageState(o)}</td>
      <td>
        <button class="expand" type="button" aria-expanded="false" aria-controls="held-${n}" data-id="${esc(o.id)}">Held
          incidents<span class="sr-only"> of ${esc(o.upstream)}</span></button>
        ${!o.endedAt && operator ? `<button class="end" type="button" data-id="${esc(o.id)}" data-upstream="${esc(o.upstream)}">End
          now<span class="sr-only">: the outage of ${esc(o.upstream)}</span></button>` : ''}
      </td>
    </tr>
    <tr class="held-row" id="held-${n}" hidden><td colspan="8" aria-busy="false"></td></tr>`;
}

/** One outage in full, with the incidents it holds now (up to 100, oldest first), each a link to its detail. */
function outageDetail(view) {
  const o = view.outage;
  const shown = view.heldSample || [];
  return `<dl class="facts">
      <dt>Outage</dt><dd><code>${esc(o.id)}</code>${o.category ? ' (' + esc(o.category) + ')' : ''}</dd>
      <dt>Opened</dt><dd>${esc(when(o.openedAt))}</dd>
      ${o.declaredBy ? `<dt>Declared by</dt><dd>${esc(o.declaredBy)}, until ${esc(when(o.until))}</dd>
        <dt>Why</dt><dd>${esc(o.reason)}</dd>`
        : `<dt>Detected after</dt><dd>${esc(o.failures)} failures of ${esc(o.recipes)} recipes</dd>
        <dt>Probes</dt><dd>${esc(o.probes)} failed${o.endedAt ? '' : o.probeIncidentId
          ? '; probing now with ' + incidentLink(o.probeIncidentId) : '; next ' + esc(when(o.nextProbeAt))}</dd>`}
      ${o.endedAt ? `<dt>Ended</dt><dd>${esc(when(o.endedAt))}${o.endedBy ? ' by ' + esc(o.endedBy) : ''}:
        ${esc(o.endedHow)}</dd>` : ''}
      <dt>Jobs</dt><dd>${esc(view.jobs)} job(s) of ${esc(view.recipes)} recipe(s); ${esc(view.held)} held now</dd>
    </dl>
    ${shown.length === 0 ? '<p>No incident is held now.</p>'
      : `<p>Held incidents, oldest first${view.held > shown.length ? ` (${shown.length} of ${esc(view.held)})` : ''}:</p>
      <ul class="held-list">${shown.map((id) => `<li>${incidentLink(id)}</li>`).join('')}</ul>`}
    <p><button class="members" type="button" data-id="${esc(o.id)}">List its incidents</button>
      (every one it held, in the incident list${operator ? ', where they can be replayed or resolved together' : ''})</p>`;
}

async function loadOutages() {
  const request = ++outageRequest;
  $('outages').setAttribute('aria-busy', 'true');
  const state = $('outage-state').value;
  $('outage-status').textContent = 'Loading...';
  try {
    const views = await getJson('/api/outages?state=' + encodeURIComponent(state) + '&limit=' + (state === 'open' ? 100 : 20));
    if (request !== outageRequest) return;
    const what = state === 'open' ? 'open outage(s)' : 'recently ended outage(s), newest first';
    $('outages').querySelector('tbody').innerHTML = views.length === 0
      ? `<tr class="none"><td colspan="8">No ${state === 'open' ? 'open' : 'recently ended'} outage.</td></tr>`
      : views.map(outageRow).join('');
    $('outage-status').textContent = views.length + ' ' + what;
  } catch (e) {
    if (request === outageRequest) $('outage-status').textContent = e.message;
  } finally {
    if (request === outageRequest) $('outages').setAttribute('aria-busy', 'false');
  }
}

/** Shows or hides an outage row's held incidents (read afresh each time it opens; its figures updated). */
async function toggleHeld(button) {
  const row = document.getElementById(button.getAttribute('aria-controls'));
  const open = button.getAttribute('aria-expanded') !== 'true';
  button.setAttribute('aria-expanded', String(open));
  row.hidden = !open;
  if (!open) return;
  const request = ++heldRequest;
  row.dataset.request = String(request);
  const cell = row.firstElementChild;
  cell.setAttribute('aria-busy', 'true');
  cell.textContent = 'Loading...';
  try {
    const view = await getJson('/api/outages/' + encodeURIComponent(button.dataset.id));
    if (row.dataset.request !== String(request)) return;
    cell.innerHTML = outageDetail(view);
    const summary = row.previousElementSibling;
    for (const figure of ['jobs', 'recipes', 'held']) summary.querySelector('.' + figure).textContent = view[figure];
  } catch (e) {
    if (row.dataset.request === String(request)) cell.textContent = e.message;
  } finally {
    if (row.dataset.request === String(request)) cell.setAttribute('aria-busy', 'false');
  }
}

/** One outage on its own (from an incident's link: it may have ended, or be in no list shown). */
async function showOutage(id, focus) {
  const request = ++outageDetailRequest;
  shownOutage = id;
  $('outage-box').hidden = false;
  $('outage-detail').setAttribute('aria-busy', 'true');
  if (focus) {
    $('outage-upstream').textContent = '...';
    $('outage-detail').textContent = 'Loading...';
    $('outage-heading').focus();
  }
  try {
    const view = await getJson('/api/outages/' + encodeURIComponent(id));
    if (request !== outageDetailRequest) return;
    $('outage-upstream').textContent = view.outage.upstream;
    $('outage-detail').innerHTML = outageDetail(view);
  } catch (e) {
    if (request === outageDetailRequest) $('outage-detail').textContent = e.message;
  } finally {
    if (request === outageDetailRequest) $('outage-detail').setAttribute('aria-busy', 'false');
  }
}

/** Sends an outage action; afterwards the outages (and incidents, whose held ones it may release) are read again. */
async function outageAction(what, url, body, success) {
  markOutagesBusy();
  let message;
  try {
    const r = await fetch(url, {method: 'POST', headers: headers({'Content-Type': 'application/json'}),
      body: JSON.stringify(body)});
    if (r.status === 401) {
      message = await refusal(what, r);
      credentialsRefused();
      $('outages').setAttribute('aria-busy', 'false');
      $('outage-status').textContent = message;
      return false;
    }
    message = r.ok ? success(await r.json()) : await refusal(what, r);
    const shown = $('outage-box').hidden ? null : showOutage(shownOutage, false);
    await Promise.all([loadOutages(), loadIncidents(), loadCharts(), shown]).catch(() => {});
    $('outage-status').textContent = message;
    return r.ok;
  } catch (e) {
    await loadOutages().catch(() => {});
    $('outage-status').textContent = what + ' failed: ' + e.message;
    return false;
  }
}

function endOutage(id, upstream) {
  if (!auth) {
    $('outage-status').textContent = 'Sign in first: ending an outage needs an operator.';
    return;
  }
  askReason('End the outage of ' + upstream + ' now (its held jobs are released)', (reason) =>
    outageAction('end', '/api/outages/' + encodeURIComponent(id) + '/end', {reason},
      (view) => 'Ended the outage of ' + view.outage.upstream + ': its held jobs are released, oldest first'));
}

async function declareOutage() {
  if (!auth) {
    $('outage-status').textContent = 'Sign in first: declaring an outage needs an operator.';
    return;
  }
  const body = {upstream: $('declare-upstream').value.trim(), reason: $('declare-reason').value.trim()};
  if ($('declare-until').value) {
    const until = new Date($('declare-until').value);   // datetime-local: this browser's time zone
    if (isNaN(until)) {
      $('outage-status').textContent = 'declare: the time it lasts until is not a time';
      return;
    }
    body.until = until.toISOString();
  } else if ($('declare-minutes').value) {
    body.minutes = Number($('declare-minutes').value);
  } else {
    $('outage-status').textContent = 'declare: give the minutes it lasts, or the time it lasts until';
    return;
  }
  $('declare-submit').disabled = true;
  $('outage-state').value = 'open';   // the outage declared is shown in the list it is in
  try {
    const ok = await outageAction('declare', '/api/outages', body, (view) => 'Declared an outage of '
      + view.outage.upstream + ' until ' + when(view.outage.until) + ': its jobs are held until then');
    if (ok) $('declare').reset();
  } finally {
    $('declare-submit').disabled = false;
  }
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
  delete document.body.dataset.ready;   // set again when this sign-in's data is shown
  showWho();
  load();
});
$('sign-out').addEventListener('click', () => signOut());
$('sso').addEventListener('click', () => ssoSignIn());
$('filters').addEventListener('submit', (e) => { e.preventDefault(); loadIncidents(); });
$('incidents').addEventListener('click', (e) => {
  const b = e.target.closest('button');
  if (!b) return;
  if (b.classList.contains('timeline')) showIncident(b.dataset.id);
  if (b.classList.contains('replay')) act('replay', b.dataset.id);
  if (b.classList.contains('resolve')) act('resolve', b.dataset.id);
});
$('outages').addEventListener('click', (e) => {
  const b = e.target.closest('button');
  if (!b) return;
  if (b.classList.contains('expand')) toggleHeld(b);
  if (b.classList.contains('end')) endOutage(b.dataset.id, b.dataset.upstream);
  if (b.classList.contains('members')) listMembers(b.dataset.id);
});
$('outage-detail').addEventListener('click', (e) => {
  const b = e.target.closest('button.members');
  if (b) listMembers(b.dataset.id);
});
$('bulk-replay').addEventListener('click', () => bulk('REPLAY'));
$('bulk-resolve').addEventListener('click', () => bulk('RESOLVE'));
$('bulk-ack').addEventListener('click', () => bulkAck());
$('outage-state').addEventListener('change', () => loadOutages());
$('outages-refresh').addEventListener('click', () => loadOutages());
$('outage-close').addEventListener('click', () => { $('outage-box').hidden = true; });
$('declare').addEventListener('submit', (e) => { e.preventDefault(); declareOutage(); });
// minutes or until: typing one clears the other, so what is sent is what is seen
$('declare-minutes').addEventListener('input', () => { if ($('declare-minutes').value) $('declare-until').value = ''; });
$('declare-until').addEventListener('input', () => { if ($('declare-until').value) $('declare-minutes').value = ''; });
// links to an incident's or an outage's detail, wherever they are (held incidents, a probe, an incident's outage);
// their href (#incident=..., #outage=...) opens the same detail in a new tab
document.addEventListener('click', (e) => {
  const a = e.target.closest('a.incident-link, a.outage-link');
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  if (a.classList.contains('incident-link')) showIncident(a.dataset.id, true);
  else showOutage(a.dataset.id, true);
});

function openFromHash() {
  const m = /^#(incident|outage)=(.+)$/.exec(location.hash);
  if (!m) return;
  const id = decodeURIComponent(m[2]);
  if (m[1] === 'incident') showIncident(id, true);
  else showOutage(id, true);
}

async function load() {
  if (!auth) return;
  try {
    // read at each sign-in: whether the caller is an operator is the signed-in user's
    config = await getJson('/ops/config.json');
    operator = config.operator !== false;   // a service that does not say: offered, and the API decides
    applyRole();
    await Promise.all([loadCharts(), loadIncidents(), loadOutages()]);
    if (!loaded) openFromHash();
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
