// The one way an adapter is named (status bar, run monitor, runs table, compare table, engine logs) and
// the check that keeps a hand-edited run record from passing anything but an adapter along.
import { describe, expect, it } from 'vitest';
import { adapterLabel, backendLabel, parseAdapter, type GpuAdapterInfo } from '../../../src-main/shared/adapter';

const base: GpuAdapterInfo = {
  vendor: 'nvidia', architecture: 'hopper', device: 'nvidia-h200', description: 'NVIDIA H200',
  software: false, maxBufferSize: 1 << 30, maxStorageBufferBindingSize: 1 << 27,
};

describe('adapterLabel / backendLabel', () => {
  it('names vendor and device, else the architecture, else the description, marking software adapters', () => {
    expect(adapterLabel(base)).toBe('nvidia nvidia-h200');
    expect(adapterLabel({ ...base, vendor: 'amd', device: '', architecture: 'rdna-3' })).toBe('amd rdna-3');
    expect(adapterLabel({ ...base, vendor: 'intel', device: '', architecture: '', description: 'Intel Arc A770' })).toBe('intel Intel Arc A770');
    expect(adapterLabel({ ...base, vendor: 'google', device: 'swiftshader', software: true })).toBe('google swiftshader (software)');
  });

  it('puts the backend first and says nothing of an adapter it does not have', () => {
    expect(backendLabel('webgpu', base)).toBe('webgpu on nvidia nvidia-h200');
    expect(backendLabel('webgpu', null)).toBe('webgpu');
    expect(backendLabel('wasm', undefined)).toBe('wasm');
    expect(backendLabel(null, null)).toBe('—');
  });
});

describe('parseAdapter', () => {
  it('keeps exactly the adapter fields of a well-formed value', () => {
    expect(parseAdapter(base)).toEqual(base);
    expect(parseAdapter({ ...base, onload: 'x', __proto__: { polluted: true } })).toEqual(base);
    expect(Object.keys(parseAdapter({ ...base, extra: 1 }) ?? {})).toEqual(Object.keys(base));
  });

  it('gives null for anything that is not an adapter', () => {
    for (const bad of [null, undefined, 'nvidia', 42, [base], {}, { ...base, vendor: 1 }, { ...base, software: 'no' },
      { ...base, maxBufferSize: -1 }, { ...base, maxBufferSize: Number.NaN }, { ...base, description: 'x'.repeat(10_000) }]) {
      expect(parseAdapter(bad)).toBeNull();
    }
  });
});
