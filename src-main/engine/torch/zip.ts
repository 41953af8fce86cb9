// Random access to the zip archive `torch.save` writes (PyTorch `caffe2/serialize/inline_container.cc`):
// STORED entries `<prefix>/data.pkl`, `<prefix>/data/<key>`, `<prefix>/version`, data 64-byte aligned.
// yauzl reads the central directory (zip64 included) lazily; tensor bytes are then read with plain
// positioned reads straight into the caller's buffers, so a 440 MB file is never held twice.
import { promises as fs } from 'node:fs';
import yauzl from 'yauzl';
import { UserError } from '../../shared/errors';

/**
 * A torch archive holds a pickle, a version, a byte order and one entry per storage: the reference
 * trainer's paper-size file with optimizer state has 796 entries, names of 12 characters. Far more, or
 * far longer names, is a central directory built to fill memory.
 */
const MAX_ENTRIES = 100_000;
const MAX_ENTRY_NAME = 1024;

export interface ZipEntryInfo {
  name: string;
  /** Bytes once read (equal to the stored size: only STORED entries are read for data). */
  size: number;
  compressed: boolean;
  entry: yauzl.Entry;
}

const mib = (bytes: number): string => `${+(bytes / 2 ** 20).toFixed(1)} MiB`;

function fail(file: string, what: string): never {
  throw new UserError(`${file}: ${what}`, 'BAD_CHECKPOINT');
}

/** An open torch zip archive; `close()` when done. */
export class TorchZip {
  private constructor(
    readonly file: string,
    private readonly zip: yauzl.ZipFile,
    private readonly handle: fs.FileHandle,
    readonly fileSize: number,
    readonly entries: Map<string, ZipEntryInfo>,
  ) {}

  static async open(file: string): Promise<TorchZip> {
    const handle = await fs.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
      fail(file, `cannot read the PyTorch checkpoint (${err.code === 'ENOENT' ? 'no such file' : err.code ?? 'error'})`);
    });
    let opened: yauzl.ZipFile | null = null;
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) fail(file, 'not a file');
      const zip: yauzl.ZipFile = opened = await new Promise<yauzl.ZipFile>((resolve, reject) => {
        // yauzl keeps a descriptor of its own: closing it never touches `handle`.
        yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: true }, (err, z) => (err ? reject(err) : resolve(z)));
      }).catch((err: Error) => fail(file, `not a PyTorch zip checkpoint (${err.message}); legacy (pre-1.6) and TorchScript files are not read`));
      const entries = new Map<string, ZipEntryInfo>();
      await new Promise<void>((resolve, reject) => {
        zip.on('entry', (e: yauzl.Entry) => {
          if (entries.size >= MAX_ENTRIES) { reject(new Error(`more than ${MAX_ENTRIES} entries`)); return; }
          if (e.fileName.length > MAX_ENTRY_NAME) { reject(new Error(`an entry name longer than ${MAX_ENTRY_NAME} characters`)); return; }
          entries.set(e.fileName, { name: e.fileName, size: e.uncompressedSize, compressed: e.compressionMethod !== 0, entry: e });
          zip.readEntry();
        });
        zip.on('end', () => resolve());
        zip.on('error', reject);
        zip.readEntry();
      }).catch((err: Error) => fail(file, `bad zip archive (${err.message})`));
      return new TorchZip(file, zip, handle, stat.size, entries);
    } catch (err) {
      opened?.close();
      await handle.close().catch(() => {});
      throw err;
    }
  }

  /** Where an entry's bytes start in the file, checked to lie inside it. */
  async dataStart(info: ZipEntryInfo): Promise<number> {
    if (info.compressed) fail(this.file, `zip entry ${info.name} is compressed; torch.save stores tensors uncompressed`);
    let start: number;
    try {
      start = (await this.zip.readLocalFileHeaderPromise(info.entry, { minimal: true })).fileDataStart;
    } catch (err) {
      fail(this.file, `bad zip entry ${info.name} (${(err as Error).message})`);
    }
    if (start + info.size > this.fileSize) fail(this.file, `zip entry ${info.name} claims ${info.size} bytes past the end of the file (truncated?)`);
    return start;
  }

  /** A whole small entry (the pickle, the version); refuses anything above `maxBytes`. */
  async readEntry(name: string, maxBytes: number): Promise<Buffer> {
    const info = this.entries.get(name);
    if (!info) fail(this.file, `zip entry ${name} is missing`);
    if (info.size > maxBytes) fail(this.file, `zip entry ${name} declares ${mib(info.size)}, more than its ${mib(maxBytes)} limit`);
    if (!info.compressed) {
      const start = await this.dataStart(info); // checks the entry lies inside the file before allocating
      const out = Buffer.alloc(info.size);
      await this.read(out, start, name);
      return out;
    }
    // A deflated pickle is not what torch writes, but zip tools that re-pack an archive may do it.
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
      this.zip.openReadStream(info.entry, (err, s) => (err ? reject(err) : resolve(s)));
    }).catch((err: Error) => fail(this.file, `bad zip entry ${name} (${err.message})`));
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const c of stream as AsyncIterable<Buffer>) {
        total += c.length;
        if (total > maxBytes) fail(this.file, `zip entry ${name} inflates past its ${mib(maxBytes)} limit`);
        chunks.push(c);
      }
    } catch (err) {
      if (err instanceof UserError) throw err;
      fail(this.file, `bad zip entry ${name} (${(err as Error).message})`);
    }
    return Buffer.concat(chunks);
  }

  /** Fills `target` from file position `position` (a short read is a truncated file). */
  async read(target: Uint8Array, position: number, what: string): Promise<void> {
    let done = 0;
    while (done < target.length) {
      const { bytesRead } = await this.handle.read(target, done, target.length - done, position + done);
      if (bytesRead === 0) fail(this.file, `${what}: file ends early (truncated?)`);
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    this.zip.close();
    await this.handle.close().catch(() => {});
  }
}
