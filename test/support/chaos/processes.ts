/**
 * The app's real processes for the chaos run (src/main.ts compiled, as test/e2e/process.test.ts
 * starts it), each watched like an orchestrator would: a process that dies (kill -9, or a start
 * that failed because Postgres or Redis was away) is started again after a short pause. Each runs
 * in a process group of its own, and every kill goes to the group: nothing it started outlives it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeArgsFor } from '../compiled.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export class AppProcess {
  /** Times it was started (the first start included). */
  starts = 0;
  /**
   * Exits the supervisor did not cause (its kill -9 excluded), with their code or signal: e.g. a
   * start that failed (exit 1) because Postgres or Redis was away at that moment.
   */
  readonly exits: string[] = [];
  private child: ChildProcess | null = null;
  private stopping = false;
  private killedOnPurpose = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly log: WriteStream;

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    logFile: string,
    private readonly restartDelayMs = 500,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  get running(): boolean {
    return this.child !== null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.stopping || this.child) return;
    this.starts++;
    this.log.write(`\n==== ${new Date().toISOString()} ${this.name}: start #${this.starts}\n`);
    const child = spawn(process.execPath, nodeArgsFor('src/main.ts'), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      this.log.write(`\n==== ${new Date().toISOString()} ${this.name}: exit ${code ?? signal}\n`);
      if (!this.killedOnPurpose && !this.stopping) this.exits.push(String(code ?? signal));
      this.killedOnPurpose = false;
      if (!this.stopping) this.restartTimer = setTimeout(() => this.start(), this.restartDelayMs);
    });
  }

  /** kill -9; the supervisor starts it again. Resolves once the process is gone. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.killedOnPurpose = true;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    signalGroup(child, 'SIGKILL');
    await gone;
  }

  /** SIGKILL at once and no restart (the run is being torn down in a hurry, e.g. Ctrl-C). */
  killNow(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (this.child) signalGroup(this.child, 'SIGKILL');
  }

  /** Stops for good: SIGTERM (a graceful stop), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      // The app itself only: its graceful stop is the point (what it started goes with the SIGKILL).
      child.kill('SIGTERM');
      const force = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      await gone;
      clearTimeout(force);
    }
    await new Promise<void>((resolve) => this.log.end(() => resolve()));
  }
}

/** Sends `signal` to the child's process group (the child itself should the group be gone). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    child.kill(signal);
  }
}
