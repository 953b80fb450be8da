// EdgeCommerce live dashboard: polls /dashboard/data.json every second and draws SVG charts.
// No framework and no CDN: everything is served by the node itself. Text from the data is set
// with textContent only, never parsed as HTML.
(() => {
  'use strict';
  const SVG = 'http://www.w3.org/2000/svg';
  const WIDTH = 420, HEIGHT = 130, PAD_LEFT = 60, PAD_BOTTOM = 18, PAD_TOP = 8;
  let updates = 0;
  let minSamples = 20;
  let lastSuccess = 0;

  const el = (tag, attrs = {}, text) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const svgEl = (tag, attrs = {}, text) => {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const fmtMs = (v) => v === null || v === undefined ? '—' : (v < 1 ? v.toFixed(3) : v < 10 ? v.toFixed(2) : v.toFixed(1));
  const fmtNum = (v, digits = 0) => v === null || v === undefined ? '—' : Number(v).toLocaleString('en', { maximumFractionDigits: digits });
  const fmtRatio = (v) => v === null || v === undefined ? '—' : (v * 100).toFixed(1) + '%';
  // Axis labels stay short whatever the scale (a label of 1,000 ms or more reads in seconds).
  const fmtAxisMs = (v) => v >= 1000 ? Number((v / 1000).toPrecision(3)) + ' s' : Number(v.toPrecision(3)) + ' ms';
  // The width a chart is drawn at: its container's, so text stays at its CSS size however wide the panel.
  const widthOf = (id, fallback) => { const node = typeof id === 'string' ? document.getElementById(id) : id; return Math.max(280, Math.round((node && node.clientWidth) || fallback)); };
  const thin = (count) => !(count >= minSamples);

  // A nice upper bound for the y axis: 1, 2 or 5 times a power of ten.
  const niceMax = (v) => {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  };

  // Lines over 60 one-second points; null values break the line (no requests that second).
  function lineChart(series, { max, unit, classes, fixedMax, width = WIDTH }) {
    const svg = svgEl('svg', { viewBox: `0 0 ${width} ${HEIGHT}` });
    const plotW = width - PAD_LEFT - 4, plotH = HEIGHT - PAD_BOTTOM - PAD_TOP;
    const top = fixedMax ?? niceMax(max);
    for (let i = 0; i <= 4; i++) {
      const y = PAD_TOP + plotH - (plotH * i / 4);
      svg.append(svgEl('line', { class: 'grid', x1: PAD_LEFT, x2: width - 4, y1: y, y2: y }));
      const label = unit === '%' ? Math.round(top * i / 4 * 100) + '%' : fmtAxisMs(top * i / 4);
      svg.append(svgEl('text', { class: 'axis', x: PAD_LEFT - 4, y: y + 3, 'text-anchor': 'end' }, label));
    }
    svg.append(svgEl('text', { class: 'axis', x: PAD_LEFT, y: HEIGHT - 4 }, '-60 s'));
    svg.append(svgEl('text', { class: 'axis', x: width - 4, y: HEIGHT - 4, 'text-anchor': 'end' }, 'now'));
    series.forEach((values, index) => {
      let d = '';
      let pen = false;
      values.forEach((v, i) => {
        if (v === null || v === undefined) { pen = false; return; }
        const x = PAD_LEFT + plotW * i / Math.max(1, values.length - 1);
        const y = PAD_TOP + plotH - plotH * Math.min(v, top) / top;
        // A point with no neighbour is a zero-length stroke: round caps draw it as a dot.
        d += (pen ? 'L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1) + (pen ? '' : 'l0 0');
        pen = true;
      });
      svg.append(svgEl('path', { class: classes[index], d }));
    });
    return svg;
  }

  // One bar per edge, drawn at the panel's own width so labels keep the axis font size; a bar
  // resting on fewer than minSamples requests is greyed and says how many.
  function barChart(items, width) {
    const height = 24 + items.length * 22;
    const svg = svgEl('svg', { viewBox: `0 0 ${width} ${height}`, width, height });
    const max = niceMax(Math.max(0, ...items.map(i => i.value ?? 0)));
    const left = 120, plotW = Math.max(60, width - left - 180);
    items.forEach((item, i) => {
      const y = 8 + i * 22;
      svg.append(svgEl('text', { class: 'axis', x: left - 6, y: y + 12, 'text-anchor': 'end' }, item.label));
      const w = item.value === null ? 0 : Math.max(1, plotW * item.value / max);
      svg.append(svgEl('rect', { class: 'bar' + (thin(item.count) ? ' thin' : ''), x: left, y, width: w.toFixed(1), height: 16, rx: 3 }));
      const words = item.value === null ? 'no report' : fmtMs(item.value) + ' ms · n=' + fmtNum(item.count);
      svg.append(svgEl('text', { class: 'axis', x: left + w + 6, y: y + 12 }, words));
    });
    svg.append(svgEl('text', { class: 'axis', x: left, y: height - 2 }, 'P95 each edge reports (last minute)'));
    return svg;
  }

  function tile(title, value, note, cls, attrs = {}) {
    const node = el('div', Object.assign({ class: 'tile' + (cls ? ' ' + cls : '') }, attrs));
    node.append(el('div', { class: 'title' }, title), el('div', { class: 'value' }, value));
    if (note) node.append(el('div', { class: 'note' }, note));
    return node;
  }

  function render(data) {
    const tiles = document.getElementById('tiles');
    const items = [];
    if (data.minSamples) minSamples = data.minSamples;
    const o = data.overall || {};
    // The headline: the viewers' routes only (streams and unmatched requests are counted apart).
    items.push(tile('P95 (all routes)', fmtMs(o.p95Ms) + ' ms',
      'P50 ' + fmtMs(o.p50Ms) + ' ms · P99 ' + fmtMs(o.p99Ms) + ' ms · n=' + fmtNum(o.count) + (thin(o.count) ? ' (too few to trust)' : ''),
      thin(o.count) ? 'thin' : '', { id: 'headline', 'data-p95': o.p95Ms ?? '', 'data-count': o.count ?? 0 }));
    items.push(tile('Requests / s', fmtNum(o.requestsPerSecond, 1), fmtNum(o.count) + ' in the last minute'));
    items.push(tile('5xx', fmtNum(o.serverErrors), 'last minute', o.serverErrors > 0 ? 'bad' : ''));
    if (data.streams) {
      const st = data.streams;
      const kinds = (st.kinds || []).filter(k => k.open > 0).map(k => fmtNum(k.open) + ' ' + k.kind.replace('_', '-'));
      items.push(tile('Open streams', fmtNum(st.open), (kinds.length ? kinds.join(' · ') : 'none') + ' · not in latency'
        + (st.unmatchedLastMinute > 0 ? ' · ' + fmtNum(st.unmatchedLastMinute) + ' unmatched request' + (st.unmatchedLastMinute === 1 ? '' : 's') : ''), '', { id: 'streams', 'data-open': st.open }));
    }
    if (data.cache) {
      items.push(tile('Cache hit ratio', fmtRatio(data.cache.hitRatio),
        `${fmtNum(data.cache.hits)} hits · ${fmtNum(data.cache.misses)} misses · ${fmtNum(data.cache.stale)} stale`));
    }
    if (data.sync) {
      const s = data.sync;
      if (s.connected) {
        items.push(tile('Sync lag', fmtNum(s.lagRevisions) + ' rev', fmtNum(s.lagSeconds, 2) + ' s · revision ' + fmtNum(s.appliedRevision),
          s.lagRevisions > 0 ? 'bad' : 'good', { id: 'sync-lag' }));
      } else {
        // Without the origin the lag is not known: never a green zero.
        const since = s.lastContact ? Math.max(0, Math.round((new Date(data.generatedAt) - new Date(s.lastContact)) / 1000)) : null;
        items.push(tile('Sync lag', 'unknown', (since === null ? 'no contact yet' : 'no contact for ' + fmtNum(since) + ' s') + ' · revision ' + fmtNum(s.appliedRevision),
          'bad word', { id: 'sync-lag' }));
      }
      items.push(tile('Origin link', s.connected ? 'connected' : 'disconnected',
        `${fmtNum(s.reconnects)} reconnects · ${fmtNum(s.snapshots)} snapshots`, (s.connected ? 'good' : 'bad') + ' word', { id: 'origin-link' }));
    }
    for (const t of data.tiles || []) items.push(tile(t.title, t.value ?? '—', t.note, t.value && t.value.length > 8 ? 'word' : '', { 'data-title': t.title }));
    tiles.replaceChildren(...items);

    const cache = document.getElementById('cache');
    if (data.cache && data.cache.series) {
      cache.hidden = false;
      document.getElementById('cache-chart').replaceChildren(
        lineChart([data.cache.series], { unit: '%', classes: ['ratio'], fixedMax: 1, width: widthOf('cache-chart', 1200) }));
    }

    const edges = document.getElementById('edges');
    if (data.edges) {
      edges.hidden = false;
      const list = data.edges.edges || [];
      document.getElementById('edge-chart').replaceChildren(
        barChart(list.map(e => ({ label: e.id, value: e.report ? e.report.p95Ms : null, count: e.report ? e.report.requests : 0 })), widthOf('edge-chart', 1200)));
      const rows = list.map(e => {
        const state = e.healthy ? 'healthy' : e.connected ? 'behind' : 'disconnected';
        const r = e.report || {};
        const tr = el('tr');
        const few = thin(r.requests) ? { class: 'thin', title: 'from ' + fmtNum(r.requests ?? 0) + ' requests' } : {};
        // A disconnected edge's lag is unknown, not zero.
        const lagRev = e.connected ? fmtNum(e.lagRevisions) : '?', lagS = !e.connected || e.lagSeconds === null ? '—' : fmtNum(e.lagSeconds, 2);
        tr.append(el('td', {}, e.id), el('td', {}, e.region), el('td', { class: state }, state),
          el('td', e.connected ? {} : { class: 'unknown' }, lagRev), el('td', e.connected ? {} : { class: 'unknown' }, lagS),
          el('td', few, fmtMs(r.p95Ms)), el('td', few, fmtMs(r.p99Ms)), el('td', {}, fmtNum(r.requestsPerSecond, 1)),
          el('td', {}, fmtRatio(r.hitRatio)));
        return tr;
      });
      document.querySelector('#edge-table tbody').replaceChildren(...rows);
    }

    const routes = document.getElementById('routes');
    if (!data.routes || data.routes.length === 0) {
      routes.replaceChildren(el('p', { class: 'empty' }, 'No requests in the last minute.'));
    } else {
      const routeWidth = widthOf(document.querySelector('#routes .chart'), WIDTH);
      routes.replaceChildren(...data.routes.map(r => {
        const card = el('div', { class: 'route' + (thin(r.count) ? ' thin' : ''), 'data-route': r.route, 'data-count': r.count, 'data-p95': r.p95Ms ?? '' });
        card.append(el('h3', {}, r.route),
          el('div', { class: 'figures' }, `P50 ${fmtMs(r.p50Ms)} · P95 ${fmtMs(r.p95Ms)} · P99 ${fmtMs(r.p99Ms)} ms · n=${fmtNum(r.count)}${thin(r.count) ? ' (too few to trust)' : ''} · ${fmtNum(r.requestsPerSecond, 1)} req/s · ${fmtNum(r.serverErrors)} 5xx`));
        const p50 = r.series.map(s => s.p50Ms), p95 = r.series.map(s => s.p95Ms), p99 = r.series.map(s => s.p99Ms);
        const max = Math.max(0, ...p99.filter(v => v !== null));
        const chart = el('div', { class: 'chart' });
        chart.append(lineChart([p50, p95, p99], { max, unit: 'ms', classes: ['p50', 'p95', 'p99'], width: routeWidth }));
        card.append(chart);
        return card;
      }));
    }
  }

  async function refresh() {
    const status = document.getElementById('status');
    try {
      const response = await fetch('/dashboard/data.json', { cache: 'no-store' });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const data = await response.json();
      render(data);
      updates++;
      lastSuccess = Date.now();
      document.body.dataset.updates = String(updates);
      document.body.dataset.state = 'live';
      status.className = 'status';
      status.textContent = 'live · ' + new Date(data.generatedAt).toLocaleTimeString();
    } catch (err) {
      document.body.dataset.state = 'error';
      status.className = 'status stale';
      status.textContent = 'no data (' + err.message + ')' + (lastSuccess ? ', last update ' + Math.round((Date.now() - lastSuccess) / 1000) + ' s ago' : '');
    } finally {
      setTimeout(refresh, 1000);
    }
  }

  refresh();
})();
