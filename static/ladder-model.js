// ladder-model.js — what the ladder diagram draws and where: one trace (buildModel) or several
// on one time axis (buildModels). Pure layout, no DOM besides measuring note text; ladder.js draws it.
//
// One vertical time line per host; every segment is an arrow from (sender, t) to (receiver,
// arrivesAt). Time runs downwards on a compressed scale: each distinct event time gets a row,
// rows are at least as tall as the labels they carry, short gaps are drawn to scale, longer ones
// are squeezed, and gaps over BREAK_GAP seconds become a zig-zag break of fixed height.
// A crowded instant — one where a segment arrives when it is sent, as on the zero-delay link of a
// packetdrill run — would draw its arrows horizontally on top of each other: there the mapping holds
// the time still and steps down a row per drawn event, in event order (the axis labels it once).
// A host's segment to itself (loopback) is a loop beside its line, away from its labels.
// Beside each line: call spans, timers (one thin bar per timer from set to fire/cancel, in lanes),
// and labels (states, call returns, drops, faults, timer fires, listener queue lengths).
//
// Building a model has three phases so two traces can share one time axis (the compare view):
//   collect(trace)   what is drawn, and the room each instant needs below it;
//   layout([c, …])   one time → y mapping over the union of instants (the same breaks for all);
//   geometry(c, L)   the positions of every item of one trace.

import { noteText } from './i18n.js';

const BREAK_GAP = 1.0;        // s: longer quiet gaps are drawn as a break
const BREAK_H = 46;           // px: height of a break
const GAP_CAP = 90;           // px: gaps to scale up to this, then logarithmic
const SEG_ROW = 18;           // px: minimum room below a time at which a segment leaves
const ARR_ROW = 7;            // px: minimum room below an arrival time
const LINE_H = 15;            // px: side label line height
const ROW_MIN = 15;           // px: rows of a crowded instant are at least this far apart
const SEG_ABOVE = 13, SEG_BELOW = 5; // px: a row with an arrow needs room above it (label), below (head)
export const LOOP_W = 44;     // px: how far a host's loop to itself reaches out from its line
const LOOP_H = 12;            // px: the height of such a loop when the segment arrives at once
export const NOTE_LINE = 15;
export const AXIS_W = 64, NOTE_W = 224, TOP = 34, BOTTOM = 40;
export const HEAD_H = 44;     // px: the sticky row of host names above the diagram
const VIRTUAL_ABOVE = 2500;   // items: above this many, draw only what is visible
const FONT_NOTE = '12.5px Georgia, "Times New Roman", "Noto Serif CJK SC", serif';
const LANE0 = 9, LANE_W = 5, MAX_LANES = 4; // timer lanes: px from the host line, px apart

// Timer names as a student meets them (Linux tcp_timer.c / inet_connection_sock.c).
export const TIMER_NAMES = {
  retransmit: 'RTO', loss_probe: 'TLP', delack: 'delayed ACK', keepalive: 'keepalive',
  fin_wait2: 'FIN_WAIT_2', time_wait: 'TIME_WAIT', synack: 'SYN-ACK', persist: 'persist', reorder: 'RACK reorder',
};

export function fmtT(t) {
  if (t == null) return '—';
  let s = Number(t).toFixed(6).replace(/0+$/, '');
  const dot = s.indexOf('.');
  if (dot >= 0 && s.length - dot - 1 < 3) s = s + '0'.repeat(3 - (s.length - dot - 1));
  return s;
}

export const esc = (s) => String(s).replace(/[&<>"']/g, (c) =>
  ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

function fmtArgs(args) {
  if (!args) return '';
  return Object.entries(args).map(([k, v]) => {
    if (k === 'data' && typeof v === 'string') return JSON.stringify(v.length > 16 ? v.slice(0, 16) + '…' : v);
    return typeof v === 'string' ? v : JSON.stringify(v);
  }).join(', ');
}

export function segLabel(ev) {
  const flags = (ev.flags || []).join(',') || '—';
  let s = `${flags} seq=${ev.seq}`;
  if (ev.ack != null) s += ` ack=${ev.ack}`;
  s += ` len=${ev.len}`;
  if (ev.retransmit) s = '↻ ' + s;
  if (ev.injected) s = '⚠ ' + s;
  return s;
}

export function callReturnText(ev) {
  let s = `${ev.call}() = ${ev.result}`;
  if (ev.errno) s += ` ${ev.errno}`;
  if (typeof ev.data === 'string') s += ` ${JSON.stringify(ev.data.length > 10 ? ev.data.slice(0, 10) + "…" : ev.data)}`;
  if (typeof ev.value === 'number') s += ` → ${ev.value}`;   // getsockopt(): what it read
  return s;
}

// A listener's queues as drawn beside its line: "SYN 1 · accept 2/1" (n queued / backlog);
// Linux's sk_acceptq_is_full() holds more than `backlog` as full.
export function queueText(ev) {
  return `SYN ${ev.synQueue} · accept ${ev.acceptQueue}/${ev.backlog}${ev.acceptQueue > ev.backlog ? ' full' : ''}`;
}

// A plain-text description of any event, for the accessible event list.
export function describe(ev, hostSockets) {
  const who = (h, s) => (s ? `${h} ${s}` : h);
  let s;
  switch (ev.type) {
    case 'segment':
      s = `${ev.from} → ${ev.to} [${ev.id}] ${segLabel(ev)} win=${ev.win}` +
        (ev.fate === 'lost' ? ` — lost${ev.lossReason ? ' (' + ev.lossReason + ')' : ''}` : ` — arrives ${fmtT(ev.arrivesAt)}`) +
        (ev.injected ? ' (injected)' : '') + (ev.duplicate ? ' (duplicate)' : '');
      break;
    case 'state': s = `${who(ev.host, ev.socket)}: ${ev.from} → ${ev.to}`; break;
    case 'call':
      s = ev.phase === 'enter' ? `${who(ev.host, ev.socket)}: ${ev.call}(${fmtArgs(ev.args)})`
        : `${who(ev.host, ev.socket)}: ${callReturnText(ev)}`;
      break;
    case 'timer': s = `${who(ev.host, ev.socket)}: timer ${ev.timer} ${ev.action}${ev.expires != null ? ' → ' + fmtT(ev.expires) : ''}`; break;
    case 'queue': s = `${who(ev.host, ev.socket)}: SYN queue ${ev.synQueue}, accept queue ${ev.acceptQueue} (backlog ${ev.backlog})`; break;
    case 'drop': s = `${who(ev.host, ev.socket)}: drop [${ev.segment}] ${ev.reason}`; break;
    case 'fault': s = `fault ${ev.fault} ${(ev.hosts || []).join(', ')}${ev.detail ? ' — ' + ev.detail : ''}`; break;
    case 'cc': s = `${who(ev.host, ev.socket)}: cc ${ev.state} cwnd=${ev.cwnd} ssthresh=${ev.ssthresh ?? '—'} inFlight=${ev.inFlight} srtt=${ev.srtt} rto=${ev.rto}`; break;
    default: s = `${ev.type} ${JSON.stringify(ev)}`;
  }
  return `${fmtT(ev.t)}  ${s}`;
}

let measureCtx = null;
function measure(text, font) {
  if (!measureCtx) measureCtx = document.createElement('canvas').getContext('2d');
  measureCtx.font = font;
  return measureCtx.measureText(text).width;
}

// Word-wrap (or, for CJK text, character-wrap) to a pixel width. Cached: a long transfer repeats
// the same few notes tens of thousands of times, and measuring text is the costly part.
const wrapCache = new Map();
function wrap(text, width, font) {
  const key = `${width}|${font}|${text}`;
  let lines = wrapCache.get(key);
  if (!lines) {
    if (wrapCache.size > 5000) wrapCache.clear();
    wrapCache.set(key, (lines = wrapUncached(text, width, font)));
  }
  return lines;
}
function wrapUncached(text, width, font) {
  const tokens = text.match(/[\u2e80-\u9fff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff\uff00-\uffef\u3000-\u303f]+|\s+/g) || [];
  const lines = [];
  let line = '';
  for (const tok of tokens) {
    const cand = line + tok;
    if (line && measure(cand.trimEnd(), font) > width) {
      lines.push(line.trimEnd());
      line = /^\s+$/.test(tok) ? '' : tok;
    } else line = cand;
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines;
}

export function lowerBound(arr, x, key = (v) => v) {
  let lo = 0, hi = arr.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (key(arr[m]) < x) lo = m + 1; else hi = m; }
  return lo;
}

// ---------------------------------------------------------------------------------------------
// Phase 1: what one trace draws, and the room each instant needs.

function collect(trace, { compact = false } = {}) {
  const events = trace.events || [];
  const hostNames = (trace.hosts || []).map((h) => h.name);
  const hostIndex = new Map(hostNames.map((n, i) => [n, i]));
  const addHost = (n) => { if (n != null && !hostIndex.has(n)) { hostIndex.set(n, hostNames.length); hostNames.push(n); } };
  const hostSockets = new Map();
  for (const ev of events) {
    if (ev.type === 'segment') { addHost(ev.from); addHost(ev.to); }
    else if (ev.host != null) {
      addHost(ev.host);
      if (ev.socket != null) {
        if (!hostSockets.has(ev.host)) hostSockets.set(ev.host, new Set());
        hostSockets.get(ev.host).add(ev.socket);
      }
    }
  }
  for (const ev of events) if (ev.type === 'fault') for (const hn of ev.hosts || []) addHost(hn);
  const N = Math.max(1, hostNames.length);
  const side = (h) => (N === 1 || h < N / 2 ? 'L' : 'R');
  const prefix = (h, s) => ((hostSockets.get(h)?.size || 0) > 1 && s ? `${s}: ` : '');
  const listeners = new Map(); // host → listening sockets (a queue label names its socket only if there are several)
  for (const ev of events) if (ev.type === 'queue') (listeners.get(ev.host) || listeners.set(ev.host, new Set()).get(ev.host)).add(ev.socket);

  // Pair call enters with their returns to spot blocking calls.
  const returnOf = new Map();
  const openCalls = new Map();
  events.forEach((ev, i) => {
    if (ev.type !== 'call') return;
    const k = `${ev.host}\u0000${ev.socket}\u0000${ev.step}\u0000${ev.call}`;
    if (ev.phase === 'enter') openCalls.set(k, i);
    else if (openCalls.has(k)) { returnOf.set(openCalls.get(k), i); openCalls.delete(k); }
  });

  // Typical one-way delay per direction (for lost segments) and overall.
  let minDelay = Infinity;
  const pairDelay = new Map();
  for (const ev of events) {
    if (ev.type === 'segment' && ev.arrivesAt != null) {
      const d = ev.arrivesAt - ev.t;
      if (d > 0) {
        minDelay = Math.min(minDelay, d);
        const k = ev.from + '>' + ev.to;
        if (!pairDelay.has(k)) pairDelay.set(k, d);
      }
    }
  }

  const segs = [];      // {i, ev, dy}
  const labels = [];    // {i, host, t, text, cls, dy}
  const notes = [];     // {i, host, t, lines, dy, h}
  const spans = [];     // blocking calls {host, t0, t1}
  const timers = [];    // {host, socket, timer, t0, t1, expires, end: fire|cancel|open, i0, i1, lane}
  const need = new Map(); // instant → px it needs below it
  const bump = (t, px) => { const v = need.get(t); if (v === undefined || v < px) need.set(t, px); };
  const stack = new Map(); // `${t}|${column}` → px used
  const place = (t, col, hgt) => {
    const k = t + '|' + col;
    const used = stack.get(k) || 0;
    stack.set(k, used + hgt);
    bump(t, used + hgt);
    return used;
  };
  const noteWidth = NOTE_W - 18;
  const activeTimers = new Map();  // host|socket|timer → open interval
  const lastQueue = new Map();     // host|socket → text of the last queue label
  let lastT = 0;
  events.forEach((ev, i) => {
    lastT = Math.max(lastT, ev.t, ev.arrivesAt ?? 0);
    const h = hostIndex.get(ev.type === 'segment' ? ev.from : ev.host);
    const label = (text, cls, extra) => labels.push({ i, host: h, t: ev.t, text, cls, ...extra });
    switch (ev.type) {
      case 'segment': segs.push({ i, ev }); break;
      case 'state': {
        label(prefix(ev.host, ev.socket) + ev.to, 'state');
        // A timer the trace never cancels ends with what it belonged to: the SYN-ACK timer when the
        // socket leaves SYN_RECV (Linux frees the request socket, and its timer, then), any timer
        // when the socket is CLOSED.
        for (const [k, a] of activeTimers) {
          if (a.host !== h || a.socket !== ev.socket) continue;
          if (ev.to === 'CLOSED' || (a.timer === 'synack' && ev.from === 'SYN_RECV')) {
            activeTimers.delete(k);
            if (ev.t > a.t0) timers.push({ ...a, t1: ev.t, end: 'implied', i1: i, why: ev.to });
          }
        }
        break;
      }
      case 'call':
        if (ev.phase === 'return') {
          label(prefix(ev.host, ev.socket) + callReturnText(ev), 'call', { err: ev.result === -1 || !!ev.errno });
        } else {
          const r = returnOf.get(i);
          const rt = r != null ? events[r].t : null;
          if (rt == null || rt > ev.t) {
            // (Side by side, the arguments go to the tooltip: the columns are narrow.)
            const args = fmtArgs(ev.args);
            label(`${prefix(ev.host, ev.socket)}${ev.call}(${compact && args ? '…' : args}) …`, 'call', { enter: true, title: compact ? args : '' });
            spans.push({ host: h, t0: ev.t, t1: rt ?? ev.t, i0: i, i1: r });
          }
        }
        break;
      case 'drop': label(`✕ ${compact ? '' : 'drop '}[${ev.segment}] ${ev.reason}`, 'drop'); break;
      case 'fault':
        for (const hn of (ev.hosts && ev.hosts.length ? ev.hosts : hostNames)) {
          labels.push({ i, host: hostIndex.get(hn), t: ev.t, text: `⚡ ${ev.fault}`, title: ev.detail || '', cls: 'fault' });
        }
        break;
      case 'timer': {
        // One interval per timer from the set that armed it (re-arming extends it) to its fire or
        // cancel; a fire is also labelled, since it is what makes something happen.
        const k = `${ev.host}\u0000${ev.socket}\u0000${ev.timer}`;
        const a = activeTimers.get(k);
        if (ev.action === 'set') {
          if (a) { a.expires = ev.expires; a.rearmed++; }
          else activeTimers.set(k, { host: h, socket: ev.socket, timer: ev.timer, t0: ev.t, expires: ev.expires, i0: i, rearmed: 0 });
        } else {
          if (a) {
            activeTimers.delete(k);
            if (ev.t > a.t0 || ev.action === 'fire') timers.push({ ...a, t1: ev.t, end: ev.action, i1: i });
          }
          if (ev.action === 'fire') label(`${prefix(ev.host, ev.socket)}⏱ ${TIMER_NAMES[ev.timer] || ev.timer} fired`, `timer tk-${ev.timer}`);
        }
        break;
      }
      case 'queue': {
        const text = (listeners.get(ev.host).size > 1 ? `${ev.socket}: ` : '') + queueText(ev);
        const k = `${ev.host}\u0000${ev.socket}`;
        if (lastQueue.get(k) !== text) { lastQueue.set(k, text); label(text, 'queue', { full: ev.acceptQueue > ev.backlog }); }
        break;
      }
      default: break;
    }
    const nt = compact ? '' : noteText(ev.note);
    if (nt && h != null) notes.push({ i, host: h, t: ev.t, lines: wrap(nt, noteWidth, FONT_NOTE) });
  });
  // Timers still armed when the trace ends run to its end (or their expiry, if sooner).
  for (const a of activeTimers.values()) {
    const t1 = Math.min(lastT, a.expires ?? lastT);
    if (t1 > a.t0) timers.push({ ...a, t1, end: 'open' });
  }

  for (const n of notes) n.h = n.lines.length * NOTE_LINE + 8;
  const { crowd, evRow } = crowdedRows(events, segs, labels, notes, hostIndex, side);

  // Segments leaving one host at one instant (a burst) are drawn one below the other, SEG_ROW apart;
  // distinct arrival instants get at least ARR_ROW so arrowheads stay apart.
  const burst = new Map();
  for (const s of segs) {
    if (crowd.has(s.ev.t)) { // on its own row of a crowded instant
      s.dy = 0; s.inBurst = false;
      bump(s.ev.t, 0);
      if (s.ev.arrivesAt != null && s.ev.arrivesAt !== s.ev.t) bump(s.ev.arrivesAt, ARR_ROW);
      continue;
    }
    const k = s.ev.t + '|' + s.ev.from;
    const n = burst.get(k) || 0;
    burst.set(k, n + 1);
    s.dy = n * SEG_ROW;
    bump(s.ev.t, (n + 1) * SEG_ROW);
    if (s.ev.arrivesAt != null) bump(s.ev.arrivesAt, ARR_ROW);
  }
  // Arrows of a burst start SEG_ROW apart but may arrive at one instant: their labels go near the
  // start, where the arrows are still apart.
  for (const s of segs) if (!crowd.has(s.ev.t)) s.inBurst = burst.get(s.ev.t + '|' + s.ev.from) > 1;
  for (const l of labels) if (crowd.has(l.t)) l.row = evRow[l.i]; else l.dy = place(l.t, 'lab' + l.host, LINE_H);
  for (const n of notes) if (!crowd.has(n.t)) n.dy = place(n.t, 'note' + side(n.host), n.h + 4);
  for (const sp of spans) { bump(sp.t0, 0); bump(sp.t1, 0); }

  // Timer lanes per host: greedy interval colouring, keeping a timer in the lane it used last.
  timers.sort((p, q) => p.t0 - q.t0 || p.t1 - q.t1);
  const lanes = hostNames.map(() => []);      // per host: end time of each lane
  const laneOf = new Map();                   // host|socket|timer → lane last used
  for (const tm of timers) {
    if (tm.host == null) continue;
    const ends = lanes[tm.host];
    const key = `${tm.host}|${tm.socket}|${tm.timer}`;
    let lane = laneOf.get(key);
    if (lane == null || ends[lane] > tm.t0) {
      lane = ends.findIndex((e) => e <= tm.t0);
      if (lane < 0) lane = ends.length < MAX_LANES ? ends.length : ends.indexOf(Math.min(...ends));
    }
    ends[lane] = Math.max(ends[lane] ?? -Infinity, tm.t1);
    tm.lane = lane;
    laneOf.set(key, lane);
  }

  return { events, hostNames, hostIndex, hostSockets, segs, labels, notes, spans, timers, need, minDelay, pairDelay,
    compact, side, laneCount: lanes.map((l) => l.length), lastT, crowd, evRow };
}

// The rows of crowded instants: instants where a segment arrives when it is sent. There every event
// drawn (an arrow, or a side label) gets a row of its own, in event order; a note alone goes on the
// row of what follows it, an event not drawn (a timer set) after the row before it. A row says the
// room it needs above and below its line and which columns its text uses (gap g: between host lines
// g and g+1), so rows sharing no column need only ROW_MIN between them. O(events).
// Returns crowd: instant → {rows: [{above, below, cols}], notes}, evRow: event index → row (or -1).
function crowdedRows(events, segs, labels, notes, hostIndex, side) {
  const crowd = new Map();
  const evRow = new Int32Array(events.length).fill(-1);
  for (const s of segs) if (s.ev.arrivesAt === s.ev.t && s.ev.fate !== 'lost') crowd.set(s.ev.t, { rows: [], notes: [], pending: [] });
  if (!crowd.size) return { crowd, evRow };
  const spec = new Map();   // event index → its row
  const inner = (h) => (side(h) === 'L' ? h : h - 1); // the gap a host's loop to itself reaches into
  for (const s of segs) {
    if (!crowd.has(s.ev.t)) continue;
    const a = hostIndex.get(s.ev.from), b = hostIndex.get(s.ev.to);
    const cols = new Set();
    if (a === b) cols.add(inner(a));
    else for (let g = Math.min(a, b); g < Math.max(a, b); g++) cols.add(g);
    const zero = s.ev.arrivesAt === s.ev.t && s.ev.fate !== 'lost';
    spec.set(s.i, a === b ? { above: 0, below: zero ? LOOP_H + 4 : SEG_BELOW, cols } : { above: SEG_ABOVE, below: SEG_BELOW, cols });
  }
  for (const l of labels) {
    if (!crowd.has(l.t) || l.host == null) continue;
    let sp = spec.get(l.i);
    if (!sp) spec.set(l.i, (sp = { above: 0, below: LINE_H, cols: new Set() }));
    sp.cols.add(side(l.host) === 'L' ? l.host - 1 : l.host);
  }
  const noted = new Set();
  for (const n of notes) if (crowd.has(n.t)) noted.add(n.i);
  events.forEach((ev, i) => {
    const rec = crowd.get(ev.t);
    if (!rec) return;
    const sp = spec.get(i);
    if (sp) {
      rec.rows.push(sp);
      evRow[i] = rec.rows.length - 1;
      for (const j of rec.pending) evRow[j] = evRow[i];
      rec.pending.length = 0;
    } else if (noted.has(i)) rec.pending.push(i);
    else evRow[i] = Math.max(0, rec.rows.length - 1);
  });
  for (const rec of crowd.values()) {
    for (const j of rec.pending) evRow[j] = Math.max(0, rec.rows.length - 1);
    delete rec.pending;
    if (!rec.rows.length) rec.rows.push({ above: 0, below: 0, cols: new Set() });
  }
  for (const n of notes) if (crowd.has(n.t)) { n.row = evRow[n.i]; crowd.get(n.t).notes.push(n); }
  return { crowd, evRow };
}

// The distance between two successive rows of a crowded instant.
function rowStep(p, n) {
  for (const g of p.cols) if (n.cols.has(g)) return Math.max(ROW_MIN, p.below + n.above);
  return ROW_MIN;
}

// Notes of a crowded instant: each at its event's row, or below the note above it on its side.
// Returns how far below the instant's first row they reach.
function stackNotes(c, rec, lines) {
  const used = { L: -Infinity, R: -Infinity };
  let bottom = 0;
  for (const n of rec.notes) {
    const s = c.side(n.host);
    n.dy = Math.max(lines[n.row] ?? 0, used[s]);
    used[s] = n.dy + n.h + 4;
    bottom = Math.max(bottom, used[s]);
  }
  return bottom;
}

// ---------------------------------------------------------------------------------------------
// Phase 2: one time → y mapping for one or more collections.

function layout(cs) {
  const times = new Set();
  for (const c of cs) for (const t of c.need.keys()) times.add(t);
  const T = Float64Array.from(times).sort();
  const need = new Float64Array(T.length);
  for (const c of cs) for (let k = 0; k < T.length; k++) { const v = c.need.get(T[k]); if (v > need[k]) need[k] = v; }
  // Crowded instants: one y per row, the same in every trace (a row is as far below the one above as
  // the trace needing most room there wants), so two runs compared stay level row by row.
  const lines = new Map();                   // k → y of each row below the instant's first
  const above = new Float64Array(T.length);  // px a crowded instant needs above its first row
  for (let k = 0; k < T.length && cs.some((c) => c.crowd.size); k++) {
    const recs = [];
    for (const c of cs) { const rec = c.crowd.get(T[k]); if (rec) recs.push([c, rec]); }
    if (!recs.length) continue;
    const n = Math.max(...recs.map(([, rec]) => rec.rows.length));
    const ln = new Float64Array(n);
    for (let r = 1; r < n; r++) {
      let y = ln[r - 1] + ROW_MIN;
      for (const [, rec] of recs) if (r < rec.rows.length) y = Math.max(y, ln[r - 1] + rowStep(rec.rows[r - 1], rec.rows[r]));
      ln[r] = y;
    }
    lines.set(k, ln);
    for (const [c, rec] of recs) {
      const last = rec.rows.length - 1;
      above[k] = Math.max(above[k], rec.rows[0].above);
      need[k] = Math.max(need[k], ln[last] + rec.rows[last].below, stackNotes(c, rec, ln));
    }
  }
  let minDelay = Math.min(...cs.map((c) => c.minDelay));
  if (!isFinite(minDelay)) minDelay = 0.02;
  const pps = 64 / minDelay; // px per second at small scale: the shortest flight is ~64 px tall

  const Y = new Float64Array(T.length);
  const breaks = [];
  let y = TOP + (T.length ? above[0] : 0);
  for (let k = 0; k < T.length; k++) {
    if (k > 0) {
      const g = T[k] - T[k - 1];
      const prevNeed = need[k - 1];
      if (g > BREAK_GAP) {
        const yA = Y[k - 1] + Math.max(prevNeed, 10) + 6;
        breaks.push({ yA, yB: yA + BREAK_H, dt: g, t0: T[k - 1], t1: T[k] });
        y = yA + BREAK_H + 8 + above[k];
      } else {
        let gh = g * pps;
        if (gh > GAP_CAP) gh = GAP_CAP + 28 * Math.log2(gh / GAP_CAP);
        y = Y[k - 1] + Math.max(gh, prevNeed + (prevNeed ? 3 : 0) + above[k]);
      }
    }
    Y[k] = y;
  }
  // Yl[k]: the last row of instant k (Y[k] itself unless it is crowded); time stands still from Y[k]
  // to Yl[k] and runs on from there to Y[k + 1].
  const Yl = Float64Array.from(Y);
  for (const [k, ln] of lines) Yl[k] = Y[k] + ln[ln.length - 1];
  const height = (T.length ? Y[T.length - 1] + need[T.length - 1] : TOP) + BOTTOM;
  const yOf = (t) => {
    if (!T.length) return TOP;
    const k = lowerBound(T, t);
    if (k < T.length && T[k] === t) return Y[k];
    if (k <= 0) return Y[0];
    if (k >= T.length) return Yl[T.length - 1];
    const f = (t - T[k - 1]) / (T[k] - T[k - 1]);
    return Yl[k - 1] + f * (Y[k] - Yl[k - 1]);
  };
  const tOf = (yy) => { // inverse, for the cursor from a click and the sticky header
    const k = lowerBound(Y, yy);
    if (k < T.length && Y[k] === yy) return T[k];
    if (k <= 0) return T[0] ?? 0;
    if (yy <= Yl[k - 1] || k >= T.length) return T[k - 1];
    return T[k - 1] + (T[k] - T[k - 1]) * ((yy - Yl[k - 1]) / (Y[k] - Yl[k - 1] || 1));
  };
  // Tick precision: enough decimals for the finest distinct time (at most µs).
  let decimals = 3;
  for (let k = 0; k < T.length && decimals < 6; k++) {
    while (decimals < 6 && Math.abs(T[k] * 10 ** decimals - Math.round(T[k] * 10 ** decimals)) > 1e-6) decimals++;
  }
  return { T, Y, Yl, lines, need, breaks, height, yOf, tOf, minDelay, decimals };
}

// ---------------------------------------------------------------------------------------------
// Phase 3: the geometry of one trace on a layout.

function geometry(c, L, { axis = true } = {}) {
  const { events, hostNames, hostIndex, side, compact } = c;
  const axisW = axis ? AXIS_W : 14; // the compare view's right-hand ladder shares the left one's axis
  const { T, Y, yOf, height } = L;
  const N = Math.max(1, hostNames.length);
  // Room for labels beside each line, plus the timer lanes between the line and its labels.
  const lanes = Math.max(0, ...c.laneCount);
  const labelW = (compact ? 180 : 190) + (lanes ? LANE_W * lanes + 2 : 0), noteW = compact ? 0 : NOTE_W;
  const gap = compact ? (N <= 2 ? 220 : Math.max(200, 500 / (N - 1))) : (N <= 2 ? 390 : Math.max(320, 860 / (N - 1)));
  const x0 = axisW + (noteW ? noteW + 10 : 0) + labelW;
  const hostX = hostNames.map((_, i) => x0 + i * gap);
  const width = (hostX[N - 1] ?? x0) + labelW + 10 + (noteW ? noteW + 12 : 0);
  const out = (h) => (side(h) === 'L' ? -1 : 1);  // the outer side of a host line
  const labelOff = (h) => LANE0 + LANE_W * (c.laneCount[h] || 0) + (c.laneCount[h] ? 2 : 0);
  const idx = (t) => lowerBound(T, t);
  // The y of an event: its row at a crowded instant, else its instant.
  const eventY = (i) => {
    const r = c.evRow[i];
    if (r < 0) return yOf(events[i].t);
    const k = idx(events[i].t);
    return Y[k] + L.lines.get(k)[r];
  };

  const items = [];
  for (const s of c.segs) {
    const ev = s.ev, a = hostIndex.get(ev.from), b = hostIndex.get(ev.to);
    const xa = hostX[a], xb = hostX[b];
    const self = a === b; // loopback: a loop out to the side away from the host's labels, and back
    const o = -out(a);
    const ya = c.evRow[s.i] >= 0 ? eventY(s.i) : Y[idx(ev.t)] + s.dy;
    let yb, xe;
    const lost = ev.arrivesAt == null || ev.fate === 'lost';
    if (!lost) { yb = ev.arrivesAt === ev.t ? ya + (self ? LOOP_H : 0) : Y[idx(ev.arrivesAt)]; xe = xb; }
    else {
      const d = c.pairDelay.get(ev.from + '>' + ev.to) || L.minDelay;
      const full = yOf(ev.t + d) - (ya - s.dy);
      xe = self ? xa + o * LOOP_W : xa + (xb - xa) * 0.55; yb = ya + Math.max(full, 30) * 0.55;
    }
    items.push({ kind: 'seg', i: s.i, ev, xa, ya, xe, yb, lost, inBurst: s.inBurst, self, o, y0: ya - 14, y1: yb + 8 });
  }
  for (const l of c.labels) {
    const yy = l.row != null ? eventY(l.i) : Y[idx(l.t)] + l.dy;
    const o = out(l.host);
    items.push({ kind: 'label', ...l, hx: hostX[l.host], x: hostX[l.host] + o * labelOff(l.host), anchor: o < 0 ? 'end' : 'start', yy, y0: yy, y1: yy + LINE_H });
  }
  for (const [k, ln] of L.lines) { const rec = c.crowd.get(T[k]); if (rec) stackNotes(c, rec, ln); }
  for (const n of c.notes) {
    const yy = Y[idx(n.t)] + n.dy;
    const s = side(n.host);
    const x = s === 'L' ? axisW + 6 : width - NOTE_W - 10;
    items.push({ kind: 'note', ...n, x, yy, side: s, y0: yy, y1: yy + n.h });
  }
  for (const sp of c.spans) {
    const ya = eventY(sp.i0), yb = sp.i1 != null ? eventY(sp.i1) : yOf(sp.t1);
    items.push({ kind: 'span', x: hostX[sp.host] + out(sp.host) * 4, ya, yb, y0: ya, y1: yb });
  }
  for (const tm of c.timers) {
    if (tm.host == null) continue;
    const ya = eventY(tm.i0), yb = tm.i1 != null ? eventY(tm.i1) : yOf(tm.t1);
    items.push({ kind: 'timer', ...tm, multi: (c.hostSockets.get(hostNames[tm.host])?.size || 0) > 1,
      x: hostX[tm.host] + out(tm.host) * (LANE0 + LANE_W * tm.lane), dir: out(tm.host), ya, yb, y0: ya - 3, y1: yb + 4 });
  }
  // Time ticks, thinned so they never overlap.
  let lastTick = -Infinity;
  for (let k = 0; axis && k < T.length; k++) {
    if (Y[k] - lastTick >= 13) { items.push({ kind: 'tick', decimals: L.decimals, t: T[k], yy: Y[k], y0: Y[k] - 10, y1: Y[k] + 4 }); lastTick = Y[k]; }
  }
  // A crowded instant's rows are bracketed on the axis: one time, no time passing between them.
  for (const [k, ln] of L.lines) {
    if (axis && ln.length > 1) items.push({ kind: 'instant', t: T[k], decimals: L.decimals, ys: Array.from(ln, (v) => Y[k] + v), y0: Y[k], y1: L.Yl[k] });
  }
  // Items taller than LONG (e.g. a read() blocked for the whole run) are kept apart and always
  // checked, so the window query only looks back maxSpan over the short ones.
  const LONG = 60000;
  const long = items.filter((it) => it.y1 - it.y0 > LONG);
  const short = items.filter((it) => it.y1 - it.y0 <= LONG);
  short.sort((p, q) => p.y0 - q.y0);
  let maxSpan = 0;
  for (const it of short) maxSpan = Math.max(maxSpan, it.y1 - it.y0);

  // Steppable events (those drawn with an event of their own), in trace order.
  const stepSet = new Set();
  for (const it of items) if (it.i != null && it.kind !== 'timer') stepSet.add(it.i);
  // How many arrows cross an average row: above ~6 the diagram is a dense band, drawn thinner.
  let flight = 0;
  for (const it of items) if (it.kind === 'seg') flight += it.yb - it.ya;
  const dense = flight / Math.max(1, height) > 6;
  const steps = [...stepSet].sort((p, q) => p - q);
  // The step drawn at or above y (for dragging along the time axis): their y only grows with the step.
  let stepY = null;
  const stepAt = (y) => Math.max(0, lowerBound(stepY ||= Float64Array.from(steps, eventY), y + 0.5) - 1);

  // Each host's latest state change at an instant, for the sticky header.
  const stateLog = hostNames.map(() => []);
  for (const ev of events) {
    if (ev.type !== 'state') continue;
    const h = hostIndex.get(ev.host);
    stateLog[h].push({ t: ev.t, text: (c.hostSockets.get(ev.host)?.size || 0) > 1 ? `${ev.socket}: ${ev.to}` : ev.to });
  }
  const stateAt = (h, t) => {
    const log = stateLog[h];
    let k = lowerBound(log, t + 1e-12, (e) => e.t) - 1;
    return k >= 0 ? log[k].text : '';
  };
  const timerKinds = [...new Set(c.timers.map((tm) => tm.timer))];

  return { events, hostNames, hostX, hostSockets: c.hostSockets, width, height, axisW, items: short, long, maxSpan,
    breaks: L.breaks, yOf, tOf: L.tOf, eventY, stepAt, steps, T, Y, dense, decimals: L.decimals, stateAt, timerKinds,
    hasQueues: c.labels.some((l) => l.cls === 'queue'), compact,
    virtual: items.length > VIRTUAL_ABOVE };
}

/** The model of one trace. */
export function buildModel(trace, opts = {}) {
  const c = collect(trace, opts);
  return geometry(c, layout([c]));
}

/** Models of several traces on one time axis: the same instants get the same y in each. */
export function buildModels(traces, opts = {}) {
  const cs = traces.map((t) => collect(t, opts));
  const L = layout(cs);
  return cs.map((c, k) => geometry(c, L, { axis: k === 0 || !!opts.everyAxis }));
}
