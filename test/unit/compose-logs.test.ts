// The log path of the demo's compose bundle, freshly generated, checked with
// what runs here: Logstash's pipeline (parsed from compose/logstash/pipeline)
// listens where the demo sends and decodes what the exporter writes (one JSON
// object per line over TCP, which the test receives from the real demo
// process), and writes a data stream that Grafana's `logs-*` and the template
// and roles of compose/elasticsearch/setup.sh cover. setup.sh itself runs
// against a stand-in Elasticsearch HTTP API that records every call.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { bindMounts, declaredPorts, environmentOf, loadCompose, withDefaults } from '../../compose/model.ts';
import { parseConfig } from '../../examples/demo-shop/demo-settings.ts';
import { LOGSTASH_TCP_PORT } from '../../signals/bundles.ts';
import { demoProject, generateInto } from '../support/bundle.ts';
import { startDemoProcess } from '../support/demo-process.ts';
import { waitFor } from '../support/net.ts';

const run = promisify(execFile);
const out = await generateInto(demoProject(), 'compose-logs-');
afterAll(() => out.remove());
const composeDir = out.compose;
const compose = loadCompose(composeDir);

// ---- A reader of Logstash's pipeline syntax: sections, plugins, `key => value`.
type Value = string | number | boolean | Value[] | Plugin[];
interface Plugin {
  readonly name: string;
  readonly settings: Map<string, Value>;
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s+|#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|=>|[{}[\],]|[^\s{}[\],"'#=]+/gy;
  for (let m = re.exec(text); m !== null && m[0] !== ''; m = re.exec(text)) {
    const t = m[0];
    if (/^\s/.test(t) || t.startsWith('#')) continue;
    tokens.push(t);
  }
  if (re.lastIndex !== 0 && re.lastIndex < text.length) throw new Error(`cannot read the pipeline at ${re.lastIndex}`);
  return tokens;
}

function parsePipeline(text: string): Map<string, Plugin[]> {
  const tokens = tokenize(text);
  let i = 0;
  const next = () => {
    const t = tokens[i++];
    if (t === undefined) throw new Error('unexpected end of pipeline');
    return t;
  };
  const expectToken = (t: string) => {
    const got = next();
    if (got !== t) throw new Error(`expected ${t}, got ${got}`);
  };
  const literal = (t: string): Value => (/^["']/.test(t) ? t.slice(1, -1) : /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t === 'true' ? true : t === 'false' ? false : t);
  const value = (): Value => {
    const t = next();
    if (t === '[') {
      const items: Value[] = [];
      while (tokens[i] !== ']') {
        items.push(value());
        if (tokens[i] === ',') i++;
      }
      i++;
      return items;
    }
    if (tokens[i] === '{') {
      // A codec or other plugin as a value: `codec => json_lines { ... }`.
      return [plugin(t)];
    }
    return literal(t);
  };
  const plugin = (name: string): Plugin => {
    expectToken('{');
    const settings = new Map<string, Value>();
    while (tokens[i] !== '}') {
      const key = literal(next()) as string;
      expectToken('=>');
      settings.set(key, value());
    }
    i++;
    return { name, settings };
  };
  const sections = new Map<string, Plugin[]>();
  while (i < tokens.length) {
    const section = next();
    if (!['input', 'filter', 'output'].includes(section)) throw new Error(`unexpected ${section} at top level`);
    expectToken('{');
    const plugins: Plugin[] = [];
    while (tokens[i] !== '}') {
      const name = next();
      if (name === 'if' || name === 'else') throw new Error('conditionals are not expected in this pipeline');
      plugins.push(tokens[i] === '{' ? plugin(name) : { name, settings: new Map() });
    }
    i++;
    sections.set(section, [...(sections.get(section) ?? []), ...plugins]);
  }
  return sections;
}

// ---- The bundle's pipeline.
const logstash = compose.services.logstash!;
const pipelineMount = bindMounts(logstash).find((m) => m.target === '/usr/share/logstash/pipeline')!;
const pipelineDir = resolve(composeDir, pipelineMount.source);
const pipelineFiles = readdirSync(pipelineDir).filter((f) => f.endsWith('.conf'));
const pipeline = parsePipeline(pipelineFiles.map((f) => readFileSync(join(pipelineDir, f), 'utf8')).join('\n'));
const codecName = (v: Value | undefined) => (Array.isArray(v) && typeof v[0] === 'object' && 'name' in (v[0] as object) ? (v[0] as Plugin).name : v);

describe('the Logstash pipeline', () => {
  test('the reader of the pipeline syntax reads settings, codecs with options and rejects garbage', () => {
    const p = parsePipeline('input { tcp { port => 1 codec => json_lines { target => "x" } tags => ["a", "b"] } } # c\noutput { stdout {} }');
    const tcp = p.get('input')![0]!;
    expect(tcp.settings.get('port')).toBe(1);
    expect(codecName(tcp.settings.get('codec'))).toBe('json_lines');
    expect(tcp.settings.get('tags')).toEqual(['a', 'b']);
    expect(() => parsePipeline('input { tcp { port 5000 } }')).toThrow();
  });

  test('has one input: tcp on the port the demo sends to, codec json_lines', () => {
    const inputs = pipeline.get('input') ?? [];
    expect(inputs.map((p) => p.name)).toEqual(['tcp']);
    const tcp = inputs[0]!;
    expect(tcp.settings.get('port')).toBe(LOGSTASH_TCP_PORT);
    expect(codecName(tcp.settings.get('codec'))).toBe('json_lines');

    const demoEnv = environmentOf(compose.services['demo-shop']!);
    const demoConfig = parseConfig(Object.fromEntries([...demoEnv].map(([k, v]) => [k, withDefaults(v)])));
    expect(demoConfig.logstash).toEqual({ host: 'logstash', port: tcp.settings.get('port') });
    expect(declaredPorts(logstash).has(LOGSTASH_TCP_PORT)).toBe(true);
  });

  test('decodes what the exporter sends: one complete ECS JSON object per line over TCP (the json_lines framing)', async () => {
    const received: Buffer[] = [];
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (d: Buffer) => received.push(d));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const demo = await startDemoProcess({ LOGSTASH_HOST: '127.0.0.1', LOGSTASH_PORT: String(port), SERVICE_NAME: 'demo-shop', TRAFFIC_RPS: '20' });
    try {
      await waitFor(() => Buffer.concat(received).toString('utf8').split('\n').length > 2, 15_000, 'log lines at the stand-in Logstash');
    } finally {
      await demo.stop();
      for (const s of sockets) s.destroy();
      server.close();
    }
    const text = Buffer.concat(received).toString('utf8');
    // json_lines splits on "\n" (its default delimiter) and parses each piece as one JSON object.
    const lines = text.split('\n');
    expect(lines.pop(), 'the stream ends with a complete line').toBe('');
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      expect(typeof r['@timestamp']).toBe('string');
      expect(typeof r.message).toBe('string');
      expect(r['log.level'] ?? (r.log as Record<string, unknown> | undefined)?.level).toBeDefined();
    }
  }, 60_000);

  test('writes data stream logs-nodekit-default: Grafana’s logs-* and setup.sh’s template and roles cover it', () => {
    const outputs = pipeline.get('output') ?? [];
    expect(outputs.map((p) => p.name)).toEqual(['elasticsearch']);
    const es = outputs[0]!.settings;
    expect(es.get('data_stream')).toBe('true');
    const name = `${String(es.get('data_stream_type'))}-${String(es.get('data_stream_dataset'))}-${String(es.get('data_stream_namespace'))}`;
    expect(name).toBe('logs-nodekit-default');

    const grafanaProvisioning = bindMounts(compose.services.grafana!).find((m) => m.target === '/etc/grafana/provisioning')!;
    const ds = parse(readFileSync(resolve(composeDir, grafanaProvisioning.source, 'datasources/datasources.yaml'), 'utf8')) as { datasources: { type: string; jsonData?: { index?: string } }[] };
    const pattern = ds.datasources.find((d) => d.type === 'elasticsearch')!.jsonData!.index!;
    expect(globMatches(pattern, name)).toBe(true);

    const setup = readFileSync(join(composeDir, 'elasticsearch/setup.sh'), 'utf8');
    expect(globMatches(/index_patterns\\": \[\\"([^\\]+)\\"\]/.exec(setup)![1]!, name)).toBe(true);
  });

  test('signs in as logstash_writer with the password from its environment, at an Elasticsearch of the bundle', () => {
    const es = pipeline.get('output')![0]!.settings;
    expect(es.get('user')).toBe('logstash_writer');
    const env = environmentOf(logstash);
    const password = /^\$\{([A-Z_]+)\}$/.exec(String(es.get('password')))?.[1];
    expect(password, 'the password is a ${VAR} the container sets').toBeDefined();
    expect(env.get(password!)).toMatch(/^\$\{[A-Z_]+:\?/);
    const hosts = (es.get('hosts') as string[]).map((h) => h.replace(/^\$\{([A-Z_]+)\}$/, (_, v: string) => env.get(v) ?? h));
    expect(hosts).toEqual(['http://elasticsearch:9200']);
    expect(declaredPorts(compose.services.elasticsearch!).has(9200)).toBe(true);
  });
});

function globMatches(pattern: string, name: string): boolean {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(name);
}

// ---- compose/elasticsearch/setup.sh against a stand-in Elasticsearch.
interface Call {
  method: string;
  path: string;
  auth: string;
  body: unknown;
}

async function runSetup(env: Record<string, string>, answer: (call: Call) => number = () => 200, text: (call: Call) => string = () => '{}'): Promise<{ calls: Call[]; code: number; output: string }> {
  const calls: Call[] = [];
  const server = createHttpServer(async (req: IncomingMessage, res) => {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const call = { method: req.method!, path: req.url!, auth: Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString(), body: raw.trim() === '' ? undefined : (JSON.parse(raw) as unknown) };
    calls.push(call);
    res.writeHead(answer(call), { 'content-type': 'application/json' }).end(text(call));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const { stdout, stderr } = await run('bash', [join(composeDir, 'elasticsearch/setup.sh')], { env: { PATH: process.env.PATH, ELASTICSEARCH_URL: `http://127.0.0.1:${port}`, ...env } });
    return { calls, code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { calls, code: e.code, output: e.stdout + e.stderr };
  } finally {
    server.close();
  }
}

const SECRETS = {
  ELASTIC_PASSWORD: 'el"astic\\pw',
  KIBANA_SYSTEM_PASSWORD: 'kibana-pw-1',
  LOGSTASH_WRITER_PASSWORD: 'writer "quoted" pw',
  GRAFANA_ES_PASSWORD: 'grafana\\pw',
  ES_EXPORTER_PASSWORD: 'exporter-pw',
};

describe('elasticsearch-setup', () => {
  test('the compose service gives setup.sh every variable it requires', () => {
    const script = readFileSync(join(composeDir, 'elasticsearch/setup.sh'), 'utf8');
    const required = [...script.matchAll(/"\$\{([A-Z_]+):\?\}"/g)].map((m) => m[1]!);
    const env = environmentOf(compose.services['elasticsearch-setup']!);
    expect(required.filter((v) => !env.has(v))).toEqual([]);
  });

  test('sets passwords, creates least-privilege users and roles and the retention policy, as the superuser, with passwords intact', async () => {
    const { calls, code, output } = await runSetup({ ...SECRETS, LOG_RETENTION_DAYS: '9' });
    expect(code, output).toBe(0);
    for (const c of calls) expect(c.auth).toBe(`elastic:${SECRETS.ELASTIC_PASSWORD}`);
    for (const secret of Object.values(SECRETS)) expect(output).not.toContain(secret);
    const body = (method: string, path: string) => calls.find((c) => c.method === method && c.path === path)?.body as Record<string, any> | undefined;

    expect(body('POST', '/_security/user/kibana_system/_password')).toEqual({ password: SECRETS.KIBANA_SYSTEM_PASSWORD });
    expect(body('PUT', '/_security/user/logstash_writer')).toMatchObject({ password: SECRETS.LOGSTASH_WRITER_PASSWORD, roles: ['nodekit_logstash_writer'] });
    expect(body('PUT', '/_security/user/grafana_reader')).toMatchObject({ password: SECRETS.GRAFANA_ES_PASSWORD, roles: ['nodekit_logs_reader'] });
    expect(body('PUT', '/_security/user/es_exporter')).toMatchObject({ password: SECRETS.ES_EXPORTER_PASSWORD, roles: ['nodekit_es_exporter'] });

    const writer = body('PUT', '/_security/role/nodekit_logstash_writer')!;
    expect(writer.indices).toEqual([{ names: ['logs-nodekit-*'], privileges: ['create_doc', 'auto_configure', 'view_index_metadata'] }]);
    const reader = body('PUT', '/_security/role/nodekit_logs_reader')!;
    // Grafana reads the cluster's version (GET /): the cluster privilege monitor, nothing more.
    expect(reader.cluster).toEqual(['monitor']);
    expect(reader.indices[0].privileges).toEqual(['read', 'view_index_metadata']);
    // The exporter's ILM collector reads GET _all/_ilm/explain: read_ilm on the cluster, view_index_metadata on the indices.
    const exporter = body('PUT', '/_security/role/nodekit_es_exporter')!;
    expect(exporter.cluster).toEqual(['monitor', 'read_ilm']);
    expect(exporter.indices).toEqual([{ names: ['*'], privileges: ['monitor', 'view_index_metadata'] }]);
    for (const role of [writer, reader, body('PUT', '/_security/role/nodekit_es_exporter')!]) {
      const privileges = [...(role.cluster ?? []), ...role.indices.flatMap((i: { privileges: string[] }) => i.privileges)];
      expect(privileges).not.toContain('all');
      expect(privileges).not.toContain('manage');
      expect(privileges).not.toContain('write');
    }

    expect(body('PUT', '/_ilm/policy/nodekit-logs')!.policy.phases.delete).toEqual({ min_age: '9d', actions: { delete: {} } });
    const template = body('PUT', '/_index_template/logs-nodekit')!;
    expect(template.index_patterns).toEqual(['logs-nodekit-*']);
    expect(template.data_stream).toEqual({});
    expect(template.priority).toBeGreaterThan(100);
    expect(template.template.settings['index.lifecycle.name']).toBe('nodekit-logs');
  });

  test('fails when Elasticsearch refuses a call, and refuses a retention that is not a number of days', async () => {
    const refused = await runSetup(SECRETS, (c) => (c.path.startsWith('/_security/role/') ? 400 : 200));
    expect(refused.code).not.toBe(0);
    const bad = await runSetup({ ...SECRETS, LOG_RETENTION_DAYS: '7d' });
    expect(bad.code).toBe(2);
    expect(bad.calls).toEqual([]);
    const missing = await runSetup({ ...SECRETS, ES_EXPORTER_PASSWORD: '' });
    expect(missing.code).not.toBe(0);
    expect(missing.calls).toEqual([]);
  });
});

describe('elasticsearch-setup with Jaeger storing traces (Kubernetes overlays with highAvailability)', () => {
  const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
  const indices = [`jaeger-span-${day(10)}`, `jaeger-service-${day(10)}`, `jaeger-span-${day(2)}`, `jaeger-dependencies-${day(4)}`, `jaeger-span-archive`, `jaeger-spanx-${day(10)}`];
  const catIndices = (c: Call) => (c.path.startsWith('/_cat/indices/') ? `${indices.join('\n')}\n` : '{}');

  test("creates Jaeger's writer (jaeger-* indices only) and deletes only Jaeger's daily indices older than TRACE_RETENTION_DAYS", async () => {
    const { calls, code, output } = await runSetup({ ...SECRETS, JAEGER_WRITER_PASSWORD: 'jaeger "pw"', TRACE_RETENTION_DAYS: '3' }, () => 200, catIndices);
    expect(code, output).toBe(0);
    expect(output).not.toContain('jaeger "pw"');
    const body = (method: string, path: string) => calls.find((c) => c.method === method && c.path === path)?.body as Record<string, any> | undefined;
    expect(body('PUT', '/_security/user/jaeger_writer')).toMatchObject({ password: 'jaeger "pw"', roles: ['nodekit_jaeger_writer'] });
    const role = body('PUT', '/_security/role/nodekit_jaeger_writer')!;
    expect(role.indices).toEqual([{ names: ['jaeger-*'], privileges: ['create_index', 'index', 'read', 'view_index_metadata'] }]);
    expect([...role.cluster, ...role.indices[0].privileges]).not.toContain('all');
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.path).sort()).toEqual([`/jaeger-dependencies-${day(4)}`, `/jaeger-service-${day(10)}`, `/jaeger-span-${day(10)}`]);
    for (const c of calls) expect(c.auth).toBe(`elastic:${SECRETS.ELASTIC_PASSWORD}`);
  });

  test('without JAEGER_WRITER_PASSWORD (compose) touches no Jaeger index or user, and refuses a trace retention that is not days', async () => {
    const { calls, code } = await runSetup(SECRETS, () => 200, catIndices);
    expect(code).toBe(0);
    expect(calls.filter((c) => c.method === 'DELETE' || c.path.includes('jaeger'))).toEqual([]);
    const bad = await runSetup({ ...SECRETS, JAEGER_WRITER_PASSWORD: 'x', TRACE_RETENTION_DAYS: '1w' });
    expect(bad.code).toBe(2);
    expect(bad.calls).toEqual([]);
  });
});
