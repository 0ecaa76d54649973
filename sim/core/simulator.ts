import type { SimControl, SimServer } from "./server.js";

/**
 * What every upstream simulator exposes: the HTTP server with its control switches, and the base
 * URL (origin + the reference's base path) a gateway config points at.
 */
export abstract class Simulator {
  constructor(
    readonly id: string,
    readonly server: SimServer,
    /** The reference's base path, e.g. `/api/v1` (CleanItAll) or `/api` (JobCloser). */
    readonly basePath: string,
  ) {}

  get control(): SimControl {
    return this.server.control;
  }

  /** Starts listening (port 0 = any free port) and returns the base URL. */
  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    await this.server.listen(port, host);
    return this.baseUrl;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** Origin + base path, e.g. `http://127.0.0.1:41234/api/v1`. */
  get baseUrl(): string {
    return `${this.server.url}${this.basePath}`;
  }
}
