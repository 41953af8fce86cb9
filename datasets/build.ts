// Rebuilds the built-in datasets from datasets/sources (see datasets/README.md):
//   npx tsx datasets/build.ts
// The music sets need Debian's abcmidi (abc2abc transposes, abc2midi checks every tune).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCpu, buildMusic, MUSIC_FOLDERS } from '../src-main/datasets/builtin';

const here = path.dirname(fileURLToPath(import.meta.url));
const { tunes, sets } = await buildMusic([path.join(here, 'sources', 'abcmidi'), path.join(here, 'sources', 'abcm2ps')], here);
const evalTunes = tunes.filter((t) => t.split === 'eval').length;
process.stderr.write(`${tunes.length} tunes (${evalTunes} held out for eval)\n`);
for (const k of ['abc', 'midi', 'pairs'] as const) process.stderr.write(`datasets/${MUSIC_FOLDERS[k]}: ${sets[k].size} files\n`);
const cpu = await buildCpu(path.join(here, 'cpu'));
process.stderr.write(`datasets/cpu: ${cpu} files\n`);
