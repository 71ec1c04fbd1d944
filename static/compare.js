// compare.js — two runs side by side on one time axis:   #/compare/{idA}/{idB}
//
// Both ladders are laid out together (ladder.js ladderSet): every instant of either trace gets
// the same y in both, and a quiet gap is broken the same way, so what happens at one time is level
// across the two. What differs is marked: an arrow or label of one run with no counterpart in the
// other (matched by what it is — sender, flags, seq, ack, length, fate; host and text — not by
// when) is highlighted, the differences are listed in time order (the text alternative), and
// ←/→ (or j/k) step from one difference to the next. Above: what differs in the scenarios (a
// sysctl, a parameter) and in the summaries. Zooming (ladder-zoom.js) zooms both ladders together;
// a summary band holding what only one run has is outlined and counts it.   #/compare/{idA}/{idB}?zoom=Z

import { api } from './api.js';
import { t } from './i18n.js';
import { ladderSet, Ladder, describe, fmtT, segLabel } from './ladder.js';
import { LadderZoom } from './ladder-zoom.js';
import { ladderLegend } from './run.js';
import { h, showError, mark } from './dom.js';

// What differs between two JSON values, as [{path, a, b}] (at most `max`).
export function jsonDiff(a, b, path = '', out = [], max = 30) {
  if (out.length >= max) return out;
  const obj = (v) => v !== null && typeof v === 'object';
  if (!obj(a) || !obj(b) || Array.isArray(a) !== Array.isArray(b)) {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, a, b });
    return out;
  }
  const keys = Array.isArray(a) ? [...Array(Math.max(a.length, b.length)).keys()] : [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const k of keys) jsonDiff(a[k], b[k], Array.isArray(a) ? `${path}[${k}]` : (path ? `${path}.${k}` : k), out, max);
  return out;
}

const short = (v) => { const s = v === undefined ? '—' : JSON.stringify(v); return s.length > 60 ? s.slice(0, 59) + '…' : s; };

// Match the drawn events of two collected traces (ladder-model.js ladderSet) by what they are, in
// order of occurrence; mark the rest (c.diff, which the geometry highlights at any zoom).
export function markDifferences(cA, cB) {
  const keyOf = (c, it) => {
    if (it.kind === 'seg') {
      const e = it.ev;
      return `seg|${e.from}>${e.to}|${(e.flags || []).join(',')}|${e.seq}|${e.ack}|${e.len}|${e.fate}|${!!e.retransmit}|${!!e.injected}`;
    }
    return `label|${c.hostNames[it.host]}|${it.text}`;
  };
  const all = (c) => [...c.segs, ...c.labels].sort((p, q) => p.i - q.i || (p.host ?? -1) - (q.host ?? -1));
  const count = (c) => {
    const seen = new Map();
    const out = new Map();
    for (const it of all(c)) {
      const k = keyOf(c, it);
      const n = seen.get(k) || 0;
      seen.set(k, n + 1);
      out.set(it, `${k}#${n}`);
    }
    return out;
  };
  const kA = count(cA), kB = count(cB);
  const setA = new Set(kA.values()), setB = new Set(kB.values());
  const diffs = [];
  cA.diff = new Set(); cB.diff = new Set();
  for (const [it, k] of kA) if (!setB.has(k)) { cA.diff.add(it); diffs.push({ side: 0, it }); }
  for (const [it, k] of kB) if (!setA.has(k)) { cB.diff.add(it); diffs.push({ side: 1, it }); }
  const tOf = (d) => (d.it.kind === 'seg' ? d.it.ev.t : d.it.t);
  diffs.sort((p, q) => tOf(p) - tOf(q) || p.side - q.side || p.it.i - q.it.i);
  return diffs;
}

export async function compareView(view, idA, idB, query, setCleanup) {
  mark('compare:start');
  const head = h('div', { class: 'runhead' }, h('h1', {}, t('compareTitle')), h('p', { class: 'muted' }, t('loading')));
  view.append(head);
  let runs;
  try {
    runs = await Promise.all([idA, idB].map(async (id) => ({ id, trace: await api.trace(id) })));
  } catch (e) { view.append(showError(e)); return; }
  mark('compare:parsed');
  const [A, B] = runs;
  const name = (r) => r.trace.scenario?.name || r.id;
  const set = ladderSet([A.trace, B.trace], { compact: true });
  const diffs = markDifferences(...set.cs);
  const models = set.at(Number(query.get('zoom')) || 1);
  mark('compare:model');

  // Summaries, with the rows that differ in bold.
  const rows = [['scenario', (r) => name(r)], [t('segments'), (r) => r.trace.summary?.segments], [t('lost'), (r) => r.trace.summary?.lost ?? 0],
    [t('retrans'), (r) => r.trace.summary?.retransmissions ?? 0], [t('drops'), (r) => r.trace.summary?.drops ?? 0],
    [t('callErrors'), (r) => r.trace.summary?.callErrors ?? 0], [t('endTime'), (r) => `${fmtT(r.trace.summary?.endTime)} s`],
    [t('outcome'), (r) => r.trace.summary?.outcome]];
  const sumTable = h('table', { class: 'cmp-summary' },
    h('thead', {}, h('tr', {}, h('th', {}, ''), ...runs.map((r, k) => h('th', {}, `${'AB'[k]} · `, h('a', { href: `#/runs/${r.id}` }, h('code', {}, r.id)))))),
    h('tbody', {}, ...rows.map(([label, f]) => {
      const [a, b] = runs.map(f);
      return h('tr', { class: String(a) !== String(b) ? 'differs' : '' }, h('th', {}, label), h('td', {}, String(a ?? '—')), h('td', {}, String(b ?? '—')));
    })));
  // What differs in the scenarios: the normalized scenario, and each host's effective sysctls.
  const scDiff = jsonDiff({ ...A.trace.scenario, name: undefined }, { ...B.trace.scenario, name: undefined });
  const sysA = Object.fromEntries((A.trace.hosts || []).map((x) => [x.name, x.sysctls || {}]));
  const sysB = Object.fromEntries((B.trace.hosts || []).map((x) => [x.name, x.sysctls || {}]));
  for (const d of jsonDiff(sysA, sysB)) if (!scDiff.some((s) => s.path.endsWith(d.path.split('.').pop()))) scDiff.push({ ...d, path: `${d.path} (sysctl)` });
  const scList = h('ul', { class: 'cmp-scenario' }, ...(scDiff.length
    ? scDiff.map((d) => h('li', {}, h('code', {}, d.path), ': ', h('span', { class: 'cmp-a' }, short(d.a)), ' → ', h('span', { class: 'cmp-b' }, short(d.b))))
    : [h('li', { class: 'muted' }, t('sameScenario'))]));

  const nA = diffs.filter((d) => d.side === 0).length, nB = diffs.length - nA;
  const status = h('p', { class: 'cmp-status', role: 'status' },
    diffs.length ? `${t('diffCount')}: A ${nA}, B ${nB} · ${t('firstDiff')} t = ${fmtT(diffs[0].it.kind === 'seg' ? diffs[0].it.ev.t : diffs[0].it.t)} s`
      : t('noDiff'));
  const prevBtn = h('button', { type: 'button', class: 'secondary', disabled: !diffs.length }, '← ' + t('prevDiff'));
  const nextBtn = h('button', { type: 'button', class: 'secondary', disabled: !diffs.length }, t('nextDiff') + ' →');
  head.replaceChildren(h('h1', {}, t('compareTitle'), ' ', h('small', {}, `${name(A)} ⇄ ${name(B)}`)),
    h('div', { class: 'cmp-top' }, h('div', {}, h('h2', {}, t('summaries')), sumTable),
      h('div', {}, h('h2', {}, t('scenarioDiff')), scList)),
    h('div', { class: 'cmp-nav' }, status, prevBtn, nextBtn, h('a', { href: `#/compare/${idB}/${idA}` }, '⇆ ' + t('swap'))));

  const legend = ladderLegend({ timerKinds: [...new Set(models.flatMap((m) => m.timerKinds))], hasQueues: models.some((m) => m.hasQueues) }, { hint: false });
  legend.append(h('span', { class: 'lg lg-diff' }, h('i'), t('legendDiff')), h('span', { class: 'hint' }, t('compareHintKeys')));
  const scroller = h('div', { class: 'ladder-scroll compare-scroll', tabindex: '0', role: 'region', 'aria-label': t('ladderLabel') });
  const cols = h('div', { class: 'compare-cols' });
  scroller.append(cols);
  const details = h('aside', { class: 'panel details', 'aria-live': 'polite' }, h('h2', {}, t('details')), h('p', { class: 'muted' }, '—'));
  const diffList = h('ol', { class: 'events cmp-diffs' });
  const tools = h('div', { class: 'ladder-toolbar' });
  view.append(legend, tools, scroller, details,
    h('section', { class: 'eventlist' }, h('h2', {}, t('diffList')), diffList));

  const ladders = models.map((m, k) => {
    const col = h('div', { class: 'compare-col', 'data-run': 'AB'[k], 'data-id': runs[k].id });
    cols.append(col);
    return new Ladder(scroller, m, { mount: col, title: 'AB'[k], onSelect: (i, isSeg) => select(k, i, isSeg), onBand: (t0, t1) => zoom.range(t0, t1) });
  });
  const zoom = new LadderZoom(scroller, ladders, (z) => set.at(z), { zoom: models[0].zoom });
  tools.append(zoom.el);
  mark('compare:drawn');

  function showDetails(k, i) {
    const ev = runs[k].trace.events[i];
    const dl = h('dl');
    const row = (key, v) => dl.append(h('dt', {}, key), h('dd', {}, v));
    row('run', `${'AB'[k]} · ${runs[k].id}`);
    if (ev.type === 'segment') row('label', segLabel(ev));
    for (const [key, v] of Object.entries(ev)) if (key !== 'note') row(key, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
    details.replaceChildren(h('h2', {}, `${t('details')} ${'AB'[k]} [${ev.id ?? i}]`), dl);
  }
  function select(k, i, isSeg) {
    const ev = runs[k].trace.events[i];
    ladders[k].setCursor(i);
    ladders[1 - k].setTimeCursor(ev.t, () => ladders[k].m.eventY(i)); // rows are level in both, at any zoom
    if (isSeg || ev.type !== 'segment') showDetails(k, i);
  }
  let cur = -1;
  function step(d) {
    if (!diffs.length) return;
    cur = Math.max(0, Math.min(diffs.length - 1, cur < 0 ? (d > 0 ? 0 : diffs.length - 1) : cur + d));
    const { side, it } = diffs[cur];
    select(side, it.i, it.kind === 'seg');
    diffList.querySelectorAll('li.current').forEach((li) => { li.classList.remove('current'); li.removeAttribute('aria-current'); });
    const li = diffList.children[cur];
    if (li) {
      li.classList.add('current'); li.setAttribute('aria-current', 'true');
      // Scroll the list only (scrollIntoView would scroll the page away from the diagram).
      if (li.offsetTop < diffList.scrollTop || li.offsetTop > diffList.scrollTop + diffList.clientHeight - 20) diffList.scrollTop = li.offsetTop - 40;
    }
    status.textContent = `${t('difference')} ${cur + 1} / ${diffs.length} · ${'AB'[side]} · t = ${fmtT(it.kind === 'seg' ? it.ev.t : it.t)} s`;
  }
  prevBtn.addEventListener('click', () => step(-1));
  nextBtn.addEventListener('click', () => step(1));
  diffs.forEach((d, n) => {
    const ev = runs[d.side].trace.events[d.it.i];
    diffList.append(h('li', { class: `ev-${ev.type}`, 'data-run': 'AB'[d.side], onclick: () => { cur = n - 1; step(1); } },
      `${'AB'[d.side]} ${t('only')}  ${describe(ev)}`));
  });
  if (!diffs.length) diffList.append(h('li', { class: 'muted' }, t('noDiff')));
  const onKey = (e) => {
    if (e.target.closest('input, textarea, select, button, summary')) return;
    if (e.key === 'ArrowRight' || e.key === 'j') { e.preventDefault(); step(1); }
    else if (e.key === 'ArrowLeft' || e.key === 'k') { e.preventDefault(); step(-1); }
  };
  document.addEventListener('keydown', onKey);
  setCleanup(() => { document.removeEventListener('keydown', onKey); ladders.forEach((l) => l.destroy()); zoom.destroy(); });
  if (query.get('first') != null && diffs.length) step(1);
}
