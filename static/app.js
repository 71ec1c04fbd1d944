// app.js — the tcplab viewer: hash routing, the catalogue, past runs and the run view.
//   #/            catalogue        #/runs         past runs        #/runs/{id}    one run

import { api, ApiError, rememberToken, knownToken, forgetToken } from './api.js';
import { lang, setLang, t, noteText } from './i18n.js';
import { buildModel, Ladder, describe, fmtT, segLabel } from './ladder.js';
import { streamGraphs } from './streams.js';

const view = document.getElementById('view');
let cleanup = null; // the current view's teardown (key handlers, timers)

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c != null) el.append(c.nodeType ? c : document.createTextNode(String(c)));
  return el;
}

// Inline `code` in claims and descriptions.
function rich(text) {
  const frag = document.createDocumentFragment();
  String(text || '').split(/(`[^`]+`)/).forEach((part) => {
    if (part.startsWith('`') && part.endsWith('`') && part.length > 1) frag.append(h('code', {}, part.slice(1, -1)));
    else frag.append(part);
  });
  return frag;
}

function showError(err) {
  return h('div', { class: 'error', role: 'alert' }, `${t('error')}: ${err.message || err}`);
}

// ---------------------------------------------------------------------------------------------
// Routing.

function route() {
  if (cleanup) { cleanup(); cleanup = null; }
  let hash = location.hash || '#/';
  const legacy = hash.match(/^#run=([a-z0-9]+)/i); // links.viewer is "/#run=ID"
  if (legacy) { location.replace(`#/runs/${legacy[1]}`); return; }
  const path = hash.replace(/^#/, '') || '/';
  document.querySelectorAll('[data-nav]').forEach((a) => {
    const active = (a.dataset.nav === 'runs' && path.startsWith('/runs')) || (a.dataset.nav === 'catalogue' && path === '/');
    a.classList.toggle('active', active);
    a.textContent = t(a.dataset.nav);
  });
  document.querySelectorAll('[data-lang]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.lang === lang())));
  view.replaceChildren();
  let m;
  if (path === '/' || path === '') return catalogue();
  if (path === '/runs') return runsList();
  if ((m = path.match(/^\/runs\/([^/?]+)(?:\?(.*))?$/))) return runView(decodeURIComponent(m[1]), new URLSearchParams(m[2] || ''));
  view.append(h('p', {}, t('notFound'), ' — ', h('a', { href: '#/' }, t('back'))));
}

document.querySelectorAll('[data-lang]').forEach((b) => b.addEventListener('click', () => {
  setLang(b.dataset.lang);
  route();
}));
window.addEventListener('hashchange', route);
document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
route();

// ---------------------------------------------------------------------------------------------
// Catalogue.

async function catalogue() {
  view.append(h('h1', {}, t('catalogue')), h('p', { class: 'muted', id: 'cat-loading' }, t('loading')));
  let data;
  try { data = await api.scenarios(lang()); } catch (e) { view.append(showError(e)); return; }
  view.querySelector('#cat-loading')?.remove();
  const list = h('div', { class: 'catalogue' });
  for (const sc of data.scenarios || []) list.append(scenarioCard(sc));
  view.append(list);
}

function paramValue(p, raw) {
  const s = raw.trim();
  if (/^(integer|number)\b/.test(p.kind) && s !== '' && !isNaN(Number(s))) return Number(s);
  return s;
}

function scenarioCard(sc) {
  const details = h('details', { class: 'scenario', id: `sc-${sc.id}` });
  const summary = h('summary', {},
    h('span', { class: 'sc-title' }, sc.title),
    h('span', { class: 'sc-id' }, sc.id),
    h('p', { class: 'claim' }, rich(sc.claim)));
  const body = h('div', { class: 'sc-body' });
  details.append(summary, body);

  const form = h('form', { class: 'params', novalidate: true });
  const fields = new Map();
  if (!sc.params?.length) form.append(h('p', { class: 'muted' }, t('noParams')));
  for (const p of sc.params || []) {
    const id = `p-${sc.id}-${p.name}`;
    const input = h('input', { id, name: p.name, value: p.default ?? '', placeholder: p.default ?? '', autocomplete: 'off', spellcheck: 'false' });
    const err = h('div', { class: 'field-error', id: `${id}-err`, role: 'alert' });
    input.setAttribute('aria-describedby', `${id}-err ${id}-help`);
    fields.set(p.name, { input, err, p });
    form.append(h('div', { class: 'field' },
      h('label', { for: id }, h('code', {}, p.name), h('span', { class: 'kind' }, p.kind)),
      input,
      h('div', { class: 'help', id: `${id}-help` }, p.description || '', p.default != null ? ` (${t('default')} ${p.default})` : ''),
      err));
  }
  const formErr = h('div', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'run' }, '▶ ' + t('run'));
  form.append(h('div', { class: 'actions' }, button, formErr));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const f of fields.values()) { f.err.textContent = ''; f.input.removeAttribute('aria-invalid'); }
    formErr.textContent = '';
    const params = {};
    for (const [name, f] of fields) {
      const v = f.input.value;
      if (v.trim() !== '' && v.trim() !== String(f.p.default ?? '')) params[name] = paramValue(f.p, v);
    }
    button.disabled = true; button.textContent = t('running');
    try {
      const run = await api.createRun({ scenario: sc.id, params });
      if (run.deleteToken) rememberToken(run.id, run.deleteToken);
      location.hash = `#/runs/${run.id}`;
    } catch (err) {
      if (err instanceof ApiError && err.errors.length) {
        const rest = [];
        for (const e2 of err.errors) {
          const m = /^params\.([A-Za-z0-9_]+)/.exec(e2.path || '');
          const f = m && fields.get(m[1]);
          if (f) { f.err.textContent = e2.message; f.input.setAttribute('aria-invalid', 'true'); }
          else rest.push(`${e2.path}: ${e2.message}`);
        }
        formErr.textContent = rest.join('\n');
      } else formErr.textContent = err.message || String(err);
    } finally { button.disabled = false; button.textContent = '▶ ' + t('run'); }
  });

  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    const desc = h('p', { class: 'description muted' }, t('loading'));
    body.prepend(desc);
    try {
      const full = await api.scenario(sc.id, lang());
      desc.replaceChildren(rich(full.description || ''));
      desc.classList.remove('muted');
    } catch (e) { desc.replaceWith(showError(e)); }
  });
  body.append(h('h3', {}, t('params')), form);
  return details;
}

// ---------------------------------------------------------------------------------------------
// Past runs.

async function runsList() {
  view.append(h('h1', {}, t('runs')));
  const table = h('table', { class: 'runs' },
    h('thead', {}, h('tr', {}, h('th', {}, 'id'), h('th', {}, t('scenario')), h('th', {}, t('created')),
      h('th', { class: 'num' }, t('segments')), h('th', {}, t('outcome')), h('th', {}, ''))));
  const tbody = h('tbody');
  table.append(tbody);
  const more = h('button', { type: 'button', class: 'more', hidden: true }, t('more'));
  const status = h('p', { class: 'muted', role: 'status' });
  view.append(h('div', { class: 'table-wrap' }, table), more, status);
  let next = null;
  async function load(url) {
    status.textContent = t('loading');
    try {
      const data = await api.runs(url);
      for (const r of data.runs || []) tbody.append(runRow(r, status));
      next = data.next;
      more.hidden = !next;
      status.textContent = tbody.children.length ? '' : '—';
    } catch (e) { status.replaceChildren(showError(e)); }
  }
  more.addEventListener('click', () => next && load(next));
  await load();
}

function runRow(r, status) {
  const del = h('button', { type: 'button', class: 'danger' }, t('delete'));
  const tr = h('tr', {},
    h('td', {}, h('a', { href: `#/runs/${r.id}` }, h('code', {}, r.id))),
    h('td', {}, r.scenario || h('em', {}, r.name || t('custom'))),
    h('td', {}, (r.createdAt || '').replace('T', ' ').replace(/\.\d+Z$/, 'Z')),
    h('td', { class: 'num' }, r.summary?.segments ?? ''),
    h('td', {}, r.summary?.outcome ?? ''),
    h('td', {}, del));
  del.addEventListener('click', async () => {
    const token = prompt(`${t('deletePrompt')} ${r.id}`, knownToken(r.id));
    if (!token) return;
    try {
      await api.deleteRun(r.id, token.trim());
      forgetToken(r.id);
      tr.remove();
      status.textContent = t('deleted');
    } catch (e) { status.replaceChildren(showError(e)); }
  });
  return tr;
}

// ---------------------------------------------------------------------------------------------
// One run.

const LIST_PAGE = 400;

async function runView(id, query = new URLSearchParams()) {
  const head = h('div', { class: 'runhead' }, h('h1', {}, h('code', {}, id)), h('p', { class: 'muted' }, t('loading')));
  view.append(head);
  let trace;
  try { trace = await api.trace(id); } catch (e) { view.append(showError(e)); return; }
  const sc = trace.scenario || {};
  const sum = trace.summary || {};
  const links = api.links(id);
  head.replaceChildren(
    h('h1', {}, sc.name || id, ' ', h('small', {}, h('code', {}, id))),
    h('p', { class: 'summary' },
      `${t('segments')} ${sum.segments ?? '?'} · ${t('lost')} ${sum.lost ?? 0} · ${t('retrans')} ${sum.retransmissions ?? 0} · ` +
      `${t('events')} ${sum.events ?? trace.events.length} · ${t('endTime')} ${fmtT(sum.endTime)} s · ${t('outcome')} ${sum.outcome ?? '?'}`),
    h('p', { class: 'downloads' }, `${t('download')}: `,
      h('a', { href: links.trace, download: `${id}.json` }, t('traceJson')), ' · ',
      h('a', { href: `${links.text}?lang=${lang()}`, download: `${id}.txt` }, t('textLadder')), ' · ',
      h('a', { href: links.pcap, download: `${id}.pcap` }, t('pcap')),
      h('span', { class: 'sg-link' }, ' · ', h('a', { href: `#/runs/${id}?show=graphs` }, lang() === 'zh' ? '流图' : 'stream graphs'))));

  const t0 = performance.now();
  const model = buildModel(trace);
  const t1 = performance.now();
  const legend = h('div', { class: 'legend', 'aria-label': t('legend') },
    ...[['ctl', t('legendData')], ['retx', '↻ ' + t('legendRetx')], ['lost', '✕ ' + t('legendLost')], ['inj', '⚠ ' + t('legendInj')], ['rst', t('legendRst')]]
      .map(([k, label]) => h('span', { class: `lg lg-${k}` }, h('i'), label)),
    h('span', { class: 'hint' }, t('clickSeg')));
  const scroller = h('div', { class: 'ladder-scroll', tabindex: '0', 'aria-label': 'ladder diagram' });
  const details = h('aside', { class: 'panel details', 'aria-live': 'polite' }, h('h2', {}, t('details')), h('p', { class: 'muted' }, '—'));
  const sockets = h('aside', { class: 'panel sockets', 'aria-live': 'polite' }, h('h2', {}, t('sockets'), ' —'), h('pre', {}, ''));
  const list = h('ol', { class: 'events' });
  const listNav = h('div', { class: 'listnav' });
  const eventsSection = h('section', { class: 'eventlist' }, h('h2', {}, t('eventList')), listNav, list);
  view.append(...[legend, model.virtual ? h('p', { class: 'muted' }, t('large')) : null,
    h('div', { class: 'runbody' }, scroller, h('div', { class: 'side' }, details, sockets)), eventsSection].filter(Boolean));

  let cursor = -1; // index into model.steps
  const ladder = new Ladder(scroller, model, { onSelect: (i, isSeg) => { setCursorEvent(i); if (isSeg) showDetails(i); } });
  scroller.dataset.buildMs = (t1 - t0).toFixed(0);
  scroller.dataset.renderMs = (performance.now() - t1).toFixed(0);

  // The accessible event list: everything, or a window of LIST_PAGE events when the trace is big.
  const events = trace.events;
  let listStart = 0;
  function renderList(center) {
    const big = events.length > LIST_PAGE * 2;
    if (big) listStart = Math.max(0, Math.min(events.length - LIST_PAGE, (center ?? listStart) - (LIST_PAGE >> 1)));
    const end = big ? listStart + LIST_PAGE : events.length;
    const frag = document.createDocumentFragment();
    for (let i = listStart; i < end; i++) {
      const ev = events[i];
      const li = h('li', { id: `ev-${i}`, value: i + 1, class: `ev-${ev.type}` }, describe(ev, model.hostSockets));
      const nt = noteText(ev.note);
      if (nt) li.append(h('div', { class: 'evnote' }, nt));
      li.addEventListener('click', () => { setCursorEvent(i); if (ev.type === 'segment') showDetails(i); });
      frag.append(li);
    }
    list.replaceChildren(frag);
    listNav.replaceChildren();
    if (big) {
      listNav.append(
        h('button', { type: 'button', disabled: listStart === 0, onclick: () => renderList(listStart - LIST_PAGE + (LIST_PAGE >> 1)) }, '← ' + t('prev')),
        ` ${t('showing')} ${listStart + 1}–${end} / ${events.length} `,
        h('button', { type: 'button', disabled: end >= events.length, onclick: () => renderList(end + (LIST_PAGE >> 1)) }, t('next') + ' →'));
    }
  }
  renderList(0);

  // Stream graphs (time–sequence, cwnd, srtt) below the ladder, when the trace carries data.
  try {
    // ?show=graphs&from=T0&to=T1 opens the graphs zoomed to [T0, T1].
    const range = query.has('from') && query.has('to') ? [Number(query.get('from')), Number(query.get('to'))] : null;
    const sg = streamGraphs(trace, { onSelect: (i) => { setCursorEvent(i); showDetails(i); }, range });
    if (!sg) head.querySelector('.sg-link')?.remove();
    else {
      sg.id = 'stream-graphs';
      // #/runs/ID?show=graphs puts the graphs first, above the ladder.
      if (query.get('show') === 'graphs') head.after(sg); else eventsSection.before(sg);
    }
  } catch (e) { eventsSection.before(showError(e)); }

  function showDetails(i) {
    const ev = events[i];
    const dl = h('dl');
    const row = (k, v) => dl.append(h('dt', {}, k), h('dd', {}, v));
    row('label', segLabel(ev));
    for (const [k, v] of Object.entries(ev)) {
      if (k === 'note') continue;
      row(k, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
    }
    const nt = noteText(ev.note);
    details.replaceChildren(h('h2', {}, `${t('details')} [${ev.id}]`), dl, nt ? h('p', { class: 'note-inline' }, nt) : '');
  }

  let socketsTimer = null, socketsSeq = 0;
  function showSockets(tt) {
    clearTimeout(socketsTimer);
    socketsTimer = setTimeout(async () => {
      const seq = ++socketsSeq;
      try {
        const s = await api.sockets(id, tt);
        if (seq !== socketsSeq) return;
        sockets.replaceChildren(h('h2', {}, `${t('sockets')} t = ${fmtT(tt)} s`), h('pre', {}, s.text || ''));
      } catch (e) { if (seq === socketsSeq) sockets.replaceChildren(h('h2', {}, t('sockets')), showError(e)); }
    }, 120);
  }

  function setCursorEvent(i) {
    const k = model.steps.indexOf(i);
    cursor = k >= 0 ? k : cursor;
    ladder.setCursor(i);
    const ev = events[i];
    const big = events.length > LIST_PAGE * 2;
    if (big && (i < listStart || i >= listStart + LIST_PAGE)) renderList(i);
    list.querySelectorAll('li.current').forEach((li) => li.classList.remove('current'));
    const li = document.getElementById(`ev-${i}`);
    if (li) { li.classList.add('current'); li.setAttribute('aria-current', 'true'); }
    showSockets(ev.t);
  }
  function step(d) {
    if (!model.steps.length) return;
    cursor = Math.max(0, Math.min(model.steps.length - 1, cursor < 0 ? (d > 0 ? 0 : model.steps.length - 1) : cursor + d));
    const i = model.steps[cursor];
    setCursorEvent(i);
    if (events[i].type === 'segment') showDetails(i);
  }
  const onKey = (e) => {
    if (e.target.closest('input, textarea, select, button')) return;
    if (e.key === 'ArrowRight' || e.key === 'j') { e.preventDefault(); step(1); }
    else if (e.key === 'ArrowLeft' || e.key === 'k') { e.preventDefault(); step(-1); }
  };
  document.addEventListener('keydown', onKey);
  cleanup = () => { document.removeEventListener('keydown', onKey); clearTimeout(socketsTimer); };
  // #/runs/ID?at=T puts the cursor on the first drawn event at or after T.
  const at = Number(query.get('at'));
  if (query.has('at') && isFinite(at)) {
    const k = model.steps.findIndex((i) => events[i].t >= at);
    if (k >= 0) { cursor = k - 1; step(1); } else showSockets(at);
  } else showSockets(0);
}
