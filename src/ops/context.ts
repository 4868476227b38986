import type { Services } from '../deps.js';
import type { Fmt } from '../telegram/format.js';

/** Where the ops CLI writes: stdout and stderr in the real process, arrays in tests. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** What one CLI command runs with: the services, formatting in the chosen language, who acts. */
export interface CliContext {
  services: Services;
  f: Fmt;
  actor: string;
  json: boolean;
  io: CliIo;
  readFile(path: string): Promise<string>;
}
