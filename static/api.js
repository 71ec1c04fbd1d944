// api.js — thin wrappers around tcplab's REST API (see README "The REST API").

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
}

// body: a value sent as JSON, or a string sent as it is (the JSON editor's text, so the line and
// column of a 400 point into what the user typed). phase(name) is told 'fetched' and 'parsed'.
async function request(method, path, { body, headers, phase } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...(headers || {}) } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(path, init);
  if (res.status === 204) return null;
  const text = await res.text();
  phase?.('fetched');
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
  phase?.('parsed');
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

const enc = encodeURIComponent;

export const api = {
  scenarios: (lang) => request('GET', `/api/scenarios?lang=${enc(lang)}`),
  scenario: (id, lang) => request('GET', `/api/scenarios/${enc(id)}?lang=${enc(lang)}`),
  createRun: (body) => request('POST', '/api/runs', { body }),
  runs: (url) => request('GET', url || '/api/runs?limit=20'),
  run: (id) => request('GET', `/api/runs/${enc(id)}`),
  trace: (id, phase) => request('GET', `/api/runs/${enc(id)}/trace`, { phase }),
  sockets: (id, t) => request('GET', `/api/runs/${enc(id)}/sockets?at=${enc(String(t))}`),
  deleteRun: (id, token) => request('DELETE', `/api/runs/${enc(id)}`,
    { headers: { Authorization: `Bearer ${token}` } }),
  links: (id) => ({
    trace: `/api/runs/${enc(id)}/trace`,
    text: `/api/runs/${enc(id)}/trace.txt`,
    pcap: `/api/runs/${enc(id)}/trace.pcap`,
  }),
};

// Delete tokens are shown only once, in the 201; remember the ones this browser received.
const TOKENS = 'tcplab.deleteTokens';
export function rememberToken(id, token) {
  try {
    const all = JSON.parse(localStorage.getItem(TOKENS) || '{}');
    all[id] = token;
    localStorage.setItem(TOKENS, JSON.stringify(all));
  } catch { /* storage may be unavailable */ }
}
export function knownToken(id) {
  try { return JSON.parse(localStorage.getItem(TOKENS) || '{}')[id] || ''; } catch { return ''; }
}
export function forgetToken(id) {
  try {
    const all = JSON.parse(localStorage.getItem(TOKENS) || '{}');
    delete all[id];
    localStorage.setItem(TOKENS, JSON.stringify(all));
  } catch { /* ignore */ }
}
