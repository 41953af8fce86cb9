// Keyboard transport for the players (docs/walkthrough.md, "Play"): Space plays or pauses from anywhere
// in the viewer — on its buttons too (Enter still clicks them), so the key a musician reaches for never
// closes the dialog — except where Space is typing (a text field, a select). ←/→ seek 5 s except where
// the arrows already move something (a text field, a select, a slider). Opening a file focuses Play.

/** Seconds one arrow press moves: about two bars of a reel at a usual tempo. */
export const SEEK_STEP_SECONDS = 5;

/** What the keys drive: the MIDI/ABC player and the WAV player both fit. */
export interface Transport {
  readonly playing: boolean;
  play(): unknown;
  pause(): void;
  readonly position: number;
  seek(seconds: number): void;
}

/** Input types whose Space and arrows are typing, not buttons. */
const TYPING_INPUTS = new Set(['text', 'search', 'number', 'email', 'url', 'password', 'tel', 'date', 'time', 'datetime-local', 'month', 'week']);

function element(target: EventTarget | null): HTMLElement | null {
  const el = target as HTMLElement | null;
  return el && typeof el.closest === 'function' ? el : null;
}

/** True where Space types or chooses (a text field, a select, an editable area). */
export function typesSpace(target: EventTarget | null): boolean {
  const el = element(target);
  if (!el) return false;
  if (el.isContentEditable || el.closest('textarea, select, [contenteditable]')) return true;
  const input = el.closest('input');
  return !!input && TYPING_INPUTS.has(input.type);
}

/** True where the arrow keys already move something (typing, a select, a slider). */
export function ownsArrows(target: EventTarget | null): boolean {
  const el = element(target);
  return typesSpace(target) || !!el?.closest('input[type=range], [role=slider], [role=tablist]');
}

/** Listens on the window while the player is shown; returns the function that stops listening. */
export function transportKeys(player: Transport, duration: () => number): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === ' ' && !typesSpace(e.target)) {
      // Taken on keydown, so a focused button or checkbox does not also act on the keyup.
      e.preventDefault();
      if (e.repeat) return;
      if (player.playing) player.pause();
      else void player.play();
    } else if ((e.key === 'ArrowRight' || e.key === 'ArrowLeft') && !ownsArrows(e.target)) {
      e.preventDefault();
      const to = player.position + (e.key === 'ArrowRight' ? SEEK_STEP_SECONDS : -SEEK_STEP_SECONDS);
      player.seek(Math.min(Math.max(0, to), duration()));
    }
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}

/**
 * Moves focus to the player's Play button once it can play, if focus is still where opening the
 * viewer left it (its dialog, or nowhere): a user who has moved on keeps their place. Waits a frame:
 * the button's `disabled` is updated after the effect that calls this.
 */
export function focusPlay(button: HTMLButtonElement): void {
  requestAnimationFrame(() => {
    const active = document.activeElement;
    const dialog = button.closest('dialog');
    if (button.disabled || !button.isConnected) return;
    if (!active || active === document.body || (dialog && active === dialog)) button.focus();
  });
}
