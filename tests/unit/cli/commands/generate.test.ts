// `bgpt generate --help` states the sampling defaults that a generation with no sampling flags really uses.
import { describe, expect, it } from 'vitest';
import { commandHelp } from '../../../../src-main/cli/framework';
import { generateCommand } from '../../../../src-main/cli/commands/generate';
import { requests } from '../../../../src-main/shared/contract';
import { resolveSampling } from '../../../../src-main/studio/samples';

/** The "(default: the recipe's A for abc, else B)" of one flag's help line. */
function stated(help: string, flag: string): { abc: number; other: number } {
  const line = help.split('\n').find((l) => l.trimStart().startsWith(`--${flag} `));
  const m = line?.match(/default: the recipe's ([\d.]+) for abc, else ([\d.]+)/);
  if (!m) throw new Error(`no default stated for --${flag}: ${line}`);
  return { abc: Number(m[1]), other: Number(m[2]) };
}

describe('bgpt generate --help', () => {
  const help = commandHelp(generateCommand);
  const none = requests.generateRequest.shape.sampling.parse({});
  const used = { abc: resolveSampling({ ext: 'abc', sampling: none }), other: resolveSampling({ ext: 'mid', sampling: none }) };

  it.each([['top-k', 'topK'], ['top-p', 'topP'], ['temperature', 'temperature']] as const)('--%s: the default it states is the one used', (flag, key) => {
    const s = stated(help, flag);
    expect(s.abc).toBe(used.abc[key]);
    expect(s.other).toBe(used.other[key]);
  });
});
