// ladder-util.js — the ladder's constants (px and s) and the text of what it draws: times, segment
// labels, call returns, queue lengths, the event list's descriptions; wrapping note text to a width.

export const BREAK_GAP = 1.0;           // s: longer quiet gaps are drawn as a break
export const BREAK_H = 46;              // px: height of a break
export const GAP_CAP = 90;              // px: gaps to scale up to this, then logarithmic
export const SEG_ROW = 18;              // px: minimum room below a time at which a segment leaves
export const ARR_ROW = 7;               // px: minimum room below an arrival time
export const LINE_H = 15;               // px: side label line height
export const ROW_MIN = 15;              // px: rows of a crowded instant are at least this far apart
export const SEG_ABOVE = 13, SEG_BELOW = 5; // px: a row with an arrow needs room above it (label), below (head)
export const LOOP_W = 44;               // px: how far a host's loop to itself reaches out from its line
export const LOOP_H = 12;               // px: the height of such a loop when the segment arrives at once
export const NOTE_LINE = 15;
export const AXIS_W = 64, NOTE_W = 224, TOP = 34, BOTTOM = 40;
export const HEAD_H = 44;               // px: the sticky row of host names above the diagram
export const VIRTUAL_ABOVE = 2500;      // items: above this many, draw only what is visible
export const FONT_NOTE = '12.5px Georgia, "Times New Roman", "Noto Serif CJK SC", serif';
export const LANE0 = 9, LANE_W = 5, MAX_LANES = 4; // timer lanes: px from the host line, px apart

// Timer names as a student meets them (Linux tcp_timer.c / inet_connection_sock.c).
export const TIMER_NAMES = {
  retransmit: 'RTO', loss_probe: 'TLP', delack: 'delayed ACK', keepalive: 'keepalive',
  fin_wait2: 'FIN_WAIT_2', time_wait: 'TIME_WAIT', synack: 'SYN-ACK', persist: 'persist', reorder: 'RACK reorder', compressed_ack: 'compressed SACK',
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

export function fmtArgs(args) {
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
export function wrap(text, width, font) {
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
