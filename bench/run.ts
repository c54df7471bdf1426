// The benchmark suite in one command (`npm run bench`): request overhead
// (variants in separate processes, and again in turns within one process),
// /metrics scrape cost, memory under a junk flood, and the middleware's own
// CPU; writes the tables (Markdown), the raw figures (JSON) and the chart
// (SVG). `--smoke` runs every part briefly, for the test suite: it checks
// that every row and the chart come out, not how fast anything is.
// Usage: node bench/run.ts [--smoke] [--out <dir>]   (default out: docs/bench)
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchChart, chartCaption } from './chart.ts';
import { measureMemory, memoryTable } from './memory.ts';
import { interleavedTable, measureInterleaved } from './interleaved.ts';
import { measureOverhead, overheadTable, WARMUP_SECONDS } from './overhead.ts';
import { measureScrape, SCRAPE_SIZES, scrapeTable } from './render.ts';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, out: { type: 'string', default: 'docs/bench' } } });
const smoke = values.smoke;
const overheadOptions = smoke ? { pairs: 1, seconds: 1, warmupSeconds: 0.5 } : { pairs: 8, seconds: 3, warmupSeconds: WARMUP_SECONDS };
const sizes = smoke ? [1_000, 10_000] : SCRAPE_SIZES;
const reps = smoke ? 1 : 5;
const floodRequests = smoke ? 3_000 : 100_000;
const interleavedSeconds = smoke ? 4 : 30;
// Two in the smoke run, so the pooling over processes runs too.
const interleavedProcesses = smoke ? 2 : 3;

const started = new Date();
const log = (line: string) => console.error(line);
log(`benchmark suite${smoke ? ' (smoke)' : ''}: request overhead`);
const overhead = await measureOverhead(overheadOptions, log);
log('request overhead, in turns within one process');
const interleaved = await measureInterleaved(interleavedSeconds, smoke ? 1 : WARMUP_SECONDS, interleavedProcesses, log);
log('scrape cost');
const scrape = await measureScrape(sizes, reps, log);
log('memory under a junk flood');
const memory = await measureMemory(floodRequests, log);

const command = `node bench/run.ts${smoke ? ' --smoke' : ''}`;
const caption = chartCaption(command, process.version, started, smoke);
const markdown = [`# Benchmark results`, '', `\`${command}\`, ${started.toISOString()}${smoke ? ' (smoke run: the figures mean nothing)' : ''}.`, '', overheadTable(overhead, overheadOptions), '', interleavedTable(interleaved, interleavedSeconds, interleavedProcesses), '', scrapeTable(scrape, reps), '', memoryTable(memory), ''].join('\n');

await mkdir(values.out, { recursive: true });
await writeFile(join(values.out, 'results.md'), markdown);
await writeFile(join(values.out, 'results.json'), `${JSON.stringify({ command, started: started.toISOString(), node: process.version, smoke, overhead, interleaved, scrape, memory }, null, 2)}\n`);
await writeFile(join(values.out, 'chart.svg'), benchChart(overhead, scrape, caption));
console.log(markdown);
log(`wrote ${join(values.out, 'results.md')}, results.json and chart.svg`);
