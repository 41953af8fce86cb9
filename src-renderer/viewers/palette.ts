// Track colours of the piano roll and its legend: distinct hues that stay apart from the surprisal
// scale's green-to-red when drawn as outlines around surprisal-coloured notes.
export const TRACK_COLORS = ['#2f62d8', '#d8602f', '#1d9a6c', '#a23fc4', '#c49a1d', '#d83f74', '#3fa8c4', '#6c7a1d'];

export function trackColor(index: number): string {
  return TRACK_COLORS[index % TRACK_COLORS.length];
}
