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
    pdPass: 'the script passed', pdFail: 'the script failed',
    events: 'events', download: 'Download', traceJson: 'trace JSON', textLadder: 'text ladder',
    pcap: 'pcap', eventList: 'Events (text)', sockets: 'Sockets at', details: 'Segment',
    clickSeg: 'Click a segment for its fields. ←/→ or j/k step through events.',
    notFound: 'Not found', back: 'Catalogue', custom: 'custom', lost: 'lost',
    retrans: 'retransmissions', endTime: 'end', showing: 'Showing events',
    prev: 'Earlier', next: 'Later', legend: 'Legend', legendData: 'segment',
    legendLost: 'lost', legendInj: 'injected', legendRetx: 'retransmission', legendRst: 'RST',
    legendBreak: 'time break', cursor: 'Cursor', large: 'Large trace: drawing only what is on screen.',
    editor: 'Write a scenario', streamGraphs: 'stream graphs', ladderLabel: 'ladder diagram',
    legendTimers: 'timers (set ┬ … ● fired, ┴ cancelled)', legendQueue: 'SYN n · accept n/backlog: the listener\'s queues',
    legendDiff: 'only in this run', compare: 'Compare', compareWith: 'Compare with…', otherRunId: 'or a run id:',
    noOtherRuns: 'No other runs of this scenario yet.', drops: 'drops', callErrors: 'call errors',
    compareSelected: 'Compare selected', compareHint: 'Tick two runs to see them side by side on one time axis.',
    compareDefaults: 'Run and compare with defaults', compareDefaultsHelp: 'Runs the defaults and your values, and shows both side by side.',
    compareNeedsChange: 'Change a parameter first: this runs the defaults and your values side by side.',
    editJson: 'Edit as JSON', confirmDelete: 'Delete run', cancel: 'Cancel', tokenNeeded: 'The delete token is needed.',
    compareTitle: 'Compare two runs', summaries: 'Summaries', scenarioDiff: 'What differs in the scenarios',
    sameScenario: 'The scenarios are the same.', diffCount: 'Events only in one run', firstDiff: 'first at',
    noDiff: 'No difference in segments, states, calls, drops, timers fired or queues.', prevDiff: 'Previous difference',
    nextDiff: 'Next difference', swap: 'swap A and B', compareHintKeys: '←/→ or j/k: from one difference to the next.',
    diffList: 'Differences (text)', difference: 'Difference', only: 'only:',
    editorTitle: 'Write a scenario', editorIntro: 'A scenario as JSON (see “Writing a scenario” in the README). Start from a catalogue entry, edit, Run: problems are shown beside the line they name.',
    startFrom: 'Start from', blankScenario: '(a small blank scenario)', editorLabel: 'Scenario JSON', format: 'Format',
    resetDraft: 'Back to the catalogue version', problems: 'Problems', line: 'line', problemsFound: 'problems: see beside the lines',
    notJson: 'Not JSON',
    zoomTime: 'Time axis', zoomIn: 'Zoom in (+, ctrl/⌘ + wheel, pinch)', zoomOut: 'Zoom out (−)', zoomReset: 'Back to zoom ×1 (0)',
    zoomResetShort: 'reset', zoomGroup: 'Zoom of the time axis',
    zoomBands: 'Shaded bands summarize stretches too dense to draw arrow by arrow: click one (or Enter) to zoom in.',
  },
  zh: {
    catalogue: '场景', runs: '历史运行', run: '运行', running: '运行中…',
    params: '参数', noParams: '无参数。', default: '默认',
    loading: '加载中…', error: '错误', openRun: '打开', delete: '删除',
    deletePrompt: '输入删除令牌，运行', deleted: '已删除。', more: '更多…',
    created: '创建于', scenario: '场景', outcome: '结果', segments: '报文段',
    pdPass: '脚本通过', pdFail: '脚本未通过',
    events: '事件', download: '下载', traceJson: '跟踪 JSON', textLadder: '文本时序图',
    pcap: 'pcap', eventList: '事件列表（文本）', sockets: '套接字表，时刻', details: '报文段',
    clickSeg: '点击报文段查看字段。←/→ 或 j/k 逐个事件移动。',
    notFound: '未找到', back: '场景目录', custom: '自定义', lost: '丢失',
    retrans: '重传', endTime: '结束', showing: '显示事件',
    prev: '更早', next: '更晚', legend: '图例', legendData: '报文段',
    legendLost: '丢失', legendInj: '伪造', legendRetx: '重传', legendRst: 'RST',
    legendBreak: '时间折断', cursor: '光标', large: '大型跟踪：只绘制可见部分。',
    editor: '编写场景', streamGraphs: '流图', ladderLabel: '时序图',
    legendTimers: '定时器（┬ 设置 … ● 到期，┴ 取消）', legendQueue: 'SYN n · accept n/backlog：监听套接字的两个队列',
    legendDiff: '仅此运行有', compare: '比较', compareWith: '与…比较', otherRunId: '或输入运行 id：',
    noOtherRuns: '该场景还没有其他运行。', drops: '丢弃', callErrors: '调用错误',
    compareSelected: '比较所选', compareHint: '勾选两个运行，在同一时间轴上并排查看。',
    compareDefaults: '运行并与默认参数比较', compareDefaultsHelp: '分别以默认参数和你填写的参数运行，并排显示。',
    compareNeedsChange: '请先修改一个参数：这会分别以默认参数和你的参数运行并并排显示。',
    editJson: '以 JSON 编辑', confirmDelete: '删除运行', cancel: '取消', tokenNeeded: '需要删除令牌。',
    compareTitle: '比较两次运行', summaries: '摘要', scenarioDiff: '场景的不同之处',
    sameScenario: '两个场景相同。', diffCount: '只在一次运行中出现的事件', firstDiff: '最早于',
    noDiff: '报文段、状态、调用、丢弃、定时器到期与队列均无差别。', prevDiff: '上一处差别',
    nextDiff: '下一处差别', swap: '交换 A 与 B', compareHintKeys: '←/→ 或 j/k：逐个差别移动。',
    diffList: '差别列表（文本）', difference: '差别', only: '独有：',
    editorTitle: '编写场景', editorIntro: '以 JSON 描述的场景（见 README 的“Writing a scenario”）。从目录中的场景开始，编辑后运行：问题显示在它所指的那一行旁边。',
    startFrom: '起点', blankScenario: '（一个小的空白场景）', editorLabel: '场景 JSON', format: '格式化',
    resetDraft: '恢复为目录版本', problems: '问题', line: '行', problemsFound: '个问题：见对应行旁',
    notJson: '不是 JSON',
    zoomTime: '时间轴', zoomIn: '放大（+、ctrl/⌘ + 滚轮、双指缩放）', zoomOut: '缩小（−）', zoomReset: '恢复 ×1（0）',
    zoomResetShort: '复位', zoomGroup: '时间轴缩放',
    zoomBands: '阴影带概括了太密而无法逐条绘制的时段：点击（或按 Enter）放大。',
  },
};

export function t(key) { return STRINGS[current][key] ?? STRINGS.en[key] ?? key; }

// The note of an event in the chosen language (falls back to English).
export function noteText(note) {
  if (!note) return '';
  return note[current] || note.en || '';
}
