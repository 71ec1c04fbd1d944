// i18n.js — the chosen language (en | zh): from ?lang= on the page URL, else localStorage,
// else the browser's preference. It drives ?lang= on API calls and which half of each note is shown.

const KEY = 'tcplab.lang';
const LANGS = ['en', 'zh'];

function initial() {
  const q = new URLSearchParams(location.search).get('lang');
  if (q && LANGS.includes(q)) return q;
  try {
    const s = localStorage.getItem(KEY);
    if (LANGS.includes(s)) return s;
  } catch { /* ignore */ }
  return (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

let current = initial();

export function lang() { return current; }

export function setLang(l) {
  if (!LANGS.includes(l)) return;
  current = l;
  try { localStorage.setItem(KEY, l); } catch { /* ignore */ }
  // A ?lang= on the URL would win at the next load; keep it in step with the choice.
  const url = new URL(location.href);
  if (url.searchParams.has('lang')) {
    url.searchParams.set('lang', l);
    history.replaceState(null, '', url);
  }
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}

const STRINGS = {
  en: {
    catalogue: 'Scenarios', runs: 'Past runs', run: 'Run', running: 'Running…',
    params: 'Parameters', noParams: 'No parameters.', default: 'default',
    loading: 'Loading…', error: 'Error', openRun: 'open', delete: 'Delete',
    deletePrompt: 'Delete token for run', deleted: 'Deleted.', more: 'More…',
    created: 'created', scenario: 'scenario', outcome: 'outcome', segments: 'segments',
    events: 'events', download: 'Download', traceJson: 'trace JSON', textLadder: 'text ladder',
    pcap: 'pcap', eventList: 'Events (text)', sockets: 'Sockets at', details: 'Segment',
    clickSeg: 'Click a segment for its fields. ←/→ or j/k step through events.',
    notFound: 'Not found', back: 'Catalogue', custom: 'custom', lost: 'lost',
    retrans: 'retransmissions', endTime: 'end', showing: 'Showing events',
    prev: 'Earlier', next: 'Later', legend: 'Legend', legendData: 'segment',
    legendLost: 'lost', legendInj: 'injected', legendRetx: 'retransmission', legendRst: 'RST',
    legendBreak: 'time break', cursor: 'Cursor', large: 'Large trace: drawing only what is on screen.',
  },
  zh: {
    catalogue: '场景', runs: '历史运行', run: '运行', running: '运行中…',
    params: '参数', noParams: '无参数。', default: '默认',
    loading: '加载中…', error: '错误', openRun: '打开', delete: '删除',
    deletePrompt: '输入删除令牌，运行', deleted: '已删除。', more: '更多…',
    created: '创建于', scenario: '场景', outcome: '结果', segments: '报文段',
    events: '事件', download: '下载', traceJson: '跟踪 JSON', textLadder: '文本时序图',
    pcap: 'pcap', eventList: '事件列表（文本）', sockets: '套接字表，时刻', details: '报文段',
    clickSeg: '点击报文段查看字段。←/→ 或 j/k 逐个事件移动。',
    notFound: '未找到', back: '场景目录', custom: '自定义', lost: '丢失',
    retrans: '重传', endTime: '结束', showing: '显示事件',
    prev: '更早', next: '更晚', legend: '图例', legendData: '报文段',
    legendLost: '丢失', legendInj: '伪造', legendRetx: '重传', legendRst: 'RST',
    legendBreak: '时间折断', cursor: '光标', large: '大型跟踪：只绘制可见部分。',
  },
};

export function t(key) { return STRINGS[current][key] ?? STRINGS.en[key] ?? key; }

// The note of an event in the chosen language (falls back to English).
export function noteText(note) {
  if (!note) return '';
  return note[current] || note.en || '';
}
