// ladder-summary.js — what the ladder draws where its arrows would be too close to read.
//
// At a zoom, a stretch is a run of instants at which arrows start or end less than DENSE_PX apart
// on the zoomed time scale, with at least MIN_SUMMARY arrow ends in it (and more than one instant:
// the layout already stacks a burst leaving at one instant, and no zoom could pull it apart). It is
// drawn to scale, without the room its labels would need, and summarized:
//   - its ordinary segments become one band per direction, from where the first leaves to where
//     the last arrives, with one label per pair of hosts ("1,234 data segments →, 617 ACKs ←",
//     its time range, retransmissions and losses); a band zooms into its time range when clicked;
//     a stretch taller than BAND_CHUNK px is drawn as several bands, one after the other;
//   - SYN, FIN, RST, retransmitted, lost and injected segments are still drawn one by one, on top
//     (retransmissions and losses at most one per DENSE_PX, the label counting them all); compared,
//     a band holding segments only its run has is outlined, and its label counts them;
//   - side labels are stacked below their instant, up to MAX_STACK in each host's column (the most
//     telling kept: a state before a call before a timer; "+n" for the others); a note is drawn
//     where it fits unless drawn just above; timers starting and ending in it merge into one bar.
// Then no two arrow labels may overlap anywhere: an arrow whose label would cover another's keeps
// its arrow and loses the label (its tooltip and the event list still say it).

import { BREAK_GAP, LINE_H, esc, lowerBound } from './ladder-util.js';
import { lang } from './i18n.js';

export const DENSE_PX = 6;     // px: arrow ends closer than this on the time scale are too dense
export const MIN_SUMMARY = 8;  // arrow ends: a dense run with fewer is drawn arrow by arrow
export const BAND_MIN = 32;    // px: a stretch is at least this tall (room for its label)
export const MAX_STACK = 6;    // side labels a host's column shows in one stretch
const BAND_CHUNK = 480;        // px: a longer stretch is drawn as several bands, each labelled
const BAND_LINE = 13;          // px: the band label's line height
const LABEL_EM = 11.5;         // px: arrow label font size (style.css .seglabel, .bandlabel)
const SUB_EM = 10.5;           // px: a band label's second line (.bandsub)
const NOTE_REPEAT = 1200;      // px: a stretch does not repeat a note drawn less than this above
const LABEL_GAP = 2;           // px: arrow labels keep at least this far apart
const CHAR_W = 0.61;           // em: a glyph of the monospace font

// Which segments stay arrows inside a summary: those a reader looks for.
export function isSpecial(ev) {
  if (ev.retransmit || ev.injected || ev.fate === 'lost' || ev.arrivesAt == null) return true;
  const f = ev.flags || [];
  return f.includes('SYN') || f.includes('FIN') || f.includes('RST');
}

// Stretches at a zoom: [{ks, ke}] (instant indices, inclusive) and each instant's stretch (or -1).
// P: the zoom-independent layout (T instants, E arrow ends per instant, crowd).
export function findStretches(P, zoom) {
  const { T, E, crowd } = P;
  const G = DENSE_PX / (P.pps * zoom); // s: arrow ends closer in time than this are too dense
  const stretchOf = new Int32Array(T.length).fill(-1);
  const stretches = [];
  let ks = -1, last = -1, ends = 0;
  const close = () => {
    if (ks >= 0 && last > ks && ends >= MIN_SUMMARY) {
      stretchOf.fill(stretches.length, ks, last + 1);
      stretches.push({ ks, ke: last });
    }
    ks = last = -1; ends = 0;
  };
  for (let k = 0; k < T.length; k++) {
    if (crowd[k]) { close(); continue; } // rows of one instant are never summarized
    if (!E[k]) continue;
    const g = ks >= 0 ? T[k] - T[last] : Infinity;
    if (g < G && g <= BREAK_GAP) { last = k; ends += E[k]; } else { close(); ks = last = k; ends = E[k]; }
  }
  close();
  return { stretches, stretchOf };
}

const nf = (n) => n.toLocaleString('en-US');
const WORDS = {
  en: { data: (n) => `${nf(n)} data segment${n === 1 ? '' : 's'}`, ack: (n) => `${nf(n)} ACK${n === 1 ? '' : 's'}`,
    ctl: (n) => `${nf(n)} SYN/FIN/RST`, retx: (n) => `${nf(n)} retransmission${n === 1 ? '' : 's'}`, lost: (n) => `${nf(n)} lost`,
    diff: (n) => `${nf(n)} only in this run`, zoom: 'click or Enter to zoom in' },
  zh: { data: (n) => `${nf(n)} 个数据报文`, ack: (n) => `${nf(n)} 个 ACK`, ctl: (n) => `${nf(n)} 个 SYN/FIN/RST`,
    retx: (n) => `重传 ${nf(n)}`, lost: (n) => `丢失 ${nf(n)}`, diff: (n) => `仅此运行 ${nf(n)}`, zoom: '点击或按 Enter 放大' },
  short: { data: (n) => `${nf(n)} data`, ack: (n) => `${nf(n)} ACK${n === 1 ? '' : 's'}`, ctl: (n) => `${nf(n)} ctl`,
    retx: (n) => `↻${nf(n)}`, lost: (n) => `✕${nf(n)}`, diff: (n) => `≠${nf(n)}`, zoom: '' },
};

// A time range with as many decimals as it takes to tell its ends apart (3 to 6).
function fmtRange(t0, t1) {
  let d = 3;
  while (d < 6 && t0.toFixed(d) === t1.toFixed(d)) d++;
  return `${t0.toFixed(d)}–${t1.toFixed(d)} s`;
}

// Estimated width of a line of monospace text (wide glyphs — CJK, arrows, symbols — count as two).
export function textWidth(s, em = LABEL_EM) {
  let n = 0;
  for (const ch of s) n += ch.charCodeAt(0) > 0x2000 ? 1.7 : 1;
  return n * CHAR_W * em;
}

// The summarizer of one trace's geometry: fed the segments, labels, notes and timers that fall in
// stretches, it returns the items that stand for them.
export function summarizer(c, L, hostX, { gap }) {
  const { T, Y, stretches, stretchOf } = L;
  const bands = new Map();    // direction → stretch and chunk → that direction's segments there
  const labels = new Map();   // `${s}|${host}` → [{l, y, diff, p}]
  const notes = [];
  const drawnNotes = new Map(); // note text → y where drawn outside stretches, in order
  const timers = new Map();
  const words = compactWords(gap) ? WORDS.short : (WORDS[lang()] || WORDS.en);
  return {
    // A segment leaving in stretch s at y (drawn: it stays an arrow too). A long stretch is cut in
    // chunks of BAND_CHUNK px, each a band of its own (so a label is never far).
    seg(sg, s, a, b, ya, yb, drawn, diff) {
      const ev = sg.ev;
      const chunk = Math.floor((ya - Y[stretches[s].ks]) / BAND_CHUNK);
      // (Numeric keys: this runs for every segment of a long transfer at each zoom.)
      const dir = a * c.hostNames.length + b, key = s * 1048576 + chunk;
      const byDir = bands.get(dir) || bands.set(dir, new Map()).get(dir);
      let d = byDir.get(key);
      if (!d) byDir.set(key, (d = { s, chunk, a, b, n: 0, drawn: 0, data: 0, ack: 0, ctl: 0, retx: 0, lost: 0, diff: 0, ya0: ya, ya1: ya, yb0: Infinity, yb1: -Infinity, i0: sg.i, i1: sg.i, t0: ev.t, t1: ev.t }));
      d.n++; if (drawn) d.drawn++;
      const f = ev.flags || [];
      if (ev.len > 0) d.data++; else if (f.includes('SYN') || f.includes('FIN') || f.includes('RST')) d.ctl++; else d.ack++;
      d.ya1 = ya; d.i1 = sg.i; d.t1 = ev.t;
      if (yb != null) { d.yb0 = Math.min(d.yb0, yb); d.yb1 = Math.max(d.yb1, yb); }
      if (diff) d.diff++;
      if (ev.retransmit) d.retx++;
      if (ev.fate === 'lost' || ev.arrivesAt == null) d.lost++;
    },
    // A side label at an instant of stretch s (stacked in its host's column by labelItems).
    label(l, s, y, diff) {
      const key = `${s}|${l.host}`;
      (labels.get(key) || labels.set(key, []).get(key)).push({ l, y, diff, p: labelPrio(l, diff) });
    },
    note(n, s, y) { notes.push({ n, s, y }); },
    // A note drawn outside stretches (to not repeat it in a stretch just below).
    noteDrawn(n, y) { const k = n.lines.join(' '); (drawnNotes.get(k) || drawnNotes.set(k, []).get(k)).push(y); },
    // A timer interval: merged when it starts and ends inside one stretch.
    timer(tm, s) {
      const key = `${s}|${tm.host}|${tm.socket}|${tm.timer}`;
      const m = timers.get(key);
      if (!m) timers.set(key, { ...tm, count: 1, fires: tm.end === 'fire' ? 1 : 0, end: 'merged', i1: null });
      else { m.t0 = Math.min(m.t0, tm.t0); m.t1 = Math.max(m.t1, tm.t1); m.count++; if (tm.end === 'fire') m.fires++; }
    },

    // The band items: per stretch and pair of hosts, the directions' polygons and one label.
    bandItems() {
      const pairs = new Map();
      for (const d of [...bands.values()].flatMap((m) => [...m.values()])) {
        const lo = Math.min(d.a, d.b), hi = Math.max(d.a, d.b);
        const key = `${d.s}|${d.chunk}|${lo}|${hi}`;
        (pairs.get(key) || pairs.set(key, { key, s: d.s, lo, hi, dirs: [] }).get(key)).dirs.push(d);
      }
      const out = [];
      for (const p of pairs.values()) {
        const t0 = Math.min(...p.dirs.map((d) => d.t0)), t1 = Math.max(...p.dirs.map((d) => d.t1));
        const xl = hostX[p.lo], xr = hostX[p.hi];
        const parts = [];
        let y1 = -Infinity, total = 0;
        p.dirs.sort((u, v) => (u.a < u.b ? 0 : 1) - (v.a < v.b ? 0 : 1));
        for (const d of p.dirs) {
          const xa = hostX[d.a], xb = hostX[d.b];
          // Lost-only directions have no arrival: draw them a short way across.
          if (!isFinite(d.yb0)) { d.yb0 = d.ya0 + 30; d.yb1 = d.ya1 + 30; }
          const th = (v0, v1) => (v1 - v0 < 3 ? [v0 - 1.5 + (v1 - v0) / 2, v0 + 1.5 + (v1 - v0) / 2] : [v0, v1]);
          const [a0, a1] = th(d.ya0, d.ya1), [b0, b1] = th(d.yb0, d.yb1);
          // (A host's segments to itself: a box beside its line, on the side away from its labels.)
          const xo = xa + (c.side(d.a) === 'L' ? 1 : -1) * 30;
          d.poly = d.a === d.b ? [[xa, a0], [xo, a0], [xo, b1], [xa, b1]] : [[xa, a0], [xb, b0], [xb, b1], [xa, a1]];
          d.kind = d.data >= d.ack + d.ctl ? 'data' : 'ctl';
          y1 = Math.max(y1, a1, b1);
          total += d.n;
          const what = [d.data && words.data(d.data), d.ack && words.ack(d.ack), d.ctl && words.ctl(d.ctl)].filter(Boolean).join(' + ');
          parts.push(`${what} ${d.a === d.b ? '↺' : xb > xa ? '→' : '←'}`);
        }
        const sum = (f) => p.dirs.reduce((n, d) => n + d[f], 0);
        const [retx, lost, diff] = [sum('retx'), sum('lost'), sum('diff')];
        const extra = [retx && words.retx(retx), lost && words.lost(lost), diff && words.diff(diff)].filter(Boolean).join(', ');
        const lines = [parts.join(', '), fmtRange(t0, t1) + (extra ? ` · ${extra}` : '')];
        const w = Math.max(...lines.map((s, k) => textWidth(s, k ? SUB_EM : LABEL_EM))) + 12;
        const one = p.dirs.length === 1 && p.dirs[0].a !== p.dirs[0].b ? p.dirs[0] : null;
        const top = pill((xl + xr) / 2, Math.min(...p.dirs.map((d) => d.ya0)) + 1, w, lines.length);
        let lab = top;
        if (one) {
          // Along the band (a third of the way, else two thirds), else at the top of the stretch.
          const near = alongBand(one, w, 0.36), far = alongBand(one, w, 0.62);
          if (near && far) { near.alt = far; far.alt = top; lab = near; }
        }
        const first = p.dirs.reduce((m, d) => Math.min(m, d.i0), Infinity), lastI = p.dirs.reduce((m, d) => Math.max(m, d.i1), -1);
        const ys = p.dirs.flatMap((d) => d.poly.map((q) => q[1]));
        out.push({ kind: 'band', s: p.s, t0, t1, i0: first, i1: lastI, n: total, diff, dirs: p.dirs, lines, lab,
          title: `${lines.join(' · ')}${words.zoom ? ` (${words.zoom})` : ''}`,
          y0: Math.min(lab.y0, ...ys), y1: Math.max(y1, lab.y1, ...ys) });
      }
      return out;
    },

    labelItems(out, hostLabel) {
      for (const list of labels.values()) {
        for (const { e, y, hidden } of stackLabels(list, (e) => e.y).out) {
          const it = hostLabel(e.l, y, e.diff);
          if (hidden.length) {
            it.text += ` +${hidden.length}`;
            it.title = [e.l.title || '', ...hidden.slice(0, 8).map((h) => h.l.text), hidden.length > 8 ? '…' : ''].filter(Boolean).join('\n');
          }
          out.push(it);
        }
      }
    },

    // Notes of a stretch: a text not drawn in the NOTE_REPEAT px above, where it fits in its column
    // before the stretch ends.
    noteItems(out, noteItem) {
      const last = new Map(), bottom = new Map();
      const recent = (text, y) => {
        const ys = drawnNotes.get(text);
        const k = ys ? lowerBound(ys, y + 1) - 1 : -1;
        return (k >= 0 && ys[k] > y - NOTE_REPEAT) || last.get(text) > y - NOTE_REPEAT;
      };
      for (const { n, s, y } of notes) {
        const text = n.lines.join(' ');
        const col = `${s}|${c.side(n.host)}`;
        if (recent(text, y)) continue;
        const st = stretches[s];
        const end = st.ke + 1 < T.length ? Y[st.ke + 1] - 4 : Infinity;
        const yy = Math.max(y, bottom.get(col) ?? -Infinity);
        if (yy + n.h > end) continue;
        last.set(text, yy);
        bottom.set(col, yy + n.h + 4);
        out.push(noteItem(n, yy));
      }
    },

    timerItems() { return [...timers.values()]; },
  };
}

const compactWords = (gap) => gap < 300;

export const labelPrio = (l, diff) => (l.prio || 0) + (diff ? 10 : 0);

// The side labels of one host in one stretch ([{p, …}] in time order; yAt gives each one's instant):
// stacked one below the other from their instant down; over MAX_STACK, the most telling are kept
// (by p, then the earliest) and the last of them says how many others there are. Used by the
// layout (for the room a stretch needs below it) and by the geometry, so the two agree.
export function stackLabels(list, yAt) {
  let keep = list, rest = [];
  if (list.length > MAX_STACK) {
    const order = list.map((_, j) => j).sort((p, q) => (list[q].p - list[p].p) || (p - q)).slice(0, MAX_STACK);
    const kept = new Set(order);
    keep = list.filter((_, j) => kept.has(j));
    rest = list.filter((_, j) => !kept.has(j));
  }
  const out = [];
  let bottom = -Infinity;
  for (const e of keep) {
    const y = Math.max(yAt(e), bottom);
    out.push({ e, y, hidden: [] });
    bottom = y + LINE_H;
  }
  if (rest.length) out[out.length - 1].hidden = rest;
  return { out, bottom };
}

// The stretch holding the time range [t0, t1] whole, or -1.
export function stretchHolding(L, t0, t1) {
  const { T, stretchOf, stretches } = L;
  const k = lowerBound(T, t0);
  let s = T[k] === t0 ? stretchOf[k] : (k > 0 && stretchOf[k - 1] === stretchOf[k] ? stretchOf[k] : -1);
  if (s < 0) return -1;
  return t1 <= T[stretches[s].ke] ? s : -1;
}

// A band's label along it, like an arrow's: what above its mid line, when and what else below (both
// inside, if the band is thick enough). Null where the band is too steep to write along.
function alongBand(d, w, at) {
  const [[xa, a0], [xb, b0], [, b1], [, a1]] = d.poly;
  const ya = (a0 + a1) / 2, yb = (b0 + b1) / 2;
  let ang = Math.atan2(yb - ya, xb - xa) * 180 / Math.PI;
  if (ang > 90) ang -= 180; else if (ang < -90) ang += 180;
  if (Math.abs(ang) > 50 || w > Math.abs(xb - xa) - 20) return null;
  const thick = ((a1 - a0) + (b1 - b0)) / 2 * Math.cos(ang * Math.PI / 180);
  const inside = thick >= 2 * BAND_LINE + 10;
  const v = inside ? [-2, BAND_LINE - 2] : [-thick / 2 - 4, thick / 2 + 4 + 0.8 * SUB_EM];
  // (Short of the middle, as an arrow's label: clear of a lost segment's cross, just past it.)
  const x = xa + (xb - xa) * at, y = ya + (yb - ya) * at;
  return { rotated: true, x, y, ang, v, ...box(x, y, ang, -w / 2, v[0] - 0.95 * LABEL_EM, w / 2, v[1] + 0.25 * SUB_EM) };
}

// A label box at the top of a stretch, between the two hosts (where bands cross).
function pill(cx, top, w, n) {
  return { rotated: false, x: cx, top, ...box(cx, top, 0, -w / 2, 0, w / 2, n * BAND_LINE + 5) };
}

// The rectangle [u0, u1] × [v0, v1] of a frame at (x, y) turned by ang degrees: its corners
// (x, y pairs, flat) and its bounding box.
function box(x, y, ang, u0, v0, u1, v1) {
  const r = ang * Math.PI / 180, cs = Math.cos(r), sn = Math.sin(r);
  const poly = new Float64Array(8);
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  const corner = (k, u, v) => {
    const px = x + u * cs - v * sn, py = y + u * sn + v * cs;
    poly[2 * k] = px; poly[2 * k + 1] = py;
    if (px < x0) x0 = px; if (px > x1) x1 = px; if (py < y0) y0 = py; if (py > y1) y1 = py;
  };
  corner(0, u0, v0); corner(1, u1, v0); corner(2, u1, v1); corner(3, u0, v1);
  return { poly, x0, y0, x1, y1 };
}

export function bandSVG(it) {
  const polys = it.dirs.map((d) =>
    `<polygon class="band k-${d.kind}${d.diff ? ' diff' : ''}" data-from="${d.a}" data-to="${d.b}" data-n="${d.n}" data-drawn="${d.drawn}" ` +
    `data-i0="${d.i0}" data-i1="${d.i1}" points="${d.poly.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>` +
    // the direction's mid line
    (d.a === d.b ? '' : `<line class="bandmid k-${d.kind}" x1="${d.poly[0][0]}" y1="${((d.poly[0][1] + d.poly[3][1]) / 2).toFixed(1)}" ` +
      `x2="${d.poly[1][0]}" y2="${((d.poly[1][1] + d.poly[2][1]) / 2).toFixed(1)}"/>`)).join('');
  const L = it.lab;
  let text = '';
  if (!it.hideLabel && L.rotated) {
    text = `<text class="bandlabel along" transform="translate(${L.x.toFixed(1)},${L.y.toFixed(1)}) rotate(${L.ang.toFixed(2)})" text-anchor="middle">` +
      it.lines.map((s, k) => `<tspan x="0" y="${L.v[k].toFixed(1)}"${k ? ' class="bandsub"' : ''}>${esc(s)}</tspan>`).join('') + '</text>';
  } else if (!it.hideLabel) {
    text = `<rect class="bandbg" x="${L.x0.toFixed(1)}" y="${L.y0.toFixed(1)}" width="${(L.x1 - L.x0).toFixed(1)}" height="${(L.y1 - L.y0).toFixed(1)}" rx="4"/>` +
      `<text class="bandlabel" text-anchor="middle">${it.lines.map((s, k) => `<tspan x="${L.x.toFixed(1)}" y="${(L.y0 + 11 + k * BAND_LINE).toFixed(1)}"${k ? ' class="bandsub"' : ''}>${esc(s)}</tspan>`).join('')}</text>`;
  }
  return `<g class="segband" data-t0="${it.t0}" data-t1="${it.t1}" data-i0="${it.i0}" data-i1="${it.i1}" data-n="${it.n}" ` +
    `tabindex="0" role="button" aria-label="${esc(it.title)}"><title>${esc(it.title)}</title>${polys}${text}</g>`;
}

// ---------------------------------------------------------------------------------------------
// Arrow labels: where each goes, and which must give way.

// The label of an arrow item: position, rotation, anchor, and its box as a polygon.
export function placeSegLabel(it, text, { LOOP_W, em = LABEL_EM }) {
  const w = textWidth(text, em);
  const asc = 0.95 * em, desc = 0.25 * em;
  let x, y, ang = 0, anchor;
  if (it.self) {
    x = it.xa + it.o * (LOOP_W * (it.lost ? 1 : 0.75) + 7); y = (it.ya + it.yb) / 2 + 4; anchor = it.o > 0 ? 'start' : 'end';
  } else {
    const dx = it.xe - it.xa, dy = it.yb - it.ya;
    ang = Math.atan2(dy, dx) * 180 / Math.PI;
    if (ang > 90) ang -= 180; else if (ang < -90) ang += 180;
    if (Math.abs(ang) < 55) {
      // (A zero-delay arrow is horizontal: its label is centred, clear of both host lines.)
      const p = it.lost || Math.abs(dy) < 0.5 ? 0.5 : it.inBurst ? 0.25 : 0.42;
      x = it.xa + dx * p; y = it.ya + dy * p;
      const along = { x, y, ang, anchor: 'middle', rotated: true, w, ...box(x, y, ang, -w / 2, -5 - asc, w / 2, -5 + desc) };
      // A steep arrow's label is easier to read level, beside its start; the other place is the
      // one to try when the first is taken (dropOverlappingLabels).
      const level = besideStart(it, w);
      if (Math.abs(ang) >= 40) { level.alt = along; return level; }
      along.alt = level;
      return along;
    }
    ang = 0; const right = dx > 0;
    x = it.xa + (right ? 8 : -8); y = it.ya - 3; anchor = right ? 'start' : 'end';
  }
  const u0 = anchor === 'start' ? 0 : -w;
  return { x, y, ang, anchor, rotated: false, w, ...box(x, y, 0, u0, -asc, u0 + w, desc) };
}

// An arrow's label level, beside its start.
function besideStart(it, w) {
  const right = it.xe > it.xa, asc = 0.95 * LABEL_EM, desc = 0.25 * LABEL_EM;
  const x = it.xa + (right ? 8 : -8), y = it.ya - 3, u0 = right ? 0 : -w;
  return { x, y, ang: 0, anchor: right ? 'start' : 'end', rotated: false, w, ...box(x, y, 0, u0, -asc, u0 + w, desc) };
}

// Two convex quadrilaterals (flat corner lists) come closer than `gap` px: no edge normal of either
// separates them by that much.
function polysOverlap(p, q, gap = LABEL_GAP) {
  for (const poly of [p, q]) {
    for (let k = 0; k < 4; k++) {
      const ax = poly[2 * k], ay = poly[2 * k + 1], bx = poly[(2 * k + 2) % 8], by = poly[(2 * k + 3) % 8];
      let nx = by - ay, ny = ax - bx;
      const len = Math.hypot(nx, ny) || 1; nx /= len; ny /= len;
      let pmin = Infinity, pmax = -Infinity, qmin = Infinity, qmax = -Infinity;
      for (let j = 0; j < 8; j += 2) {
        const d = p[j] * nx + p[j + 1] * ny, e = q[j] * nx + q[j + 1] * ny;
        if (d < pmin) pmin = d; if (d > pmax) pmax = d; if (e < qmin) qmin = e; if (e > qmax) qmax = e;
      }
      if (Math.max(pmin, qmin) - Math.min(pmax, qmax) >= gap) return false;
    }
  }
  return true;
}

// Hide the labels that would overlap one already placed. In rounds, each in the order of y (so the
// first of a crowd keeps its label): the arrows a reader looks for (SYN, FIN, RST, retransmissions,
// losses) outside bands, then the bands (which count those on them), then those on bands, then
// the other arrows. A label that clashes tries its
// other places first (an arrow's: along it, or level beside its start; a band's: further along it,
// or at the top of its stretch). O(n · the labels within reach).
export function dropOverlappingLabels(bandItems, segItems) {
  const segs = segItems.filter((it) => it.lab && !it.hideLabel);
  const rounds = [segs.filter((it) => !it.inSt && isSpecial(it.ev)), bandItems, segs.filter((it) => it.inSt),
    segs.filter((it) => !it.inSt && !isSpecial(it.ev))];
  let reach = 0;
  for (const it of [...bandItems, ...segs]) for (let c = it.lab; c; c = c.alt) reach = Math.max(reach, c.y1 - c.y0);
  const clashes = (list, b) => {
    for (let j = lowerBound(list, b.y0 - reach, (v) => v.y0); j < list.length && list[j].y0 <= b.y1; j++) {
      const o = list[j];
      if (o.x1 > b.x0 && o.x0 < b.x1 && o.y1 > b.y0 && polysOverlap(o.poly, b.poly)) return true;
    }
    return false;
  };
  const placed = []; // per round, the boxes kept, in order of y0
  let hidden = 0;
  for (const round of rounds) {
    const kept = [];
    placed.push(kept);
    round.sort((p, q) => p.lab.y0 - q.lab.y0);
    for (const it of round) {
      let c = it.lab;
      while (c && placed.some((list) => clashes(list, c))) c = c.alt;
      if (!c) { it.hideLabel = true; hidden++; continue; }
      it.lab = c;
      // (Kept in order of y0: another place is near this one, so near the end.)
      let j = kept.length;
      while (j > 0 && kept[j - 1].y0 > c.y0) j--;
      kept.splice(j, 0, c);
    }
  }
  return hidden;
}
