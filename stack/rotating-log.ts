// A log file of bounded size: appended to until it reaches `maxBytes`, then
// renamed to `<file>.1` (replacing the previous one) and started afresh, so a
// stack left running for days holds at most about twice `maxBytes` per log.
import { createWriteStream, openSync, renameSync, statSync, type WriteStream } from 'node:fs';

/** Per log file (demo.log, prometheus.log...): enough for hours of a busy demo. */
export const DEFAULT_MAX_LOG_BYTES = 20 * 1024 * 1024;

export class RotatingLog {
  readonly #path: string;
  readonly #maxBytes: number;
  #stream: WriteStream;
  #bytes: number;

  constructor(path: string, maxBytes = DEFAULT_MAX_LOG_BYTES) {
    this.#path = path;
    this.#maxBytes = maxBytes;
    this.#bytes = sizeOf(path);
    this.#stream = open(path);
  }

  write(text: string): void {
    const bytes = Buffer.byteLength(text);
    if (this.#bytes > 0 && this.#bytes + bytes > this.#maxBytes) this.#rotate();
    this.#stream.write(text);
    this.#bytes += bytes;
  }

  end(): Promise<void> {
    return new Promise((resolve) => this.#stream.end(resolve));
  }

  #rotate(): void {
    // The old stream still writes what it holds to the renamed file (same inode): nothing is lost.
    this.#stream.end();
    renameSync(this.#path, `${this.#path}.1`);
    this.#stream = open(this.#path);
    this.#bytes = 0;
  }
}

/** Opened now (not on the next turn), so the file exists when it is renamed. */
const open = (path: string): WriteStream => createWriteStream(path, { fd: openSync(path, 'a') });

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
