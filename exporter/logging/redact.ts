// Censors secrets in a log line's fields by key name, at any depth up to
// MAX_DEPTH: authorization headers, cookies, passwords, tokens, API keys.
// pino's own `redact` does this by path, and the wildcard paths these shapes
// need cost 5-9 µs a line (bench/telemetry-cost.ts); one walk over the keys
// costs a fraction of that. Objects that hold nothing to censor are returned
// as they are; the others are copied where they change, never mutated, since
// they belong to the caller.

export const REDACTED = '[REDACTED]';

/** Keys whose values are never logged (compared lower-cased; headers arrive lower-cased from Node). */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'password',
  'passwd',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'x-api-key',
  'api_key',
  'apikey',
]);

/** Deeper than any shape a log line uses (http.request.headers.authorization is 3). */
const MAX_DEPTH = 6;

const isSecretKey = (key: string) => SECRET_KEYS.has(key) || SECRET_KEYS.has(key.toLowerCase());

/** Plain objects and arrays are walked; class instances (Error, Date, Buffer, Map...) are left to their serialisers. */
function isWalkable(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export function redactSecrets<T extends object>(fields: T, depth = 0): T {
  let copy: Record<string, unknown> | unknown[] | undefined;
  const source = fields as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const value = source[key];
    let censored = value;
    if (isSecretKey(key)) censored = value === undefined ? value : REDACTED;
    else if (depth < MAX_DEPTH && isWalkable(value)) censored = redactSecrets(value, depth + 1);
    if (censored !== value) {
      copy ??= Array.isArray(fields) ? [...fields] : { ...source };
      (copy as Record<string, unknown>)[key] = censored;
    }
  }
  return (copy ?? fields) as T;
}
