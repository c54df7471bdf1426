// The one redaction policy: which names hold secrets, and how a query
// string, a path, a URL, a free text and a fields object are censored. Every
// place where data leaves the process (span attributes, log lines, error
// messages) goes through this module, so a name added here is censored
// everywhere at once.
//
// A name is secret when, after percent-decoding and lower-casing, it is one of
// EXACT_NAMES or one of its words (split at "_", "-", ".", "[", "]", spaces
// and camelCase humps) is one of SECRET_WORDS: `access_token`, `X-Api-Key`,
// `sessionId`, `%74oken` and `user[password]` are secrets, `author`,
// `passenger`, `keyword` and `design` are not. `code` is secret only as the
// whole name (the OAuth 2.0 authorization code, RFC 6749 4.1.2), so
// `promo_code` or `country_code` stay readable.

export const REDACTED = '[REDACTED]';

/** Words that make any name containing them secret. */
const SECRET_WORDS = [
  'token',
  'password',
  'passwd',
  'pass',
  'pwd',
  'secret',
  'key',
  'apikey',
  'jwt',
  'auth',
  'authorization',
  'session',
  'sessionid',
  'jsessionid',
  'phpsessid',
  'signature',
  'sig',
  'credential',
  'credentials',
  'cookie',
  'otp',
  'saml',
] as const;

/** Names secret only as a whole (their words are harmless elsewhere). */
const EXACT_NAMES = ['code', 'set-cookie', 'x-amz-security-token', 'assertion'] as const;

/** Extra names from the environment, comma-separated, matched like the built-in words. */
export const REDACT_NAMES_ENV = 'OBSERVABILITY_REDACT_NAMES';

const words = new Set<string>(SECRET_WORDS);
const exact = new Set<string>(EXACT_NAMES);
/**
 * Matches any text that could hold a secret name: one of the words or exact
 * names anywhere, or a percent escape. Most query strings and messages hold
 * none, and skip the per-pair work (bench: ~50 ns instead of ~0.5-1 µs).
 */
let hint = buildHint();

function buildHint(): RegExp {
  const parts = [...words, ...exact].map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`${parts.join('|')}|%`, 'i');
}

/** Names added at run time (not the environment's): the telemetry worker applies the same policy. */
const added: string[] = [];
const listeners: ((names: readonly string[]) => void)[] = [];

/** The names added so far by addSecretNames. */
export function addedSecretNames(): readonly string[] {
  return [...added];
}

/** Calls `listener` with the names of every later addSecretNames call. */
export function onSecretNamesAdded(listener: (names: readonly string[]) => void): void {
  listeners.push(listener);
}

/** Decisions per raw name: names repeat (the same few query keys and headers), deciding is a split and a few lookups. */
const decided = new Map<string, boolean>();
const MAX_DECIDED = 10_000;

/**
 * Adds names to the process-wide policy (case-insensitive; a name with
 * separators, e.g. `x-tenant-pin`, is matched as a whole). Used by
 * `createExporter({ redact })`, `createLogger({ redact })` and the
 * OBSERVABILITY_REDACT_NAMES variable.
 */
export function addSecretNames(names: readonly string[]): void {
  const fresh = names.filter((n) => n.trim() !== '');
  if (fresh.length === 0) return;
  added.push(...fresh);
  for (const listener of listeners) listener(fresh);
  for (const raw of fresh) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    if (/^[a-z0-9]+$/.test(name)) words.add(name);
    else exact.add(name);
  }
  decided.clear();
  hint = buildHint();
  lastSplit = undefined;
}

addSecretNames((process.env[REDACT_NAMES_ENV] ?? '').split(','));

function percentDecode(name: string): string {
  if (!name.includes('%') && !name.includes('+')) return name;
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    // A malformed escape: decode what can be, so `%74oken%zz` is still judged by its letters.
    return name.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  }
}

/** Whether values under this name (a query key, a header, a JSON field) are never shown. */
export function isSecretName(name: string): boolean {
  let verdict = decided.get(name);
  if (verdict !== undefined) return verdict;
  const decoded = percentDecode(name);
  const lower = decoded.toLowerCase();
  verdict = exact.has(lower) || words.has(lower) || decoded.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).some((w) => words.has(w));
  if (decided.size >= MAX_DECIDED) decided.clear(); // bounded, whatever names clients invent
  decided.set(name, verdict);
  return verdict;
}

/** `a=1&token=x;sig=y` → `a=1&token=[REDACTED];sig=[REDACTED]` (both separators, names percent-decoded). */
export function redactQuery(query: string): string {
  if (!query.includes('=') || !hint.test(query)) return query;
  return query.replace(/(^|[&;])([^=&;]*)=([^&;]*)/g, (pair, sep: string, name: string) => (isSecretName(name) ? `${sep}${name}=${REDACTED}` : pair));
}

/** Matrix (path) parameters: `/a;jsessionid=x/b` → `/a;jsessionid=[REDACTED]/b`. */
export function redactPath(path: string): string {
  if (!path.includes(';') || !hint.test(path)) return path;
  return path.replace(/;([^=;/?#]*)=([^;/?#]*)/g, (param, name: string) => (isSecretName(name) ? `;${name}=${REDACTED}` : param));
}

/**
 * A request target or URL, any form: origin-form `/p;k=v?q`, absolute-form
 * `http://user:pw@host/p?q` (user info censored), or a bare query. The
 * fragment is dropped: it never reaches a server and may hold OAuth tokens.
 */
export function redactUrl(url: string): string {
  const hash = url.indexOf('#');
  const target = hash === -1 ? url : url.slice(0, hash);
  const q = target.indexOf('?');
  const before = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? undefined : redactQuery(target.slice(q + 1));
  return `${redactPath(redactUserInfo(before))}${query === undefined ? '' : `?${query}`}`;
}

function redactUserInfo(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme === -1) return url;
  const at = url.indexOf('@', scheme + 3);
  const slash = url.indexOf('/', scheme + 3);
  return at === -1 || (slash !== -1 && slash < at) ? url : `${url.slice(0, scheme + 3)}${REDACTED}${url.slice(at)}`;
}

/** A request target's parts, as splitTarget returns them (shared: read, never changed). */
export interface TargetParts {
  readonly path: string;
  readonly query: string | undefined;
}

/** The last target split, and its parts: requests repeat targets, and the telemetry worker splits each twice (span and line). Cleared when the policy changes. */
let lastTarget = '';
let lastSplit: TargetParts | undefined;

/**
 * The parts of an origin-form or absolute-form request target the
 * conventions name: path (matrix parameters censored) and query (censored).
 * The same target in a row gets the same object.
 */
export function splitTarget(target: string): TargetParts {
  if (lastSplit !== undefined && target === lastTarget) return lastSplit;
  lastSplit = splitTargetAfresh(target);
  lastTarget = target;
  return lastSplit;
}

function splitTargetAfresh(target: string): TargetParts {
  let rest = target;
  // Absolute-form (a proxy request, or a client that sends it anyway): scheme and authority are not the path.
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(rest);
  if (scheme !== null) {
    const slash = rest.indexOf('/', scheme[0].length);
    const q = rest.indexOf('?', scheme[0].length);
    const start = slash === -1 || (q !== -1 && q < slash) ? q : slash;
    rest = start === -1 ? '/' : rest.slice(start);
    if (rest.startsWith('?')) rest = `/${rest}`;
  }
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  return q === -1 ? { path: redactPath(rest), query: undefined } : { path: redactPath(rest.slice(0, q)), query: redactQuery(rest.slice(q + 1)) };
}

/** Worth a closer look: something that may hold a `name=value`, a credential scheme or URL user info. */
const MAYBE_SECRET = /[=@:]|bearer|basic/i;
/** `name=value` inside free text (query pairs, env-style settings, form bodies echoed in an error). */
const TEXT_PAIR = /([A-Za-z0-9_.%[\]-]+)=("[^"]*"|[^\s&;,"'<>]*)/g;
/** `name: value` of a header or JSON-ish text: `"password":"x"`, `Authorization: Bearer x`. */
const TEXT_COLON = /("?)([A-Za-z0-9_.-]+)\1\s*:\s*("[^"]*"|[^\s,;}]+)/g;
/** Credentials after an HTTP auth scheme (RFC 7235 schemes are case-insensitive). */
const AUTH_SCHEME = /\b(bearer|basic|digest|negotiate)\s+[A-Za-z0-9\-._~+/]+=*/gi;
const AUTH_WORD = /bearer|basic|digest|negotiate/i;
const AUTH_WORD_ONLY = /^(bearer|basic|digest|negotiate)$/i;
/** User info in any URL in the text. */
const USER_INFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;

/** Free text (a log message, an error message or stack): secrets in pairs, auth headers and URL user info censored. */
export function redactText(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  // Each pass only where its marker is present: most texts have at most one of them.
  let out = text;
  if (out.includes('://')) out = out.replace(USER_INFO, `$1${REDACTED}@`);
  if (AUTH_WORD.test(out)) out = out.replace(AUTH_SCHEME, `$1 ${REDACTED}`);
  const named = hint.test(out);
  if (named && out.includes('=')) out = out.replace(TEXT_PAIR, (pair, name: string) => (isSecretName(name) ? `${name}=${REDACTED}` : pair));
  if (named && out.includes(':')) {
    out = out.replace(TEXT_COLON, (pair, quote: string, name: string, value: string) =>
      isSecretName(name) && !value.startsWith('[REDACTED') && !AUTH_WORD_ONLY.test(value) ? `${quote}${name}${quote}:${value.startsWith('"') ? `"${REDACTED}"` : REDACTED}` : pair,
    );
  }
  return out;
}

/** Plain objects and arrays are walked; class instances (Error, Date, Buffer, Map...) are left to their serialisers. */
function isWalkable(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Deeper than any shape a log line uses (http.request.headers.authorization is 3). */
const MAX_DEPTH = 6;

/**
 * Censors a fields object: values under secret names become REDACTED, string
 * values are censored as free text (a URL or message carrying a token). Never
 * mutates: objects holding nothing to censor are returned as they are, the
 * others are copied where they change.
 */
export function redactFields<T extends object>(fields: T, depth = 0): T {
  let copy: Record<string, unknown> | unknown[] | undefined;
  const source = fields as Record<string, unknown>;
  const isArray = Array.isArray(fields);
  for (const key of Object.keys(source)) {
    const value = source[key];
    let censored = value;
    if (!isArray && isSecretName(key)) censored = value === undefined ? value : REDACTED;
    else if (typeof value === 'string') censored = redactText(value);
    else if (depth < MAX_DEPTH && isWalkable(value)) censored = redactFields(value, depth + 1);
    if (censored !== value) {
      copy ??= isArray ? [...(fields as unknown[])] : { ...source };
      (copy as Record<string, unknown>)[key] = censored;
    }
  }
  return (copy ?? fields) as T;
}
