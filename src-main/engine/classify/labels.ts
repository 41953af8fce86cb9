// Classification labels of files (docs/cli.md; the reference `train-cls.py` ByteDataset): the file
// name's prefix before the first `_` plus `.` and the extension, or the name of the file's folder.
import { UserError } from '../../shared/errors';
import { extOf } from '../../shared/patches';

/** How labels are read: from file names (the reference) or from the folder each file sits in. */
export type LabelSource = 'name' | 'folder';

/** The last path component ('/' or '\\' separated). */
function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

/**
 * The reference's label, exactly: `basename.split('_')[0] + '.' + ext` with ext the text after the
 * last dot. A name without `_` keeps its whole name as the prefix: `cat.bmp` → `cat.bmp.bmp`, as
 * train-cls.py does (documented in docs/classification.md).
 */
export function nameLabel(filePath: string): string {
  const base = baseName(filePath);
  return `${base.split('_')[0]}.${extOf(base)}`;
}

/** The folder label: the name of the folder holding the file (`cats/001.bmp` → `cats`). */
export function folderLabel(filePath: string): string | null {
  const parts = filePath.split(/[\\/]/).filter((s) => s.length > 0);
  return parts.length >= 2 ? parts[parts.length - 2] : null;
}

/** Folder names that mark the split, never a label (the reference's train/ and eval folders). */
const SPLIT_FOLDERS = new Set(['train', 'eval', 'test']);

/**
 * Which label source a set of relative paths uses: folders when no file name has a `_` and every
 * file sits in a folder other than a split folder; else the reference's file-name prefixes.
 */
export function detectLabelSource(relPaths: string[]): LabelSource {
  if (relPaths.length === 0) return 'name';
  const byFolder = relPaths.every((p) => {
    const f = folderLabel(p);
    return f !== null && !SPLIT_FOLDERS.has(f) && !baseName(p).includes('_');
  });
  return byFolder ? 'folder' : 'name';
}

/** The label of one file under a source; a folder-mode file outside any folder is a UserError. */
export function labelOf(relPath: string, source: LabelSource): string {
  if (source === 'name') return nameLabel(relPath);
  const f = folderLabel(relPath);
  if (!f) throw new UserError(`${relPath}: labels come from folders, but this file is in none`, 'BAD_INPUT');
  return f;
}

/** The label list of a training set: sorted, so a label's index does not depend on file order. */
export function labelList(labels: string[]): string[] {
  return [...new Set(labels)].sort();
}
