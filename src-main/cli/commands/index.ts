// Registry of `bgpt` commands, in the order `bgpt --help` lists them.
import type { CommandSpec } from '../framework';
import { datasetsImport, datasetsList } from './datasets';
import { serve } from './serve';

export const commands: CommandSpec[] = [
  datasetsImport,
  datasetsList,
  serve,
];
