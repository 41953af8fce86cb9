// Rebuilds the built-in datasets from datasets/sources (see datasets/README.md):
//   npx tsx datasets/build.ts
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCpu, buildTunes } from '../src-main/datasets/builtin';

const here = path.dirname(fileURLToPath(import.meta.url));
const tunes = await buildTunes(path.join(here, 'sources', 'abcmidi'), path.join(here, 'tunes'));
process.stderr.write(`datasets/tunes: ${tunes.length} files\n`);
const cpu = await buildCpu(path.join(here, 'cpu'));
process.stderr.write(`datasets/cpu: ${cpu} files\n`);
