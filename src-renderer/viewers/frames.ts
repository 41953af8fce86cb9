// Helpers that keep long work off the UI's critical path: wait for the next animation frame between
// slices of work.

/** Resolves on the next animation frame (or a macrotask where frames are throttled, e.g. hidden tabs). */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 50);
    requestAnimationFrame(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
