// charts.js: the few chart shapes the console draws, on uPlot (small, canvas,
// styles set through CSSOM so the CSP holds; its stylesheet is bundled into
// app.css). Each chart is drawn into a box and redrawn from scratch on
// refresh: a few points every 10 s cost nothing and avoid stale scales.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from '../lib/dom.js';

const ACCENT = '#2457d6';

/** A stats time ("t") as epoch seconds: ISO strings and epoch s/ms accepted. */
export function epoch(t) {
  if (typeof t === 'number') return t > 1e12 ? t / 1000 : t;
  const ms = Date.parse(t);
  return isNaN(ms) ? null : ms / 1000;
}

function width(box) { return Math.max(260, Math.floor(box.clientWidth || 480) - 8); }

/** Draw into box: kind 'line' | 'bars'; xs, ys: numbers; time: x is epoch s. */
/** yRange: [min, max] fixed (e.g. agreement, which may be negative);
 *  default from 0 to a little above the largest value. */
export function drawChart(box, { label, xs, ys, kind = 'line', time = true, xLabel, yLabel, fmtX, yRange }) {
  if (box._plot) { box._plot.destroy(); box._plot = null; }
  box.replaceChildren();
  if (!xs.length) {
    box.append(h('p', { class: 'no-data' }, 'No data yet'));
    return null;
  }
  const series = {
    label, stroke: ACCENT, width: 2,
    fill: kind === 'bars' ? 'rgba(36,87,214,.55)' : 'rgba(36,87,214,.12)',
  };
  if (kind === 'bars') {
    series.paths = uPlot.paths.bars({ size: [0.7, 60] });
    series.points = { show: false };
  }
  const opts = {
    width: width(box), height: 200,
    scales: { x: { time }, y: { range: yRange ? () => yRange : (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [
      { label: xLabel, values: fmtX ? (u, vals) => vals.map(fmtX) : undefined },
      { label: yLabel },
    ],
    series: [{ label: xLabel || 'time', value: fmtX ? (u, v) => (v == null ? '' : fmtX(v)) : undefined }, series],
    cursor: { drag: { x: false, y: false } },
  };
  // Bars are centred on their x: widen the scale by half a step each side so
  // the first and last bars are not cut in half by the plot's edge.
  if (kind === 'bars') {
    let step = Infinity;
    for (let i = 1; i < xs.length; i++) step = Math.min(step, xs[i] - xs[i - 1]);
    if (!isFinite(step) || step <= 0) step = time ? 3600 : 1;
    opts.scales.x.range = [xs[0] - step / 2, xs[xs.length - 1] + step / 2];
  } else if (xs.length === 1) {
    // One point: uPlot's automatic range would span years around it.
    const pad = time ? 3600 : 1;
    opts.scales.x.range = [xs[0] - pad, xs[0] + pad];
  }
  box._plot = new uPlot(opts, [xs, ys], box);
  return box._plot;
}

/** Horizontal bars as plain HTML: for named rows (annotators), where names
 *  must stay readable text and a canvas would hide them from assistive tech. */
export function barList(rows, { label, unit = '' }) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return h('table', { class: 'c-bars', 'aria-label': label },
    h('tbody', null, rows.map((r) => {
      const bar = h('span', { class: 'c-bar' });
      bar.style.width = `${(100 * r.value) / max}%`;
      return h('tr', null,
        h('th', { scope: 'row' }, r.name),
        h('td', { class: 'c-bar-cell' }, bar),
        h('td', { class: 'num' }, `${r.value}${unit}`),
        r.note !== undefined && h('td', { class: 'muted' }, r.note));
    })));
}

/** Resize every chart in root to its box (on window resize). */
export function resizeCharts(root) {
  for (const box of root.querySelectorAll('.chart')) {
    if (box._plot) box._plot.setSize({ width: width(box), height: 200 });
  }
}
