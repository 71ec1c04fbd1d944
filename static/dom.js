// dom.js — small DOM helpers shared by the viewer's pages.

import { t } from './i18n.js';

// h('div', {class: 'x', onclick: fn}, child, 'text', [more]) → element.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c != null) el.append(c.nodeType ? c : document.createTextNode(String(c)));
  return el;
}

// Inline `code` in claims and descriptions.
export function rich(text) {
  const frag = document.createDocumentFragment();
  String(text || '').split(/(`[^`]+`)/).forEach((part) => {
    if (part.startsWith('`') && part.endsWith('`') && part.length > 1) frag.append(h('code', {}, part.slice(1, -1)));
    else frag.append(part);
  });
  return frag;
}

export function showError(err) {
  return h('div', { class: 'error', role: 'alert' }, `${t('error')}: ${err.message || err}`);
}

// Performance marks the browser test reads back (window.tcplabMarks): name → ms since navigation.
export function mark(name) {
  const now = performance.now();
  (window.tcplabMarks ||= {})[name] = now;
  try { performance.mark(`tcplab:${name}`); } catch { /* old browsers */ }
  return now;
}
