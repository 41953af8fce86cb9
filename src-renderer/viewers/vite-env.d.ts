// Vite's client types (import.meta.glob, `?url` asset imports) for the viewers' bundled audio samples.
/// <reference types="vite/client" />
