// `bgpt generate` refuses a checkpoint too big for this machine before loading it (docs/security.md):
// exit 1, one line with the estimate, no output file and no studio home created.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/temp';

describe('bgpt generate memory refusal', () => {
  it('refuses a 19-billion-parameter config before reading any weights', () => {
    const dir = tempDir('bgpt-cli-limits-');
    const ck = path.join(dir, 'ck');
    mkdirSync(ck);
    // No model.safetensors at all: the refusal must come before anything tries to read it.
    writeFileSync(path.join(ck, 'config.json'), JSON.stringify({ patch_size: 16, patch_length: 4096, hidden_size: 4096, patch_num_layers: 48, byte_num_layers: 48 }));
    const out = path.join(dir, 'out.abc');
    const r = spawnSync(process.execPath, ['bin/bgpt.js', 'generate', '--checkpoint', ck, '--ext', 'abc', '--out', out, '--home', path.join(dir, 'home')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/needs about [\d.]+ GiB, more than the [\d.]+ (GiB|MiB) of available RAM it may use: /);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(path.join(dir, 'home'))).toBe(false);
  }, 90_000);
});
