import { parseArgs as parseArgv } from 'node:util';

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

/**
 * node's `util.parseArgs` splits the line; it knows no benchmark's options, so the rules above are
 * applied to its tokens: an option takes the next argument as its value unless that starts with
 * `--`, a `-x` is an argument (not a short option), and a lone `--` is an option named "" (options
 * go on being read after it).
 */
export function parseArgs(argv: string[]): BenchArgs {
  const options: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let from = 0; from < argv.length;) {
    const { tokens } = parseArgv({ args: argv.slice(from), strict: false, allowPositionals: true, tokens: true });
    let next = argv.length;
    /** The argument last taken as an option's value or as a `-x` argument: its other tokens are skipped. */
    let taken = -1;
    for (const token of tokens) {
      const at = from + token.index;
      if (at === taken) continue;
      if (token.kind === 'positional') {
        positional.push(token.value);
        continue;
      }
      const raw = argv[at]!;
      if (!raw.startsWith('--')) {
        positional.push(raw);
        taken = at;
        continue;
      }
      const eq = raw.indexOf('=');
      if (eq > 0) {
        options[raw.slice(2, eq)] = raw.slice(eq + 1);
        continue;
      }
      const value = argv[at + 1];
      const name = raw.slice(2);
      if (value !== undefined && !value.startsWith('--')) {
        options[name] = value;
        taken = at + 1;
      } else {
        options[name] = true;
      }
      if (token.kind === 'option-terminator') {
        // node reads everything after `--` as arguments; here options go on.
        next = taken === at + 1 ? at + 2 : at + 1;
        break;
      }
    }
    from = next;
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
