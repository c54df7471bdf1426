// http_route on real Express 5 (the project's) and Express 4 (the newest
// 4.x and the oldest the peer range allows, installed from the npm registry
// into the repository's .cache on first run),
// the same cases on both: nested routers with params in mount paths, sub-apps,
// a sub-app mounted inside a router, a router mounted twice, router-level
// params, errors thrown in handlers, 404s and unmatched requests. And a
// template that cannot be resolved gives the unmatched value, never a throw.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import express5 from 'express';
import { Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { UNMATCHED_ROUTE } from '../../catalog/http.ts';
import { renderRegistry } from '../../exporter/exposition.ts';
import { httpMetricsMiddleware } from '../../exporter/http-metrics.ts';
import { express4PathText, joinPaths, RouteTemplates } from '../../exporter/route-template.ts';
import { parseSamples } from '../support/samples.ts';
import { listening } from '../support/servers.ts';

/** The newest Express 4 (path-to-regexp 0.1.13) and the oldest the peer range admits (4.17, path-to-regexp 0.1.7, escaped slashes). */
const EXPRESS_4 = ['4.22.3', '4.17.3'] as const;

/** Express 4 from the npm registry, kept in .cache between runs (npm resolves the version by the Node running it). */
async function loadExpress4(release: string): Promise<typeof express5> {
  const dir = join(import.meta.dirname, '..', '..', '.cache', `express-${release}`);
  const installed = join(dir, 'node_modules', 'express', 'package.json');
  if (!(await access(installed).then(() => true, () => false))) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), '{ "private": true }\n');
    await promisify(execFile)('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-save', `express@${release}`], { cwd: dir, timeout: 120_000 });
  }
  const load = createRequire(join(dir, 'index.js'));
  const { version } = load('express/package.json') as { version: string };
  if (version !== release) throw new Error(`.cache/express-${release} holds express ${version}: delete the folder and rerun`);
  return load('express') as typeof express5;
}

const VERSIONS: [string, typeof express5][] = [['Express 5', express5]];
for (const release of EXPRESS_4) VERSIONS.push([`Express ${release}`, await loadExpress4(release)]);

/** `METHOD route status` → request count, from the duration histogram's `_count` series. */
async function routeCounts(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const s of parseSamples(await renderRegistry(registry, 'prometheus'))) {
    if (s.name === 'http_server_request_duration_seconds_count') out[`${s.labels.http_request_method} ${s.labels.http_route} ${s.labels.http_response_status_code}`] = s.value;
  }
  return out;
}

describe.each(VERSIONS)('route templates on %s', (_name, express) => {
  /** An app with the middleware first, as users mount it; each test adds its routes, then `serve()`s it. */
  function instrumentedApp() {
    const registry = new Registry();
    const app = express();
    app.use(httpMetricsMiddleware({ registry, logger: { warn: () => {} } }));
    const serve = async () => {
      const { base } = await listening(app.listen(0, '127.0.0.1'));
      return (path: string) => fetch(`${base}${path}`).then(async (r) => ({ status: r.status, body: await r.text() }));
    };
    return { app, registry, serve };
  }

  test('records nested router templates with params in mount paths, not raw paths', async () => {
    const { app, registry, serve } = instrumentedApp();
    const api = express.Router();
    const users = express.Router();
    app.use('/api/:version', api);
    api.use('/users', users);
    users.get('/:id', (_req, res) => void res.send('user'));
    const get = await serve();

    expect((await get('/api/v1/users/42')).status).toBe(200);
    expect((await get('/api/v2/users/7?expand=orders')).status).toBe(200);

    await expect.poll(() => routeCounts(registry)).toEqual({ 'GET /api/:version/users/:id 200': 2 });
    const text = await renderRegistry(registry, 'prometheus');
    expect(text).not.toContain('/api/v1');
    expect(text).not.toContain('/users/42');
  });

  test('joins root routes and trailing slashes without doubled or trailing slashes', async () => {
    const { app, registry, serve } = instrumentedApp();
    const api = express.Router();
    api.get('/', (_req, res) => void res.send('api root'));
    api.get('/x/', (_req, res) => void res.send('x'));
    app.use('/api/', api);
    const root = express.Router();
    root.get('/', (_req, res) => void res.send('site root'));
    app.use('/', root);
    const get = await serve();

    for (const path of ['/api', '/api/', '/api/x/', '/']) expect((await get(path)).status).toBe(200);

    await expect.poll(() => routeCounts(registry)).toEqual({ 'GET /api 200': 2, 'GET /api/x 200': 1, 'GET / 200': 1 });
  });

  test('gives each request of a router mounted at two paths the template of the path it came through', async () => {
    const { app, registry, serve } = instrumentedApp();
    const shared = express.Router();
    shared.get('/item/:id', (_req, res) => void res.send('item'));
    app.use('/shop', shared);
    app.use('/admin/:tenant', shared);
    const get = await serve();

    for (const path of ['/shop/item/1', '/admin/acme/item/2', '/admin/globex/item/3', '/shop/item/4', '/shop/item/5']) await get(path);

    await expect.poll(() => routeCounts(registry)).toEqual({ 'GET /shop/item/:id 200': 3, 'GET /admin/:tenant/item/:id 200': 2 });
  });

  test('prefixes routes of mounted sub-apps, nested ones included, with their mount paths', async () => {
    const { app, registry, serve } = instrumentedApp();
    const sub = express();
    sub.get('/thing/:tid', (_req, res) => void res.send('thing'));
    const deep = express();
    deep.get('/leaf/:leafId', (_req, res) => void res.send('leaf'));
    sub.use('/deep', deep);
    app.use('/sub', sub);
    const get = await serve();

    expect((await get('/sub/thing/3')).status).toBe(200);
    expect((await get('/sub/deep/leaf/9')).status).toBe(200);

    await expect.poll(() => routeCounts(registry)).toEqual({ 'GET /sub/thing/:tid 200': 1, 'GET /sub/deep/leaf/:leafId 200': 1 });
  });

  test("keeps the router's base path for a sub-app mounted inside a router", async () => {
    const { app, registry, serve } = instrumentedApp();
    const admin = express();
    admin.get('/users/:uid', (_req, res) => void res.send('admin user'));
    const r = express.Router();
    r.use('/admin', admin);
    app.use('/api/:v', r);
    const get = await serve();

    expect((await get('/api/v1/admin/users/5')).status).toBe(200);
    expect((await get('/api/v2/admin/users/6')).status).toBe(200);

    await expect.poll(() => routeCounts(registry)).toEqual({ 'GET /api/:v/admin/users/:uid 200': 2 });
  });

  test('tells apart the two mount paths of a router mounted twice inside a sub-app mounted at a param path', async () => {
    const { app, registry, serve } = instrumentedApp();
    const sub = express();
    const shared = express.Router();
    shared.get('/item/:id', (_req, res) => void res.send('item'));
    sub.use('/a', shared);
    sub.use('/b', shared);
    app.use('/t/:tenant', sub);
    const get = await serve();

    for (const path of ['/t/acme/a/item/1', '/t/acme/b/item/2', '/t/globex/b/item/3']) await get(path);

    await expect.poll(() => routeCounts(registry)).toEqual({ 'GET /t/:tenant/a/item/:id 200': 1, 'GET /t/:tenant/b/item/:id 200': 2 });
  });

  test('records routes of a mergeParams router with router.param handlers under the template', async () => {
    const { app, registry, serve } = instrumentedApp();
    const orders = express.Router({ mergeParams: true });
    orders.param('orderId', (req, _res, next, id: string) => {
      (req as { order?: string }).order = `order-${id}`;
      next();
    });
    orders.get('/:orderId', (req, res) => void res.send(`${(req.params as Record<string, string>).shopId}/${(req as { order?: string }).order}`));
    app.use('/shops/:shopId/orders', orders);
    const get = await serve();

    expect(await get('/shops/s1/orders/77')).toEqual({ status: 200, body: 's1/order-77' });

    await expect.poll(() => routeCounts(registry)).toEqual({ 'GET /shops/:shopId/orders/:orderId 200': 1 });
  });

  test('counts an error thrown in a nested handler as 500 with its route', async () => {
    const { app, registry, serve } = instrumentedApp();
    const api = express.Router();
    api.get('/fail/:id', () => {
      throw new Error('handler failure');
    });
    app.use('/api/:version', api);
    const get = await serve();

    expect((await get('/api/v1/fail/1')).status).toBe(500);

    await expect.poll(() => routeCounts(registry)).toEqual({ 'GET /api/:version/fail/:id 500': 1 });
  });

  test('records a route with an array of paths under one template joining the alternatives with "|"', async () => {
    const { app, registry, serve } = instrumentedApp();
    app.get(['/one', '/two/:x'], (_req, res) => void res.send('either'));
    const get = await serve();

    for (const path of ['/one', '/two/abc', '/two/def']) await get(path);

    await expect.poll(() => routeCounts(registry)).toEqual({ 'GET /one|/two/:x 200': 3 });
  });

  test('records a router mounted at an array of paths under its alternatives joined with "|"', async () => {
    const { app, registry, serve } = instrumentedApp();
    const r = express.Router();
    r.get('/x/:id', (_req, res) => void res.send('x'));
    app.use(['/a', '/b/:bid'], r);
    const get = await serve();

    for (const path of ['/a/x/1', '/b/7/x/2']) expect((await get(path)).status).toBe(200);

    await expect.poll(() => routeCounts(registry)).toEqual({ 'GET /a|/b/:bid/x/:id 200': 2 });
  });

  test('records every unmatched request in one http_route="unmatched" series, however many random paths', async () => {
    const { app, registry, serve } = instrumentedApp();
    app.get('/known', (_req, res) => void res.send('known'));
    app.use('/api', express.Router());
    const get = await serve();

    const paths = Array.from({ length: 40 }, (_, i) => `/${randomBytes(6).toString('hex')}/${i}?q=${i}`);
    for (const path of [...paths, '/api/nothing']) expect((await get(path)).status).toBe(404);
    await get('/known');

    await expect.poll(() => routeCounts(registry)).toEqual({ 'GET unmatched 404': 41, 'GET /known 200': 1 });
    const text = await renderRegistry(registry, 'prometheus');
    for (const path of paths.slice(0, 5)) expect(text).not.toContain(path.split('/')[1]);
  });

  test('counts a request whose template cannot be resolved as "unmatched" instead of throwing in the close listener', async () => {
    const { app, registry, serve } = instrumentedApp();
    app.get('/odd/:id', (req, res) => {
      // A request object the walk cannot read (as Express 4's app.router getter once made it): resolution must fail soft.
      Object.defineProperty(req, 'app', {
        get() {
          throw new Error('no app here');
        },
      });
      res.send('odd');
    });
    app.get('/fine', (_req, res) => void res.send('fine'));
    const get = await serve();

    expect((await get('/odd/1')).status).toBe(200);
    expect((await get('/fine')).status).toBe(200);

    await expect.poll(() => routeCounts(registry)).toEqual({ 'GET unmatched 200': 1, 'GET /fine 200': 1 });
  });

  test('records 404s sent by a matched route with that route, and unmatched ones as "unmatched"', async () => {
    const { app, registry, serve } = instrumentedApp();
    app.get('/items/:id', (_req, res) => void res.status(404).json({ error: 'no such item' }));
    const get = await serve();

    for (const path of ['/items/17', '/nothing/here', '/items']) expect((await get(path)).status).toBe(404);

    await expect.poll(() => routeCounts(registry)).toEqual({ 'GET /items/:id 404': 1, 'GET unmatched 404': 2 });
  });
});

describe('joinPaths', () => {
  test('joins templates with one slash between parts and none at the end, except the root', () => {
    expect(joinPaths('/api', '/')).toBe('/api');
    expect(joinPaths('/', '/')).toBe('/');
    expect(joinPaths()).toBe('/');
    expect(joinPaths('api', 'users/', ':id')).toBe('/api/users/:id');
    expect(joinPaths('/api/', '/x/')).toBe('/api/x');
  });
});

describe('template resolution that fails', () => {
  test('gives the unmatched value instead of throwing, as Express 4 made it throw ("app.router is deprecated")', () => {
    const app = {
      mountpath: '/',
      get router(): never {
        throw new Error("'app.router' is deprecated!");
      },
    };
    const req = { route: { path: '/users/:id' }, app, originalUrl: '/users/1' };

    expect(new RouteTemplates().resolve(req)).toBe(UNMATCHED_ROUTE);
  });
});

describe.each(VERSIONS.slice(1))('%s mount paths read back from path-to-regexp 0.1', (_name, express4) => {
  test.each([
    ['/api/:version', '/api/:version'],
    ['/api/:version/users', '/api/:version/users'],
    ['/files/:name.:ext', '/files/:name.:ext'],
    ['/opt/:id?', '/opt/:id?'],
    ['/n/:id(\\d+)', '/n/:id'],
    ['/static/*', '/static/*'],
    ['/x/', '/x'],
    ['/', '/'],
    [['/a', '/b/:id'], '/a|/b/:id'],
  ])('reads %s back as %s', (path, expected) => {
    const router = express4.Router();
    router.use(path, (_req, _res, next) => next());
    const layer = (router as unknown as { stack: { regexp: RegExp; keys: { name: string | number; optional?: boolean }[] }[] }).stack[0]!;
    expect(express4PathText(layer.regexp, layer.keys)).toBe(expected);
  });

  test('keeps a regexp mount path as its own source', () => {
    const router = express4.Router();
    router.use(/^\/v\d+/, (_req, _res, next) => next());
    const layer = (router as unknown as { stack: { regexp: RegExp; keys: { name: string | number }[] }[] }).stack[0]!;
    expect(joinPaths(express4PathText(layer.regexp, layer.keys))).toBe('/^\\/v\\d+');
  });
});
