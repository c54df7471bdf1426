// Secrets censored by key name at any depth, without touching the caller's
// objects, and through child-logger bindings as well as logged fields.
import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { createLogger } from '../../exporter/logging/ecs-logger.ts';
import { REDACTED, redactSecrets } from '../../exporter/logging/redact.ts';

describe('redactSecrets', () => {
  test('censors secret keys at any depth, case-insensitively, in objects and arrays', () => {
    const fields = {
      Authorization: 'Bearer a',
      user: { name: 'ada', password: 'p' },
      http: { request: { headers: { cookie: 'c', 'x-api-key': 'k', accept: '*/*' } } },
      upstreams: [{ url: 'http://x', access_token: 't' }, { url: 'http://y' }],
    };
    expect(redactSecrets(fields)).toEqual({
      Authorization: REDACTED,
      user: { name: 'ada', password: REDACTED },
      http: { request: { headers: { cookie: REDACTED, 'x-api-key': REDACTED, accept: '*/*' } } },
      upstreams: [{ url: 'http://x', access_token: REDACTED }, { url: 'http://y' }],
    });
  });

  test("never mutates the caller's objects, and returns untouched ones as they are", () => {
    const headers = { authorization: 'Bearer a', accept: '*/*' };
    const fields = { req: { headers }, other: { ok: true } };
    const out = redactSecrets(fields);
    expect(headers.authorization).toBe('Bearer a');
    expect(out).not.toBe(fields);
    expect(out.other).toBe(fields.other); // nothing to censor there: not copied
    const clean = { a: 1, b: { c: 'd' } };
    expect(redactSecrets(clean)).toBe(clean);
  });

  test('leaves class instances (errors, dates, buffers) to their serialisers and stops at depth 6', () => {
    const err = Object.assign(new Error('x'), { password: 'p' });
    const date = new Date(0);
    const fields = { err, date, buf: Buffer.from('token'), a: { b: { c: { d: { e: { f: { g: { password: 'deep' } } } } } } } };
    const out = redactSecrets(fields);
    expect(out.err).toBe(err);
    expect(out.date).toBe(date);
    expect(out).toBe(fields); // the only secret is deeper than any log shape
  });
});

describe('the app logger', () => {
  test('censors secrets in child bindings as well as in logged fields', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const { logger, close } = createLogger({ serviceName: 's', destination });
    const headers = { authorization: 'Bearer s3cr3t', 'user-agent': 'probe' };
    logger.child({ req: { headers } }).info({ session: { token: 's3cr3t-2' } }, 'hello');
    logger.child({ tenant: 't1' }).child({ upstream: { cookie: 's3cr3t-3' } }).info('grandchild');
    await close();
    expect(lines.join('\n')).not.toMatch(/s3cr3t/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ req: { headers: { authorization: REDACTED, 'user-agent': 'probe' } }, session: { token: REDACTED } });
    expect(JSON.parse(lines[1]!)).toMatchObject({ tenant: 't1', upstream: { cookie: REDACTED }, message: 'grandchild' });
    expect(headers.authorization).toBe('Bearer s3cr3t');
  });
});
