// The `bgpt` command framework: flag parsing, --help, --json output, one-line errors (docs/cli.md).
import { parseArgs } from 'node:util';
import { UserError, errorLine, isUserError } from '../shared/errors';
import { escapeControls, escapeInline, terminalJson } from '../shared/terminal';
import { createProgress, type Progress, type ProgressOptions } from './progress';

export type OptionType = 'string' | 'number' | 'boolean' | 'list';

export interface OptionSpec {
  /** Long flag name without dashes, e.g. 'top-k'. Parsed into camelCase ('topK'). */
  name: string;
  type: OptionType;
  description: string;
  default?: string | number | boolean;
  required?: boolean;
}

export interface CommandContext {
  /** Parsed options, camelCased. Numbers are validated numbers; lists are string arrays. */
  opts: Record<string, string | number | boolean | string[] | undefined>;
  positionals: string[];
  json: boolean;
  /** Human progress, always on stderr so --json stdout stays one object. */
  progress(message: string): void;
  /** A progress bar on stderr (redrawn in a terminal, plain lines otherwise); see progress.ts. */
  startProgress(options: Omit<ProgressOptions, 'sink'>): Progress;
  /** Aborted on SIGINT/SIGTERM: long commands should stop cleanly and leave nothing half-written. */
  signal: AbortSignal;
}

export interface CommandSpec {
  /** 'eval', or a two-word name such as 'datasets import'. */
  name: string;
  summary: string;
  /** e.g. 'bgpt eval --checkpoint DIR FILE...' */
  usage: string;
  options: OptionSpec[];
  /** Positional arguments: min count (default 0). */
  minPositionals?: number;
  maxPositionals?: number;
  run(ctx: CommandContext): Promise<unknown>;
  /** Human rendering of the result when --json is absent; default: pretty JSON. */
  format?(result: unknown): string;
}

/** `--home` of every command that touches the studio's data (docs/cli.md). */
export const HOME_OPTION: OptionSpec = { name: 'home', type: 'string', description: 'studio data folder (default BGPT_HOME, else the app-data folder)' };

const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: 'json', type: 'boolean', description: 'print exactly one JSON object on stdout (last line)' },
  { name: 'help', type: 'boolean', description: 'show help for this command' },
];

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function commandHelp(cmd: CommandSpec): string {
  const lines = [`${cmd.summary}`, '', `usage: ${cmd.usage}`, '', 'options:'];
  for (const o of [...cmd.options, ...GLOBAL_OPTIONS]) {
    const flag = `--${o.name}${o.type === 'boolean' ? '' : ' ' + (o.type === 'number' ? 'N' : 'VALUE')}`;
    const dflt = o.default !== undefined ? ` (default ${o.default})` : o.required ? ' (required)' : '';
    lines.push(`  ${flag.padEnd(26)} ${o.description}${dflt}`);
  }
  return lines.join('\n');
}

export function globalHelp(commands: CommandSpec[]): string {
  const lines = ['bgpt — bGPT Studio command line', '', 'usage: bgpt <command> [options]   (bgpt <command> --help for details)', '', 'commands:'];
  for (const c of commands) lines.push(`  ${c.name.padEnd(18)} ${c.summary}`);
  lines.push('', 'environment: BGPT_HOME (studio data folder), BGPT_BACKEND (tensorflow-gpu | tensorflow | wasm | cpu)');
  return lines.join('\n');
}

/** Parses argv for one command; throws UserError on unknown flags or bad values. */
export function parseCommandArgs(cmd: CommandSpec, argv: string[]): { opts: CommandContext['opts']; positionals: string[]; json: boolean; help: boolean } {
  const all = [...cmd.options, ...GLOBAL_OPTIONS];
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const o of all) options[o.name] = { type: o.type === 'boolean' ? 'boolean' : 'string', ...(o.type === 'list' ? { multiple: true } : {}) };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UserError(`${errorLine(err).replace(/\. To specify.*$/, '')} (see bgpt ${cmd.name} --help)`, 'BAD_ARGS');
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const help = values.help === true;
  const opts: CommandContext['opts'] = {};
  for (const o of cmd.options) {
    let v: string | boolean | string[] | number | undefined = values[o.name];
    if (v === undefined) v = o.default;
    if (v === undefined) {
      if (o.required && !help) throw new UserError(`missing --${o.name} (see bgpt ${cmd.name} --help)`, 'BAD_ARGS');
      continue;
    }
    if (o.type === 'number' && typeof v === 'string') {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) throw new UserError(`--${o.name} must be a number, got '${v}'`, 'BAD_ARGS');
      v = n;
    }
    opts[camel(o.name)] = v;
  }
  const positionals = parsed.positionals;
  if (!help) {
    if (positionals.length < (cmd.minPositionals ?? 0)) throw new UserError(`missing arguments: usage: ${cmd.usage}`, 'BAD_ARGS');
    if (cmd.maxPositionals !== undefined && positionals.length > cmd.maxPositionals) {
      throw new UserError(`unexpected argument '${positionals[cmd.maxPositionals]}': usage: ${cmd.usage}`, 'BAD_ARGS');
    }
  }
  return { opts, positionals, json: values.json === true, help };
}

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress bars are redrawn in place only there). */
  stderrIsTTY?: boolean;
  stderrColumns?: number;
}

const processIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  get stderrIsTTY() { return process.stderr.isTTY === true; },
  get stderrColumns() { return process.stderr.columns; },
};

/** Runs the CLI; returns the exit code (0 ok, 1 error, 2 usage). */
export async function runCli(commands: CommandSpec[], argv: string[], io: Io = processIo): Promise<number> {
  // Commands may have one or two words ('eval', 'datasets import'): longest match wins.
  const byName = new Map(commands.map((c) => [c.name, c]));
  let cmd = argv.length >= 2 ? byName.get(`${argv[0]} ${argv[1]}`) : undefined;
  let rest = argv.slice(2);
  if (!cmd) {
    cmd = byName.get(argv[0] ?? '');
    rest = argv.slice(1);
  }
  if (!cmd) {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.stdout(globalHelp(commands) + '\n');
      return argv.length === 0 ? 2 : 0;
    }
    const group = commands.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (group.length > 0) {
      io.stdout(globalHelp(group) + '\n');
      return argv.includes('--help') ? 0 : 2;
    }
    io.stderr(`bgpt: unknown command '${argv[0]}' (see bgpt --help)\n`);
    return 2;
  }
  const controller = new AbortController();
  let interrupted: number | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = signal === 'SIGINT' ? 130 : 143;
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { opts, positionals, json, help } = parseCommandArgs(cmd, rest);
    if (help) {
      io.stdout(commandHelp(cmd) + '\n');
      return 0;
    }
    // File names reach every output: control characters in them are shown escaped, never obeyed.
    const sink = { write: (t: string) => io.stderr(t), isTTY: io.stderrIsTTY === true, columns: io.stderrColumns };
    const startProgress = (o: Omit<ProgressOptions, 'sink'>) => createProgress({ ...o, sink });
    const result = await cmd.run({ opts, positionals, json, progress: (m) => io.stderr(escapeControls(m) + '\n'), startProgress, signal: controller.signal });
    if (json) io.stdout(terminalJson(result) + '\n');
    else if (result !== undefined) io.stdout(escapeControls(cmd.format ? cmd.format(result) : terminalJson(result, 2)) + '\n');
    // A command that stopped cleanly on Ctrl-C (its result says where) still exits as interrupted (128 + signal),
    // so `bgpt train && bgpt generate` does not go on as if it had finished.
    return interrupted ?? 0;
  } catch (err) {
    io.stderr(`bgpt ${cmd.name}: ${escapeInline(errorLine(err))}\n`);
    if (!isUserError(err) && process.env.BGPT_DEBUG) io.stderr(String((err as Error)?.stack) + '\n');
    return isUserError(err) && (err as UserError).code === 'BAD_ARGS' ? 2 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
