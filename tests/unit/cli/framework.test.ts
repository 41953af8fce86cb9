// The `bgpt` framework: help for every command, --json as one object on the last stdout line,
// one-line errors with non-zero exit codes.
import { describe, expect, it } from 'vitest';
import { runCli, type CommandSpec, type Io } from '../../../src-main/cli/framework';
import { commands } from '../../../src-main/cli/commands/index';
import { UserError } from '../../../src-main/shared/errors';

function capture(): Io & { out: string; err: string } {
  const io = { out: '', err: '', stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

const echo: CommandSpec = {
  name: 'echo',
  summary: 'echo',
  usage: 'bgpt echo [--n N] WORD',
  options: [{ name: 'n', type: 'number', description: 'a number', default: 1 }, { name: 'top-k', type: 'number', description: 'k' }],
  minPositionals: 1,
  async run({ opts, positionals, progress }) {
    if (positionals[0] === 'fail') throw new UserError('the file x.mid is empty');
    if (positionals[0] === 'crash') throw new Error('internal\nwith a second line');
    progress('working');
    return { word: positionals[0], n: opts.n, topK: opts.topK ?? null };
  },
};

describe('bgpt framework', () => {
  it('prints exactly one JSON object as the last stdout line, progress on stderr', async () => {
    const io = capture();
    expect(await runCli([echo], ['echo', 'hi', '--n', '3', '--top-k', '5', '--json'], io)).toBe(0);
    const lines = io.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({ word: 'hi', n: 3, topK: 5 });
    expect(io.err).toBe('working\n');
  });

  it('answers bad input with one line and a non-zero exit', async () => {
    for (const [argv, code, pattern] of [
      [['echo', 'x', '--n', 'many'], 2, /--n must be a number/],
      [['echo', 'x', '--bogus'], 2, /bogus/],
      [['echo'], 2, /missing arguments/],
      [['echo', 'fail'], 1, /the file x\.mid is empty/],
      [['echo', 'crash'], 1, /internal/],
      [['nope'], 2, /unknown command 'nope'/],
    ] as const) {
      const io = capture();
      expect(await runCli([echo], [...argv], io)).toBe(code);
      expect(io.err.trim().split('\n')).toHaveLength(1);
      expect(io.err).toMatch(pattern);
      expect(io.out).toBe('');
    }
  });

  it('has --help for every registered command', async () => {
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) {
      const io = capture();
      expect(await runCli(commands, [...c.name.split(' '), '--help'], io)).toBe(0);
      expect(io.out).toContain(`usage: ${c.usage}`);
      expect(io.out).toContain('--json');
    }
  });

  it('lists each option of a command once', () => {
    for (const c of commands) {
      const names = c.options.map((o) => o.name);
      expect(names.filter((n, i) => names.indexOf(n) !== i), c.name).toEqual([]);
    }
  });
});
