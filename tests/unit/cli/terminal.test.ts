// Control characters in names never reach the terminal raw (docs/security.md): the CLI's outputs
// show them escaped. Drives the real CLI framework with a command that prints a hostile file name.
import { describe, expect, it } from 'vitest';
import { runCli, type CommandSpec } from '../../../src-main/cli/framework';
import { UserError } from '../../../src-main/shared/errors';
import { escapeControls, terminalJson } from '../../../src-main/shared/terminal';

const HOSTILE = 'tune\u001b[2J\u001b]0;pwned\u0007\r\u009b31m\u202eevil.abc';

function cli(run: CommandSpec['run']): CommandSpec {
  return { name: 'probe', summary: 'test', usage: 'bgpt probe', options: [], maxPositionals: 0, run, format: (r) => (r as { path: string }).path };
}

async function capture(cmd: CommandSpec, argv: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const code = await runCli([cmd], ['probe', ...argv], { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  return { out, err, code };
}

const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

describe('terminal escaping', () => {
  it('escapes names in human output, progress and JSON, which still parses to the same value', async () => {
    const cmd = cli(async ({ progress }) => {
      progress(`read ${HOSTILE}`);
      return { path: HOSTILE };
    });
    const human = await capture(cmd, []);
    expect(human.code).toBe(0);
    expect(human.out).not.toMatch(RAW);
    expect(human.err).not.toMatch(RAW);
    expect(human.out).toContain('tune\\x1b[2J');
    const json = await capture(cmd, ['--json']);
    expect(json.out).not.toMatch(RAW);
    expect(JSON.parse(json.out)).toEqual({ path: HOSTILE });
  });

  it('keeps an error with a hostile name on one escaped line', async () => {
    const r = await capture(cli(async () => { throw new UserError(`cannot read '${HOSTILE}\nsecond line'`); }), []);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(RAW);
  });

  it('leaves ordinary text alone', () => {
    expect(escapeControls('a\tb\nc ünï 日本')).toBe('a\tb\nc ünï 日本');
    expect(terminalJson({ a: 'x\u0085' })).toBe('{"a":"x\\u0085"}');
  });
});
