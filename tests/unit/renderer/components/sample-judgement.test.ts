// The memorisation and guidance block the Library and the Generate view share (SampleJudgement.svelte),
// compiled by the real Svelte compiler and rendered on the server: what each kind of sample shows, and
// that both views use the one component rather than copies of its markup.
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { compile } from 'svelte/compiler';
import { render } from 'svelte/server';

const ROOT = path.join(import.meta.dirname, '../../../..');
const COMPONENT = path.join(ROOT, 'src-renderer/components/SampleJudgement.svelte');

async function loadComponent(): Promise<(props: { sample: unknown }) => string> {
  const { js } = compile(await fs.readFile(COMPONENT, 'utf8'), { generate: 'server', filename: COMPONENT });
  // Written inside the project so its `svelte/internal/server` import resolves from node_modules.
  const dir = await fs.mkdtemp(path.join(ROOT, 'node_modules/.bgpt-test-'));
  const file = path.join(dir, 'SampleJudgement.mjs');
  await fs.writeFile(file, js.code);
  try {
    const mod = await import(file);
    return (props) => render(mod.default, { props }).body;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe('SampleJudgement', () => {
  it('shows the copied share, the closest file and the guidance of a sample', async () => {
    const html = await loadComponent();
    const copy = html({ sample: { copiedShare: 0.913, isCopy: true, closestFile: 'reel_12.abc', guidance: { causes: ['stopped at the window'], advice: ['a, b', 'c', 'd', 'e'] } } });
    expect(copy).toContain('data-testid="sample-memorisation"');
    expect(copy).toContain('Mostly a copy of the training data');
    expect(copy).toContain('91 % of its bytes');
    expect(copy).toContain('reel_12.abc');
    expect(copy).toContain('stopped at the window');
    // At most three pieces of advice.
    expect(copy).toContain('<li>d</li>');
    expect(copy).not.toContain('<li>e</li>');

    const fresh = html({ sample: { copiedShare: 0.04, isCopy: false, closestFile: null, guidance: { causes: [], advice: [] } } });
    expect(fresh).toContain('Copied from the training files:');
    expect(fresh).toContain('4 % of its bytes');
    expect(fresh).not.toContain('closest');
    expect(fresh).not.toContain('sample-guidance');

    // No check ran (a model outside the catalogue's runs): nothing to say.
    const unknown = html({ sample: { copiedShare: null, isCopy: null, closestFile: null, guidance: null } });
    expect(unknown).not.toContain('sample-memorisation');
  });

  it('is the one markup both views use', async () => {
    for (const view of ['src-renderer/views/library/SampleDetail.svelte', 'src-renderer/views/generate/GenerateOutputs.svelte']) {
      const text = await fs.readFile(path.join(ROOT, view), 'utf8');
      expect(text).toContain('<SampleJudgement ');
      expect(text).not.toContain('copiedShare');
    }
  });
});
