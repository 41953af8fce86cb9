// Keyboard transport for the players (docs/walkthrough.md): Space plays or pauses and ←/→ seek, from
// anywhere in the viewer — except where the key already means something (a text field, a select, a
// focused button, whose Space is its own click).
import type { MidiPlayer } from './midi-player.svelte';

/** Seconds one arrow press moves: about two bars of a reel at a usual tempo. */
export const SEEK_STEP_SECONDS = 5;

function ownsKey(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || typeof el.closest !== 'function') return false;
  return el.isContentEditable || !!el.closest('input, textarea, select, button, [role=slider], [contenteditable]');
}

/** Listens on the window while the player is shown; returns the function that stops listening. */
export function transportKeys(player: MidiPlayer, duration: () => number): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || ownsKey(e.target)) return;
    if (e.key === ' ') {
      e.preventDefault();
      if (player.state === 'started') player.pause();
      else void player.play();
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      const to = player.position + (e.key === 'ArrowRight' ? SEEK_STEP_SECONDS : -SEEK_STEP_SECONDS);
      player.seek(Math.min(Math.max(0, to), duration()));
    }
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}
