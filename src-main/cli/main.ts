// `bgpt` entry: help from the built specs when that is all a command line asks (cli/help.ts), else the
// commands (commands/index.ts: each in commands/<name>.ts), loaded only then.
import { runCli, type CommandSpec } from './framework';
import { answersFromSpecs, builtSpecs, helpSpecs, specsAsCommands, type HelpSpec } from './help';
import { BUNDLED } from '../node/app-root';

async function loadCommands(): Promise<CommandSpec[]> {
  return (await import('./commands/index')).commands;
}

export async function main(argv: string[]): Promise<number> {
  const specs = BUNDLED ? builtSpecs(import.meta.url) : null;
  if (specs && answersFromSpecs(specs, argv)) return runCli(specsAsCommands(specs), argv);
  return runCli(await loadCommands(), argv);
}

/** Every command's help spec (scripts/build-node.mjs writes them to out/node/commands.json). */
export async function commandSpecs(): Promise<HelpSpec[]> {
  return helpSpecs(await loadCommands());
}
