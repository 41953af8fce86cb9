// Named exports of CommonJS packages (@tonejs/midi, wavefile) under every loader: bundlers (Vite,
// Vitest) read their ES builds and expose the name; Node's ESM loader (tsx, the CLI) reads their
// CommonJS builds and exposes it only under `default`.

/** `ns[name]`, falling back to `ns.default[name]`. */
export function namedExport<M extends object, K extends keyof M>(ns: M, name: K): M[K] {
  return name in ns ? ns[name] : (ns as unknown as { default: M }).default[name];
}
