// The local pager's files are bounded like the stack's other logs: pager.log
// and notifications.jsonl rotate to <file>.1 at their size bound, and each
// notification is in both files by the time Alertmanager gets its 200.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { type Pager, startPager } from '../../stack/pager.ts';
import { freePort } from '../support/net.ts';

let pager: Pager | undefined;
afterEach(async () => {
  await pager?.close();
  pager = undefined;
});

const lastLine = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n').at(-1) ?? '';

test('pager.log and notifications.jsonl rotate at their bound; each notification is written before the 200', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pager-'));
  const files = { text: join(dir, 'pager.log'), json: join(dir, 'notifications.jsonl') };
  const BOUND = 2000;
  const printed: string[] = [];
  pager = await startPager({ host: '127.0.0.1', port: await freePort(), logFile: files.text, jsonFile: files.json, print: (lines) => void printed.push(...lines), maxLogBytes: BOUND });

  for (let i = 0; i < 40; i++) {
    const alertname = `Drill${String(i).padStart(2, '0')}`;
    const notification = {
      status: 'firing',
      receiver: 'pager',
      alerts: [{ status: 'firing', labels: { alertname, severity: 'critical', job: 'demo-shop' }, annotations: { summary: 'Something is wrong.', runbook_url: `https://runbooks.example/${alertname}.md` }, startsAt: '2026-12-06T10:00:00Z', endsAt: '0001-01-01T00:00:00Z' }],
    };
    const res = await fetch(pager.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(notification) });
    expect(res.status).toBe(200);
    // Written, not just queued, when the answer comes.
    expect(lastLine(files.text)).toBe(`         runbook: https://runbooks.example/${alertname}.md`);
    expect(JSON.parse(lastLine(files.json))).toEqual(notification);
  }
  await pager.close();
  pager = undefined;

  for (const file of [files.text, files.json]) {
    expect(statSync(file).size).toBeLessThanOrEqual(BOUND);
    expect(statSync(`${file}.1`).size).toBeLessThanOrEqual(BOUND);
    expect(statSync(`${file}.1`).size).toBeGreaterThan(0);
  }
  expect(readFileSync(files.text, 'utf8')).toContain('FIRING   Drill39 critical job=demo-shop -> pager');
  expect(printed.some((l) => l.includes('cannot write'))).toBe(false);
});
