// The ReDoS audit's two tables (docs/security.md, "Bounded time"): every function that runs a regular
// expression (or a parser) over bytes or text a user, a file or a request supplies, and the adversarial
// inputs each one must get through quickly. A newcomer adding a detector, validator or parser adds a
// row to ENTRIES; redos.test.ts also fails when a source file gains a regex that no row or reviewed
// note accounts for (REVIEWED_REGEX_FILES).
import { detectModality } from '../../../src-main/formats/modality';
import { validate } from '../../../src-main/formats/validate';
import { splitTunes } from '../../../src-main/formats/abc';
import { readAbcMusic } from '../../../src-main/formats/abc-music';
import { guidanceLine, judgeSample } from '../../../src-main/formats/guidance';
import { constraintFor } from '../../../src-main/formats/constraints';
import { parseAbc } from '../../../src-main/formats/preview/abc';
import { parseMidi, playbackNotes } from '../../../src-main/formats/preview/midi';
import { parseWav, wavPeaks } from '../../../src-main/formats/preview/wav';
import { parseBmp } from '../../../src-main/formats/preview/bmp';
import { hexRows, indexText, textRows } from '../../../src-main/formats/preview/text';
import { viewKind } from '../../../src-main/formats/preview/kind';
import { abcToMidi, imageToBmp, textToUtf8, wavToClips } from '../../../src-main/formats/convert';
import { looksLikeTrace, traceError } from '../../../src-main/formats/cpu/validate';
import { cleanTuneLines, musicKey, readTuneBook, tuneHeader, tuneSlug } from '../../../src-main/formats/abc-book';
import { transposeAbc } from '../../../src-main/formats/abc-transpose';
import { abcEvents, musicEvents } from '../../../src-main/formats/music-events';
import { featuresOf } from '../../../src-main/formats/music-stats';
import { irishmanEntries } from '../../../src-main/datasets/collections';
import { planEntries } from '../../../src-main/datasets/import';
import { resolveCollection } from '../../../src-main/studio/dataset-download';
import { convertFile } from '../../../src-main/datasets/convert';
import { pairKeyOf } from '../../../src-main/datasets/split';
import { StatsAccumulator } from '../../../src-main/datasets/stats';
import { parseReferenceLog } from '../../../src-main/engine/torch/log';
import { unpickle } from '../../../src-main/engine/torch/pickle';
import { inferConfig } from '../../../src-main/engine/torch/infer-config';
import { escapeControls, escapeInline, terminalJson } from '../../../src-main/shared/terminal';
import { extOf } from '../../../src-main/shared/patches';
import { args } from '../../../src-main/shared/contract';
import { checkModelName } from '../../../src-main/catalogue/models';
import { sha256FromHeader } from '../../../src-main/studio/download';
import { resolveDownloadSource } from '../../../src-main/studio/models';
import { hubRedirectAllowed, isLoopbackHost, transportProblem } from '../../../src-main/studio/published';
import { pathRedactor } from '../../../src-main/studio/redact';
import { grantedModelFile, PathGrants } from '../../../src-main/studio/grants';
import { saveDialogName } from '../../../src-main/main/policy';
import { authorize, isOwnHost, isOwnOrigin, parseTarget, safeDecode } from '../../../src-main/server/guards';
import { parseCommandArgs } from '../../../src-main/cli/framework';
import { modelsImport } from '../../../src-main/cli/commands/models';
import { normalizeExt } from '../../../src-renderer/lib/validate';
import { exportFileName, safeFileStem } from '../../../src-renderer/lib/csv';
import { parseHash } from '../../../src-renderer/lib/routes';
import { bmpName, isConvertibleImage } from '../../../src-renderer/lib/image-import';

/** Runs of one character are 1 MB; the other patterns 256 KiB (a quadratic scan of 256 KiB already takes
 * tens of seconds); `auditInputs(size)` scales both (a probe may compare two sizes). */
const MB = 1 << 20;
const ABC_HEADER = 'X:1\nT:t\nM:4/4\nL:1/8\nK:C\n';

/** `unit` repeated to about `bytes` bytes. */
let SIZE = MB / 4;
let RUN = MB;
const fill = (unit: string, bytes = SIZE): string => unit.repeat(Math.max(1, Math.floor(bytes / unit.length)));

/** Characters that open, close, repeat or separate something in one of the formats or grammars. */
const RUN_CHARS = [' ', '\t', 'a', 'C', 'X', '1', '/', '%', '[', ']', '"', '!', '+', '<', '>', ':', '|', '-', '.', '\\', '(', '{', '^', '_', '=', '&', '#', '~'];

/** Patterns that are adversarial for one of the regexes or scanners (each about 256 KiB unless named). */
const patterns = (): Array<[string, string]> => [
  ['10,000 blank lines', '\n'.repeat(10_000)],
  ['10,000 blank lines, then a letter', '\n'.repeat(10_000) + 'Y'],
  ['10,000 CRLF blank lines, then a letter', '\r\n'.repeat(10_000) + 'Y'],
  ['1 MB of newlines', fill('\n', RUN)],
  ['whitespace-only lines', fill(' \t \n') + 'Y'],
  ['100,000 "%" lines', '%\n'.repeat(100_000) + 'Y'],
  ['"%" lines with text', fill('% a comment line\n') + 'Y'],
  ['%%begintext blocks', fill('%%begintext\n')],
  ['blank and comment lines alternating', fill('\n%\n \n') + 'Y'],
  ['deep [ nesting', fill('[', SIZE / 2) + fill(']', SIZE / 2)],
  ['deep ( nesting', fill('(', SIZE / 2) + fill(')', SIZE / 2)],
  ['deep { nesting', fill('{', SIZE / 2) + fill('}', SIZE / 2)],
  ['deep " quotes', fill('"a')],
  ['deep < tags', fill('<', SIZE / 2) + fill('>', SIZE / 2)],
  ['unclosed inline fields [C:', fill('[C:')],
  ['unclosed decorations !a', fill('!a')],
  ['unclosed tags <a', fill('<a')],
  ['many tunes', fill('X:1\nK:C\nabc|\n')],
  ['many X: lines', fill('X:\n')],
  ['many K: lines', fill('K:\n')],
  ['one long music line', ABC_HEADER + fill('abc|')],
  ['one long music line, broken at the end', ABC_HEADER + fill('abc|') + '€'],
  ['one long line of words', fill('word ')],
  ['alternating space and letter', fill(' a')],
  ['alternating dash and letter', fill('-a')],
  ['dashes then a letter', fill('-') + 'a'],
  ['spaces then a letter', fill(' ') + 'a'],
  ['digits and slashes', fill('1/')],
  ['bar lines and colons', fill(':|')],
  ['broken rhythm', fill('a>')],
  ['continuations', fill('\\\n')],
  ['key-value log lines', fill('train_loss: 1.5\n')],
  ['"Epoch" lines', fill('Epoch 1\n')],
  ['a log value without a number', 'Epoch 1\ntrain_loss: ' + fill('1')],
  ['percent escapes', fill('%25')],
  ['broken percent escapes', fill('%E0%A4%A')],
  ['a header-like value', fill('W/"') + 'x'],
  ['multi-byte UTF-8', fill('€')],
  ['bidi and control characters', fill('\u202e\u0007')],
];

/** Binary inputs for the binary parsers (magic bytes followed by garbage or by nothing). */
function binaryInputs(): Array<[string, Uint8Array]> {
  const MB = RUN;
  let seed = 1;
  const random = new Uint8Array(MB).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
  const withMagic = (magic: number[], body: Uint8Array) => Uint8Array.from([...magic, ...body.subarray(0, MB - magic.length)]);
  return [
    ['1 MB of 0x00', new Uint8Array(MB)],
    ['1 MB of 0xff', new Uint8Array(MB).fill(0xff)],
    ['1 MB of random bytes', random],
    ['MThd then random bytes', withMagic([0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 1, 0xff, 0xff, 0, 96], random)],
    ['RIFF/WAVE then random bytes', withMagic([0x52, 0x49, 0x46, 0x46, 0xff, 0xff, 0xff, 0x7f, 0x57, 0x41, 0x56, 0x45], random)],
    ['BM then random bytes', withMagic([0x42, 0x4d, 0, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0], random)],
    ['PNG signature then random bytes', withMagic([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], random)],
    ['JPEG SOI then random bytes', withMagic([0xff, 0xd8, 0xff], random)],
    ['pickle of 1 MB of EMPTY_LIST', Uint8Array.from([0x80, 2, ...new Uint8Array(MB).fill(0x5d)])],
    ['pickle of 1 MB of MARK', Uint8Array.from([0x80, 2, ...new Uint8Array(MB).fill(0x28)])],
  ];
}

export interface AuditInput {
  name: string;
  bytes: Uint8Array;
  text: string;
  /** A pattern after an ABC header: given only to entries that read ABC (`abc: true`). */
  abc: boolean;
}

/** Every adversarial input: each pattern as it is and after an ABC header, each run of one character, the binaries. */
export function auditInputs(run = MB): AuditInput[] {
  RUN = run;
  SIZE = run / 4;
  const PATTERNS = patterns();
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const texts: Array<[string, string, boolean]> = [
    ...PATTERNS.map(([n, t]): [string, string, boolean] => [n, t, false]),
    ...RUN_CHARS.map((c): [string, string, boolean] => [`1 MB of ${JSON.stringify(c)}`, fill(c, RUN), false]),
    ...PATTERNS.map(([n, t]): [string, string, boolean] => [`ABC header + ${n}`, ABC_HEADER + t, true]),
    ...RUN_CHARS.map((c): [string, string, boolean] => [`ABC header + 1 MB of ${JSON.stringify(c)}`, ABC_HEADER + fill(c, RUN), true]),
  ];
  return [
    ...texts.map(([name, text, abc]) => ({ name, text, bytes: enc.encode(text), abc })),
    ...binaryInputs().map(([name, bytes]) => ({ name, bytes, text: dec.decode(bytes), abc: false })),
  ];
}

export interface AuditEntry {
  /** What runs, as a newcomer would look for it. */
  name: string;
  /** The file whose regexes (or parser) it exercises. */
  source: string;
  /**
   * Inputs are cut to this many bytes: abcjs (third party) is given at most ABCJS_LIMITS (16 KiB, lines
   * of 512 characters), so longer inputs would only test the refusal; conversion costs abcjs 0.4–1 ms a
   * tune (a 4 KiB book of empty tunes is 1,365 of them), linear in the book (at most 5,000 tunes).
   */
  maxBytes?: number;
  /** It reads ABC: it also gets every pattern after an ABC header, so the music scanners see it. */
  abc?: true;
  run(input: AuditInput): unknown;
}

/** Calls `f`, turning a thrown refusal into a value: a parser may refuse bad input, just quickly. */
const settle = (f: () => unknown): unknown => {
  try {
    return f();
  } catch (err) {
    return err instanceof Error ? err.message.length : err;
  }
};

/** Feeds every byte to a sampling constraint as the sampler does: ask first, then record (`budget`: the window's bytes). */
function feed(ext: string, bytes: Uint8Array, budget?: number): number {
  const c = constraintFor(ext, { budget });
  let allowed = 0;
  if (!c) return 0;
  for (const b of bytes) {
    if (c.allows(b)) allowed++;
    c.push(b);
  }
  return allowed;
}

/**
 * The entry points: every detector, validator, parser and guidance function that sees bytes or text
 * from outside (imported files, uploads, generated samples, prompts, logs, request targets and headers,
 * command-line arguments, names), by layer.
 */
export const ENTRIES: AuditEntry[] = [
  // formats/: detection, validation, guidance, sampling constraints (imports, generated samples, prompts)
  { name: 'detectModality', abc: true, source: 'src-main/formats/modality.ts', run: (i) => [detectModality(i.bytes, 'txt'), detectModality(i.bytes, 'dat'), detectModality(i.bytes, 'bin')] },
  { name: 'validate as ABC', abc: true, source: 'src-main/formats/abc.ts', run: (i) => settle(() => validate(i.bytes, 'abc')) },
  { name: 'validate as text', source: 'src-main/formats/text.ts', run: (i) => settle(() => validate(i.bytes, 'txt')) },
  { name: 'validate by content (no known extension)', abc: true, source: 'src-main/formats/validate.ts', run: (i) => settle(() => validate(i.bytes, 'dat')) },
  { name: 'validate as MIDI, WAV, BMP', source: 'src-main/formats/{midi,wav,bmp}.ts', run: (i) => ['mid', 'wav', 'bmp'].map((e) => settle(() => validate(i.bytes, e))) },
  { name: 'CPU trace check', source: 'src-main/formats/cpu/validate.ts', run: (i) => [settle(() => traceError(i.bytes)), settle(() => looksLikeTrace(i.bytes))] },
  { name: 'readAbcMusic (bars against the meter, as abc2midi counts them)', abc: true, source: 'src-main/formats/abc-music.ts', run: (i) => splitTunes(i.text).tunes.map((t) => readAbcMusic(t.lines, t.firstLine).bars) },
  { name: 'splitTunes', abc: true, source: 'src-main/formats/abc.ts', run: (i) => splitTunes(i.text).tunes.length },
  { name: 'judgeSample + guidanceLine', abc: true, source: 'src-main/formats/guidance.ts', run: (i) => ['abc', 'txt', 'mid'].map((e) => guidanceLine(judgeSample(i.bytes, e, { stoppedBy: 'window', windowPatches: 512 }))) },
  { name: 'ABC sampling constraint', abc: true, source: 'src-main/formats/constraints.ts', run: (i) => feed('abc', i.bytes) },
  { name: 'ABC tune grammar, planning its end in a window', abc: true, source: 'src-main/formats/abc-grammar.ts', run: (i) => feed('abc', i.bytes, 1007) },
  { name: 'UTF-8 sampling constraint', source: 'src-main/formats/constraints.ts', run: (i) => feed('txt', i.bytes) },
  { name: 'MIDI sampling constraint', source: 'src-main/formats/constraints-midi.ts', run: (i) => feed('mid', i.bytes) },
  // formats/preview/: the viewers (renderer), abcjs and @tonejs/midi included
  { name: 'ABC viewer (abcjs parseOnly)', abc: true, source: 'src-main/formats/preview/abc.ts', maxBytes: 16 * 1024, run: (i) => settle(() => parseAbc(i.bytes).issues.length) },
  { name: 'MIDI viewer', source: 'src-main/formats/preview/midi.ts', run: (i) => settle(() => { const v = parseMidi(i.bytes); return playbackNotes(i.bytes, v).notes.length; }) },
  { name: 'WAV viewer', source: 'src-main/formats/preview/wav.ts', run: (i) => settle(() => { const v = parseWav(i.bytes); return wavPeaks(v, 64, 0, 100).length; }) },
  { name: 'BMP viewer', source: 'src-main/formats/preview/bmp.ts', run: (i) => settle(() => parseBmp(i.bytes)) },
  { name: 'text and hex viewers', source: 'src-main/formats/preview/{text,kind}.ts', run: (i) => { const idx = indexText(i.bytes); return [textRows(i.bytes, idx, 0, 50).length, hexRows(i.bytes, 0, 50).length, viewKind('txt', i.bytes), viewKind('abc', i.bytes)]; } },
  // formats/convert/ and datasets/: `bgpt datasets convert`, tune books, import statistics
  { name: 'abcToMidi (abcjs)', abc: true, source: 'src-main/formats/convert/abc-midi.ts', maxBytes: 4 * 1024, run: (i) => settle(() => abcToMidi(i.text).length) },
  { name: 'textToUtf8, wavToClips, imageToBmp', source: 'src-main/formats/convert/*.ts', run: (i) => [settle(() => textToUtf8(i.bytes)), settle(() => wavToClips(i.bytes).length), settle(() => imageToBmp(i.bytes))] },
  { name: 'convertFile (.txt, .wav, .png, .jpg, .bmp)', source: 'src-main/datasets/convert.ts', run: (i) => ['x.txt', 'x.wav', 'x.png', 'x.jpg', 'x.bmp', 'x.dat'].map((n) => settle(() => convertFile(n, i.bytes))) },
  { name: 'tune books: readTuneBook, cleanTuneLines, musicKey, tuneHeader, tuneSlug', abc: true, source: 'src-main/formats/abc-book.ts', run: (i) => [readTuneBook(i.text).tunes.length, readTuneBook(`U:T=!trill!\nX:1\nK:C\n${i.text}`).tunes.length, cleanTuneLines(i.text.split('\n')).length, musicKey(i.text).length, tuneHeader(i.text).title.length, tuneSlug(i.text)] },
  { name: 'transposing a tune (ABC)', abc: true, source: 'src-main/formats/abc-transpose.ts', run: (i) => [transposeAbc(i.text, 2), transposeAbc(i.text, -5)].map((r) => ('error' in r ? r.error : r.abc.length)) },
  { name: 'music events and features (report cards)', abc: true, source: 'src-main/formats/{music-events,music-stats}.ts', run: (i) => { const a = abcEvents(i.text); return [a.notes.length, featuresOf(a) !== null, settle(() => musicEvents(i.bytes, 'mid')?.notes.length)]; } },
  { name: 'import of a tune book in 3 keys (planEntries)', abc: true, source: 'src-main/datasets/import.ts', run: (i) => settle(() => planEntries([{ relPath: 'book.abc', displayPath: 'book.abc', bytes: i.bytes }], { home: '/nonexistent', keys: 3 }).plan.files.length) },
  { name: "IrishMAN's records", source: 'src-main/datasets/collections.ts', run: (i) => [settle(() => irishmanEntries(i.bytes, 'train', 'x.json').entries.length), settle(() => irishmanEntries(new TextEncoder().encode(JSON.stringify([{ 'abc notation': i.text.slice(0, 60_000) }])), 'train', 'x.json').entries.length)] },
  { name: 'tune collection source (name or URL)', source: 'src-main/studio/dataset-download.ts', run: (i) => [settle(() => resolveCollection(i.text, true).name.length), settle(() => resolveCollection(`https://h/${i.text.slice(0, 4096)}`, true).name.length), settle(() => resolveCollection(i.text, false))] },
  { name: 'import: pairKeyOf, statistics', source: 'src-main/datasets/{split,stats}.ts', run: (i) => { const s = new StatsAccumulator(); s.add(i.bytes); return [pairKeyOf(i.text), s.result().count]; } },
  // engine/torch/: what a .pth and its logs-*.txt hold
  { name: 'reference trainer log (logs-*.txt)', source: 'src-main/engine/torch/log.ts', run: (i) => settle(() => parseReferenceLog(i.text).length) },
  { name: 'restricted unpickler', source: 'src-main/engine/torch/pickle.ts', run: (i) => settle(() => unpickle(i.bytes)) },
  { name: 'config from state-dict names', source: 'src-main/engine/torch/infer-config.ts', run: (i) => settle(() => inferConfig(new Map([[i.text, [1]], [`patch_level_decoder.base.h.${i.text}`, [1]]]), 'generative', 'x.pth')) },
  // shared/, catalogue/, studio/: names, terminal output, request schemas, download headers
  { name: 'terminal escapes', source: 'src-main/shared/terminal.ts', run: (i) => [escapeControls(i.text).length, escapeInline(i.text).length, terminalJson({ t: i.text }).length] },
  { name: 'extension of a file name', source: 'src-main/shared/patches.ts', run: (i) => extOf(i.text) },
  { name: 'request schemas (generate ext, train conversion, download sha256)', source: 'src-main/shared/contract/{common,runs,models}.ts', run: (i) => [args.generate.safeParse({ runId: 'run_x', ext: i.text }).success, args.startRun.safeParse({ datasetId: 'ds_x', conversion: i.text }).success, args.downloadModel.safeParse({ source: 'text', sha256: i.text }).success] },
  { name: 'model names', source: 'src-main/catalogue/models.ts', run: (i) => settle(() => checkModelName(i.text)) },
  { name: 'sha256 from a download header', source: 'src-main/studio/download.ts', run: (i) => [sha256FromHeader(i.text), sha256FromHeader(`"${i.text}"`)] },
  { name: 'download source (name or URL)', source: 'src-main/studio/models.ts', run: (i) => settle(() => resolveDownloadSource(i.text)) },
  { name: 'download URLs: scheme, loopback, hub hosts', source: 'src-main/studio/published.ts', run: (i) => settle(() => { const u = new URL(`https://h/${encodeURIComponent(i.text.slice(0, 4096))}`); return [transportProblem(u), hubRedirectAllowed(u), isLoopbackHost(i.text)]; }) },
  { name: 'machine paths said without the machine (bgpt serve)', source: 'src-main/studio/redact.ts', run: (i) => pathRedactor('/home/u/.bgpt', '/home/u')(i.text).length },
  { name: 'dialog selections (a .pth and its log)', source: 'src-main/studio/grants.ts', run: (i) => { const g = new PathGrants(); return settle(() => grantedModelFile(g, g.grant([`/x/${i.text.slice(0, 4096)}.pth`, `/x/${i.text.slice(0, 4096)}.txt`]).selection)); } },
  { name: 'save dialog name', source: 'src-main/main/policy.ts', run: (i) => saveDialogName(i.text) },
  // server/: request targets and headers of `bgpt serve`
  { name: 'request guards', source: 'src-main/server/guards.ts', run: (i) => { const t = parseTarget('/' + i.text); return [t && authorize(t.pathname, t.query, 'tok'), safeDecode(i.text), isOwnHost(i.text, 7860), isOwnOrigin(i.text, 7860)]; } },
  // cli/: argument parsing (the unknown-option message is cut by a regex)
  { name: 'command-line arguments', source: 'src-main/cli/framework.ts', run: (i) => [settle(() => parseCommandArgs(modelsImport, [`--${i.text}`])), settle(() => parseCommandArgs(modelsImport, ['--name', i.text, i.text]))] },
  // src-renderer/lib/: names and hashes the renderer builds from user text
  { name: 'renderer: extension, file names, routes, image names', source: 'src-renderer/lib/{validate,csv,routes,image-import}.ts', run: (i) => [normalizeExt(i.text), safeFileStem(i.text), exportFileName({ id: 'smp_1', ext: 'abc', runName: i.text }), parseHash('#/' + i.text), isConvertibleImage(i.text), bmpName(i.text + '.png')] },
];

/**
 * Source files that hold a regex no entry above runs, each with why it needs none (it sees only the
 * studio's own strings, or it is linear by construction on a bounded value). redos.test.ts checks that
 * every file with a regex is either a `source` above or listed here.
 */
export const REVIEWED_REGEX_FILES: Record<string, string> = {
  'src-main/checkpoint/adapter.ts': 'tensor names and a sha256 from an adapter file: anchored, fixed suffix or bounded class',
  'src-main/checkpoint/layout.ts': 'the .pth/.pt suffix of a name',
  'src-main/studio/checkpoints.ts': '--checkpoint specs: one class / fixed suffix',
  'src-main/studio/export.ts': 'file names of an export (`\\.[^.]*$`)',
  'src-main/catalogue/catalogue.ts': 'tag normalisation `\\s+` and LIKE escaping `[\\\\%_]` (single class, global: linear); SQLite messages',
  'src-main/catalogue/paths.ts': 'ids, sha256 and extensions: anchored single classes with bounded repeats',
  'src-main/catalogue/reconcile.ts': 'names the studio wrote itself (`\\.json$`, `\\.[^.]*$`)',
  'src-main/catalogue/recover.ts': 'an ISO date the studio made',
  'src-main/catalogue/store.ts': 'SQLite error messages',
  'src-main/cli/commands/datasets.ts': "the import's own progress lines",
  'src-main/cli/commands/export.ts': '--conversion: anchored, classes exclude the separator (linear); file names `\\.[^.]*$`',
  'src-main/cli/commands/report.ts': 'a leading dot of --ext (anchored)',
  'src-main/cli/commands/train.ts': 'zod issue paths (option names)',
  'src-main/datasets/tunebook.ts': "abc2midi's own output lines (`error`, `Bar N has … time units`: no nested repeats), capped at 20 s a run",
  'src-main/datasets/walk.ts': 'file names: one character class, no repeat',
  'src-main/engine/classify/labels.ts': 'path split on one class',
  'src-main/engine/backend/resources.ts': 'the BGPT_MEMORY_LIMIT-style environment value (the user\'s own), anchored',
  'src-main/engine/torch/export.ts': 'the studio\'s own conversion string and base names (one class)',
  'src-main/engine/torch/read.ts': 'zip entry names: anchored, `[^/]+\\/` cannot backtrack; `\\.(pth|pt)$`',
  'src-main/engine/torch/write.ts': 'the output file name (one class, `\\.[^.]*$`)',
  'src-main/engine/backend/webgpu.ts': "the GPU adapter's own description",
  'src-main/formats/music-length.ts': 'anchored two-character field tests (`^K:`, `^X:`) per line',
  'src-main/formats/preview/kind.ts': 'a leading dot of an extension',
  'src-main/formats/wav.ts': 'a 4-character chunk id',
  'src-main/main/index.ts': 'URLs of the window\'s own requests (anchored scheme)',
  'src-main/studio/datasets.ts': 'upload names: one class, global',
  'src-main/engine/model/lora.ts': "the engine's own tensor names (anchored suffix alternation, linear)",
  'src-main/engine/train/bench.ts': "an error message of the bench's own training run (literal alternation, linear)",
  'src-main/node/peak-rss.ts': "the kernel's /proc/self/status line (anchored, one class)",
  'src-main/studio/adapter-base.ts': 'a base model\'s file name: one anchored suffix test, `\\.(pth|pt)$` (linear)',
  'src-main/studio/adapter-import.ts': 'an adapter folder or zip name: anchored suffix tests and a bounded `^[\\w .·+-]{1,100}$` on one class (linear)',
  'src-main/studio/drag.ts': 'a dragged sample\'s name: a split on one class, a global single class, anchored dots, `\\.[^.]*$` (linear)',
  'src-main/studio/model-file.ts': 'names in the folder of a granted .pth (anchored, `.*` then a fixed suffix: linear)',
  'src-main/studio/samples.ts': "the studio's own sample names and paths",
  'src-renderer/components/StarRating.svelte': 'one key name',
  'src-renderer/lib/api.ts': "the page's own path (anchored, one class)",
  'src-renderer/lib/export.ts': 'an export name\'s extension `\\.[^.]*$` (linear)',
  'src-renderer/lib/folder-drop.ts': 'a leading-slash trim (anchored)',
  'src-renderer/lib/handoff.ts': "a run's conversion string (validated by the contract)",
  'src-renderer/state/generate-form.ts': 'a leading dot',
  'src-renderer/state/library.svelte.ts': 'a leading dot',
  'src-renderer/state/studio.svelte.ts': 'an export name\'s extension `\\.[^.]*$` (linear)',
  'src-renderer/state/train-form.ts': 'the conversion pattern, as the contract (anchored, separators excluded)',
  'src-renderer/viewers/piano.ts': "the app's own sample file names",
  'src-renderer/views/generate/GenerateForm.svelte': "a run's conversion string",
};
