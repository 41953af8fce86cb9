// `bgpt` entry: the list of commands. Each command lives in commands/<name>.ts and exports `command`.
import { runCli, type CommandSpec } from './framework';
import { commands as all } from './commands/index';

export const commands: CommandSpec[] = all;

export async function main(argv: string[]): Promise<number> {
  return runCli(commands, argv);
}
