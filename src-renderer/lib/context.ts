// Typed Svelte context for the one Studio object: components call getStudio() instead of importing a
// global, so a test or a second window can mount the app with its own.
import { getContext, setContext } from 'svelte';
import type { Studio } from '../state/studio.svelte';

const STUDIO_KEY = Symbol('studio');

export function setStudio(studio: Studio): Studio {
  return setContext(STUDIO_KEY, studio);
}

export function getStudio(): Studio {
  const studio = getContext<Studio | undefined>(STUDIO_KEY);
  if (!studio) throw new Error('getStudio() called outside <App>');
  return studio;
}
