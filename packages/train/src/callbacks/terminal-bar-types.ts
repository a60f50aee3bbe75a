/** What `progressBar` needs of a live bar (cli-progress's `SingleBar` in Node.js). */
export interface TerminalBar {
  start(total: number, value: number, payload: Record<string, string>): void;
  update(value: number, payload: Record<string, string>): void;
  setTotal(total: number): void;
  stop(): void;
}
