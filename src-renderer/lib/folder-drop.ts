// Folders in the browser (docs/walkthrough.md): a dropped folder arrives as a FileSystemDirectoryEntry
// (DataTransferItem.webkitGetAsEntry, https://wicg.github.io/entries-api/), a picked one as files with
// webkitRelativePath. Both become files named by their path inside the folder, because the folder
// layout carries meaning for the import (an eval/ sub-folder, pairs such as tune.abc + tune.mid).

/** A file with the path it had inside what the user dropped or picked ("tunes/eval/a.abc"). */
export interface NamedFile {
  file: File;
  path: string;
}

/** The name to import a file under: its path inside a picked folder, else its own name. */
export function importName(f: File | NamedFile): string {
  if ('path' in f) return f.path;
  return (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** Every entry of a directory: readEntries answers in batches (about 100) until an empty one. */
async function entriesOf(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

async function walk(entry: FileSystemEntry, out: NamedFile[]): Promise<void> {
  if (entry.isFile) out.push({ file: await fileOf(entry as FileSystemFileEntry), path: entry.fullPath.replace(/^\/+/, '') });
  else if (entry.isDirectory) for (const child of await entriesOf(entry as FileSystemDirectoryEntry)) await walk(child, out);
}

/**
 * The files of a drop, folders walked recursively. Entries must be taken synchronously in the drop
 * handler (the DataTransfer empties once it returns), so call this before any await.
 */
export function filesFromDrop(dt: DataTransfer): Promise<NamedFile[]> {
  const entries = [...dt.items].map((item) => item.webkitGetAsEntry?.() ?? null);
  const plain = [...dt.files];
  return (async () => {
    if (entries.some((e) => e === null)) return plain.map((file) => ({ file, path: file.name }));
    const out: NamedFile[] = [];
    for (const e of entries) await walk(e as FileSystemEntry, out);
    return out;
  })();
}
