// run.js — one run: the ladder, segment details, the socket table at the cursor, the event list
// (the ladder's text alternative) and the stream graphs.   #/runs/{id}?at=T&zoom=Z&show=graphs&from=&to=

import { api } from './api.js';
import { lang, t, noteText } from './i18n.js';
import { ladderSet, Ladder, describe, fmtT, segLabel, TIMER_NAMES } from './ladder.js';
import { LadderZoom } from './ladder-zoom.js';
import { streamGraphs } from './streams.js';
import { h, showError, mark } from './dom.js';

const LIST_PAGE = 400;

// The legend of a ladder: arrow kinds, then the timers and queues it actually shows.
export function ladderLegend(model, { hint = true } = {}) {
  return h('div', { class: 'legend', role: 'group', 'aria-label': t('legend') },
    ...[['ctl', t('legendData')], ['retx', '↻ ' + t('legendRetx')], ['lost', '✕ ' + t('legendLost')], ['inj', '⚠ ' + t('legendInj')], ['rst', t('legendRst')]]
      .map(([k, label]) => h('span', { class: `lg lg-${k}` }, h('i'), label)),
    model.timerKinds.length ? h('span', { class: 'lg-timers' }, `${t('legendTimers')}:`,
      ...model.timerKinds.map((k) => h('span', { class: `lg lg-timer tk-${k}` }, h('i'), TIMER_NAMES[k] || k))) : null,
    model.hasQueues ? h('span', { class: 'lg lg-queue' }, t('legendQueue')) : null,
    hint ? h('span', { class: 'hint' }, t('clickSeg')) : null);
}

// "Compare with…": the other runs of the same scenario (or all runs), and a box for any run id.
function comparePicker(id) {
  const box = h('details', { class: 'compare-with' });
  const list = h('ul', { class: 'pick' });
  const input = h('input', { id: 'cmp-id', placeholder: 'run id', autocomplete: 'off', spellcheck: 'false', size: 18 });
  const form = h('form', { class: 'pick-id' }, h('label', { for: 'cmp-id' }, t('otherRunId')), ' ', input, ' ',
    h('button', { type: 'submit' }, t('compare')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const other = input.value.trim().replace(/^.*#\/runs\//, '');
    if (other) location.hash = `#/compare/${id}/${encodeURIComponent(other)}`;
  });
  box.append(h('summary', {}, '⇄ ' + t('compareWith')), list, form);
  let loaded = false;
  box.addEventListener('toggle', async () => {
    if (!box.open || loaded) return;
    loaded = true;
    list.replaceChildren(h('li', { class: 'muted' }, t('loading')));
    try {
      const me = await api.run(id);
      const data = await api.runs(me.scenario ? `/api/runs?limit=20&scenario=${encodeURIComponent(me.scenario)}` : '/api/runs?limit=20');
      const others = (data.runs || []).filter((r) => r.id !== id);
      list.replaceChildren(...others.map((r) => h('li', {},
        h('a', { href: `#/compare/${id}/${r.id}` }, h('code', {}, r.id)), ' ',
        h('span', { class: 'muted' }, `${r.scenario || r.name} · ${(r.createdAt || '').replace('T', ' ').replace(/\.\d+Z$/, 'Z')} · ` +
          `${t('segments')} ${r.summary?.segments ?? '?'} · ${t('drops')} ${r.summary?.drops ?? 0}`))));
      if (!others.length) list.replaceChildren(h('li', { class: 'muted' }, t('noOtherRuns')));
    } catch (e) { list.replaceChildren(h('li', {}, showError(e))); }
  });
  return box;
}

// A packetdrill run's verdict (summary.packetdrill): pass, or the first mismatch with its line and
// the script's segment against the kernel's.
function packetdrillVerdict(v) {
  if (!v) return null;
  const pass = v.verdict === 'pass';
  return h('div', { class: `pd-verdict ${pass ? 'pd-pass' : 'pd-fail'}`, role: 'status' },
    h('strong', {}, `packetdrill: ${pass ? t('pdPass') : t('pdFail')}`),
    pass ? null : h('span', {}, ` — ${lang() === 'zh' ? `第 ${v.line ?? '?'} 行` : `line ${v.line ?? '?'}`}: ${v.message ?? ''}`),
    ...(v.detail || []).map((d) => h('pre', {}, d)));
}

export async function runView(view, id, query = new URLSearchParams(), setCleanup) {
  mark('run:start');
  const head = h('div', { class: 'runhead' }, h('h1', {}, h('code', {}, id)), h('p', { class: 'muted' }, t('loading')));
  view.append(head);
  let trace;
  try { trace = await api.trace(id, (p) => mark(`run:${p}`)); } catch (e) { view.append(showError(e)); return; }
  const sc = trace.scenario || {};
  const sum = trace.summary || {};
  const links = api.links(id);
  head.replaceChildren(
    h('h1', {}, sc.name || id, ' ', h('small', {}, h('code', {}, id))),
    h('p', { class: 'summary' },
      `${t('segments')} ${sum.segments ?? '?'} · ${t('lost')} ${sum.lost ?? 0} · ${t('retrans')} ${sum.retransmissions ?? 0} · ` +
      `${t('events')} ${sum.events ?? trace.events.length} · ${t('endTime')} ${fmtT(sum.endTime)} s · ${t('outcome')} ${sum.outcome ?? '?'}`),
    packetdrillVerdict(sum.packetdrill) ?? '', // (replaceChildren would print a null as "null")
    h('p', { class: 'downloads' }, `${t('download')}: `,
      h('a', { href: links.trace, download: `${id}.json` }, t('traceJson')), ' · ',
      h('a', { href: `${links.text}?lang=${lang()}`, download: `${id}.txt` }, t('textLadder')), ' · ',
      h('a', { href: links.pcap, download: `${id}.pcap` }, t('pcap')),
      h('span', { class: 'sg-link' }, ' · ', h('a', { href: `#/runs/${id}?show=graphs` }, t('streamGraphs')))),
    comparePicker(id));

  // ?zoom=Z opens the ladder at that zoom of its time axis (ladder-zoom.js keeps it up to date).
  const set = ladderSet([trace]);
  const model = set.at(Number(query.get('zoom')) || 1)[0];
  mark('run:model');
  const scroller = h('div', { class: 'ladder-scroll', tabindex: '0', role: 'region', 'aria-label': t('ladderLabel') });
  const details = h('aside', { class: 'panel details', 'aria-live': 'polite' }, h('h2', {}, t('details')), h('p', { class: 'muted' }, '—'));
  const sockets = h('aside', { class: 'panel sockets', 'aria-live': 'polite' }, h('h2', {}, t('sockets'), ' —'), h('pre', {}, ''));
  const list = h('ol', { class: 'events' });
  const listNav = h('div', { class: 'listnav' });
  const eventsSection = h('section', { class: 'eventlist' }, h('h2', {}, t('eventList')), listNav, list);
  const tools = h('div', { class: 'ladder-toolbar' });
  view.append(...[ladderLegend(model), model.virtual ? h('p', { class: 'muted' }, t('large')) : null, tools,
    h('div', { class: 'runbody' }, scroller, h('div', { class: 'side' }, details, sockets)), eventsSection].filter(Boolean));

  let cursor = -1; // index into model.steps
  const ladder = new Ladder(scroller, model, {
    onSelect: (i, isSeg) => { setCursorEvent(i); if (isSeg) showDetails(i); },
    // Dragging along the time axis puts the cursor on the last drawn event at or above the pointer
    // (at or before its time; row by row where events share an instant).
    onScrub: (tt, yy) => {
      const k = ladder.m.stepAt(yy);
      if (k !== cursor && model.steps.length) { cursor = k; setCursorEvent(model.steps[k]); }
    },
    onBand: (t0, t1) => zoom.range(t0, t1),
  });
  const zoom = new LadderZoom(scroller, [ladder], (z) => set.at(z), { zoom: model.zoom });
  tools.append(zoom.el);
  const drawn = mark('run:drawn');
  scroller.dataset.buildMs = (window.tcplabMarks['run:model'] - window.tcplabMarks['run:parsed']).toFixed(0);
  scroller.dataset.renderMs = (drawn - window.tcplabMarks['run:model']).toFixed(0);
  // After the first frame with the diagram: the moment a user sees it.
  requestAnimationFrame(() => setTimeout(() => mark('run:painted'), 0));

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

  // Stream graphs (time–sequence, cwnd, srtt), when the trace carries data: after the ladder has
  // been painted, so a large trace shows its diagram first.
  const graphs = () => {
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
      mark('run:graphs');
    } catch (e) { eventsSection.before(showError(e)); }
  };
  // (A large trace — by its events, whatever the zoom makes of it — shows its diagram first.)
  if (query.get('show') === 'graphs' || events.length <= 5000) graphs();
  else requestAnimationFrame(() => setTimeout(graphs, 0));

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
        // The table after everything at the cursor's instant: the API's snapshot at T is taken
        // before the events at T, and times are whole microseconds, so ask for T + 1 µs.
        const s = await api.sockets(id, (tt + 1e-6).toFixed(6));
        if (seq !== socketsSeq) return;
        // (The heading says the instant; the table's own first line would say T + 1 µs.)
        sockets.replaceChildren(h('h2', {}, `${t('sockets')} t = ${fmtT(tt)} s`), h('pre', {}, (s.text || '').replace(/^sockets at t=\S*\n/, '')));
        sockets.dataset.at = String(tt);
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
    list.querySelectorAll('li.current').forEach((li) => { li.classList.remove('current'); li.removeAttribute('aria-current'); });
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
    if (e.target.closest('input, textarea, select, button, summary')) return;
    if (e.key === 'ArrowRight' || e.key === 'j') { e.preventDefault(); step(1); }
    else if (e.key === 'ArrowLeft' || e.key === 'k') { e.preventDefault(); step(-1); }
  };
  document.addEventListener('keydown', onKey);
  setCleanup(() => { document.removeEventListener('keydown', onKey); clearTimeout(socketsTimer); ladder.destroy(); zoom.destroy(); });
  // #/runs/ID?at=T puts the cursor on the first drawn event at or after T.
  const at = Number(query.get('at'));
  if (query.has('at') && isFinite(at)) {
    const k = model.steps.findIndex((i) => events[i].t >= at);
    if (k >= 0) { cursor = k - 1; step(1); } else showSockets(at);
  } else showSockets(0);
}
