// streams.js — "Stream graphs": a Stevens/tcptrace time–sequence graph of the direction that
// carries the most data, and the sender's cwnd/ssthresh and srtt over the same time axis.
//
//   tsg-seg      one vertical bar per data segment (len > 0) of that direction, seq → seq+len at t
//                (data-retx on retransmissions, data-lost on lost ones, which get a red ✕ too)
//   tsg-ack      the highest cumulative ACK the sender has received (step line, at arrivesAt)
//   tsg-win      ack + the receiver's advertised window (win << wscale), step line
//   cc-cwnd, cc-ssthresh (segments), rtt-line (srtt, ms): from the sending socket's cc events

import { lang } from './i18n.js';

const SVGNS = 'http://www.w3.org/2000/svg';
const W = 1000;                       // viewBox width; the SVGs scale to the container
const ML = 78, MR = 22;               // left / right margins (room for the y labels)
const PW = W - ML - MR;
const BIN_ABOVE = 3000;              // data segments in view: above this, summarize per pixel column

const L = {
  en: {
    title: 'Stream graphs', tsg: 'Time–sequence graph', cc: 'Congestion window', rtt: 'Smoothed RTT',
    time: 'time (s)', seq: 'relative sequence number (bytes)', segs: 'segments', ms: 'ms',
    data: 'data segment', retx: 'retransmission', lost: 'lost', ack: 'ACK (cumulative, as received by the sender)',
    win: 'ACK + receive window', cwnd: 'cwnd', ssthresh: 'ssthresh', srtt: 'srtt',
    bytes: 'bytes', dataSegs: 'data segments', noCc: 'no cc events for the sending socket',
    hint: 'click a bar to select the segment in the ladder; drag to zoom, double-click to reset', reset: 'reset zoom',
    binned: 'Summarized: {n} segments as one stroke per pixel column (retransmissions and losses still marked one by one); drag to zoom in.',
  },
  zh: {
    title: '流图', tsg: '时间–序号图', cc: '拥塞窗口', rtt: '平滑 RTT',
    time: '时间 (s)', seq: '相对序号 (字节)', segs: '段', ms: 'ms',
    data: '数据段', retx: '重传', lost: '丢失', ack: 'ACK（发送方收到的累计确认）',
    win: 'ACK + 接收窗口', cwnd: 'cwnd', ssthresh: 'ssthresh', srtt: 'srtt',
    bytes: '字节', dataSegs: '个数据段', noCc: '发送端套接字没有 cc 事件',
    hint: '点击竖条可在梯形图中选中该报文段；拖动可缩放，双击复原', reset: '复原缩放',
    binned: '已汇总：{n} 个报文段按像素列合并为竖线（重传与丢失仍逐个标出）；拖动可放大。',
  },
};
const tr = (k) => (L[lang()] || L.en)[k] ?? L.en[k];

// ---------------------------------------------------------------------------------------------
// Model.

// The directed flows (src → dst, ip:port) and the one carrying the most payload.
export function streamModel(trace) {
  const events = trace.events || [];
  const flows = new Map();
  events.forEach((ev, i) => {
    if (ev.type !== 'segment') return;
    const key = `${ev.src}>${ev.dst}`;
    let f = flows.get(key);
    if (!f) flows.set(key, (f = { key, src: ev.src, dst: ev.dst, from: ev.from, to: ev.to, bytes: 0, segs: [] }));
    f.segs.push(i);
    f.bytes += ev.len || 0;
  });
  let main = null;
  for (const f of flows.values()) if (f.bytes > 0 && (!main || f.bytes > main.bytes)) main = f;
  if (!main) return null;
  const back = flows.get(`${main.dst}>${main.src}`) || { segs: [] };

  // Window scaling applies only when both SYNs carried the option; SYN segments are never scaled.
  const synScale = (f) => {
    for (const i of f.segs) { const e = events[i]; if (e.flags?.includes('SYN')) return e.options?.wscale; }
    return undefined;
  };
  const sndScale = synScale(main), rcvScale = synScale(back);
  const scale = sndScale != null && rcvScale != null ? rcvScale : 0;

  const data = [];
  let t0 = Infinity, t1 = -Infinity, maxSeq = 0, minSeq = Infinity;
  for (const i of main.segs) {
    const e = events[i];
    if (!(e.len > 0)) continue;
    data.push(i);
    t0 = Math.min(t0, e.t); t1 = Math.max(t1, e.t);
    minSeq = Math.min(minSeq, e.seq); maxSeq = Math.max(maxSeq, e.seq + e.len);
  }
  // ACKs (and windows) as seen by the sender: delivered segments of the reverse flow, at arrival.
  const acks = [];
  for (const i of back.segs) {
    const e = events[i];
    if (e.ack == null || e.arrivesAt == null || !(e.flags || []).includes('ACK')) continue;
    const win = e.flags.includes('SYN') ? e.win : e.win * 2 ** scale;
    acks.push({ t: e.arrivesAt, ack: e.ack, win, i });
  }
  acks.sort((a, b) => a.t - b.t);
  // The graph ends when everything sent is acknowledged (or at the last data segment).
  let tEnd = t1;
  let hi = 0;
  for (const a of acks) {
    hi = Math.max(hi, a.ack);
    if (a.t > t1) { tEnd = a.t; if (hi >= maxSeq) break; }
  }
  const span = Math.max(tEnd - t0, 1e-6);
  const x0 = Math.max(0, t0 - span * 0.02), x1 = tEnd + span * 0.02;
  // Cumulative ACK and window lines, clipped to [x0, x1] (the state before x0 carried in).
  const ackPts = [], winPts = [];
  let cum = -Infinity, lastWinEdge = null;
  for (const a of acks) {
    if (a.t > x1) break;
    cum = Math.max(cum, a.ack);
    const edge = cum + a.win;
    const t = Math.max(a.t, x0);
    ackPts.push([t, cum, a.i]); winPts.push([t, edge]);
    lastWinEdge = edge;
  }
  let yMax = maxSeq;
  for (const [, v] of winPts) yMax = Math.max(yMax, v);
  const yMin = Math.min(minSeq, ackPts.length ? ackPts[0][1] : minSeq);

  // The sending socket: the sender host's cc events (the socket with most events in range).
  const ccBy = new Map();
  for (const e of events) {
    if (e.type !== 'cc' || e.host !== main.from) continue;
    if (!ccBy.has(e.socket)) ccBy.set(e.socket, []);
    ccBy.get(e.socket).push(e);
  }
  let cc = [];
  for (const list of ccBy.values()) {
    const n = (l) => l.filter((e) => e.t >= x0 && e.t <= x1).length;
    if (n(list) > n(cc) || (n(list) === n(cc) && list.length > cc.length)) cc = list;
  }
  return { events, main, back, data, acks: ackPts, wins: winPts, scale, x0, x1, yMin, yMax, cc, lastWinEdge };
}

// ---------------------------------------------------------------------------------------------
// Drawing helpers.

function niceStep(range, n) {
  const raw = range / Math.max(1, n);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}
function ticks(lo, hi, n) {
  const step = niceStep(hi - lo, n);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return { out, step };
}
function fmtTime(v, step) {
  const d = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(d);
}
function fmtBytes(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 1 : 2).replace(/\.?0+$/, '') + 'M';
  if (a >= 1e3) return (v / 1e3).toFixed(a >= 1e5 ? 0 : 1).replace(/\.0$/, '') + 'k';
  return String(Math.round(v));
}
const f1 = (v) => (Math.round(v * 10) / 10).toString();

function svgEl(h, label, extraClass) {
  const svg = document.createElementNS(SVGNS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${h}`);
  svg.setAttribute('class', `sg-chart ${extraClass}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('preserveAspectRatio', 'xMinYMin meet');
  return svg;
}

// Axes: x ticks (labels optional), y ticks with a formatter, grid lines, axis titles.
function axes(sx, x0, x1, sy, y0, y1, top, bottom, { xLabels = true, yFmt, yTitle, xTitle, yTicks = 6 }) {
  let s = '';
  const xt = ticks(x0, x1, 10);
  for (const v of xt.out) {
    const x = sx(v);
    s += `<line class="grid" x1="${f1(x)}" x2="${f1(x)}" y1="${top}" y2="${bottom}"/>`;
    s += `<line class="tick" x1="${f1(x)}" x2="${f1(x)}" y1="${bottom}" y2="${bottom + 4}"/>`;
    if (xLabels) s += `<text class="xl" x="${f1(x)}" y="${bottom + 16}">${fmtTime(v, xt.step)}</text>`;
  }
  const yt = ticks(y0, y1, yTicks);
  for (const v of yt.out) {
    const y = sy(v);
    s += `<line class="grid" x1="${ML}" x2="${W - MR}" y1="${f1(y)}" y2="${f1(y)}"/>`;
    s += `<line class="tick" x1="${ML - 4}" x2="${ML}" y1="${f1(y)}" y2="${f1(y)}"/>`;
    s += `<text class="yl" x="${ML - 7}" y="${f1(y + 3.5)}">${yFmt(v, yt.step)}</text>`;
  }
  s += `<line class="axis" x1="${ML}" x2="${W - MR}" y1="${bottom}" y2="${bottom}"/>`;
  s += `<line class="axis" x1="${ML}" x2="${ML}" y1="${top}" y2="${bottom}"/>`;
  if (xTitle) s += `<text class="at" x="${ML + PW / 2}" y="${bottom + 32}">${xTitle}</text>`;
  if (yTitle) s += `<text class="at" transform="translate(14 ${f1((top + bottom) / 2)}) rotate(-90)">${yTitle}</text>`;
  return s;
}

// A step line through points [t, v], held until tEnd.
function stepPath(pts, sx, sy, tEnd) {
  if (!pts.length) return '';
  let d = `M${f1(sx(pts[0][0]))},${f1(sy(pts[0][1]))}`;
  for (let k = 1; k < pts.length; k++) d += `H${f1(sx(pts[k][0]))}V${f1(sy(pts[k][1]))}`;
  d += `H${f1(sx(tEnd))}`;
  return d;
}

function legendItem(cls, text) {
  const s = document.createElement('span');
  s.className = `sg-lg ${cls}`;
  s.append(document.createElement('i'), text);
  return s;
}

// ---------------------------------------------------------------------------------------------
// The section. onSelect(eventIndex) is called when a segment bar is clicked. Dragging across the
// time–sequence graph zooms all three charts to that time range; double-click or "reset" undoes it.

function clip(id, top, bottom) {
  return `<defs><clipPath id="${id}"><rect x="${ML}" y="${top - 6}" width="${PW}" height="${bottom - top + 6}"/></clipPath></defs>`;
}
let clipSeq = 0;

export function streamGraphs(trace, { onSelect, range } = {}) {
  const m = streamModel(trace);
  if (!m) return null;
  const { events, main } = m;
  let x0 = m.x0, x1 = m.x1;
  const sx = (t) => ML + ((t - x0) / (x1 - x0)) * PW;
  const cid = `sgc${++clipSeq}`;
  const el = document.createElement('section');
  el.className = 'streams';
  const h2 = document.createElement('h2');
  h2.textContent = tr('title');
  const sub = document.createElement('p');
  sub.className = 'muted sg-sub';
  sub.textContent = `${main.from} ${main.src} → ${main.to} ${main.dst} · ${main.bytes} ${tr('bytes')} · ` +
    `${m.data.length} ${tr('dataSegs')}` + (m.scale ? ` · wscale ${m.scale}` : '');
  el.append(h2, sub);

  // 1. Time–sequence graph.
  const H = 440, TOP = 12, BOT = H - 42;
  const tsg = svgEl(H, tr('tsg'), 'tsg');
  const summary = document.createElement('p');
  summary.className = 'muted sg-binned';
  summary.hidden = true;
  function drawTsg() {
    const zoomed = x0 > m.x0 || x1 < m.x1;
    let lo = m.yMin, hi = m.yMax;
    if (zoomed) {
      lo = Infinity; hi = -Infinity;
      for (const i of m.data) {
        const e = events[i];
        if (e.t >= x0 && e.t <= x1) { lo = Math.min(lo, e.seq); hi = Math.max(hi, e.seq + e.len); }
      }
      const fit = (pts) => {
        let k = 0;
        while (k < pts.length && pts[k][0] < x0) k++;
        if (k > 0) k--; // the value carried into the range
        for (; k < pts.length && pts[k][0] <= x1; k++) { lo = Math.min(lo, pts[k][1]); hi = Math.max(hi, pts[k][1]); }
      };
      fit(m.acks); fit(m.wins);
      if (!isFinite(lo)) { lo = m.yMin; hi = m.yMax; }
    }
    const pad = (hi - lo) * 0.03 || 1;
    const y0 = Math.max(0, lo - pad), y1 = hi + pad;
    const sy = (v) => BOT - ((v - y0) / (y1 - y0)) * (BOT - TOP);
    let s = clip(`${cid}a`, TOP, BOT);
    s += axes(sx, x0, x1, sy, y0, y1, TOP, BOT, { yFmt: (v, st) => (st < 1000 && v >= 1000 ? String(Math.round(v)) : fmtBytes(v)), yTitle: tr('seq'), xTitle: tr('time'), yTicks: 8 });
    s += `<g clip-path="url(#${cid}a)">`;
    s += `<path class="tsg-win" d="${stepPath(m.wins, sx, sy, m.x1)}"/>`;
    s += `<path class="tsg-ack" d="${stepPath(m.acks, sx, sy, m.x1)}"/>`;
    let marks = '';
    // Zoomed out over many segments, the plain (first-sent, delivered) ones are summarized: one
    // stroke per pixel column from the lowest to the highest byte sent in it. Retransmissions and
    // losses stay individual marks; zooming in far enough shows every segment again.
    let visible = 0;
    for (const i of m.data) { const e = events[i]; if (!zoomed || (e.t >= x0 && e.t <= x1)) visible++; }
    const binned = visible > BIN_ABOVE;
    const loB = binned ? new Float64Array(PW + 1).fill(Infinity) : null;
    const hiB = binned ? new Float64Array(PW + 1).fill(-Infinity) : null;
    let nBinned = 0;
    for (const i of m.data) {
      const e = events[i];
      if (zoomed && (e.t < x0 || e.t > x1)) continue;
      const lost = e.fate === 'lost';
      if (binned && !lost && !e.retransmit) {
        const col = Math.max(0, Math.min(PW, Math.round(sx(e.t) - ML)));
        if (e.seq < loB[col]) loB[col] = e.seq;
        if (e.seq + e.len > hiB[col]) hiB[col] = e.seq + e.len;
        nBinned++;
        continue;
      }
      const x = f1(sx(e.t)), ya = sy(e.seq), yb = sy(e.seq + e.len);
      const kind = (e.retransmit ? ' data-retx=""' : '') + (lost ? ' data-lost=""' : '');
      s += `<line class="tsg-seg"${kind} data-i="${i}" x1="${x}" x2="${x}" y1="${f1(ya)}" y2="${f1(yb)}"/>`;
      if (e.retransmit) marks += `<circle class="tsg-r" cx="${x}" cy="${f1(yb)}" r="3.2"/>`;
      if (lost) {
        const cy = (ya + yb) / 2, r = 4;
        marks += `<path class="tsg-x" d="M${+x - r},${f1(cy - r)}l${2 * r},${2 * r}m0,${-2 * r}l${-2 * r},${2 * r}"/>`;
      }
    }
    if (binned) {
      let d = '';
      for (let col = 0; col <= PW; col++) {
        if (!(hiB[col] > -Infinity)) continue;
        const ya = sy(loB[col]), yb = Math.min(sy(hiB[col]), ya - 1);
        d += `M${ML + col},${f1(ya)}V${f1(yb)}`;
      }
      s = s.replace(`<g clip-path="url(#${cid}a)">`, `<g clip-path="url(#${cid}a)"><path class="tsg-bins" data-n="${nBinned}" d="${d}"/>`);
    }
    summary.hidden = !binned;
    summary.textContent = binned ? tr('binned').replace('{n}', nBinned) : '';
    s += marks + '</g><rect class="tsg-brush" x="0" y="0" width="0" height="0"/>';
    tsg.innerHTML = s;
  }
  const tsgLegend = document.createElement('div');
  tsgLegend.className = 'sg-legend';
  tsgLegend.append(legendItem('k-seg', tr('data')), legendItem('k-retx', tr('retx')), legendItem('k-lost', '✕ ' + tr('lost')),
    legendItem('k-ack', tr('ack')), legendItem('k-win', tr('win')));
  const reset = document.createElement('button');
  reset.type = 'button'; reset.className = 'sg-reset'; reset.hidden = true; reset.textContent = tr('reset');
  const hint = document.createElement('span');
  hint.className = 'hint'; hint.textContent = tr('hint');
  tsgLegend.append(reset, hint);
  const fig1 = document.createElement('figure');
  fig1.className = 'sg-fig';
  const cap1 = document.createElement('figcaption');
  cap1.textContent = tr('tsg');
  fig1.append(cap1, tsgLegend, summary, tsg);
  el.append(fig1);

  // 2. cwnd / ssthresh and srtt, on the same x axis.
  const cc = m.cc;
  const fig2 = document.createElement('figure');
  fig2.className = 'sg-fig';
  const cap2 = document.createElement('figcaption');
  cap2.textContent = `${tr('cc')} · ${tr('rtt')}`;
  fig2.append(cap2);
  el.append(fig2);
  let drawCc = () => {};
  if (!cc.length) {
    const p = document.createElement('p'); p.className = 'muted'; p.textContent = tr('noCc');
    fig2.append(p);
  } else {
    // Points in range, with the last state before the start carried in.
    const series = (get) => {
      const pts = [];
      let before = null;
      for (const e of cc) {
        const v = get(e);
        if (e.t < m.x0) { if (v != null) before = v; continue; }
        if (e.t > m.x1) break;
        if (!pts.length && before != null && e.t > m.x0) pts.push([m.x0, before]);
        if (v != null) pts.push([e.t, v]);
      }
      if (!pts.length && before != null) pts.push([m.x0, before]);
      return pts;
    };
    const cwnd = series((e) => e.cwnd);
    // ssthresh: null until the first loss; a huge initial value would flatten the chart.
    const ssth = series((e) => (e.ssthresh == null || e.ssthresh > 1e6 ? null : e.ssthresh));
    const srtt = series((e) => (e.srtt > 0 ? e.srtt * 1000 : null));
    const legend2 = document.createElement('div');
    legend2.className = 'sg-legend';
    legend2.append(legendItem('k-cwnd', `${tr('cwnd')} (${tr('segs')})`), legendItem('k-ssthresh', `${tr('ssthresh')} (${tr('segs')})`),
      legendItem('k-rtt', `${tr('srtt')} (${tr('ms')})`));
    const H2 = 190, T2 = 10, B2 = H2 - 14;
    let cMax = 1;
    for (const [, v] of cwnd) cMax = Math.max(cMax, v);
    for (const [, v] of ssth) cMax = Math.max(cMax, v);
    cMax *= 1.08;
    const sy2 = (v) => B2 - (v / cMax) * (B2 - T2);
    const ccSvg = svgEl(H2, tr('cc'), 'ccg');
    const H3 = 150, T3 = 8, B3 = H3 - 42;
    let rMax = 0, rMin = Infinity;
    for (const [, v] of srtt) { rMax = Math.max(rMax, v); rMin = Math.min(rMin, v); }
    if (!isFinite(rMin)) { rMin = 0; rMax = 1; }
    const rPad = Math.max((rMax - rMin) * 0.15, rMax * 0.05, 0.1);
    const r0 = Math.max(0, rMin - rPad), r1 = rMax + rPad;
    const sy3 = (v) => B3 - ((v - r0) / (r1 - r0)) * (B3 - T3);
    const rttSvg = svgEl(H3, tr('rtt'), 'rttg');
    drawCc = () => {
      ccSvg.innerHTML = clip(`${cid}b`, T2, B2) +
        axes(sx, x0, x1, sy2, 0, cMax, T2, B2, { xLabels: false, yFmt: (v) => fmtBytes(v), yTitle: tr('segs'), yTicks: 4 }) +
        `<g clip-path="url(#${cid}b)"><path class="cc-ssthresh" d="${stepPath(ssth, sx, sy2, m.x1)}"/>` +
        `<path class="cc-cwnd" d="${stepPath(cwnd, sx, sy2, m.x1)}"/></g>`;
      rttSvg.innerHTML = clip(`${cid}c`, T3, B3) +
        axes(sx, x0, x1, sy3, r0, r1, T3, B3, { yFmt: (v, st) => fmtTime(v, st), yTitle: tr('ms'), xTitle: tr('time'), yTicks: 3 }) +
        `<g clip-path="url(#${cid}c)"><path class="rtt-line" d="${stepPath(srtt, sx, sy3, m.x1)}"/></g>`;
    };
    fig2.append(legend2, ccSvg, rttSvg);
  }
  const draw = () => { drawTsg(); drawCc(); reset.hidden = !(x0 > m.x0 || x1 < m.x1); };
  if (range && isFinite(range[0]) && isFinite(range[1]) && range[1] > range[0]) {
    x0 = Math.max(m.x0, range[0]); x1 = Math.min(m.x1, range[1]);
    if (!(x1 > x0)) { x0 = m.x0; x1 = m.x1; }
  }
  draw();

  // Zoom by dragging across the graph; a click without a drag selects the segment under it.
  const toX = (ev) => { const r = tsg.getBoundingClientRect(); return ((ev.clientX - r.left) / r.width) * W; };
  const toT = (x) => x0 + ((Math.max(ML, Math.min(W - MR, x)) - ML) / PW) * (x1 - x0);
  let drag = null;
  tsg.addEventListener('pointerdown', (ev) => {
    if (ev.button !== 0) return;
    drag = { x: toX(ev), moved: false, target: ev.target };
    tsg.setPointerCapture?.(ev.pointerId);
  });
  tsg.addEventListener('pointermove', (ev) => {
    if (!drag) return;
    const x = toX(ev);
    if (Math.abs(x - drag.x) > 6) drag.moved = true;
    const b = tsg.querySelector('.tsg-brush');
    if (drag.moved && b) {
      const a = Math.max(ML, Math.min(drag.x, x)), c = Math.min(W - MR, Math.max(drag.x, x));
      b.setAttribute('x', a); b.setAttribute('width', Math.max(0, c - a)); b.setAttribute('y', TOP); b.setAttribute('height', BOT - TOP);
    }
  });
  tsg.addEventListener('pointerup', (ev) => {
    if (!drag) return;
    const d = drag; drag = null;
    if (d.moved) {
      const ta = toT(Math.min(d.x, toX(ev))), tb = toT(Math.max(d.x, toX(ev)));
      if (tb - ta > 1e-7) { x0 = ta; x1 = tb; draw(); }
      return;
    }
    const seg = d.target.closest?.('.tsg-seg');
    if (!seg || !onSelect) return;
    tsg.querySelectorAll('[data-sel]').forEach((n) => n.removeAttribute('data-sel'));
    seg.setAttribute('data-sel', '');
    onSelect(Number(seg.dataset.i));
  });
  const unzoom = () => { x0 = m.x0; x1 = m.x1; draw(); };
  tsg.addEventListener('dblclick', unzoom);
  reset.addEventListener('click', unzoom);
  return el;
}
