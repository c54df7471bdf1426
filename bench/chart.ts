// The suite's chart as one self-contained SVG: throughput ratios to bare
// Express per case (with the goals), and /metrics render time (the scrape
// after a tenth of the label sets changed) against the number of series in
// the Prometheus sense (sample lines), ours and prom-client's, on log scales.
// Usage (to redraw from saved figures): node bench/chart.ts docs/bench/results.json docs/bench/chart.svg
import { readFile, writeFile } from 'node:fs/promises';
import type { OverheadRow } from './overhead.ts';
import type { ScrapeRow } from './render.ts';

const W = 900;
const FONT = 'font-family="system-ui, sans-serif" font-size="12"';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const text = (x: number, y: number, s: string, extra = '') => `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${FONT} ${extra}>${esc(s)}</text>`;

function overheadPanel(rows: readonly OverheadRow[], top: number): { svg: string; height: number } {
  const left = 250;
  const right = W - 60;
  const bar = 22;
  const max = Math.max(1.1, ...rows.map((r) => r.ratioToBare));
  const x = (v: number) => left + (v / max) * (right - left);
  const out = [text(20, top + 20, 'Throughput ratio to bare Express 5 (hello route, median of alternating pairs)', 'font-weight="bold"')];
  const y0 = top + 40;
  rows.forEach((r, i) => {
    const y = y0 + i * (bar + 8);
    out.push(text(left - 8, y + bar * 0.7, r.name, 'text-anchor="end"'));
    out.push(`<rect x="${left}" y="${y}" width="${(x(r.ratioToBare) - left).toFixed(1)}" height="${bar}" fill="${r.name.startsWith('kit') ? '#3274d9' : '#8e8e8e'}"/>`);
    out.push(text(x(r.ratioToBare) + 6, y + bar * 0.7, r.ratioToBare.toFixed(2)));
  });
  const bottom = y0 + rows.length * (bar + 8);
  // Labels on two rows: 1.0 and 0.97 are a few pixels apart.
  for (const [goal, label, row] of [
    [1, 'bare', 0],
    [0.97, 'goal: metrics ≥ 0.97', 1],
    [0.8, 'goal: full ≥ 0.80', 0],
  ] as const) {
    out.push(`<line x1="${x(goal)}" y1="${y0 - 6}" x2="${x(goal)}" y2="${bottom + row * 14}" stroke="#d44a3a" stroke-dasharray="4 3"/>`);
    out.push(text(x(goal), bottom + 14 + row * 14, label, `text-anchor="${row === 1 ? 'end' : 'middle'}" fill="#d44a3a"`));
  }
  return { svg: out.join('\n'), height: bottom + 44 - top };
}

function scrapePanel(rows: readonly ScrapeRow[], top: number): { svg: string; height: number } {
  const left = 80;
  const right = W - 220;
  const height = 260;
  const bottom = top + 40 + height;
  // x = Prometheus series (sample lines), as ScrapeRow.series counts them; stress sizes are marked on their tick.
  const sizes = [...new Set(rows.map((r) => r.series))].sort((a, b) => a - b);
  const stress = new Set(rows.filter((r) => r.stress === true).map((r) => r.series));
  const ms = rows.map((r) => r.ms);
  const [minX, maxX] = [Math.log10(Math.min(...sizes)) - 0.2, Math.log10(Math.max(...sizes)) + 0.2];
  const [minY, maxY] = [Math.floor(Math.log10(Math.min(...ms, 1))), Math.ceil(Math.log10(Math.max(...ms, 10)))];
  const x = (n: number) => left + ((Math.log10(n) - minX) / (maxX - minX || 1)) * (right - left);
  const y = (v: number) => bottom - ((Math.log10(Math.max(v, 10 ** minY)) - minY) / (maxY - minY || 1)) * height;
  const out = [text(20, top + 20, '/metrics render time, 10% of label sets changed since the last scrape, against series (sample lines, as Prometheus counts them; log scales); dashed: 10 ms', 'font-weight="bold"')];
  for (let p = minY; p <= maxY; p++) {
    out.push(`<line x1="${left}" y1="${y(10 ** p)}" x2="${right}" y2="${y(10 ** p)}" stroke="#ddd"/>`, text(left - 6, y(10 ** p) + 4, `${10 ** p} ms`, 'text-anchor="end"'));
  }
  for (const n of sizes) out.push(text(x(n), bottom + 16, `${n.toLocaleString('en')} series${stress.has(n) ? ' (stress)' : ''}`, 'text-anchor="middle"'));
  out.push(`<line x1="${left}" y1="${y(10)}" x2="${right}" y2="${y(10)}" stroke="#d44a3a" stroke-dasharray="4 3"/>`);
  const colors: Record<string, string> = { 'ours-prometheus': '#3274d9', 'ours-openmetrics': '#73bf69', 'prom-client': '#8e8e8e' };
  let legend = top + 50;
  for (const renderer of Object.keys(colors)) {
    const pts = rows.filter((r) => r.renderer === renderer).sort((a, b) => a.series - b.series);
    if (pts.length === 0) continue;
    out.push(`<polyline fill="none" stroke="${colors[renderer]}" stroke-width="2" points="${pts.map((p) => `${x(p.series).toFixed(1)},${y(p.ms).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) out.push(`<circle cx="${x(p.series).toFixed(1)}" cy="${y(p.ms).toFixed(1)}" r="3.5" fill="${colors[renderer]}"><title>${esc(`${renderer}, ${p.series.toLocaleString('en')} series (${p.labelSets.toLocaleString('en')} label sets): ${p.ms.toFixed(1)} ms, longest block ${p.blockMaxMs.toFixed(1)} ms`)}</title></circle>`);
    out.push(`<rect x="${right + 20}" y="${legend - 9}" width="12" height="12" fill="${colors[renderer]}"/>`, text(right + 38, legend + 1, renderer));
    legend += 20;
  }
  return { svg: out.join('\n'), height: bottom + 30 - top };
}

export function chartCaption(command: string, node: string, started: Date, smoke: boolean): string {
  return `${command} · Node ${node} · ${started.toISOString().slice(0, 16)}Z${smoke ? ' · SMOKE RUN: figures not meaningful' : ''}`;
}

export function benchChart(overhead: readonly OverheadRow[], scrape: readonly ScrapeRow[], caption: string): string {
  const a = overheadPanel(overhead, 0);
  const b = scrapePanel(scrape, a.height + 10);
  const height = a.height + 10 + b.height + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}">`,
    `<rect width="${W}" height="${height}" fill="#fff"/>`,
    a.svg,
    b.svg,
    text(20, height - 10, caption, 'fill="#666"'),
    '</svg>',
    '',
  ].join('\n');
}

if (import.meta.main) {
  const [input = 'docs/bench/results.json', output = 'docs/bench/chart.svg'] = process.argv.slice(2);
  const r = JSON.parse(await readFile(input, 'utf8')) as { command: string; started: string; node: string; smoke: boolean; overhead: OverheadRow[]; scrape: ScrapeRow[] };
  await writeFile(output, benchChart(r.overhead, r.scrape, chartCaption(r.command, r.node, new Date(r.started), r.smoke)));
}
