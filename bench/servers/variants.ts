/**
 * Server variants of bench/servers/hello.ts, in the order the tables print them.
 * `listener-only` adds just a `close` listener: the floor for any middleware
 * that observes the end of a response.
 */
export const VARIANTS = ['bare', 'listener-only', 'kit', 'express-prom-bundle'] as const;
export type Variant = (typeof VARIANTS)[number];
