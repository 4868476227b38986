/**
 * The command lines of `npm run ops` (src/ops/cli.ts) and `npm run bench` (bench/support/args.ts):
 * both are split by node's util.parseArgs, and both keep their own syntax where it differs from
 * node's (a `-x` is an argument, a lone `--` is an option, values starting with `--` are refused).
 */
import { describe, expect, it } from 'vitest';
import { parseArgs as parseBenchArgs } from '../../bench/support/args.js';
import { createI18n } from '../../src/i18n.js';
import { parseArgs } from '../../src/ops/cli.js';

const i18n = createI18n('en');
const parse = (...argv: string[]) => parseArgs(argv, (lang) => i18n.t(lang));
const problem = (...argv: string[]) => parse(...argv).problem;

describe('ops CLI arguments', () => {
  it('takes the options before, between or after the command and its arguments', () => {
    expect(parse('allocate', '--json', 'TJ1', '--lang', 'zh-CN', 'VIN')).toEqual({
      json: true,
      lang: 'zh-CN',
      help: false,
      command: 'allocate',
      args: ['TJ1', 'VIN'],
      problem: null,
    });
    expect(parse('--lang=zh-CN', 'list')).toMatchObject({ lang: 'zh-CN', command: 'list', args: [] });
    expect(parse('-h')).toMatchObject({ help: true, command: null, problem: null });
    expect(parse('--help', 'show', 'TJ1')).toMatchObject({ help: true, command: 'show' });
    expect(parse()).toMatchObject({ command: null, problem: null });
  });

  it('names the first bad option, in the language asked for', () => {
    expect(problem('list', '--verbose', '--other')).toBe('Unknown option “--verbose” (npm run ops -- --help shows the usage)');
    expect(problem('list', '--lang', 'fr')).toBe('Unknown option “--lang fr” (npm run ops -- --help shows the usage)');
    expect(problem('list', '--lang=fr')).toBe('Unknown option “--lang=fr fr” (npm run ops -- --help shows the usage)');
    expect(problem('list', '--lang')).toContain('“--lang”');
    expect(problem('list', '--lang', '--json')).toContain('“--lang --json”');
    expect(problem('list', '--json=1')).toContain('“--json=1”');
    expect(problem('list', '--help=')).toContain('“--help=”');
    expect(problem('--', 'list')).toContain('“--”');
    expect(problem('list', '--x', '--lang', 'zh-CN')).toBe('未知选项“--x”（npm run ops -- --help 查看用法）');
  });

  it('reads options after a lone -- as options still', () => {
    expect(parse('--', 'list', '--json')).toMatchObject({ json: true, problem: expect.stringContaining('“--”') });
  });

  it('a single dash other than -h is an argument, not an option', () => {
    expect(problem('-x')).toContain('Unknown command “-x”');
    expect(problem('-hx')).toContain('Unknown command “-hx”');
    expect(parse('show', '-5')).toMatchObject({ command: 'show', args: ['-5'], help: false });
    expect(parse('show', '-')).toMatchObject({ command: 'show', args: ['-'] });
  });

  it('checks the command and how many arguments it takes', () => {
    expect(problem('launch')).toContain('Unknown command “launch”');
    expect(problem('allocate', 'TJ1')).toContain('“allocate” expects: <order> <VIN>');
    expect(parse('import-vins', 'vins.csv')).toMatchObject({ command: 'import-vins', args: ['vins.csv'] });
  });

  it('shipped: --carrier and --tracking take a value that is not an option', () => {
    expect(parse('shipped', '--tracking', 'T1', 'S10001', '--carrier=JD')).toMatchObject({ command: 'shipped', args: ['S10001', 'JD', 'T1'] });
    expect(problem('shipped', 'S10001', '--carrier', '--tracking', 'T1')).toContain('“--carrier”');
    expect(problem('shipped', 'S10001', '--carrier=', '--tracking', 'T1')).toContain('“--carrier=”');
    expect(parse('shipped', 'S10001', '--carrier', '-', '--tracking', '-x')).toMatchObject({ args: ['S10001', '-', '-x'] });
  });
});

describe('bench arguments', () => {
  it('--key value, --key=value, bare --flag, and the rest positional', () => {
    const args = parseBenchArgs(['--rate', '250,100', '--seconds=5', '--trace', '--skip-baseline', 'extra', '--count', '-3']);
    expect(args.options).toEqual({ rate: '250,100', seconds: '5', trace: true, 'skip-baseline': 'extra', count: '-3' });
    expect(args.positional).toEqual([]);
    expect(args.numbers('rate', [1])).toEqual([250, 100]);
    expect(args.number('seconds', 10)).toBe(5);
    expect(args.number('count', 10)).toBe(-3);
    expect(args.flag('trace')).toBe(true);
    expect(args.string('missing', 'x')).toBe('x');
  });

  it('a single-dash argument is positional; an option never takes a value starting with --', () => {
    const args = parseBenchArgs(['-x', 'a', '-abc', '--json', '--=v', '--a=b=c', '--last']);
    expect(args.positional).toEqual(['-x', 'a', '-abc']);
    expect(args.options).toEqual({ json: true, '': 'v', a: 'b=c', last: true });
  });

  it('a lone -- is an option named "" and the options after it are read', () => {
    expect(parseBenchArgs(['--', 'x', '--n', '2', 'p']).options).toEqual({ '': 'x', n: '2' });
    expect(parseBenchArgs(['--', '--n', '2']).options).toEqual({ '': true, n: '2' });
  });

  it('refuses a value that is not a number', () => {
    expect(() => parseBenchArgs(['--count']).number('count', 1)).toThrow('--count needs a number, got true');
    expect(() => parseBenchArgs(['--rate', '5,x']).numbers('rate', [1])).toThrow('--rate needs positive numbers, got 5,x');
  });
});
