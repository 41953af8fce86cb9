// Tune collections the studio can download by name (docs/music.md, "Tune collections"): where each one's
// files live and which split each file is. Pure data: the studio downloads them (studio/dataset-download.ts),
// the Datasets view offers them, `bgpt datasets download NAME` takes the name.

/** One file of a collection and the split its tunes go to. */
export interface CollectionFile {
  /** Path in the Hugging Face dataset repository. */
  file: string;
  split: 'train' | 'eval';
  /** How its tunes are stored. */
  format: 'irishman-json';
}

export interface TuneCollection {
  name: string;
  title: string;
  description: string;
  /** Hugging Face dataset repository (`https://huggingface.co/datasets/<repo>`). */
  repo: string;
  files: CollectionFile[];
  /** The dataset name it lands as unless the user gives one. */
  datasetName: string;
}

/**
 * IrishMAN (Wu et al., sander-wood/irishman on Hugging Face, MIT licence): 216,284 Irish tunes from
 * thesession.org and abcnotation.com in ABC, the set bGPT's paper converts ABC ↔ MIDI on; 214,122 for
 * training and 2,162 for validation, each a JSON array of {"abc notation", "control code"} records.
 */
export const TUNE_COLLECTIONS: readonly TuneCollection[] = [
  {
    name: 'irishman',
    title: 'IrishMAN',
    description: "216,284 Irish tunes in ABC (thesession.org, abcnotation.com; bGPT's paper trains ABC ↔ MIDI on them); its own validation split is the eval split",
    repo: 'sander-wood/irishman',
    files: [
      { file: 'train.json', split: 'train', format: 'irishman-json' },
      { file: 'validation.json', split: 'eval', format: 'irishman-json' },
    ],
    datasetName: 'IrishMAN',
  },
];

export function tuneCollection(name: string): TuneCollection | undefined {
  return TUNE_COLLECTIONS.find((c) => c.name === name.trim().toLowerCase());
}
