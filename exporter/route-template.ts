// Resolves the Express route template of a finished request (`/api/users/:id`),
// base paths of mounted routers and sub-apps included, without patching
// Express: the router keeps each layer's registered path (`layer.rawPath`,
// router >= 2.3), so the app's layer tree is walked once per route and the
// answer cached by Route object. The request path only decides between
// templates when one route is reachable by several (a router mounted twice).
import { UNMATCHED_ROUTE } from '../catalog/http.ts';

type PathSpec = string | RegExp | readonly PathSpec[];

interface RouteLike {
  readonly path: PathSpec;
}

interface LayerLike {
  readonly rawPath?: PathSpec;
  readonly route?: RouteLike;
  readonly handle?: { readonly stack?: readonly LayerLike[] };
  match?(path: string): false | { readonly path: string; readonly pattern?: PathSpec };
}

interface AppLike {
  readonly router?: { readonly stack: readonly LayerLike[] };
  readonly mountpath?: PathSpec;
  readonly parent?: AppLike;
}

export interface RoutedRequest {
  readonly route?: RouteLike;
  readonly app?: AppLike;
  readonly originalUrl?: string;
  readonly url?: string;
}

/** Every way one route can be reached: the mount layers leading to it, the route's own layer, and the template they spell. */
type Candidates = readonly { readonly chain: readonly LayerLike[]; readonly template: string }[];

/** Cached per Route object: the template, or the candidates to decide between per request. */
type Entry = string | Candidates;

export class RouteTemplates {
  readonly #entries = new WeakMap<RouteLike, Entry>();

  /** The route template of a request, or UNMATCHED_ROUTE when no route handled it. */
  resolve(req: RoutedRequest): string {
    const route = req.route;
    if (route === undefined) return UNMATCHED_ROUTE;
    let entry = this.#entries.get(route);
    if (entry === undefined) {
      entry = this.#index(req.app, route);
      this.#entries.set(route, entry);
    }
    return typeof entry === 'string' ? entry : choose(entry, pathBelowMounts(req.app, pathnameOf(req)));
  }

  #index(app: AppLike | undefined, route: RouteLike): Entry {
    const prefix = mountPrefix(app);
    const found: LayerLike[][] = [];
    if (app?.router !== undefined) collectChains(app.router.stack, [], route, found, new Set());
    // A route built outside the app's tree (unusual): its own path is still bounded.
    if (found.length === 0) return joinPaths(prefix, patternText(route.path));
    const candidates = found.map((chain) => ({ chain, template: joinPaths(prefix, ...chain.map((l) => patternText(l.rawPath ?? '/'))) }));
    const templates = new Set(candidates.map((c) => c.template));
    return templates.size === 1 ? candidates[0]!.template : candidates;
  }
}

/** Depth-first walk collecting the layer chains that end at `route`. */
function collectChains(stack: readonly LayerLike[], chain: LayerLike[], route: RouteLike, found: LayerLike[][], visiting: Set<object>): void {
  for (const layer of stack) {
    if (layer.route === route) {
      found.push([...chain, layer]);
      continue;
    }
    const inner = layer.handle?.stack;
    if (inner !== undefined && layer.route === undefined && !visiting.has(inner)) {
      visiting.add(inner);
      collectChains(inner, [...chain, layer], route, found, visiting);
      visiting.delete(inner);
    }
  }
}

/** Picks the first candidate whose layers all match the request path. */
function choose(candidates: Candidates, pathname: string): string {
  for (const { chain, template } of candidates) {
    let rest = pathname;
    let ok = true;
    for (const layer of chain) {
      const m = layer.match?.(rest);
      if (!m || typeof m !== 'object') {
        ok = false;
        break;
      }
      rest = rest.slice(m.path.length);
      if (rest[0] !== '/') rest = `/${rest}`;
    }
    if (ok) return template;
  }
  // None matches (an error path rewrote the URL, say): the first is still a template, never the raw path.
  return candidates[0]!.template;
}

/**
 * The request path as the sub-app's own router sees it: the candidates' chains
 * start at that router, so the parents' mount paths are matched off first,
 * each by a `use` layer of the parent registered with the same path.
 */
function pathBelowMounts(app: AppLike | undefined, pathname: string): string {
  const apps: AppLike[] = [];
  for (let a = app; a?.parent !== undefined; a = a.parent) apps.unshift(a);
  let rest = pathname;
  for (const a of apps) {
    const mount = patternText(a.mountpath ?? '/');
    const layer = a.parent?.router?.stack.find((l) => l.route === undefined && patternText(l.rawPath ?? '/') === mount);
    const m = layer?.match?.(rest);
    if (!m || typeof m !== 'object') return rest;
    rest = rest.slice(m.path.length);
    if (rest[0] !== '/') rest = `/${rest}`;
  }
  return rest;
}

/** Base path of a mounted sub-app: the mount paths of its parents, outermost first. */
function mountPrefix(app: AppLike | undefined): string {
  const parts: string[] = [];
  for (let a = app; a?.parent !== undefined; a = a.parent) parts.unshift(patternText(a.mountpath ?? '/'));
  return joinPaths(...parts);
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
