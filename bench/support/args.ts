/** `--key value`, `--key=value` and bare `--flag` options after the benchmark name. */
export interface BenchArgs {
  options: Record<string, string | true>;
  /** Arguments that are not options. */
  positional: string[];
  /** A numeric option, or `fallback`; throws on a value that is not a finite number. */
  number(name: string, fallback: number): number;
  /** A comma-separated list of numbers (`--rate 250,100`), or `fallback`. */
  numbers(name: string, fallback: number[]): number[];
  /** A string option, or `fallback`. */
  string(name: string, fallback: string): string;
  flag(name: string): boolean;
}

export function parseArgs(argv: string[]): BenchArgs {
  const options: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) {
      options[arg.slice(2, eq)] = arg.slice(eq + 1);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      options[arg.slice(2)] = next;
      i++;
    } else {
      options[arg.slice(2)] = true;
    }
  }
  return {
    options,
    positional,
    number(name, fallback) {
      const raw = options[name];
      if (raw === undefined) return fallback;
      const value = Number(raw);
      if (raw === true || !Number.isFinite(value)) throw new Error(`--${name} needs a number, got ${String(raw)}`);
      return value;
    },
    numbers(name, fallback) {
      const raw = options[name];
      if (raw === undefined) return fallback;
      const values = String(raw)
        .split(',')
        .map((v) => Number(v.trim()));
      if (raw === true || values.some((v) => !Number.isFinite(v) || v <= 0)) throw new Error(`--${name} needs positive numbers, got ${String(raw)}`);
      return values;
    },
    string(name, fallback) {
      const raw = options[name];
      return typeof raw === 'string' ? raw : fallback;
    },
    flag(name) {
      const raw = options[name];
      return raw === true || raw === 'true' || raw === '1';
    },
  };
}
