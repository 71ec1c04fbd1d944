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
// Building a model has three phases so two traces can share one time axis (the compare view), and
// the last two are redone at each zoom (ladder-layout.js; summaries of dense stretches in
// ladder-summary.js):
//   collect(trace)       what is drawn, and the room each instant needs below it (once);
//   prepare / layoutAt   one time → y mapping over the union of instants at a zoom (the same breaks
//                        and summarized stretches for all);
//   geometry(c, L)       the positions of every item of one trace.

import { noteText } from './i18n.js';
import {
  ARR_ROW, SEG_ROW, LINE_H, ROW_MIN, SEG_ABOVE, SEG_BELOW, LOOP_H, NOTE_LINE, NOTE_W, FONT_NOTE, MAX_LANES,
  TIMER_NAMES, fmtArgs, callReturnText, queueText, wrap, lowerBound,
} from './ladder-util.js';
import { prepare, layoutAt, geometry } from './ladder-layout.js';

export {
  AXIS_W, NOTE_W, HEAD_H, BOTTOM, TOP, NOTE_LINE, LOOP_W, TIMER_NAMES, fmtT, esc, segLabel, callReturnText, queueText,
  describe, lowerBound,
} from './ladder-util.js';

// Side labels in a summarized stretch: which one a column keeps when several share a line.
const PRIO = { state: 5, drop: 4, fault: 4, call: 2, queue: 1, timer: 0 };

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
    const label = (text, cls, extra) => labels.push({ kind: 'label', i, host: h, t: ev.t, text, cls, prio: PRIO[cls.split(' ')[0]] ?? 0, ...extra });
    switch (ev.type) {
      case 'segment': segs.push({ kind: 'seg', i, ev }); break;
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
          labels.push({ kind: 'label', i, host: hostIndex.get(hn), t: ev.t, text: `⚡ ${ev.fault}`, title: ev.detail || '', cls: 'fault', prio: PRIO.fault });
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
          if (ev.action === 'fire') label(`${prefix(ev.host, ev.socket)}◷ ${TIMER_NAMES[ev.timer] || ev.timer} fired`, `timer tk-${ev.timer}`);
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

  // Steppable events (those drawn with an event of their own, at any zoom), in trace order.
  const steps = [...new Set([...segs.map((s) => s.i), ...labels.map((l) => l.i), ...notes.map((n) => n.i)])].sort((p, q) => p - q);

  return { events, hostNames, hostIndex, hostSockets, segs, labels, notes, spans, timers, need, minDelay, pairDelay,
    compact, side, laneCount: lanes.map((l) => l.length), lastT, crowd, evRow, steps,
    stateAt: socketStates(events, hostNames, hostIndex, hostSockets), timerKinds: [...new Set(timers.map((tm) => tm.timer))],
    hasQueues: labels.some((l) => l.cls === 'queue') };
}

// The sticky header's line under each host name: the state of each of its sockets at t, sockets in
// the same state together, in the order they appeared ("ls LISTEN · conn1,conn2 ESTABLISHED");
// a host with one socket shows its state alone.
function socketStates(events, hostNames, hostIndex, hostSockets) {
  const logs = hostNames.map(() => new Map()); // host → socket → [{t, to}]
  for (const ev of events) {
    if (ev.type !== 'state') continue;
    const m = logs[hostIndex.get(ev.host)];
    const k = ev.socket ?? '';
    (m.get(k) || m.set(k, []).get(k)).push({ t: ev.t, to: ev.to });
  }
  return (h, t) => {
    const groups = new Map();
    for (const [sock, log] of logs[h]) {
      const k = lowerBound(log, t + 1e-12, (e) => e.t) - 1;
      if (k < 0) continue;
      (groups.get(log[k].to) || groups.set(log[k].to, []).get(log[k].to)).push(sock);
    }
    if ((hostSockets.get(hostNames[h])?.size || 0) <= 1) return [...groups.keys()].join(' · ');
    return [...groups].map(([state, socks]) => `${socks.join(',')} ${state}`).join(' · ');
  };
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

/** Collected traces, laid out together at any zoom: `at(zoom)` gives one model per trace. */
export function ladderSet(traces, opts = {}) {
  const cs = traces.map((t) => collect(t, opts));
  let P = null;
  return {
    cs,
    at(zoom = 1) {
      P ||= prepare(cs);
      const L = layoutAt(P, Math.min(P.zMax, Math.max(P.zMin, zoom)));
      return cs.map((c, k) => geometry(c, L, { axis: k === 0 || !!opts.everyAxis }));
    },
  };
}

/** The model of one trace. */
export function buildModel(trace, opts = {}) {
  return ladderSet([trace], opts).at(opts.zoom ?? 1)[0];
}

/** Models of several traces on one time axis: the same instants get the same y in each. */
export function buildModels(traces, opts = {}) {
  return ladderSet(traces, opts).at(opts.zoom ?? 1);
}
