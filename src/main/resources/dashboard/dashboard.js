// The dashboard page: polls the server's two JSON endpoints and draws them with ECharts. Every chart
// writes how many data points it shows into its data-points attribute (a test reads them).
'use strict';

const POLL_MS = 5000;
const charts = {};
let range = 'hour';
let dimension = null;
let timer = null;

function chart(id) {
  if (!charts[id]) {
    charts[id] = echarts.init(document.getElementById(id));
  }
  return charts[id];
}

/** Draws option into chart id, noting its number of data points. */
function draw(id, option, points) {
  option.animation = false;
  chart(id).setOption(option, true);
  document.getElementById(id).dataset.points = String(points);
}

function hourOf(iso) {
  return iso.slice(0, 13) + ':00:00Z';
}

function label(iso) {
  return iso.slice(5, 10) + ' ' + iso.slice(11, 16);
}

function clock(iso) {
  return iso.slice(11, 19);
}

function distinct(values) {
  return [...new Set(values)];
}

function setStatus(status, text) {
  const el = document.getElementById('status');
  el.dataset.status = status;
  el.textContent = text;
}

function drawCost(usage) {
  // Buckets: the windows of the last hour, else hours (usage_hourly).
  const byWindow = usage.grain === 'window';
  const bucketOf = iso => byWindow ? iso : hourOf(iso);
  const starts = distinct(usage.cost_by_model.map(r => r.start)).sort();
  const models = distinct(usage.cost_by_model.map(r => r.model)).sort();
  const value = (field, model, start) => {
    const row = usage.cost_by_model.find(r => r.model === model && r.start === start);
    return row && row[field] !== null ? Number(row[field]) : null;
  };
  const stacked = (field, stack) => models.map(model => ({
    name: model, type: 'bar', stack: stack, data: starts.map(s => value(field, model, s)),
  }));
  const cost = stacked('cost_usd', 'cost');
  // A model's spike marks the top of its bar in the alert's bucket; a dimension value's spike is
  // a line across the bucket, since the value's cost is spread over every model's bar.
  const top = (model, start) => models.slice(0, models.indexOf(model) + 1)
      .reduce((sum, m) => sum + (value('cost_usd', m, start) || 0), 0);
  usage.alerts.forEach(a => {
    const start = bucketOf(a.window_start);
    if (!starts.includes(start)) {
      return;
    }
    if (a.scope === 'model' && models.includes(a.model)) {
      const series = cost[models.indexOf(a.model)];
      series.markPoint = series.markPoint || {data: [], symbolSize: 40};
      series.markPoint.data.push({name: 'spike', value: 'spike', coord: [start, top(a.model, start)]});
    } else if (cost.length > 0) {
      cost[0].markLine = cost[0].markLine || {data: [], symbol: 'none', lineStyle: {color: '#c92a2a'}};
      cost[0].markLine.data.push({xAxis: start, label: {formatter: a.scope + '=' + a.scope_value}});
    }
  });
  const points = usage.cost_by_model.length;
  const option = series => ({
    tooltip: {trigger: 'axis'}, legend: {type: 'scroll'}, grid: {left: 10, right: 20, containLabel: true},
    xAxis: {type: 'category', data: starts, axisLabel: {formatter: byWindow ? clock : label, hideOverlap: true}},
    yAxis: {type: 'value'}, series: series,
  });
  draw('cost', option(cost), points);
  draw('tokens', option(stacked('total_tokens', 'tokens')), points);
}

function drawRate(usage) {
  const rows = usage.rate;
  const minutes = r => (Date.parse(r.window_end) - Date.parse(r.window_start)) / 60000;
  const share = (part, r) => Number(r.requests) === 0 ? null : Number(r[part]) / Number(r.requests);
  draw('rate', {
    tooltip: {trigger: 'axis'}, legend: {}, grid: {left: 10, right: 20, containLabel: true},
    xAxis: {type: 'time', axisLabel: {hideOverlap: true}},
    yAxis: [{type: 'value', name: 'requests/min'},
      {type: 'value', name: 'share', min: 0, max: 1, axisLabel: {formatter: v => Math.round(v * 100) + '%'}}],
    series: [
      {name: 'requests per minute', type: 'line', data: rows.map(r => [r.window_start, Number(r.requests) / minutes(r)])},
      {name: 'streamed share', type: 'line', yAxisIndex: 1, data: rows.map(r => [r.window_start, share('streamed_requests', r)])},
      {name: 'estimated share', type: 'line', yAxisIndex: 1, data: rows.map(r => [r.window_start, share('estimated_requests', r)])},
    ],
  }, rows.length);
}

/** Length and content-filter shares are the quality signals: warm colours; the rest muted. */
const REASONS = [['stop', '#91a7c4'], ['tool_calls', '#b8c9a6'], ['function_call', '#c7b8d6'], ['other', '#cccccc'],
  ['none', '#a0a0a0'], ['length', '#f08c00'], ['content_filter', '#e03131']];

function drawFinish(usage) {
  const rows = usage.finish_reasons;
  draw('finish', {
    tooltip: {trigger: 'axis', valueFormatter: v => (v * 100).toFixed(1) + '%'}, legend: {type: 'scroll'},
    grid: {left: 10, right: 20, containLabel: true},
    xAxis: {type: 'value', min: 0, max: 1, axisLabel: {formatter: v => Math.round(v * 100) + '%'}},
    yAxis: {type: 'category', data: rows.map(r => r.model)},
    series: REASONS.map(([reason, colour]) => ({
      name: reason, type: 'bar', stack: 'share', itemStyle: {color: colour},
      data: rows.map(r => Number(r.choices) === 0 ? 0 : Number(r[reason]) / Number(r.choices)),
    })),
  }, rows.length * REASONS.length);
}

function drawFingerprints(usage) {
  const rows = usage.fingerprints;
  const name = r => r.model + ' ' + r.system_fingerprint;
  draw('fingerprints', {
    tooltip: {}, grid: {left: 10, right: 20, containLabel: true},
    xAxis: {type: 'time', axisLabel: {hideOverlap: true}}, yAxis: {type: 'category', data: rows.map(name)},
    series: rows.map(r => ({
      name: name(r), type: 'line', symbolSize: 8, lineStyle: {width: 6},
      data: [[r.first_seen, name(r)], [r.last_seen, name(r)]],
      markPoint: r.previous_fingerprint === null ? undefined
        : {symbolSize: 34, data: [{name: 'new', value: 'new', coord: [r.first_seen, name(r)]}]},
    })),
  }, rows.length);
}

function bars(id, rows, category, field) {
  draw(id, {
    tooltip: {}, grid: {left: 10, right: 20, containLabel: true},
    xAxis: {type: 'value'}, yAxis: {type: 'category', inverse: true, data: rows.map(category)},
    series: [{type: 'bar', data: rows.map(r => r[field] === null ? null : Number(r[field]))}],
  }, rows.length);
}

function drawSpenders(usage) {
  const select = document.getElementById('dimension');
  const known = usage.dimensions.join(',');
  if (select.dataset.known !== known) {
    select.dataset.known = known;
    select.replaceChildren(...usage.dimensions.map(d => new Option(d, d)));
  }
  select.value = usage.dimension || '';
  dimension = usage.dimension;
  bars('spenders', usage.top_spenders, r => r.value === '' ? '(not set)' : r.value, 'cost_usd');
}

function table(id, columns, rows, attributes) {
  const el = document.getElementById(id);
  const head = document.createElement('tr');
  columns.forEach(c => head.appendChild(Object.assign(document.createElement('th'), {textContent: c})));
  el.replaceChildren(head, ...rows.map(r => {
    const tr = document.createElement('tr');
    columns.forEach(c => tr.appendChild(Object.assign(document.createElement('td'),
      {textContent: r[c] === null ? '' : String(r[c])})));
    (attributes || []).forEach(c => tr.setAttribute('data-' + c.replace(/_/g, '-'), r[c] === null ? '' : String(r[c])));
    return tr;
  }));
  el.dataset.rows = String(rows.length);
}

function drawAccounting(accounting) {
  const note = document.getElementById('accounting-note');
  if (!accounting.available) {
    draw('accounting', {}, 0);
    note.textContent = 'accounting ' + accounting.reason;
    return;
  }
  const terms = ['records_in', 'aggregated', 'rejected', 'duplicates', 'skipped', 'in_flight'];
  bars('accounting', terms.map(t => ({term: t, count: accounting[t]})), r => r.term, 'count');
  const reasons = Object.entries(accounting.rejected_by_reason).map(([r, n]) => r + ' ' + n).join(', ');
  note.textContent = 'records_in ' + accounting.records_in + ' = ' + terms.slice(1).map(t => t + ' ' + accounting[t])
      .join(' + ') + (reasons ? '; rejected by reason: ' + reasons : '');
}

async function getJson(path) {
  const response = await fetch(path, {cache: 'no-store'});
  const body = await response.json();
  if (!response.ok) {
    throw new Error(body.error || ('HTTP ' + response.status));
  }
  return body;
}

async function poll() {
  clearTimeout(timer);
  const query = 'range=' + encodeURIComponent(range) + (dimension ? '&dimension=' + encodeURIComponent(dimension) : '');
  try {
    const [usage, accounting] = await Promise.all([getJson('api/usage?' + query), getJson('api/accounting')]);
    drawCost(usage);
    drawRate(usage);
    drawFinish(usage);
    drawFingerprints(usage);
    bars('tiers', usage.tiers, r => r.tier, 'cost_usd');
    drawSpenders(usage);
    table('latest', ['window_start', 'model', 'requests', 'total_tokens', 'cost_usd'], usage.latest_windows,
      ['window_start', 'model', 'requests', 'total_tokens', 'cost_usd']);
    table('alerts', ['window_start', 'scope', 'scope_value', 'cost_usd', 'baseline_usd', 'ratio'], usage.alerts);
    drawAccounting(accounting);
    setStatus('ok', 'live, updated ' + new Date().toISOString().slice(11, 19) + ' UTC');
  } catch (e) {
    // The server answers 503 while the warehouse is down; the next poll finds it back.
    setStatus('reconnecting', 'reconnecting: ' + e.message);
  }
  timer = setTimeout(poll, POLL_MS);
}

document.getElementById('range').addEventListener('change', e => { range = e.target.value; poll(); });
document.getElementById('dimension').addEventListener('change', e => { dimension = e.target.value; poll(); });
window.addEventListener('resize', () => Object.values(charts).forEach(c => c.resize()));
poll();
