// Names that tell runs apart on a chart legend: run names are often automatic ("dataset · preset")
// and repeat, so a repeated name gets its place in creation order ("… · tiny #2"), short enough to
// stay readable in a legend.

export interface Named {
  id: string;
  name: string;
  created: string;
}

/** Run id → a label unique among `runs` (the name alone when it is unique). */
export function distinctLabels(runs: readonly Named[]): Map<string, string> {
  const byName = new Map<string, Named[]>();
  for (const r of runs) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  const labels = new Map<string, string>();
  for (const [name, group] of byName) {
    if (group.length === 1) labels.set(group[0].id, name);
    else [...group].sort(byCreation).forEach((r, i) => labels.set(r.id, `${name} #${i + 1}`));
  }
  return labels;
}

/** Oldest first; the id breaks ties between runs created in the same instant. */
function byCreation(a: Named, b: Named): number {
  return a.created.localeCompare(b.created) || a.id.localeCompare(b.id);
}
