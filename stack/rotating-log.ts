// A log file of bounded size: appended to until it reaches `maxBytes`, then
// renamed to `<file>.1` (replacing the previous one) and started afresh, so a
// stack left running for days holds at most about twice `maxBytes` per log.
import { createWriteStream, openSync, renameSync, statSync, type WriteStream } from 'node:fs';

/** Per log file (demo.log, prometheus.log...): enough for hours of a busy demo. */
export const DEFAULT_MAX_LOG_BYTES = 20 * 1024 * 1024;

export class RotatingLog {
  readonly #path: string;
  readonly #maxBytes: number;
  readonly #onError: ((err: Error) => void) | undefined;
  #stream: WriteStream;
  #bytes: number;

  /** `onError` receives write errors (without it, one is thrown as the stream's unhandled 'error'). */
  constructor(path: string, maxBytes = DEFAULT_MAX_LOG_BYTES, onError?: (err: Error) => void) {
    this.#path = path;
    this.#maxBytes = maxBytes;
    this.#onError = onError;
    this.#bytes = sizeOf(path);
    this.#stream = this.#open();
  }

  /** `written` is called once the text is in the file (or failed to get there). */
  write(text: string, written?: (err?: Error | null) => void): void {
    const bytes = Buffer.byteLength(text);
    if (this.#bytes > 0 && this.#bytes + bytes > this.#maxBytes) this.#rotate();
    this.#stream.write(text, written);
    this.#bytes += bytes;
  }

  end(): Promise<void> {
    return new Promise((resolve) => this.#stream.end(resolve));
  }

  #rotate(): void {
    // The old stream still writes what it holds to the renamed file (same inode): nothing is lost.
    this.#stream.end();
    renameSync(this.#path, `${this.#path}.1`);
    this.#stream = this.#open();
    this.#bytes = 0;
  }

  /** Opened now (not on the next turn), so the file exists when it is renamed. */
  #open(): WriteStream {
    const stream = createWriteStream(this.#path, { fd: openSync(this.#path, 'a') });
    if (this.#onError !== undefined) stream.on('error', this.#onError);
    return stream;
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
