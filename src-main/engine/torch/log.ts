// Reads the log file the reference trainers append to (train-gen.py: "Epoch N\ntrain_loss: x\n
// eval_loss: y\ntime: ...\n\n"; train-cls.py writes train_acc / eval_acc and "Best Epoch so far!").
import { promises as fs } from 'node:fs';
import { UserError } from '../../shared/errors';

export interface ReferenceLogEpoch {
  epoch: number;
  trainLoss?: number;
  evalLoss?: number;
  trainAcc?: number;
  evalAcc?: number;
}

/** A log is a few lines per epoch; anything this big is not one. */
const MAX_LOG_BYTES = 64 * 1024 * 1024;

/** Parses log text; lines it does not know are skipped, a value that is not a number is an error. */
export function parseReferenceLog(text: string, source = 'log'): ReferenceLogEpoch[] {
  const out: ReferenceLogEpoch[] = [];
  let current: ReferenceLogEpoch | null = null;
  const fields: Record<string, keyof ReferenceLogEpoch> = { train_loss: 'trainLoss', eval_loss: 'evalLoss', train_acc: 'trainAcc', eval_acc: 'evalAcc' };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const epoch = /^Epoch (\d+)$/.exec(line);
    if (epoch) {
      current = { epoch: Number(epoch[1]) };
      out.push(current);
      return;
    }
    const m = /^(train_loss|eval_loss|train_acc|eval_acc): (.*)$/.exec(line);
    if (!m) return;
    if (!current) throw new UserError(`${source}:${i + 1}: ${m[1]} before any "Epoch N" line`, 'BAD_LOG');
    const v = m[2] === 'inf' ? Infinity : m[2] === 'nan' ? NaN : Number(m[2]);
    if (m[2] === '' || (Number.isNaN(v) && m[2] !== 'nan')) throw new UserError(`${source}:${i + 1}: ${m[1]} is not a number: ${JSON.stringify(m[2])}`, 'BAD_LOG');
    (current as unknown as Record<string, number>)[fields[m[1]]] = v;
  });
  return out;
}

/** Reads a reference `logs-*.txt` file: one entry per "Epoch N" block, in file order. */
export async function readReferenceLog(file: string): Promise<Array<{ epoch: number; trainLoss?: number; evalLoss?: number; trainAcc?: number; evalAcc?: number }>> {
  const stat = await fs.stat(file).catch(() => null);
  if (!stat || !stat.isFile()) throw new UserError(`${file}: no such log file`, 'ENOENT');
  if (stat.size > MAX_LOG_BYTES) throw new UserError(`${file}: ${stat.size} bytes is too large for a training log`, 'BAD_LOG');
  return parseReferenceLog(await fs.readFile(file, 'utf8'), file);
}
