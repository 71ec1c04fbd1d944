// editor.js — write a scenario as JSON (#/editor/{catalogue id}): pre-filled from the catalogue
// entry's full scenario (GET /api/scenarios/{id}), Run posts the text as it is to POST /api/runs.
// A 422 lists problems with a path (`steps[3].call`); each is put beside the line of the text that
// path names (or of its nearest ancestor when the member is missing), marked in the gutter, and
// listed below with a button that puts the caret there. A 400 (not JSON) marks its line and column.
// Drafts are kept per entry in sessionStorage, so going to the run and back keeps the edit.

import { api, ApiError, rememberToken } from './api.js';
import { lang, t } from './i18n.js';
import { h, showError } from './dom.js';
import { positions, locate, pretty } from './jsonpos.js';

const DRAFT = (id) => `tcplab.draft.${id || 'blank'}`;
const BLANK = {
  name: 'my-scenario', duration: '1s',
  hosts: [{ name: 'client', ip: '10.0.0.1' }, { name: 'server', ip: '10.0.0.2' }],
  links: [{ between: ['client', 'server'], delay: '20ms' }],
  steps: [{ at: 0, host: 'client', socket: 'c', call: 'socket' },
    { at: 0, host: 'client', socket: 'c', call: 'connect', to: 'server:9999' }],
};

export async function editorView(view, scenarioId, setCleanup) {
  view.append(h('h1', {}, t('editorTitle')));
  const intro = h('p', { class: 'muted' }, t('editorIntro'));
  const pickId = 'ed-from';
  const pick = h('select', { id: pickId }, h('option', { value: '' }, t('blankScenario')));
  const fromRow = h('p', { class: 'ed-from' }, h('label', { for: pickId }, t('startFrom')), ' ', pick);
  const gutter = h('div', { class: 'ed-gutter', 'aria-hidden': 'true' });
  const backdrop = h('div', { class: 'ed-backdrop', 'aria-hidden': 'true' });
  const area = h('textarea', { id: 'scenario-json', class: 'ed-text', wrap: 'off', spellcheck: 'false', autocapitalize: 'off',
    autocomplete: 'off', 'aria-label': t('editorLabel'), 'aria-describedby': 'ed-problems' });
  const problems = h('ol', { id: 'ed-problems', class: 'ed-problems', 'aria-live': 'polite' });
  const status = h('p', { class: 'muted', role: 'status' });
  const run = h('button', { type: 'button', class: 'run' }, '▶ ' + t('run'));
  const box = h('div', { class: 'editor' }, gutter, h('div', { class: 'ed-code' }, backdrop, area));
  const format = h('button', { type: 'button', class: 'secondary' }, t('format'));
  const reset = h('button', { type: 'button', class: 'secondary' }, t('resetDraft'));
  view.append(intro, fromRow,
    box,
    h('div', { class: 'actions ed-actions' }, run, format, reset, status),
    h('h2', { class: 'ed-problems-title' }, t('problems')), problems);

  let id = scenarioId || '';
  let original = '';
  let errors = [];      // [{path, message}] from the last 422, or [{line, col, message}] from a 400

  // The backdrop mirrors the text line for line (transparent), with each problem's message after
  // its line; the gutter numbers the lines and marks those with problems.
  function paint() {
    const text = area.value;
    const lines = text.split('\n');
    const pos = positions(text);
    const byLine = new Map();
    for (const e of errors) {
      const where = e.line != null ? { line: e.line, exact: true } : locate(text, e.path, pos);
      e.at = where.line;
      if (!byLine.has(where.line)) byLine.set(where.line, []);
      byLine.get(where.line).push(e);
    }
    const frag = document.createDocumentFragment();
    const gfrag = document.createDocumentFragment();
    lines.forEach((ln, k) => {
      const errs = byLine.get(k + 1);
      const div = h('div', { class: errs ? 'ed-line bad' : 'ed-line', 'data-line': k + 1 }, h('span', { class: 'ed-src' }, ln || ' '));
      if (errs) div.append(h('span', { class: 'ed-msg' }, '◀ ' + errs.map((e) => (e.path ? `${e.path}: ` : '') + e.message).join(' · ')));
      frag.append(div);
      gfrag.append(h('div', { class: errs ? 'bad' : '' }, errs ? `⚠ ${k + 1}` : String(k + 1)));
    });
    // As tall as the text (19 px a line), within 12rem and 70% of the window.
    box.style.height = `${Math.round(Math.min(Math.max(lines.length * 19 + 40, 192), window.innerHeight * 0.7))}px`;
    backdrop.replaceChildren(frag);
    gutter.replaceChildren(gfrag);
    area.toggleAttribute('aria-invalid', errors.length > 0);
    problems.replaceChildren(...errors.map((e) => h('li', { 'data-line': e.at, 'data-path': e.path || '' },
      h('button', { type: 'button', class: 'linkish', onclick: () => goTo(e.at) }, `${t('line')} ${e.at}`), ' ',
      e.path ? h('code', {}, e.path) : '', e.path ? ' — ' : '', e.message)));
    if (!errors.length) problems.append(h('li', { class: 'muted none' }, '—'));
    sync();
  }
  function sync() {
    backdrop.scrollTop = area.scrollTop; backdrop.scrollLeft = area.scrollLeft;
    gutter.scrollTop = area.scrollTop;
  }
  function goTo(line) {
    const lines = area.value.split('\n');
    let off = 0;
    for (let k = 0; k < line - 1 && k < lines.length; k++) off += lines[k].length + 1;
    area.focus();
    area.setSelectionRange(off, off + (lines[line - 1] || '').length);
    const lh = parseFloat(getComputedStyle(area).lineHeight) || 19;
    area.scrollTop = Math.max(0, (line - 3) * lh);
    sync();
  }
  function setText(text, fromDraft) {
    area.value = text;
    errors = [];
    reset.hidden = !fromDraft;
    paint();
  }

  async function load(newId) {
    id = newId || '';
    status.textContent = t('loading');
    try {
      if (id) {
        const entry = await api.scenario(id, lang());
        original = pretty(entry.scenario);
      } else original = pretty(BLANK);
      let draft = null;
      try { draft = sessionStorage.getItem(DRAFT(id)); } catch { /* ignore */ }
      setText(draft && draft !== original ? draft : original, !!draft && draft !== original);
      status.textContent = '';
    } catch (e) { status.replaceChildren(showError(e)); }
  }

  let repaint = null;
  area.addEventListener('input', () => {
    try { sessionStorage.setItem(DRAFT(id), area.value); } catch { /* ignore */ }
    reset.hidden = area.value === original;
    clearTimeout(repaint);
    repaint = setTimeout(paint, 120); // problems follow their paths as lines move
  });
  area.addEventListener('scroll', sync, { passive: true });
  area.addEventListener('keydown', (e) => { // Tab indents (Escape then Tab leaves the editor)
    if (e.key === 'Tab' && !e.shiftKey && !area.dataset.escaped) {
      e.preventDefault();
      area.setRangeText('  ', area.selectionStart, area.selectionEnd, 'end');
      area.dispatchEvent(new Event('input'));
    }
    if (e.key === 'Escape') area.dataset.escaped = '1'; else if (e.key !== 'Tab') delete area.dataset.escaped;
  });
  format.addEventListener('click', () => {
    try { area.value = pretty(JSON.parse(area.value)); area.dispatchEvent(new Event('input')); status.textContent = ''; }
    catch (e) { status.textContent = `${t('notJson')}: ${e.message}`; }
  });
  reset.addEventListener('click', () => {
    try { sessionStorage.removeItem(DRAFT(id)); } catch { /* ignore */ }
    setText(original, false);
  });
  pick.addEventListener('change', () => { location.hash = pick.value ? `#/editor/${encodeURIComponent(pick.value)}` : '#/editor'; });
  run.addEventListener('click', async () => {
    errors = [];
    run.disabled = true; run.textContent = t('running'); status.textContent = '';
    try {
      const r = await api.createRun(area.value);
      if (r.deleteToken) rememberToken(r.id, r.deleteToken);
      location.hash = `#/runs/${r.id}`;
      return;
    } catch (err) {
      if (err instanceof ApiError && err.errors.length) {
        errors = err.errors.map((e) => ({ path: e.path, message: e.message }));
        status.textContent = `${err.errors.length} ${t('problemsFound')}`;
      } else if (err instanceof ApiError && err.status === 400 && /line (\d+), column (\d+)/.test(err.message)) {
        const [, line, col] = /line (\d+), column (\d+)/.exec(err.message);
        errors = [{ line: Number(line), col: Number(col), message: err.message }];
        status.textContent = t('notJson');
      } else status.replaceChildren(showError(err));
    } finally { run.disabled = false; run.textContent = '▶ ' + t('run'); }
    paint();
  });

  setCleanup(() => clearTimeout(repaint));
  await load(id);
  try {
    const cat = await api.scenarios(lang());
    for (const sc of cat.scenarios || []) pick.append(h('option', { value: sc.id, selected: sc.id === id }, `${sc.id} — ${sc.title}`));
  } catch { /* the editor works without the list */ }
}
