// Registry of `bgpt` commands, in the order `bgpt --help` lists them.
import type { CommandSpec } from '../framework';

export const commands: CommandSpec[] = [];
