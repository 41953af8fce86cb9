// `bgpt --help` and `bgpt <command> --help` without loading any command: the built CLI answers them from
// out/node/commands.json, the commands' own specs written at build time (scripts/build-node.mjs), so help costs
// no SQLite, zod, engine or TF.js (issue 21: under 200 ms). Every other command line loads the commands.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandSpec } from './framework';

/** What help needs of a command: its spec without the code. */
export type HelpSpec = Omit<CommandSpec, 'run' | 'format'>;

/** The file beside the built CLI that holds every command's HelpSpec, in `bgpt --help` order. */
export const MANIFEST_FILE = 'commands.json';

export function helpSpecs(commands: CommandSpec[]): HelpSpec[] {
  return commands.map(({ name, summary, usage, options, minPositionals, maxPositionals }) => ({ name, summary, usage, options, minPositionals, maxPositionals }));
}

/**
 * Whether a command line only asks for help (or names no command), so the specs alone answer it: no arguments,
 * `--help`/`-h`/`help`, a command group or an unknown word, or a command followed by nothing but `--help`.
 */
export function answersFromSpecs(specs: HelpSpec[], argv: string[]): boolean {
  if (argv.length === 0 || ['--help', '-h', 'help'].includes(argv[0])) return true;
  const names = new Set(specs.map((s) => s.name));
  const words = argv.length >= 2 && names.has(`${argv[0]} ${argv[1]}`) ? 2 : names.has(argv[0]) ? 1 : 0;
  if (words === 0) return true;
  const rest = argv.slice(words);
  return rest.length > 0 && rest.every((a) => a === '--help');
}

/** The specs written beside this bundle, or null (running from sources, or an older build without them). */
export function builtSpecs(bundleUrl: string): HelpSpec[] | null {
  const file = path.join(path.dirname(fileURLToPath(bundleUrl)), MANIFEST_FILE);
  if (!existsSync(file)) return null;
  try {
    const specs = JSON.parse(readFileSync(file, 'utf8')) as HelpSpec[];
    return Array.isArray(specs) && specs.length > 0 ? specs : null;
  } catch {
    return null;
  }
}

/** Specs as commands for the framework's help printer; their code is never reached (answersFromSpecs). */
export function specsAsCommands(specs: HelpSpec[]): CommandSpec[] {
  return specs.map((s) => ({ ...s, run: () => Promise.reject(new Error(`bgpt ${s.name}: help specs cannot run a command`)) }));
}
