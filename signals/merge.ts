// Per-environment overrides: a partial object merged over a base, depth first.

/** Every field optional at every depth; arrays are replaced whole, not merged. */
export type DeepPartial<T> = { readonly [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

export function merge<T>(base: T, patch: DeepPartial<T> | undefined): T {
  if (patch === undefined) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) && typeof b === 'object' && b !== null ? merge(b, v as DeepPartial<typeof b>) : v;
  }
  return out as T;
}
