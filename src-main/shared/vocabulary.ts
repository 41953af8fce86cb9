// Words every layer shares: what kind of file a thing is, how a sample was judged, where a run stands.
// They live here, at the bottom of the layering (docs/ARCHITECTURE.md), so that the contract, the formats and
// the catalogue all use one definition without importing each other.

/** What the studio recognises a file as (detected from its bytes and extension). */
export type Modality = 'midi' | 'abc' | 'wav' | 'bmp' | 'text' | 'cpu' | 'binary';

/** How a generated file was judged: as it came, fixed by a repair, or unusable. */
export type Validity = 'valid' | 'repaired' | 'invalid';

/**
 * What a checkpoint can do: generate bytes (generative), convert one format into another (conversion: a
 * generative model trained on pairs; only its run or model record says so), or label files (classifier).
 */
export type CheckpointKind = 'generative' | 'conversion' | 'classifier';

export type RunStatus = 'queued' | 'running' | 'paused' | 'stopped' | 'interrupted' | 'failed' | 'done';
