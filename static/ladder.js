// ladder.js — draws a ladder model (ladder-model.js) as SVG: a sticky row of host names with each
// socket's state at the top of the view, the host lines and breaks, and the items near the view (all
// of them below VIRTUAL_ABOVE items; else about three screen heights around the view, redrawn as it
// scrolls) — arrows, labels, notes, timers and summary bands; a cursor; click, and drag along the
// time axis to scrub. Zooming (ladder-zoom.js) hands it the model at another zoom (setModel).

import { AXIS_W, NOTE_W, HEAD_H, BOTTOM, TOP, NOTE_LINE, LOOP_W, TIMER_NAMES, fmtT, esc, segLabel, lowerBound } from './ladder-model.js';
import { bandSVG, textWidth } from './ladder-summary.js';

export { buildModel, buildModels, ladderSet, describe, fmtT, segLabel, callReturnText, queueText, TIMER_NAMES, HEAD_H } from './ladder-model.js';

const SVGNS = 'http://www.w3.org/2000/svg';

function segKind(it) {
  const ev = it.ev;
  let kind = 'ctl';
  if (ev.len > 0) kind = 'data';
  if ((ev.flags || []).includes('RST')) kind = 'rst';
  if (ev.retransmit) kind = 'retx';
  if (it.lost) kind = 'lost';
  if (ev.injected) kind = 'inj';
  return kind;
}

function itemSVG(it, cur, mk) {
  const c = it.i != null && it.i === cur ? ' current' : '';
  const diff = it.diff ? ' diff' : '';
  switch (it.kind) {
    case 'seg': {
      const ev = it.ev;
      const kind = segKind(it);
      const marker = it.lost ? '' : ` marker-end="url(#${mk}-${kind})"`;
      const dash = ev.injected ? ' stroke-dasharray="7 4"' : '';
      if (it.self) return selfLoopSVG(it, kind, c, marker, dash);
      // The label (placed by the model, which may have hidden it where it would cover another).
      const label = esc(segLabel(ev));
      const L = it.lab;
      let text = `<title>${label}</title>`;
      if (!it.hideLabel) {
        text = L.rotated
          ? `<text class="seglabel" transform="translate(${L.x.toFixed(1)},${L.y.toFixed(1)}) rotate(${L.ang.toFixed(2)})" y="-5" text-anchor="middle">${label}</text>`
          : `<text class="seglabel" x="${L.x.toFixed(1)}" y="${L.y.toFixed(1)}" text-anchor="${L.anchor}">${label}</text>`;
      }
      let cross = '';
      if (it.lost) {
        const s = 6;
        cross = `<path class="cross" d="M${it.xe - s},${it.yb - s}L${it.xe + s},${it.yb + s}M${it.xe - s},${it.yb + s}L${it.xe + s},${it.yb - s}"/>`;
      }
      const line = `x1="${it.xa.toFixed(1)}" y1="${it.ya.toFixed(1)}" x2="${it.xe.toFixed(1)}" y2="${it.yb.toFixed(1)}"`;
      const halo = it.diff ? `<line class="halo" ${line}/>` : '';
      return `<g class="seg" data-i="${it.i}" data-kind="${kind}"${c ? ' data-current="1"' : ''}${it.diff ? ' data-diff="1"' : ''} tabindex="-1">` +
        `${halo}<line class="hit" ${line}/><line class="arrow k-${kind}${c}" ${line}${dash}${marker}/>${cross}${text}</g>`;
    }
    case 'label': {
      const cls = it.cls + (it.err ? ' err' : '') + (it.enter ? ' enter' : '') + (it.full ? ' full' : '') + c + diff;
      const dot = it.cls === 'state' ? `<circle class="statedot" cx="${it.hx.toFixed(1)}" cy="${(it.yy + 1).toFixed(1)}" r="3"/>` : '';
      const title = it.title ? `<title>${esc(it.title)}</title>` : '';
      // A highlighter behind a label only one run of a comparison has (monospace: 0.6 em a glyph).
      let hl = '';
      if (it.diff) {
        const w = [...it.text].length * 6.9 + 6;
        hl = `<rect class="diffbg" x="${(it.anchor === 'end' ? it.x - w + 3 : it.x - 3).toFixed(1)}" y="${(it.yy + 0.5).toFixed(1)}" width="${w.toFixed(1)}" height="14" rx="2"/>`;
      }
      return `${hl}${dot}<text class="${cls}" data-i="${it.i}" x="${it.x.toFixed(1)}" y="${(it.yy + 11).toFixed(1)}" text-anchor="${it.anchor}">${title}${esc(it.text)}</text>`;
    }
    case 'note': {
      const w = NOTE_W - 4;
      const tspans = it.lines.map((ln, k) => `<tspan x="${(it.x + 9).toFixed(1)}" y="${(it.yy + 15 + k * NOTE_LINE).toFixed(1)}">${esc(ln)}</tspan>`).join('');
      return `<g class="note${c}" data-i="${it.i}"><rect class="notebox" x="${it.x.toFixed(1)}" y="${it.yy.toFixed(1)}" width="${w}" height="${it.h}" rx="3"/>` +
        `<rect class="notebar" x="${(it.side === 'L' ? it.x + w - 3 : it.x).toFixed(1)}" y="${it.yy.toFixed(1)}" width="3" height="${it.h}"/>` +
        `<text class="notetext">${tspans}</text></g>`;
    }
    case 'band': return bandSVG(it);
    case 'span':
      return `<line class="callspan" x1="${it.x}" y1="${it.ya.toFixed(1)}" x2="${it.x}" y2="${it.yb.toFixed(1)}"/>`;
    case 'timer': {
      // A bar from set to fire/cancel: a tick where it was armed, a dot where it fired, a bar across
      // where it was cancelled; its tooltip says which timer, of which socket, and its deadline.
      const name = TIMER_NAMES[it.timer] || it.timer;
      const how = it.end === 'fire' ? `fired at ${fmtT(it.t1)}` : it.end === 'cancel' ? `cancelled at ${fmtT(it.t1)}`
        : it.end === 'implied' ? `gone at ${fmtT(it.t1)} with the socket's move to ${it.why}` : `still armed at ${fmtT(it.t1)}`;
      const who = `${name} timer${it.multi || it.socket ? ` (${it.socket})` : ''}`;
      // (Merged: the timer's intervals within one summarized stretch, as one bar.)
      const title = it.end === 'merged'
        ? `${who}: ${it.count} intervals from ${fmtT(it.t0)} to ${fmtT(it.t1)}${it.fires ? `, fired ${it.fires}×` : ''} (zoom in to see each)`
        : `${who}: set at ${fmtT(it.t0)}` + (it.rearmed ? `, re-armed ${it.rearmed}×` : '') + (it.expires != null ? `, expires ${fmtT(it.expires)}` : '') + `; ${how}`;
      const x = it.x.toFixed(1), ya = it.ya.toFixed(1), yb = it.yb.toFixed(1);
      let s = `<g class="timer tk-${it.timer}" data-timer="${it.timer}" data-end="${it.end}"><title>${esc(title)}</title>` +
        `<line class="tbar" x1="${x}" y1="${ya}" x2="${x}" y2="${yb}"/>` +
        `<line class="tset" x1="${(it.x - 2.5).toFixed(1)}" y1="${ya}" x2="${(it.x + 2.5).toFixed(1)}" y2="${ya}"/>`;
      if (it.end === 'fire') s += `<circle class="tfire" cx="${x}" cy="${yb}" r="3.4"/>`;
      else if (it.end === 'cancel' || it.end === 'implied') s += `<line class="tcancel" x1="${(it.x - 3).toFixed(1)}" y1="${yb}" x2="${(it.x + 3).toFixed(1)}" y2="${yb}"/>`;
      return s + '</g>';
    }
    case 'instant': {
      // Rows of one instant: a bracket on the axis with a notch per row.
      const x = AXIS_W - 2;
      const title = `t = ${it.t.toFixed(it.decimals)} s: ${it.ys.length} rows, one instant (no time passes between them; they are in the order the events happened)`;
      return `<g class="instant"><title>${esc(title)}</title><line class="instantbar" x1="${x}" y1="${it.y0.toFixed(1)}" x2="${x}" y2="${it.y1.toFixed(1)}"/>` +
        it.ys.map((y) => `<line class="instantrow" x1="${x - 3}" y1="${y.toFixed(1)}" x2="${x + 2}" y2="${y.toFixed(1)}"/>`).join('') + '</g>';
    }
    case 'tick':
      return `<text class="tick" x="${AXIS_W - 8}" y="${(it.yy + 4).toFixed(1)}" text-anchor="end">${it.t.toFixed(it.decimals)}</text>` +
        `<line class="tickline" x1="${AXIS_W - 4}" y1="${it.yy.toFixed(1)}" x2="${AXIS_W}" y2="${it.yy.toFixed(1)}"/>`;
    default: return '';
  }
}

// A host's segment to itself (loopback): a loop out to the side away from the host's labels and back
// into the line, its head at the arrival; its label beside the loop.
function selfLoopSVG(it, kind, c, marker, dash) {
  const { xa, ya, yb, o } = it;
  const xo = xa + o * LOOP_W;
  const d = it.lost ? `M${xa},${ya.toFixed(1)} Q${xo},${ya.toFixed(1)} ${xo},${yb.toFixed(1)}`
    : `M${xa},${ya.toFixed(1)} C${xo},${ya.toFixed(1)} ${xo},${yb.toFixed(1)} ${xa + o},${yb.toFixed(1)}`;
  const L = it.lab, label = esc(segLabel(it.ev));
  const text = it.hideLabel ? `<title>${label}</title>` : `<text class="seglabel" x="${L.x.toFixed(1)}" y="${L.y.toFixed(1)}" text-anchor="${L.anchor}">${label}</text>`;
  let cross = '';
  if (it.lost) {
    const s = 6;
    cross = `<path class="cross" d="M${xo - s},${yb - s}L${xo + s},${yb + s}M${xo - s},${yb + s}L${xo + s},${yb - s}"/>`;
  }
  const halo = it.diff ? `<path class="halo" d="${d}"/>` : '';
  return `<g class="seg" data-self="1" data-i="${it.i}" data-kind="${kind}"${c ? ' data-current="1"' : ''}${it.diff ? ' data-diff="1"' : ''} tabindex="-1">` +
    `${halo}<path class="hit" d="${d}"/><path class="arrow k-${kind}${c}" d="${d}"${dash}${marker}/>${cross}${text}</g>`;
}

const MARKERS = ['ctl', 'data', 'rst', 'retx', 'inj', 'lost'];
let markerSeq = 0;

function staticSVG(m, mk) {
  const defs = MARKERS.map((k) =>
    `<marker id="${mk}-${k}" class="ah k-${k}" viewBox="0 0 10 10" refX="9.5" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0.8L10,5L0,9.2z"/></marker>`).join('');
  let s = `<defs>${defs}</defs>`;
  const top = 0, bottom = m.height - BOTTOM + 10;
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
    s += `<rect class="hostfoot" x="${x - 18}" y="${bottom.toFixed(1)}" width="36" height="3"/>`;
  });
  for (const b of m.breaks) {
    const mid = (b.yA + b.yB) / 2;
    s += `<rect class="breakband" x="${m.axisW}" y="${(mid - 8).toFixed(1)}" width="${m.width - m.axisW - 8}" height="16"/>`;
    s += `<text class="breaklabel" x="${((m.hostX[0] + m.hostX[m.hostX.length - 1]) / 2).toFixed(1)}" y="${(mid + 4).toFixed(1)}" text-anchor="middle">≈ ${fmtGap(b.dt)} later (t = ${fmtT(b.t1)})</text>`;
    if (m.axisW === AXIS_W) s += `<text class="tick breaktick" x="${AXIS_W - 8}" y="${(mid + 4).toFixed(1)}" text-anchor="end">⋮</text>`;
  }
  if (m.axisW === AXIS_W) s += `<line class="axis" x1="${AXIS_W}" y1="${top}" x2="${AXIS_W}" y2="${bottom.toFixed(1)}"/>`;
  return s;
}

function fmtGap(dt) {
  if (dt >= 3600) return (dt / 3600).toFixed(dt % 3600 ? 1 : 0) + ' h';
  if (dt >= 120) return (dt / 60).toFixed(1).replace(/\.0$/, '') + ' min';
  return (Math.round(dt * 100) / 100) + ' s';
}

export class Ladder {
  // scroller: the scrolling element; mount: where the diagram goes (default: the scroller);
  // onSelect(i, isSegment) when an item is clicked; onScrub(t, y) while the time axis is dragged;
  // title: a caption in the sticky header.
  // onBand(t0, t1) when a summary band is clicked (to zoom into its stretch).
  constructor(scroller, model, { onSelect, onScrub, onBand, mount, title } = {}) {
    this.c = scroller;
    this.m = model;
    this.onSelect = onSelect;
    this.cur = null;
    const root = document.createElement('div');
    root.className = 'ladder-root';
    root.style.width = `${model.width}px`;
    // The host names stay in view while the diagram scrolls (position: sticky in the scroller),
    // with each host's state at the top of the view under its name.
    this.head = document.createElementNS(SVGNS, 'svg');
    this.head.setAttribute('class', 'ladder-head');
    this.head.setAttribute('width', model.width);
    this.head.setAttribute('height', HEAD_H);
    this.head.setAttribute('aria-hidden', 'true');
    let hs = `<rect class="headbg" x="0" y="0" width="${model.width}" height="${HEAD_H}"/>` +
      `<line class="headline" x1="0" y1="${HEAD_H - 0.5}" x2="${model.width}" y2="${HEAD_H - 0.5}"/>` +
      (model.axisW === AXIS_W ? `<text class="axistitle" x="${AXIS_W - 8}" y="20" text-anchor="end">t (s)</text>` : '') +
      `<text class="axistitle headt" x="${model.axisW === AXIS_W ? AXIS_W - 8 : model.width - 8}" y="36" text-anchor="end"></text>`;
    if (title) hs += `<text class="headtitle" x="${model.axisW + 6}" y="31">${esc(title)}</text>`;
    model.hostNames.forEach((name, h) => {
      hs += `<text class="hostname" x="${model.hostX[h]}" y="20" text-anchor="middle">${esc(name)}</text>` +
        `<text class="headstate" data-h="${h}" x="${model.hostX[h]}" y="36" text-anchor="middle"></text>`;
    });
    this.head.innerHTML = hs;
    this.svg = document.createElementNS(SVGNS, 'svg');
    this.svg.setAttribute('role', 'img');
    this.svg.setAttribute('aria-label', `Ladder diagram: ${model.hostNames.join(', ')}`);
    this.mk = `ah${++markerSeq}`;
    this.scrub = !!onScrub;
    root.append(this.head, this.svg);
    (mount || scroller).appendChild(root);
    this.redraws = 0;
    this.onBand = onBand;
    this.setModel(model, { draw: false });
    // A summary band zooms into its stretch (click, or Enter / Space on it).
    const band = (e) => {
      const g = e.target.closest?.('.segband');
      if (!g || !this.onBand) return false;
      this.onBand(Number(g.dataset.t0), Number(g.dataset.t1));
      return true;
    };
    this.svg.addEventListener('click', (e) => {
      if (band(e)) return;
      const g = e.target.closest('[data-i]');
      if (g && this.onSelect) this.onSelect(Number(g.dataset.i), g.classList.contains('seg'));
    });
    this.svg.addEventListener('keydown', (e) => {
      if ((e.key === 'Enter' || e.key === ' ') && band(e)) e.preventDefault();
    });
    if (onScrub) {
      let scrubbing = false;
      const at = (e) => { const y = e.clientY - this.svg.getBoundingClientRect().top; onScrub(this.m.tOf(y), y); };
      this.svg.addEventListener('pointerdown', (e) => {
        if (e.button !== 0 || !e.target.classList.contains('axisgrab')) return;
        scrubbing = true;
        this.svg.setPointerCapture?.(e.pointerId);
        e.preventDefault();
        at(e);
      });
      this.svg.addEventListener('pointermove', (e) => { if (scrubbing) at(e); });
      const stop = () => { scrubbing = false; };
      this.svg.addEventListener('pointerup', stop);
      this.svg.addEventListener('pointercancel', stop);
    }
    let pending = false;
    this.onScroll = () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; if (this.m.virtual) this.render(); this.updateHead(); });
    };
    scroller.addEventListener('scroll', this.onScroll, { passive: true });
    window.addEventListener('resize', this.onScroll);
    this.render(true);
    this.updateHead();
    // On a narrow screen, start with the first host's labels and line in view rather than the notes.
    if (!mount && scroller.clientWidth && scroller.clientWidth < model.width) {
      scroller.scrollLeft = Math.max(0, model.hostX[0] - 172);
    }
  }

  // A new model of the same trace (another zoom): the diagram is redrawn, the cursor kept.
  setModel(model, { draw = true } = {}) {
    this.m = model;
    this.svg.setAttribute('class', model.dense ? 'ladder dense' : 'ladder');
    this.svg.setAttribute('width', model.width);
    this.svg.setAttribute('height', model.height);
    this.svg.setAttribute('viewBox', `0 0 ${model.width} ${model.height}`);
    this.svg.dataset.zoom = String(model.zoom);
    this.svg.dataset.bands = String(model.bands);
    // On top of everything, the time axis is a scrubber: drag along it to move the cursor.
    const grab = this.scrub && model.axisW === AXIS_W
      ? `<rect class="axisgrab" x="0" y="0" width="${AXIS_W}" height="${model.height.toFixed(1)}"><title>drag to move the cursor</title></rect>` : '';
    this.svg.innerHTML = staticSVG(model, this.mk) + '<g class="items"></g><g class="cursorlayer"></g>' + grab;
    this.layer = this.svg.querySelector('g.items');
    this.cursorLayer = this.svg.querySelector('g.cursorlayer');
    this.drawn = [-1, -1];
    if (!draw) return;
    this.drawCursor();
    this.render(true);
    this.updateHead();
  }

  destroy() {
    this.c.removeEventListener('scroll', this.onScroll);
    window.removeEventListener('resize', this.onScroll);
  }

  // The diagram's y at the top of the scroller's viewport (below the sticky header).
  viewTop() {
    const off = this.svg.getBoundingClientRect().top - this.c.getBoundingClientRect().top + this.c.scrollTop;
    return this.c.scrollTop - off + HEAD_H;
  }

  updateHead() {
    const y = Math.max(TOP, this.viewTop());
    const t = this.m.tOf(y);
    this.head.querySelector('.headt').textContent = y > TOP + 4 ? fmtT(t) : '';
    // (Each socket's state; cut short where it would reach the next host's.)
    const room = this.m.hostNames.length > 1 ? this.m.gap - 16 : 360;
    this.head.querySelectorAll('.headstate').forEach((el) => {
      let s = this.m.stateAt(Number(el.dataset.h), t);
      if (textWidth(s, 11) > room) { while (s.length > 4 && textWidth(s + '…', 11) > room) s = s.slice(0, -1); s += '…'; }
      el.textContent = s;
    });
  }

  render(force = false) {
    const m = this.m;
    let top = 0, bottom = m.height;
    if (m.virtual) {
      const vh = this.c.clientHeight || window.innerHeight || 800;
      const vt = this.viewTop() - HEAD_H;
      top = vt - vh * 0.5;
      bottom = vt + vh * 1.5;
      if (!force && top >= this.drawn[0] && bottom <= this.drawn[1]) return;
      top -= vh; bottom += vh; // draw a margin so small scrolls need no redraw
    }
    const t0 = performance.now();
    const it = m.items;
    let k = lowerBound(it, top - m.maxSpan, (v) => v.y0);
    const parts = [];
    for (const l of m.long) if (l.y1 >= top && l.y0 <= bottom) parts.push(itemSVG(l, this.cur, this.mk));
    for (; k < it.length && it[k].y0 <= bottom; k++) {
      if (it[k].y1 >= top) parts.push(itemSVG(it[k], this.cur, this.mk));
    }
    this.layer.innerHTML = parts.join('');
    this.drawn = [top, bottom];
    this.redraws++;
    this.svg.dataset.drawnFrom = Math.round(top);
    this.svg.dataset.drawnTo = Math.round(bottom);
    this.svg.dataset.redraws = this.redraws;
    this.svg.dataset.renderMs = (performance.now() - t0).toFixed(1);
  }

  // Scroll so that diagram y is a third of the way down the view.
  scrollToY(y) {
    const vh = this.c.clientHeight;
    const off = this.svg.getBoundingClientRect().top - this.c.getBoundingClientRect().top + this.c.scrollTop;
    this.c.scrollTop = Math.max(0, y + off - HEAD_H - vh / 3);
  }

  // A cursor line at instant t (at y, if given: a row of a crowded instant, or a function giving it
  // at the current zoom) without selecting anything (the other run in the compare view).
  setTimeCursor(t, y = null) {
    this.cur = null;
    this.timeCur = { t, y: typeof y === 'function' ? y : y == null ? null : () => y };
    this.drawCursor();
    this.render(true);
  }

  drawCursor() {
    const m = this.m;
    if (this.cur != null) {
      const y = m.eventY(this.cur); // its own row, where several events share the instant
      this.cursorLayer.innerHTML =
        `<line class="cursor" x1="${m.axisW}" y1="${y.toFixed(1)}" x2="${m.width - 8}" y2="${y.toFixed(1)}"/>` +
        `<text class="cursorlabel" x="${m.axisW + 4}" y="${(y - 4).toFixed(1)}">${fmtT(m.events[this.cur].t)} s</text>`;
    } else if (this.timeCur) {
      const y = this.timeCur.y ? this.timeCur.y() : m.yOf(this.timeCur.t);
      this.cursorLayer.innerHTML = `<line class="cursor" x1="${m.axisW}" y1="${y.toFixed(1)}" x2="${m.width - 8}" y2="${y.toFixed(1)}"/>`;
    } else this.cursorLayer.innerHTML = '';
  }

  setCursor(i) {
    this.cur = i;
    this.timeCur = null;
    this.drawCursor();
    const y = this.m.eventY(i);
    // Scroll so the cursor is visible, then redraw (it also re-applies the highlight).
    const vh = this.c.clientHeight;
    const off = this.svg.getBoundingClientRect().top - this.c.getBoundingClientRect().top + this.c.scrollTop;
    const ys = y + off;
    if (vh && (ys < this.c.scrollTop + HEAD_H + 30 || ys > this.c.scrollTop + vh - 80)) this.c.scrollTop = Math.max(0, ys - HEAD_H - vh / 3);
    this.render(true);
    this.updateHead();
    const el = this.layer.querySelector(`.seg[data-i="${i}"]`);
    if (el) {
      const x = Number(el.querySelector('line.arrow')?.getAttribute('x1'));
      if (x && (x < this.c.scrollLeft || x > this.c.scrollLeft + this.c.clientWidth)) this.c.scrollLeft = Math.max(0, x - 200);
    }
  }
}
