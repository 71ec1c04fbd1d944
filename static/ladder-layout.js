// ladder-layout.js — where the ladder's items go: one time → y mapping for one or more collected
// traces at a zoom (prepare, then layoutAt), and the position of every item of one trace on it
// (geometry).
//
// Time runs downwards on a compressed scale: each distinct instant gets a row at least as tall as
// the labels it carries; gaps are drawn to scale (pps · zoom px a second) up to GAP_CAP px, then
// logarithmically; gaps over BREAK_GAP seconds become a break of fixed height, at every zoom. The
// zoom scales only the to-scale part: where arrows stay DENSE_PX apart, instants keep their room;
// where they would not, the stretch is drawn to scale and summarized (ladder-summary.js).

import {
  BREAK_GAP, BREAK_H, GAP_CAP, LINE_H, ROW_MIN, SEG_ROW, LOOP_W, LOOP_H, AXIS_W, NOTE_W, TOP, BOTTOM,
  VIRTUAL_ABOVE, LANE0, LANE_W, lowerBound, segLabel,
} from './ladder-util.js';
import {
  findStretches, summarizer, isSpecial, placeSegLabel, dropOverlappingLabels, stretchHolding, stackLabels, labelPrio, BAND_MIN, DENSE_PX,
} from './ladder-summary.js';

// The distance between two successive rows of a crowded instant.
function rowStep(p, n) {
  for (const g of p.cols) if (n.cols.has(g)) return Math.max(ROW_MIN, p.below + n.above);
  return ROW_MIN;
}

// Notes of a crowded instant: each at its event's row, or below the note above it on its side.
// Returns how far below the instant's first row they reach.
export function stackNotes(c, rec, lines) {
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

const compress = (px) => (px > GAP_CAP ? GAP_CAP + 28 * Math.log2(px / GAP_CAP) : px);

// ---------------------------------------------------------------------------------------------
// Phase 2a: what the mapping needs at any zoom, over the union of the collections' instants.

export function prepare(cs) {
  const times = new Set();
  for (const c of cs) for (const t of c.need.keys()) times.add(t);
  const T = Float64Array.from(times).sort();
  const n = T.length;
  const kOf = new Map();
  for (let k = 0; k < n; k++) kOf.set(T[k], k);
  const need = new Float64Array(n);
  const E = new Int32Array(n); // arrow ends (departures and arrivals) per instant
  for (const c of cs) {
    for (const [t, v] of c.need) { const k = kOf.get(t); if (v > need[k]) need[k] = v; }
    // Each segment's instants (leaving, arriving or -1), each label's and note's: found once.
    c.segK = new Int32Array(c.segs.length); c.segA = new Int32Array(c.segs.length).fill(-1);
    c.segs.forEach((s, j) => {
      const k = (c.segK[j] = kOf.get(s.ev.t));
      E[k]++;
      if (s.ev.arrivesAt != null) {
        const a = kOf.get(s.ev.arrivesAt);
        if (a != null) { c.segA[j] = a; if (s.ev.fate !== 'lost') E[a]++; }
      }
    });
    c.labK = Int32Array.from(c.labels, (l) => kOf.get(l.t));
    c.noteK = Int32Array.from(c.notes, (n) => kOf.get(n.t));
  }
  // Crowded instants: one y per row, the same in every trace (a row is as far below the one above as
  // the trace needing most room there wants), so two runs compared stay level row by row.
  const lines = new Map();                   // k → y of each row below the instant's first
  const above = new Float64Array(n);        // px a crowded instant needs above its first row
  const crowd = new Uint8Array(n);
  for (const c of cs) for (const t of c.crowd.keys()) crowd[kOf.get(t)] = 1;
  for (let k = 0; k < n; k++) {
    if (!crowd[k]) continue;
    const recs = [];
    for (const c of cs) { const rec = c.crowd.get(T[k]); if (rec) recs.push([c, rec]); }
    const m = Math.max(...recs.map(([, rec]) => rec.rows.length));
    const ln = new Float64Array(m);
    for (let r = 1; r < m; r++) {
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
  const pps = 64 / minDelay; // px per second at zoom 1: the shortest flight is ~64 px tall
  // Tick precision: enough decimals for the finest distinct time (at most µs).
  let decimals = 3;
  for (let k = 0; k < n && decimals < 6; k++) {
    while (decimals < 6 && Math.abs(T[k] * 10 ** decimals - Math.round(T[k] * 10 ** decimals)) > 1e-6) decimals++;
  }
  // Zoom limits: out until the whole run is about a screen tall, in until the closest two instants
  // are 60 px apart.
  let minGap = Infinity, scaleH = 0;
  for (let k = 1; k < n; k++) {
    const g = T[k] - T[k - 1];
    if (g > BREAK_GAP) continue;
    if (g > 0 && g < minGap) minGap = g;
    scaleH += g * pps;
  }
  const zMin = Math.min(1, Math.max(1e-4, 600 / Math.max(1, scaleH)));
  const zMax = Math.max(4, Math.min(1e5, isFinite(minGap) ? 60 / (pps * minGap) : 4));
  // Side labels, for the room a summarized stretch needs below it: [{k, col, p}] in time order.
  const labs = cs.flatMap((c, ci) => c.labels.map((l) => ({ k: kOf.get(l.t), col: `${ci}|${l.host}`, p: labelPrio(l, c.diff?.has(l)) })));
  return { T, kOf, need, E, crowd, labs, lines, above, minDelay, pps, decimals, zMin, zMax };
}

// ---------------------------------------------------------------------------------------------
// Phase 2b: the mapping at a zoom.

export function layoutAt(P, zoom = 1) {
  const { T, need, above, lines } = P;
  const n = T.length;
  const { stretches, stretchOf } = findStretches(P, zoom);
  const sc = P.pps * zoom;
  const stLabels = new Map(); // stretch → column → its labels
  for (const e of P.labs) {
    const s = stretchOf[e.k];
    if (s < 0) continue;
    const m = stLabels.get(s) || stLabels.set(s, new Map()).get(s);
    (m.get(e.col) || m.set(e.col, []).get(e.col)).push(e);
  }
  const Y = new Float64Array(n);
  const breaks = [];
  // The room below instant k before the next: what its labels need; after a stretch, enough for
  // its band label and its side labels stacked (ladder-summary.js stackLabels).
  const room = (k) => {
    const s = stretchOf[k];
    if (s < 0) return need[k];
    let bottom = Y[stretches[s].ks] + BAND_MIN;
    for (const list of stLabels.get(s)?.values() || []) bottom = Math.max(bottom, stackLabels(list, (e) => Y[e.k]).bottom);
    return Math.max(LINE_H + 1, bottom - Y[k]);
  };
  let y = TOP + (n ? above[0] : 0);
  for (let k = 0; k < n; k++) {
    if (k > 0) {
      const g = T[k] - T[k - 1];
      if (stretchOf[k] >= 0 && stretchOf[k] === stretchOf[k - 1]) y = Y[k - 1] + compress(g * sc);
      else {
        const prev = room(k - 1);
        if (g > BREAK_GAP) {
          const yA = Y[k - 1] + Math.max(prev, 10) + 6;
          breaks.push({ yA, yB: yA + BREAK_H, dt: g, t0: T[k - 1], t1: T[k] });
          y = yA + BREAK_H + 8 + above[k];
        } else {
          y = Y[k - 1] + Math.max(compress(g * sc), prev + (prev ? 3 : 0) + above[k]);
        }
      }
    }
    Y[k] = y;
  }
  // Yl[k]: the last row of instant k (Y[k] itself unless it is crowded); time stands still from Y[k]
  // to Yl[k] and runs on from there to Y[k + 1].
  const Yl = Float64Array.from(Y);
  for (const [k, ln] of lines) Yl[k] = Y[k] + ln[ln.length - 1];
  const height = (n ? Y[n - 1] + room(n - 1) : TOP) + BOTTOM;
  const yOf = (t) => {
    if (!n) return TOP;
    const k = lowerBound(T, t);
    if (k < n && T[k] === t) return Y[k];
    if (k <= 0) return Y[0];
    if (k >= n) return Yl[n - 1];
    const f = (t - T[k - 1]) / (T[k] - T[k - 1]);
    return Yl[k - 1] + f * (Y[k] - Yl[k - 1]);
  };
  const tOf = (yy) => { // inverse, for the cursor from a click, the sticky header and zoom anchors
    const k = lowerBound(Y, yy);
    if (k < n && Y[k] === yy) return T[k];
    if (k <= 0) return T[0] ?? 0;
    if (yy <= Yl[k - 1] || k >= n) return T[k - 1];
    return T[k - 1] + (T[k] - T[k - 1]) * ((yy - Yl[k - 1]) / (Y[k] - Yl[k - 1] || 1));
  };
  return { ...P, zoom, Y, Yl, breaks, height, yOf, tOf, stretches, stretchOf };
}

// ---------------------------------------------------------------------------------------------
// Phase 3: the geometry of one trace on a layout.

export function geometry(c, L, { axis = true } = {}) {
  const { events, hostNames, hostIndex, side, compact } = c;
  const axisW = axis ? AXIS_W : 14; // the compare view's right-hand ladder shares the left one's axis
  const { T, Y, yOf, height, stretchOf } = L;
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
  const diff = c.diff || new Set(); // (compare) what only this run has: highlighted, or counted by its band
  const sum = summarizer(c, L, hostX, { gap });

  const items = [], segItems = [];
  const lastSpecial = new Map(); // stretch|from|to|kind → y of the last drawn retransmission or loss
  const lastLabel = new Map();   // … and of the last one labelled
  for (let j = 0; j < c.segs.length; j++) {
    const s = c.segs[j], ev = s.ev, a = hostIndex.get(ev.from), b = hostIndex.get(ev.to);
    const k = c.segK[j], ka = c.segA[j];
    const st = stretchOf[k];
    const inSt = st >= 0;
    const lost = ev.arrivesAt == null || ev.fate === 'lost';
    let drawn = !inSt;
    if (!drawn && isSpecial(ev)) {
      // Retransmissions and losses stand out one by one, unless they too come closer than
      // DENSE_PX (a burst of losses): then one in each DENSE_PX, the band label counting them all.
      // (Compared, what only this run has is counted by the band, outlined; zooming in shows it.)
      const sparse = ev.retransmit || lost;
      const key = `${st}|${a}|${b}|${lost ? 'x' : 'r'}`;
      const y = Y[k];
      if (!sparse || ev.injected || !(y - (lastSpecial.get(key) ?? -Infinity) < DENSE_PX)) { drawn = true; if (sparse) lastSpecial.set(key, y); }
    }
    if (inSt) sum.seg(s, st, a, b, Y[k], lost || ka < 0 ? null : Y[ka], drawn, diff.has(s));
    if (!drawn) continue;
    const dy = inSt ? 0 : s.dy; // a stretch has no room for a burst's rows
    const xa = hostX[a], xb = hostX[b];
    const self = a === b; // loopback: a loop out to the side away from the host's labels, and back
    const o = -out(a);
    const ya = c.evRow[s.i] >= 0 ? eventY(s.i) : Y[k] + dy;
    let yb, xe;
    if (!lost) { yb = ev.arrivesAt === ev.t ? ya + (self ? LOOP_H : 0) : Y[ka]; xe = xb; }
    else {
      const d = c.pairDelay.get(ev.from + '>' + ev.to) || L.minDelay;
      const full = yOf(ev.t + d) - (ya - dy);
      xe = self ? xa + o * LOOP_W : xa + (xb - xa) * 0.55; yb = ya + Math.max(full, 30) * 0.55;
    }
    const it = { kind: 'seg', i: s.i, ev, xa, ya, xe, yb, lost, inSt, inBurst: !inSt && s.inBurst, self, o, diff: diff.has(s), y0: ya - 14, y1: yb + 8 };
    it.lab = placeSegLabel(it, segLabel(ev), { LOOP_W });
    if (inSt) {
      // On a band, a label every few lines at most (a burst of losses is a column of crosses).
      const key = `${st}|${a}|${b}|${lost ? 'x' : 'r'}`;
      if (ya - (lastLabel.get(key) ?? -Infinity) < 3 * SEG_ROW) it.hideLabel = true; else lastLabel.set(key, ya);
    }
    it.y0 = Math.min(it.y0, it.lab.y0); it.y1 = Math.max(it.y1, it.lab.y1);
    items.push(it); segItems.push(it);
  }
  const bands = sum.bandItems();
  items.push(...bands);
  const hostLabel = (l, yy, df) => {
    const o = out(l.host);
    return { kind: 'label', ...l, diff: df, hx: hostX[l.host], x: hostX[l.host] + o * labelOff(l.host), anchor: o < 0 ? 'end' : 'start', yy, y0: yy, y1: yy + LINE_H };
  };
  for (let j = 0; j < c.labels.length; j++) {
    const l = c.labels[j], k = c.labK[j];
    if (stretchOf[k] >= 0) { sum.label(l, stretchOf[k], Y[k], diff.has(l)); continue; }
    items.push(hostLabel(l, l.row != null ? eventY(l.i) : Y[k] + l.dy, diff.has(l)));
  }
  sum.labelItems(items, hostLabel);
  for (const [k, ln] of L.lines) { const rec = c.crowd.get(T[k]); if (rec) stackNotes(c, rec, ln); }
  const noteItem = (n, yy) => {
    const s = side(n.host);
    const x = s === 'L' ? axisW + 6 : width - NOTE_W - 10;
    return { kind: 'note', ...n, x, yy, side: s, y0: yy, y1: yy + n.h };
  };
  for (let j = 0; j < c.notes.length; j++) {
    const n = c.notes[j], k = c.noteK[j];
    if (stretchOf[k] >= 0) sum.note(n, stretchOf[k], Y[k]);
    else { items.push(noteItem(n, Y[k] + n.dy)); sum.noteDrawn(n, Y[k] + n.dy); }
  }
  sum.noteItems(items, noteItem);
  for (const sp of c.spans) {
    const ya = eventY(sp.i0), yb = sp.i1 != null ? eventY(sp.i1) : yOf(sp.t1);
    items.push({ kind: 'span', x: hostX[sp.host] + out(sp.host) * 4, ya, yb, y0: ya, y1: yb });
  }
  const timerItem = (tm) => {
    const ya = tm.end === 'merged' ? yOf(tm.t0) : eventY(tm.i0), yb = tm.i1 != null ? eventY(tm.i1) : yOf(tm.t1);
    return { kind: 'timer', ...tm, multi: (c.hostSockets.get(hostNames[tm.host])?.size || 0) > 1,
      x: hostX[tm.host] + out(tm.host) * (LANE0 + LANE_W * tm.lane), dir: out(tm.host), ya, yb, y0: ya - 3, y1: yb + 4 };
  };
  for (const tm of c.timers) {
    if (tm.host == null) continue;
    const s = stretchHolding(L, tm.t0, tm.t1);
    if (s >= 0) sum.timer(tm, s); else items.push(timerItem(tm));
  }
  for (const tm of sum.timerItems()) items.push(timerItem(tm));
  // Time ticks, thinned so they never overlap.
  let lastTick = -Infinity;
  for (let k = 0; axis && k < T.length; k++) {
    if (Y[k] - lastTick >= 13) { items.push({ kind: 'tick', decimals: L.decimals, t: T[k], yy: Y[k], y0: Y[k] - 10, y1: Y[k] + 4 }); lastTick = Y[k]; }
  }
  // A crowded instant's rows are bracketed on the axis: one time, no time passing between them.
  for (const [k, ln] of L.lines) {
    if (axis && ln.length > 1) items.push({ kind: 'instant', t: T[k], decimals: L.decimals, ys: Array.from(ln, (v) => Y[k] + v), y0: Y[k], y1: L.Yl[k] });
  }
  const hiddenLabels = dropOverlappingLabels(bands, segItems);
  // Items taller than LONG (e.g. a read() blocked for the whole run) are kept apart and always
  // checked, so the window query only looks back maxSpan over the short ones.
  const LONG = 60000;
  const long = items.filter((it) => it.y1 - it.y0 > LONG);
  const short = items.filter((it) => it.y1 - it.y0 <= LONG);
  short.sort((p, q) => p.y0 - q.y0);
  let maxSpan = 0;
  for (const it of short) maxSpan = Math.max(maxSpan, it.y1 - it.y0);

  // How many arrows cross an average row: above ~6 the diagram is a dense band, drawn thinner.
  let flight = 0;
  for (const it of segItems) flight += it.yb - it.ya;
  const dense = flight / Math.max(1, height) > 6;
  // The step drawn at or above y (for dragging along the time axis): their y only grows with the step.
  let stepY = null;
  const stepAt = (y) => Math.max(0, lowerBound(stepY ||= Float64Array.from(c.steps, eventY), y + 0.5) - 1);

  return { c, events, hostNames, hostX, hostSockets: c.hostSockets, width, height, axisW, gap, items: short, long, maxSpan,
    breaks: L.breaks, yOf, tOf: L.tOf, eventY, stepAt, steps: c.steps, T, Y, dense, decimals: L.decimals,
    stateAt: c.stateAt, timerKinds: c.timerKinds, hasQueues: c.hasQueues, compact,
    zoom: L.zoom, zMin: L.zMin, zMax: L.zMax, bands: bands.length, hiddenLabels,
    virtual: items.length > VIRTUAL_ABOVE };
}
