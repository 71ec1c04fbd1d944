// jsonpos.js — where in a JSON text a path such as `steps[3].call` is, so the editor can put an
// API problem beside the line it names; and a compact pretty-printer for scenarios.
//
// positions(text) walks the text once (a small recursive-descent JSON reader that never throws)
// and records, for every value, the offset of its member name (or of the value, for array
// elements and the root). locate(text, path) answers {line, exact}: the line of the path, or of
// its nearest ancestor present in the text when the path names something missing (exact: false).

export function parsePath(path) {
  const parts = [];
  const re = /\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/gy;
  let m;
  while (re.lastIndex < path.length && (m = re.exec(path))) {
    if (m[1] != null) parts.push(m[1]);
    else if (m[2] != null) parts.push(Number(m[2]));
    else parts.push(JSON.parse(`"${m[3]}"`));
  }
  return parts;
}

const key = (parts) => parts.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');

export function positions(text) {
  const at = new Map(); // key(parts) → offset of the member name or element
  let i = 0;
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const str = () => { // at a quote; returns the decoded string
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    try { return JSON.parse(text.slice(start, i)); } catch { return text.slice(start + 1, i - 1); }
  };
  const value = (parts, depth) => {
    ws();
    if (depth > 200 || i >= text.length) return;
    const c = text[i];
    if (c === '{') {
      i++;
      for (;;) {
        ws();
        if (text[i] === '}') { i++; return; }
        if (text[i] !== '"') return;
        const kStart = i;
        const k = str();
        at.set(key([...parts, k]), kStart);
        ws();
        if (text[i] !== ':') return;
        i++;
        value([...parts, k], depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        return;
      }
    } else if (c === '[') {
      i++;
      for (let n = 0; ; n++) {
        ws();
        if (text[i] === ']') { i++; return; }
        at.set(key([...parts, n]), i);
        value([...parts, n], depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        return;
      }
    } else if (c === '"') str();
    else { while (i < text.length && /[^\s,\]}]/.test(text[i])) i++; }
  };
  ws();
  at.set('', i);
  value([], 0);
  return at;
}

export function lineOf(text, offset) {
  let line = 1;
  for (let k = 0; k < offset && k < text.length; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

/** The 1-based line of `path` in `text`, or of its nearest ancestor when it is not there. */
export function locate(text, path, pos = positions(text)) {
  const parts = parsePath(path || '');
  for (let n = parts.length; n >= 0; n--) {
    const off = pos.get(key(parts.slice(0, n)));
    if (off != null) return { line: lineOf(text, off), exact: n === parts.length };
  }
  return { line: 1, exact: false };
}

// JSON with each object or array on one line when it fits in `width` columns (so each step of a
// scenario is one line, and `steps[3]` is line-addressable), else one member per line.
export function pretty(v, width = 100, indent = '') {
  const inline = (x) => {
    if (Array.isArray(x)) return `[${x.map(inline).join(', ')}]`;
    if (x && typeof x === 'object') return `{${Object.entries(x).map(([k, y]) => `${JSON.stringify(k)}: ${inline(y)}`).join(', ')}}`;
    return JSON.stringify(x);
  };
  const one = inline(v);
  if (!v || typeof v !== 'object' || indent.length + one.length <= width) return one;
  const inner = indent + '  ';
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + pretty(x, width, inner)).join(',\n')}\n${indent}]`;
  return `{\n${Object.entries(v).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${pretty(x, width - k.length - 4, inner)}`).join(',\n')}\n${indent}}`;
}
