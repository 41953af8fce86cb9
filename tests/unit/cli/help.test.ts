// Which command lines the built help specs answer alone (cli/help.ts): help and unknown words, never a command that runs.
import { describe, expect, it } from 'vitest';
import { answersFromSpecs, helpSpecs } from '../../../src-main/cli/help';
import { commands } from '../../../src-main/cli/commands/index';

describe('answersFromSpecs', () => {
  const specs = helpSpecs(commands);
  it.each([[[]], [['--help']], [['-h']], [['help']], [['models']], [['bogus']], [['generate', '--help']], [['models', 'download', '--help']], [['datasets', 'import', '--help', '--help']]])('answers %j', (argv) => {
    expect(answersFromSpecs(specs, argv)).toBe(true);
  });
  it.each([[['generate']], [['generate', '--help', '--out', 'x']], [['models', 'list']], [['models', 'list', '--json']], [['train', '--data', 'x', '--help']]])('loads the commands for %j', (argv) => {
    expect(answersFromSpecs(specs, argv)).toBe(false);
  });
});

describe('timeHelp (bgpt bench helpMs)', () => {
  it('starts the CLI as a user does and reports the medians of both helps', async () => {
    const { timeHelp } = await import('../../../src-main/cli/help-time');
    const t = timeHelp(1);
    expect(t.runs).toBe(1);
    expect(t.global).toBeGreaterThan(0);
    expect(t.command).toBeGreaterThan(0);
  }, 60_000);
});
