// Registry of `bgpt` commands, in the order `bgpt --help` lists them.
import type { CommandSpec } from '../framework';
import { datasetsDownload, datasetsImport, datasetsList } from './datasets';
import { serve } from './serve';
import { generateCommand } from './generate';
import { reportCommand } from './report';
import { convertCommand } from './convert';
import { catalogueRecover } from './catalogue';
import { cpuCommands } from './cpu';
import { evalCommand } from './eval';
import { trainCommand } from './train';
import { benchCommand } from './bench';
import { modelsCommands } from './models';
import { exportTorchCommand } from './export';
import { classifyCommand } from './classify';

export const commands: CommandSpec[] = [
  datasetsImport,
  datasetsDownload,
  datasetsList,
  serve,
  generateCommand,
  reportCommand,
  convertCommand,
  catalogueRecover,
  ...cpuCommands,
  evalCommand,
  trainCommand,
  benchCommand,
  ...modelsCommands,
  exportTorchCommand,
  classifyCommand,
];
