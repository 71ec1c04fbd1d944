// app.js — the tcplab viewer: hash routing, the catalogue and past runs.
//   #/                  catalogue               #/runs            past runs
//   #/runs/{id}         one run (run.js)        #/compare/{a}/{b} two runs on one time axis (compare.js)
//   #/editor[/{id}]     the JSON scenario editor, pre-filled from a catalogue entry (editor.js)

import { api, ApiError, rememberToken, knownToken, forgetToken } from './api.js';
import { lang, setLang, t } from './i18n.js';
import { h, rich, showError } from './dom.js';
import { runView } from './run.js';
import { compareView } from './compare.js';
import { editorView } from './editor.js';

const view = document.getElementById('view');
let cleanup = null; // the current view's teardown (key handlers, timers)
const setCleanup = (f) => { cleanup = f; };

// ---------------------------------------------------------------------------------------------
// Routing.

function route() {
  if (cleanup) { cleanup(); cleanup = null; }
  let hash = location.hash || '#/';
  const legacy = hash.match(/^#run=([a-z0-9]+)/i); // links.viewer is "/#run=ID"
  if (legacy) { location.replace(`#/runs/${legacy[1]}`); return; }
  const path = hash.replace(/^#/, '') || '/';
  document.querySelectorAll('[data-nav]').forEach((a) => {
    const active = (a.dataset.nav === 'runs' && /^\/(runs|compare)/.test(path)) || (a.dataset.nav === 'catalogue' && path === '/') ||
      (a.dataset.nav === 'editor' && path.startsWith('/editor'));
    a.classList.toggle('active', active);
    a.textContent = t(a.dataset.nav);
  });
  document.querySelectorAll('[data-lang]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.lang === lang())));
  view.replaceChildren();
  let m;
  if (path === '/' || path === '') return catalogue();
  if (path === '/runs') return runsList();
  if ((m = path.match(/^\/runs\/([^/?]+)(?:\?(.*))?$/))) return runView(view, decodeURIComponent(m[1]), new URLSearchParams(m[2] || ''), setCleanup);
  if ((m = path.match(/^\/compare\/([^/?]+)\/([^/?]+)(?:\?(.*))?$/))) return compareView(view, decodeURIComponent(m[1]), decodeURIComponent(m[2]), new URLSearchParams(m[3] || ''), setCleanup);
  if ((m = path.match(/^\/editor(?:\/([^/?]+))?\/?$/))) return editorView(view, m[1] ? decodeURIComponent(m[1]) : null, setCleanup);
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
  const both = h('button', { type: 'button', class: 'secondary', title: t('compareDefaultsHelp') }, '⇄ ' + t('compareDefaults'));
  form.append(h('div', { class: 'actions' }, button, both,
    h('a', { class: 'edit-json', href: `#/editor/${encodeURIComponent(sc.id)}` }, '✎ ' + t('editJson')), formErr));

  function collectParams() {
    for (const f of fields.values()) { f.err.textContent = ''; f.input.removeAttribute('aria-invalid'); }
    formErr.textContent = '';
    const params = {};
    for (const [name, f] of fields) {
      const v = f.input.value;
      if (v.trim() !== '' && v.trim() !== String(f.p.default ?? '')) params[name] = paramValue(f.p, v);
    }
    return params;
  }
  // A 422 names each bad parameter as params.NAME: show its message under that field.
  function showProblems(err) {
    if (err instanceof ApiError && err.errors.length) {
      const rest = [];
      for (const e2 of err.errors) {
        const m = /^params\.([A-Za-z0-9_]+)/.exec(e2.path || '');
        const f = m && fields.get(m[1]);
        if (f) { f.err.textContent = e2.message; f.input.setAttribute('aria-invalid', 'true'); }
        else rest.push(`${e2.path}: ${e2.message}`);
      }
      formErr.textContent = rest.join('\n');
      (form.querySelector('[aria-invalid="true"]') || button).focus();
    } else formErr.textContent = err.message || String(err);
  }
  async function busy(btn, label, work) {
    btn.disabled = true; const old = btn.textContent; btn.textContent = label;
    try { await work(); } catch (err) { showProblems(err); } finally { btn.disabled = false; btn.textContent = old; }
  }
  const start = async (params) => {
    const run = await api.createRun({ scenario: sc.id, params });
    if (run.deleteToken) rememberToken(run.id, run.deleteToken);
    return run.id;
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const params = collectParams();
    busy(button, t('running'), async () => { location.hash = `#/runs/${await start(params)}`; });
  });
  // The same scenario with its defaults and with the form's values, side by side.
  both.addEventListener('click', () => {
    const params = collectParams();
    if (!Object.keys(params).length) { formErr.textContent = t('compareNeedsChange'); return; }
    busy(both, t('running'), async () => {
      const b = await start(params); // first, so a bad parameter is reported before anything runs
      const a = await start({});
      location.hash = `#/compare/${a}/${b}`;
    });
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
  const compareBtn = h('button', { type: 'button', class: 'run', disabled: true }, '⇄ ' + t('compareSelected'));
  const picked = [];
  const onPick = (id, on) => {
    const k = picked.indexOf(id);
    if (on && k < 0) picked.push(id);
    if (!on && k >= 0) picked.splice(k, 1);
    compareBtn.disabled = picked.length !== 2;
    compareBtn.textContent = `⇄ ${t('compareSelected')} (${picked.length}/2)`;
  };
  compareBtn.addEventListener('click', () => {
    if (picked.length !== 2) return;
    // The older run on the left: rows are newest first, so the lower row is A.
    const rows = [...tbody.querySelectorAll('tr[data-id]')].map((r) => r.dataset.id);
    const [a, b] = [...picked].sort((p, q) => rows.indexOf(q) - rows.indexOf(p));
    location.hash = `#/compare/${a}/${b}`;
  });
  const table = h('table', { class: 'runs' },
    h('thead', {}, h('tr', {}, h('th', {}, h('span', { class: 'sr-only' }, t('compare'))), h('th', {}, 'id'), h('th', {}, t('scenario')), h('th', {}, t('created')),
      h('th', { class: 'num' }, t('segments')), h('th', {}, t('outcome')), h('th', {}, ''))));
  const tbody = h('tbody');
  table.append(tbody);
  const more = h('button', { type: 'button', class: 'more', hidden: true }, t('more'));
  const status = h('p', { class: 'muted', role: 'status' });
  view.append(h('p', { class: 'compare-bar' }, compareBtn, ' ', h('span', { class: 'muted' }, t('compareHint'))),
    h('div', { class: 'table-wrap' }, table), more, status);
  let next = null;
  async function load(url) {
    status.textContent = t('loading');
    try {
      const data = await api.runs(url);
      for (const r of data.runs || []) tbody.append(...runRow(r, status, onPick));
      next = data.next;
      more.hidden = !next;
      status.textContent = tbody.children.length ? '' : '—';
    } catch (e) { status.replaceChildren(showError(e)); }
  }
  more.addEventListener('click', () => next && load(next));
  await load();
}

// A run's row, and the row below it that asks for the delete token when Delete is pressed.
function runRow(r, status, onPick) {
  const del = h('button', { type: 'button', class: 'danger', 'aria-expanded': 'false' }, t('delete'));
  const pick = h('input', { type: 'checkbox', 'aria-label': `${t('compare')} ${r.id}` });
  pick.addEventListener('change', () => onPick(r.id, pick.checked));
  const tr = h('tr', { 'data-id': r.id },
    h('td', {}, pick),
    h('td', {}, h('a', { href: `#/runs/${r.id}` }, h('code', {}, r.id))),
    h('td', {}, r.scenario || h('em', {}, r.name || t('custom'))),
    h('td', {}, (r.createdAt || '').replace('T', ' ').replace(/\.\d+Z$/, 'Z')),
    h('td', { class: 'num' }, r.summary?.segments ?? ''),
    h('td', {}, r.summary?.outcome ?? ''),
    h('td', {}, del));
  const tokenId = `tok-${r.id}`;
  const token = h('input', { id: tokenId, type: 'text', value: knownToken(r.id), autocomplete: 'off', spellcheck: 'false', size: 34 });
  const err = h('span', { class: 'field-error', role: 'alert' });
  const confirm = h('form', { class: 'confirm-delete' },
    h('label', { for: tokenId }, `${t('deletePrompt')} ${r.id}`), ' ', token, ' ',
    h('button', { type: 'submit', class: 'danger' }, t('confirmDelete')), ' ',
    h('button', { type: 'button', onclick: () => close() }, t('cancel')), ' ', err);
  const ask = h('tr', { class: 'ask', hidden: true }, h('td', { colspan: 7 }, confirm));
  const close = () => { ask.hidden = true; del.setAttribute('aria-expanded', 'false'); del.focus(); };
  del.addEventListener('click', () => {
    ask.hidden = !ask.hidden;
    del.setAttribute('aria-expanded', String(!ask.hidden));
    if (!ask.hidden) token.focus();
  });
  confirm.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    if (!token.value.trim()) { err.textContent = t('tokenNeeded'); return; }
    try {
      await api.deleteRun(r.id, token.value.trim());
      forgetToken(r.id);
      if (pick.checked) onPick(r.id, false);
      tr.remove(); ask.remove();
      status.textContent = `${t('deleted')} ${r.id}`;
    } catch (e2) { err.textContent = e2.message; }
  });
  return [tr, ask];
}
