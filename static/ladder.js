// ladder.js — the SVG ladder (sequence) diagram of a trace.
//
// One vertical time line per host; every segment is an arrow from (sender, t) to (receiver,
// arrivesAt). Time runs downwards on a compressed scale: each distinct event time gets a row,
// rows are at least as tall as the labels they carry, short gaps are drawn to scale, longer ones
// are squeezed, and gaps over BREAK_GAP seconds become a zig-zag break of fixed height.
// Large traces are virtualized: only items whose vertical extent meets the viewport are in the DOM.

import { noteText } from './i18n.js';

const SVGNS = 'http://www.w3.org/2000/svg';
const BREAK_GAP = 1.0;        // s: longer quiet gaps are drawn as a break
const BREAK_H = 46;           // px: height of a break
const GAP_CAP = 90;           // px: gaps to scale up to this, then logarithmic
const SEG_ROW = 18;           // px: minimum room below a time at which a segment leaves
const ARR_ROW = 7;            // px: minimum room below an arrival time
const LINE_H = 15;            // px: side label line height
const NOTE_LINE = 15;
const AXIS_W = 64, NOTE_W = 224, LABEL_W = 160, TOP = 74, BOTTOM = 40;
const VIRTUAL_ABOVE = 2500;   // items: above this many, draw only what is visible
const FONT_NOTE = '12.5px Georgia, "Times New Roman", "Noto Serif CJK SC", serif';

export function fmtT(t) {
  if (t == null) return '—';
  let s = Number(t).toFixed(6).replace(/0+$/, '');
  const dot = s.indexOf('.');
  if (dot >= 0 && s.length - dot - 1 < 3) s = s + '0'.repeat(3 - (s.length - dot - 1));
  return s;
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) =>
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
  return s;
}

// A plain-text description of any event, for the accessible event list.
export function describe(ev, hostSockets) {
  const who = (h, s) => (s && hostSockets && (hostSockets.get(h)?.size || 0) > 1) ? `${h} ${s}` : (s ? `${h} ${s}` : h);
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

// Word-wrap (or, for CJK text, character-wrap) to a pixel width.
function wrap(text, width, font) {
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

function lowerBound(arr, x, key = (v) => v) {
  let lo = 0, hi = arr.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (key(arr[m]) < x) lo = m + 1; else hi = m; }
  return lo;
}

// ---------------------------------------------------------------------------------------------
// Model: hosts, drawable items, and the time → y mapping.

export function buildModel(trace) {
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
  const N = Math.max(1, hostNames.length);
  const gap = N <= 2 ? 430 : Math.max(320, 860 / (N - 1));
  const x0 = AXIS_W + NOTE_W + 10 + LABEL_W;
  const hostX = hostNames.map((_, i) => x0 + i * gap);
  const side = (h) => (N === 1 || h < N / 2 ? 'L' : 'R');
  const width = (hostX[N - 1] ?? x0) + LABEL_W + 10 + NOTE_W + 12;
  const prefix = (h, s) => ((hostSockets.get(h)?.size || 0) > 1 && s ? `${s}: ` : '');

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
  if (!isFinite(minDelay)) minDelay = 0.02;
  const pps = 64 / minDelay; // px per second at small scale: the shortest flight is ~64 px tall

  // Drawable items.
  const segs = [];      // {i, ev}
  const labels = [];    // {i, host, t, text, cls, col}
  const notes = [];     // {i, host, t, lines, col}
  const spans = [];     // blocking calls {host, t0, t1}
  const noteWidth = NOTE_W - 18;
  events.forEach((ev, i) => {
    const h = hostIndex.get(ev.type === 'segment' ? ev.from : ev.host);
    switch (ev.type) {
      case 'segment': segs.push({ i, ev }); break;
      case 'state':
        labels.push({ i, host: h, t: ev.t, text: prefix(ev.host, ev.socket) + ev.to, cls: 'state' });
        break;
      case 'call':
        if (ev.phase === 'return') {
          labels.push({ i, host: h, t: ev.t, text: prefix(ev.host, ev.socket) + callReturnText(ev),
            cls: 'call', err: ev.result === -1 || !!ev.errno });
        } else {
          const r = returnOf.get(i);
          const rt = r != null ? events[r].t : null;
          if (rt == null || rt > ev.t) {
            labels.push({ i, host: h, t: ev.t, text: `${prefix(ev.host, ev.socket)}${ev.call}(${fmtArgs(ev.args)}) …`, cls: 'call', enter: true });
            spans.push({ host: h, t0: ev.t, t1: rt ?? ev.t });
          }
        }
        break;
      case 'drop':
        labels.push({ i, host: h, t: ev.t, text: `✕ drop [${ev.segment}] ${ev.reason}`, cls: 'drop' });
        break;
      case 'fault':
        for (const hn of (ev.hosts && ev.hosts.length ? ev.hosts : hostNames)) {
          addHost(hn);
          labels.push({ i, host: hostIndex.get(hn), t: ev.t, text: `⚡ ${ev.fault}`, title: ev.detail || '', cls: 'fault' });
        }
        break;
      default: break;
    }
    const nt = noteText(ev.note);
    if (nt && h != null) notes.push({ i, host: h, t: ev.t, lines: wrap(nt, noteWidth, FONT_NOTE) });
  });

  // Distinct times, and the room each needs below it.
  const timeSet = new Set();
  for (const s of segs) { timeSet.add(s.ev.t); if (s.ev.arrivesAt != null) timeSet.add(s.ev.arrivesAt); }
  for (const l of labels) timeSet.add(l.t);
  for (const n of notes) timeSet.add(n.t);
  for (const sp of spans) { timeSet.add(sp.t0); timeSet.add(sp.t1); }
  const T = Float64Array.from(timeSet).sort();
  const idx = (t) => lowerBound(T, t);
  const need = new Float64Array(T.length);
  const stack = new Map(); // `${timeIndex}|${column}` → used px
  const place = (ti, col, h) => {
    const k = ti + '|' + col;
    const used = stack.get(k) || 0;
    stack.set(k, used + h);
    need[ti] = Math.max(need[ti], used + h);
    return used;
  };
  // Segments leaving one host at one instant (a burst) are drawn one below the other, SEG_ROW apart;
  // distinct arrival instants get at least ARR_ROW so arrowheads stay apart.
  const burst = new Map();
  for (const s of segs) {
    const ti = idx(s.ev.t);
    const k = ti + '|' + s.ev.from;
    const n = burst.get(k) || 0;
    burst.set(k, n + 1);
    s.dy = n * SEG_ROW;
    need[ti] = Math.max(need[ti], (n + 1) * SEG_ROW);
    if (s.ev.arrivesAt != null) { const ta = idx(s.ev.arrivesAt); need[ta] = Math.max(need[ta], ARR_ROW); }
  }
  for (const l of labels) { l.ti = idx(l.t); l.dy = place(l.ti, 'lab' + l.host, LINE_H); }
  for (const n of notes) {
    n.ti = idx(n.t);
    n.h = n.lines.length * NOTE_LINE + 8;
    n.dy = place(n.ti, 'note' + side(n.host), n.h + 4);
  }

  // Rows → y, with breaks.
  const Y = new Float64Array(T.length);
  const breaks = [];
  let y = TOP;
  for (let k = 0; k < T.length; k++) {
    if (k > 0) {
      const g = T[k] - T[k - 1];
      const prevNeed = need[k - 1];
      if (g > BREAK_GAP) {
        const yA = Y[k - 1] + Math.max(prevNeed, 10) + 6;
        breaks.push({ yA, yB: yA + BREAK_H, dt: g, t0: T[k - 1], t1: T[k] });
        y = yA + BREAK_H + 8;
      } else {
        let gh = g * pps;
        if (gh > GAP_CAP) gh = GAP_CAP + 28 * Math.log2(gh / GAP_CAP);
        y = Y[k - 1] + Math.max(gh, prevNeed + (prevNeed ? 3 : 0));
      }
    }
    Y[k] = y;
  }
  const height = (T.length ? Y[T.length - 1] + need[T.length - 1] : TOP) + BOTTOM;
  const yOf = (t) => {
    if (!T.length) return TOP;
    const k = lowerBound(T, t);
    if (k < T.length && T[k] === t) return Y[k];
    if (k <= 0) return Y[0];
    if (k >= T.length) return Y[T.length - 1];
    const f = (t - T[k - 1]) / (T[k] - T[k - 1]);
    return Y[k - 1] + f * (Y[k] - Y[k - 1]);
  };
  const tOf = (yy) => { // inverse, for the cursor from a click
    const k = lowerBound(Y, yy);
    if (k <= 0) return T[0] ?? 0;
    if (k >= T.length) return T[T.length - 1] ?? 0;
    return T[k - 1] + (T[k] - T[k - 1]) * ((yy - Y[k - 1]) / (Y[k] - Y[k - 1] || 1));
  };

  // Geometry of every drawable item (vertical extent for virtualization).
  const items = [];
  for (const s of segs) {
    const ev = s.ev, a = hostIndex.get(ev.from), b = hostIndex.get(ev.to);
    const xa = hostX[a], xb = hostX[b];
    const ya = Y[idx(ev.t)] + s.dy;
    let yb, xe, lost = ev.arrivesAt == null || ev.fate === 'lost';
    if (!lost) { yb = Y[idx(ev.arrivesAt)]; xe = xb; }
    else {
      const d = pairDelay.get(ev.from + '>' + ev.to) || minDelay;
      const full = yOf(ev.t + d) - Y[idx(ev.t)];
      xe = xa + (xb - xa) * 0.55; yb = ya + Math.max(full, 30) * 0.55;
    }
    items.push({ kind: 'seg', i: s.i, ev, xa, ya, xe, yb, lost, y0: ya - 14, y1: yb + 8 });
  }
  for (const l of labels) {
    const yy = Y[l.ti] + l.dy;
    const s = side(l.host);
    items.push({ kind: 'label', ...l, x: hostX[l.host] + (s === 'L' ? -9 : 9), anchor: s === 'L' ? 'end' : 'start', yy, y0: yy, y1: yy + LINE_H });
  }
  for (const n of notes) {
    const yy = Y[n.ti] + n.dy;
    const s = side(n.host);
    const x = s === 'L' ? AXIS_W + 6 : width - NOTE_W - 10;
    items.push({ kind: 'note', ...n, x, yy, side: s, y0: yy, y1: yy + n.h });
  }
  for (const sp of spans) {
    const s = side(sp.host);
    const ya = yOf(sp.t0), yb = yOf(sp.t1);
    items.push({ kind: 'span', x: hostX[sp.host] + (s === 'L' ? -4 : 4), ya, yb, y0: ya, y1: yb });
  }
  // Time ticks, thinned so they never overlap.
  let lastTick = -Infinity;
  for (let k = 0; k < T.length; k++) {
    if (Y[k] - lastTick >= 13) { items.push({ kind: 'tick', decimals: 0, t: T[k], yy: Y[k], y0: Y[k] - 10, y1: Y[k] + 4 }); lastTick = Y[k]; }
  }
  // Items taller than LONG (e.g. a read() blocked for the whole run) are kept apart and always
  // checked, so the window query only looks back maxSpan over the short ones.
  const LONG = 60000;
  const long = items.filter((it) => it.y1 - it.y0 > LONG);
  const short = items.filter((it) => it.y1 - it.y0 <= LONG);
  short.sort((p, q) => p.y0 - q.y0);
  let maxSpan = 0;
  for (const it of short) maxSpan = Math.max(maxSpan, it.y1 - it.y0);

  // Steppable events (those drawn), in trace order.
  const stepSet = new Set();
  for (const it of items) if (it.i != null) stepSet.add(it.i);
  const allItems = items.length;
  const ticks = items.filter((it) => it.kind === 'tick');
  // How many arrows cross an average row: above ~6 the diagram is a dense band, drawn thinner.
  let flight = 0;
  for (const it of items) if (it.kind === 'seg') flight += it.yb - it.ya;
  const dense = flight / Math.max(1, height) > 6;
  // Tick precision: enough decimals for the finest distinct time (at most µs).
  let decimals = 3;
  for (let k = 0; k < T.length && decimals < 6; k++) {
    while (decimals < 6 && Math.abs(T[k] * 10 ** decimals - Math.round(T[k] * 10 ** decimals)) > 1e-6) decimals++;
  }
  for (const it of items) if (it.kind === 'tick') it.decimals = decimals;
  const steps = [...stepSet].sort((p, q) => p - q);

  return { events, hostNames, hostX, hostSockets, width, height, items: short, long, maxSpan, breaks, yOf, tOf, steps, T, Y, dense, decimals,
    virtual: allItems > VIRTUAL_ABOVE };
}

// ---------------------------------------------------------------------------------------------
// Rendering.

function itemSVG(it, cur) {
  const c = it.i != null && it.i === cur ? ' current' : '';
  switch (it.kind) {
    case 'seg': {
      const ev = it.ev;
      const flags = ev.flags || [];
      let kind = 'ctl';
      if (ev.len > 0) kind = 'data';
      if (flags.includes('RST')) kind = 'rst';
      if (ev.retransmit) kind = 'retx';
      if (it.lost) kind = 'lost';
      if (ev.injected) kind = 'inj';
      const marker = it.lost ? '' : ` marker-end="url(#ah-${kind})"`;
      const dash = ev.injected ? ' stroke-dasharray="7 4"' : (it.lost ? ' stroke-dasharray="2 0"' : '');
      const dx = it.xe - it.xa, dy = it.yb - it.ya;
      let ang = Math.atan2(dy, dx) * 180 / Math.PI;
      if (ang > 90) ang -= 180; else if (ang < -90) ang += 180;
      const label = esc(segLabel(ev));
      let text;
      if (Math.abs(ang) < 55) {
        const p = it.lost ? 0.5 : 0.42;
        const mx = it.xa + dx * p, my = it.ya + dy * p;
        text = `<text class="seglabel" transform="translate(${mx.toFixed(1)},${my.toFixed(1)}) rotate(${ang.toFixed(2)})" y="-5" text-anchor="middle">${label}</text>`;
      } else {
        const right = dx > 0;
        text = `<text class="seglabel" x="${(it.xa + (right ? 8 : -8)).toFixed(1)}" y="${(it.ya - 3).toFixed(1)}" text-anchor="${right ? 'start' : 'end'}">${label}</text>`;
      }
      let cross = '';
      if (it.lost) {
        const s = 6;
        cross = `<path class="cross" d="M${it.xe - s},${it.yb - s}L${it.xe + s},${it.yb + s}M${it.xe - s},${it.yb + s}L${it.xe + s},${it.yb - s}"/>`;
      }
      const line = `x1="${it.xa.toFixed(1)}" y1="${it.ya.toFixed(1)}" x2="${it.xe.toFixed(1)}" y2="${it.yb.toFixed(1)}"`;
      return `<g class="seg" data-i="${it.i}" data-kind="${kind}"${c ? ' data-current="1"' : ''} tabindex="-1">` +
        `<line class="hit" ${line}/><line class="arrow k-${kind}${c}" ${line}${dash}${marker}/>${cross}${text}</g>`;
    }
    case 'label': {
      const cls = it.cls + (it.err ? ' err' : '') + (it.enter ? ' enter' : '') + c;
      const tick = it.cls === 'state'
        ? `<circle class="statedot" cx="${(it.x + (it.anchor === 'end' ? 9 : -9)).toFixed(1)}" cy="${(it.yy + 1).toFixed(1)}" r="3"/>` : '';
      const title = it.title ? `<title>${esc(it.title)}</title>` : '';
      return `${tick}<text class="${cls}" data-i="${it.i}" x="${it.x.toFixed(1)}" y="${(it.yy + 11).toFixed(1)}" text-anchor="${it.anchor}">${title}${esc(it.text)}</text>`;
    }
    case 'note': {
      const w = NOTE_W - 4;
      const tspans = it.lines.map((ln, k) => `<tspan x="${(it.x + 9).toFixed(1)}" y="${(it.yy + 15 + k * NOTE_LINE).toFixed(1)}">${esc(ln)}</tspan>`).join('');
      return `<g class="note${c}" data-i="${it.i}"><rect class="notebox" x="${it.x.toFixed(1)}" y="${it.yy.toFixed(1)}" width="${w}" height="${it.h}" rx="3"/>` +
        `<rect class="notebar" x="${(it.side === 'L' ? it.x + w - 3 : it.x).toFixed(1)}" y="${it.yy.toFixed(1)}" width="3" height="${it.h}"/>` +
        `<text class="notetext">${tspans}</text></g>`;
    }
    case 'span':
      return `<line class="callspan" x1="${it.x}" y1="${it.ya.toFixed(1)}" x2="${it.x}" y2="${it.yb.toFixed(1)}"/>`;
    case 'tick':
      return `<text class="tick" x="${AXIS_W - 8}" y="${(it.yy + 4).toFixed(1)}" text-anchor="end">${it.t.toFixed(it.decimals)}</text>` +
        `<line class="tickline" x1="${AXIS_W - 4}" y1="${it.yy.toFixed(1)}" x2="${AXIS_W}" y2="${it.yy.toFixed(1)}"/>`;
    default: return '';
  }
}

const MARKERS = ['ctl', 'data', 'rst', 'retx', 'inj', 'lost'];

function staticSVG(m) {
  const defs = MARKERS.map((k) =>
    `<marker id="ah-${k}" class="ah k-${k}" viewBox="0 0 10 10" refX="9.5" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0.8L10,5L0,9.2z"/></marker>`).join('');
  let s = `<defs>${defs}</defs>`;
  const top = TOP - 8, bottom = m.height - BOTTOM + 10;
  // Host lines, interrupted at breaks.
  m.hostNames.forEach((name, h) => {
    const x = m.hostX[h];
    let y = top;
    for (const b of m.breaks) {
      s += `<line class="hostline" x1="${x}" y1="${y.toFixed(1)}" x2="${x}" y2="${b.yA.toFixed(1)}"/>`;
      const zz = 7, mid = (b.yA + b.yB) / 2;
      s += `<path class="zigzag" d="M${x},${b.yA.toFixed(1)} L${x},${(mid - 9).toFixed(1)} L${x - zz},${(mid - 4).toFixed(1)} L${x + zz},${(mid + 4).toFixed(1)} L${x},${(mid + 9).toFixed(1)} L${x},${b.yB.toFixed(1)}"/>`;
      y = b.yB;
    }
    s += `<line class="hostline" x1="${x}" y1="${y.toFixed(1)}" x2="${x}" y2="${bottom.toFixed(1)}"/>`;
    s += `<text class="hostname" x="${x}" y="26" text-anchor="middle">${esc(name)}</text>`;
    s += `<rect class="hostfoot" x="${x - 18}" y="${bottom.toFixed(1)}" width="36" height="3"/>`;
  });
  for (const b of m.breaks) {
    const mid = (b.yA + b.yB) / 2;
    s += `<rect class="breakband" x="${AXIS_W}" y="${(mid - 8).toFixed(1)}" width="${m.width - AXIS_W - 8}" height="16"/>`;
    s += `<text class="breaklabel" x="${((m.hostX[0] + m.hostX[m.hostX.length - 1]) / 2).toFixed(1)}" y="${(mid + 4).toFixed(1)}" text-anchor="middle">≈ ${fmtGap(b.dt)} later (t = ${fmtT(b.t1)})</text>`;
    s += `<text class="tick breaktick" x="${AXIS_W - 8}" y="${(mid + 4).toFixed(1)}" text-anchor="end">⋮</text>`;
  }
  s += `<text class="axistitle" x="${AXIS_W - 8}" y="26" text-anchor="end">t (s)</text>`;
  s += `<line class="axis" x1="${AXIS_W}" y1="${top}" x2="${AXIS_W}" y2="${bottom.toFixed(1)}"/>`;
  return s;
}

function fmtGap(dt) {
  if (dt >= 3600) return (dt / 3600).toFixed(dt % 3600 ? 1 : 0) + ' h';
  if (dt >= 120) return (dt / 60).toFixed(1).replace(/\.0$/, '') + ' min';
  return (Math.round(dt * 100) / 100) + ' s';
}

export class Ladder {
  // container: the scrolling element; onSelect(i) when an item is clicked.
  constructor(container, model, { onSelect } = {}) {
    this.c = container;
    this.m = model;
    this.onSelect = onSelect;
    this.cur = null;
    this.svg = document.createElementNS(SVGNS, 'svg');
    this.svg.setAttribute('class', model.dense ? 'ladder dense' : 'ladder');
    this.svg.setAttribute('width', model.width);
    this.svg.setAttribute('height', model.height);
    this.svg.setAttribute('viewBox', `0 0 ${model.width} ${model.height}`);
    this.svg.setAttribute('role', 'img');
    this.svg.setAttribute('aria-label', `Ladder diagram: ${model.hostNames.join(', ')}`);
    this.svg.innerHTML = staticSVG(model) + '<g class="items"></g><g class="cursorlayer"></g>';
    this.layer = this.svg.querySelector('g.items');
    this.cursorLayer = this.svg.querySelector('g.cursorlayer');
    container.appendChild(this.svg);
    this.drawn = [-1, -1];
    this.svg.addEventListener('click', (e) => {
      const g = e.target.closest('[data-i]');
      if (g && this.onSelect) this.onSelect(Number(g.dataset.i), g.classList.contains('seg'));
    });
    if (model.virtual) {
      let pending = false;
      container.addEventListener('scroll', () => {
        if (pending) return;
        pending = true;
        requestAnimationFrame(() => { pending = false; this.render(); });
      }, { passive: true });
      window.addEventListener('resize', () => this.render());
    }
    this.render(true);
    // On a narrow screen, start with the first host's labels and line in view rather than the notes.
    if (container.clientWidth && container.clientWidth < model.width) {
      container.scrollLeft = Math.max(0, model.hostX[0] - LABEL_W - 12);
    }
  }

  render(force = false) {
    const m = this.m;
    let top = 0, bottom = m.height;
    if (m.virtual) {
      const vh = this.c.clientHeight || window.innerHeight || 800;
      const off = this.svg.getBoundingClientRect().top - this.c.getBoundingClientRect().top + this.c.scrollTop;
      top = this.c.scrollTop - off - vh * 0.5;
      bottom = this.c.scrollTop - off + vh * 1.5;
      if (!force && top >= this.drawn[0] && bottom <= this.drawn[1]) return;
      top -= vh; bottom += vh; // draw a margin so small scrolls need no redraw
    }
    const it = m.items;
    let k = lowerBound(it, top - m.maxSpan, (v) => v.y0);
    const parts = [];
    for (const l of m.long) if (l.y1 >= top && l.y0 <= bottom) parts.push(itemSVG(l, this.cur));
    for (; k < it.length && it[k].y0 <= bottom; k++) {
      if (it[k].y1 >= top) parts.push(itemSVG(it[k], this.cur));
    }
    this.layer.innerHTML = parts.join('');
    this.drawn = [top, bottom];
  }

  setCursor(i) {
    this.cur = i;
    const ev = this.m.events[i];
    const y = this.m.yOf(ev.t);
    this.cursorLayer.innerHTML =
      `<line class="cursor" x1="${AXIS_W}" y1="${y.toFixed(1)}" x2="${this.m.width - 8}" y2="${y.toFixed(1)}"/>` +
      `<text class="cursorlabel" x="${AXIS_W + 4}" y="${(y - 4).toFixed(1)}">${fmtT(ev.t)} s</text>`;
    // Scroll so the cursor is visible, then redraw (it also re-applies the highlight).
    const vh = this.c.clientHeight;
    const off = this.svg.getBoundingClientRect().top - this.c.getBoundingClientRect().top + this.c.scrollTop;
    const ys = y + off;
    if (vh && (ys < this.c.scrollTop + 40 || ys > this.c.scrollTop + vh - 80)) this.c.scrollTop = Math.max(0, ys - vh / 3);
    this.render(true);
    const el = this.layer.querySelector(`.seg[data-i="${i}"]`);
    if (el) {
      const x = Number(el.querySelector('line')?.getAttribute('x1'));
      if (x && (x < this.c.scrollLeft || x > this.c.scrollLeft + this.c.clientWidth)) this.c.scrollLeft = Math.max(0, x - 200);
    }
  }
}
