// The one redaction policy (exporter/redaction.ts): secret names matched
// case-insensitively after percent-decoding, in query strings, matrix
// parameters, absolute-form targets, free text and fields objects at any
// depth, without touching the caller's objects, and through child-logger
// bindings, messages and error texts as well as logged fields.
import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { createLogger } from '../../exporter/logging/ecs-logger.ts';
import { addSecretNames, isSecretName, REDACTED, redactFields as redactSecrets, redactQuery, redactText, redactUrl, splitTarget } from '../../exporter/redaction.ts';

describe('secret names', () => {
  test.each([
    'token', 'access_token', 'refresh_token', 'id_token', 'password', 'passwd', 'pass', 'pwd', 'secret', 'client_secret', 'key', 'api_key', 'apikey',
    'x-api-key', 'jwt', 'auth', 'authorization', 'session', 'sessionid', 'JSESSIONID', 'signature', 'sig', 'X-Amz-Signature', 'credential', 'credentials',
    'code', 'accessToken', 'sessionId', 'user[password]', 'TOKEN', 'Pass', '%74oken', '%70assword', 'api%5Fkey', 'cookie',
  ])('%s is secret', (name) => expect(isSecretName(name)).toBe(true));

  test.each(['page', 'author', 'passenger', 'keyword', 'design', 'promo_code', 'country_code', 'category', 'q', 'bypass', 'monkey'])('%s is not', (name) => expect(isSecretName(name)).toBe(false));

  test('users extend the list, matched case-insensitively', () => {
    expect(isSecretName('tenant_pin')).toBe(false);
    addSecretNames(['PIN']);
    expect(isSecretName('tenant_pin')).toBe(true);
    expect(redactQuery('pin=1234&x=1')).toBe(`pin=${REDACTED}&x=1`);
  });

  test('a target split before a name was added is split again by the new policy (splitTarget remembers the last one)', () => {
    const target = '/a;branch=7/b?branch=7&x=1';
    expect(splitTarget(target)).toEqual({ path: '/a;branch=7/b', query: 'branch=7&x=1' });
    expect(splitTarget(target)).toBe(splitTarget(target));
    addSecretNames(['branch']);
    expect(splitTarget(target)).toEqual({ path: `/a;branch=${REDACTED}/b`, query: `branch=${REDACTED}&x=1` });
  });
});

describe('query, path and URL redaction', () => {
  test('query pairs by either separator, names percent-decoded, others kept verbatim', () => {
    expect(redactQuery('token=A&password=B&page=2')).toBe(`token=${REDACTED}&password=${REDACTED}&page=2`);
    expect(redactQuery('%74oken=A;pwd=B&jwt=C&key=D&pass=E&q=a%20b')).toBe(`%74oken=${REDACTED};pwd=${REDACTED}&jwt=${REDACTED}&key=${REDACTED}&pass=${REDACTED}&q=a%20b`);
    expect(redactQuery('flag&access_token=')).toBe(`flag&access_token=${REDACTED}`);
  });

  test('matrix parameters, absolute-form targets and user info', () => {
    expect(splitTarget('/api/v1/products;token=A;color=red/7;jsessionid=B?sig=C&page=1')).toEqual({
      path: `/api/v1/products;token=${REDACTED};color=red/7;jsessionid=${REDACTED}`,
      query: `sig=${REDACTED}&page=1`,
    });
    expect(splitTarget('http://shop.example:8080/api/v1/products?access_token=A')).toEqual({ path: '/api/v1/products', query: `access_token=${REDACTED}` });
    expect(splitTarget('http://shop.example?token=A')).toEqual({ path: '/', query: `token=${REDACTED}` });
    expect(redactUrl('https://ada:hunter2@api.example/x;key=K?token=T#access_token=F')).toBe(`https://${REDACTED}@api.example/x;key=${REDACTED}?token=${REDACTED}`);
  });

  test('free text: pairs, auth schemes in any case, quoted JSON fields, URL user info', () => {
    const text = 'fetch https://u:pw1@h/p?token=T1 failed; Authorization: bearer T2; basic T3==; {"password":"T4","user":"ada"} api_key=T5';
    const out = redactText(text);
    for (const secret of ['pw1', 'T1', 'T2', 'T3', 'T4', 'T5']) expect(out).not.toContain(secret);
    expect(out).toContain('"user":"ada"');
    expect(redactText('GET /api/v1/products 200')).toBe('GET /api/v1/products 200');
  });
});

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
    logger.error({ err: new Error('GET http://h/x?access_token=s3cr3t-4 failed'), url: { full: 'http://h/?pwd=s3cr3t-5' } }, 'upstream failed: Authorization: Bearer s3cr3t-6');
    await close();
    expect(lines.join('\n')).not.toMatch(/s3cr3t/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ req: { headers: { authorization: REDACTED, 'user-agent': 'probe' } }, session: REDACTED });
    expect(JSON.parse(lines[1]!)).toMatchObject({ tenant: 't1', upstream: { cookie: REDACTED }, message: 'grandchild' });
    expect(headers.authorization).toBe('Bearer s3cr3t');
  });
});
