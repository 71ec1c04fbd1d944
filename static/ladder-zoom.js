// ladder-zoom.js — zooming a ladder's time axis (one ladder, or the two of the compare view together).
//
// − / + (×2), reset; ctrl/⌘ + wheel or a trackpad pinch, a two-finger pinch on a touch screen;
// the keys + and − (0 resets). The instant under the pointer (or under the cursor, when it is in
// view; else the middle of the view) stays where it is. A click on a summary band zooms into its
// stretch. The zoom is kept in the page address (…?zoom=8) without reloading the view.

import { h } from './dom.js';
import { t } from './i18n.js';

export class LadderZoom {
  // scroller: the element that scrolls the ladders; ladders: [Ladder]; build(z) → one model per
  // ladder at zoom z (clamped to the trace's limits); zoom: the zoom the models were built at.
  constructor(scroller, ladders, build, { zoom = 1, onZoom } = {}) {
    this.c = scroller;
    this.ladders = ladders;
    this.build = build;
    this.z = zoom;
    this.onZoom = onZoom;
    this.pending = null; // {z, clientY} applied at the next frame
    const m = ladders[0].m;
    this.zMin = m.zMin; this.zMax = m.zMax;

    this.out = h('button', { type: 'button', class: 'secondary zoom-out', title: t('zoomOut'), 'aria-label': t('zoomOut') }, '−');
    this.in = h('button', { type: 'button', class: 'secondary zoom-in', title: t('zoomIn'), 'aria-label': t('zoomIn') }, '+');
    this.reset = h('button', { type: 'button', class: 'secondary zoom-reset', title: t('zoomReset') }, t('zoomResetShort'));
    this.readout = h('span', { class: 'zoom-level', role: 'status', 'aria-live': 'polite' });
    this.note = h('span', { class: 'zoom-note muted' });
    this.el = h('div', { class: 'ladder-tools', role: 'group', 'aria-label': t('zoomGroup') },
      h('span', { class: 'zoom-label' }, t('zoomTime')), this.out, this.in, this.reset, this.readout, this.note);
    this.out.addEventListener('click', () => this.by(0.5));
    this.in.addEventListener('click', () => this.by(2));
    this.reset.addEventListener('click', () => this.to(1));

    // ctrl/⌘ + wheel (a trackpad pinch arrives as one too): zoom about the pointer.
    this.onWheel = (e) => {
      if (!e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      const k = e.deltaMode === 1 ? 0.05 : e.deltaMode === 2 ? 1 : 0.0025;
      this.schedule((this.pending?.z ?? this.z) * Math.exp(-e.deltaY * k), e.clientY);
    };
    scroller.addEventListener('wheel', this.onWheel, { passive: false });
    // Two fingers on a touch screen.
    let pinch = null;
    const dist = (e) => Math.hypot(e.touches[0].clientX - e.touches[1].clientX, e.touches[0].clientY - e.touches[1].clientY);
    this.onTouch = (e) => {
      if (e.touches.length !== 2) { pinch = null; return; }
      if (e.type === 'touchstart' || !pinch) {
        pinch = { d: dist(e) || 1, z: this.z, y: (e.touches[0].clientY + e.touches[1].clientY) / 2 };
        return;
      }
      e.preventDefault();
      this.schedule(pinch.z * dist(e) / pinch.d, pinch.y);
    };
    for (const ev of ['touchstart', 'touchmove', 'touchend', 'touchcancel']) scroller.addEventListener(ev, this.onTouch, { passive: false });
    this.onKey = (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest?.('input, textarea, select, button, summary')) return;
      if (e.key === '+' || e.key === '=') { e.preventDefault(); this.by(2); }
      else if (e.key === '-' || e.key === '_' || e.key === '−') { e.preventDefault(); this.by(0.5); }
      else if (e.key === '0') { e.preventDefault(); this.to(1); }
    };
    document.addEventListener('keydown', this.onKey);
    this.show();
  }

  destroy() {
    this.c.removeEventListener('wheel', this.onWheel);
    for (const ev of ['touchstart', 'touchmove', 'touchend', 'touchcancel']) this.c.removeEventListener(ev, this.onTouch);
    document.removeEventListener('keydown', this.onKey);
  }

  clamp(z) { return Math.min(this.zMax, Math.max(this.zMin, z)); }

  by(f) { this.to(this.z * f); }

  schedule(z, clientY) {
    this.pending = { z: this.clamp(z), clientY };
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = null;
      const p = this.pending;
      this.pending = null;
      this.to(p.z, p.clientY);
    });
  }

  // The client y to keep still: the given one, else the cursor's if in view, else the view's middle.
  anchorY(clientY) {
    if (clientY != null) return clientY;
    const r = this.c.getBoundingClientRect();
    const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, window.innerHeight || r.bottom);
    for (const l of this.ladders) {
      const y = l.cursorLayer.querySelector('.cursor')?.getAttribute('y1');
      if (y == null) continue;
      const cy = l.svg.getBoundingClientRect().top + Number(y);
      if (cy >= top + 40 && cy <= bottom) return cy;
    }
    return (top + bottom) / 2;
  }

  // Zoom to z, keeping the instant at client y `clientY` where it is.
  to(z, clientY = null) {
    z = this.clamp(z);
    if (Math.abs(z - this.z) < 1e-9 * this.z) { this.show(); return; }
    const l0 = this.ladders[0];
    const cy = this.anchorY(clientY);
    const svgTop = l0.svg.getBoundingClientRect().top;
    const tAnchor = l0.m.tOf(cy - svgTop);
    const off = svgTop - this.c.getBoundingClientRect().top + this.c.scrollTop; // svg top in scroll coords
    this.apply(z, () => { this.c.scrollTop = Math.max(0, off + l0.m.yOf(tAnchor) - (cy - this.c.getBoundingClientRect().top)); });
  }

  // Zoom into the time range [t0, t1] (a summary band): it fills most of the view, or at least ×2.
  range(t0, t1) {
    const l0 = this.ladders[0];
    const vh = Math.min(this.c.clientHeight || 600, window.innerHeight || 800);
    const hNow = Math.max(1, l0.m.yOf(t1) - l0.m.yOf(t0));
    const z = this.clamp(this.z * Math.max(2, (vh * 0.6) / hNow));
    const off = l0.svg.getBoundingClientRect().top - this.c.getBoundingClientRect().top + this.c.scrollTop;
    this.apply(z, () => { this.c.scrollTop = Math.max(0, off + l0.m.yOf(t0) - 90); });
  }

  apply(z, scroll) {
    const t0 = performance.now();
    const models = this.build(z);
    this.z = models[0].zoom;
    this.ladders.forEach((l, k) => l.setModel(models[k], { draw: false }));
    scroll();
    for (const l of this.ladders) { l.drawCursor(); l.render(true); l.updateHead(); }
    this.c.dataset.zoomMs = (performance.now() - t0).toFixed(0);
    this.show();
    // Keep the zoom in the address (replaceState: no hashchange, so the view is not rebuilt).
    const [path, q] = location.hash.replace(/^#/, '').split('?');
    const params = new URLSearchParams(q || '');
    if (Math.abs(this.z - 1) < 1e-9) params.delete('zoom'); else params.set('zoom', String(Number(this.z.toPrecision(3))));
    const qs = params.toString();
    history.replaceState(history.state, '', `#${path}${qs ? '?' + qs : ''}`);
    this.onZoom?.(this.z);
  }

  show() {
    const z = this.z;
    this.readout.textContent = `×${z >= 10 ? Math.round(z) : Number(z.toPrecision(2))}`;
    this.out.disabled = z <= this.zMin * 1.0001;
    this.in.disabled = z >= this.zMax * 0.9999;
    this.reset.disabled = Math.abs(z - 1) < 1e-9;
    const bands = this.ladders.reduce((n, l) => n + (l.m.bands || 0), 0);
    this.note.textContent = bands ? t('zoomBands') : '';
    this.c.dataset.zoom = String(z);
  }
}
