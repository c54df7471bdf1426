// Resolves the Express route template of a finished request (`/api/users/:id`),
// base paths of mounted routers and sub-apps included, on Express 4 and 5,
// without patching Express. The app's layer tree is walked once per route,
// from the app the middleware runs in, and the answer cached by Route object:
// Express 5 layers keep their registered path (`layer.rawPath`, router >= 2.3);
// Express 4 layers keep only the regexp path-to-regexp 0.1 compiled, whose
// source and keys spell the template back. The request path only decides
// between templates when one route is reachable by several (a router mounted
// twice). Any failure gives the unmatched value: this runs in the response's
// 'close' listener, where a throw would take the process down.
import { UNMATCHED_ROUTE } from '../catalog/http.ts';

type PathSpec = string | RegExp | readonly PathSpec[];

interface RouteLike {
  readonly path: PathSpec;
}

/** Express 4 regexps carry these flags; a key per capture group. */
interface Express4Regexp extends RegExp {
  readonly fast_slash?: boolean;
  readonly fast_star?: boolean;
}

interface LayerLike {
  /** Express 5: the path as registered. */
  readonly rawPath?: PathSpec;
  /** Express 4: the compiled path and its keys. */
  readonly regexp?: Express4Regexp;
  readonly keys?: readonly { readonly name: string | number; readonly optional?: boolean }[];
  readonly route?: RouteLike;
  readonly handle?: { readonly stack?: readonly LayerLike[]; readonly name?: string };
  /** Express 5 returns the match; Express 4 returns a boolean (and is not used). */
  match?(path: string): unknown;
}

interface RouterLike {
  readonly stack: readonly LayerLike[];
}

export interface AppLike {
  readonly mountpath?: PathSpec;
  readonly parent?: AppLike;
}

/** Where the metrics middleware leaves the app it saw the request in, for later readers (the error logger). */
export const ROOT_APP: unique symbol = Symbol('observability-kit.rootApp');

export interface RoutedRequest {
  readonly route?: RouteLike;
  readonly app?: AppLike;
  [ROOT_APP]?: AppLike;
  readonly originalUrl?: string;
  readonly url?: string;
}

/** One step from a router into a mounted router, sub-app or route: what it matches and the template it adds. */
interface Step {
  readonly layer: LayerLike;
  readonly template: string;
}

/** Every way one route can be reached from the root: the steps leading to it and the template they spell. */
type Candidates = readonly { readonly steps: readonly Step[]; readonly template: string }[];

/** Cached per Route object: the template, or the candidates to decide between per request. */
type Entry = string | Candidates;

export class RouteTemplates {
  readonly #entries = new WeakMap<RouteLike, Entry>();

  /**
   * The route template of a request, or UNMATCHED_ROUTE when no route handled
   * it or the template cannot be found. `root` is the app the caller runs in
   * (default: the one the metrics middleware left under ROOT_APP, else
   * `req.app`): routes of sub-apps mounted inside its routers are only
   * reachable from there.
   */
  resolve(req: RoutedRequest, root?: AppLike): string {
    try {
      const route = req.route;
      if (route === undefined) return UNMATCHED_ROUTE;
      let entry = this.#entries.get(route);
      if (entry === undefined) {
        entry = index(topApp(root ?? req[ROOT_APP] ?? req.app), req.app, route);
        this.#entries.set(route, entry);
      }
      return typeof entry === 'string' ? entry : choose(entry, pathnameOf(req));
    } catch {
      return UNMATCHED_ROUTE;
    }
  }
}

function index(root: AppLike | undefined, app: AppLike | undefined, route: RouteLike): Entry {
  const found: Step[][] = [];
  const known = parentChain(app);
  const stack = root === undefined ? undefined : routerOf(root)?.stack;
  if (stack !== undefined) collectChains(stack, root!, known, [], route, found, new Set());
  // A route outside the tree we can walk (unusual): the sub-app's own mount paths and the route's path are still bounded.
  if (found.length === 0) return joinPaths(...[...known].reverse().map((a) => patternText(a.mountpath ?? '/')), patternText(route.path));
  const candidates = found.map((steps) => ({ steps, template: joinPaths(...steps.map((s) => s.template)) }));
  const templates = new Set(candidates.map((c) => c.template));
  return templates.size === 1 ? candidates[0]!.template : candidates;
}

/**
 * Depth-first walk collecting the step chains that end at `route`. It enters
 * routers (`layer.handle.stack`), apps a router mounts directly
 * (`router.use(path, subApp)`), and apps mounted with `app.use`: those sit
 * behind an opaque `mounted_app` function, so the walk takes the sub-app of
 * the request's own app chain whose parent is the app being walked and whose
 * mount path is the layer's.
 */
function collectChains(stack: readonly LayerLike[], app: AppLike, known: readonly AppLike[], chain: Step[], route: RouteLike, found: Step[][], visiting: Set<object>): void {
  for (const layer of stack) {
    if (layer.route === route) {
      found.push([...chain, { layer, template: patternText(route.path) }]);
      continue;
    }
    if (layer.route !== undefined) continue;
    const template = layerTemplate(layer);
    const handle = layer.handle;
    let inner: readonly LayerLike[] | undefined;
    let innerApp = app;
    if (Array.isArray(handle?.stack)) inner = handle.stack;
    else if (isApp(handle)) {
      inner = routerOf(handle)?.stack;
      innerApp = handle;
    } else if (handle?.name === 'mounted_app') {
      const child = known.find((a) => a.parent === app && patternText(a.mountpath ?? '/') === template);
      if (child !== undefined) {
        inner = routerOf(child)?.stack;
        innerApp = child;
      }
    }
    if (inner === undefined || visiting.has(inner)) continue;
    visiting.add(inner);
    collectChains(inner, innerApp, known, [...chain, { layer, template }], route, found, visiting);
    visiting.delete(inner);
  }
}

/** Picks the first candidate whose layers all match the request path. */
function choose(candidates: Candidates, pathname: string): string {
  for (const { steps, template } of candidates) {
    let rest: string | undefined = pathname;
    for (const { layer } of steps) if ((rest = pathAfter(layer, rest)) === undefined) break;
    if (rest !== undefined) return template;
  }
  // None matches (an error path rewrote the URL, say): the first is still a template, never the raw path.
  return candidates[0]!.template;
}

/** The path left after `layer` matched the start of `path`, or undefined when it does not match. */
function pathAfter(layer: LayerLike, path: string): string | undefined {
  let length: number;
  if (layer.rawPath !== undefined) {
    const m = layer.match?.(path) as false | { readonly path: string } | undefined;
    if (!m || typeof m !== 'object') return undefined;
    length = m.path.length;
  } else {
    // Express 4: its match() stores the result on the shared layer, so the regexp runs here instead.
    const re = layer.regexp;
    if (re === undefined) return undefined;
    if (re.fast_slash === true) length = 0;
    else if (re.fast_star === true) length = path.length;
    else {
      const m = re.exec(path);
      if (m === null) return undefined;
      length = m[0].length;
    }
  }
  const rest = path.slice(length);
  return rest[0] === '/' ? rest : `/${rest}`;
}

/** The path a mount layer was registered with: Express 5 keeps it, Express 4's is read back from its regexp. */
function layerTemplate(layer: LayerLike): string {
  if (layer.rawPath !== undefined) return patternText(layer.rawPath);
  if (layer.regexp !== undefined) return express4PathText(layer.regexp, layer.keys ?? []);
  return '/';
}

// path-to-regexp 0.1 (Express 4) anchors with `^` and ends a path with an
// optional slash plus `$` (routes) or a lookahead (mounts, `end: false`).
const EXPRESS4_END = /(?:\\?\/\?)?(?:\$|\(\?[=:]\\?\/\|\$\))$/;

type Express4Key = { readonly name: string | number; readonly optional?: boolean };

/**
 * Express 4's mount template from its compiled regexp: path-to-regexp 0.1
 * turns `/api/:version` into `^/api(?:/([^/]+?))/?(?=/|$)` with one key per
 * top-level group, so each group becomes `/:name` again and the rest is the
 * literal text; an array of paths is its alternatives joined by `|`, as
 * Express 5's templates are. A regexp the user registered stays its own source.
 */
export function express4PathText(re: Express4Regexp, keys: readonly Express4Key[]): string {
  if (re.fast_slash === true) return '/';
  if (re.fast_star === true) return '*';
  const source = re.source;
  // path-to-regexp 0.1.7 (Express 4.17) wraps an array's alternatives in one group.
  const whole = topLevel(source).groups;
  const unwrapped = source.startsWith('(?:') && whole.length === 1 && whole[0]![1] === source.length && source.endsWith(')') ? source.slice(3, -1) : source;
  const texts: string[] = [];
  let used = 0;
  for (const alternative of splitAlternatives(unwrapped)) {
    if (alternative[0] !== '^' || !EXPRESS4_END.test(alternative)) return source;
    const body = alternative.slice(1).replace(EXPRESS4_END, '');
    const groups = topLevel(body).groups;
    const text = pathText(body, groups, keys.slice(used, used + groups.length));
    if (text === undefined) return source;
    texts.push(text);
    used += groups.length;
  }
  return used === keys.length ? texts.join('|') : source;
}

/** One compiled path with its groups put back as `/:name` (`*` for a star), or undefined when the keys do not line up. */
function pathText(body: string, groups: readonly [number, number][], keys: readonly Express4Key[]): string | undefined {
  if (groups.length !== keys.length) return undefined;
  let out = '';
  let at = 0;
  groups.forEach(([start, end], i) => {
    out += unescape(body.slice(at, start));
    const group = body.slice(start, end);
    const key = keys[i]!;
    const lead = /^\(\?:(\\?[./])/.exec(group)?.[1]?.replace('\\', '') ?? '';
    out += typeof key.name === 'number' ? (group === '(.*)' ? '*' : group) : `${lead}:${key.name}${key.optional === true ? '?' : ''}`;
    at = end;
  });
  return out + unescape(body.slice(at));
}

/** The `|`-separated alternatives at the top level of a regexp source. */
function splitAlternatives(source: string): string[] {
  const parts: string[] = [];
  let at = 0;
  for (const bar of topLevel(source).bars) {
    parts.push(source.slice(at, bar));
    at = bar + 1;
  }
  parts.push(source.slice(at));
  return parts;
}

/** [start, end) of each top-level parenthesised group (with a trailing `?`) and the top-level `|` positions; escapes and character classes skipped. */
function topLevel(source: string): { groups: [number, number][]; bars: number[] } {
  const groups: [number, number][] = [];
  const bars: number[] = [];
  let depth = 0;
  let start = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '|' && depth === 0) bars.push(i);
    else if (c === '(') {
      if (depth++ === 0) start = i;
    } else if (c === ')' && --depth === 0) {
      const end = source[i + 1] === '?' ? i + 2 : i + 1;
      groups.push([start, end]);
      i = end - 1;
    }
  }
  return { groups, bars };
}

const unescape = (text: string) => text.replace(/\\(.)/g, '$1');

/** Express 5 exposes `app.router`; Express 4 keeps `app._router`, and its `app.router` getter throws. */
function routerOf(app: object): RouterLike | undefined {
  const legacy = (app as { _router?: RouterLike })._router;
  if (legacy !== undefined) return legacy;
  if ('lazyrouter' in app) return undefined; // Express 4 before any route: nothing to walk.
  return (app as { router?: RouterLike }).router;
}

/** An Express app (not a router): apps have a mount path and settings. */
function isApp(handle: unknown): handle is AppLike {
  return typeof handle === 'function' && 'mountpath' in handle && 'settings' in handle;
}

/** The app and its parents, innermost first. */
function parentChain(app: AppLike | undefined): AppLike[] {
  const chain: AppLike[] = [];
  for (let a = app; a !== undefined; a = a.parent) chain.push(a);
  return chain;
}

/** The outermost app above `app` (itself when not mounted with app.use). */
function topApp(app: AppLike | undefined): AppLike | undefined {
  let a = app;
  while (a?.parent !== undefined) a = a.parent;
  return a;
}

function patternText(p: PathSpec): string {
  if (typeof p === 'string') return p;
  if (p instanceof RegExp) return p.source;
  return p.map(patternText).join('|');
}

/** Joins path templates: one slash between parts, none at the end (except the root). */
export function joinPaths(...parts: string[]): string {
  let out = '';
  for (const part of parts) {
    if (part === '' || part === '/') continue;
    out += part[0] === '/' ? part : `/${part}`;
    if (out.endsWith('/')) out = out.slice(0, -1);
  }
  return out === '' ? '/' : out;
}

/** Path of the request as received, without the query string. */
export function pathnameOf(req: RoutedRequest): string {
  const url = req.originalUrl ?? req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
