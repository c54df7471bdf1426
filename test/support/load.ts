// Sends many requests from a few concurrent loops and counts the answers.

/** Answers by status code; a request that failed without one counts under its error code. */
export type Outcomes = Record<string, number>;

export async function flood(baseUrl: string, count: number, concurrency: number, path: (i: number) => string, init: (i: number) => RequestInit = () => ({})): Promise<Outcomes> {
  const outcomes: Outcomes = {};
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      let key: string;
      try {
        const res = await fetch(`${baseUrl}${path(i)}`, init(i));
        await res.arrayBuffer();
        key = String(res.status);
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause;
        key = cause?.code ?? (err as Error).name;
      }
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}
