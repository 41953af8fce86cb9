// Words every layer shares: what kind of file a thing is, how a sample was judged, where a run stands.
// They live here, at the bottom of the layering (docs/ARCHITECTURE.md), so that the contract, the formats and
// the catalogue all use one definition without importing each other.

/** What the studio recognises a file as (detected from its bytes and extension). */
export type Modality = 'midi' | 'abc' | 'wav' | 'bmp' | 'text' | 'cpu' | 'binary';

/** How a generated file was judged: as it came, fixed by a repair, or unusable. */
export type Validity = 'valid' | 'repaired' | 'invalid';

export type RunStatus = 'queued' | 'running' | 'paused' | 'stopped' | 'interrupted' | 'failed' | 'done';
