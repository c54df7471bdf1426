/** Server variants of bench/servers/hello.ts, in the order the tables print them. */
export const VARIANTS = ['bare', 'kit', 'express-prom-bundle'] as const;
export type Variant = (typeof VARIANTS)[number];
